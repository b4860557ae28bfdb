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
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from labelxl.errors import WorkbookError
from labelxl.io import cache
from labelxl.io.discover import WORKBOOK_SUFFIXES, no_known_sheet_reason, workbook_files
from labelxl.io.guard import MAX_ROWS, check_package
from labelxl.io.package import Package, SheetPart
from labelxl.io.parse import open_book, parse_sheet, raw_rows, typed_sheet
from labelxl.model.conventions import Conventions
from labelxl.model.findings import DUPLICATE_SHEET, Finding
from labelxl.model.workspace import SheetData, Workspace, assemble, union

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

    A sheet kind found in several workbooks (one timesheet per vendor, imported rows in
    ``imports/``) is read as one table whose rows keep their own workbook, sheet and row;
    only Settings must be one sheet (``duplicate-sheet``). Raises ``WorkbookError`` (one
    line, naming the file) for input that cannot be read at all; problems inside readable
    sheets become findings on ``ws.findings``.
    """
    say = progress or (lambda _message: None)
    root, files, single = workbook_files(Path(path))
    parts: dict[str, list[tuple[Package, SheetPart, str]]] = {}
    findings: list[Finding] = []
    for file in files:
        say(f"Checking {file.name}")
        package = check_package(file, defer_sheets=cache_dir is not None)
        known = [part for part in package.sheets if part.known]
        if single and not known:
            raise WorkbookError(file, no_known_sheet_reason(package.sheets))
        workbook = file.name if single else file.resolve().relative_to(root).as_posix()
        for part in known:
            assert part.known is not None
            parts.setdefault(part.known, []).append((package, part, workbook))
    if not parts:
        raise WorkbookError(root, no_known_sheet_reason([]))
    if len(parts.get("Settings", ())) > 1:
        first, *others = parts["Settings"]
        findings.extend(_duplicate("Settings", _where(first), _where(o), o[2]) for o in others)
        parts["Settings"] = [first]
    reading = _Reading(Path(cache_dir) if cache_dir is not None else None, say, parts)
    ws = Workspace(
        sheets={},
        findings=findings,
        root=str(root),
        workbooks=[str(f.resolve()) for f in files],
        today=today or dt.date.today(),
    )
    try:
        assemble(ws, list(parts), lambda kind, conv: reading.kind(parts[kind], conv))
    finally:
        reading.close()
    return ws


Parts = dict[str, list[tuple[Package, SheetPart, str]]]


class _Reading:
    """Parses sheets (or takes them from the cache), opening each workbook once."""

    def __init__(self, cache_dir: Path | None, say: Callable[[str], None], parts: Parts) -> None:
        self.cache_dir = cache_dir
        self.say = say
        self.books: dict[int, Any] = {}
        first = [k for k in ("Settings", "Roster") if k in parts]
        order = [
            entry for k in [*first, *(k for k in parts if k not in first)] for entry in parts[k]
        ]
        self.ahead = _ReadAhead(
            [
                (package, part)
                for package, part, workbook in order
                if cache_dir is None or not cache.has_entry(cache_dir, package, part, workbook)
            ]
        )

    def kind(
        self, parts: list[tuple[Package, SheetPart, str]], conventions: Conventions
    ) -> tuple[SheetData, list[Finding]]:
        pieces: list[SheetData] = []
        findings: list[Finding] = []
        for package, part, workbook in parts:
            data, found = self.part(package, part, workbook, conventions)
            pieces.append(data)
            findings.extend(found)
        return union(pieces), findings

    def part(
        self, package: Package, part: SheetPart, workbook: str, conventions: Conventions
    ) -> tuple[SheetData, list[Finding]]:
        name = part.known
        if self.cache_dir is not None:
            slot, key = cache.cache_ids(package, part, workbook, conventions)
            cached = cache.load(self.cache_dir, slot, key, package.cell_formats())
            if cached is not None:
                self.say(f"{name}: {workbook} unchanged, read from cache")
                self.ahead.skip(package, part)
                return cached
        self.say(f"Reading {name} from {workbook}")
        rows = self.ahead.take(package, part)
        book = None
        if rows is None:  # not read ahead (Roster read again with the markets' conventions)
            package.verify_for_parsing(part.part)
            book = self.books.get(id(package))
            if book is None:
                book = self.books[id(package)] = open_book(package)
        data, found = parse_sheet(book, package, part, workbook, conventions, rows)
        if self.cache_dir is not None:
            formats = package.cell_formats()
            data.fingerprint = cache.fingerprint(key, formats)
            cache.store(self.cache_dir, slot, key, data, found, formats)
        return data, found

    def close(self) -> None:
        self.ahead.close()
        for book in self.books.values():
            with contextlib.suppress(Exception):
                book.close()


class _ReadAhead:
    """Reads the cells of the sheets to parse ahead of their typing, in a thread.

    calamine releases the GIL while it inflates and parses a sheet's XML, so the next
    sheets are read while this one is typed, and on a warm run the edited sheet is read
    while the others come from the cache. The reads ahead stop at AHEAD_BYTES of sheet XML
    (the raw cells of every sheet are never all in memory at once). The guard's full check
    of a part runs first, in the thread.
    """

    def __init__(self, order: list[tuple[Package, SheetPart]]) -> None:
        self.order = order
        self.next = 0
        self.futures: dict[tuple[int, str], tuple[Future[list[list[Any]]], int]] = {}
        self.books: dict[int, Any] = {}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="labelxl-read") if order else None
        self._submit_more()

    def _submit_more(self) -> None:
        while self.pool is not None and self.next < len(self.order):
            package, part = self.order[self.next]
            size = _xml_size(package, part)
            ahead = sum(size for _, size in self.futures.values())
            if self.futures and ahead + size > AHEAD_BYTES:
                return
            self.next += 1
            future = self.pool.submit(self._read, package, part)
            self.futures[(id(package), part.part)] = (future, size)

    def _read(self, package: Package, part: SheetPart) -> list[list[Any]]:
        package.verify_for_parsing(part.part)
        book = self.books.get(id(package))
        if book is None:
            book = self.books[id(package)] = open_book(package)
        return raw_rows(book, package, part)

    def take(self, package: Package, part: SheetPart) -> list[list[Any]] | None:
        """The sheet's cells (read ahead, or read now); None if it was never to be read."""
        entry = self.futures.pop((id(package), part.part), None)
        if entry is None:
            return None
        self._submit_more()  # the next sheets are read while this one is typed
        return entry[0].result()

    def skip(self, package: Package, part: SheetPart) -> None:
        """The sheet came from the cache after all: drop its read, start the next."""
        entry = self.futures.pop((id(package), part.part), None)
        if entry is not None:
            entry[0].cancel()
            self._submit_more()

    def close(self) -> None:
        if self.pool is not None:
            for future, _ in self.futures.values():
                future.cancel()
            self.pool.shutdown(wait=True)
        for book in self.books.values():
            with contextlib.suppress(Exception):
                book.close()


AHEAD_BYTES = 128 * 2**20  # sheet XML read ahead of the sheet being typed


def _xml_size(package: Package, part: SheetPart) -> int:
    """A sheet's XML size (what its raw cells take grows with it); 0 if unknown."""
    entries = getattr(package._verifier, "entries", None) or {}
    info = entries.get(part.part)
    return int(info.file_size) if info is not None else 0


def _where(entry: tuple[Package, SheetPart, str]) -> str:
    _, part, workbook = entry
    return f"{workbook} ({part.name})" if part.name != part.known else workbook


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
