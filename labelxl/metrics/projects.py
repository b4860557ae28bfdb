"""Project status: volume vs plan, SLA, accuracy, forecast finish with a band, RAG with reasons."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelxl.metrics._common import empty, weights, working_days
from labelxl.metrics.queues import sla as queue_sla
from labelxl.model.dimensions import projects
from labelxl.model.periods import data_window, month_bounds, resolve_month
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

BURN_WINDOW_DAYS = 20  # trailing working days behind burn_rate and its band
BAND_QUANTILES = (0.10, 0.90)  # daily-output quantiles behind forecast_high / forecast_low
SLA_RED_MARGIN = 0.05  # Red when SLA is more than 5 percentage points under target
VOLUME_RED = 0.80
VOLUME_AMBER = 0.95
STATUSES = ("Active", "Paused", "Planned", "Closed")

STATUS_COLUMNS = (
    "project_id",
    "project_name",
    "status",
    "period",
    "items",
    "target_volume",
    "plan_to_date",
    "volume_vs_plan",
    "sla",
    "sla_target",
    "accuracy",
    "accuracy_low",
    "accuracy_high",
    "audited",
    "accuracy_target",
    "done_to_date",
    "remaining_volume",
    "burn_rate",
    "forecast_finish",
    "forecast_low",
    "forecast_high",
    "end_date",
    "forecast_note",  # why forecast_finish is blank (empty when it is filled)
    "rag",
    "reasons",
    "rag_codes",  # the rules that fired, e.g. "sla-amber,volume-amber" (for translations)
)
NO_DATA = "No data"  # the rag of a project no rule fired for and with nothing measured
RAG_VALUES = ("Red", "Amber", "Green", NO_DATA)
PLAN_COLUMNS = ("project_id", "items", "target_volume", "plan_to_date", "volume_vs_plan")


@dataclass(frozen=True)
class RagRule:
    """One status rule: when ``condition`` holds for a project with a listed status."""

    code: str
    colour: str  # "Red" or "Amber"
    measure: str
    condition: str
    applies_to: tuple[str, ...]
    test: Callable[[pd.DataFrame, Settings], pd.Series]
    reason: Callable[[pd.Series, Settings], str]


def _pct(x: float, decimals: int = 1) -> str:
    # One decimal where it matters: 95.5% against a 96% target must not read "96% < 96%".
    text = f"{100 * x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def _pct_vs(x: float, ref: float) -> str:
    """``x`` as a percentage with as many decimals (1 to 4) as it takes to differ from ``ref``:
    94.96% against a 95% target reads "94.96%", never "95% < 95%"."""
    for decimals in range(1, 5):
        if round(100 * x, decimals) != round(100 * ref, decimals):
            return _pct(x, decimals)
    return _pct(x, 4)


def _date(x: object) -> str:
    return x.strftime("%Y-%m-%d") if isinstance(x, pd.Timestamp) and x is not pd.NaT else "never"


def _late_reason(label: str, finish: object, end: object) -> str:
    if _date(finish) == "never":  # no output at that pace in the trailing window
        return f"{label}: no output in {BURN_WINDOW_DAYS} working days, end {_date(end)}"
    return f"{label} {_date(finish)} after end {_date(end)}"


def _late(f: pd.DataFrame, date_col: str, rate_col: str) -> pd.Series:
    # No output at the band's rate means the work never finishes: later than any deadline.
    never = f[rate_col].fillna(-1) == 0
    return (
        f["end_date"].notna()
        & (f["remaining_volume"] > 0)
        & ((f[date_col] > f["end_date"]) | never)
    )


def _red_accuracy(f: pd.DataFrame, s: Settings) -> pd.Series:
    return f["accuracy_high"] < f["accuracy_target"]


def _amber_accuracy(f: pd.DataFrame, s: Settings) -> pd.Series:
    return (
        (f["audited"] >= s.min_audit_sample)
        & (f["accuracy"] < f["accuracy_target"])
        & ~_red_accuracy(f, s)
    )


RAG_RULES: tuple[RagRule, ...] = (
    RagRule(
        "sla-red",
        "Red",
        "SLA",
        "SLA < sla_target − 5 pp",
        STATUSES,
        lambda f, s: f["sla"] < s.sla_target - SLA_RED_MARGIN,
        lambda r, s: (
            f"SLA {_pct_vs(r.sla, s.sla_target - SLA_RED_MARGIN)} < "
            f"{_pct_vs(s.sla_target - SLA_RED_MARGIN, r.sla)} (target {_pct(s.sla_target)} − 5 pp)"
        ),
    ),
    RagRule(
        "accuracy-red",
        "Red",
        "Accuracy",
        "upper end of the accuracy interval < accuracy target",
        STATUSES,
        _red_accuracy,
        lambda r, s: (
            f"accuracy {_pct_vs(r.accuracy, r.accuracy_target)} (CI {_pct(r.accuracy_low)}–"
            f"{_pct_vs(r.accuracy_high, r.accuracy_target)}) < "
            f"{_pct_vs(r.accuracy_target, r.accuracy_high)} target"
        ),
    ),
    RagRule(
        "deadline-red",
        "Red",
        "Deadline",
        "forecast_low (fast pace) after end_date",
        ("Active", "Paused"),
        lambda f, s: _late(f, "forecast_low", "rate_high"),
        lambda r, s: _late_reason("fast forecast", r.forecast_low, r.end_date),
    ),
    RagRule(
        "volume-red",
        "Red",
        "Volume",
        "volume_vs_plan < 80%",
        ("Active",),
        lambda f, s: f["volume_vs_plan"] < VOLUME_RED,
        lambda r, s: (
            f"volume {_pct_vs(r.volume_vs_plan, VOLUME_RED)} of plan < "
            f"{_pct_vs(VOLUME_RED, r.volume_vs_plan)}"
        ),
    ),
    RagRule(
        "sla-amber",
        "Amber",
        "SLA",
        "sla_target − 5 pp ≤ SLA < sla_target",
        STATUSES,
        lambda f, s: (f["sla"] < s.sla_target) & (f["sla"] >= s.sla_target - SLA_RED_MARGIN),
        lambda r, s: f"SLA {_pct_vs(r.sla, s.sla_target)} < {_pct_vs(s.sla_target, r.sla)} target",
    ),
    RagRule(
        "accuracy-amber",
        "Amber",
        "Accuracy",
        "accuracy < accuracy target with ≥ min_audit_sample audits (and not Red)",
        STATUSES,
        _amber_accuracy,
        lambda r, s: (
            f"accuracy {_pct_vs(r.accuracy, r.accuracy_target)} < "
            f"{_pct_vs(r.accuracy_target, r.accuracy)} target"
        ),
    ),
    RagRule(
        "deadline-amber",
        "Amber",
        "Deadline",
        "forecast_finish after end_date (and not Red)",
        ("Active", "Paused"),
        lambda f, s: (
            _late(f, "forecast_finish", "burn_rate") & ~_late(f, "forecast_low", "rate_high")
        ),
        lambda r, s: _late_reason("forecast", r.forecast_finish, r.end_date),
    ),
    RagRule(
        "volume-amber",
        "Amber",
        "Volume",
        "80% ≤ volume_vs_plan < 95%",
        ("Active",),
        lambda f, s: (f["volume_vs_plan"] < VOLUME_AMBER) & (f["volume_vs_plan"] >= VOLUME_RED),
        lambda r, s: (
            f"volume {_pct_vs(r.volume_vs_plan, VOLUME_AMBER)} of plan < "
            f"{_pct_vs(VOLUME_AMBER, r.volume_vs_plan)}"
        ),
    ),
)


def rag_rules() -> pd.DataFrame:
    """The RAG rules as a table (code, colour, measure, condition, applies_to) for docs and deck."""
    return pd.DataFrame(
        [(r.code, r.colour, r.measure, r.condition, ", ".join(r.applies_to)) for r in RAG_RULES]
        + [
            ("green", "Green", "All", "no rule fired and the month has data", ", ".join(STATUSES)),
            (
                "no-data",
                NO_DATA,
                "All",
                "no Production items, audits or Queue SLA in the month (volume rules need data)",
                ", ".join(STATUSES),
            ),
        ],
        columns=["code", "colour", "measure", "condition", "applies_to"],
    )


# --- volume ------------------------------------------------------------------------------


def _as_of(ws: Workspace, month: str) -> pd.Timestamp:
    """The calendar day the month is judged at: today in a running month, its last day
    once over."""
    start, end = month_bounds(month)
    return min(end, max(pd.Timestamp(ws.today), start - pd.Timedelta(days=1)))


def _data_as_of(ws: Workspace, month: str) -> pd.Timestamp:
    """``_as_of`` but never after the month's last day with data: a month whose data stop
    on the 10th is judged on the 10th (plans pro-rate to the data window, issue 12)."""
    as_of = _as_of(ws, month)
    through = data_window(ws, month)["data_through"]
    return min(as_of, pd.Timestamp(through)) if through is not None else as_of


def _dates(values: pd.Series) -> pd.Series:
    """A mapped date column as datetime64 even when it is empty (map then gives float64)."""
    return pd.to_datetime(values.astype(object)).astype("datetime64[ns]")


def volume_plan(
    ws: Workspace, month: str | None = None, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Per project: the month's ``items`` against ``plan_to_date`` (PLAN_COLUMNS).

    plan_to_date = target_volume × working days of the month inside the project's
    start/end dates and on or before as_of ÷ working days of the month, where as_of is
    ``ws.today`` for the current month and the month's last day for a past one (unless
    given: ``project_status`` passes the month's last date with data).
    volume_vs_plan = items / plan_to_date (NaN without a target or a plan of 0).
    """
    month = resolve_month(ws, month)
    start, end = month_bounds(month)
    as_of = _as_of(ws, month) if as_of is None else as_of
    proj = projects(ws)
    if proj.empty:
        return empty(PLAN_COLUMNS)
    prod = ws.frame("Production")
    in_month = prod.loc[(prod["date"] >= start) & (prod["date"] <= end)]
    items = in_month.groupby("project_id")["items"].sum()
    out = pd.DataFrame({"project_id": pd.Series(proj.index, dtype=object)})
    out["items"] = out["project_id"].map(items).fillna(0.0).astype("float64")
    out["target_volume"] = out["project_id"].map(proj["target_volume"]).astype("float64")
    p_start = _dates(out["project_id"].map(proj["start_date"])).fillna(start)
    p_end = _dates(out["project_id"].map(proj["end_date"])).fillna(end)
    lo = p_start.where(p_start > start, start)
    hi = p_end.where(p_end < as_of, as_of)
    month_days = int(working_days(pd.Series([start]), pd.Series([end]))[0])
    elapsed = working_days(lo, hi)
    out["plan_to_date"] = out["target_volume"] * elapsed / month_days
    plan = out["plan_to_date"]
    out["volume_vs_plan"] = out["items"] / plan.where(plan > 0)
    return out[list(PLAN_COLUMNS)]


def _life_target(proj: pd.DataFrame) -> pd.Series:
    """target_volume summed over each month of the project's life, prorated by working days."""
    totals = {}
    for pid, row in proj.iterrows():
        if pd.isna(row["end_date"]) or pd.isna(row["start_date"]) or pd.isna(row["target_volume"]):
            continue
        months = pd.period_range(row["start_date"], row["end_date"], freq="M")
        m_start = months.start_time.normalize()
        m_end = months.end_time.normalize()
        lo = pd.Series(m_start).clip(lower=row["start_date"])
        hi = pd.Series(m_end).clip(upper=row["end_date"])
        share = working_days(lo, hi) / np.maximum(
            working_days(pd.Series(m_start), pd.Series(m_end)), 1
        )
        totals[pid] = float(row["target_volume"]) * float(share.sum())
    return pd.Series(totals, dtype="float64")


# --- forecast ----------------------------------------------------------------------------


def _burn(ws: Workspace, ids: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """burn_rate, rate_low, rate_high per project over the trailing working-day window."""
    last = np.busday_offset(np.datetime64(as_of.date(), "D"), 0, roll="backward")
    days = np.busday_offset(last, np.arange(-(BURN_WINDOW_DAYS - 1), 1))
    first = pd.Timestamp(days[0])
    prod = ws.frame("Production")
    win = prod.loc[(prod["date"] >= first) & (prod["date"] <= as_of) & prod["project_id"].notna()]
    # Weekend output counts towards the working day before it.
    wd = np.busday_offset(np.asarray(win["date"]).astype("datetime64[D]"), 0, roll="backward")
    daily = (
        pd.DataFrame(
            {
                "project_id": win["project_id"].to_numpy(),
                "day": wd,
                "items": win["items"].fillna(0.0).to_numpy(),
            }
        )
        .groupby(["project_id", "day"])["items"]
        .sum()
        .unstack("day")
        .reindex(index=ids, columns=pd.DatetimeIndex(days.astype("datetime64[ns]")))
        .fillna(0.0)
    )
    starts = _dates(ids.map(projects(ws)["start_date"]))
    grid = daily.to_numpy(dtype="float64", copy=True)
    # Days before the project started are not part of its pace.
    before = np.asarray(daily.columns)[None, :] < np.asarray(starts.fillna(first))[:, None]
    grid[before] = np.nan
    has = (~np.isnan(grid)).any(axis=1)
    out = pd.DataFrame(
        {"burn_rate": np.nan, "rate_low": np.nan, "rate_high": np.nan}, index=range(len(ids))
    )
    if has.any():
        g = grid[has]
        out.loc[has, "burn_rate"] = np.nanmean(g, axis=1)
        q = np.nanquantile(g, BAND_QUANTILES, axis=1)
        out.loc[has, "rate_low"] = q[0]
        out.loc[has, "rate_high"] = q[1]
    return out


def _finish(as_of: pd.Timestamp, remaining: pd.Series, rate: pd.Series) -> pd.Series:
    """Working day on which ``remaining`` items are done at ``rate`` items per working day."""
    out = pd.Series(pd.NaT, index=remaining.index, dtype="datetime64[ns]")
    base = np.datetime64(as_of.date(), "D")
    for i in remaining.index:
        rem, r = remaining[i], rate[i]
        if pd.isna(rem) or pd.isna(r):
            continue
        if rem <= 0:
            out[i] = as_of
        elif r > 0:
            n = math.ceil(rem / r - 1e-9)
            out[i] = pd.Timestamp(np.busday_offset(base, n, roll="backward"))
    return out


# --- accuracy ----------------------------------------------------------------------------


def _accuracy(ws: Workspace, month: str) -> pd.DataFrame:
    """Accuracy per project in the month from Audits, with the Wilson interval."""
    from labelxl.stats.intervals import wilson_interval  # written in parallel; import late

    start, end = month_bounds(month)
    a = ws.frame("Audits")
    a = a.loc[(a["audit_date"] >= start) & (a["audit_date"] <= end) & a["project_id"].notna()]

    def norm(s: pd.Series) -> pd.Series:
        return s.astype("string").str.strip().str.casefold()

    agree = (norm(a["labeler_decision"]) == norm(a["auditor_decision"])).fillna(False)
    overturned = (a["dispute_outcome"] == "Overturned").fillna(False)
    w = weights(a)
    correct = (agree | overturned).astype("int64") * w
    counts = pd.DataFrame({"project_id": a["project_id"], "sum": correct, "count": w})
    g = counts.groupby("project_id")[["sum", "count"]].sum()
    rows = []
    for pid, k, n in zip(g.index, g["sum"], g["count"], strict=True):
        low, high = wilson_interval(int(k), int(n), ws.settings.confidence)
        rows.append((pid, k / n, float(low), float(high), int(n)))
    return pd.DataFrame(rows, columns=["project_id", "accuracy", "ci_low", "ci_high", "audited"])


# --- status ------------------------------------------------------------------------------


def project_status(
    ws: Workspace, month: str | None = None, accuracy: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per project with volume, SLA, accuracy, forecast and RAG (STATUS_COLUMNS).

    ``accuracy`` has columns project_id, accuracy, ci_low, ci_high, audited; when None it
    is computed from the month's Audits (correct = decisions agree or the dispute was
    Overturned; Wilson interval at settings.confidence). See docs/operations.md for the
    forecast, remaining volume and the RAG rules (RAG_RULES). ``rag`` is Red, Amber,
    Green or "No data" (NO_DATA: no rule fired and the month has no items, audits or SLA
    for the project; never Green). ``forecast_note`` says why a forecast is blank.
    """
    month = resolve_month(ws, month)
    as_of = _data_as_of(ws, month)
    proj = projects(ws)
    if proj.empty:
        return empty(STATUS_COLUMNS)
    out = volume_plan(ws, month, as_of)
    ids = out["project_id"]
    out["project_name"] = ids.map(proj["project_name"])
    out["status"] = ids.map(proj["status"])
    out["period"] = month
    out["end_date"] = _dates(ids.map(proj["end_date"]))

    q = queue_sla(ws, "project_id", "month")
    q = q.loc[q["period"] == month].set_index("project_id") if not q.empty else q
    out["sla"] = ids.map(q["sla"]).astype("float64") if len(q) else np.nan
    out["sla_target"] = ws.settings.sla_target

    acc = _accuracy(ws, month) if accuracy is None else accuracy
    acc = acc.drop_duplicates("project_id").set_index("project_id")
    out["accuracy"] = ids.map(acc["accuracy"]).astype("float64")
    out["accuracy_low"] = ids.map(acc["ci_low"]).astype("float64")
    out["accuracy_high"] = ids.map(acc["ci_high"]).astype("float64")
    out["audited"] = ids.map(acc["audited"]).fillna(0).astype("int64")
    out["accuracy_target"] = (
        ids.map(proj["target_accuracy"]).fillna(ws.settings.accuracy_target).astype("float64")
    )

    prod = ws.frame("Production")
    done = prod.loc[prod["date"] <= as_of].groupby("project_id")["items"].sum()
    out["done_to_date"] = ids.map(done).fillna(0.0).astype("float64")
    out["remaining_volume"] = (ids.map(_life_target(proj)) - out["done_to_date"]).clip(lower=0)
    out = pd.concat([out, _burn(ws, ids, as_of)], axis=1)
    out["forecast_finish"] = _finish(as_of, out["remaining_volume"], out["burn_rate"])
    out["forecast_low"] = _finish(as_of, out["remaining_volume"], out["rate_high"])
    out["forecast_high"] = _finish(as_of, out["remaining_volume"], out["rate_low"])
    out["forecast_note"] = _forecast_note(out, proj.reindex(ids), as_of)
    out["rag"], out["reasons"], out["rag_codes"] = _rag(out, ws.settings)
    return out[list(STATUS_COLUMNS)].sort_values("project_id", kind="stable").reset_index(drop=True)


def _forecast_note(f: pd.DataFrame, proj: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Why ``forecast_finish`` is blank, in words (empty when it is filled)."""
    notes = []
    for (_, r), (_, p) in zip(f.iterrows(), proj.iterrows(), strict=True):
        if pd.notna(r["forecast_finish"]):
            notes.append("")
        elif pd.isna(p["end_date"]):
            notes.append("ongoing: no end date in Projects, so there is no total to finish")
        elif pd.isna(p["target_volume"]):
            notes.append("no target volume in Projects, so the total to finish is unknown")
        elif pd.isna(p["start_date"]):
            notes.append("no start date in Projects, so the total to finish is unknown")
        elif p["start_date"] > as_of:
            notes.append(f"not started (starts {_date(p['start_date'])})")
        elif pd.isna(r["burn_rate"]):
            notes.append(f"no Production in the last {BURN_WINDOW_DAYS} working days")
        else:
            notes.append(
                f"no output in the last {BURN_WINDOW_DAYS} working days: never at this pace"
            )
    return pd.Series(notes, index=f.index, dtype=object)


def _rag(f: pd.DataFrame, s: Settings) -> tuple[pd.Series, pd.Series, pd.Series]:
    red = pd.Series(False, index=f.index)
    amber = pd.Series(False, index=f.index)
    reasons: list[list[str]] = [[] for _ in range(len(f))]
    codes: list[list[str]] = [[] for _ in range(len(f))]
    # Nothing measured is not a success, nor a volume shortfall: a project with no items,
    # audits or SLA in the month is grey ("No data"); only its deadline can still escalate.
    measured = (f["items"].fillna(0) > 0) | (f["audited"].fillna(0) > 0) | f["sla"].notna()
    for rule in RAG_RULES:
        fired = rule.test(f, s).fillna(False).astype(bool) & f["status"].isin(rule.applies_to)
        if rule.measure == "Volume":
            fired &= measured
        if rule.colour == "Red":
            red |= fired
        else:
            amber |= fired
        for pos in np.flatnonzero(fired.to_numpy()):
            reasons[pos].append(rule.reason(f.iloc[pos], s))
            codes[pos].append(rule.code)
    closed = f["status"] == "Closed"  # a closed project is reported, never escalated
    quiet = np.where(measured, "Green", NO_DATA)
    rag = np.where(red & ~closed, "Red", np.where(red | amber, "Amber", quiet))
    return (
        pd.Series(rag, index=f.index, dtype=object),
        pd.Series(["; ".join(r) for r in reasons], index=f.index, dtype=object),
        pd.Series([",".join(c) for c in codes], index=f.index, dtype=object),
    )
