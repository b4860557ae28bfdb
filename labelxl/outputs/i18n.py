"""Message catalogues and locale-aware number, percent and date formatting (Babel).

A catalogue is a flat JSON object ``key → text`` in ``templates/i18n/<lang>.json``; texts
use ``{name}`` placeholders filled by :func:`translate`. English (``en.json``) is the
reference: a key missing from another language falls back to English, and the test suite
fails when a shipped language lacks a key. To add a language, copy ``en.json`` to
``<lang>.json`` (a Babel locale name such as ``de`` or ``pt_BR``) and translate the values.

The metric definitions printed in the deck appendix and in ``docs/deck.md`` live here too
(keys ``def.<metric>.term|text|source``), so the deck and the docs cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from labelxl.errors import TemplateError
from labelxl.io.files import read_text
from labelxl.io.paths import templates_dir

DEFAULT_LANG = "en"
MISSING = "–"  # shown for a value that cannot be computed (never "nan")
UNITS = ("count", "pct", "rate", "seconds", "hours", "fte")

# The metrics the appendix defines, in print order; their texts are catalogue entries.
DEFINITION_KEYS = (
    "accuracy",
    "wilson",
    "coaching_flag",
    "insufficient_sample",
    "stratified_accuracy",
    "severity_score",
    "precision_recall",
    "overturn_rate",
    "p_chart",
    "throughput",
    "aht",
    "utilization",
    "shrinkage",
    "sla",
    "rag",
    "forecast_finish",
    "capacity_batch",
    "capacity_realtime",
    "hiring_funnel",
    "attrition",
    "graphic_exposure",
    "wellness",
    "kappa",
    "krippendorff_alpha",
)


def catalogue_dir() -> Path:
    return templates_dir() / "i18n"


def languages() -> list[str]:
    """Languages with a shipped catalogue, English first."""
    names = sorted(p.stem for p in catalogue_dir().glob("*.json"))
    return sorted(names, key=lambda n: (n != DEFAULT_LANG, n))


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The raw catalogue of one language (no English fallback); unknown language → {}."""
    path = catalogue_dir() / f"{lang}.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(read_text(path))
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{path}: not a readable JSON message catalogue ({exc})") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise TemplateError(f"{path}: a catalogue must be one JSON object of text → text")
    return data


def check_lang(lang: str) -> str:
    """``lang`` when a catalogue and a Babel locale exist for it, else a TemplateError."""
    if not catalogue(lang):
        raise TemplateError(
            f"no message catalogue for language {lang!r}; shipped: {', '.join(languages())}. "
            f"Copy templates/i18n/en.json to {lang}.json and translate it."
        )
    locale(lang)
    return lang


def missing_keys(lang: str) -> list[str]:
    """English keys that ``lang``'s catalogue lacks (the test suite requires none)."""
    own = catalogue(lang)
    return [k for k in catalogue(DEFAULT_LANG) if k not in own]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    return key in catalogue(lang) or key in catalogue(DEFAULT_LANG)


def translate(key: str, lang: str = DEFAULT_LANG, /, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English when missing there), placeholders filled.

    An unknown key raises TemplateError: a typo must not print a raw key on a slide.
    """
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key)
    if text is None:
        raise TemplateError(f"message {key!r} is in no catalogue (templates/i18n/en.json)")
    try:
        return text.format(**values)
    except (KeyError, IndexError) as exc:
        raise TemplateError(
            f"message {key!r} ({lang}) needs the value {exc}; given: {', '.join(values) or '-'}"
        ) from None


# ---------------------------------------------------------------------------------------
# Formatting


@cache
def locale(lang: str) -> Locale:
    """The Babel locale of a catalogue language (``zh`` → Simplified Chinese, China)."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise TemplateError(f"{lang!r} is not a locale Babel knows (e.g. en, zh, pt_BR)") from None


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _pattern(digits: int, percent: bool = False) -> str:
    frac = "." + "0" * digits if digits > 0 else ""
    return f"#,##0{frac}" + ("%" if percent else "")


def format_number(value: Any, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A number with the locale's grouping and decimal signs, ``digits`` decimals; NaN → –."""
    number = _finite(value)
    if number is None:
        return MISSING
    return babel_numbers.format_decimal(
        round(number, digits),
        format=_pattern(digits),
        locale=locale(lang),
        decimal_quantization=True,
    )


def format_percent(value: Any, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A fraction as a percent (0.961 → 96.1%) in the locale's style; NaN → –."""
    number = _finite(value)
    if number is None:
        return MISSING
    return babel_numbers.format_percent(
        number, format=_pattern(digits, percent=True), locale=locale(lang)
    )


def _as_date(value: Any) -> dt.date | None:
    import pandas as pd

    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None  # NaT is a datetime instance: rule it out before the isinstance checks
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if ts is pd.NaT or ts != ts else ts.date()


def format_date(value: Any, lang: str = DEFAULT_LANG, style: str = "medium") -> str:
    """A date in the locale's style (``Mar 5, 2026`` / ``2026年3月5日``); blank → –."""
    day = _as_date(value)
    if day is None:
        return MISSING
    return babel_dates.format_date(day, format=style, locale=locale(lang))


def format_month(month: str | None, lang: str = DEFAULT_LANG, short: bool = False) -> str:
    """A ``YYYY-MM`` month label as ``March 2026`` / ``2026年3月`` (short: ``Mar 2026``)."""
    if not month:
        return MISSING
    try:
        day = dt.date(int(month[:4]), int(month[5:7]), 1)
    except (ValueError, IndexError):
        return str(month)
    return babel_dates.format_skeleton("yMMM" if short else "yMMMM", day, locale=locale(lang))


def format_week(week: str, lang: str = DEFAULT_LANG) -> str:
    """An ISO week label ``2026-W09`` as its Monday's short date (``Feb 23`` / ``2月23日``)."""
    try:
        monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:8]), 1)
    except (ValueError, IndexError):
        return str(week)
    return babel_dates.format_skeleton("MMMd", monday, locale=locale(lang))


def format_measure(value: Any, unit: str, lang: str = DEFAULT_LANG) -> str:
    """A KPI value in its unit (``96.1%``, ``1,204``, ``38.5 items/h``, ``312 s``)."""
    if _finite(value) is None:
        return MISSING
    if unit == "pct":
        return format_percent(value, lang, 1)
    digits = {"count": 0, "rate": 1, "seconds": 0, "hours": 0, "fte": 1}.get(unit, 1)
    shown = format_number(value, lang, digits)
    key = f"unit.{unit}"
    return translate(key, lang, value=shown) if has(key, lang) else shown


def format_change(value: Any, unit: str, lang: str = DEFAULT_LANG) -> str:
    """A month-over-month change with its sign (``+0.4 pp`` for percents, ``−12`` counts)."""
    number = _finite(value)
    if number is None:
        return MISSING
    if unit == "pct":
        points = round(number * 100, 1)
        body = format_number(abs(points), lang, 1)
        shown = translate("unit.pp", lang, value=body)
        number = points
    else:
        digits = {"count": 0, "rate": 1, "seconds": 0, "hours": 0, "fte": 1}.get(unit, 1)
        number = round(number, digits)
        shown = format_measure(abs(number), unit, lang)
    sign = "+" if number > 0 else "−" if number < 0 else "±"
    return sign + shown


# ---------------------------------------------------------------------------------------
# Definitions


@dataclass(frozen=True)
class Definition:
    """One metric definition as printed in the appendix: term, definition, source."""

    key: str
    term: str
    text: str
    source: str


def definitions(lang: str = DEFAULT_LANG) -> list[Definition]:
    """Every metric definition in ``lang`` (English where a text is missing)."""
    return [
        Definition(
            key,
            translate(f"def.{key}.term", lang),
            translate(f"def.{key}.text", lang),
            translate(f"def.{key}.source", lang),
        )
        for key in DEFINITION_KEYS
    ]


def definitions_markdown(lang: str = DEFAULT_LANG) -> str:
    """The definitions as a Markdown table (the block ``docs/deck.md`` prints)."""
    lines = [
        "| "
        + " | ".join(translate(k, lang) for k in ("defs.term", "defs.text", "defs.source"))
        + " |",
        "|---|---|---|",
    ]
    for d in definitions(lang):
        cells = (d.term, d.text, d.source)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
