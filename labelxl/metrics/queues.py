"""SLA and queues from the Queue sheet: done within SLA, median turnaround, backlog, its trend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.metrics._common import (
    check_by,
    check_freq,
    empty,
    period_table,
    periods,
    ratio,
    unassigned,
)
from labelxl.model.dimensions import projects
from labelxl.model.workspace import Workspace, memoized

PROJECT_GROUPS = ("project_id", "market", "language", "policy_area", "queue_type")
SLA_COLUMNS = (
    "period",
    "items_in",
    "items_done",
    "done_within_sla",
    "sla",
    "sla_target",
    "median_tat_hours",
    "backlog_end",
    "backlog_trend",
)


@memoized
def sla(ws: Workspace, by: str = "project_id", freq: str = "month") -> pd.DataFrame:
    """SLA, turnaround and backlog per ``by`` value (project_id or a project dimension) and period.

    sla = Σ done_within_sla / Σ items_done (NaN when nothing was done).
    median_tat_hours = weighted median of the daily median_tat_hours, each day weighted by
    its items_done: the smallest daily median m with Σ weight(daily median ≤ m) ≥ half the
    total weight (the *lower* weighted median; NaN when no day has both).
    backlog_end = each project's backlog_end on its last day in the period that has one,
    summed over the group's projects.
    backlog_trend = least-squares slope of the daily backlog (summed over the group's
    projects) on the day number, in items per day; NaN with fewer than 2 days.
    No Queue sheet → an empty frame with these columns.
    """
    freq_ = check_freq(freq)
    check_by(by, PROJECT_GROUPS)
    q = ws.frame("Queue")
    q = q.loc[q["date"].notna() & q["project_id"].notna()].copy()
    if q.empty:
        return empty((by, *SLA_COLUMNS))
    q["period"] = periods(q["date"], freq_)
    if by == "project_id":
        q["key"] = q["project_id"]
    else:
        q["key"] = unassigned(q["project_id"].map(projects(ws)[by]))
    keys = ["key", "period"]

    out = q.groupby(keys)[["items_in", "items_done", "done_within_sla"]].sum()
    out["median_tat_hours"] = _weighted_median(q, keys)
    out["backlog_end"] = _backlog_end(q)
    out["backlog_trend"] = _backlog_trend(q, freq_)
    out = out.reset_index().rename(columns={"key": by})
    out["sla"] = ratio(out["done_within_sla"], out["items_done"])
    out["sla_target"] = ws.settings.sla_target
    out = out[[by, *SLA_COLUMNS]].sort_values([by, "period"], kind="stable")
    return out.reset_index(drop=True)


def _weighted_median(q: pd.DataFrame, keys: list[str]) -> pd.Series:
    t = q.loc[q["median_tat_hours"].notna() & (q["items_done"].fillna(0) > 0)]
    t = t[[*keys, "median_tat_hours", "items_done"]].sort_values(
        [*keys, "median_tat_hours"], kind="stable"
    )
    cum = t.groupby(keys)["items_done"].cumsum()
    total = t.groupby(keys)["items_done"].transform("sum")
    return t.loc[cum >= total / 2.0].groupby(keys)["median_tat_hours"].first()


def _backlog_end(q: pd.DataFrame) -> pd.Series:
    b = q.loc[q["backlog_end"].notna()].sort_values(["project_id", "date"], kind="stable")
    last = b.groupby(["key", "period", "project_id"])["backlog_end"].last()
    return last.groupby(level=["key", "period"]).sum()


def _backlog_trend(q: pd.DataFrame, freq: str) -> pd.Series:
    b = q.loc[q["backlog_end"].notna()]
    daily = b.groupby(["key", "period", "date"])["backlog_end"].sum().reset_index()
    starts = period_table(daily["period"], freq).set_index("period")["period_start"]  # type: ignore[arg-type]
    # Day number within the period keeps x small, so the sums below do not cancel.
    x = (daily["date"] - daily["period"].map(starts)).dt.days.astype("float64")
    y = daily["backlog_end"].astype("float64")
    parts = pd.DataFrame(
        {
            "key": daily["key"],
            "period": daily["period"],
            "n": 1.0,
            "x": x,
            "y": y,
            "xx": x * x,
            "xy": x * y,
        }
    )
    s = parts.groupby(["key", "period"])[["n", "x", "y", "xx", "xy"]].sum()
    den = s["n"] * s["xx"] - s["x"] ** 2
    slope = (s["n"] * s["xy"] - s["x"] * s["y"]) / den.where(den > 0)
    return slope.where(s["n"] >= 2, np.nan)
