"""Find the workbooks of a workspace: a folder (and its imports/ folder) or one file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from labelxl.errors import WorkbookError
from labelxl.io.package import SheetPart
from labelxl.model.schema import SHEETS

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

IMPORTS_FOLDER = "imports"  # <workspace>/imports/*.xlsx: workbooks written by labelxl import
ODS_REASON = (
    "is an OpenDocument spreadsheet (.ods), which labelxl cannot read. Open it in "
    "LibreOffice and Save As .xlsx (File > Save As, type Excel 2007-365), or run "
    "'soffice --headless --convert-to xlsx FILE'; then move the .ods out of the folder."
)
XLS_REASON = (
    "is an Excel 97-2003 workbook (.xls), which labelxl cannot read. Open it in Excel and "
    "Save As .xlsx (Excel Workbook), then run labelxl again."
)
# Spreadsheets a workspace may hold that labelxl cannot read: refused with how to convert,
# never skipped (their rows would be missing from every number without a word).
REFUSED = {".xls": XLS_REASON, ".ods": ODS_REASON, ".fods": ODS_REASON}


def workbook_files(path: Path) -> tuple[Path, list[Path], bool]:
    """The workspace folder, its workbook files in order, and whether one file was given.

    The folder's own workbooks come first (sorted by name), then those of its
    ``imports/`` folder, where ``labelxl import`` puts platform exports. Other sub-folders
    (other workspaces, labelxl's own .labelxl backups and cache) are not read.
    """
    if not path.exists():
        raise WorkbookError(path, "does not exist. Check the path and try again.")
    if path.is_file():
        return path.resolve().parent, [path], True
    if not path.is_dir():
        raise WorkbookError(path, "is neither a file nor a folder.")
    files = _workbooks_in(path)
    imports = path / IMPORTS_FOLDER
    if imports.is_dir() and not _ignored(imports):
        files.extend(_workbooks_in(imports))
    if not files:
        raise WorkbookError(
            path,
            "contains no Excel workbooks (.xlsx or .xlsm). Put the tracker, timesheet "
            "and audit workbooks in this folder, or run 'labelxl init' to create them.",
        )
    return path.resolve(), files, False


def _workbooks_in(folder: Path) -> list[Path]:
    files: list[Path] = []
    try:
        entries = sorted(folder.iterdir(), key=lambda p: (p.name.casefold(), p.name))
    except OSError as exc:
        raise WorkbookError(folder, f"cannot be listed ({exc.strerror or exc}).") from None
    for entry in entries:
        if _ignored(entry) or not entry.is_file():
            continue
        suffix = entry.suffix.lower()
        if suffix in REFUSED:
            raise WorkbookError(entry, REFUSED[suffix])
        if suffix in WORKBOOK_SUFFIXES:
            files.append(entry)
    return files


def _ignored(entry: Path) -> bool:
    name = entry.name
    # "~$x.xlsx" is Excel's owner file and ".~lock.x.xlsx#" LibreOffice's lock file.
    if name.startswith(("~$", ".")):
        return True
    attributes = getattr(_stat(entry), "st_file_attributes", 0)
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _stat(entry: Path) -> os.stat_result | None:
    try:
        return entry.stat()
    except OSError:
        return None


def no_known_sheet_reason(parts: list[SheetPart]) -> str:
    expected = ", ".join(SHEETS)
    if not parts:
        return f"has no labelxl sheet. Expected sheets named: {expected}."
    found = ", ".join(repr(p.name) for p in parts[:5]) + (" …" if len(parts) > 5 else "")
    return f"has no labelxl sheet (found {found}). Expected sheets named: {expected}."
