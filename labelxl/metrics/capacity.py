"""Next month's capacity plan: required FTE per project, available FTE, gap and hires needed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics.capacity_assumptions import ASSUMPTION_COLUMNS, assumptions_table
from labelxl.metrics.people import roster
from labelxl.model.dimensions import UNASSIGNED, projects
from labelxl.model.periods import month_bounds, resolve_month
from labelxl.model.schema import PRODUCTIVE_ACTIVITIES
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace
from labelxl.stats.erlang import erlang_c_agents
from labelxl.stats.staffing import batch_fte, scheduled_fte

TRAILING_DAYS = 28  # the "trailing 4 weeks" behind forecasts and actual AHT
MAX_SHRINKAGE = 0.95  # a measured shrinkage is capped here so FTE stays finite
PLANNED_STATUSES = ("Active", "Planned")
# Who gives capacity: the labeling workforce. QA, Leads and Trainers audit, coach and train;
# their hours are not labeling capacity (and their meetings are not labelers' shrinkage).
AVAILABLE_ROLE = "Labeler"
OCCUPANCY_NOTE_ABOVE = 1.05  # measured handle/Labeling ratio above this earns a note

PROJECT_COLUMNS = [
    "project_id",
    "project_name",
    "market",
    "language",
    "queue_type",
    "volume",
    "volume_source",
    "aht_sec",
    "aht_source",
    "shrinkage",
    "shrinkage_source",
    "occupancy",
    "occupancy_source",
    "plan_days",
    "workload_hours",
    "agents",
    "required_fte",
    "required_hours",
]
MARKET_COLUMNS = [
    "market",
    "language",
    "required_fte",
    "available_fte",
    "gap_fte",
    "people",
    "holidays",
    "typical_fte",
    "hires_needed",
    "applicants_needed",
]


@dataclass
class CapacityPlan:
    """The plan for ``month``, built from actuals up to ``base_month``; see docs/capacity.md."""

    month: str
    base_month: str
    working_days: int  # Monday–Friday days in the plan month
    hours_per_fte: float  # paid hours of one FTE in the plan month
    applicants_per_hire: float | None
    by_project: pd.DataFrame
    by_market_language: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # What the result rests on, to print next to it: assumption, value, unit, source.
    assumptions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(ASSUMPTION_COLUMNS))
    )


def capacity_plan(
    ws: Workspace, month: str | None = None, volumes: dict[str, float] | None = None
) -> CapacityPlan:
    """Plan the month after ``month`` (default: after ``periods.resolve_month``, the reporting
    month every other metric uses).

    ``volumes`` overrides the planned volume of named projects (project_id → items).
    """
    s = ws.settings
    prod = ws.frame("Production")
    base = resolve_month(ws, month)
    plan = (pd.Period(base, freq="M") + 1).strftime("%Y-%m")
    ps, pe = month_bounds(plan)
    base_start, base_end = month_bounds(base)
    notes: list[str] = []
    working_days = int(np.busday_count(ps.date(), (pe + pd.Timedelta(days=1)).date()))
    hours_per_fte = s.hours_per_fte_week * working_days / 5

    proj = _projects_in_plan(ws, ps, pe, volumes or {})
    trailing = _trailing(prod, base_end)
    r = roster(ws)
    workforce = set(r.loc[r["role"] == AVAILABLE_ROLE, "person_id"])
    shrink = _shrinkage(ws, r, workforce, base_start, base_end, notes)
    occupancy = _occupancy(ws, workforce, base_start, base_end, notes)
    rows = []
    for pid, p in proj.iterrows():
        days = _plan_days(p, ps, pe)
        rows.append(
            _project_row(
                str(pid),
                p,
                trailing,
                shrink,
                occupancy,
                volumes or {},
                (pe.day, days, working_days),
                hours_per_fte,
                s,
                notes,
            )
        )
    by_project = pd.DataFrame(rows, columns=PROJECT_COLUMNS)

    markets = set(r["market"]) | set(by_project["market"])
    holidays_by_market = {m: _holidays(m, ps, pe, notes) for m in sorted(markets)}
    available = _available(ws, r, ps, pe, working_days, hours_per_fte, holidays_by_market)
    per_hire = _applicants_per_hire(ws, notes)
    by_ml = _by_market_language(by_project, available, holidays_by_market, per_hire, notes)
    out = CapacityPlan(plan, base, working_days, hours_per_fte, per_hire, by_project, by_ml, notes)
    out.assumptions = assumptions_table(out, ws, shrink, occupancy, available, holidays_by_market)
    return out


def _plan_days(p: pd.Series, ps: pd.Timestamp, pe: pd.Timestamp) -> int:
    """Working days of the plan month inside the project's start/end dates."""
    lo = max(ps, p["start_date"]) if pd.notna(p["start_date"]) else ps
    hi = min(pe, p["end_date"]) if pd.notna(p["end_date"]) else pe
    if hi < lo:
        return 0
    return int(np.busday_count(lo.date(), (hi + pd.Timedelta(days=1)).date()))


def _projects_in_plan(
    ws: Workspace, ps: pd.Timestamp, pe: pd.Timestamp, volumes: dict[str, float]
) -> pd.DataFrame:
    proj = projects(ws)
    unknown = [k for k in volumes if k not in proj.index]
    if unknown:
        raise MetricInputError(f"volumes names a project that is not in Projects: {unknown[0]!r}")
    live = (
        proj["status"].isin(PLANNED_STATUSES)
        & (proj["start_date"].isna() | (proj["start_date"] <= pe))
        & (proj["end_date"].isna() | (proj["end_date"] >= ps))
    )
    return proj.loc[live | proj.index.isin(list(volumes))]


def _trailing(prod: pd.DataFrame, base_end: pd.Timestamp) -> pd.DataFrame:
    """Items and handle minutes per project in the 28 days ending at the last data day."""
    dates = prod["date"].dropna()
    if dates.empty:
        return pd.DataFrame({"items": [], "handle_minutes": []})
    end = (
        min(base_end, dates.loc[dates <= base_end].max()) if (dates <= base_end).any() else base_end
    )
    window = prod.loc[
        (prod["date"] > end - pd.Timedelta(days=TRAILING_DAYS)) & (prod["date"] <= end)
    ]
    return window.groupby("project_id")[["items", "handle_minutes"]].sum()


def _shrinkage(
    ws: Workspace,
    r: pd.DataFrame,
    workforce: set[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    notes: list[str],
) -> dict[str, tuple[float, str]]:
    """Measured shrinkage of the labeling workforce per market (``""``: team) in the base month.

    Only the people who give capacity (AVAILABLE_ROLE) are measured: a Lead's meetings
    are not a labeler's shrinkage. Leave is taken out of paid hours because planned leave
    is netted from available FTE instead; counting it in both would double it.
    """
    t = ws.frame("Timesheet")
    t = t.loc[
        t["date"].between(start, end) & (t["activity"] != "Leave") & t["person_id"].isin(workforce)
    ]
    t = t.assign(
        market=t["person_id"].map(r.set_index("person_id")["market"]),
        productive=t["hours"].where(t["activity"].isin(PRODUCTIVE_ACTIVITIES), 0.0),
    )
    out: dict[str, tuple[float, str]] = {}
    groups = [("", t)] + [(str(m), g) for m, g in t.groupby("market")]
    for market, g in groups:
        paid = float(g["hours"].sum())
        if paid <= 0:
            continue
        value = 1 - float(g["productive"].sum()) / paid
        if value > MAX_SHRINKAGE:
            notes.append(
                f"Measured shrinkage {value:.0%} for market {market or 'all'} is "
                f"capped at {MAX_SHRINKAGE:.0%}."
            )
        out[market] = (
            min(max(value, 0.0), MAX_SHRINKAGE),
            "timesheet (market)" if market else "timesheet (team)",
        )
    return out


def _occupancy(
    ws: Workspace, workforce: set[str], start: pd.Timestamp, end: pd.Timestamp, notes: list[str]
) -> tuple[float, str]:
    """Batch occupancy: the labeling workforce's handle hours ÷ their Labeling hours.

    AHT is handle time per item (Production) while capacity is Timesheet hours; the
    measured ratio converts one into the other. Settings target_occupancy is the queueing
    cap of realtime work (agents wait for arrivals) and only the fallback here: a backlog
    never runs dry, so a measured team at 98% must not be planned at 85%.
    """
    prod = ws.frame("Production")
    prod = prod.loc[prod["date"].between(start, end) & prod["person_id"].isin(workforce)]
    t = ws.frame("Timesheet")
    t = t.loc[
        t["date"].between(start, end)
        & (t["activity"] == "Labeling")
        & t["person_id"].isin(set(prod["person_id"]))
    ]
    handle = float(prod.loc[prod["person_id"].isin(set(t["person_id"])), "handle_minutes"].sum())
    labeling = float(t["hours"].sum())
    if handle <= 0 or labeling <= 0:
        return ws.settings.target_occupancy, "settings"
    value = handle / 60 / labeling
    if value > OCCUPANCY_NOTE_ABOVE:
        notes.append(
            f"Handle time is {value:.0%} of the Labeling hours booked in the base month "
            "(timesheets under-record labeling); batch occupancy is capped at 100%."
        )
    return min(value, 1.0), "measured (handle ÷ Labeling hours)"


def _project_row(
    pid: str,
    p: pd.Series,
    trailing: pd.DataFrame,
    shrink: dict[str, tuple[float, str]],
    occupancy: tuple[float, str],
    volumes: dict[str, float],
    days: tuple[int, int, int],
    hours_per_fte: float,
    s: Settings,
    notes: list[str],
) -> dict[str, object]:
    days_in_month, plan_days, working_days = days
    # A project that starts or ends inside the plan month runs only part of it.
    share = plan_days / working_days if working_days else 0.0
    if pid in volumes and share == 0:  # an override plans the project on purpose
        share = 1.0
    items = float(trailing["items"].get(pid, 0.0)) if len(trailing) else 0.0
    minutes = float(trailing["handle_minutes"].get(pid, 0.0)) if len(trailing) else 0.0
    if pid in volumes:
        volume, volume_source = float(volumes[pid]), "override"
        if not math.isfinite(volume) or volume < 0:
            raise MetricInputError(f"volumes[{pid!r}] must be ≥ 0 (got {volumes[pid]!r})")
    elif pd.notna(p["target_volume"]):
        volume, volume_source = float(p["target_volume"]) * share, "target"
    elif items > 0:
        # Run rate: trailing 28 days scaled to the plan month's calendar days.
        volume, volume_source = items * days_in_month / TRAILING_DAYS * share, "forecast"
    else:
        volume, volume_source = 0.0, "none"
        notes.append(
            f"Project {pid} has no target_volume and no Production in the trailing "
            "4 weeks; planned at 0 items. Fill target_volume in Projects."
        )
    if items > 0 and minutes > 0:
        aht, aht_source = minutes * 60 / items, "actual"
    elif pd.notna(p["target_aht_sec"]):
        aht, aht_source = float(p["target_aht_sec"]), "target"
    else:
        aht, aht_source = math.nan, "missing"
    market = p["market"] if pd.notna(p["market"]) else UNASSIGNED
    language = str(p["language"]).strip().lower() if pd.notna(p["language"]) else UNASSIGNED
    shrinkage, shrinkage_source = shrink.get(
        str(market), shrink.get("", (s.planned_shrinkage, "settings"))
    )
    queue_type = p["queue_type"] if pd.notna(p["queue_type"]) else "batch"
    occ, occ_source = occupancy
    if queue_type == "realtime":
        occ, occ_source = s.target_occupancy, "settings (realtime cap)"
    agents = math.nan
    if volume == 0 or share == 0:
        required = 0.0
        workload = 0.0
    elif aht_source == "missing":
        required = workload = math.nan
        notes.append(
            f"Project {pid} has no recent Production and no target_aht_sec, so its "
            "FTE cannot be computed (left blank). Fill target_aht_sec in Projects."
        )
    elif queue_type == "realtime":
        workload = volume * aht / 3600
        # Average load over the open working hours (not the busiest hour): the queue is
        # taken as open during standard working hours on the project's days of the month,
        # so one FTE covers its open hours; agents are needed for that share of the month.
        rate = volume / (hours_per_fte * share)
        agents = float(
            erlang_c_agents(
                rate, aht, s.service_level_target, s.service_level_seconds, 3600, s.target_occupancy
            )
        )
        required = scheduled_fte(agents, shrinkage) * share
    else:
        workload = volume * aht / 3600
        required = batch_fte(volume, aht, hours_per_fte, shrinkage, occ)
    return {
        "project_id": pid,
        "project_name": p["project_name"],
        "market": market,
        "language": language,
        "queue_type": queue_type,
        "volume": volume,
        "volume_source": volume_source,
        "aht_sec": aht,
        "aht_source": aht_source,
        "shrinkage": shrinkage,
        "shrinkage_source": shrinkage_source,
        "occupancy": occ,
        "occupancy_source": occ_source,
        "plan_days": plan_days,
        "workload_hours": workload,
        "agents": agents,
        "required_fte": required,
        "required_hours": required * hours_per_fte,
    }


def _holidays(market: str, ps: pd.Timestamp, pe: pd.Timestamp, notes: list[str]) -> np.ndarray:
    """Public holidays of a market (a country code) falling on weekdays of the plan month."""
    import holidays  # imported here: loading its country tables is slow and rarely needed

    empty = np.array([], dtype="datetime64[D]")
    if market == UNASSIGNED:
        return empty
    try:
        calendar = holidays.country_holidays(
            str(market).strip().upper(), years=sorted({ps.year, pe.year})
        )
    except NotImplementedError:
        notes.append(
            f"Market {market!r} is not a country code the holidays library knows; "
            "no public holidays were deducted for it."
        )
        return empty
    days = np.array(
        sorted(d for d in calendar if ps.date() <= d <= pe.date()), dtype="datetime64[D]"
    )
    return days[np.is_busday(days)] if days.size else empty


def _available(
    ws: Workspace,
    r: pd.DataFrame,
    ps: pd.Timestamp,
    pe: pd.Timestamp,
    working_days: int,
    hours_per_fte: float,
    holidays_by_market: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Available FTE per Labeler in the plan month, net of holidays and planned leave."""
    # Status Leave (a long absence) and Left people give no capacity, whatever their dates.
    labelers = r.loc[
        (r["role"] == "Labeler")
        & ~r["status"].isin(["Left", "Leave"])
        & (r["start_date"] <= pe)
        & (r["end_date"].isna() | (r["end_date"] >= ps))
    ].copy()
    first = labelers["start_date"].where(labelers["start_date"] > ps, ps)
    last = labelers["end_date"].where(
        labelers["end_date"].notna() & (labelers["end_date"] < pe), pe
    )
    begin = first.to_numpy().astype("datetime64[D]")
    stop = (last + pd.Timedelta(days=1)).to_numpy().astype("datetime64[D]")
    days = np.zeros(len(labelers), dtype=float)
    markets = labelers["market"].to_numpy()
    for market in np.unique(markets) if len(labelers) else []:
        mask = markets == market
        days[mask] = np.busday_count(
            begin[mask], stop[mask], holidays=holidays_by_market.get(str(market), [])
        )
    t = ws.frame("Timesheet")
    leave = t.loc[(t["activity"] == "Leave") & t["date"].between(ps, pe)]
    leave_hours = leave.groupby("person_id")["hours"].sum()
    labelers["available_days"] = days
    labelers["leave_hours"] = labelers["person_id"].map(leave_hours).fillna(0.0)
    share = days / working_days if working_days else np.zeros(len(labelers))
    fte = labelers["fte"].to_numpy() * share - labelers["leave_hours"].to_numpy() / hours_per_fte
    labelers["available_fte"] = np.clip(fte, 0.0, None)
    return labelers


def _applicants_per_hire(ws: Workspace, notes: list[str]) -> float | None:
    if ws.settings.hiring_conversion > 0:
        return float(ws.settings.hiring_conversion)
    h = ws.frame("Hiring").dropna(subset=["candidate_id"])
    hired = int((h["stage"] == "Hired").sum())
    if hired == 0:
        notes.append(
            "Applicants per hire cannot be measured (no Hired candidates in Hiring); "
            "applicants_needed is blank. Set hiring_conversion in Settings."
        )
        return None
    return len(h) / hired


def _by_market_language(
    by_project: pd.DataFrame,
    available: pd.DataFrame,
    holidays_by_market: dict[str, np.ndarray],
    per_hire: float | None,
    notes: list[str],
) -> pd.DataFrame:
    keys = ["market", "language"]
    # A group with a project whose FTE is unknown has an unknown need: blank, not understated.
    grouped = by_project.groupby(keys)["required_fte"]
    need = grouped.sum().where(~grouped.apply(lambda x: x.isna().any())).rename("required_fte")
    have = available.groupby(keys).agg(
        available_fte=("available_fte", "sum"), people=("person_id", "size")
    )
    out = pd.concat([need, have], axis=1).reset_index()
    if out.empty:
        return pd.DataFrame({c: [] for c in MARKET_COLUMNS})
    out["available_fte"] = out["available_fte"].fillna(0.0)
    out["people"] = out["people"].fillna(0).astype(int)
    missing_need = out["required_fte"].isna() & out.set_index(keys).index.isin(need.index)
    out["required_fte"] = out["required_fte"].where(missing_need, out["required_fte"].fillna(0))
    out["gap_fte"] = out["required_fte"] - out["available_fte"]
    out["holidays"] = out["market"].map(lambda m: len(holidays_by_market.get(str(m), [])))
    # A hire is assumed to work like the market's current labelers: their median fte.
    team_typical = float(available["fte"].median()) if len(available) else 1.0
    typical = available.groupby("market")["fte"].median()
    out["typical_fte"] = out["market"].map(typical).fillna(team_typical).astype("float64")
    gap = out["gap_fte"].round(9)
    hires = np.ceil(gap.clip(lower=0) / out["typical_fte"])
    out["hires_needed"] = hires.where(gap.notna())
    if per_hire is None:
        out["applicants_needed"] = math.nan
    else:
        out["applicants_needed"] = np.ceil((out["hires_needed"] * per_hire).round(9))
    if missing_need.any():
        notes.append(
            "Some market/language rows have no required FTE because a project lacks "
            "an AHT; their gap and hires are blank."
        )
    return out[MARKET_COLUMNS].sort_values(keys).reset_index(drop=True)
