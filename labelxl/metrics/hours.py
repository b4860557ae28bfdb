"""Working hours from the Timesheet: paid, productive, utilisation, shrinkage, overtime, checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.metrics._common import (
    UNASSIGNED,
    WORKDAYS_PER_WEEK,
    check_by,
    check_freq,
    empty,
    period_table,
    periods,
    person_dimension,
    ratio,
    timesheet,
    unassigned,
    working_days,
)
from labelxl.model.dimensions import people
from labelxl.model.periods import Freq
from labelxl.model.schema import (
    ACTIVITIES,
    PLANNED_SHRINKAGE,
    PRODUCTIVE_ACTIVITIES,
    UNPLANNED_SHRINKAGE,
)

__all__ = [  # the toolbox names re-exported here for callers of the old home
    "RECONCILIATION_COLUMNS",
    "UNASSIGNED",
    "WORKING_HOURS_COLUMNS",
    "contracted_hours",
    "period_table",
    "reconciliation",
    "unassigned",
    "working_days",
    "working_hours",
]
from labelxl.model.workspace import Workspace, memoized

PERSON_GROUPS = ("person_id", "team", "market", "vendor")

WORKING_HOURS_COLUMNS = (
    "period",
    "paid_hours",
    "productive_hours",
    "leave_hours",
    "worked_hours",
    "utilization",
    "shrinkage",
    "planned_shrinkage",
    "unplanned_shrinkage",
    "contracted_hours",
    "overtime_hours",
)
RECONCILIATION_COLUMNS = (
    "person_id",
    "period",
    "labeling_hours",
    "handle_hours",
    "difference_hours",
    "ratio",
    "days",
    "tolerance_hours",
    "flag",
)


# --- contracted hours --------------------------------------------------------------------


def contracted_hours(ws: Workspace, person_period: pd.DataFrame, freq: Freq) -> pd.Series:
    """Contracted hours of each (person_id, period) row, prorated to working days.

    Weekly hours are ``contracted_hours_week``, else ``fte`` (blank = 1) ×
    ``hours_per_fte_week``; a period gets weekly / 5 for each Monday–Friday inside both the
    period and the person's start/end dates. People missing from the Roster get NaN.
    """
    roster = people(ws)
    weekly = roster["contracted_hours_week"].fillna(
        roster["fte"].fillna(1.0) * ws.settings.hours_per_fte_week
    )
    periods = period_table(person_period["period"], freq).set_index("period")
    p_start = person_period["period"].map(periods["period_start"])
    p_end = person_period["period"].map(periods["period_end"])
    start = person_period["person_id"].map(roster["start_date"])
    end = person_period["person_id"].map(roster["end_date"])
    eff_start = pd.Series(np.maximum(p_start.to_numpy(), start.fillna(p_start).to_numpy()))
    eff_end = pd.Series(np.minimum(p_end.to_numpy(), end.fillna(p_end).to_numpy()))
    days = working_days(eff_start, eff_end)
    per_day = person_period["person_id"].map(weekly).to_numpy(dtype="float64") / WORKDAYS_PER_WEEK
    return pd.Series(per_day * days, index=person_period.index, dtype="float64")


# --- public metrics ----------------------------------------------------------------------


@memoized
def working_hours(ws: Workspace, by: str = "person_id", freq: str = "month") -> pd.DataFrame:
    """Paid, productive and leave hours, utilisation, shrinkage and overtime per group and period.

    Returns one row per ``by`` value (person_id, team, market or vendor) and period with
    the columns ``by``, ``period`` and WORKING_HOURS_COLUMNS. Leave is paid time, so
    paid = every activity; worked = paid − leave; utilization = productive / worked;
    shrinkage = 1 − productive / paid = planned_shrinkage + unplanned_shrinkage;
    overtime = max(0, worked − contracted) per person, summed over a group. Ratios whose
    denominator is 0 are NaN; contracted hours of people missing from the Roster are NaN
    (and left out of group sums). No timesheet → an empty frame with these columns.
    """
    freq_ = check_freq(freq)
    check_by(by, PERSON_GROUPS)
    ts = timesheet(ws)
    if ts.empty:
        return empty((by, *WORKING_HOURS_COLUMNS))
    ts["period"] = periods(ts["date"], freq_)
    hours = (
        ts.groupby(["person_id", "period", "activity"])["hours"]
        .sum()
        .unstack("activity")
        .fillna(0.0)
        .reindex(columns=list(ACTIVITIES), fill_value=0.0)
    )
    pp = pd.DataFrame(
        {
            "paid_hours": hours.sum(axis=1),
            "productive_hours": hours[list(PRODUCTIVE_ACTIVITIES)].sum(axis=1),
            "leave_hours": hours["Leave"],
            "planned_hours": hours[list(PLANNED_SHRINKAGE)].sum(axis=1),
            "unplanned_hours": hours[list(UNPLANNED_SHRINKAGE)].sum(axis=1),
        }
    ).reset_index()
    pp["worked_hours"] = pp["paid_hours"] - pp["leave_hours"]
    pp["contracted_hours"] = contracted_hours(ws, pp, freq_)
    # Overtime is per person: one person's short month must not hide another's overtime.
    pp["overtime_hours"] = (pp["worked_hours"] - pp["contracted_hours"]).clip(lower=0)
    sums = [
        "paid_hours",
        "productive_hours",
        "leave_hours",
        "planned_hours",
        "unplanned_hours",
        "worked_hours",
        "contracted_hours",
        "overtime_hours",
    ]
    if by != "person_id":
        pp[by] = person_dimension(ws, pp["person_id"], by)
        pp = pp.groupby([by, "period"], as_index=False)[sums].sum(min_count=1)
    out = pp
    out["utilization"] = ratio(out["productive_hours"], out["worked_hours"])
    out["shrinkage"] = 1.0 - ratio(out["productive_hours"], out["paid_hours"])
    out["planned_shrinkage"] = ratio(out["planned_hours"], out["paid_hours"])
    out["unplanned_shrinkage"] = ratio(out["unplanned_hours"], out["paid_hours"])
    out = out[[by, *WORKING_HOURS_COLUMNS]].sort_values([by, "period"], kind="stable")
    return out.reset_index(drop=True)


def reconciliation(ws: Workspace, freq: str = "month") -> pd.DataFrame:
    """Timesheet Labeling hours against Production handle hours per person and period.

    ``difference_hours`` = labeling − handle; ``ratio`` = handle / labeling (NaN when no
    Labeling hours); ``days`` = distinct days with Labeling time or Production rows;
    ``flag`` when |difference| > timesheet_tolerance_hours × days.
    """
    freq_ = check_freq(freq)
    ts = timesheet(ws)
    lab = ts.loc[ts["activity"] == "Labeling"].groupby(["person_id", "date"])["hours"].sum()
    prod = ws.frame("Production")
    prod = prod.loc[prod["date"].notna() & prod["person_id"].notna()]
    handle = prod.groupby(["person_id", "date"])["handle_minutes"].sum() / 60.0
    if lab.empty and handle.empty:
        return empty(RECONCILIATION_COLUMNS)
    daily = pd.concat([lab.rename("labeling_hours"), handle.rename("handle_hours")], axis=1).fillna(
        0.0
    )
    daily = daily.reset_index()
    daily["period"] = periods(daily["date"], freq_)
    out = daily.groupby(["person_id", "period"], as_index=False).agg(
        labeling_hours=("labeling_hours", "sum"),
        handle_hours=("handle_hours", "sum"),
        days=("date", "nunique"),
    )
    out["difference_hours"] = out["labeling_hours"] - out["handle_hours"]
    out["ratio"] = ratio(out["handle_hours"], out["labeling_hours"])
    out["tolerance_hours"] = ws.settings.timesheet_tolerance_hours * out["days"]
    out["flag"] = (out["difference_hours"].abs() > out["tolerance_hours"]).astype(bool)
    out = out[list(RECONCILIATION_COLUMNS)].sort_values(["person_id", "period"], kind="stable")
    return out.reset_index(drop=True)
