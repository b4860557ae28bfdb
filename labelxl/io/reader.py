"""Read a workspace (a folder of workbooks, or one) into typed sheets; refuse bad input."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import ElementTree as SafeET

from labelxl.errors import WorkbookError
from labelxl.model.findings import Finding
from labelxl.model.schema import OUTPUT_PREFIX, SHEETS, Column, SheetSchema, normalise_header
from labelxl.model.workspace import (
    SheetData,
    Workspace,
    read_settings,
    sheet_from_raw,
)

# ---------------------------------------------------------------------------------------------
# Limits. One place; docs/reading.md explains each. A real workbook is far inside all of them.
MAX_ROWS = 1_048_576  # Excel's own row limit; more rows means the file was not made by Excel
MAX_FILE_BYTES = 1_500_000_000  # size of one workbook file on disk
MAX_UNPACKED_BYTES = 1_500_000_000  # all parts of one package together, once inflated
MAX_RATIO = 200  # inflated:compressed ratio refused for parts larger than RATIO_FLOOR
RATIO_FLOOR = 10_000_000  # small parts (styles, themes) may legitimately compress very well
MAX_PARTS = 10_000  # entries in one zip package
MAX_PROLOG = 64 * 1024  # bytes allowed before an XML part's root element
HEADER_SCAN_ROWS = 20  # the header row is looked for in this many rows at the top of a sheet
# ---------------------------------------------------------------------------------------------

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CACHE_FORMAT = 1  # bump when the cached layout or the parse changes
_CHUNK = 1 << 20
_DATE1904_SHIFT = 1462  # days between the 1900 and 1904 date systems

XLS_REASON = (
    "is an Excel 97-2003 workbook (.xls), which labelxl cannot read. Open it in Excel and "
    "Save As .xlsx (Excel Workbook), then run labelxl again."
)
ENCRYPTED_REASON = (
    "is encrypted (password-protected), so labelxl cannot read it. Save an unprotected copy: "
    "in Excel, File > Info > Protect Workbook > Encrypt with Password, clear the password, save."
)
HOSTILE_XML_REASON = (
    "contains an XML DOCTYPE/ENTITY declaration in {part}. Excel never writes one and it can "
    "expand entities or read other files, so labelxl refuses the file. Re-save it from Excel."
)

_KNOWN = {normalise_header(name): name for name in SHEETS}
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_ROOT_TAG = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_DECL = (b"<!DOCTYPE", b"<!ENTITY")
_DIMENSION = re.compile(r"<(?:[\w.\-]+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_LAST_ROW = re.compile(r"<(?:[\w.\-]+:)?row\b[^>]*?\sr=\"(\d+)\"")
_ROW_TAGS = (b"<row ", b"<row>")
_CELL_REF = re.compile(r"([A-Z]{1,3})?(\d+)?")


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

    def verify_for_parsing(self, part: str) -> None:
        """Run the full checks a deferred sheet (and the parts it needs) still owes."""
        for name in (self.shared_strings_part, self.styles_part, part):
            if name in self._pending:
                self._verifier.full(name, rows=self._pending.pop(name))

    @property
    def shared_digest(self) -> str:
        return self.digests.get(self.shared_strings_part, "")

    @property
    def styles_digest(self) -> str:
        return self.digests.get(self.styles_part, "")


# ---------------------------------------------------------------------------------------------
# The workspace


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
    root, files, single = _workbook_files(Path(path))
    sheets: dict[str, SheetData] = {}
    origin: dict[str, str] = {}
    findings: list[Finding] = []
    for file in files:
        say(f"Checking {file.name}")
        package = check_package(file, defer_sheets=cache_dir is not None)
        known = [part for part in package.sheets if part.known]
        if single and not known:
            raise WorkbookError(file, _no_known_sheet_reason(package.sheets))
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
                slot, key = _cache_ids(package, part, file.name)
                cached = _cache_load(Path(cache_dir), slot, key)
            if cached is not None:
                say(f"{name}: {file.name} unchanged, read from cache")
                data, found = cached
            else:
                say(f"Reading {name} from {file.name}")
                package.verify_for_parsing(part.part)
                if book is None:
                    book = _open_book(package)
                data, found = _parse_sheet(book, package, part, file.name)
                if cache_dir is not None:
                    _cache_store(Path(cache_dir), slot, key, data, found)
            sheets[name] = data
            findings.extend(found)
        if book is not None:
            with contextlib.suppress(Exception):
                book.close()
    if not sheets:
        raise WorkbookError(root, _no_known_sheet_reason([]))
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


def _workbook_files(path: Path) -> tuple[Path, list[Path], bool]:
    """The workspace folder, its workbook files in sorted order, and whether one file was given."""
    if not path.exists():
        raise WorkbookError(path, "does not exist. Check the path and try again.")
    if path.is_file():
        return path.resolve().parent, [path], True
    if not path.is_dir():
        raise WorkbookError(path, "is neither a file nor a folder.")
    files: list[Path] = []
    try:
        entries = sorted(path.iterdir(), key=lambda p: (p.name.casefold(), p.name))
    except OSError as exc:
        raise WorkbookError(path, f"cannot be listed ({exc.strerror or exc}).") from None
    for entry in entries:
        # Sub-folders (other workspaces, labelxl's own .labelxl backups and cache) are not read.
        if _ignored(entry) or not entry.is_file():
            continue
        suffix = entry.suffix.lower()
        if suffix == ".xls":
            raise WorkbookError(entry, XLS_REASON)
        if suffix in WORKBOOK_SUFFIXES:
            files.append(entry)
    if not files:
        raise WorkbookError(
            path,
            "contains no Excel workbooks (.xlsx or .xlsm). Put the tracker, timesheet "
            "and audit workbooks in this folder, or run 'labelxl init' to create them.",
        )
    return path.resolve(), files, False


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


def _no_known_sheet_reason(parts: list[SheetPart]) -> str:
    expected = ", ".join(SHEETS)
    if not parts:
        return f"has no labelxl sheet. Expected sheets named: {expected}."
    found = ", ".join(repr(p.name) for p in parts[:5]) + (" …" if len(parts) > 5 else "")
    return f"has no labelxl sheet (found {found}). Expected sheets named: {expected}."


def _duplicate(name: str, first: str, second: str, workbook: str) -> Finding:
    return Finding(
        "duplicate-sheet",
        name,
        "",
        f"{name} is in both {first} and {second}. labelxl reads {first} (first in file-name "
        f"order) and ignores {second}. Delete or rename one of them.",
        value=second,
        workbook=workbook,
    )


# ---------------------------------------------------------------------------------------------
# Parsing one sheet


def _open_book(package: Package) -> Any:
    from python_calamine import CalamineWorkbook

    return _calamine(
        package.path, "", lambda: CalamineWorkbook.from_filelike(io.BytesIO(package.data))
    )


def _calamine(path: Path, sheet: str, call: Callable[[], Any]) -> Any:
    """Run a calamine call, turning any failure (even a Rust panic) into one WorkbookError."""
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # pyo3 panics derive from BaseException
        where = f"sheet {sheet!r}" if sheet else "it"
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise WorkbookError(
            path,
            f"is damaged: {where} cannot be read ({detail}). Re-save the workbook from "
            "Excel or restore it from a backup.",
        ) from None


def _parse_sheet(
    book: Any, package: Package, part: SheetPart, workbook: str
) -> tuple[SheetData, list[Finding]]:
    """Find the header row, cut the data block and type it with ``sheet_from_raw``."""
    assert part.known is not None
    schema = SHEETS[part.known]
    rows: list[list[Any]] = _calamine(
        package.path,
        part.name,
        lambda: book.get_sheet_by_name(part.name).to_python(skip_empty_area=False),
    )
    header, first, last, stop = _locate_block(rows, schema, part.tables)
    width = last - first + 1 if rows else 0
    body = rows[header + 1 : stop] if rows else []
    if body and width:  # one 2-D object array; the column slice is a view, not a copy
        block = np.array(body, dtype=object)[:, first : last + 1]
    else:
        block = np.empty((len(body), max(width, 0)), dtype=object)
    del body
    labels = [_label(v) for v in rows[header][first : last + 1]] if rows else []
    del rows
    numbers = np.arange(header + 2, header + 2 + len(block), dtype=np.int64)
    return typed_sheet(
        schema,
        block,
        labels,
        header_row=header + 1,
        first_col=first,
        workbook=workbook,
        sheet_name=part.name,
        rows=numbers,
        date1904=package.date1904,
    )


def typed_sheet(
    schema: SheetSchema,
    raw: pd.DataFrame | np.ndarray,
    labels: list[str | None] | None = None,
    *,
    header_row: int = 1,
    first_col: int = 0,
    workbook: str = "",
    sheet_name: str = "",
    rows: np.ndarray | None = None,
    date1904: bool = False,
) -> tuple[SheetData, list[Finding]]:
    """``sheet_from_raw`` with the reader's safeguards, for any door that has raw cells.

    ``raw`` is a DataFrame whose columns are the header texts, or a 2-D object array with
    the header texts in ``labels``. Before typing: blank rows are dropped (a typed blank row
    would carry column defaults, status Active or disputed no, and look filled); TRUE/FALSE
    in a column that also holds numbers or text become the text "TRUE"/"FALSE" (typing
    each distinct value once would otherwise take TRUE for 1); dates pandas cannot hold
    (9999-12-31) become ``bad-type`` findings instead of an exception; plain serials of a
    1904-system workbook are shifted; clean number and date columns are typed directly.
    """
    if isinstance(raw, pd.DataFrame):
        labels = list(raw.columns)
        block = raw.to_numpy(dtype=object)
    else:
        block = raw
    labels = list(labels or [])
    if rows is None:
        rows = np.arange(header_row + 1, header_row + 1 + len(block), dtype=np.int64)
    blank = _blank_rows(block)
    if blank.any():
        block, rows = block[~blank], rows[~blank]
    wanted = {normalise_header(c.name): c for c in schema.columns}
    columns: dict[int, pd.Series] = {}
    for pos, label in enumerate(labels):
        col = wanted.get(normalise_header(label)) if _label(label) is not None else None
        columns[pos] = _pretype(block[:, pos], col, date1904)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(block)))
    frame.columns = pd.Index(labels, dtype=object)
    return sheet_from_raw(
        schema,
        frame,
        header_row=header_row,
        first_col=first_col,
        workbook=workbook,
        sheet_name=sheet_name,
        rows=rows,
    )


def _label(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _locate_block(
    rows: list[list[Any]], schema: SheetSchema, tables: tuple[TableRange, ...]
) -> tuple[int, int, int, int]:
    """(header row, first column, last column, end row exclusive), all 0-based.

    The header is the first row within HEADER_SCAN_ROWS holding a contract column name; an
    Excel table whose header is that row bounds the block (and drops its totals row).
    """
    if not rows:
        return 0, 0, -1, 0
    wanted = {normalise_header(c.name) for c in schema.columns}
    header = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(isinstance(v, str) and normalise_header(v) in wanted for v in row):
            header = index
            break
    if header is None:  # no contract column: show the first non-empty row as the header
        header = next((i for i, row in enumerate(rows) if any(_filled(v) for v in row)), 0)
    filled = [j for j, v in enumerate(rows[header]) if _filled(v)]
    if not filled:  # an empty sheet
        return header, 0, -1, header + 1
    first, last, stop = filled[0], filled[-1], len(rows)
    for table in tables:
        if (
            table.header_rows
            and table.first_row == header
            and table.first_col <= first <= table.last_col
        ):
            first, last = table.first_col, table.last_col
            stop = min(len(rows), table.last_row + 1 - table.totals_rows)
            break
    return header, first, last, stop


def _filled(value: object) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _blank_rows(block: np.ndarray) -> np.ndarray:
    """Rows whose every cell is empty or only spaces.

    Column by column, only the rows still possibly blank are examined, so a full sheet costs
    about one vectorised pass over its first column.
    """
    candidates = np.arange(len(block))
    for j in range(block.shape[1]):
        if not candidates.size:
            break
        values = block[candidates, j]
        try:  # vectorised: calamine gives "" for an empty cell; spaces-only text is blank too
            spaces = pd.Series(values, dtype=object).str.isspace().eq(True).to_numpy()
            empty = (values == "") | pd.isna(values) | spaces
        except (AttributeError, TypeError):  # no text in the column: .str does not apply
            empty = pd.isna(values) | (values == "")
        candidates = candidates[empty.astype(bool)]
    blank = np.zeros(len(block), dtype=bool)
    blank[candidates] = True
    return blank


def _pretype(values: np.ndarray, col: Column | None, date1904: bool) -> pd.Series:
    """Prepare one raw column for ``sheet_from_raw``.

    Number and date columns whose every filled cell is already a number / date become
    float64 / datetime64 (the same result as the slow path, many times faster); anything
    mixed stays object so each bad cell is reported (``coerce_column`` keeps TRUE apart
    from 1 and turns dates pandas cannot hold into findings). Date columns also get the
    1904 shift.
    """
    series = pd.Series(values, dtype=object)
    kind = col.type if col is not None else "text"
    if col is None or not len(values) or kind not in ("number", "integer", "date"):
        return series
    blank = values == ""
    kinds = set(map(type, values[~blank])) if blank.any() else set(map(type, values))
    if kind == "date":
        if date1904 and kinds & {int, float}:
            # Plain serial numbers count from 1904 in such workbooks; sheet_from_raw assumes 1900.
            shifted = [v + _DATE1904_SHIFT if type(v) in (int, float) else v for v in values]
            series = pd.Series(np.array(shifted, dtype=object), dtype=object)
        if kinds and kinds <= {dt.date, dt.datetime} and series.dtype == object:
            with contextlib.suppress(ValueError, TypeError, OverflowError):
                return series.where(~blank, None).astype("datetime64[ns]")
        return series
    if kinds and kinds <= {int, float}:
        return series.where(~blank, np.nan).astype("float64")
    return series


# ---------------------------------------------------------------------------------------------
# The package check: runs before calamine sees a byte of the file.


def check_package(path: str | os.PathLike[str], *, defer_sheets: bool = False) -> Package:
    """Refuse files labelxl must not or cannot read, quickly and without trusting their content.

    Checks, in order: the file exists and is not too big; it is a zip package (else says what
    it looks like: encrypted workbook, .xls, PDF, text/CSV); the zip directory is sane (no
    duplicate or encrypted entries, no zip bomb by declared sizes or ratio); it is an Excel
    workbook (not .xlsb/.ods/.docx); no XML part declares a DOCTYPE or ENTITY; every part
    calamine will parse inflates to exactly its declared size, is complete XML and, for
    sheets labelxl reads, has at most MAX_ROWS rows. Returns the verified Package.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # An OLE2 compound file: Excel stores encrypted .xlsx and old .xls this way.
        encrypted = "EncryptedPackage".encode("utf-16-le") in data
        raise WorkbookError(path, ENCRYPTED_REASON if encrypted else XLS_REASON)
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise WorkbookError(path, _describe_non_zip(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        OSError,
        NotImplementedError,
        struct.error,
        IndexError,
    ):
        raise WorkbookError(
            path,
            "is damaged: its zip package cannot be opened (the file is "
            "incomplete or corrupt). Restore it from a backup or re-save it "
            "from Excel.",
        ) from None
    entries = _check_directory(path, infos)
    _check_kind(path, archive, entries)
    verifier = _Verifier(path, data, entries)
    content = verifier.full("xl/workbook.xml", keep=True)
    rels = verifier.full("xl/_rels/workbook.xml.rels", keep=True)
    layout = _workbook_layout(path, content, rels)
    pending: dict[str, str | None] = {}
    for name in ("[Content_Types].xml", "_rels/.rels", layout.shared_strings, layout.styles):
        if name in entries and name not in verifier.verified:
            if defer_sheets and name in (layout.shared_strings, layout.styles):
                verifier.digest(name)
                pending[name] = None
            else:
                verifier.full(name)
    sheets = layout.sheets
    if not sheets:
        raise WorkbookError(
            path,
            "has no sheets. Add the labelxl sheets (run 'labelxl init' "
            "for templates) and try again.",
        )
    result: list[SheetPart] = []
    for name, part, is_worksheet in sheets:
        known = _known_name(name) if is_worksheet else None
        if known is None:
            result.append(SheetPart(name, part))
            continue
        if part not in entries:
            raise WorkbookError(
                path,
                f"is damaged: sheet {name[:40]!r} has no content part. "
                "Restore the file from a backup or re-save it from Excel.",
            )
        if defer_sheets:
            verifier.digest(part)
            pending[part] = name
        else:
            verifier.full(part, rows=name)
        tables = _sheet_tables(verifier, part)
        result.append(SheetPart(name, part, known, verifier.digests[part], tables))
    for name in entries:
        if name not in verifier.verified and _is_xml(name):
            verifier.prolog(name)
    return Package(
        path,
        data,
        result,
        verifier.digests,  # shared: deferred checks add nothing the cache key depends on
        layout.date1904,
        layout.shared_strings,
        layout.styles,
        pending,
        verifier,
    )


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise WorkbookError(path, "does not exist. Check the path and try again.")
    if path.is_dir():
        raise WorkbookError(path, "is a folder, not a workbook.")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise WorkbookError(
                path,
                f"is {size / 1e9:.1f} GB; labelxl reads workbooks up to "
                f"{MAX_FILE_BYTES / 1e9:.1f} GB. Archive old rows into another "
                "file.",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbookError(
            path,
            f"cannot be read ({exc.strerror or exc}). Check that the "
            "file is not open elsewhere and that you may read it.",
        ) from None
    if not data:
        raise WorkbookError(path, "is empty (0 bytes), not a workbook. Re-save it from Excel.")
    return data


def _describe_non_zip(data: bytes) -> str:
    head = data[:4096]
    if head.startswith(b"%PDF"):
        kind = "a PDF document"
    elif head.startswith(b"\x7fELF") or head.startswith(b"MZ"):
        kind = "a program"
    elif b"\x00" not in head and _decodes(head):
        kind = "a text or CSV file" if not head.lstrip().startswith(b"<") else "an HTML/XML file"
    else:
        kind = "not a file type labelxl knows"
    return (
        f"is not an Excel workbook (it is {kind}). Open it in Excel and Save As .xlsx "
        "(Excel Workbook)."
    )


def _decodes(head: bytes) -> bool:
    for encoding in ("utf-8", "cp1252"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_directory(path: Path, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    if len(infos) > MAX_PARTS:
        raise WorkbookError(
            path,
            f"has {len(infos):,} parts (limit {MAX_PARTS:,}); it is not "
            "a workbook labelxl can read safely.",
        )
    entries: dict[str, zipfile.ZipInfo] = {}
    folded: set[str] = set()
    declared = 0
    for info in infos:
        name = info.filename
        if name in entries or name.casefold() in folded:
            # Two entries of one name: different readers could see different content.
            raise WorkbookError(
                path,
                f"is damaged or hostile: the part {name[:60]!r} appears "
                "twice. Re-save the workbook from Excel.",
            )
        if info.flag_bits & 0x1:
            raise WorkbookError(path, ENCRYPTED_REASON)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookError(
                path,
                f"uses a compression method Excel does not "
                f"({info.compress_type}) in {name[:60]!r}. Re-save it from "
                "Excel.",
            )
        declared += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if declared > MAX_UNPACKED_BYTES or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise WorkbookError(path, _bomb_reason(name))
        entries[name] = info
        folded.add(name.casefold())
    return entries


def _bomb_reason(part: str) -> str:
    return (
        f"is refused: {part[:60]!r} would inflate beyond labelxl's safety limits "
        f"({MAX_UNPACKED_BYTES / 1e9:.1f} GB in all, or {MAX_RATIO}:1 compression), which "
        "no real workbook does (a zip bomb?). Re-save it from Excel."
    )


def _check_kind(path: Path, archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> None:
    if "xl/workbook.xml" in entries:
        return
    if "xl/workbook.bin" in entries:
        raise WorkbookError(
            path,
            "is an Excel binary workbook (.xlsb), which labelxl cannot "
            "read. Open it in Excel and Save As .xlsx (Excel Workbook).",
        )
    mimetype = entries.get("mimetype")
    if (
        mimetype is not None
        and mimetype.file_size < 200
        and b"spreadsheet" in archive.read("mimetype")
    ):
        raise WorkbookError(
            path,
            "is an OpenDocument spreadsheet (.ods). Open it and Save As .xlsx (Excel Workbook).",
        )
    if "word/document.xml" in entries or "ppt/presentation.xml" in entries:
        raise WorkbookError(path, "is a Word or PowerPoint file, not an Excel workbook.")
    raise WorkbookError(
        path,
        "is a zip file but not an Excel workbook (it has no "
        "xl/workbook.xml). Open it in Excel and Save As .xlsx.",
    )


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _known_name(sheet_name: str) -> str | None:
    if sheet_name.upper().startswith(OUTPUT_PREFIX.upper()):
        return None  # labelxl's own output sheets
    return _KNOWN.get(normalise_header(sheet_name))


class _Verifier:
    """Inflates parts from the raw zip bytes itself, so nothing is trusted that was declared."""

    def __init__(self, path: Path, data: bytes, entries: dict[str, zipfile.ZipInfo]) -> None:
        self.path = path
        self.data = memoryview(data)
        self.entries = entries
        self.digests: dict[str, str] = {}
        self.verified: set[str] = set()
        self.inflated = 0

    def _stored(self, name: str) -> memoryview:
        info = self.entries[name]
        start = info.header_offset
        header = bytes(self.data[start : start + 30])
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise self._damaged(name)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        local_name = bytes(self.data[start + 30 : start + 30 + name_len])
        if (
            local_name.decode("utf-8", "replace") != name
            and local_name.decode("cp437", "replace") != name
        ):
            raise self._damaged(name)
        begin = start + 30 + name_len + extra_len
        end = begin + info.compress_size
        if end > len(self.data):
            raise self._damaged(name)
        return self.data[begin:end]

    def _damaged(self, name: str) -> WorkbookError:
        return WorkbookError(
            self.path,
            f"is damaged: the part {name[:60]!r} is corrupt or "
            "incomplete. Restore the file from a backup or re-save it from "
            "Excel.",
        )

    def _inflate(self, name: str, limit: int | None = None) -> Iterator[bytes]:
        """Yield the part's bytes, up to ``limit``; refuse any output beyond the declared size."""
        info = self.entries[name]
        stored = self._stored(name)
        if limit is None:
            self.digests[name] = hashlib.sha256(stored).hexdigest()
        declared = info.file_size
        produced = 0
        if info.compress_type == zipfile.ZIP_STORED:
            for i in range(0, len(stored), _CHUNK):
                chunk = bytes(stored[i : i + _CHUNK])
                produced += len(chunk)
                yield chunk
                if limit is not None and produced >= limit:
                    return
            if produced != declared:
                raise self._damaged(name)
            return
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = b""
        position = 0
        try:
            while True:
                if not pending and position < len(stored):
                    pending = bytes(stored[position : position + _CHUNK])
                    position += len(pending)
                out = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                produced += len(out)
                if produced > declared:  # more than the directory admits: refuse now
                    raise WorkbookError(self.path, _bomb_reason(name))
                if out:
                    yield out
                if limit is not None and produced >= limit:
                    return
                if inflater.eof or (not out and not pending and position >= len(stored)):
                    break
        except zlib.error:
            raise self._damaged(name) from None
        if not inflater.eof or produced != declared:
            raise self._damaged(name)

    def digest(self, name: str) -> str:
        """sha256 of a part's stored bytes, without inflating it."""
        if name not in self.digests:
            self.digests[name] = hashlib.sha256(self._stored(name)).hexdigest()
        return self.digests[name]

    def full(self, name: str, keep: bool = False, rows: str | None = None) -> bytes:
        """Inflate a whole part: size, CRC, prolog, completeness and (for sheets) row checks."""
        if name not in self.entries:
            if keep:
                raise WorkbookError(
                    self.path,
                    f"is damaged: the part {name!r} is missing. Re-save the workbook from Excel.",
                )
            return b""
        kept: list[bytes] = []
        head = tail = carry = row_carry = b""
        crc = row_tags = produced = 0
        codec = "utf-8"
        decl: list[bytes] = []
        row_tags_in: list[bytes] = []
        for chunk in self._inflate(name):
            if not produced:  # Excel writes UTF-8, but the format allows UTF-16
                codec = _encoding(chunk)[0]
                decl = [d.decode().encode(codec) for d in _DECL]
                row_tags_in = [t.decode().encode(codec) for t in _ROW_TAGS]
            produced += len(chunk)
            self.inflated += len(chunk)
            if self.inflated > MAX_UNPACKED_BYTES:
                raise WorkbookError(self.path, _bomb_reason(name))
            crc = zlib.crc32(chunk, crc)
            if len(head) < MAX_PROLOG:
                head += chunk[: MAX_PROLOG - len(head)]
            window = carry + chunk  # the carry catches a declaration split across chunks
            if any(d in window for d in decl):
                raise WorkbookError(self.path, HOSTILE_XML_REASON.format(part=name))
            carry = window[-32:]
            if rows is not None:
                # A carry shorter than a tag cannot hold a whole tag, so none is counted twice.
                window = row_carry + chunk
                row_tags += sum(window.count(t) for t in row_tags_in)
                if row_tags > MAX_ROWS:
                    raise WorkbookError(self.path, _rows_reason(rows))
                row_carry = window[-(len(row_tags_in[0]) - 1) :]
            tail = (tail + chunk)[-MAX_PROLOG:]
            if keep:
                kept.append(chunk)
        if crc != self.entries[name].CRC:
            raise self._damaged(name)
        self.verified.add(name)
        root, self_closed = _prolog(self.path, name, head, complete=len(head) < MAX_PROLOG)
        start = produced - len(tail)
        tail_text = (tail[1:] if codec != "utf-8" and start % 2 else tail).decode(codec, "replace")
        if root is not None and not self_closed and not _closes(tail_text, root):
            raise WorkbookError(
                self.path,
                f"is damaged: the part {name[:60]!r} ends before "
                "its XML is complete (truncated). Restore the file from a "
                "backup or re-save it from Excel.",
            )
        if rows is not None:
            last = max((int(n) for n in _LAST_ROW.findall(tail_text)), default=0)
            match = _DIMENSION.search(head.decode(codec, "replace"))
            extent = _ref_last_row(match.group(1)) if match else 0
            if max(last, extent) > MAX_ROWS:
                raise WorkbookError(self.path, _rows_reason(rows))
        return b"".join(kept)

    def prolog(self, name: str) -> None:
        """Check only the start of a part calamine will not parse (no DOCTYPE, no ENTITY)."""
        head = b""
        for chunk in self._inflate(name, limit=MAX_PROLOG):
            head += chunk
        head = head[:MAX_PROLOG]
        _prolog(self.path, name, head, complete=len(head) < MAX_PROLOG)


def _rows_reason(sheet: str) -> str:
    return (
        f"is refused: sheet {sheet[:40]!r} claims more rows than Excel allows "
        f"({MAX_ROWS:,}), so the file was not written by Excel. Re-save it from Excel."
    )


def _ref_last_row(ref: str) -> int:
    rows = [
        int(m.group(2))
        for part in ref.split(":")
        if (m := _CELL_REF.fullmatch(part.strip().replace("$", ""))) and m.group(2)
    ]
    return max(rows, default=0)


def _encoding(head: bytes) -> tuple[str, int]:
    """The codec of an XML part from its first bytes, and the length of its byte-order mark."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return codec, len(bom)
    if head[:2] == b"<\x00":
        return "utf-16-le", 0
    if head[:2] == b"\x00<":
        return "utf-16-be", 0
    return "utf-8", 0


def _prolog(path: Path, name: str, head: bytes, complete: bool) -> tuple[str | None, bool]:
    """The root element's local name and whether it is self-closed; refuses DOCTYPE/ENTITY."""
    codec, skip = _encoding(head)
    text = head[skip:].decode(codec, "replace")
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise WorkbookError(path, HOSTILE_XML_REASON.format(part=name))
    position = 0
    while match := _PROLOG_ITEM.match(text, position):
        if match.end() == position:
            break
        position = match.end()
    rest = text[position:]
    if not rest or (not complete and rest.startswith(("<!--", "<?"))):
        if complete:
            return None, False  # an empty part; calamine decides whether it needs it
        raise WorkbookError(
            path,
            f"is refused: the part {name[:60]!r} starts with more than "
            f"{MAX_PROLOG // 1024} KB before its first element. Re-save it "
            "from Excel.",
        )
    root = _ROOT_TAG.match(rest)
    if root is None:
        raise WorkbookError(
            path,
            f"is damaged: the part {name[:60]!r} is not XML. Restore the "
            "file from a backup or re-save it from Excel.",
        )
    end = rest.find(">")
    self_closed = end > 0 and rest[end - 1] == "/" and complete and not rest[end + 1 :].strip()
    return root.group(2), self_closed


def _closes(text: str, root: str) -> bool:
    """Whether the end of a part's text closes its root element."""
    pattern = r"</(?:[\w.\-]+:)?" + re.escape(root) + r"\s*>\s*\Z"
    return re.search(pattern, text) is not None


@dataclass(frozen=True)
class _BookLayout:
    sheets: list[tuple[str, str, bool]]  # (sheet name, part, is a worksheet) in workbook order
    date1904: bool
    shared_strings: str  # the parts calamine parses besides the sheets
    styles: str


def _workbook_layout(path: Path, content: bytes, rels: bytes) -> _BookLayout:
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
    return _BookLayout(sheets, date1904, roles["sharedStrings"], roles["styles"])


def _sheet_tables(verifier: _Verifier, part: str) -> tuple[TableRange, ...]:
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
        bounds = [_cell_index(p) for p in table.get("ref", "").split(":")]
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


def _safe_xml(verifier: _Verifier, name: str) -> Any:
    content = verifier.full(name, keep=True)
    try:
        return SafeET.fromstring(content)
    except Exception:  # a broken table definition only loses the table bounds
        return None


def _cell_index(ref: str) -> tuple[int, int] | None:
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


# ---------------------------------------------------------------------------------------------
# The sheet cache: Parquet frames and JSON findings, never pickle.


def _cache_ids(package: Package, part: SheetPart, workbook: str) -> tuple[str, str]:
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
            package.styles_digest,
            package.date1904,
            [astuple(t) for t in part.tables],
            HEADER_SCAN_ROWS,
        ]
    )
    key = hashlib.sha256(payload.encode()).hexdigest()
    place = f"{package.path.resolve()}\x00{part.name}"
    slot = hashlib.sha256(place.encode()).hexdigest()[:16]
    return slot, key


def _cache_load(cache_dir: Path, slot: str, key: str) -> tuple[SheetData, list[Finding]] | None:
    meta_path = cache_dir / f"{slot}-{key}.json"
    frame_path = cache_dir / f"{slot}-{key}.parquet"
    if not meta_path.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["format"] != CACHE_FORMAT or meta["key"] != key:
            raise ValueError("cache entry for other content")
        table = pq.read_table(frame_path)
        dtypes: dict[str, str] = meta["dtypes"]
        if table.column_names != list(dtypes):
            raise ValueError("cache entry columns differ")
        columns = {}
        nan_columns = set(meta["nan_columns"])
        for name, kind in dtypes.items():
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
        )
        return data, findings
    except Exception:  # any damage to an entry (truncated, edited, foreign): rebuild it
        for stale in (meta_path, frame_path):
            with contextlib.suppress(OSError):
                stale.unlink()
        return None


def _cache_store(
    cache_dir: Path, slot: str, key: str, data: SheetData, findings: list[Finding]
) -> None:
    """Write the entry atomically (temp file + rename); a failure only means no cache."""
    meta_path = cache_dir / f"{slot}-{key}.json"
    frame_path = cache_dir / f"{slot}-{key}.parquet"
    temps = [frame_path.with_suffix(".parquet.tmp"), meta_path.with_suffix(".json.tmp")]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        cache_dir.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(data.frame, preserve_index=False)
        nan_columns: list[str] = []
        for column, kind in zip(table.schema, data.frame.dtypes, strict=True):
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
        meta = {
            "format": CACHE_FORMAT,
            "key": key,
            "dtypes": {str(c): str(t) for c, t in data.frame.dtypes.items()},
            "nan_columns": nan_columns,
            "sheet": {
                "name": data.name,
                "workbook": data.workbook,
                "sheet_name": data.sheet_name,
                "letters": data.letters,
                "header_row": data.header_row,
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
