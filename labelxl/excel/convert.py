"""Shapes Excel hands to Python (scalars, 1-D/2-D lists, None blanks) ↔ core arguments, and back.

Excel passes one cell as a scalar, a single row or column as a flat list and a block as a
list of rows; blanks are ``None``, every number is a float and dates are ``datetime``.
Error cells arrive as their text (``'#N/A'``) because every LX_ argument is registered
with ``err_to_str=True``; without it xlwings would hand over ``None`` (a silent blank) or,
for errors its map lacks (``#SPILL!``, ``#CALC!``), the raw COM error code (a huge
negative int). ``cell_errors`` refuses both before the function runs.
The helpers here turn those into what the core functions take, raise ``MetricInputError``
with a short message a cell can show, and turn results (numpy scalars, NaN, frames) back
into plain cell values. No xlwings import: the macros, the Lite door and tests share it.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from labelxl.errors import LabelxlError, MetricInputError
from labelxl.model.schema import SheetSchema, normalise_header

F = TypeVar("F", bound=Callable[..., Any])

ERROR_PREFIX = "#LX! "
# Excel's error values by xlErr code (what COM hands over as VT_ERROR 0x800A0000 + code).
EXCEL_ERRORS = {
    2000: "#NULL!",
    2007: "#DIV/0!",
    2015: "#VALUE!",
    2023: "#REF!",
    2029: "#NAME?",
    2036: "#NUM!",
    2042: "#N/A",
    2043: "#GETTING_DATA",
    2045: "#SPILL!",
    2046: "#CONNECT!",
    2047: "#BLOCKED!",
    2048: "#UNKNOWN!",
    2049: "#FIELD!",
    2050: "#CALC!",
    2051: "#BUSY!",
    2222: "#PYTHON!",
}
_COM_ERROR_BASE = -2146828288  # 0x800A0000 as a signed 32-bit int
_ERROR_TEXTS = frozenset(EXCEL_ERRORS.values())
MAX_ERROR = 100  # characters an error string may take in a cell (readable without widening)
HEADER_SCAN_ROWS = 20  # a sheet's header row is looked for in this many rows (as the reader)

log = logging.getLogger("labelxl.excel")


# --------------------------------------------------------------------------- errors


def excel_error(exc: BaseException) -> str:
    """``#LX! <first line of the message>``, at most ``MAX_ERROR`` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, (LabelxlError, ValueError, TypeError)):
        text = f"unexpected {type(exc).__name__}: {text}"
    message = ERROR_PREFIX + text
    return message if len(message) <= MAX_ERROR else message[: MAX_ERROR - 1] + "…"


def error_value(value: Any) -> str | None:
    """The Excel error a cell holds (``'#N/A'``), from its text or its COM error code."""
    if isinstance(value, str):
        key = value.strip().upper()
        return key if key in _ERROR_TEXTS else None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        code = int(value) - _COM_ERROR_BASE
        if 2000 <= code <= 2300:
            return EXCEL_ERRORS.get(code, f"#ERROR {code}")
    return None


def refuse_error_cells(value: Any, name: str) -> None:
    """Raise ``MetricInputError`` naming the first error cell of an argument.

    A dropped ``#N/A`` would silently shrink the data (LX_KAPPA over 99 items instead of
    100 gives another number); the user must see which cell to fix. Cells are counted row
    by row from 1, as they appear in the range.
    """
    if isinstance(value, pd.DataFrame):
        value = value.to_numpy(dtype=object).tolist()
    if not _is_sequence(value):
        err = error_value(value)
        if err is not None:
            raise MetricInputError(f"{name} is {err}")
        return
    rows = list(value)
    width = len(rows[0]) if rows and all(_is_sequence(r) for r in rows) else 0
    for i, v in enumerate(cells(value), start=1):
        err = error_value(v)
        if err is not None:
            where = (
                f" (row {(i - 1) // width + 1}, column {(i - 1) % width + 1})" if width > 1 else ""
            )
            raise MetricInputError(f"{name}: cell {i}{where} is {err}")


def cell_errors(f: F) -> F:
    """Run ``f``; on any exception return ``excel_error`` text instead of a traceback.

    Error cells in any argument are refused first (``#LX! rater1: cell 4 is #N/A``).

    The expected errors (bad arguments) are LabelxlError/ValueError/TypeError; anything
    else is a bug, logged with its traceback but still shown as one short string, because
    a cell full of traceback text is useless to a manager. ``functools.wraps`` keeps the
    signature and docstring, which xlwings reads to register the function.
    """

    names = list(inspect.signature(f).parameters)

    @functools.wraps(f)
    def wrapper(*args: Any) -> Any:
        try:
            for name, value in zip(names, args, strict=False):
                refuse_error_cells(value, name)
            return f(*args)
        except (LabelxlError, ValueError, TypeError, ArithmeticError) as exc:
            return excel_error(exc)
        except Exception as exc:
            log.exception("LX function %s failed", f.__name__)
            return excel_error(exc)

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------- shapes in


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, pd.Series))


def cells(value: Any) -> list[Any]:
    """Every cell of a scalar, 1-D or 2-D argument, row by row (``None`` stays ``None``)."""
    if isinstance(value, pd.DataFrame):
        return list(value.to_numpy(dtype=object).ravel())
    if not _is_sequence(value):
        return [value]
    out: list[Any] = []
    for item in value:
        if _is_sequence(item):
            out.extend(list(item))
        else:
            out.append(item)
    return out


def table(value: Any) -> list[list[Any]]:
    """A 2-D block: a scalar is 1×1 and a flat list is one row (``ndim=2`` avoids the guess)."""
    if isinstance(value, pd.DataFrame):
        return value.to_numpy(dtype=object).tolist()
    if not _is_sequence(value):
        return [[value]]
    rows = list(value)
    if not rows:
        return []
    if all(_is_sequence(r) for r in rows):
        width = {len(r) for r in rows}
        if len(width) != 1:
            raise MetricInputError("the range must be a rectangle of cells")
        return [list(r) for r in rows]
    if any(_is_sequence(r) for r in rows):
        raise MetricInputError("the range must be a rectangle of cells")
    return [rows]


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, (bool, dt.date, dt.datetime, dt.time)):
        raise MetricInputError(f"{name} must be a number (got {_show(value)})")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        pct = text.endswith("%")
        try:
            number = float(text.rstrip("%"))
        except ValueError:
            raise MetricInputError(f"{name} must be a number (got {_show(value)})") from None
        return number / 100.0 if pct else number
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MetricInputError(f"{name} must be a number (got {_show(value)})") from None
    if not math.isfinite(number):
        raise MetricInputError(f"{name} must be a finite number (got {_show(value)})")
    return number


def number(value: Any, name: str, default: float | None = None) -> float:
    """One number from a cell; a blank gives ``default`` or a 'required' error."""
    if _is_sequence(value):
        flat = cells(value)
        if len(flat) != 1:
            raise MetricInputError(f"{name} must be one cell (got {len(flat)} cells)")
        value = flat[0]
    if is_blank(value):
        if default is None:
            raise MetricInputError(f"{name} is required (the cell is blank)")
        return default
    return _as_float(value, name)


def whole(value: Any, name: str, default: int | None = None) -> int:
    """A whole number (Excel passes 50 as 50.0); 50.5 is refused, not rounded."""
    x = number(value, name, None if default is None else float(default))
    if not float(x).is_integer():
        raise MetricInputError(f"{name} must be a whole number (got {x:g})")
    return int(x)


def optional_number(value: Any, name: str) -> float | None:
    """A number, or None for a blank or omitted argument."""
    if _is_sequence(value):
        value = number(value, name, default=math.nan)
    if is_blank(value):
        return None
    return _as_float(value, name)


def text(value: Any, name: str, default: str | None = None) -> str | None:
    """Text from a cell: stripped; a blank gives ``default``; a whole float becomes '2'."""
    if _is_sequence(value):
        flat = cells(value)
        if len(flat) != 1:
            raise MetricInputError(f"{name} must be one cell (got {len(flat)} cells)")
        value = flat[0]
    if is_blank(value):
        return default
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def choice(value: Any, name: str, choices: Sequence[str], default: str | None) -> str | None:
    """One of ``choices`` (case-insensitive); the error lists them."""
    got = text(value, name, default)
    if got is None:
        return None
    for c in choices:
        if got.lower() == c.lower():
            return c
    raise MetricInputError(f"{name} must be one of {', '.join(choices)} (got {got!r})")


def label(value: Any) -> Any:
    """A rating label: blank → None, whole floats → int (1.0 and 1 are one label), dates → ISO."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    if isinstance(value, str):
        return value.strip()
    return value


def labels(value: Any) -> list[Any]:
    return [label(v) for v in cells(value)]


def same_length(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> None:
    if len(a) != len(b):
        raise MetricInputError(f"ranges differ in length ({len(a)} vs {len(b)})")


def numbers(value: Any, name: str, blank: float | None = None) -> np.ndarray:
    """Every cell as a float; blanks become ``blank`` (NaN when None, for the caller to use)."""
    out = [
        (math.nan if blank is None else blank) if is_blank(v) else _as_float(v, name)
        for v in cells(value)
    ]
    return np.asarray(out, dtype="float64")


def paired_numbers(
    a: Any, b: Any, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two equal-length number ranges; rows blank in both are dropped (trailing range rows).

    Returns both arrays (kept rows only) and the boolean mask of kept rows, so a spilled
    result can put an empty row where the input row was blank. A row blank in only one
    range is an error naming the row: it is a missing value, not an empty row.
    """
    x, y = numbers(a, names[0]), numbers(b, names[1])
    same_length(x, y)
    bx, by = np.isnan(x), np.isnan(y)
    half = np.flatnonzero(bx ^ by)
    if half.size:
        i = int(half[0])
        which = names[0] if bx[i] else names[1]
        raise MetricInputError(f"{which} is blank in row {i + 1} of the range")
    keep = ~(bx & by)
    return x[keep], y[keep], keep


def count_table(value: Any, name: str) -> np.ndarray:
    """A subjects × categories count block; blank cells are 0, all-blank rows are dropped."""
    rows = table(value)
    if not rows:
        raise MetricInputError(f"{name} is empty")
    raw = [[None if is_blank(v) else v for v in r] for r in rows]
    kept = [r for r in raw if any(v is not None for v in r)]
    if not kept:
        raise MetricInputError(f"{name} has no counts (every cell is blank)")
    return np.asarray(
        [[0.0 if v is None else _as_float(v, name) for v in r] for r in kept], dtype="float64"
    )


def _show(value: Any) -> str:
    shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= 24 else shown[:21] + "…"


# --------------------------------------------------------------------------- shapes out


def scalar(value: Any) -> Any:
    """A plain Python cell value: numpy scalars unwrapped, NaN/NaT/NA → None (empty cell)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def rows_of(frame: pd.DataFrame, header: bool = True) -> list[list[Any]]:
    """A DataFrame as a list of rows of plain cell values (with the header row first)."""
    body = [[scalar(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return ([list(map(str, frame.columns)), *body]) if header else body


# --------------------------------------------------------------------------- sheets in


def find_header(rows: Sequence[Sequence[Any]], schema: SheetSchema) -> int:
    """Index of the row (within the first ``HEADER_SCAN_ROWS``) matching most schema columns.

    A title row or two above the table is common in hand-made trackers; the header is the
    row with the most cells that match the contract's column names (the first on a tie).
    Returns 0 when no row matches any column, so missing columns become findings.
    """
    wanted = {normalise_header(c.name) for c in schema.columns}
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = sum(1 for v in row if v is not None and normalise_header(v) in wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def raw_block(
    rows: Sequence[Sequence[Any]], schema: SheetSchema, top_row: int
) -> tuple[pd.DataFrame, int, np.ndarray]:
    """The cells below the header as a raw DataFrame, the header's Excel row, each record's row.

    ``rows`` is a sheet's used range as read in one call (list of rows) and ``top_row``
    the Excel row number of its first row. Columns keep sheet order (so column letters
    stay right); headers are the header cells' text.
    """
    if not rows:
        empty = pd.DataFrame(columns=pd.Index([c.name for c in schema.columns], dtype=object))
        return empty, top_row, np.zeros(0, dtype=np.int64)
    at = find_header(rows, schema)
    header = [None if is_blank(v) else str(v).strip() for v in rows[at]]
    body = [list(r) for r in rows[at + 1 :]]
    width = len(header)
    frame = pd.DataFrame(
        {pos: pd.Series([r[pos] for r in body], dtype=object) for pos in range(width)},
        index=pd.RangeIndex(len(body)),
    )
    frame.columns = pd.Index(
        [h if h is not None else f"Unnamed: {pos}" for pos, h in enumerate(header)], dtype=object
    )
    numbers_ = np.arange(top_row + at + 1, top_row + at + 1 + len(body), dtype=np.int64)
    return frame, top_row + at, numbers_
