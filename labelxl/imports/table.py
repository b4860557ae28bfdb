"""Import any table (CSV, Parquet, xlsx) into one sheet contract, with an optional column map.

The map is a small TOML file::

    [columns]                 # contract column = column of the file
    date = "Work Date"
    person_id = "Agent email"
    handle_minutes = { column = "Handle sec", scale = 0.016666666666666666 }

    [constants]               # contract columns the file does not have
    project_id = "P-EN-HATE"

Without a map (or for columns it does not name) a file column is taken when its header
matches the contract's column name (case, spaces and ``_`` ignored). Values are copied as
found; the workspace reader types them with the workspace's locale settings, and validation
reports bad cells at their address in the written workbook.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from labelxl.imports.common import ExportError
from labelxl.model.schema import SHEETS, normalise_header

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

READERS = {".csv": "CSV", ".tsv": "CSV", ".txt": "CSV", ".parquet": "Parquet", ".xlsx": "xlsx"}
READERS[".xlsm"] = "xlsx"
READERS[".pq"] = "Parquet"
OUTPUT_SHEETS = tuple(name for name in SHEETS if name != "Settings")


def read_map(path: str | Path) -> dict[str, Any]:
    """Parse a column-map TOML file; ``ExportError`` (one line) when it is not one."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ExportError(p, f"is not valid TOML: {exc}") from None
    unknown = set(data) - {"columns", "constants"}
    if unknown:
        raise ExportError(
            p, f"has unknown section(s) {', '.join(sorted(unknown))}; use [columns] and [constants]"
        )
    return data


def read_table(
    path: str | Path,
    sheet: str,
    mapping: str | Path | Mapping[str, Any] | None = None,
    *,
    excel_sheet: str | None = None,
) -> pd.DataFrame:
    """Rows of ``path`` in the columns of the ``sheet`` contract (e.g. Production, Audits)."""
    src = Path(path)
    schema = _schema(sheet)
    spec = read_map(mapping) if isinstance(mapping, (str, Path)) else dict(mapping or {})
    columns = dict(spec.get("columns") or {})
    constants = dict(spec.get("constants") or {})
    known = set(schema.column_names)
    bad = sorted((set(columns) | set(constants)) - known)
    if bad:
        raise ExportError(
            mapping if isinstance(mapping, (str, Path)) else src,
            f"maps unknown {schema.name} column(s) {', '.join(bad)}; "
            f"columns are {', '.join(schema.column_names)}",
        )
    raw = _read(src, excel_sheet)
    by_header = {normalise_header(c): c for c in raw.columns}
    out = pd.DataFrame(index=raw.index)
    for col in schema.columns:
        rule = columns.get(col.name)
        if rule is not None:
            source, scale = _rule(rule, col.name, src)
            if source not in raw.columns:
                found = by_header.get(normalise_header(source))
                if found is None:
                    raise ExportError(
                        src,
                        f"has no column {source!r} (mapped to {col.name}); columns are "
                        f"{_cap(list(map(str, raw.columns)))}",
                    )
                source = found
            values = raw[source]
            if scale is not None:
                numbers = pd.to_numeric(values, errors="coerce")
                values = (numbers * scale).where(numbers.notna(), values)
            out[col.name] = values
        elif col.name in constants:
            out[col.name] = constants[col.name]
        elif normalise_header(col.name) in by_header:
            out[col.name] = raw[by_header[normalise_header(col.name)]]
    missing = [c for c in schema.required_columns if c not in out.columns]
    if missing:
        raise ExportError(
            src,
            f"lacks required {schema.name} column(s) {', '.join(missing)}; map them in "
            f"[columns] of --map (file columns: {_cap(list(map(str, raw.columns)))})",
        )
    return out.reset_index(drop=True)


def _schema(sheet: str) -> Any:
    for name in OUTPUT_SHEETS:
        if name.casefold() == sheet.strip().casefold():
            return SHEETS[name]
    raise ExportError(
        sheet, f"is not a sheet labelxl reads; choose one of {', '.join(OUTPUT_SHEETS)}"
    )


def _rule(rule: object, target: str, src: Path) -> tuple[str, float | None]:
    if isinstance(rule, str):
        return rule, None
    if isinstance(rule, dict) and isinstance(rule.get("column"), str):
        scale = rule.get("scale")
        if scale is not None and not isinstance(scale, (int, float)):
            raise ExportError(src, f"the map's scale for {target} must be a number")
        return rule["column"], None if scale is None else float(scale)
    raise ExportError(
        src, f"the map for {target} must be a column name or {{ column = ..., scale = ... }}"
    )


def _read(src: Path, excel_sheet: str | None) -> pd.DataFrame:
    kind = READERS.get(src.suffix.lower())
    if kind is None:
        raise ExportError(
            src, f"has an unknown file type; expected {', '.join(sorted(set(READERS)))}"
        )
    try:
        if kind == "CSV":
            sep = "\t" if src.suffix.lower() == ".tsv" else None
            return pd.read_csv(
                src,
                dtype=str,
                keep_default_na=False,
                sep=sep,
                engine="python",
                encoding="utf-8-sig",
            )
        if kind == "Parquet":
            return pd.read_parquet(src)
        return pd.read_excel(src, sheet_name=excel_sheet or 0, engine="calamine")
    except (FileNotFoundError, IsADirectoryError):
        raise
    except Exception as exc:  # each reader raises its own kinds; the user needs one line
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExportError(src, f"cannot be read as {kind}: {reason}") from None


def _cap(names: list[str], cap: int = 12) -> str:
    more = f" and {len(names) - cap} more" if len(names) > cap else ""
    return ", ".join(names[:cap]) + more
