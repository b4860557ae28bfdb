"""The layouts of the ``LX`` result sheets: which table goes where, with which formats."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from labelxl import __version__
from labelxl.io.ooxml import OutputSheet
from labelxl.metrics import Metrics
from labelxl.model.findings import Report

PCT_WORDS = (
    "accuracy",
    "ci_low",
    "ci_high",
    "sla",
    "utilization",
    "shrinkage",
    "share",
    "rate",
    "conversion",
    "volume_vs_plan",
    "agree_",
    "weighted_score",
    "precision",
    "recall",
    "f1",
    "ds_accuracy",
    "error_rate",
    "attrition",
    "sla_target",
    "target_accuracy",
    "accuracy_target",
    "modal_share",
    "coverage",
)
INT_WORDS = (
    "items",
    "audited",
    "correct",
    "errors",
    "headcount",
    "joiners",
    "leavers",
    "sample",
    "volume",
    "interviews",
    "hires",
    "people",
    "raters",
    "audits",
    "days",
    "reached",
    "disputed",
    "overturned",
    "decided",
    "pending",
    "count",
    "tp",
    "fp",
    "fn",
)

KPI_LABELS = {
    "items": "Items labeled",
    "throughput": "Throughput (items / productive hour)",
    "aht_sec": "AHT (seconds / item)",
    "accuracy": "Accuracy (audited)",
    "sla": "Done within SLA",
    "utilization": "Utilisation",
    "shrinkage": "Shrinkage",
    "headcount": "Headcount",
    "attrition": "Attrition (annualised)",
    "labelers_below": "Labelers below target (with confidence)",
    "people_over_caps": "People over graphic-exposure caps",
    "projects_red": "Projects at Red",
}


KPI_DEFINITIONS = {
    "items": "Items decided in the month (Production).",
    "throughput": "Items / productive hour (Timesheet Labeling + QA hours).",
    "aht_sec": "Handle seconds / item (Production handle_minutes).",
    "accuracy": "Correct / audited; Wilson interval at the confidence setting.",
    "sla": "Done within SLA / done (Queue).",
    "utilization": "(Labeling + QA hours) / (paid hours − Leave).",
    "shrinkage": "1 − productive hours / paid hours.",
    "headcount": "People on the team at month end (Roster).",
    "attrition": "Leavers / average headcount × 12.",
    "labelers_below": "Labelers whose whole accuracy interval is below target.",
    "people_over_caps": "People above a graphic-exposure cap in the month.",
    "projects_red": "Projects whose status rules give Red.",
}


def guess_format(column: str, series: pd.Series) -> str | None:
    """A number format from the column's name and dtype (None = let the writer decide)."""
    name = column.lower()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "date"
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return None
    if any(w in name for w in PCT_WORDS) and not name.endswith(("_sec", "_hours", "_days")):
        values = series.dropna()
        if values.empty or (values.abs() <= 1.5).all():
            return "pct"
    if name.endswith("hours") or "_hours" in name or name.endswith("fte"):
        return "hours"
    if any(name == w or name.startswith(w + "_") or name.endswith("_" + w) for w in INT_WORDS):
        return "int"
    return "number"


def sheet(
    name: str,
    frame: pd.DataFrame,
    *,
    rag: Sequence[str] = (),
    flags: dict[str, dict[str, str]] | None = None,
    links: dict[str, str] | None = None,
    title: str | None = None,
    widths: dict[str, float] | None = None,
) -> OutputSheet:
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    formats = {}
    for col in frame.columns:
        fmt = guess_format(col, frame[col])
        if fmt is not None:
            formats[col] = fmt
    return OutputSheet(
        name=name,
        frame=frame,
        formats=formats,
        rag_columns=tuple(rag),
        flag_columns=flags or {},
        links=links or {},
        title=title,
        widths=widths or {},
    )


def _fmt_kpi(value: object, unit: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    v = float(value)  # type: ignore[arg-type]
    if unit == "pct":
        return f"{v:.1%}"
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:,.1f}"


@dataclass
class _Kpi:
    kpi: str
    value: Any
    ci_low: Any
    ci_high: Any
    target: Any
    previous: Any
    change: Any
    status: str
    unit: str
    higher_is_better: Any


def _fmt_change(change: object, unit: str) -> str:
    if change is None or (isinstance(change, float) and change != change):
        return ""
    v = float(change)  # type: ignore[arg-type]
    if unit == "pct":
        return f"{v * 100:+.1f} pp"
    return f"{v:+,.0f}" if unit == "count" else f"{v:+,.1f}"


def summary_frame(m: Metrics) -> pd.DataFrame:
    """One row per KPI: the value as a manager reads it, target, last month, definition."""
    rows = []
    for rec in m.kpis.to_dict("records"):
        r = _Kpi(**{str(k): v for k, v in rec.items()})
        shown = _fmt_kpi(r.value, r.unit)
        if r.kpi == "accuracy" and r.ci_low is not None and r.ci_low == r.ci_low:
            shown += f" ({_fmt_kpi(r.ci_low, 'pct')}–{_fmt_kpi(r.ci_high, 'pct')})"
        rows.append(
            {
                "kpi": KPI_LABELS.get(r.kpi, r.kpi),
                "month": m.month,
                "value_shown": shown,
                "target": _fmt_kpi(r.target, r.unit) if r.target is not None else "",
                "previous": _fmt_kpi(r.previous, r.unit),
                "change": _fmt_change(r.change, r.unit),
                "status": r.status,
                "definition": KPI_DEFINITIONS.get(r.kpi, ""),
                "value": r.value,
            }
        )
    return pd.DataFrame(rows)


def issues_frame(report: Report, target_workbook: Path | None) -> pd.DataFrame:
    rows = []
    for f in report:
        here = (
            target_workbook is not None
            and f.workbook
            and Path(f.workbook).resolve() == Path(target_workbook).resolve()
        )
        sheet_ref = f"'{f.sheet}'!{f.cell}" if f.cell else f"'{f.sheet}'!A1"
        link = sheet_ref if here or not f.workbook else f"{Path(f.workbook).name}#{sheet_ref}"
        rows.append(
            {
                "severity": f.severity,
                "code": f.code,
                "workbook": Path(f.workbook).name if f.workbook else "",
                "cell": f.address,
                "column": f.column,
                "value": "" if f.value is None else str(f.value),
                "message": f.message,
                "link": link,
            }
        )
    cols = ["severity", "code", "workbook", "cell", "column", "value", "message", "link"]
    return pd.DataFrame(rows, columns=cols)


def log_frame(
    m: Metrics, inputs: Sequence[Path], started: dt.datetime, seconds: float
) -> pd.DataFrame:
    rows = [
        ("run_at", started.isoformat(timespec="seconds")),
        ("labelxl_version", __version__),
        ("month", m.month),
        ("seconds", f"{seconds:.1f}"),
        ("errors", str(len(m.report.errors))),
        ("warnings", str(len(m.report.warnings))),
    ]
    for p in inputs:
        rows.append((f"input {Path(p).name}", f"sha256 {file_sha256(Path(p))}"))
    for f in fields(m.settings):
        if f.name == "pseudonym_secret":
            continue  # never print the secret
        rows.append((f"setting {f.name}", str(getattr(m.settings, f.name))))
    rows.extend(("note", n) for n in m.notes)
    return pd.DataFrame(rows, columns=["item", "value"])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stack(frames: dict[str, pd.DataFrame], key: str) -> pd.DataFrame:
    parts = []
    for dim, frame in frames.items():
        if frame is None or frame.empty:
            continue
        f = frame.rename(columns={dim: "group"}).copy()
        f.insert(0, key, dim)
        parts.append(f)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


FLAG_COLOURS = {"below": "bad", "above": "good", "insufficient": "neutral"}
STATUS_COLOURS = {"bad": "bad", "watch": "neutral", "good": "good"}


def output_sheets(
    m: Metrics,
    inputs: Sequence[Path],
    target_workbook: Path | None,
    started: dt.datetime,
    seconds: float,
) -> list[OutputSheet]:
    """Every LX sheet for one refresh, in tab order."""
    out = [
        sheet(
            "LX Summary",
            summary_frame(m),
            flags={"status": STATUS_COLOURS},
            title=f"labelxl summary {m.month}",
            widths={"kpi": 38, "value_shown": 24, "definition": 58},
        ),
        sheet("LX Labelers", m.labelers, flags={"flag": FLAG_COLOURS}),
        sheet("LX Projects", m.projects, rag=("rag",)),
        sheet("LX Quality", _stack(m.quality_by, "dimension")),
        sheet("LX Quality Weekly", m.quality_weekly, flags={"out_of_control": {"True": "bad"}}),
        sheet("LX SPC", m.spc),
        sheet("LX Errors", m.pareto),
        sheet("LX Policy", m.policy),
        sheet("LX Auditors", m.auditors),
        sheet("LX Sampling", m.sampling),
    ]
    cal = m.calibration
    if cal is not None:
        out.append(sheet("LX Calibration", cal.sessions))
        out.append(sheet("LX Raters", cal.raters))
    cap = m.capacity
    if cap is not None:
        out.append(sheet("LX Capacity", cap.by_market_language))
        out.append(sheet("LX Capacity Projects", cap.by_project))
    out.extend(
        [
            sheet(
                "LX Wellbeing",
                m.exposure.assign(name=m.exposure["person_id"].map(m.names))
                if "person_id" in m.exposure
                else m.exposure,
            ),
            sheet("LX Rotation", m.rotation),
            sheet(
                "LX People", m.headcount.reset_index() if m.headcount.index.name else m.headcount
            ),
            sheet("LX Attrition", m.attrition),
            sheet("LX Hiring", m.funnel),
            sheet("LX Hours", m.hours),
            sheet("LX Trend", m.trend),
            sheet(
                "LX Issues",
                issues_frame(m.report, target_workbook),
                links={"cell": "link"},
                flags={"severity": {"error": "bad", "warning": "neutral"}},
            ),
            sheet("LX Log", log_frame(m, inputs, started, seconds)),
        ]
    )
    return [s for s in out if len(s.frame.columns)]
