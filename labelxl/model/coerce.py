"""Type raw cell values into a sheet's contract: numbers, dates, choices; findings at the cell.

Reading files is ``labelxl.io``'s job; this module turns raw cell values (as any reader or
a library user supplies them) into typed frames, so the same rules apply to workbooks and
to DataFrames. A cell that cannot be typed gets a finding quoting it as typed (``bad-type``,
``error-value``, ``ambiguous-date``) and no value; nothing is guessed or dropped silently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labelxl.model.cells import CellError, Problem, clean
from labelxl.model.cells import visible as _visible
from labelxl.model.conventions import Conventions
from labelxl.model.findings import (
    BAD_TYPE,
    ERROR_VALUE,
    NOT_CANONICAL,
    UNKNOWN_COLUMN,
    Finding,
    col_letter,
    sheet_ref,
)
from labelxl.model.schema import Column, SheetSchema, normalise_header
from labelxl.model.sheet import ROW, SheetData, empty_frame
from labelxl.model.values import is_blank, ns_dates, type_distinct

# Cells judged by the Settings reader, which knows the setting's name and default.
JUDGED_BY_SETTINGS = {("Settings", "value")}
_LISTED = "the listed spelling"


@dataclass
class Coerced:
    """One typed column: values, which cells were blank as typed, and why others failed."""

    values: pd.Series
    blank: np.ndarray
    bad: np.ndarray
    problems: np.ndarray | None = None  # Problem per bad cell (object array), else None
    # (first cell index, cells typed so, text as typed, canonical spelling)
    renamed: list[tuple[int, int, str, str]] = field(default_factory=list)


def sheet_from_raw(
    schema: SheetSchema,
    raw: pd.DataFrame,
    header_row: int = 1,
    first_col: int = 0,
    workbook: str = "",
    sheet_name: str = "",
    rows: np.ndarray | None = None,
    conventions: Conventions | None = None,
) -> tuple[SheetData, list[Finding]]:
    """Match headers, drop blank trailing rows, type every column; return data and findings.

    ``raw`` holds the cell values under their header text as columns (in sheet order,
    starting at column index ``first_col``). ``rows`` gives each record's Excel row number
    (default: consecutive from header_row + 1). ``conventions`` say how numbers and dates
    typed as text are read (default: decimal point, no day/month order).
    """
    conv = conventions or Conventions()
    findings: list[Finding] = []
    name = sheet_name or schema.name
    where = sheet_ref(name)  # as Excel writes it: 'my sheet'!A1
    wanted = {normalise_header(c.name): c for c in schema.columns}
    letters: dict[str, str] = {}
    picked: dict[str, pd.Series] = {}
    for pos, header in enumerate(raw.columns):
        if header is None or str(header).strip() == "" or str(header).startswith("Unnamed:"):
            continue
        key = normalise_header(header)
        letter = col_letter(first_col + pos)
        if key in wanted and wanted[key].name not in picked:
            col = wanted[key]
            letters[col.name] = letter
            picked[col.name] = raw.iloc[:, pos]
        elif key not in wanted:
            findings.append(
                Finding(
                    UNKNOWN_COLUMN,
                    name,
                    f"{letter}{header_row}",
                    f"{where}!{letter}{header_row}: column {str(header)[:40]!r} is not part "
                    f"of the {schema.name} contract and is ignored. Rename it to one of "
                    f"{_choices(schema.column_names)} or leave it.",
                    column=str(header),
                    value=str(header),
                    workbook=workbook,
                )
            )
    if rows is None:
        rows = np.arange(header_row + 1, header_row + 1 + len(raw), dtype=np.int64)
    frame = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    raw_blank: dict[str, np.ndarray] = {}
    errors: dict[str, str] = {}
    for col in schema.columns:
        if col.name not in picked:
            frame[col.name] = empty_frame(schema)[col.name].reindex(frame.index)
            continue
        typed = coerce_column(col, picked[col.name], conv)
        frame[col.name] = typed.values
        raw_blank[col.name] = typed.blank
        judged_elsewhere = (schema.name, col.name) in JUDGED_BY_SETTINGS
        for idx in np.flatnonzero(typed.bad):
            found = picked[col.name].iloc[idx]
            cell = f"{letters[col.name]}{rows[idx]}"
            problem = typed.problems[idx] if typed.problems is not None else None
            if problem is not None and problem.code == ERROR_VALUE and isinstance(found, str):
                found = CellError(found.strip())  # an error typed or pasted as text
            if judged_elsewhere and isinstance(found, CellError):
                errors[cell] = str(found)
                continue
            code, text = _cell_message(col, found, problem)
            findings.append(
                Finding(
                    code,
                    name,
                    cell,
                    f"{where}!{cell}: {text}",
                    column=col.name,
                    value=_plain(found),
                    workbook=workbook,
                )
            )
        for first, count, as_typed, canonical in typed.renamed:
            cell = f"{letters[col.name]}{rows[first]}"
            findings.append(
                not_canonical(
                    name,
                    cell,
                    col.name,
                    as_typed,
                    canonical,
                    "the listed spelling",
                    count,
                    workbook,
                )
            )
    frame[ROW] = rows
    # Blank trailing (and interior all-blank) rows are not records. Judge blankness on the
    # cells as typed, before defaults (a blank row must not become a "disputed = no" audit).
    if raw_blank:
        blank = np.logical_and.reduce(list(raw_blank.values()))
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
    data = SheetData(
        schema.name,
        frame,
        workbook=workbook,
        sheet_name=name,
        letters=letters,
        header_row=header_row,
        errors=errors,
    )
    return data, findings


def not_canonical(
    sheet: str,
    cell: str,
    column: str,
    typed: str,
    canonical: str,
    listed: str,
    count: int = 1,
    workbook: str = "",
) -> Finding:
    """The ``not-canonical`` warning: what was typed (visibly), what labelxl reads instead."""
    shown = _visible(typed)
    more = f"; {count} cells typed so" if count > 1 else ""
    return Finding(
        NOT_CANONICAL,
        sheet,
        cell,
        _clip(
            f"{sheet_ref(sheet)}!{cell}: {column} is read as '{canonical}', {listed} (got "
            f"'{shown}', {difference(typed, canonical)}{more}). Retype it as listed to "
            "silence this."
        ),
        column=column,
        value=shown,
        workbook=workbook,
    )


def difference(typed: str, canonical: str) -> str:
    """What sets ``typed`` apart from ``canonical``, in words: 'full-width characters', …"""
    kinds = []
    if any(not c.isascii() and unicodedata.normalize("NFKC", c) != c for c in typed):
        kinds.append("full-width characters")
    if any(unicodedata.category(c) == "Cf" for c in typed):  # zero-width space, BOM, …
        kinds.append("invisible characters")
    if clean(typed) != canonical:
        kinds.append("another letter case")
    return " and ".join(dict.fromkeys(kinds)) or "extra spaces"


def _cell_message(col: Column, found: object, problem: Problem | None) -> tuple[str, str]:
    """(code, message after the address) for a cell that could not be typed."""
    if isinstance(found, CellError):
        if found.uncalculated:
            return ERROR_VALUE, _clip(
                f"{col.name} is a formula with no calculated value (got {_show(found)}). "
                "Open the workbook in Excel (or LibreOffice) and save it so the formula is "
                "calculated, then run labelxl again."
            )
        return ERROR_VALUE, (
            f"{col.name} is the Excel error {found.text}, not a value (got {found.text}). "
            "Fix the formula or the cell it refers to, or type the value."
        )
    if problem is not None and problem.says:
        if problem.code == BAD_TYPE:
            return BAD_TYPE, _clip(
                f"{col.name} {problem.says} (got {_show(found)}). Enter it as a number "
                "cell, or type it without thousands separators."
            )
        return problem.code, _clip(
            f"{col.name} {problem.says} (got {_show(found)}). Retype it as an ISO date such "
            "as 2026-03-31, or set date_order (DMY or MDY) in Settings."
        )
    hint = " as a date such as 2026-03-31." if col.type == "date" else "."
    if col.type in ("number", "integer") and isinstance(found, str) and "%" in found:
        hint = " as a plain number (percent is for fraction columns such as target_accuracy)."
    return BAD_TYPE, _clip(
        f"{col.name} must be {_type_phrase(col)} (got {_show(found)}). Retype the value{hint}"
    )


def _clip(text: str, limit: int = 254) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _choices(names: tuple[str, ...], cap: int = 6) -> str:
    shown = ", ".join(names[:cap])
    return shown + (f" (+{len(names) - cap} more)" if len(names) > cap else "")


def _type_phrase(col: Column) -> str:
    if col.type == "number" and col.fraction:
        return "a number or a percent (0.95 or 95%)"
    return {
        "date": "a date in the years 1678–2261",
        "number": "a number",
        "integer": "a whole number",
        "yesno": "yes or no",
        "text": "text",
    }[col.type]


def _plain(value: object) -> object:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as the cell shows it in Excel
    if isinstance(value, CellError):
        return str(value)
    if isinstance(value, str):
        return _visible(value)
    if isinstance(value, (int, float)) or value is None:
        return value
    return str(value)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return repr(_plain(value))
    if isinstance(value, CellError):
        text = str(value)
    elif isinstance(value, str):
        text = "'" + _visible(value) + "'"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def coerce_column(col: Column, raw: pd.Series, conventions: Conventions | None = None) -> Coerced:
    """Type one column: values, blank-as-typed mask, bad mask and why each bad cell failed.

    Sheets repeat values (ids, activities, dates), so each distinct value is typed once
    and the result is spread back with integer codes: a million-row sheet costs the work
    of its few thousand distinct values.
    """
    conv = conventions or Conventions()
    raw = raw.reset_index(drop=True)
    if (
        col.type in ("number", "integer")
        and pd.api.types.is_numeric_dtype(raw.dtype)
        and (raw.dtype != bool)
    ):
        values = raw.astype("float64")
        bad = pd.Series(False, index=raw.index)
        if col.type == "integer":
            bad = values.notna() & (values != np.floor(values.fillna(0)))
            values = values.where(~bad)
        return _finish(col, values, raw.isna().to_numpy(), bad.to_numpy())
    if col.type == "date" and pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values, bad = ns_dates(raw)
        return _finish(col, values, raw.isna().to_numpy(), bad.to_numpy())
    objects = raw.to_numpy(dtype=object)
    if _mixes_bools(objects):
        # TRUE == 1 == 1.0 as hash keys, so distinct-value typing would merge them: type
        # such (rare) mixed columns cell by cell instead.
        codes = np.arange(len(objects))
        uniques = objects
    else:
        codes, uniques = pd.factorize(objects, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    u_values, u_problems, u_renamed = type_distinct(col, u, conv)
    u_blank = is_blank(u).to_numpy()
    u_bad = np.array([p is not None for p in u_problems], dtype=bool)
    missing = codes < 0
    safe = np.where(missing, 0, codes)
    blank_cells: np.ndarray = np.ones(len(raw), dtype=bool)
    bad_cells: np.ndarray = np.zeros(len(raw), dtype=bool)
    taken: np.ndarray = np.full(len(raw), None, dtype=object)
    problems = None
    renamed: list[tuple[int, int, str, str]] = []
    if len(u):
        blank_cells = missing | u_blank[safe]
        bad_cells = ~missing & u_bad[safe] & ~blank_cells
        taken = u_values.to_numpy()[safe]
        if bad_cells.any():
            problems = np.asarray(u_problems, dtype=object)[safe]
        if u_renamed:
            renamed = _renamed(codes, u_renamed)
    values = pd.Series(taken, index=raw.index, dtype=u_values.dtype)
    values = values.where(~pd.Series(missing, index=raw.index))
    typed = _finish(col, values, blank_cells, bad_cells)
    typed.problems, typed.renamed = problems, renamed
    return typed


def _renamed(
    codes: np.ndarray, u_renamed: dict[int, tuple[str, str]]
) -> list[tuple[int, int, str, str]]:
    """One entry per spelling as typed: its first cell and how many cells have it."""
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=max(u_renamed) + 1)
    order = np.flatnonzero(present)
    _, first_pos = np.unique(codes[present], return_index=True)
    first_of = dict(zip(np.unique(codes[present]).tolist(), order[first_pos].tolist(), strict=True))
    merged: dict[tuple[str, str], list[int]] = {}
    for j, (typed, canonical) in u_renamed.items():
        if j not in first_of:
            continue
        entry = merged.setdefault((typed, canonical), [first_of[j], 0])
        entry[0] = min(entry[0], first_of[j])
        entry[1] += int(counts[j])
    return sorted((first, n, t, c) for (t, c), (first, n) in merged.items())


def _mixes_bools(objects: np.ndarray) -> bool:
    """True when TRUE/FALSE cells sit beside other values (they hash like 1/0)."""
    # infer_dtype is one C pass; only its "mixed" answers can hide a bool among others.
    if pd.api.types.infer_dtype(objects, skipna=True) not in ("mixed", "mixed-integer"):
        return False
    is_bool = np.fromiter((type(v) is bool for v in objects), dtype=bool, count=len(objects))
    return bool(is_bool.any()) and not is_bool[~pd.isna(objects)].all()


def _finish(col: Column, values: pd.Series, blank: np.ndarray, bad: np.ndarray) -> Coerced:
    blank = np.asarray(blank, dtype=bool)
    keep = pd.Series(~blank, index=values.index)
    if col.default is not None:
        values = values.astype(object).where(keep, col.default)
        if col.type in ("number", "integer"):
            values = values.astype("float64")
    elif col.type in ("text", "yesno"):
        values = values.astype(object).where(keep, None)
    return Coerced(values, blank, np.asarray(bad, dtype=bool))
