"""Where a report's data live: a folder of workbooks, a folder of tables, or a Spark catalog.

A folder of tables holds one table per sheet, named after the sheet in any case:
``audits.parquet``, ``Audits.csv``, or an ``audits/`` directory of part files (Parquet or
CSV, Hive-style ``key=value/`` partition folders allowed). Column contracts are the sheet
contracts of ``labelxl.model.schema``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from labelxl.errors import LabelxlError
from labelxl.io.reader import WORKBOOK_SUFFIXES
from labelxl.model.schema import SHEETS

Format = Literal["parquet", "csv", "catalog"]
TABLE_SUFFIXES: dict[str, Format] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class TableRef:
    """One sheet's table: its files (or catalog table), format and the name findings show."""

    sheet: str
    format: Format
    paths: tuple[Path, ...] = ()
    table: str = ""  # catalog table name (``db.audits``)
    hive: bool = False  # part files under key=value/ folders
    label: str = ""  # what findings name: audits.parquet, audits/, db.audits

    @property
    def root(self) -> Path | None:
        return self.paths[0].parent if self.paths else None


@dataclass(frozen=True)
class Source:
    """What ``labelxl report SOURCE`` reads."""

    kind: Literal["workbooks", "tables", "catalog"]
    location: str
    tables: dict[str, TableRef] = field(default_factory=dict)

    @property
    def root(self) -> Path | None:
        return Path(self.location) if self.kind != "catalog" else None


def _sheet_of(stem: str) -> str | None:
    key = stem.strip().lower().replace(" ", "_")
    for name in SHEETS:
        if name.lower() == key:
            return name
    return None


def _parts(folder: Path) -> tuple[list[Path], Format | None, bool]:
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in TABLE_SUFFIXES
        and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )
    formats = {TABLE_SUFFIXES[p.suffix.lower()] for p in files}
    if len(formats) > 1:
        raise LabelxlError(
            f"{folder}: part files must all be Parquet or all CSV (got {sorted(formats)}). "
            "Keep one format per table folder."
        )
    hive = any("=" in part for p in files for part in p.relative_to(folder).parts[:-1])
    return files, (formats.pop() if formats else None), hive


def find_tables(folder: Path) -> dict[str, TableRef]:
    """The sheet tables in ``folder`` (files or part directories named after the sheets)."""
    found: dict[str, TableRef] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "~$")):
            continue
        if entry.is_dir():
            sheet = _sheet_of(entry.name)
            if sheet is None:
                continue
            files, fmt, hive = _parts(entry)
            if not files or fmt is None:
                continue
            ref = TableRef(sheet, fmt, tuple(files), hive=hive, label=f"{entry.name}/")
        elif entry.suffix.lower() in TABLE_SUFFIXES:
            sheet = _sheet_of(entry.stem)
            if sheet is None:
                continue
            fmt = TABLE_SUFFIXES[entry.suffix.lower()]
            ref = TableRef(sheet, fmt, (entry,), label=entry.name)
        else:
            continue
        if sheet in found:
            raise LabelxlError(
                f"{folder}: two tables for {sheet} ({found[sheet].label} and {ref.label}). "
                "Keep one of them."
            )
        found[sheet] = ref
    return found


def open_source(location: str | Path, *, catalog: str | None = None) -> Source:
    """Decide what ``location`` is: a catalog database, a folder of tables or of workbooks."""
    if catalog:
        tables = {
            name: TableRef(name, "catalog", table=f"{catalog}.{name.lower()}", label=name.lower())
            for name in SHEETS
        }
        return Source("catalog", catalog, tables)
    path = Path(location)
    if not path.exists():
        raise LabelxlError(f"{path}: no such folder. Give a folder of workbooks or of tables.")
    if path.is_file():
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            return Source("workbooks", str(path))
        raise LabelxlError(
            f"{path}: expected a folder of tables (audits.parquet, …) or of workbooks, or "
            "one workbook."
        )
    tables = find_tables(path)
    if tables:
        return Source("tables", str(path), tables)
    if any(p.suffix.lower() in WORKBOOK_SUFFIXES for p in path.iterdir()):
        return Source("workbooks", str(path))
    raise LabelxlError(
        f"{path}: found neither tables named after the sheets (e.g. audits.parquet, "
        f"Production.csv, timesheet/) nor workbooks. Sheets: {', '.join(list(SHEETS)[:6])} …"
    )
