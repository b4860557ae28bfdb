"""One call that computes every metric a refresh or deck needs, as a bundle of named tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics import (
    calibration,
    capacity,
    efficiency,
    hiring,
    hours,
    people,
    quality,
    queues,
    requirements,
    wellbeing,
)
from labelxl.metrics import projects as projects_mod
from labelxl.metrics.trend import team_trend, weekly_quality
from labelxl.model import dimensions
from labelxl.model.findings import Report
from labelxl.model.incremental import reuse
from labelxl.model.periods import (
    data_window,
    default_month,
    parse_month,
    previous_month,
)
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

# The default reporting month has one owner (periods); this is its name in the metrics API.
reporting_month = default_month


@dataclass
class Metrics:
    """All metric tables for one reporting month (plus the history needed for trends).

    Frames have named columns; ``period`` is ``YYYY-MM`` (or ``YYYY-Www`` for weekly ones).

    - ``kpis``: one row per headline KPI: ``kpi`` (key), ``value``, ``ci_low``, ``ci_high``,
      ``target``, ``previous`` (last month), ``change`` (value − previous), ``status``
      (good | watch | bad | none), ``unit`` (count | pct | rate | seconds | hours | fte),
      ``higher_is_better``.
    - ``trend``: team totals per month: period, items, handle_hours, productive_hours,
      throughput, aht_sec, audited, correct, accuracy, ci_low, ci_high, sla, utilization,
      shrinkage, headcount.
    - ``quality_weekly``: team error-rate p-chart per ISO week: period, audited, errors,
      accuracy, ci_low, ci_high, p, center, lcl, ucl, out_of_control.
    - ``labelers``: the LX Labelers table for the month: person_id, name, period, items,
      productive_hours, throughput, aht_sec, audited, correct, accuracy, ci_low, ci_high,
      sufficient, target, flag.
    - ``projects``: the LX Projects table (projects.STATUS_COLUMNS): project_id,
      project_name, period, items, target_volume, plan_to_date, volume_vs_plan, sla,
      accuracy, forecast_finish, forecast_low, forecast_high, ``forecast_note`` (why the
      forecast is blank, in words), end_date, ``rag`` (Red | Amber | Green | "No data":
      nothing measured in the month is never Green), reasons, rag_codes. Plans are judged
      on the month's last day with data (``data_through``).
    - ``labelers``: people with labeling work only (Roster role Labeler, or anyone with
      Production items or audits in the month); see ``people.HEADCOUNT_DEFINITION``.
    - ``staff_hours``: the month's hours of people whose role is not Labeler (QA, Lead,
      Trainer): role, person_id, name, paid_hours, worked_hours, productive_hours,
      leave_hours, utilization.
    - ``headcount_definition``: the sentence that defines headcount, FTE and labelers
      (``people.HEADCOUNT_DEFINITION``), for the sheets' and deck's definitions.
    - ``previous_has_data``: last month is in the trend; when False every KPI's
      ``previous`` and ``change`` are blank (shown as "–").
    - ``capacity``: ``capacity.CapacityPlan``, with ``assumptions`` (assumption, value,
      unit, source) to print next to the result, and per project ``occupancy``,
      ``occupancy_source``, ``plan_days``.
    - ``data_from``/``data_through``/``working_days``/``working_days_with_data``/
      ``partial``: the month's data window (``periods.data_window``); the KPI items
      target is pro-rated to it when partial.
    - the rest are the engines' own tables (see each module's docs).
    """

    month: str
    previous_month: str | None
    settings: Settings
    report: Report
    kpis: pd.DataFrame
    trend: pd.DataFrame
    quality_weekly: pd.DataFrame
    labelers: pd.DataFrame
    projects: pd.DataFrame
    quality_by: dict[str, pd.DataFrame] = field(default_factory=dict)  # market/vendor/policy_area
    policy: pd.DataFrame = field(default_factory=pd.DataFrame)
    pareto: pd.DataFrame = field(default_factory=pd.DataFrame)
    disputes: pd.DataFrame = field(default_factory=pd.DataFrame)
    auditors: pd.DataFrame = field(default_factory=pd.DataFrame)
    spc: pd.DataFrame = field(default_factory=pd.DataFrame)
    sampling: pd.DataFrame = field(default_factory=pd.DataFrame)
    calibration: Any = None
    capacity: Any = None
    headcount: pd.DataFrame = field(default_factory=pd.DataFrame)
    attrition: pd.DataFrame = field(default_factory=pd.DataFrame)
    funnel: pd.DataFrame = field(default_factory=pd.DataFrame)
    hours: pd.DataFrame = field(default_factory=pd.DataFrame)
    sla: pd.DataFrame = field(default_factory=pd.DataFrame)
    exposure: pd.DataFrame = field(default_factory=pd.DataFrame)
    over_caps: pd.DataFrame = field(default_factory=pd.DataFrame)
    rotation: pd.DataFrame = field(default_factory=pd.DataFrame)
    requirements: Any = None  # labelxl.metrics.requirements.RequirementsStatus
    staff_hours: pd.DataFrame = field(default_factory=pd.DataFrame)
    headcount_definition: str = ""
    previous_has_data: bool = False
    names: dict[str, str] = field(default_factory=dict)  # person_id → name (Roster)
    notes: list[str] = field(default_factory=list)
    # The data window of the month (see ``data_window``): outputs say "data through …".
    data_from: dt.date | None = None
    data_through: dt.date | None = None
    working_days: int = 0
    working_days_with_data: int = 0
    partial: bool = False


# --------------------------------------------------------------------------- compute

LABELER_ROLE = "Labeler"
STAFF_HOURS_COLUMNS = (
    "role",
    "person_id",
    "name",
    "paid_hours",
    "worked_hours",
    "productive_hours",
    "leave_hours",
    "utilization",
)
KPI_COLUMNS = (
    "kpi",
    "value",
    "ci_low",
    "ci_high",
    "target",
    "previous",
    "change",
    "status",
    "unit",
    "higher_is_better",
)


@dataclass(frozen=True)
class KpiSpec:
    """One headline KPI, declared: where its value comes from and what it is held against.

    ``source`` is ``trend`` (the team's monthly totals; last month gives ``previous``),
    ``attrition`` (people.joiners_leavers) or ``count`` (a count of the month's tables,
    no previous). ``target`` names an entry of ``_targets``; ``ci`` reads the trend's
    ci_low/ci_high.
    """

    kpi: str
    unit: str  # count | pct | rate | seconds | hours | fte
    source: str
    column: str
    higher: bool | None = True  # None: neither direction is better (no status)
    target: str | None = None
    ci: bool = False


KPI_SPECS: tuple[KpiSpec, ...] = (
    KpiSpec("items", "count", "trend", "items", target="items"),
    KpiSpec("throughput", "rate", "trend", "throughput", target="throughput"),
    KpiSpec("aht_sec", "seconds", "trend", "aht_sec", higher=False, target="aht_sec"),
    KpiSpec("accuracy", "pct", "trend", "accuracy", target="accuracy", ci=True),
    KpiSpec("sla", "pct", "trend", "sla", target="sla"),
    KpiSpec("utilization", "pct", "trend", "utilization"),
    KpiSpec("shrinkage", "pct", "trend", "shrinkage", higher=False, target="shrinkage"),
    KpiSpec("headcount", "count", "trend", "headcount", higher=None),
    KpiSpec("attrition", "pct", "attrition", "annualised_attrition", higher=False),
    KpiSpec("labelers_below", "count", "count", "labelers_below", higher=False, target="zero"),
    KpiSpec("people_over_caps", "count", "count", "people_over_caps", higher=False, target="zero"),
    KpiSpec("projects_red", "count", "count", "projects_red", higher=False, target="zero"),
)
WATCH_TOLERANCE = 0.02  # within 2% of target (relative) is "watch", beyond is "bad"


def _value(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _status(spec: KpiSpec, value: Any, target: Any, ci_high: Any) -> str:
    if value is None or target is None or spec.higher is None:
        return "none"
    if spec.ci and ci_high is not None:
        # The coaching rule at team level: red only when the whole interval misses.
        return "bad" if ci_high < target else ("watch" if value < target else "good")
    gap = (value - target) if spec.higher else (target - value)
    tolerance = WATCH_TOLERANCE * abs(target) if target else 0.0
    return "good" if gap >= 0 else ("watch" if -gap <= tolerance else "bad")


def _row(frame: pd.DataFrame, month: str | None) -> dict[str, Any]:
    if month is None or frame.empty:
        return {}
    hit = frame.loc[frame["period"] == month]
    return {} if hit.empty else hit.iloc[0].to_dict()


def _targets(ws: Workspace, projects: pd.DataFrame, window: dict[str, Any]) -> dict[str, Any]:
    """The KPI targets: Settings, Active projects' target_volume (pro-rated to the data
    window when the month's data stop early) and the item-weighted project AHT target."""
    s = ws.settings
    proj = dimensions.projects(ws)
    active = proj.loc[proj["status"].isin(["Active"])] if not proj.empty else proj
    items_target = float(active["target_volume"].sum()) if len(active) else None
    if items_target and window.get("partial") and window.get("working_days"):
        items_target *= window["working_days_with_data"] / window["working_days"]
    aht_target = None
    if len(projects) and "target_aht_sec" in proj:
        mix = projects.set_index("project_id")["items"].fillna(0)
        t = proj["target_aht_sec"].reindex(mix.index)
        ok = t.notna() & (mix > 0)
        if ok.any():
            aht_target = float((t[ok] * mix[ok]).sum() / mix[ok].sum())
    return {
        "items": items_target or None,
        "throughput": 3600 / aht_target * s.target_occupancy if aht_target else None,
        "aht_sec": aht_target,
        "accuracy": s.accuracy_target,
        "sla": s.sla_target,
        "shrinkage": s.planned_shrinkage,
        "zero": 0,
    }


def kpi_table(
    ws: Workspace,
    month: str,
    previous: str | None,
    trend: pd.DataFrame,
    labelers: pd.DataFrame,
    projects: pd.DataFrame,
    attrition: pd.DataFrame,
    over_caps: pd.DataFrame,
) -> pd.DataFrame:
    """One row per KPI_SPECS entry (KPI_COLUMNS). ``previous`` None (last month has no
    data) leaves ``previous`` and ``change`` blank for every KPI."""
    window = data_window(ws, month)
    targets = _targets(ws, projects, window)
    rows_now = {"trend": _row(trend, month), "attrition": _row(attrition, month)}
    rows_before = {"trend": _row(trend, previous), "attrition": _row(attrition, previous)}
    rows_now["count"] = {
        "labelers_below": int((labelers["flag"] == "below").sum()) if "flag" in labelers else 0,
        "people_over_caps": int(over_caps["person_id"].nunique()) if len(over_caps) else 0,
        "projects_red": int((projects["rag"] == "Red").sum()) if "rag" in projects else 0,
    }
    rows = []
    for spec in KPI_SPECS:
        now = rows_now[spec.source]
        value = _value(now.get(spec.column))
        before = _value(rows_before.get(spec.source, {}).get(spec.column))
        target = targets[spec.target] if spec.target else None
        ci = (_value(now.get("ci_low")), _value(now.get("ci_high"))) if spec.ci else (None, None)
        rows.append(
            {
                "kpi": spec.kpi,
                "value": value,
                "ci_low": ci[0],
                "ci_high": ci[1],
                "target": target,
                "previous": before,
                "change": value - before if value is not None and before is not None else None,
                "status": _status(spec, value, target, ci[1]),
                "unit": spec.unit,
                "higher_is_better": spec.higher,
            }
        )
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def labeling_people(ws: Workspace, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of people with labeling work: Roster role Labeler, or anyone with Production
    items or audited items in the period. QA, Leads and Trainers without items are staff,
    not labelers (their hours are in ``staff_hours``)."""
    if table.empty:
        return table
    role = table["person_id"].map(dimensions.people(ws)["role"])
    work = (table.get("items", 0) > 0) | (table.get("audited", 0) > 0)
    return table.loc[(role == LABELER_ROLE) | work]


def staff_hours(ws: Workspace, month: str) -> pd.DataFrame:
    """Hours of the month's people whose Roster role is not Labeler (QA, Lead, Trainer, ...).

    Columns STAFF_HOURS_COLUMNS: role, person_id, name, paid_hours, worked_hours,
    productive_hours (Labeling + QA), leave_hours, utilization (productive / worked).
    """
    wh = hours.working_hours(ws, "person_id", "month")
    if wh.empty:
        return pd.DataFrame(columns=list(STAFF_HOURS_COLUMNS))
    roster = dimensions.people(ws)
    wh = wh.loc[wh["period"] == month].copy()
    wh["role"] = wh["person_id"].map(roster["role"])
    wh["name"] = wh["person_id"].map(roster["name"])
    wh = wh.loc[wh["role"].notna() & (wh["role"] != LABELER_ROLE)]
    return wh[list(STAFF_HOURS_COLUMNS)].sort_values(["role", "person_id"]).reset_index(drop=True)


def compute(
    ws: Workspace,
    month: str | None = None,
    report: Report | None = None,
    stored_trend: pd.DataFrame | None = None,
) -> Metrics:
    """Every metric for ``month`` (default: the last complete month in the data).

    ``stored_trend`` (the history the pipeline keeps) extends the monthly trend with months
    no longer in the workbooks (months present in the workbooks win).
    """
    from labelxl.validate import validate

    month = parse_month(month) if month is not None else default_month(ws)
    if month is None:
        raise MetricInputError(
            "the workspace has no dated Production, Audits or Timesheet "
            "rows, so there is no month to report on"
        )
    previous = previous_month(month)
    report = report if report is not None else validate(ws)
    names = {str(k): str(v) for k, v in dimensions.people(ws)["name"].dropna().items()}

    eff = reuse(ws, efficiency.labeler_table, "month")
    qual = reuse(ws, quality.labeler_quality, "month")
    lab = eff.loc[eff["period"] == month].merge(
        qual.loc[qual["period"] == month], on=["person_id", "period"], how="outer"
    )
    lab.insert(1, "name", lab["person_id"].map(names))
    for col in ("items", "audited", "correct"):
        if col in lab:
            lab[col] = lab[col].fillna(0).astype("int64")
    lab["flag"] = lab["flag"].fillna("insufficient")
    lab = labeling_people(ws, lab).sort_values("person_id").reset_index(drop=True)

    acc = reuse(ws, quality.accuracy_table, "project_id", "month")
    acc = acc.loc[
        acc["period"] == month, ["project_id", "accuracy", "ci_low", "ci_high", "audited"]
    ]
    proj = projects_mod.project_status(ws, month, accuracy=acc)

    trend = reuse(ws, team_trend)
    if stored_trend is not None:
        stored = stored_trend
        if not stored.empty and "period" in stored:
            older = stored.loc[~stored["period"].isin(set(trend["period"]))]
            trend = pd.concat([older, trend], ignore_index=True).sort_values("period")
            trend = trend.reset_index(drop=True)
    attrition = reuse(ws, people.joiners_leavers, "month")
    over = reuse(ws, wellbeing.people_over_caps, month)
    # No data last month: changes are blank ("–"), never a comparison with nothing.
    previous_has_data = bool(len(trend)) and previous in set(trend["period"])
    compare = previous if previous_has_data else None
    kpis = kpi_table(ws, month, compare, trend, lab, proj, attrition, over)

    notes: list[str] = []
    cal: calibration.CalibrationReport | None = None
    try:
        cal = reuse(ws, calibration.calibration_report)
    except MetricInputError as exc:
        notes.append(f"calibration: {exc}")
    cap: capacity.CapacityPlan | None = None
    try:
        cap = reuse(ws, capacity.capacity_plan, month)
    except MetricInputError as exc:
        notes.append(f"capacity: {exc}")
    if cap is not None:
        notes.extend(cap.notes)

    return Metrics(
        month=month,
        previous_month=previous,
        settings=ws.settings,
        report=report,
        kpis=kpis,
        trend=trend,
        quality_weekly=reuse(ws, weekly_quality),
        labelers=lab,
        projects=proj,
        quality_by={
            dim: _month_only(reuse(ws, quality.accuracy_table, dim, "month"), month)
            for dim in ("market", "vendor", "policy_area")
        },
        policy=reuse(ws, quality.policy_precision_recall, month),
        pareto=reuse(ws, quality.error_pareto, month),
        disputes=reuse(ws, quality.dispute_summary, month=month),
        auditors=reuse(ws, quality.auditor_strictness, month),
        spc=reuse(ws, quality.spc_by_project, "week"),
        sampling=reuse(ws, quality.sampling_plan, month),
        calibration=cal,
        capacity=cap,
        headcount=reuse(ws, people.headcount, month, by=("market", "vendor")),
        attrition=attrition,
        funnel=reuse(ws, hiring.hiring_funnel),
        hours=_month_only(reuse(ws, hours.working_hours, "team", "month"), month),
        sla=_month_only(reuse(ws, queues.sla, "project_id", "month"), month),
        exposure=_month_only(reuse(ws, wellbeing.exposure, "month"), month),
        over_caps=over,
        rotation=reuse(ws, wellbeing.rotation_suggestion, month),
        requirements=reuse(ws, requirements.requirements_status),
        staff_hours=reuse(ws, staff_hours, month),
        headcount_definition=people.HEADCOUNT_DEFINITION,
        previous_has_data=previous_has_data,
        names=names,
        notes=notes,
        **data_window(ws, month),
    )


def _month_only(frame: pd.DataFrame, month: str) -> pd.DataFrame:
    if frame.empty or "period" not in frame:
        return frame
    return frame.loc[frame["period"] == month].reset_index(drop=True)
