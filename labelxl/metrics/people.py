"""People metrics from the Roster: headcount, joiners/leavers, attrition, tenure, new-hire ramp."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics._common import weights
from labelxl.model.dimensions import UNASSIGNED, people
from labelxl.model.periods import Freq, month_bounds, period_of, resolve_month
from labelxl.model.workspace import Workspace, memoized

BY_CHOICES = ("market", "language", "vendor", "role", "team", "site")
TENURE_BANDS = ("0–3 m", "3–6 m", "6–12 m", "1–2 y", "2 y+")
_BAND_EDGES = (0, 3, 6, 12, 24)  # lower edge of each band in full months of tenure
PERIODS_PER_YEAR = {"month": 12, "week": 52}
# The one headcount every sheet and slide shows (``headcount``; the KPI and the trend sum it).
HEADCOUNT_DEFINITION = (
    "Headcount = people in the Roster, any role, on the team on the last day of the month: "
    "start date on or before that day, no end date before it, and not status Left without "
    "an end date. Status Leave still counts. FTE = the sum of their FTE (blank = 1). "
    "Labelers (LX Labelers) = people with labeling work in the month: role Labeler, or "
    "anyone with Production items or audited items."
)


@memoized
def roster(ws: Workspace) -> pd.DataFrame:
    """Roster with one row per person, ``language`` = first listed language, blanks filled.

    A person's capacity counts once, under their first (primary) language; dimension
    blanks become ``Unassigned`` (dimensions.UNASSIGNED) so they still group; a blank fte is 1.
    """
    r = people(ws).reset_index()
    r["language"] = primary_language(r["languages"])
    for col in ("market", "role", "team", "site"):
        r[col] = r[col].where(r[col].notna(), UNASSIGNED).astype(object)
    r["fte"] = r["fte"].fillna(1.0).astype("float64")
    r["status"] = r["status"].fillna("Active")
    return r


def primary_language(languages: pd.Series) -> pd.Series:
    """First language of a comma/semicolon/slash separated list, lower-cased; blank → Unassigned."""
    text = languages.astype(object).where(languages.notna(), "")
    first = text.map(lambda v: str(v).replace(";", ",").replace("/", ",").split(",")[0])
    first = first.map(lambda v: v.strip().lower())
    return first.where(first != "", UNASSIGNED).astype(object)


def on_team(r: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Who is on the team on ``day``: started, not yet ended, and not Left without an end date.

    ``status`` Left with a blank end_date cannot be dated, so that person counts on no day
    (validation asks for the end date). Leave status still counts: they are on the team.
    """
    start, end = r["start_date"], r["end_date"]
    undated_left = (r["status"] == "Left") & end.isna()
    return (start <= day) & (end.isna() | (end >= day)) & ~undated_left


def headcount(
    ws: Workspace, month: str | None = None, by: Sequence[str] = ("market",)
) -> pd.DataFrame:
    """People on the team on the last day of ``month`` (default: ``periods.resolve_month``).

    Columns: the ``by`` dimensions, ``headcount``, ``fte`` (sum of fte), ``on_leave``
    (people with status Leave). ``language`` is each person's first language; vendor
    blank is ``In-house``.
    """
    dims = _by(by)
    _, day = month_bounds(resolve_month(ws, month))
    r = roster(ws)
    r = r.loc[on_team(r, day)].assign(on_leave=lambda f: (f["status"] == "Leave").astype(int))
    return _sum(
        r,
        dims,
        {
            "headcount": ("person_id", "size"),
            "fte": ("fte", "sum"),
            "on_leave": ("on_leave", "sum"),
        },
    )


def joiners_leavers(ws: Workspace, freq: Freq = "month") -> pd.DataFrame:
    """Joiners, leavers and annualised attrition per month or ISO week.

    Periods span the Production and Timesheet data (or, without them, the Roster's dates).
    ``headcount_start`` = on the team the day before the period, ``headcount_end`` = still
    on the team after it, so ``headcount_end = headcount_start + joiners − leavers``;
    ``attrition_rate`` = leavers / mean(headcount_start, headcount_end) and
    ``annualised_attrition`` = attrition_rate × 12 (months) or × 52 (weeks); both are
    blank when the average headcount is 0.
    """
    if freq not in PERIODS_PER_YEAR:
        raise MetricInputError(f"freq must be 'month' or 'week' (got {freq!r})")
    columns = [
        "period",
        "start",
        "end",
        "headcount_start",
        "joiners",
        "leavers",
        "headcount_end",
        "average_headcount",
        "attrition_rate",
        "annualised_attrition",
    ]
    r = roster(ws)
    first, last = _span(ws, r)
    if first is None or last is None:
        return pd.DataFrame({c: [] for c in columns})
    if freq == "month":
        starts = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
        ends = starts + pd.offsets.MonthEnd(0)
    else:
        monday = first - pd.Timedelta(days=first.weekday())
        starts = pd.date_range(monday, last, freq="7D")
        ends = starts + pd.Timedelta(days=6)
    start = r["start_date"].to_numpy()[:, None]
    end = r["end_date"].to_numpy()[:, None]
    undated_left = ((r["status"] == "Left") & r["end_date"].isna()).to_numpy()[:, None]
    ps, pe = starts.to_numpy()[None, :], ends.to_numpy()[None, :]
    open_end = np.isnat(end)
    valid = ~undated_left
    # people × periods boolean grids: 500 people × 60 periods is tiny.
    carried = valid & (start < ps) & (open_end | (end >= ps))
    joined = valid & (start >= ps) & (start <= pe)
    left = valid & ~open_end & (end >= ps) & (end <= pe)
    remaining = valid & (start <= pe) & (open_end | (end > pe))
    out = pd.DataFrame(
        {
            "period": period_of(pd.Series(starts), freq).to_numpy(),
            "start": starts,
            "end": ends,
            "headcount_start": carried.sum(axis=0),
            "joiners": joined.sum(axis=0),
            "leavers": left.sum(axis=0),
            "headcount_end": remaining.sum(axis=0),
        }
    )
    out["average_headcount"] = (out["headcount_start"] + out["headcount_end"]) / 2
    avg = out["average_headcount"].where(out["average_headcount"] > 0)
    out["attrition_rate"] = out["leavers"] / avg
    out["annualised_attrition"] = out["attrition_rate"] * PERIODS_PER_YEAR[freq]
    return out[columns]


def tenure_bands(
    ws: Workspace, as_of: str | dt.date | None = None, by: Sequence[str] = ()
) -> pd.DataFrame:
    """People on the team on ``as_of`` (default ``ws.today``) by tenure band.

    Tenure is counted in full calendar months since start_date; bands are 0–3 m, 3–6 m,
    6–12 m, 1–2 y and 2 y+ (lower edge included). Columns: the ``by`` dimensions, ``band``,
    ``headcount``, ``fte``, ``share`` (of the group's headcount; 0 for an empty group).
    """
    dims = _by(by)
    day = pd.Timestamp(ws.today if as_of is None else as_of).normalize()
    r = roster(ws)
    r = r.loc[on_team(r, day)].copy()
    s = r["start_date"]
    months = (day.year - s.dt.year) * 12 + (day.month - s.dt.month) - (day.day < s.dt.day)
    band_index = np.searchsorted(np.array(_BAND_EDGES), months.to_numpy(), side="right") - 1
    r["band"] = pd.Categorical.from_codes(band_index.tolist(), categories=pd.Index(TENURE_BANDS))
    counts = (
        r.groupby([*dims, "band"], observed=False)
        .agg(headcount=("person_id", "size"), fte=("fte", "sum"))
        .reset_index()
    )
    if dims:
        present = r[dims].drop_duplicates()
        counts = counts.merge(present, on=dims)
        total = counts.groupby(dims)["headcount"].transform("sum")
    else:
        total = pd.Series(counts["headcount"].sum(), index=counts.index)
    counts["share"] = (counts["headcount"] / total.where(total > 0)).fillna(0.0)
    counts["band"] = counts["band"].astype(object)
    counts["headcount"] = counts["headcount"].astype(int)
    return counts.sort_values([*dims], kind="stable").reset_index(drop=True)


def new_hire_ramp(ws: Workspace, weeks: int = 12) -> pd.DataFrame:
    """Throughput and accuracy by week of tenure (1..weeks) for people who started in the data.

    New hires are people whose start_date falls within the Production data's span. Week of
    tenure = (date − start_date) // 7 + 1, by Production date and by audit_date. Throughput
    = items / handle hours; accuracy = correct / audited, where correct means the labeler's
    decision equals the auditor's or the dispute was Overturned. Either is blank in a week
    with no handle time or no audits.
    """
    if weeks < 1:
        raise MetricInputError(f"weeks must be ≥ 1 (got {weeks!r})")
    prod = ws.frame("Production")
    frame = pd.DataFrame({"tenure_week": np.arange(1, weeks + 1)})
    r = roster(ws)
    dates = prod["date"].dropna()
    if dates.empty or r.empty:
        starts = pd.Series(dtype="datetime64[ns]")
    else:
        new = r.loc[r["start_date"].between(dates.min(), dates.max())]
        starts = new.set_index("person_id")["start_date"]

    def tenure_week(ids: pd.Series, when: pd.Series) -> pd.Series:
        if starts.empty or ids.empty:  # mapping onto nothing gives float64, not dates
            return pd.Series(np.nan, index=ids.index, dtype="float64")
        return (when - ids.map(starts)).dt.days // 7 + 1

    p = prod.loc[prod["person_id"].isin(starts.index)].copy()
    p["tenure_week"] = tenure_week(p["person_id"], p["date"])
    p = p.loc[p["tenure_week"].between(1, weeks)]
    prod_agg = p.groupby("tenure_week").agg(
        people=("person_id", "nunique"),
        items=("items", "sum"),
        handle_minutes=("handle_minutes", "sum"),
    )
    audits = ws.frame("Audits")
    a = audits.loc[audits["person_id"].isin(starts.index)].copy()
    a["tenure_week"] = tenure_week(a["person_id"], a["audit_date"])
    a = a.loc[a["tenure_week"].between(1, weeks)]
    w = weights(a)
    a["audited"] = w
    a["correct"] = (
        (a["labeler_decision"] == a["auditor_decision"]) | (a["dispute_outcome"] == "Overturned")
    ).astype(int) * w
    audit_agg = a.groupby("tenure_week")[["audited", "correct"]].sum()
    out = frame.merge(prod_agg, left_on="tenure_week", right_index=True, how="left")
    out = out.merge(audit_agg, left_on="tenure_week", right_index=True, how="left")
    for col in ("people", "audited", "correct"):
        out[col] = out[col].fillna(0).astype(int)
    for col in ("items", "handle_minutes"):
        out[col] = out[col].fillna(0.0).astype("float64")
    out["handle_hours"] = out["handle_minutes"] / 60
    out["throughput"] = out["items"] / out["handle_hours"].where(out["handle_hours"] > 0)
    out["accuracy"] = out["correct"] / out["audited"].where(out["audited"] > 0)
    return out[
        [
            "tenure_week",
            "people",
            "items",
            "handle_hours",
            "throughput",
            "audited",
            "correct",
            "accuracy",
        ]
    ]


def _by(by: Sequence[str]) -> list[str]:
    dims = [by] if isinstance(by, str) else list(by)
    bad = [d for d in dims if d not in BY_CHOICES]
    if bad:
        raise MetricInputError(
            f"cannot group people by {bad[0]!r}; choose from {', '.join(BY_CHOICES)}"
        )
    return dims


def _sum(frame: pd.DataFrame, dims: list[str], aggs: dict[str, tuple[str, str]]) -> pd.DataFrame:
    if dims:
        out = frame.groupby(dims).agg(**aggs).reset_index()  # type: ignore[call-overload]
    else:
        out = pd.DataFrame(
            {name: [frame[col].agg(how) if len(frame) else 0] for name, (col, how) in aggs.items()}
        )
    for name, (_, how) in aggs.items():
        if how in ("size", "count") or name in ("on_leave",):
            out[name] = out[name].astype(int)
        else:
            out[name] = out[name].astype("float64")
    return out


def _span(ws: Workspace, r: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    dates = pd.concat([ws.frame("Production")["date"], ws.frame("Timesheet")["date"]])
    dates = dates.dropna()
    if not dates.empty:
        return dates.min(), dates.max()
    starts = r["start_date"].dropna()
    if starts.empty:
        return None, None
    ends = r["end_date"].dropna()
    last = max(pd.Timestamp(ws.today), ends.max() if not ends.empty else starts.max())
    return starts.min(), last
