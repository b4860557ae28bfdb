"""Cell XML for one column of a frame, vectorised: numbers, booleans, dates, inline text."""

from __future__ import annotations

import datetime as dt
import re
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from labelxl.io.ooxml.package import ILLEGAL_XML
from labelxl.model.formats import MAX_CELL_CHARS

_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # Excel decodes _xHHHH_ in strings


def header_texts(frame: pd.DataFrame) -> list[str]:
    """Unique, non-empty header texts (Excel table column names) for the frame's columns."""
    out: list[str] = []
    seen: set[str] = set()
    for j, col in enumerate(frame.columns):
        if isinstance(col, tuple):
            label = " ".join(str(c) for c in col)
        else:
            label = "" if pd.isna(col) else str(col)  # a missing label (None/NaN) is no name
        text = re.sub(r"\s+", " ", ILLEGAL_XML.sub("", label)).strip()[:255] or f"Column{j + 1}"
        candidate, n = text, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{text}_{n}"
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def infer_format(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        clean = values.dropna()
        return "date" if (clean == clean.dt.normalize()).all() else "datetime"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "int"
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "number"
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("date", "datetime", "datetime64"):
        return infer_format(_to_datetime(values))
    if kind == "integer":
        return "int"
    if kind in ("floating", "mixed-integer-float", "decimal"):
        return "number"
    return "text"


def _to_datetime(values: pd.Series) -> pd.Series:
    out = pd.to_datetime(values, errors="coerce")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_localize(None)  # keep the wall-clock time the user saw
    return out


def _inline(text: str, style: int, quoted_style: int) -> str:
    """The tail of an inline-string cell, after ``<c r="A1``: style, type and escaped text."""
    clean = _EXCEL_ESCAPE.sub(r"_x005F_\1", ILLEGAL_XML.sub("", text[:MAX_CELL_CHARS]))
    # Text starting like a formula gets quotePrefix, so editing the cell keeps it text.
    s = quoted_style if clean[:1] in ("=", "+", "-", "@") else style
    space = ' xml:space="preserve"' if clean != clean.strip() else ""
    return f'" s="{s}" t="inlineStr"><is><t{space}>{escape(clean)}</t></is></c>'


def _text_cells(texts: pd.Series, refs: np.ndarray, style: int, quoted_style: int) -> np.ndarray:
    # Escape each distinct text once: result columns repeat ids, periods and flags a lot.
    codes, uniques = pd.factorize(texts.to_numpy(dtype=object))
    tails = np.array([_inline(str(u), style, quoted_style) for u in uniques], dtype=object)
    return np.asarray('<c r="' + refs + tails[codes], dtype=object)


def column_cells(
    values: pd.Series,
    letter: str,
    rows: np.ndarray,
    style: int,
    date_style: int,
    quoted_style: int,
    date1904: bool,
) -> np.ndarray:
    """Vectorised XML for one column's data cells (numbers, booleans, dates, inline text)."""
    n = len(values)
    refs = letter + rows
    out = np.full(n, "", dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_bool_dtype(values.dtype) or kind == "boolean":
        mask = values.isna().to_numpy(dtype=bool)
        truth = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
        flags = np.where(truth, "1", "0").astype(object)
        cells = '<c r="' + refs + f'" s="{style}" t="b"><v>' + flags + "</v></c>"
        return np.asarray(np.where(mask, "", cells), dtype=object)
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or kind in ("date", "datetime"):
        return _date_cells(_to_datetime(values), refs, date_style, quoted_style, date1904)
    if pd.api.types.is_numeric_dtype(values.dtype) or kind in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    ):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return _number_cells(numbers, refs, style)
    if kind in ("string", "empty"):
        mask = values.isna().to_numpy(dtype=bool)
        texts = pd.Series(values.to_numpy(dtype=object)[~mask], dtype=object)
        if len(texts):
            out[~mask] = _text_cells(texts, refs[~mask], style, quoted_style)
        return out
    return _mixed_cells(values, refs, style, date_style, quoted_style, date1904)


def _number_text(numbers: np.ndarray) -> np.ndarray:
    """Shortest round-trip text of finite floats; whole numbers without a trailing '.0'."""
    out = np.empty(len(numbers), dtype=object)
    integral = (numbers == np.round(numbers)) & (np.abs(numbers) < 1e15)
    out[integral] = list(map(str, numbers[integral].astype("int64").tolist()))
    out[~integral] = list(map(repr, numbers[~integral].tolist()))  # Python's repr is shortest
    return out


def _number_cells(numbers: np.ndarray, refs: np.ndarray, style: int) -> np.ndarray:
    out = np.full(len(numbers), "", dtype=object)
    finite = np.isfinite(numbers)  # NaN and ±inf have no Excel value: empty cell
    text = _number_text(numbers[finite])
    out[finite] = '<c r="' + refs[finite] + f'" s="{style}"><v>' + text + "</v></c>"
    return out


def _serials(stamps: pd.Series, date1904: bool) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial numbers for timestamps, and where a date has none (before the epoch)."""
    epoch = pd.Timestamp("1904-01-01") if date1904 else pd.Timestamp("1899-12-30")
    serial = ((stamps - epoch) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)
    if not date1904:
        # Excel counts a 29 Feb 1900 that never was: serials below 61 are one day lower.
        serial = np.where(serial < 61, serial - 1, serial)
    return serial, np.isfinite(serial) & (serial < (0 if date1904 else 1))


def _date_cells(
    stamps: pd.Series, refs: np.ndarray, style: int, quoted_style: int, date1904: bool
) -> np.ndarray:
    serial, too_early = _serials(stamps, date1904)
    out = _number_cells(np.where(too_early, np.nan, serial), refs, style)
    if too_early.any():  # a date Excel cannot hold is written as ISO text
        iso = pd.Series(stamps.to_numpy()[too_early]).dt.strftime("%Y-%m-%d").astype(object)
        out[too_early] = _text_cells(iso, refs[too_early], 0, quoted_style)
    return np.asarray(out, dtype=object)


def _mixed_cells(
    values: pd.Series,
    refs: np.ndarray,
    style: int,
    date_style: int,
    quoted_style: int,
    date1904: bool,
) -> np.ndarray:
    """Cell by cell, for object columns holding values of several kinds."""
    out = np.full(len(values), "", dtype=object)
    texts: dict[int, str] = {}
    for i, v in enumerate(values.to_numpy(dtype=object)):
        if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
            continue
        if isinstance(v, (bool, np.bool_)):
            out[i] = f'<c r="{refs[i]}" s="{style}" t="b"><v>{int(v)}</v></c>'
        elif isinstance(v, (int, float, np.integer, np.floating)):
            if not np.isfinite(float(v)):
                continue
            num = str(int(v)) if float(v).is_integer() and abs(float(v)) < 1e15 else repr(float(v))
            out[i] = f'<c r="{refs[i]}" s="{style}"><v>{num}</v></c>'
        elif isinstance(v, (dt.date, pd.Timestamp, np.datetime64)):
            serial, early = _serials(_to_datetime(pd.Series([v])), date1904)
            if early[0] or not np.isfinite(serial[0]):
                texts[i] = str(v)
            else:
                out[i] = f'<c r="{refs[i]}" s="{date_style}"><v>{float(serial[0])!r}</v></c>'
        else:
            texts[i] = str(v)
    if texts:
        idx = np.fromiter(texts, dtype=np.int64)
        series = pd.Series(list(texts.values()), dtype=object)
        out[idx] = _text_cells(series, refs[idx], style, quoted_style)
    return out
