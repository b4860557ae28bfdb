"""The LX Summary dashboard: a KPI block in words, the data window, and native trend charts.

Texts are built in the workspace language (``lang``) with Babel, so a value reads ``95,5 %``
where the locale writes it so; numeric cells elsewhere stay numbers, which Excel shows with
each reader's own separators.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from labelxl.io.ooxml.chart import Chart, Ref, Series
from labelxl.metrics import Metrics
from labelxl.outputs import i18n
from labelxl.outputs.i18n import MISSING, format_change, format_measure, translate

# Digits a KPI value is shown with, per unit (pct: percentage points of the change).
SHOWN_DIGITS = {"count": 0, "pct": 1, "rate": 1, "seconds": 0, "hours": 0, "fte": 1}
STATUS_KINDS = {"good": "good", "watch": "neutral", "bad": "bad"}
TREND_MONTHS = 13
KPI_COLUMNS = ("kpi", "value_shown", "interval", "target", "status", "change", "previous")
KPI_WIDTHS = {"kpi": 36, "value_shown": 14, "interval": 17, "target": 12, "status": 11,
              "change": 17, "previous": 14}  # fmt: skip
TREND_SHEET = "LX Trend"
CHART_SIZE = (640, 320)  # pixels; two stacked beside the KPI block fill a landscape page
CHART_ROWS = 17  # the second chart starts this many 20-pixel rows down


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def level_text(m: Metrics, lang: str) -> str:
    """The confidence level as shown in headers: ``95%``."""
    return i18n.format_percent(m.settings.confidence, lang, 0)


def status_word(status: object, lang: str) -> str:
    key = f"status.{status}"
    return translate(key, lang) if i18n.has(key, lang) else MISSING


def change_text(change: Any, previous: Any, unit: str, lang: str) -> str:
    """``▲ +0.4 pp`` / ``▼ −12``; ``no change`` below the shown precision; ``–`` without
    last month's value."""
    number = _finite(change)
    if number is None or _finite(previous) is None:
        return MISSING
    digits = SHOWN_DIGITS.get(unit, 1)
    shown = number * 100 if unit == "pct" else number
    if round(shown, digits) == 0:
        return translate("sheets.no_change", lang)
    arrow = "▲" if number > 0 else "▼"
    return f"{arrow} {format_change(number, unit, lang)}"


def kpi_name(key: str, lang: str) -> str:
    return translate(f"kpi.{key}", lang) if i18n.has(f"kpi.{key}", lang) else key


def kpi_frame(m: Metrics, lang: str) -> pd.DataFrame:
    """One row per headline KPI, every cell a text as the manager reads it."""
    rows = []
    for rec in m.kpis.to_dict("records"):
        unit = str(rec.get("unit", ""))
        low, high = _finite(rec.get("ci_low")), _finite(rec.get("ci_high"))
        interval = (
            f"{format_measure(low, unit, lang)}–{format_measure(high, unit, lang)}"
            if low is not None and high is not None
            else ""
        )
        target = _finite(rec.get("target"))
        rows.append(
            {
                "kpi": kpi_name(str(rec["kpi"]), lang),
                "value_shown": format_measure(rec.get("value"), unit, lang),
                "interval": interval,
                "target": format_measure(target, unit, lang) if target is not None else "",
                "status": status_word(rec.get("status"), lang),
                "change": change_text(rec.get("change"), rec.get("previous"), unit, lang),
                "previous": format_measure(rec.get("previous"), unit, lang),
            }
        )
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def status_flags(lang: str) -> dict[str, str]:
    """Status word → fill kind, for conditional formatting of the Status column."""
    return {translate(f"status.{s}", lang): kind for s, kind in STATUS_KINDS.items()}


def _day(value: Any, lang: str) -> str:
    from babel import dates as babel_dates

    day = pd.Timestamp(value).date()
    return babel_dates.format_skeleton("dMMMM", day, locale=i18n.locale(lang))


def window_text(m: Metrics, lang: str) -> str:
    """``Data through 10 March (7 of 22 working days)`` for a partial month, else the
    full month's window; empty until the bundle carries the window."""
    through = getattr(m, "data_through", None)
    if through is None:
        return ""
    total = int(getattr(m, "working_days", 0) or 0)
    done = int(getattr(m, "working_days_with_data", 0) or 0)
    key = "sheets.window.partial" if getattr(m, "partial", False) else "sheets.window.full"
    return translate(key, lang, date=_day(through, lang), days=done, total=total)


def definition_notes(m: Metrics, lang: str) -> list[str]:
    lines = [translate("sheets.definitions", lang)]
    keys = list(m.kpis["kpi"]) if "kpi" in m.kpis.columns else []
    for key in keys:
        if i18n.has(f"kpidef.{key}", lang):
            lines.append(f"{kpi_name(str(key), lang)}: {translate(f'kpidef.{key}', lang)}")
    return lines


def trend_extras(m: Metrics) -> pd.DataFrame:
    """LX Trend with the columns its charts draw: the interval's width (the band) and the
    accuracy target of the month's KPI."""
    trend = m.trend.copy()
    if {"ci_low", "ci_high"} <= set(trend.columns):
        trend["ci_width"] = trend["ci_high"] - trend["ci_low"]
    target = _kpi_value(m, "accuracy", "target")
    if "accuracy" in trend.columns and target is not None:
        trend["accuracy_target"] = target
    return trend


def _kpi_value(m: Metrics, kpi: str, col: str) -> float | None:
    if "kpi" not in m.kpis or col not in m.kpis:
        return None
    hit = m.kpis.loc[m.kpis["kpi"] == kpi, col]
    return _finite(hit.iloc[0]) if len(hit) else None


def _axis_range(trend: pd.DataFrame) -> tuple[float | None, float | None]:
    cols = [c for c in ("ci_low", "ci_high", "accuracy", "accuracy_target") if c in trend]
    values = pd.to_numeric(trend[cols].tail(TREND_MONTHS).stack(), errors="coerce").dropna()
    if values.empty:
        return None, None
    low = math.floor((values.min() - 0.005) * 100) / 100
    high = math.ceil((values.max() + 0.005) * 100) / 100
    return max(0.0, low), min(1.0, high)


def summary_charts(
    m: Metrics, trend: pd.DataFrame, label: Any, lang: str, column: int
) -> tuple[Chart, ...]:
    """(a) accuracy by month with its interval band and target; (b) items per month with
    throughput on a second axis. ``label(name)`` gives LX Trend's header of a column."""
    if trend.empty or "period" not in trend:
        return ()

    def ref(name: str) -> Ref:
        return Ref(TREND_SHEET, label(name), last=TREND_MONTHS)

    months = ref("period")
    charts = []
    if {"accuracy", "ci_width"} <= set(trend.columns):
        series = [
            Series(
                translate("label.ci_band", lang, level=level_text(m, lang)),
                ref("ci_low"),
                kind="band",
                width=ref("ci_width"),
                colour="9DC3E6",
            ),
            Series(translate("label.accuracy", lang), ref("accuracy"), colour="1F4E79"),
        ]
        if "accuracy_target" in trend:
            series.append(
                Series(
                    translate("label.target", lang),
                    ref("accuracy_target"),
                    colour="C00000",
                    dashed=True,
                )
            )
        low, high = _axis_range(trend)
        charts.append(
            Chart(
                translate("sheets.chart.accuracy", lang),
                months,
                tuple(series),
                anchor=(column, 0),
                size=CHART_SIZE,
                y_format="0.0%",
                y_min=low,
                y_max=high,
            )
        )
    if "items" in trend:
        series = [Series(translate("label.items", lang), ref("items"), kind="column",
                         colour="A5A5A5")]  # fmt: skip
        plan = next((c for c in ("plan", "target_volume", "items_plan") if c in trend), None)
        if plan is not None:
            series.append(Series(translate("label.plan", lang), ref(plan), dashed=True))
        if "throughput" in trend:
            series.append(
                Series(
                    translate("label.throughput", lang),
                    ref("throughput"),
                    colour="C55A11",
                    secondary=True,
                )
            )
        charts.append(
            Chart(
                translate("sheets.chart.volume", lang),
                months,
                tuple(series),
                anchor=(column, CHART_ROWS),
                size=CHART_SIZE,
                y_format="#,##0",
                y_min=0.0,  # bars start at zero, or a 4% dip looks like a collapse
                y2_format="0.0",
            )
        )
    return tuple(charts)
