"""Wellbeing: exposure to graphic queues against caps, streaks, Wellness time and rotation."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics._common import check_freq, empty, period_table, periods, timesheet
from labelxl.metrics.projects import volume_plan
from labelxl.model.dimensions import people, projects
from labelxl.model.periods import Freq, month_bounds, resolve_month
from labelxl.model.schema import PRODUCTIVE_ACTIVITIES
from labelxl.model.workspace import Workspace, memoized

EXPOSURE_COLUMNS = (
    "person_id",
    "period",
    "graphic_hours",
    "graphic_days",
    "max_daily_graphic_hours",
    "days_over_daily_cap",
    "max_weekly_graphic_hours",
    "weeks_over_weekly_cap",
    "longest_streak",
    "longest_streak_full",
    "wellness_hours",
    "wellness_expected_hours",
    "wellness_below_policy",
    "over_cap",
    "caps_exceeded",
)
OVER_CAPS_COLUMNS = (
    "person_id",
    "name",
    "period",
    "graphic_hours",
    "max_daily_graphic_hours",
    "max_weekly_graphic_hours",
    "longest_streak_full",
    "caps_exceeded",
)
ROTATION_COLUMNS = (
    "person_id",
    "name",
    "period",
    "graphic_hours",
    "caps_exceeded",
    "from_projects",
    "to_project_id",
    "to_project_name",
    "spare_capacity",
    "reason",
)


def _graphic_days(ws: Workspace) -> pd.DataFrame:
    """Per person and day: Labeling + QA hours on graphic projects (rows with hours > 0)."""
    ts = timesheet(ws)
    graphic = projects(ws)["graphic"] == "yes"
    ids = set(graphic.index[graphic.fillna(False).astype(bool)])
    work = ts.loc[ts["activity"].isin(PRODUCTIVE_ACTIVITIES) & ts["project_id"].isin(ids)]
    return work.groupby(["person_id", "date"], as_index=False)["hours"].sum()


def _runs(days: pd.DataFrame, by: list[str]) -> pd.Series:
    """Length of the run of consecutive calendar days each row belongs to, within ``by``."""
    d = days.sort_values([*by, "date"], kind="stable")
    gap = d["date"].diff().dt.days.ne(1)
    new = gap | (d[by] != d[by].shift()).any(axis=1)
    run = new.cumsum()
    return run.map(run.value_counts()).reindex(days.index)


@memoized
def exposure(ws: Workspace, freq: str = "week") -> pd.DataFrame:
    """Graphic-queue exposure per person and period, against the Settings caps (EXPOSURE_COLUMNS).

    Graphic hours are Timesheet Labeling + QA hours on projects with graphic = yes.
    Daily cap: graphic_hours_per_day; weekly cap: graphic_hours_per_week per ISO week (for
    months, an ISO week belongs to the month of its Thursday); streak cap:
    graphic_max_consecutive_days. A streak is a run of consecutive calendar days with
    graphic work; any day without it (a weekend too) ends the run. longest_streak counts
    only days inside the period (≤ days in period); longest_streak_full is the whole
    length of the longest run touching the period and is the one held against the cap.
    wellness_expected_hours = wellness_hours_per_week × Monday–Friday days in the period
    / 5. Only person-periods with graphic hours appear; no graphic work → empty frame.
    """
    freq_: Freq = check_freq(freq)
    s = ws.settings
    days = _graphic_days(ws)
    if days.empty:
        return empty(EXPOSURE_COLUMNS)
    days["period"] = periods(days["date"], freq_)
    days["run_full"] = _runs(days, ["person_id"])
    days["run_clipped"] = _runs(days, ["person_id", "period"])
    days["over_day"] = days["hours"] > s.graphic_hours_per_day
    out = days.groupby(["person_id", "period"]).agg(
        graphic_hours=("hours", "sum"),
        graphic_days=("date", "nunique"),
        max_daily_graphic_hours=("hours", "max"),
        days_over_daily_cap=("over_day", "sum"),
        longest_streak=("run_clipped", "max"),
        longest_streak_full=("run_full", "max"),
    )

    iso = days["date"].dt.isocalendar()
    days["week"] = periods(days["date"], "week")
    thursday = days["date"] - pd.to_timedelta(iso["day"].astype("int64") - 4, unit="D")
    days["week_period"] = days["week"] if freq_ == "week" else periods(thursday, "month")
    weekly = days.groupby(["person_id", "week_period", "week"])["hours"].sum()
    weekly_max = weekly.groupby(level=[0, 1]).max()
    weekly_over = (weekly > s.graphic_hours_per_week).groupby(level=[0, 1]).sum()
    weekly_max.index.names = weekly_over.index.names = ["person_id", "period"]
    out["max_weekly_graphic_hours"] = weekly_max
    out["weeks_over_weekly_cap"] = weekly_over
    out = out.reset_index()
    out["max_weekly_graphic_hours"] = out["max_weekly_graphic_hours"].fillna(0.0)
    out["weeks_over_weekly_cap"] = out["weeks_over_weekly_cap"].fillna(0).astype("int64")
    out["days_over_daily_cap"] = out["days_over_daily_cap"].astype("int64")

    ts = timesheet(ws)
    well = ts.loc[ts["activity"] == "Wellness"].copy()
    well["period"] = periods(well["date"], freq_)
    taken = well.groupby(["person_id", "period"])["hours"].sum().rename("wellness_hours")
    out = out.merge(taken.reset_index(), on=["person_id", "period"], how="left")
    out["wellness_hours"] = out["wellness_hours"].fillna(0.0)
    wd = period_table(out["period"], freq_).set_index("period")["working_days"]
    out["wellness_expected_hours"] = s.wellness_hours_per_week * out["period"].map(wd) / 5.0
    out["wellness_below_policy"] = out["wellness_hours"] < out["wellness_expected_hours"]

    flags = pd.DataFrame(
        {
            "daily": out["days_over_daily_cap"] > 0,
            "weekly": out["weeks_over_weekly_cap"] > 0,
            "streak": out["longest_streak_full"] > s.graphic_max_consecutive_days,
        }
    )
    out["over_cap"] = flags.any(axis=1)
    names = np.array(flags.columns, dtype=object)
    out["caps_exceeded"] = [", ".join(names[row]) for row in flags.to_numpy()]
    for col in ("graphic_days", "longest_streak", "longest_streak_full"):
        out[col] = out[col].astype("int64")
    out = out[list(EXPOSURE_COLUMNS)].sort_values(["person_id", "period"], kind="stable")
    return out.reset_index(drop=True)


def _month_exposure(ws: Workspace, month: str | None) -> tuple[pd.DataFrame, str]:
    month = resolve_month(ws, month)
    exp = exposure(ws, freq="month")
    return exp.loc[exp["period"] == month].copy(), month


def people_over_caps(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """People over any graphic cap in ``month`` (default: ``periods.resolve_month``).

    Returns OVER_CAPS_COLUMNS with the Roster name (pseudonymising is the door's job),
    most graphic hours first; nobody over a cap → an empty frame.
    """
    exp, _ = _month_exposure(ws, month)
    over = exp.loc[exp["over_cap"]].copy()
    if over.empty:
        return empty(OVER_CAPS_COLUMNS)
    over["name"] = over["person_id"].map(people(ws)["name"])
    over = over.sort_values(["graphic_hours", "person_id"], ascending=[False, True])
    return over[list(OVER_CAPS_COLUMNS)].reset_index(drop=True)


def _languages(text: object) -> set[str]:
    if not isinstance(text, str):
        return set()
    return {t for t in re.split(r"[\s,;/|]+", text.strip().casefold()) if t}


def rotation_suggestion(
    ws: Workspace, month: str | None = None, top_share: float = 0.10
) -> pd.DataFrame:
    """One move per most-exposed person to a non-graphic project with spare capacity.

    ``month`` defaults to the reporting month (``periods.resolve_month``).

    Candidates: everyone over a cap in the month, plus the top ``top_share`` of people by
    graphic hours (at least one), ranked over-cap first, then by graphic hours. A project
    qualifies when it is Active, not graphic, has spare capacity (plan_to_date − items
    > 0, see projects.volume_plan) and matches the person (its language is in the
    person's languages, or its market is the person's market). Greedy: each candidate in
    rank order takes the qualifying project with the most spare capacity left, which then
    loses the person's own graphic-project items of the month. Candidates with no match
    get a row with to_project_id None and the reason.
    """
    if not 0 <= top_share <= 1:
        raise MetricInputError(f"top_share must be between 0 and 1 (got {top_share!r})")
    exp, period = _month_exposure(ws, month)
    if exp.empty:
        return empty(ROTATION_COLUMNS)
    n_top = max(1, int(np.ceil(top_share * len(exp))))
    by_hours = exp.sort_values(["graphic_hours", "person_id"], ascending=[False, True])
    top = set(by_hours["person_id"].iloc[:n_top])
    exp = exp.sort_values(
        ["over_cap", "graphic_hours", "person_id"], ascending=[False, False, True]
    )
    ranked = exp.loc[exp["over_cap"] | exp["person_id"].isin(top)]

    proj = projects(ws)
    graphic = proj["graphic"].eq("yes").fillna(False).astype(bool)
    plan = volume_plan(ws, period).set_index("project_id")
    spare = (plan["plan_to_date"] - plan["items"]).reindex(proj.index)
    open_ = proj.index[(proj["status"] == "Active") & ~graphic & (spare > 0)]
    left = {pid: float(spare[pid]) for pid in open_}

    start, last = month_bounds(period)
    prod = ws.frame("Production")
    prod = prod.loc[(prod["date"] >= start) & (prod["date"] <= last)]
    on_graphic = prod.loc[prod["project_id"].isin(proj.index[graphic])]
    load = on_graphic.groupby("person_id")["items"].sum()
    ts = timesheet(ws)
    worked = ts.loc[
        ts["project_id"].isin(proj.index[graphic]) & (periods(ts["date"], "month") == period)
    ]
    from_projects = worked.groupby("person_id")["project_id"].agg(
        lambda s: ", ".join(sorted(set(s)))
    )

    roster = people(ws)
    rows: list[tuple[object, ...]] = []
    for r in ranked.itertuples(index=False):
        pid = r.person_id
        langs = _languages(roster["languages"].get(pid))
        market = roster["market"].get(pid)
        market = market.casefold() if isinstance(market, str) else None
        fits = [
            p
            for p in left
            if left[p] > 0
            and (
                str(proj.at[p, "language"]).casefold() in langs
                or (market is not None and str(proj.at[p, "market"]).casefold() == market)
            )
        ]
        why = f"over cap ({r.caps_exceeded})" if r.over_cap else "top graphic exposure"
        why += f", {r.graphic_hours:g} graphic hours in {period}"
        to = max(fits, key=lambda p: (left[p], p)) if fits else None
        if to is None:
            rows.append(
                (
                    pid,
                    r.graphic_hours,
                    r.caps_exceeded,
                    None,
                    None,
                    np.nan,
                    why + "; no non-graphic project with spare capacity matches "
                    "their languages or market",
                )
            )
            continue
        before = left[to]
        left[to] = before - float(load.get(pid, 0.0))
        rows.append(
            (
                pid,
                r.graphic_hours,
                r.caps_exceeded,
                to,
                proj.at[to, "project_name"],
                before,
                why + f"; {to} has {before:,.0f} items of spare capacity",
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "person_id",
            "graphic_hours",
            "caps_exceeded",
            "to_project_id",
            "to_project_name",
            "spare_capacity",
            "reason",
        ],
    )
    for col in ("to_project_id", "to_project_name"):  # None, not NaN, where nothing fits
        values = out[col].astype(object)
        out[col] = values.where(values.notna(), None)
    out["name"] = out["person_id"].map(roster["name"])
    out["period"] = period
    out["from_projects"] = out["person_id"].map(from_projects)
    return out[list(ROTATION_COLUMNS)]
