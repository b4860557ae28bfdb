"""Reporting periods: calendar months (``2026-03``) and ISO weeks (``2026-W09``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError

if TYPE_CHECKING:
    from labelxl.model.workspace import Workspace

Freq = Literal["month", "week"]
FREQS: tuple[Freq, ...] = ("month", "week")


def period_of(dates: pd.Series, freq: Freq) -> pd.Series:
    """Period label of each date: ``YYYY-MM`` for months, ``YYYY-Www`` (ISO) for weeks.

    Labels are computed once per distinct date (a year has 365), not once per row, so a
    million-row audit log is labelled in milliseconds. Missing dates give None.
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be 'month' or 'week' (got {freq!r})")
    d = pd.Series(pd.to_datetime(dates))
    codes, uniques = pd.factorize(d.dt.normalize())
    u = pd.DatetimeIndex(uniques)
    if freq == "month":
        labels = np.asarray(u.strftime("%Y-%m"), dtype=object)
    else:
        iso = u.isocalendar()
        labels = np.asarray(
            [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)], dtype=object
        )
    out = np.full(len(d), None, dtype=object)
    ok = codes >= 0
    if len(labels):
        out[ok] = labels[codes[ok]]
    return pd.Series(out, index=d.index, dtype=object)


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a ``YYYY-MM`` month."""
    start = pd.Timestamp(f"{month}-01")
    return start, start + pd.offsets.MonthEnd(0)


def last_complete_month(dates: pd.Series, today: dt.date | None = None) -> str | None:
    """The latest month in the data that is over.

    A month is complete when ``today`` is past its last day, or when the data reach its last
    day. When the data's latest month is still running, the month before is chosen; when the
    data hold a single running month, that month is returned (a partial report beats none).
    """
    d = pd.to_datetime(dates).dropna()
    if d.empty:
        return None
    latest = d.max()
    month_end = (latest + pd.offsets.MonthEnd(0)).normalize()
    over = today is not None and pd.Timestamp(today) > month_end
    if over or latest.normalize() == month_end:
        return latest.strftime("%Y-%m")
    previous = latest.normalize().replace(day=1) - pd.offsets.MonthBegin(1)
    if previous < d.min().normalize().replace(day=1):
        return latest.strftime("%Y-%m")
    return previous.strftime("%Y-%m")


# ---------------------------------------------------------------------- the reporting month
# The one owner of "which month": every door and metric parses and defaults months here.

MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# Where the data's dates live, in the order the default month looks at them.
DATED_SHEETS = (("Production", "date"), ("Audits", "audit_date"), ("Timesheet", "date"))


def parse_month(month: object) -> str:
    """A ``YYYY-MM`` month label, checked; anything else raises MetricInputError."""
    text = str(month).strip()
    if not MONTH_RE.fullmatch(text):
        raise MetricInputError(f"month must look like 2026-03 (got {month!r})")
    return text


def default_month(ws: Workspace) -> str | None:
    """The default reporting month: the last complete month of Production, else of Audits,
    else of Timesheet (``last_complete_month``, judged against ``ws.today``); None when the
    workspace has no dated rows at all.
    """
    for sheet, col in DATED_SHEETS:
        month = last_complete_month(ws.frame(sheet)[col], today=ws.today)
        if month is not None:
            return month
    return None


def resolve_month(ws: Workspace, month: object | None) -> str:
    """``month`` checked, or the default month, or (no dated rows) the month of ``ws.today``."""
    if month is not None:
        return parse_month(month)
    return default_month(ws) or pd.Timestamp(ws.today).strftime("%Y-%m")


def previous_month(month: str) -> str:
    """The month before ``month``."""
    return (pd.Timestamp(f"{parse_month(month)}-01") - pd.offsets.MonthBegin(1)).strftime("%Y-%m")


def data_window(ws: Workspace, month: str) -> dict[str, Any]:
    """Where the month's data start and end, and how much of the month that covers.

    ``data_from``/``data_through``: the first and last date with Production, Audits or
    Timesheet rows in the month (None without rows); ``working_days``: Monday–Friday days
    of the month; ``working_days_with_data``: those up to ``data_through``; ``partial``:
    the data stop before the month's last working day (or the month has no data).

    Working days are Monday–Friday without public holidays: a team spans markets with
    different holidays, and a holiday inside the window does not make the data partial
    (the capacity plan deducts holidays per market).
    """
    return dict(ws.cached(f"periods.data_window.{parse_month(month)}", lambda: _window(ws, month)))


def _window(ws: Workspace, month: str) -> dict[str, Any]:
    start, end = month_bounds(month)
    dates = []
    for sheet, col in DATED_SHEETS:
        d = pd.to_datetime(ws.frame(sheet)[col], errors="coerce").dropna()
        d = d[(d >= start) & (d <= end)]
        if not d.empty:
            dates.extend([d.min(), d.max()])
    first_day, after = start.date(), (end + pd.Timedelta(days=1)).date()
    working = int(np.busday_count(first_day, after))
    if not dates:
        return {
            "data_from": None,
            "data_through": None,
            "working_days": working,
            "working_days_with_data": 0,
            "partial": True,
        }
    lo, hi = min(dates).date(), max(dates).date()
    with_data = int(np.busday_count(first_day, hi + dt.timedelta(days=1)))
    return {
        "data_from": lo,
        "data_through": hi,
        "working_days": working,
        "working_days_with_data": with_data,
        "partial": with_data < working,
    }
