"""The layouts of the ``LX`` result sheets: which table goes where, in words, print-ready.

Headers are words from the catalogue (``col.<machine name>``, see docs/lx-sheets.md), yes/no
columns read ✓ or blank, statuses and flags are words; the metrics library itself keeps
returning snake_case columns and codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelxl import __version__
from labelxl.io.files import file_sha256
from labelxl.io.ooxml import OutputSheet
from labelxl.metrics import Metrics
from labelxl.metrics.requirements import UNASSIGNED_PROJECT
from labelxl.model.findings import Report
from labelxl.model.schema import OUTPUT_PREFIX
from labelxl.outputs import i18n, summary
from labelxl.outputs.i18n import (
    DEFAULT_LANG,
    MISSING,
    format_date,
    format_month,
    format_number,
    format_percent,
    has,
    translate,
)

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


def column_label(name: str, lang: str = DEFAULT_LANG, level: str = "95%") -> str:
    """The header of machine column ``name`` in words (``ci_low`` → ``95% CI low``): the
    catalogue's ``col.<name>``, else the name with spaces, capitalised."""
    key = f"col.{name}"
    if i18n.has(key, lang):
        return translate(key, lang, level=level)
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def header_mapping(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Machine name → header words for every column the catalogue names (docs/lx-sheets.md)."""
    names = sorted(k[4:] for k in i18n.catalogue(DEFAULT_LANG) if k.startswith("col."))
    return {n: column_label(n, lang) for n in names}


def _is_flag_column(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return False
    values = series.dropna()
    return bool(len(values)) and all(isinstance(v, (bool, np.bool_)) for v in values)


def ticks(frame: pd.DataFrame) -> pd.DataFrame:
    """Yes/no columns as ✓ or blank (a column of TRUE/FALSE is hard to scan)."""
    out = frame.copy()
    for col in out.columns:
        if _is_flag_column(out[col]):
            out[col] = out[col].map(lambda v: TICK if v is True or v is np.True_ else "")
    return out


def sheet(
    name: str,
    frame: pd.DataFrame,
    *,
    rag: Sequence[str] = (),
    flags: dict[str, dict[str, str]] | None = None,
    links: dict[str, str] | None = None,
    title: str | None = None,
    widths: dict[str, float] | None = None,
    lang: str | None = None,
    level: str = "95%",
    labels: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    **layout: Any,
) -> OutputSheet:
    """An OutputSheet of ``frame`` with formats from the column names.

    With ``lang`` the sheet is for people: headers in words (``labels`` overrides some),
    yes/no columns as ✓/blank and RAG values in the language; without it the machine
    names stay (library use). ``formats`` overrides the guessed formats of some columns;
    ``layout`` passes print and chart options to OutputSheet.
    """
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    guessed = {c: f for c in frame.columns if (f := guess_format(c, frame[c])) is not None}
    formats = guessed | {c: f for c, f in (formats or {}).items() if c in frame.columns}
    flags = dict(flags or {})
    links = dict(links or {})
    widths = dict(widths or {})
    if lang is None:
        return OutputSheet(name=name, frame=frame, formats=formats, rag_columns=tuple(rag),
                           flag_columns=flags, links=links, title=title, widths=widths,
                           **layout)  # fmt: skip
    ticked = [c for c in frame.columns if _is_flag_column(frame[c])]
    frame = ticks(frame)
    for col in rag:  # RAG words in the language, coloured like any flag
        frame[col] = frame[col].map(lambda v: translate(f"rag.{v}", lang) if v in RAG else v)
        flags[col] = {translate(f"rag.{v}", lang): kind for v, kind in RAG.items()}
    words = {c: (labels or {}).get(c) or column_label(c, lang, level) for c in frame.columns}
    frame.columns = [words[c] for c in frame.columns]
    return OutputSheet(
        name=name,
        frame=frame,
        formats={words[c]: f for c, f in formats.items()},
        flag_columns={words[c]: rules for c, rules in flags.items()},
        links={words[c]: words[t] for c, t in links.items()},
        title=title,
        widths={words[c]: w for c, w in widths.items()},
        centred=tuple(words[c] for c in ticked),
        **layout,
    )


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
PROJECT_COUNTS = ("plan_to_date", "done_to_date", "remaining_volume", "burn_rate")
P_CHART = {"p": "pct", "center": "pct", "lcl": "pct", "ucl": "pct"}  # error-rate control chart
RAG = {"Red": "bad", "Amber": "neutral", "Green": "good"}
TICK = "✓"


def _words(frame: pd.DataFrame, col: str, prefix: str, lang: str) -> pd.DataFrame:
    """Values of ``col`` as their catalogue words (``below`` → ``Below target``)."""
    if col not in frame:
        return frame
    out = frame.copy()
    out[col] = out[col].map(
        lambda v: (
            translate(f"{prefix}.{v}", lang)
            if isinstance(v, str) and has(f"{prefix}.{v}", lang)
            else v
        )
    )
    return out


def _dimension_words(frame: pd.DataFrame, lang: str, level: str) -> pd.DataFrame:
    """``market`` → ``Market`` in the column naming the grouping."""
    if "dimension" not in frame:
        return frame
    out = frame.copy()
    out["dimension"] = out["dimension"].map(lambda d: column_label(str(d), lang, level))
    return out


def requirements_frames(m: Metrics) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(open and overdue requirements by requester and project, the open items) with what
    changed in the month: received, first revised, or fallen overdue in it."""
    req = m.requirements
    by_cols = list(REQUIREMENT_COLUMNS)
    item_cols = list(REQUIREMENT_ITEM_COLUMNS)
    if req is None or req.items.empty:
        return pd.DataFrame(columns=by_cols), pd.DataFrame(columns=item_cols)
    items = req.items.copy()
    start = pd.Timestamp(f"{m.month}-01")
    end = start + pd.offsets.MonthEnd(0)

    def within(col: str) -> pd.Series:
        return items[col].between(start, end)

    items["requested_by"] = items["requested_by"].fillna(MISSING)
    items["project_id"] = items["project_id"].fillna(UNASSIGNED_PROJECT)
    items["new_this_month"] = within("received_date")
    items["revised_this_month"] = within("first_action_date")
    items["overdue_this_month"] = items["overdue"] & within("due_date")
    g = items.assign(open_age=items["age_days"].where(items["open"])).groupby(
        ["requested_by", "project_id"], sort=True
    )
    by = pd.DataFrame(
        {
            "open": g["open"].sum(),
            "overdue": g["overdue"].sum(),
            "oldest_open_days": g["open_age"].max(),
            "median_open_days": g["open_age"].median(),
            "new_this_month": g["new_this_month"].sum(),
            "revised_this_month": g["revised_this_month"].sum(),
            "overdue_this_month": g["overdue_this_month"].sum(),
        }
    ).reset_index()
    counted = ["open", "overdue", "new_this_month", "revised_this_month", "overdue_this_month"]
    by[counted] = by[counted].astype("int64")
    by = by.loc[by[counted].sum(axis=1) > 0]  # closed long ago and untouched: nothing to see
    by = by.sort_values(["overdue", "open", "oldest_open_days"], ascending=False, kind="stable")
    shown = items.loc[items["open"] | items["new_this_month"] | items["revised_this_month"]]
    shown = shown.sort_values(["overdue", "days_overdue", "age_days"], ascending=False)
    return by[by_cols].reset_index(drop=True), shown[item_cols].reset_index(drop=True)


REQUIREMENT_COLUMNS = ("requested_by", "project_id", "open", "overdue", "oldest_open_days",
                       "median_open_days", "new_this_month", "revised_this_month",
                       "overdue_this_month")  # fmt: skip
REQUIREMENT_ITEM_COLUMNS = ("req_id", "requested_by", "project_id", "summary", "status",
                            "received_date", "due_date", "age_days", "overdue", "days_overdue",
                            "latest_version", "new_this_month", "revised_this_month")  # fmt: skip


@dataclass(frozen=True)
class _Page:
    """What every LX sheet of one refresh prints in its page header."""

    workspace: str
    month: str
    window: str
    lang: str

    def header(self, name: str) -> tuple[str, str, str]:
        stem = name[len(OUTPUT_PREFIX) :]
        key = f"sheettitle.{stem}"
        title = translate(key, self.lang) if has(key, self.lang) else stem
        return (self.workspace, f"{title} · {self.month}", self.window)


def output_sheets(
    m: Metrics,
    inputs: Sequence[Path],
    target_workbook: Path | None,
    started: dt.datetime,
    seconds: float,
    *,
    lang: str = DEFAULT_LANG,
) -> list[OutputSheet]:
    """Every LX sheet for one refresh, in tab order, for people reading ``lang``."""
    level = summary.level_text(m, lang)
    window = summary.window_text(m, lang)
    workspace = Path(target_workbook).resolve().parent.name if target_workbook else ""
    page = _Page(workspace, format_month(m.month, lang), window, lang)

    def lx(name: str, frame: pd.DataFrame, **options: Any) -> OutputSheet:
        return sheet(name, frame, lang=lang, level=level, print_header=page.header(name), **options)

    out = [_summary_sheet(m, lang, level, page)]
    out += [
        lx("LX Labelers", _words(m.labelers, "flag", "flag", lang),
           flags={"flag": {translate(f"flag.{k}", lang): v for k, v in FLAG_COLOURS.items()}},
           formats={"target": "pct"}),
        lx("LX Projects", m.projects.drop(columns=["rag_codes"], errors="ignore"), rag=("rag",),
           formats=dict.fromkeys(PROJECT_COUNTS, "int"), widths={"reasons": 50}),
        lx("LX Quality", _dimension_words(_stack(m.quality_by, "dimension"), lang, level)),
        lx("LX Quality Weekly", m.quality_weekly, flags={"out_of_control": {TICK: "bad"}},
           labels={"period": translate("col.week", lang)}, formats=P_CHART),
        lx("LX SPC", m.spc, flags={"out_of_control": {TICK: "bad"}}, formats=P_CHART),
        lx("LX Errors", m.pareto),
        lx("LX Policy", m.policy),
        lx("LX Auditors", m.auditors),
        lx("LX Sampling", m.sampling),
    ]  # fmt: skip
    by, open_items = requirements_frames(m)
    if m.requirements is not None:
        counts = {c: "int" for c in REQUIREMENT_COLUMNS[2:]}
        out.append(lx("LX Requirements", by, notes=(_as_of(m, lang),), formats=counts))
        out.append(
            lx(
                "LX Requirements Open",
                open_items,
                widths={"summary": 40},
                flags={"overdue": {TICK: "bad"}},
                formats={"latest_version": "int"},
            )
        )
    cal = m.calibration
    if cal is not None:
        out.append(lx("LX Calibration", cal.sessions))
        out.append(lx("LX Raters", cal.raters))
    cap = m.capacity
    if cap is not None:
        out.append(
            lx(
                "LX Capacity",
                cap.by_market_language,
                notes=_assumptions(cap, lang),
                formats={"public_holidays": "int"},
            )
        )
        out.append(lx("LX Capacity Projects", cap.by_project))
    exposure = m.exposure
    if "person_id" in exposure:
        exposure = exposure.assign(name=exposure["person_id"].map(m.names))
    out += [
        lx("LX Wellbeing", exposure, flags={"over_cap": {TICK: "bad"}}),
        lx("LX Rotation", m.rotation),
        lx("LX People", m.headcount.reset_index() if m.headcount.index.name else m.headcount,
           notes=(m.headcount_definition,) if m.headcount_definition else ()),
        lx("LX Attrition", m.attrition),
        lx("LX Hiring", m.funnel),
        lx("LX Hours", m.hours),
        lx("LX Staff Hours", m.staff_hours),
        lx(summary.TREND_SHEET, summary.trend_extras(m)),
        lx("LX Issues", issues_frame(m.report, target_workbook), links={"cell": "link"},
           flags={"severity": {"error": "bad", "warning": "neutral"}}),
        lx("LX Log", log_frame(m, inputs, started, seconds)),
    ]  # fmt: skip
    return [s for s in out if len(s.frame.columns)]


def _assumptions(cap: Any, lang: str) -> tuple[str, ...]:
    """The capacity plan's assumptions, one line each, printed under LX Capacity."""
    table = getattr(cap, "assumptions", None)
    if table is None or table.empty:
        return ()
    lines = [translate("sheets.capacity.assumptions", lang)]
    for row in table.itertuples(index=False):
        unit = row.unit if isinstance(row.unit, str) else ""
        value = row.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if unit == "share":
                value, unit = format_percent(value, lang, 1), ""
            else:
                value = format_number(value, lang, 0 if float(value).is_integer() else 2)
        else:
            unit = ""  # a month or a list of holidays says what it is
        shown = f"{value} {unit}".strip()
        source = f" ({row.source})" if isinstance(row.source, str) and row.source else ""
        lines.append(f"{row.assumption}: {shown}{source}")
    return tuple(lines)


def _as_of(m: Metrics, lang: str) -> str:
    day = m.requirements.as_of if m.requirements is not None else None
    return translate("sheets.requirements.as_of", lang, date=format_date(day, lang))


def _summary_sheet(m: Metrics, lang: str, level: str, page: _Page) -> OutputSheet:
    """The KPI block in words, the data window and definitions under it, charts beside."""
    frame = summary.kpi_frame(m, lang)
    labels = {
        "kpi": translate("kpis.kpi", lang),
        "value_shown": translate("kpis.value", lang),
        "interval": translate("label.ci_band", lang, level=level),
        "target": translate("kpis.target", lang),
        "status": translate("kpis.status", lang),
        "change": translate("kpis.change", lang),
        "previous": translate("kpis.previous", lang),
    }
    trend = summary.trend_extras(m)
    charts = summary.summary_charts(
        m, trend, lambda c: column_label(c, lang, level), lang, column=len(frame.columns) + 1
    )
    notes = ([page.window, ""] if page.window else []) + summary.definition_notes(m, lang)
    return sheet(
        "LX Summary",
        frame,
        lang=lang,
        level=level,
        labels=labels,
        flags={"status": summary.status_flags(lang)},
        widths=dict(summary.KPI_WIDTHS),
        print_header=page.header("LX Summary"),
        fit_one_page=True,
        notes=tuple(notes),
        charts=charts,
    )
