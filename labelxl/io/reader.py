"""Read a workspace (a folder of workbooks, or one) into typed sheets; refuse bad input.

The jobs live in their own modules: ``discover`` finds the workbooks, ``guard`` refuses
hostile or damaged files before calamine sees them, ``parse`` turns a sheet into a typed
frame and ``cache`` keeps parsed sheets between runs. This module runs them in order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labelxl.errors import WorkbookError
from labelxl.io import cache
from labelxl.io.discover import WORKBOOK_SUFFIXES, no_known_sheet_reason, workbook_files
from labelxl.io.guard import MAX_ROWS, check_package
from labelxl.io.parse import open_book, parse_sheet, typed_sheet
from labelxl.model.findings import DUPLICATE_SHEET, Finding
from labelxl.model.workspace import (
    SheetData,
    Workspace,
    read_settings,
)

__all__ = [
    "MAX_ROWS",
    "WORKBOOK_SUFFIXES",
    "check_package",
    "read_workspace",
    "typed_sheet",
]


def read_workspace(
    path: str | os.PathLike[str],
    *,
    today: dt.date | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Workspace:
    """Read every known sheet of a folder of workbooks (or of one workbook) into a Workspace.

    Raises ``WorkbookError`` (one line, naming the file) for input that cannot be read at
    all; problems inside readable sheets become findings on ``ws.findings``.
    """
    say = progress or (lambda _message: None)
    root, files, single = workbook_files(Path(path))
    sheets: dict[str, SheetData] = {}
    origin: dict[str, str] = {}
    findings: list[Finding] = []
    for file in files:
        say(f"Checking {file.name}")
        package = check_package(file, defer_sheets=cache_dir is not None)
        known = [part for part in package.sheets if part.known]
        if single and not known:
            raise WorkbookError(file, no_known_sheet_reason(package.sheets))
        book: Any = None
        for part in known:
            name = part.known
            assert name is not None
            where = f"{file.name} ({part.name})" if part.name != name else file.name
            if name in sheets:
                findings.append(_duplicate(name, origin[name], where, file.name))
                continue
            origin[name] = where
            cached = None
            if cache_dir is not None:
                slot, key = cache.cache_ids(package, part, file.name)
                cached = cache.load(Path(cache_dir), slot, key)
            if cached is not None:
                say(f"{name}: {file.name} unchanged, read from cache")
                data, found = cached
            else:
                say(f"Reading {name} from {file.name}")
                package.verify_for_parsing(part.part)
                if book is None:
                    book = open_book(package)
                data, found = parse_sheet(book, package, part, file.name)
                if cache_dir is not None:
                    cache.store(Path(cache_dir), slot, key, data, found)
            sheets[name] = data
            findings.extend(found)
        if book is not None:
            with contextlib.suppress(Exception):
                book.close()
    if not sheets:
        raise WorkbookError(root, no_known_sheet_reason([]))
    ws = Workspace(
        sheets=sheets,
        findings=findings,
        root=str(root),
        workbooks=[str(f.resolve()) for f in files],
        today=today or dt.date.today(),
    )
    if "Settings" in sheets:
        ws.settings, found = read_settings(sheets["Settings"])
        ws.findings.extend(found)
    return ws


def _duplicate(name: str, first: str, second: str, workbook: str) -> Finding:
    return Finding(
        DUPLICATE_SHEET,
        name,
        "",
        f"{name} is in both {first} and {second}. labelxl reads {first} (first in file-name "
        f"order) and ignores {second}. Delete or rename one of them.",
        value=second,
        workbook=workbook,
    )
