"""The parsed-sheet cache: Parquet frames and JSON findings keyed by content, never pickle."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import astuple
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelxl.io.package import Package, SheetPart
from labelxl.io.parse import HEADER_SCAN_ROWS
from labelxl.model.conventions import Conventions
from labelxl.model.findings import Finding
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import (
    SheetData,
)

CACHE_FORMAT = 5  # bump when the cached layout or the parse changes


# ---------------------------------------------------------------------------------------------
# The sheet cache: Parquet frames and JSON findings, never pickle.


def cache_ids(
    package: Package, part: SheetPart, workbook: str, conventions: Conventions
) -> tuple[str, str]:
    """(slot, key): the slot names the sheet's place; the key its content and the reading code."""
    import labelxl

    assert part.known is not None
    schema = SHEETS[part.known]
    fingerprint = hashlib.sha256(repr(schema).encode()).hexdigest()
    payload = json.dumps(
        [
            CACHE_FORMAT,
            labelxl.__version__,
            fingerprint,
            workbook,
            part.name,
            part.digest,
            package.shared_digest,
            package.date1904,
            [astuple(t) for t in part.tables],
            HEADER_SCAN_ROWS,
            [conventions.decimal, conventions.date_order],
        ]
    )
    key = hashlib.sha256(payload.encode()).hexdigest()
    # One slot per reading conventions too: Roster may be read with two in one run.
    reading = f"{conventions.decimal}{conventions.date_order}"
    place = f"{package.path.resolve()}\x00{part.name}\x00{reading}"
    slot = hashlib.sha256(place.encode()).hexdigest()[:16]
    return slot, key


# The reading conventions a sheet may be typed with (``model.conventions.resolve``).
_READINGS = [
    Conventions(decimal, order)  # type: ignore[arg-type]
    for decimal in (".", ",")
    for order in (None, "DMY", "MDY", "YMD")
]


def has_entry(cache_dir: Path, package: Package, part: SheetPart, workbook: str) -> bool:
    """Whether some entry holds this sheet's content, whatever conventions it was typed
    with (the reader starts reading the sheets without one before it knows them)."""
    for conventions in _READINGS:
        slot, key = cache_ids(package, part, workbook, conventions)
        if (cache_dir / f"{slot}-{key}.json").is_file():
            return True
    return False


def fingerprint(key: str, formats: tuple[str, ...]) -> str:
    """A parsed sheet's identity (``SheetData.fingerprint``): its cache key and the cell
    formats it was typed with (a later style appended to the workbook changes neither)."""
    return hashlib.sha256(json.dumps([key, list(formats)]).encode()).hexdigest()


def load(
    cache_dir: Path, slot: str, key: str, formats: tuple[str, ...]
) -> tuple[SheetData, list[Finding]] | None:
    """The entry for this key, if the workbook's cell styles still begin with the ones it
    was parsed with (``formats``: ``Package.cell_formats``); else None."""
    meta_path = cache_dir / f"{slot}-{key}.json"
    frame_path = cache_dir / f"{slot}-{key}.parquet"
    if not meta_path.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["format"] != CACHE_FORMAT or meta["key"] != key:
            raise ValueError("cache entry for other content")
        parsed_with = tuple(meta["cell_formats"])
        if formats[: len(parsed_with)] != parsed_with:
            return None  # a style the sheet may use changed: parse again (the entry is replaced)
        repeated = list(meta["repeated"])
        table = pq.read_table(frame_path, read_dictionary=repeated)
        dtypes: dict[str, str] = meta["dtypes"]
        mixed: dict[str, list[Any]] = meta["mixed"]
        if table.column_names != [c for c in dtypes if c not in mixed]:
            raise ValueError("cache entry columns differ")
        columns = {}
        nan_columns = set(meta["nan_columns"])
        for name, kind in dtypes.items():
            if name in mixed:
                values = np.empty(len(mixed[name]), dtype=object)
                values[:] = mixed[name]
            elif name in repeated:
                values = _from_dictionary(table.column(name))
            else:
                values = table.column(name).to_numpy(zero_copy_only=False)
            if name in nan_columns:  # Parquet keeps one null; restore NaN where it was NaN
                values = values.copy()
                values[pd.isna(values)] = np.nan
            columns[name] = pd.Series(values, dtype=kind)
        frame = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
        findings = [Finding(**item) for item in meta["findings"]]
        sheet = meta["sheet"]
        data = SheetData(
            sheet["name"],
            frame,
            workbook=sheet["workbook"],
            sheet_name=sheet["sheet_name"],
            letters=dict(sheet["letters"]),
            header_row=int(sheet["header_row"]),
            errors=dict(sheet.get("errors", {})),
            fingerprint=fingerprint(key, parsed_with),
        )
        return data, findings
    except Exception:  # any damage to an entry (truncated, edited, foreign): rebuild it
        for stale in (meta_path, frame_path):
            with contextlib.suppress(OSError):
                stale.unlink()
        return None


def _from_dictionary(column: Any) -> np.ndarray:
    """A dictionary-read text column as objects: each distinct text made once and taken by
    index (4 to 10 times faster than one Python string per row for ids and decisions)."""
    import pyarrow as pa

    combined = column.unify_dictionaries().combine_chunks() if column.num_chunks else column
    if isinstance(combined, pa.ChunkedArray):  # no chunks: an empty column
        return np.empty(0, dtype=object)
    words = np.asarray(combined.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    index = combined.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    out = np.full(len(index), None, dtype=object)
    present = index >= 0
    out[present] = words[index[present]]
    return out


def store(
    cache_dir: Path,
    slot: str,
    key: str,
    data: SheetData,
    findings: list[Finding],
    formats: tuple[str, ...],
) -> None:
    """Write the entry atomically (temp file + rename); a failure only means no cache."""
    meta_path = cache_dir / f"{slot}-{key}.json"
    frame_path = cache_dir / f"{slot}-{key}.parquet"
    temps = [frame_path.with_suffix(".parquet.tmp"), meta_path.with_suffix(".json.tmp")]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        cache_dir.mkdir(parents=True, exist_ok=True)
        mixed = _mixed_columns(data.frame)  # Settings' value: numbers and text
        if mixed is None:
            return  # a column of values neither Parquet nor JSON keeps exactly
        table = pa.Table.from_pandas(data.frame.drop(columns=list(mixed)), preserve_index=False)
        nan_columns: list[str] = []
        repeated: list[str] = []  # text columns of few values (ids, decisions): see load
        kinds = data.frame.drop(columns=list(mixed)).dtypes
        for column, kind in zip(table.schema, kinds, strict=True):
            if kind != np.dtype(object):
                continue
            if not (pa.types.is_string(column.type) or pa.types.is_null(column.type)):
                return  # only text survives the round trip exactly
            series = data.frame[column.name]
            missing = set(map(type, series[series.isna()]))
            if missing == {float}:
                nan_columns.append(column.name)  # e.g. a column the sheet lacks
            elif len(missing) > 1:
                return  # None and NaN mixed: not worth an exact encoding
            few = len(series) >= 1000 and series.nunique() * 4 <= len(series)
            if few and pa.types.is_string(column.type):
                repeated.append(column.name)
        meta = {
            "format": CACHE_FORMAT,
            "key": key,
            "dtypes": {str(c): str(t) for c, t in data.frame.dtypes.items()},
            "nan_columns": nan_columns,
            "mixed": mixed,
            "repeated": repeated,
            "cell_formats": list(formats),
            "sheet": {
                "name": data.name,
                "workbook": data.workbook,
                "sheet_name": data.sheet_name,
                "letters": data.letters,
                "header_row": data.header_row,
                "errors": data.errors,
            },
            "findings": [_finding_json(f) for f in findings],
        }
        text = json.dumps(meta, ensure_ascii=False)
        pq.write_table(table, temps[0])
        os.replace(temps[0], frame_path)
        temps[1].write_text(text, encoding="utf-8")
        os.replace(temps[1], meta_path)  # the JSON is written last: it commits the entry
        for stale in cache_dir.glob(f"{slot}-*"):
            if not stale.name.startswith(f"{slot}-{key}."):
                stale.unlink()
    except Exception:  # unwritable folder, a value Parquet cannot hold, …: just don't cache
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()


MIXED_MAX_ROWS = 10_000  # a longer column of numbers and text is not worth JSON
_JSON_SAFE = (str, int, float, bool, type(None))


def _mixed_columns(frame: pd.DataFrame) -> dict[str, list[Any]] | None:
    """Object columns holding more than text (Settings' value: 0.95 and "de-DE") as JSON
    lists, which keep each value's type; None if a column holds values JSON cannot."""
    out: dict[str, list[Any]] = {}
    for name in frame.columns:
        series = frame[name]
        if series.dtype != np.dtype(object):
            continue
        if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            continue  # text (with blanks): Parquet, as before (infer_dtype is one C pass)
        types = set(map(type, series))
        if len(series) > MIXED_MAX_ROWS or not types <= set(_JSON_SAFE):
            return None
        out[str(name)] = series.tolist()
    return out


def _finding_json(finding: Finding) -> dict[str, object]:
    value = finding.value
    if value is not None and not isinstance(value, (str, int, float, bool)):
        value = str(value)
    return {
        "code": finding.code,
        "sheet": finding.sheet,
        "cell": finding.cell,
        "message": finding.message,
        "column": finding.column,
        "value": value,
        "workbook": finding.workbook,
    }
