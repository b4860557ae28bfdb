"""Schema rules: sheets and columns present, required cells filled, types, choices, keys."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from labelxl.model.findings import (
    AMBIGUOUS_DATE,
    BAD_TYPE,
    DUPLICATE_KEY,
    ERROR_VALUE,
    MISSING_COLUMN,
    MISSING_SHEET,
    NOT_ALLOWED,
    OUT_OF_RANGE,
    REQUIRED_BLANK,
    UNKNOWN_COLUMN,
    Finding,
    col_letter,
    sheet_ref,
)
from labelxl.model.schema import SHEETS, Column, SheetSchema
from labelxl.model.workspace import ROW, SRC, SheetData, Workspace
from labelxl.validate._common import (
    cell_order,
    choices,
    clip,
    emit,
    iso_day,
    num,
    plain,
    row_label,
    show,
)

# Required cells judged elsewhere: reading the Settings sheet already reports a blank
# numeric value as bad-setting, and blank is valid for text settings (pseudonym_secret).
BLANK_JUDGED_ELSEWHERE = {("Settings", "value")}


_TYPE_PHRASE = {
    "date": "a date",
    "number": "a number",
    "integer": "a whole number",
    "yesno": "yes or no",
    "text": "text",
}


# Cells whose reading already failed (with the cell quoted): not also required-blank.
UNREADABLE = (BAD_TYPE, ERROR_VALUE, AMBIGUOUS_DATE)


def sheet_schema_rules(ws: Workspace, name: str) -> list[Finding]:
    """One sheet's schema findings. The reading findings it reads are this sheet's own."""
    schema = SHEETS[name]
    sd = ws.sheets.get(name)
    if sd is None:
        # Optional sheets (Queue, Calibration, Settings, …) may simply be absent.
        return [_missing_sheet(ws, schema)] if schema.required_sheet else []
    bad_cells = {
        (f.workbook, f.sheet, f.cell)
        for f in ws.findings
        if f.code in UNREADABLE and f.sheet in _sheet_names(sd)
    }
    out: list[Finding] = []
    out.extend(_missing_columns(ws, sd, schema))
    frame = sd.frame
    for col in schema.columns:
        if col.name not in sd.letters:
            continue
        values = frame[col.name]
        if col.required and (name, col.name) not in BLANK_JUDGED_ELSEWHERE:
            out.extend(_required_blank(sd, col, frame, values, bad_cells))
        if col.allowed and col.type == "text":
            bad = values.notna() & ~values.isin(col.allowed)
            say = partial(_say_not_allowed, col)
            out.extend(emit(NOT_ALLOWED, sd, col.name, frame.loc[bad], say))
        if col.type in ("number", "integer") and (
            col.minimum is not None or col.maximum is not None
        ):
            lo = -np.inf if col.minimum is None else col.minimum
            hi = np.inf if col.maximum is None else col.maximum
            bad = values.notna() & ((values < lo) | (values > hi))
            say = partial(_say_out_of_range, col)
            out.extend(emit(OUT_OF_RANGE, sd, col.name, frame.loc[bad], say))
    out.extend(_duplicate_keys(sd, schema))
    return out


def _sheet_names(sd: SheetData) -> set[str]:
    """The worksheet names ``sd``'s rows come from (one per workbook it was read from)."""
    return {src.sheet_name for src in sd.sources or [sd]}


def _say_not_allowed(col: Column, r: dict[str, Any]) -> str:
    return (
        f"{col.name} must be one of {choices(col.allowed or ())} "
        f"(got {show(r[col.name])}). Pick a value from the list."
    )


def _say_out_of_range(col: Column, r: dict[str, Any]) -> str:
    return (
        f"{col.name} must be {_range_phrase(col)} (got {show(r[col.name])}). "
        f"Enter a value in that range."
    )


def _missing_sheet(ws: Workspace, schema: SheetSchema) -> Finding:
    message = (
        f"{schema.name}: required sheet is missing (expected a sheet named {schema.name}, "
        f"default workbook {schema.workbook}.xlsx, with columns "
        f"{choices(schema.required_columns)}; got none). Add the sheet or copy it from "
        f"a labelxl init template."
    )
    return Finding(MISSING_SHEET, schema.name, "", clip(message), workbook=ws.root)


def last_header(ws: Workspace, sd: SheetData) -> int:
    """0-based index of the last header cell: known columns and ignored unknown ones."""
    last = -1
    for letters in sd.letters.values():
        last = max(last, cell_order(letters)[1] - 1)
    for f in ws.findings:
        if f.code == UNKNOWN_COLUMN and f.sheet == sd.sheet_name and f.workbook == sd.workbook:
            last = max(last, cell_order(f.cell)[1] - 1)
    return last


def _missing_columns(ws: Workspace, sd: SheetData, schema: SheetSchema) -> list[Finding]:
    out: list[Finding] = []
    for src in sd.sources or [sd]:  # each workbook's sheet needs its own headers
        missing = [c for c in schema.required_columns if c not in src.letters]
        if not missing:
            continue
        found = sorted(src.letters, key=lambda c: cell_order(src.letters[c])[1])
        last = last_header(ws, src)
        out.extend(missing_column(src, name, last + 1 + i, found) for i, name in enumerate(missing))
    return out


def missing_column(sd: SheetData, name: str, index: int, found: list[str]) -> Finding:
    cell = f"{col_letter(index)}{sd.header_row}"
    message = (
        f"{sheet_ref(sd.sheet_name)}!{cell}: required column {name} is missing (found "
        f"{choices(found) or 'no known columns'}). Add a header {name} here, or rename "
        f"the column that holds it."
    )
    return Finding(
        MISSING_COLUMN, sd.sheet_name, cell, clip(message), column=name, workbook=sd.workbook
    )


def _required_blank(
    sd: SheetData,
    col: Column,
    frame: pd.DataFrame,
    values: pd.Series,
    bad_cells: set[tuple[str, str, str]],
) -> list[Finding]:
    blank = values.isna()
    if sd.sources:  # rows from a workbook whose sheet lacks the column: missing-column
        has_column = [col.name in src.letters for src in sd.sources]
        blank &= frame[SRC].map(lambda i: has_column[int(i)]).astype(bool)
    if not blank.any():
        return []
    hits = frame.loc[blank]
    if bad_cells:
        # A cell that could not be read is already a finding (quoting it); not a second.
        typed_bad = [
            (src.workbook, src.sheet_name, src.cell(col.name, int(row))) in bad_cells
            for src, row in zip(_sources(sd, hits), hits[ROW], strict=True)
        ]
        hits = hits.loc[~np.array(typed_bad, dtype=bool)]
    return emit(
        REQUIRED_BLANK,
        sd,
        col.name,
        hits,
        lambda r: (
            f"{col.name} is required (expected {_TYPE_PHRASE[col.type]}; got blank). "
            f"Fill it in or delete the row."
        ),
    )


def _sources(sd: SheetData, rows: pd.DataFrame) -> list[SheetData]:
    if SRC not in rows.columns:
        return [sd] * len(rows)
    return [sd.source(i) for i in rows[SRC]]


def _range_phrase(col: Column) -> str:
    if col.minimum is not None and col.maximum is not None:
        return f"between {num(col.minimum)} and {num(col.maximum)}"
    if col.minimum is not None:
        return f"at least {num(col.minimum)}"
    return f"at most {num(col.maximum or 0)}"


def _duplicate_keys(sd: SheetData, schema: SheetSchema) -> list[Finding]:
    key = list(schema.key)
    if not key or not all(k in sd.letters or not schema.column(k).required for k in key):
        return []
    frame = sd.frame
    # Rows with a blank required key part are required-blank findings, not duplicates.
    required = [k for k in key if schema.column(k).required]
    place = [SRC, ROW] if SRC in frame.columns else [ROW]
    sub = frame.loc[frame[required].notna().all(axis=1), [*key, *place]]
    dup_any = sub.duplicated(key, keep=False)
    if not dup_any.any():
        return []
    # The first row is the first in workbook (file-name) order, then sheet order.
    sub = sub.loc[dup_any].sort_values(place, kind="stable")
    first = sub.groupby(key, dropna=False, sort=False)[place].transform("first")
    sub["_first"] = first[ROW]
    sub["_first_src"] = first[SRC] if SRC in first.columns else np.nan
    is_first = sub[ROW].eq(sub["_first"])
    if SRC in sub.columns:
        is_first &= sub[SRC].eq(sub["_first_src"])
    hits = sub.loc[~is_first]
    label = ", ".join(key)

    def shown(rec: dict[str, Any]) -> str:
        return " / ".join(
            iso_day(rec[k]) if isinstance(rec[k], pd.Timestamp) else str(plain(rec[k])) for k in key
        )

    if len(key) == 1:
        return emit(
            DUPLICATE_KEY,
            sd,
            key[0],
            hits,
            lambda r: (
                f"{label} must be unique (got {show(r[key[0]])}, already in "
                f"{row_label(sd, r, '_first', '_first_src')}). Give this row its own {label} "
                "or delete the duplicate."
            ),
        )
    return emit(
        DUPLICATE_KEY,
        sd,
        key[0],
        hits,
        lambda r: (
            f"each ({label}) must appear once (got {shown(r)}, already in "
            f"{row_label(sd, r, '_first', '_first_src')}). Merge the two rows or delete the "
            "duplicate."
        ),
        value=shown,
    )
