"""The parts of a workbook package labelxl needs: sheets, tables, date system."""

from __future__ import annotations

import posixpath
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree as SafeET

from labelxl.errors import WorkbookError
from labelxl.model.schema import OUTPUT_PREFIX, SHEETS, normalise_header

if TYPE_CHECKING:
    from labelxl.io.guard import Verifier

KNOWN = {normalise_header(name): name for name in SHEETS}


@dataclass(frozen=True)
class TableRange:
    """An Excel table (ListObject) on a sheet, 0-based and inclusive, as its part declares it."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    header_rows: int = 1
    totals_rows: int = 0


@dataclass(frozen=True)
class SheetPart:
    """One sheet of a package: its name, its zip part, and the labelxl sheet it holds (if any)."""

    name: str
    part: str
    known: str | None = None  # the labelxl sheet name it matches, e.g. "Audits"
    digest: str = ""  # sha256 of the part's stored (compressed) bytes
    tables: tuple[TableRange, ...] = ()


@dataclass
class Package:
    """A workbook that passed ``check_package``: its bytes, sheets and the digests for the cache."""

    path: Path
    data: bytes = field(repr=False)
    sheets: list[SheetPart]
    digests: dict[str, str]  # part name → sha256 of its stored bytes (verified parts only)
    date1904: bool = False
    shared_strings_part: str = "xl/sharedStrings.xml"
    styles_part: str = "xl/styles.xml"
    # Checks left for the moment a part is parsed (check_package(defer_sheets=True)).
    _pending: dict[str, str | None] = field(default_factory=dict, repr=False)
    _verifier: Any = field(default=None, repr=False)
    _formats: tuple[str, ...] | None = field(default=None, repr=False)
    # The reader checks the next sheet in a thread while this one is typed (io.reader).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def verify_for_parsing(self, part: str) -> None:
        """Run the full checks a deferred sheet (and the parts it needs) still owes."""
        with self._lock:
            for name in (self.shared_strings_part, self.styles_part, part):
                if name in self._pending:
                    self._verifier.full(name, rows=self._pending.pop(name))

    @property
    def shared_digest(self) -> str:
        return self.digests.get(self.shared_strings_part, "")

    def cell_formats(self) -> tuple[str, ...]:
        """The number format of each cell style (``cellXfs``), in order: all a sheet's values
        depend on in styles.xml (dates and durations). Styles are only ever appended to (by
        Excel and by labelxl's writer), so a cached sheet stays valid while its styles are a
        prefix of these."""
        with self._lock:
            if self._formats is None:
                name, content = self.styles_part, b""
                if self._verifier is not None and name in self._verifier.entries:
                    content = self._verifier.full(name, keep=True)  # pays a deferred check
                    self._pending.pop(name, None)
                self._formats = style_formats(content)
            return self._formats


def style_formats(content: bytes) -> tuple[str, ...]:
    """``cellXfs`` as number-format codes (built-in formats as ``#id``); () if unreadable."""
    if not content:
        return ()
    try:
        root = SafeET.fromstring(content)
    except Exception:  # defusedxml raises its own classes besides ParseError
        return ()
    custom: dict[str, str] = {}
    formats: list[str] = []
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "numFmt":
            custom[element.get("numFmtId", "")] = element.get("formatCode", "")
    for container in root:
        if _local(container.tag) != "cellXfs":
            continue
        for xf in container:
            number = xf.get("numFmtId", "0")
            formats.append(custom.get(number, f"#{number}"))
    return tuple(formats)


def known_name(sheet_name: str) -> str | None:
    if sheet_name.upper().startswith(OUTPUT_PREFIX.upper()):
        return None  # labelxl's own output sheets
    return KNOWN.get(normalise_header(sheet_name))


@dataclass(frozen=True)
class BookLayout:
    sheets: list[tuple[str, str, bool]]  # (sheet name, part, is a worksheet) in workbook order
    date1904: bool
    shared_strings: str  # the parts calamine parses besides the sheets
    styles: str


def workbook_layout(path: Path, content: bytes, rels: bytes) -> BookLayout:
    """Sheets, shared-strings and styles parts, and the date system, from the workbook part."""
    try:
        book = SafeET.fromstring(content)
        links = SafeET.fromstring(rels) if rels else None
    except Exception:  # defusedxml raises its own classes besides ParseError
        raise WorkbookError(
            path,
            "is damaged: its workbook part is not valid XML. Restore the "
            "file from a backup or re-save it from Excel.",
        ) from None
    targets: dict[str, tuple[str, bool]] = {}
    roles = {"sharedStrings": "xl/sharedStrings.xml", "styles": "xl/styles.xml"}
    if links is not None:
        for rel in links:
            if _local(rel.tag) == "Relationship" and rel.get("TargetMode") != "External":
                kind = rel.get("Type", "").rsplit("/", 1)[-1]
                target = _part_path("xl", rel.get("Target", ""))
                targets[rel.get("Id", "")] = (target, kind == "worksheet")
                if kind in roles:
                    roles[kind] = target
    sheets: list[tuple[str, str, bool]] = []
    date1904 = False
    for element in book.iter():
        tag = _local(element.tag)
        if tag == "workbookPr":
            date1904 = element.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet":
            # r:id in transitional files; strict Open XML uses another namespace for it.
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            part, is_worksheet = targets.get(rid, ("", False))
            sheets.append((element.get("name", ""), part, is_worksheet))
    return BookLayout(sheets, date1904, roles["sharedStrings"], roles["styles"])


def sheet_tables(verifier: Verifier, part: str) -> tuple[TableRange, ...]:
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in verifier.entries:
        return ()
    rels = _safe_xml(verifier, rels_name)
    tables: list[TableRange] = []
    for rel in rels if rels is not None else []:
        if not rel.get("Type", "").endswith("/table") or rel.get("TargetMode") == "External":
            continue
        target = _part_path(folder, rel.get("Target", ""))
        if target not in verifier.entries:
            continue
        table = _safe_xml(verifier, target)
        if table is None:
            continue
        bounds = [cell_index(p) for p in table.get("ref", "").split(":")]
        if len(bounds) != 2 or None in bounds:
            continue
        (r0, c0), (r1, c1) = bounds  # type: ignore[misc]
        tables.append(
            TableRange(
                r0,
                c0,
                r1,
                c1,
                _int(table.get("headerRowCount"), 1),
                _int(table.get("totalsRowCount"), 0),
            )
        )
    return tuple(tables)


def _safe_xml(verifier: Verifier, name: str) -> Any:
    content = verifier.full(name, keep=True)
    try:
        return SafeET.fromstring(content)
    except Exception:  # a broken table definition only loses the table bounds
        return None


def cell_index(ref: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref.strip())
    if not match:
        return None
    col = 0
    for char in match.group(1).upper():
        col = col * 26 + ord(char) - 64
    return int(match.group(2)) - 1, col - 1


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _part_path(base: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base, target))
