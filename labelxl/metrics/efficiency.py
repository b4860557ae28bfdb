"""Efficiency from Production and Timesheet: items, throughput and AHT against project targets."""

from __future__ import annotations

import pandas as pd

from labelxl.metrics._common import (
    check_by,
    check_freq,
    empty,
    periods,
    person_dimension,
    ratio,
    timesheet,
)
from labelxl.metrics.hours import PERSON_GROUPS
from labelxl.model.dimensions import projects
from labelxl.model.schema import PRODUCTIVE_ACTIVITIES
from labelxl.model.workspace import Workspace, memoized

EFFICIENCY_GROUPS = ("person_id", "project_id", "team", "market", "vendor")
EFFICIENCY_COLUMNS = (
    "period",
    "items",
    "handle_hours",
    "productive_hours",
    "throughput",
    "aht_sec",
    "target_aht_sec",
    "aht_vs_target",
)
LABELER_COLUMNS = (
    "person_id",
    "period",
    "items",
    "productive_hours",
    "handle_hours",
    "throughput",
    "aht_sec",
)


@memoized
def efficiency(ws: Workspace, by: str = "person_id", freq: str = "month") -> pd.DataFrame:
    """Items, handle and productive hours, throughput and AHT per ``by`` value and period.

    ``by`` is person_id, project_id, team, market or vendor (team/market/vendor are the
    person's, from the Roster; unknown people fall under "Unassigned").
    throughput = items / productive_hours, where productive hours are the Timesheet
    Labeling + QA hours of the same people and period (for project_id: the Labeling + QA
    hours booked to that project); NaN when productive_hours is 0.
    aht_sec = 60 × handle_minutes / items (NaN when items is 0).
    target_aht_sec = Σ items × project target_aht_sec / Σ items over the rows whose project
    has a target (NaN when none has); aht_vs_target = aht_sec / target_aht_sec.
    A group with hours but no production appears with items 0.
    """
    freq_ = check_freq(freq)
    check_by(by, EFFICIENCY_GROUPS)
    prod = ws.frame("Production")
    prod = prod.loc[
        prod["date"].notna() & prod["person_id"].notna() & prod["project_id"].notna(),
        ["date", "person_id", "project_id", "items", "handle_minutes"],
    ].copy()
    prod["items"] = prod["items"].fillna(0.0)
    prod["handle_minutes"] = prod["handle_minutes"].fillna(0.0)
    prod["period"] = periods(prod["date"], freq_)
    target = prod["project_id"].map(projects(ws)["target_aht_sec"]).astype("float64")
    has_target = target.notna()
    prod["target_items"] = prod["items"].where(has_target, 0.0)
    prod["target_weight"] = (prod["items"] * target).where(has_target, 0.0)
    prod["key"] = prod["project_id"] if by == "project_id" else _key(ws, prod, by)

    ts = timesheet(ws)
    ts = ts.loc[ts["activity"].isin(PRODUCTIVE_ACTIVITIES)].copy()
    if by == "project_id":
        ts = ts.loc[ts["project_id"].notna()]
        ts["key"] = ts["project_id"]
    else:
        ts["key"] = _key(ws, ts, by)
    ts["period"] = periods(ts["date"], freq_)

    if prod.empty and ts.empty:
        return empty((by, *EFFICIENCY_COLUMNS))
    made = prod.groupby(["key", "period"])[
        ["items", "handle_minutes", "target_items", "target_weight"]
    ].sum()
    booked = ts.groupby(["key", "period"])["hours"].sum().rename("productive_hours")
    out = pd.concat([made, booked], axis=1).fillna(0.0).reset_index()
    out = out.rename(columns={"key": by})
    out["handle_hours"] = out["handle_minutes"] / 60.0
    out["throughput"] = ratio(out["items"], out["productive_hours"])
    out["aht_sec"] = ratio(out["handle_minutes"] * 60.0, out["items"])
    out["target_aht_sec"] = ratio(out["target_weight"], out["target_items"])
    out["aht_vs_target"] = ratio(out["aht_sec"], out["target_aht_sec"])
    out = out[[by, *EFFICIENCY_COLUMNS]].sort_values([by, "period"], kind="stable")
    return out.reset_index(drop=True)


def _key(ws: Workspace, frame: pd.DataFrame, by: str) -> pd.Series:
    if by in PERSON_GROUPS:
        return person_dimension(ws, frame["person_id"], by)
    raise AssertionError(by)  # check_by has already refused anything else


@memoized
def labeler_table(ws: Workspace, freq: str = "month") -> pd.DataFrame:
    """Per person and period: the efficiency columns of the ``LX Labelers`` sheet."""
    return efficiency(ws, by="person_id", freq=freq)[list(LABELER_COLUMNS)]
