"""The workspace value: every known sheet as a typed DataFrame, where it came from, and settings.

Reading files is ``labelxl.io.reader``'s job; this module turns raw cell values (as any reader
or a library user supplies them) into typed frames, recording ``bad-type`` findings with
the exact cell, so the same rules apply to workbooks and to DataFrames.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pandas._libs.tslibs.nattype import NaTType

from labelxl.errors import SettingsError
from labelxl.model.findings import (
    BAD_SETTING,
    BAD_TYPE,
    UNKNOWN_COLUMN,
    UNKNOWN_SETTING,
    Finding,
    col_letter,
    sheet_ref,
)
from labelxl.model.schema import SHEETS, Column, SheetSchema, normalise_header
from labelxl.model.settings import SETTING_FIELDS, Settings, coerce_setting

ROW = "_row"  # column holding the Excel row number the user sees for each record
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class SheetData:
    """One known sheet: typed frame with canonical columns plus ``_row``, and its origin."""

    name: str
    frame: pd.DataFrame
    workbook: str = ""
    sheet_name: str = ""
    letters: dict[str, str] = field(default_factory=dict)  # canonical column → "E"
    header_row: int = 1

    def cell(self, column: str, row: int) -> str:
        return f"{self.letters.get(column, '')}{row}"


@dataclass
class Workspace:
    """A workspace: typed sheets, the Settings in force, and findings made while reading."""

    sheets: dict[str, SheetData]
    settings: Settings = field(default_factory=Settings)
    findings: list[Finding] = field(default_factory=list)
    root: str = ""
    workbooks: list[str] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)
    # Derived tables shared by several metrics (e.g. audit facts), computed once per
    # workspace. Frames are treated as read-only once the workspace is built.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()`` once per workspace and key; later calls return the same value."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def has(self, name: str) -> bool:
        return name in self.sheets

    def frame(self, name: str) -> pd.DataFrame:
        """The typed frame of a sheet, or an empty frame with the schema's columns."""
        if name in self.sheets:
            return self.sheets[name].frame
        return empty_frame(SHEETS[name])

    @classmethod
    def from_frames(
        cls,
        frames: dict[str, pd.DataFrame],
        settings: Settings | None = None,
        today: dt.date | None = None,
    ) -> Workspace:
        """Build a workspace from DataFrames (library use and tests).

        Columns are matched like workbook headers; row numbers are as if each frame were a
        sheet whose header is row 1 and data start at A2. A ``Settings`` frame is read
        unless ``settings`` is given.
        """
        sheets: dict[str, SheetData] = {}
        findings: list[Finding] = []
        for name, raw in frames.items():
            schema = SHEETS[name]
            data, found = sheet_from_raw(schema, raw, header_row=1)
            sheets[name] = data
            findings.extend(found)
        ws = cls(sheets=sheets, findings=findings, today=today or dt.date.today())
        if settings is not None:
            ws.settings = settings
        elif "Settings" in sheets:
            ws.settings, found = read_settings(sheets["Settings"])
            ws.findings.extend(found)
        return ws


F = TypeVar("F", bound=Callable[..., Any])


def memoized(fn: F) -> F:
    """Compute a metric once per workspace and arguments; later calls get a copy.

    A refresh asks for the same tables several times (the deck's wellbeing slide and the
    over-cap list both need exposure); copies keep callers from editing the shared one.
    """

    @functools.wraps(fn)
    def wrapper(ws: Workspace, *args: Any, **kwargs: Any) -> Any:
        key = f"{fn.__module__}.{fn.__qualname__}:{args!r}:{sorted(kwargs.items())!r}"
        value = ws.cached(key, lambda: fn(ws, *args, **kwargs))
        return value.copy() if isinstance(value, pd.DataFrame) else value

    return wrapper  # type: ignore[return-value]


def empty_frame(schema: SheetSchema) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for col in schema.columns:
        if col.type == "date":
            cols[col.name] = pd.Series([], dtype="datetime64[ns]")
        elif col.type in ("number", "integer"):
            cols[col.name] = pd.Series([], dtype="float64")
        else:
            cols[col.name] = pd.Series([], dtype=object)
    cols[ROW] = pd.Series([], dtype="int64")
    return pd.DataFrame(cols)


def sheet_from_raw(
    schema: SheetSchema,
    raw: pd.DataFrame,
    header_row: int = 1,
    first_col: int = 0,
    workbook: str = "",
    sheet_name: str = "",
    rows: np.ndarray | None = None,
) -> tuple[SheetData, list[Finding]]:
    """Match headers, drop blank trailing rows, type every column; return data and findings.

    ``raw`` holds the cell values under their header text as columns (in sheet order,
    starting at column index ``first_col``). ``rows`` gives each record's Excel row number
    (default: consecutive from header_row + 1).
    """
    findings: list[Finding] = []
    where = sheet_ref(sheet_name or schema.name)  # as Excel writes it: 'my sheet'!A1
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
                    sheet_name or schema.name,
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
    for col in schema.columns:
        if col.name not in picked:
            frame[col.name] = empty_frame(schema)[col.name].reindex(frame.index)
            continue
        values, bad, blank_cells = coerce_column(col, picked[col.name])
        frame[col.name] = values
        raw_blank[col.name] = blank_cells.to_numpy()
        if bad.any():
            for idx in np.flatnonzero(bad.to_numpy()):
                found_value = picked[col.name].iloc[idx]
                cell = f"{letters[col.name]}{rows[idx]}"
                findings.append(
                    Finding(
                        BAD_TYPE,
                        sheet_name or schema.name,
                        cell,
                        f"{where}!{cell}: {col.name} must be {_type_phrase(col)} "
                        f"(got {_show(found_value)}). Retype the value"
                        + (" as a date such as 2026-03-31." if col.type == "date" else "."),
                        column=col.name,
                        value=_plain(found_value),
                        workbook=workbook,
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
        sheet_name=sheet_name or schema.name,
        letters=letters,
        header_row=header_row,
    )
    return data, findings


def _choices(names: tuple[str, ...], cap: int = 6) -> str:
    shown = ", ".join(names[:cap])
    return shown + (f" (+{len(names) - cap} more)" if len(names) > cap else "")


def _type_phrase(col: Column) -> str:
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
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return str(value)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return repr(_plain(value))
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _is_blank(series: pd.Series) -> pd.Series:
    blank = series.isna()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        as_text = series.astype("string")
        blank = blank | as_text.str.strip().eq("").fillna(False).astype(bool)
    return blank.astype(bool)


def coerce_column(col: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Typed values, the ``bad-type`` mask and the mask of cells that were blank as typed.

    Sheets repeat values (ids, activities, dates), so each distinct value is typed once
    and the result is spread back with integer codes: a million-row sheet costs the work
    of its few thousand distinct values.
    """
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
        return _finish(col, values, raw.isna(), bad)
    if col.type == "date" and pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values, bad = _ns_dates(raw)
        return _finish(col, values, raw.isna(), bad)
    objects = raw.to_numpy(dtype=object)
    if _mixes_bools(objects):
        # TRUE == 1 == 1.0 as hash keys, so distinct-value typing would merge them: type
        # such (rare) mixed columns cell by cell instead.
        values, bad = _coerce_distinct(col, raw)
        return _finish(col, values, _is_blank(raw), bad)
    codes, uniques = pd.factorize(objects, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    u_values, u_bad = _coerce_distinct(col, u)
    u_blank = _is_blank(u).to_numpy()
    missing = codes < 0
    safe = np.where(missing, 0, codes)
    blank_cells: np.ndarray = np.ones(len(raw), dtype=bool)
    bad_cells: np.ndarray = np.zeros(len(raw), dtype=bool)
    taken: np.ndarray = np.full(len(raw), None, dtype=object)
    if len(u):
        blank_cells = missing | u_blank[safe]
        bad_cells = ~missing & u_bad.to_numpy()[safe]
        taken = u_values.to_numpy()[safe]
    values = pd.Series(taken, index=raw.index, dtype=u_values.dtype)
    values = values.where(~pd.Series(missing, index=raw.index))
    return _finish(
        col,
        values,
        pd.Series(blank_cells, index=raw.index),
        pd.Series(bad_cells & ~blank_cells, index=raw.index),
    )


def _mixes_bools(objects: np.ndarray) -> bool:
    """True when TRUE/FALSE cells sit beside other values (they hash like 1/0)."""
    # infer_dtype is one C pass; only its "mixed" answers can hide a bool among others.
    if pd.api.types.infer_dtype(objects, skipna=True) not in ("mixed", "mixed-integer"):
        return False
    is_bool = np.fromiter((type(v) is bool for v in objects), dtype=bool, count=len(objects))
    return bool(is_bool.any()) and not is_bool[~pd.isna(objects)].all()


def _coerce_distinct(col: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Type a (small) series of distinct raw values; returns values and the bad mask."""
    blank = _is_blank(raw)
    if col.type in ("number", "integer"):
        values = _to_number(raw)
        bad = ~blank & values.isna()
        if col.type == "integer":
            frac = values.notna() & (values != np.floor(values.fillna(0)))
            bad = bad | frac
            values = values.where(~frac)
    elif col.type == "date":
        values = _to_date(raw)
        bad = ~blank & values.isna()
    elif col.type == "yesno":
        text = raw.astype("string").str.strip().str.lower()
        mapped = text.map(
            {
                "yes": "yes",
                "y": "yes",
                "true": "yes",
                "1": "yes",
                "no": "no",
                "n": "no",
                "false": "no",
                "0": "no",
            }
        )
        raw_bool = raw.map(
            lambda v: {True: "yes", False: "no"}.get(v) if isinstance(v, bool) else None
        )
        values = mapped.astype(object).where(mapped.notna(), raw_bool).astype(object)
        bad = ~blank & values.isna()
    else:
        values = _to_text(raw, col.choices)
        bad = pd.Series(False, index=raw.index)
    return values, bad.astype(bool)


def _finish(
    col: Column, values: pd.Series, blank: pd.Series, bad: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    blank = blank.astype(bool)
    if col.default is not None:
        values = values.astype(object).where(~blank, col.default)
        if col.type in ("number", "integer"):
            values = values.astype("float64")
    elif col.type in ("text", "yesno"):
        values = values.astype(object).where(~blank, None)
    return values, bad.astype(bool), blank


def _to_number(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(raw.dtype) and raw.dtype != bool:
        return raw.astype("float64")
    obj = raw.astype(object)
    is_bool = obj.map(lambda v: isinstance(v, bool)).astype(bool)
    text = obj.where(~is_bool, None)
    as_str = text.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
    out = pd.to_numeric(as_str, errors="coerce").astype("float64")
    return out


def _to_date(raw: pd.Series) -> pd.Series:
    """Dates from datetimes, Excel serials or text (ISO, then day-first, then US style).

    Called on distinct values only, so it may work value by value. Dates pandas cannot
    hold (before 1678 or after 2261, e.g. 9999-12-31 for "no end") become NaT, which the
    caller reports as ``bad-type`` instead of failing.
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return _ns_dates(raw)[0]
    out = [_one_date(v) for v in raw.to_numpy(dtype=object)]
    return pd.Series(pd.DatetimeIndex(out, dtype="datetime64[ns]"), index=raw.index)


_DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")


_YEARS = range(1678, 2262)  # what datetime64[ns] holds


def _ns_dates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Day-resolution datetime64[ns] values; dates outside _YEARS become NaT and are bad."""
    years = raw.dt.year
    ok = years.isna() | ((years >= _YEARS.start) & (years < _YEARS.stop))
    values = raw.where(ok).astype("datetime64[ns]").dt.normalize()
    return values, (~ok).astype(bool)


def _one_date(value: object) -> pd.Timestamp | NaTType:
    day = _parse_date(value)
    return day if isinstance(day, pd.Timestamp) and day.year in _YEARS else pd.NaT


def _parse_date(value: object) -> pd.Timestamp | NaTType:
    try:
        if isinstance(value, (dt.date, pd.Timestamp)):  # datetime is a date too
            return pd.Timestamp(value.year, value.month, value.day)
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            serial = float(value)
            if not 1 <= serial < 2958466:  # Excel's valid serial range
                return pd.NaT
            return EXCEL_EPOCH + pd.Timedelta(days=int(np.floor(serial)))
        if isinstance(value, str) and value.strip():
            text = value.strip()
            try:
                return pd.Timestamp(pd.to_datetime(text, format="ISO8601")).normalize()
            except (ValueError, TypeError):
                pass
            # Day-first is what most markets outside the US type; US style (m/d/Y) is
            # only accepted when the text cannot be read day-first.
            for fmt in _DATE_FORMATS:
                try:
                    return pd.Timestamp(dt.datetime.strptime(text, fmt))
                except ValueError:
                    continue
    except (OverflowError, pd.errors.OutOfBoundsDatetime, ValueError):
        return pd.NaT
    return pd.NaT


def _to_text(raw: pd.Series, choices: tuple[str, ...] | None) -> pd.Series:
    def text(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))  # an id typed as a number: 42 not "42.0"
        if isinstance(v, (dt.datetime, dt.date)):
            return v.isoformat()[:10]
        return str(v).strip()

    objects = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(objects, skipna=False) == "string":
        # All text (the usual case, e.g. a million distinct audit ids): strip in one pass.
        stripped = pd.Series(objects, dtype="string", index=raw.index).str.strip()
        out = stripped.astype(object)
    else:
        out = raw.astype(object).map(text)
    if choices:
        canon = {c.lower(): c for c in choices}
        out = out.map(lambda v: canon.get(v.lower(), v) if isinstance(v, str) else v)
    return out.astype(object)


def read_settings(sheet: SheetData) -> tuple[Settings, list[Finding]]:
    """Settings from the Settings sheet; unknown names and bad values become findings."""
    findings: list[Finding] = []
    where = sheet_ref(sheet.sheet_name)
    values: dict[str, Any] = {}
    frame = sheet.frame
    for name, value, row in zip(
        frame.get("setting", []), frame.get("value", []), frame[ROW], strict=False
    ):
        if name is None:
            continue
        key = str(name).strip().lower().replace(" ", "_")
        cell_name = sheet.cell("setting", int(row))
        if key not in SETTING_FIELDS:
            findings.append(
                Finding(
                    UNKNOWN_SETTING,
                    sheet.sheet_name,
                    cell_name,
                    f"{where}!{cell_name}: {str(name)[:40]!r} is not a labelxl setting and is "
                    f"ignored. Check the spelling against the docs' settings list.",
                    column="setting",
                    value=str(name),
                    workbook=sheet.workbook,
                )
            )
            continue
        try:
            values[key] = coerce_setting(key, value)
        except SettingsError as exc:
            cell_value = sheet.cell("value", int(row))
            findings.append(
                Finding(
                    BAD_SETTING,
                    sheet.sheet_name,
                    cell_value,
                    f"{where}!{cell_value}: {exc}. The default "
                    f"{SETTING_FIELDS[key].default!r} is used until it is fixed.",
                    column="value",
                    value=_plain(value),
                    workbook=sheet.workbook,
                )
            )
    return Settings(**values), findings
