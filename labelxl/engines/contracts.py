"""Sheet contracts on an engine: raw table columns → the typed columns the metrics expect.

The same rules as ``model.workspace`` (headers matched ignoring case and ``_``/space;
numbers from text with thousands separators; whole-number floats as text ids; yes/no
synonyms; allowed values in their canonical case; defaults for blanks), written as narwhals
expressions so every engine types a table the same way. A value that cannot be typed
becomes null and raises the ``_bad_<column>`` flag the ``bad-type`` rule reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import narwhals as nw

from labelxl.engines.backends import FILE, ROW
from labelxl.model.schema import Column, SheetSchema, normalise_header

NUMBER_TEXT = r"^\s*[-+]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$"
ISO_DATE = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}"
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")


def bad_flag(column: str) -> str:
    return f"_bad_{column}"


@dataclass(frozen=True)
class Typed:
    """A sheet's typed table on an engine: the frame and which contract columns it had."""

    sheet: str
    frame: nw.LazyFrame[Any]
    present: tuple[str, ...]  # contract columns that had a header
    unknown: tuple[str, ...]  # table columns outside the contract (ignored)


def _is_text(dtype: Any) -> bool:
    return dtype == nw.String or dtype == nw.Categorical or dtype == nw.Object


def _is_temporal(dtype: Any) -> bool:
    return dtype == nw.Date or isinstance(dtype, nw.Datetime) or dtype == nw.Datetime


def _is_numeric(dtype: Any) -> bool:
    return bool(dtype.is_numeric())


def _text(expr: nw.Expr, dtype: Any, col: Column) -> nw.Expr:
    if _is_text(dtype):
        out = expr.cast(nw.String).str.strip_chars()
    elif dtype == nw.Boolean:
        out = nw.when(expr).then(nw.lit("TRUE")).otherwise(nw.lit("FALSE"))
    elif dtype.is_float():
        # An id typed as a number: 42 not "42.0".
        whole = expr == expr.round(0)
        out = (
            nw.when(whole).then(expr.cast(nw.Int64).cast(nw.String)).otherwise(expr.cast(nw.String))
        )
    elif _is_temporal(dtype):
        out = expr.cast(nw.Date).cast(nw.String)
    else:
        out = expr.cast(nw.String)
    out = nw.when(out == "").then(nw.lit(None, nw.String)).otherwise(out)
    if col.choices:
        lower = out.str.to_lowercase()
        canon: nw.Expr = out
        for choice in reversed(col.choices):
            canon = nw.when(lower == choice.lower()).then(nw.lit(choice)).otherwise(canon)
        out = canon
    return out


def _number(expr: nw.Expr, dtype: Any) -> tuple[nw.Expr, nw.Expr]:
    if dtype == nw.Boolean:
        return nw.lit(None, nw.Float64), ~expr.is_null()
    if _is_numeric(dtype):
        return expr.cast(nw.Float64), nw.lit(False)
    if _is_text(dtype):
        text = expr.cast(nw.String)
        blank = text.is_null() | (text.str.strip_chars() == "")
        ok = text.str.contains(NUMBER_TEXT).fill_null(False)
        # Null out what is not a number first: eager engines cast every row.
        kept = nw.when(ok).then(text).otherwise(nw.lit(None, nw.String))
        value = kept.str.strip_chars().str.replace_all(",", "", literal=True).cast(nw.Float64)
        return value, ~blank & ~ok
    return nw.lit(None, nw.Float64), ~expr.is_null()


def _date(expr: nw.Expr, dtype: Any) -> tuple[nw.Expr, nw.Expr]:
    if _is_temporal(dtype):
        return expr.cast(nw.Date), nw.lit(False)
    if _is_text(dtype):
        text = expr.cast(nw.String)
        blank = text.is_null() | (text.str.strip_chars() == "")
        ok = text.str.contains(ISO_DATE).fill_null(False)
        kept = nw.when(ok).then(text.str.strip_chars().str.slice(0, 10))
        value = kept.otherwise(nw.lit(None, nw.String)).str.to_datetime(format="%Y-%m-%d")
        value = value.cast(nw.Date)
        return value, ~blank & ~ok
    return nw.lit(None, nw.Date), ~expr.is_null()


def _yesno(expr: nw.Expr, dtype: Any) -> tuple[nw.Expr, nw.Expr]:
    if dtype == nw.Boolean:
        return nw.when(expr).then(nw.lit("yes")).otherwise(nw.lit("no")), nw.lit(False)
    text = expr.cast(nw.String).str.strip_chars().str.to_lowercase()
    if _is_numeric(dtype):
        text = (
            nw.when(expr == 1)
            .then(nw.lit("1"))
            .when(expr == 0)
            .then(nw.lit("0"))
            .otherwise(nw.lit("?"))
        )
    value = (
        nw.when(text.is_in(list(YES)))
        .then(nw.lit("yes"))
        .when(text.is_in(list(NO)))
        .then(nw.lit("no"))
        .otherwise(nw.lit(None, nw.String))
    )
    blank = expr.is_null() | (text == "")
    return value, ~blank & value.is_null()


_NULL: dict[str, Any] = {
    "text": nw.String,
    "yesno": nw.String,
    "number": nw.Float64,
    "integer": nw.Float64,
    "date": nw.Date,
}


def typed(schema: SheetSchema, raw: nw.LazyFrame[Any]) -> Typed:
    """``raw`` with the contract's columns typed (absent ones null) plus ``_bad_*`` flags."""
    native = raw.collect_schema()
    wanted = {normalise_header(c.name): c for c in schema.columns}
    source: dict[str, str] = {}
    unknown = []
    for name in native:
        if name in (FILE, ROW):
            continue
        key = normalise_header(name)
        if key in wanted and wanted[key].name not in source:
            source[wanted[key].name] = name
        elif key not in wanted:
            unknown.append(name)
    exprs: list[nw.Expr] = []
    for col in schema.columns:
        if col.name not in source:
            value = (
                nw.lit(cast(Any, col.default), _NULL[col.type]) if col.default is not None else None
            )
            exprs.append(
                (value if value is not None else nw.lit(None, _NULL[col.type])).alias(col.name)
            )
            exprs.append(nw.lit(False).alias(bad_flag(col.name)))
            continue
        expr, dtype = nw.col(source[col.name]), native[source[col.name]]
        if col.type in ("number", "integer"):
            value, bad = _number(expr, dtype)
            if col.type == "integer":
                frac = ~value.is_null() & (value != value.floor())
                bad = bad | frac
                value = nw.when(frac).then(nw.lit(None, nw.Float64)).otherwise(value)
        elif col.type == "date":
            value, bad = _date(expr, dtype)
        elif col.type == "yesno":
            value, bad = _yesno(expr, dtype)
        else:
            value, bad = _text(expr, dtype, col), nw.lit(False)
        if col.default is not None:
            blank_raw = expr.is_null()
            if _is_text(dtype):
                blank_raw = blank_raw | (expr.cast(nw.String).str.strip_chars() == "")
            value = (
                nw.when(blank_raw)
                .then(nw.lit(cast(Any, col.default), _NULL[col.type]))
                .otherwise(value)
            )
        exprs.append(value.alias(col.name))
        exprs.append(bad.fill_null(False).alias(bad_flag(col.name)))
    frame = raw.select(*exprs, nw.col(FILE), nw.col(ROW))
    present = tuple(c.name for c in schema.columns if c.name in source)
    return Typed(schema.name, frame, present, tuple(unknown))
