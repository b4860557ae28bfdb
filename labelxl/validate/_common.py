"""Helpers every rule family shares: where a finding goes, how values are shown."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from labelxl.model.cells import visible
from labelxl.model.findings import Finding, sheet_ref
from labelxl.model.workspace import ROW, SRC, SheetData, Workspace

EPS = 1e-9  # running totals of decimal hours (0.1 + 0.2 …) must not cross a cap by rounding
CAP = 6  # choices shown in a message before "(+N more)"
MAX_MESSAGE = 254  # a message must fit in one Excel cell comment / a 255-char field


def has(ws: Workspace, sheet: str, *columns: str) -> bool:
    """The sheet is present and each column has a header (so its cells have an address)."""
    sd = ws.sheets.get(sheet)
    return sd is not None and all(c in sd.letters for c in columns)


def emit(
    code: str,
    sd: SheetData,
    column: str,
    hits: pd.DataFrame,
    say: Callable[[dict[str, Any]], str],
    value: Callable[[dict[str, Any]], object] | None = None,
) -> list[Finding]:
    """One finding per row of ``hits`` (only failing rows reach here) on ``column``'s cell.

    Each row is placed in its own workbook and sheet when the sheet kind was read from
    several (``_src``).
    """
    out: list[Finding] = []
    if hits.empty:
        return out
    for rec in cast("list[dict[str, Any]]", hits.to_dict("records")):
        src = sd.source(rec.get(SRC))
        cell = src.cell(column, int(rec[ROW]))
        text = f"{sheet_ref(src.sheet_name)}!{cell}: {say(rec)}"
        out.append(
            Finding(
                code,
                src.sheet_name,
                cell,
                clip(text),
                column=column,
                value=plain(value(rec) if value else rec.get(column)),
                workbook=src.workbook,
            )
        )
    return out


def row_label(sd: SheetData, rec: dict[str, Any], row_key: str = ROW, src_key: str = SRC) -> str:
    """'row 5', or 'row 5 of Timesheet in vendor-b.xlsx' when that row is in another workbook."""
    row = f"row {int(rec[row_key])}"
    if not sd.sources:
        return row
    other = sd.source(rec.get(src_key))
    here = sd.source(rec.get(SRC))
    if other is here:
        return row
    return f"{row} of {other.sheet_name} in {other.workbook}"


def clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def is_missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and value != value  # NaN, numpy floats included


def plain(value: object) -> object:
    """A JSON-friendly form of a cell value: dates as ISO text, whole floats as ints."""
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def show(value: object) -> str:
    """A value as a message shows it: text quoted, numbers short, dates ISO, blanks 'blank'."""
    value = plain(value)
    if value is None:
        return "blank"
    if isinstance(value, float):
        return f"{value:.4g}"
    # Invisible and full-width characters spelled out: 'L0005<U+200B>' must not look valid.
    text = f"'{visible(value)}'" if isinstance(value, str) else str(value)
    return text if len(text) <= 42 else text[:40] + "…'"


def num(value: float) -> str:
    return f"{value:.4g}"


def iso_day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def choices(names: Iterable[str], cap: int = CAP) -> str:
    names = list(names)
    shown = ", ".join(names[:cap])
    return shown + (f" (+{len(names) - cap} more)" if len(names) > cap else "")


def cell_order(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]*)(\d*)", cell or "")
    if not m:
        return (0, 0)
    letters, digits = m.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (int(digits) if digits else 0, col)


def lookup(keys: pd.Series, mapper: pd.Series, pos: np.ndarray | None = None) -> pd.Series:
    """``keys.map(mapper)`` for a uniquely indexed mapper; pass ``pos`` to reuse an indexer.

    Also right when the mapper is empty (``Series.map`` then casts it to float).
    """
    if pos is None:
        pos = mapper.index.get_indexer(pd.Index(keys))
    return pd.Series(mapper.array.take(pos, allow_fill=True), index=keys.index)


def group_id(*keys: pd.Series) -> np.ndarray:
    """One small integer per distinct key combination, so later group-bys run on ints."""
    gid = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(key)
        gid, _ = pd.factorize(gid * (len(uniques) + 1) + codes + 1)
    return gid


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in sheet order, which is what 'the entry that pushes the total over' refers to.

    Rows read from several workbooks come workbook by workbook (file-name order).
    """
    keys = [SRC, ROW] if SRC in frame.columns else [ROW]
    if len(keys) == 1 and frame[ROW].is_monotonic_increasing:
        return frame
    return frame.sort_values(keys, kind="stable")


def crossing(hours: pd.Series, group: np.ndarray, cap: float) -> tuple[pd.Series, pd.Series]:
    """The one entry per group at which the running total first exceeds ``cap``; group totals.

    Negative and blank hours count as 0 here (they are hours-not-positive / required-blank).
    """
    h = hours.clip(lower=0).fillna(0.0)
    by = h.groupby(group, sort=False)
    running, total = by.cumsum(), by.transform("sum")
    return (running > cap + EPS) & (running - h <= cap + EPS), total
