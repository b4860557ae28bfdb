"""Refuse files labelxl must not or cannot read, before calamine sees a byte of them."""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from labelxl.errors import WorkbookError
from labelxl.io.discover import ODS_REASON, XLS_REASON
from labelxl.io.package import Package, SheetPart, known_name, sheet_tables, workbook_layout
from labelxl.model.formats import MAX_ROWS as EXCEL_MAX_ROWS

# ---------------------------------------------------------------------------------------------
# Limits. One place; docs/reading.md explains each. A real workbook is far inside all of them.
# Excel's own row limit (model.formats); more rows means the file was not made by Excel
MAX_ROWS = EXCEL_MAX_ROWS
MAX_FILE_BYTES = 1_500_000_000  # size of one workbook file on disk
MAX_UNPACKED_BYTES = 1_500_000_000  # all parts of one package together, once inflated
MAX_RATIO = 200  # inflated:compressed ratio refused for parts larger than RATIO_FLOOR
RATIO_FLOOR = 10_000_000  # small parts (styles, themes) may legitimately compress very well
MAX_PARTS = 10_000  # entries in one zip package
MAX_PROLOG = 64 * 1024  # bytes allowed before an XML part's root element
HEADER_SCAN_ROWS = 20  # the header row is looked for in this many rows at the top of a sheet
# ---------------------------------------------------------------------------------------------

_CHUNK = 1 << 20

ENCRYPTED_REASON = (
    "is encrypted (password-protected), so labelxl cannot read it. Save an unprotected copy: "
    "in Excel, File > Info > Protect Workbook > Encrypt with Password, clear the password, save."
)
HOSTILE_XML_REASON = (
    "contains an XML DOCTYPE/ENTITY declaration in {part}. Excel never writes one and it can "
    "expand entities or read other files, so labelxl refuses the file. Re-save it from Excel."
)

_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_ROOT_TAG = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_DECL = (b"<!DOCTYPE", b"<!ENTITY")
_DIMENSION = re.compile(r"<(?:[\w.\-]+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_LAST_ROW = re.compile(r"<(?:[\w.\-]+:)?row\b[^>]*?\sr=\"(\d+)\"")
_ROW_TAGS = (b"<row ", b"<row>")
_CELL_REF = re.compile(r"([A-Z]{1,3})?(\d+)?")


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
    verifier = Verifier(path, data, entries)
    content = verifier.full("xl/workbook.xml", keep=True)
    rels = verifier.full("xl/_rels/workbook.xml.rels", keep=True)
    layout = workbook_layout(path, content, rels)
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
        known = known_name(name) if is_worksheet else None
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
        tables = sheet_tables(verifier, part)
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
        raise WorkbookError(path, ODS_REASON)
    if "word/document.xml" in entries or "ppt/presentation.xml" in entries:
        raise WorkbookError(path, "is a Word or PowerPoint file, not an Excel workbook.")
    raise WorkbookError(
        path,
        "is a zip file but not an Excel workbook (it has no "
        "xl/workbook.xml). Open it in Excel and Save As .xlsx.",
    )


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


# What an error cell or a formula looks like in sheet XML (io.marks reads those cells);
# not a bare "<f": data validation's <formula1> lists would match it in most sheets. A
# shared formula's other cells (<f t="shared" si="0"/>) come with the master's "</f>".
MARK_HINTS = (b't="e"', b"</f>")


class Verifier:
    """Inflates parts from the raw zip bytes itself, so nothing is trusted that was declared."""

    def __init__(self, path: Path, data: bytes, entries: dict[str, zipfile.ZipInfo]) -> None:
        self.path = path
        self.data = memoryview(data)
        self.entries = entries
        self.digests: dict[str, str] = {}
        self.verified: set[str] = set()
        # Sheets whose XML holds no error cell and no formula (io.marks then skips them
        # instead of inflating them a second time).
        self.plain: set[str] = set()
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
        hinted = False
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
            if rows is not None and not hinted:
                hinted = codec != "utf-8" or any(h in window for h in MARK_HINTS)
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
        if rows is not None and not hinted:
            self.plain.add(name)
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
