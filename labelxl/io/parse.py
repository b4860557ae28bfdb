"""Parse one sheet with python-calamine: find the header, cut the data block, type it."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelxl.errors import WorkbookError
from labelxl.io.marks import apply_marks, cell_marks
from labelxl.io.package import Package, SheetPart, TableRange
from labelxl.model.conventions import Conventions
from labelxl.model.findings import Finding
from labelxl.model.schema import SHEETS, Column, SheetSchema, normalise_header
from labelxl.model.workspace import (
    SheetData,
    sheet_from_raw,
)

HEADER_SCAN_ROWS = 20  # the header row is looked for in this many rows at the top of a sheet
_DATE1904_SHIFT = 1462  # days between the 1900 and 1904 date systems


# ---------------------------------------------------------------------------------------------
# Parsing one sheet


def open_book(package: Package) -> Any:
    from python_calamine import CalamineWorkbook

    return calamine(
        package.path, "", lambda: CalamineWorkbook.from_filelike(io.BytesIO(package.data))
    )


def calamine(path: Path, sheet: str, call: Callable[[], Any]) -> Any:
    """Run a calamine call, turning any failure (even a Rust panic) into one WorkbookError."""
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # pyo3 panics derive from BaseException
        where = f"sheet {sheet!r}" if sheet else "it"
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise WorkbookError(
            path,
            f"is damaged: {where} cannot be read ({detail}). Re-save the workbook from "
            "Excel or restore it from a backup.",
        ) from None


def raw_rows(book: Any, package: Package, part: SheetPart) -> list[list[Any]]:
    """Every cell of a sheet as calamine reads it (it releases the GIL while it parses)."""
    rows: list[list[Any]] = calamine(
        package.path,
        part.name,
        lambda: book.get_sheet_by_name(part.name).to_python(skip_empty_area=False),
    )
    return rows


def parse_sheet(
    book: Any,
    package: Package,
    part: SheetPart,
    workbook: str,
    conventions: Conventions | None = None,
    rows: list[list[Any]] | None = None,
) -> tuple[SheetData, list[Finding]]:
    """Find the header row, cut the data block and type it with ``sheet_from_raw``.

    ``rows`` are the sheet's ``raw_rows`` if already read. Error cells and formulas without
    a value, which calamine gives as "", are put back as ``CellError`` marks first, so they
    are reported as such and never read as blank.
    """
    assert part.known is not None
    schema = SHEETS[part.known]
    if rows is None:
        rows = raw_rows(book, package, part)
    apply_marks(rows, cell_marks(package, part.part))
    header, first, last, stop = _locate_block(rows, schema, part.tables)
    width = last - first + 1 if rows else 0
    body = rows[header + 1 : stop] if rows else []
    if body and width:  # one 2-D object array; the column slice is a view, not a copy
        block = np.array(body, dtype=object)[:, first : last + 1]
    else:
        block = np.empty((len(body), max(width, 0)), dtype=object)
    del body
    labels = [_label(v) for v in rows[header][first : last + 1]] if rows else []
    del rows
    numbers = np.arange(header + 2, header + 2 + len(block), dtype=np.int64)
    return typed_sheet(
        schema,
        block,
        labels,
        header_row=header + 1,
        first_col=first,
        workbook=workbook,
        sheet_name=part.name,
        rows=numbers,
        date1904=package.date1904,
        conventions=conventions,
    )


def typed_sheet(
    schema: SheetSchema,
    raw: pd.DataFrame | np.ndarray,
    labels: list[str | None] | None = None,
    *,
    header_row: int = 1,
    first_col: int = 0,
    workbook: str = "",
    sheet_name: str = "",
    rows: np.ndarray | None = None,
    date1904: bool = False,
    conventions: Conventions | None = None,
) -> tuple[SheetData, list[Finding]]:
    """``sheet_from_raw`` with the reader's safeguards, for any door that has raw cells.

    ``raw`` is a DataFrame whose columns are the header texts, or a 2-D object array with
    the header texts in ``labels``. Before typing: blank rows are dropped (a typed blank row
    would carry column defaults, status Active or disputed no, and look filled); TRUE/FALSE
    in a column that also holds numbers or text become the text "TRUE"/"FALSE" (typing
    each distinct value once would otherwise take TRUE for 1); dates pandas cannot hold
    (9999-12-31) become ``bad-type`` findings instead of an exception; plain serials of a
    1904-system workbook are shifted; clean number and date columns are typed directly.
    """
    if isinstance(raw, pd.DataFrame):
        labels = list(raw.columns)
        block = raw.to_numpy(dtype=object)
    else:
        block = raw
    labels = list(labels or [])
    if rows is None:
        rows = np.arange(header_row + 1, header_row + 1 + len(block), dtype=np.int64)
    blank = _blank_rows(block)
    if blank.any():
        block, rows = block[~blank], rows[~blank]
    wanted = {normalise_header(c.name): c for c in schema.columns}
    columns: dict[int, pd.Series] = {}
    for pos, label in enumerate(labels):
        col = wanted.get(normalise_header(label)) if _label(label) is not None else None
        columns[pos] = _pretype(block[:, pos], col, date1904)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(block)))
    frame.columns = pd.Index(labels, dtype=object)
    return sheet_from_raw(
        schema,
        frame,
        header_row=header_row,
        first_col=first_col,
        workbook=workbook,
        sheet_name=sheet_name,
        rows=rows,
        conventions=conventions,
    )


def _label(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _locate_block(
    rows: list[list[Any]], schema: SheetSchema, tables: tuple[TableRange, ...]
) -> tuple[int, int, int, int]:
    """(header row, first column, last column, end row exclusive), all 0-based.

    The header is the first row within HEADER_SCAN_ROWS holding a contract column name; an
    Excel table whose header is that row bounds the block (and drops its totals row).
    """
    if not rows:
        return 0, 0, -1, 0
    wanted = {normalise_header(c.name) for c in schema.columns}
    header = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(isinstance(v, str) and normalise_header(v) in wanted for v in row):
            header = index
            break
    if header is None:  # no contract column: show the first non-empty row as the header
        header = next((i for i, row in enumerate(rows) if any(_filled(v) for v in row)), 0)
    filled = [j for j, v in enumerate(rows[header]) if _filled(v)]
    if not filled:  # an empty sheet
        return header, 0, -1, header + 1
    first, last, stop = filled[0], filled[-1], len(rows)
    for table in tables:
        if (
            table.header_rows
            and table.first_row == header
            and table.first_col <= first <= table.last_col
        ):
            first, last = table.first_col, table.last_col
            stop = min(len(rows), table.last_row + 1 - table.totals_rows)
            break
    return header, first, last, stop


def _filled(value: object) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _blank_rows(block: np.ndarray) -> np.ndarray:
    """Rows whose every cell is empty or only spaces.

    Column by column, only the rows still possibly blank are examined, so a full sheet costs
    about one vectorised pass over its first column.
    """
    candidates = np.arange(len(block))
    for j in range(block.shape[1]):
        if not candidates.size:
            break
        values = block[candidates, j]
        try:  # vectorised: calamine gives "" for an empty cell; spaces-only text is blank too
            spaces = pd.Series(values, dtype=object).str.isspace().eq(True).to_numpy()
            empty = (values == "") | pd.isna(values) | spaces
        except (AttributeError, TypeError):  # no text in the column: .str does not apply
            empty = pd.isna(values) | (values == "")
        candidates = candidates[empty.astype(bool)]
    blank = np.zeros(len(block), dtype=bool)
    blank[candidates] = True
    return blank


def _pretype(values: np.ndarray, col: Column | None, date1904: bool) -> pd.Series:
    """Prepare one raw column for ``sheet_from_raw``.

    Number and date columns whose every filled cell is already a number / date become
    float64 / datetime64 (the same result as the slow path, many times faster); anything
    mixed stays object so each bad cell is reported (``coerce_column`` keeps TRUE apart
    from 1 and turns dates pandas cannot hold into findings). Date columns also get the
    1904 shift.
    """
    series = pd.Series(values, dtype=object)
    kind = col.type if col is not None else "text"
    if col is None or not len(values) or kind not in ("number", "integer", "date"):
        return series
    blank = values == ""
    kinds = set(map(type, values[~blank])) if blank.any() else set(map(type, values))
    if kind == "date":
        if date1904 and kinds & {int, float}:
            # Plain serial numbers count from 1904 in such workbooks; sheet_from_raw assumes 1900.
            shifted = [v + _DATE1904_SHIFT if type(v) in (int, float) else v for v in values]
            series = pd.Series(np.array(shifted, dtype=object), dtype=object)
        if kinds and kinds <= {dt.date, dt.datetime} and series.dtype == object:
            with contextlib.suppress(ValueError, TypeError, OverflowError):
                return series.where(~blank, None).astype("datetime64[ns]")
        return series
    if kinds and kinds <= {int, float}:
        return series.where(~blank, np.nan).astype("float64")
    return series
