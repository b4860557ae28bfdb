"""Write labelxl's ``LX`` result sheets into an .xlsx/.xlsm package, copying every other part.

openpyxl drops charts, images and shapes when it saves a workbook it loaded, so this module
edits the OOXML zip package itself. It owns only the parts of ``LX`` sheets (worksheet, its
rels, its table). It edits, minimally, the parts that list sheets: ``[Content_Types].xml``,
the workbook part and its rels (only when a sheet is added), ``styles.xml`` (entries are only
appended, so every existing style index stays valid) and, when a replaced ``LX`` sheet had
formulas listed in it, drops the ``calcChain.xml`` cache. Every other zip entry is copied
with the same decompressed bytes and compression type. See ``docs/writing.md``.
"""

from __future__ import annotations

import copy
import io
import os
import posixpath
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from lxml import etree

from labelxl.errors import WorkbookError
from labelxl.io.safewrite import DEFAULT_KEEP, atomic_write, check_not_locked
from labelxl.model.findings import col_letter
from labelxl.model.schema import OUTPUT_PREFIX

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_OFFICE_DOCUMENT = NS_R + "/officeDocument"
RT_WORKSHEET = NS_R + "/worksheet"
RT_TABLE = NS_R + "/table"
RT_HYPERLINK = NS_R + "/hyperlink"
RT_STYLES = NS_R + "/styles"
RT_CALC_CHAIN = NS_R + "/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

FORMATS = ("text", "int", "number", "pct", "hours", "date", "datetime")
FLAG_KINDS = ("bad", "good", "neutral")
RAG_VALUES = {"Red": "bad", "Amber": "neutral", "Green": "good"}
# numFmt codes per format; built-in ids are used when the code is a built-in one.
_NUMFMT_CODE = {
    "text": "General",
    "int": "#,##0",
    "number": "#,##0.00",
    "pct": "0.0%",
    "hours": "0.0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
_BUILTIN_NUMFMT = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                   "0.00%": 10, "@": 49}  # fmt: skip
_DEFAULT_WIDTH = {"int": 10, "number": 12, "pct": 9, "hours": 9, "date": 12, "datetime": 17}
# Excel's own Good / Neutral / Bad cell styles: (font colour, fill colour).
_DXF_COLOURS = {
    "bad": ("FF9C0006", "FFFFC7CE"),
    "neutral": ("FF9C5700", "FFFFEB9C"),
    "good": ("FF006100", "FFC6EFCE"),
}
HEADER_FILL = "FF1F4E79"
HEADER_FONT = "FFFFFFFF"
LINK_FONT = "FF0563C1"
TAB_COLOUR = "FF1F4E79"
TABLE_STYLE = "TableStyleLight9"
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL_CHARS = 32_767
MAX_HYPERLINKS = 65_530
MAX_WIDTH = 60.0
_CHUNK_ROWS = 20_000
FAST_DEFLATE = 1
_LEVEL_ATTR = (
    "compress_level" if "compress_level" in zipfile.ZipInfo.__slots__ else "_compresslevel"
)

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL_SHEET = re.compile(r"[\[\]:*?/\\]")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # Excel decodes _xHHHH_ in strings
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_SIMPLE_SHEET = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
)


# ---------------------------------------------------------------- public values


@dataclass(frozen=True, eq=False)
class OutputSheet:
    """One result sheet: a DataFrame written as a formatted Excel table at A1.

    ``formats`` maps a column to one of ``FORMATS`` (default: from the dtype). ``widths``
    overrides the computed column widths. Cells of ``rag_columns`` equal to Red/Amber/Green
    and cells of ``flag_columns`` equal to a listed value get red/amber/green fills by
    conditional formatting. ``links`` maps a shown column to the column holding its target
    (``Sheet!A1``, ``file.xlsx#'Sheet'!A1`` or a URL); a target column is not written unless
    it links itself. ``title`` is printed in the page header (the table stays at A1 so that
    formulas and readers find the header in row 1). The frame's index is not written.
    """

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    rag_columns: tuple[str, ...] = ()
    flag_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    title: str | None = None

    def __post_init__(self) -> None:
        check_sheet_name(self.name)
        if not isinstance(self.frame, pd.DataFrame):
            raise ValueError(f"{self.name}: frame must be a pandas DataFrame")
        columns = {str(c) for c in self.frame.columns}

        def known(col: str, what: str) -> None:
            if str(col) not in columns:
                raise ValueError(f"{self.name}: {what} names column {col!r}, not in the frame")

        for col, fmt in self.formats.items():
            known(col, "formats")
            if fmt not in FORMATS:
                raise ValueError(f"{self.name}: format {fmt!r} of {col!r} is not one of {FORMATS}")
        for col, width in self.widths.items():
            known(col, "widths")
            if not 0 < float(width) <= 255:
                raise ValueError(f"{self.name}: width of {col!r} must be in (0, 255]")
        for col in self.rag_columns:
            known(col, "rag_columns")
        for col, rules in self.flag_columns.items():
            known(col, "flag_columns")
            for kind in rules.values():
                if kind not in FLAG_KINDS:
                    raise ValueError(f"{self.name}: flag kind {kind!r} is not one of {FLAG_KINDS}")
        for col, target in self.links.items():
            known(col, "links")
            known(target, "links")
        if len(self.frame) + 1 > MAX_ROWS:
            raise ValueError(f"{self.name}: {len(self.frame)} rows do not fit in a sheet")


@dataclass(frozen=True)
class WriteResult:
    """What a write did: sheets written (in order), how, and what it removed or backed up."""

    path: Path
    written: tuple[str, ...]
    replaced: tuple[str, ...]  # existing LX sheets rewritten in place
    added: tuple[str, ...]  # appended after the last sheet
    kept: tuple[str, ...]  # LX sheets in the workbook that this write did not produce
    removed_parts: tuple[str, ...]  # parts owned by replaced sheets that nothing uses now
    rows: int  # data rows written, all sheets
    backup: Path | None = None


def check_sheet_name(name: str) -> None:
    """Raise ValueError unless ``name`` is a valid Excel sheet name starting with ``LX ``."""
    if not isinstance(name, str) or not name.startswith(OUTPUT_PREFIX):
        raise ValueError(f"result sheet names must start with {OUTPUT_PREFIX!r} (got {name!r})")
    if len(name) > 31:
        raise ValueError(f"sheet name {name!r} is longer than Excel's 31 characters")
    if _ILLEGAL_SHEET.search(name) or name.endswith("'") or _ILLEGAL_XML.search(name):
        raise ValueError(f"sheet name {name!r} contains a character Excel forbids ([]:*?/\\)")


def write_lx_sheets(
    path: str | os.PathLike[str],
    sheets: Sequence[OutputSheet],
    *,
    out_path: str | os.PathLike[str] | None = None,
    force: bool = False,
    keep_backups: int = DEFAULT_KEEP,
) -> WriteResult:
    """Write ``sheets`` into the workbook at ``path`` (or into a copy at ``out_path``).

    Existing sheets of the same name (compared case-insensitively, as Excel does) are
    replaced in place, keeping their tab position and sheetId; others are appended after
    the last sheet. ``LX`` sheets not in ``sheets`` are left as they are. The write is
    atomic with a backup of the file it replaces (see ``labelxl.io.safewrite.atomic_write``);
    a workbook open in Excel/LibreOffice raises ``WorkbookLockedError`` unless ``force``.
    """
    src = Path(path)
    dst = Path(out_path) if out_path is not None else src
    _check_suffix(src)
    _check_suffix(dst)
    if src.suffix.lower() != dst.suffix.lower():
        raise ValueError(f"{dst.name}: must have the same extension as {src.name}")
    _check_unique(sheets)
    if not src.is_file():
        raise WorkbookError(src, "file not found")
    check_not_locked(dst, force=force)
    outcome: list[WriteResult] = []

    def writer(tmp: Path) -> None:
        outcome.append(_rewrite_file(src, tmp, sheets, label=src))

    backup = atomic_write(dst, writer, keep=keep_backups, expect_sheets=[s.name for s in sheets])
    result = outcome[0]
    return WriteResult(
        path=dst,
        written=result.written,
        replaced=result.replaced,
        added=result.added,
        kept=result.kept,
        removed_parts=result.removed_parts,
        rows=result.rows,
        backup=backup,
    )


def new_workbook(
    path: str | os.PathLike[str],
    sheets: Sequence[OutputSheet],
    *,
    force: bool = False,
    keep_backups: int = DEFAULT_KEEP,
) -> Path:
    """Create (or atomically replace) a separate report workbook holding only ``sheets``."""
    dst = Path(path)
    if dst.suffix.lower() != ".xlsx":
        raise ValueError(f"{dst.name}: a report workbook must be an .xlsx file")
    if not sheets:
        raise ValueError("a report workbook needs at least one sheet")
    _check_unique(sheets)
    check_not_locked(dst, force=force)
    skeleton = _skeleton([s.name for s in sheets])

    def writer(tmp: Path) -> None:
        with zipfile.ZipFile(io.BytesIO(skeleton)) as zf:
            _rewrite(zf, tmp, sheets, label=dst)

    atomic_write(dst, writer, keep=keep_backups, expect_sheets=[s.name for s in sheets])
    return dst


# ---------------------------------------------------------------- package model


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str
    target: str  # resolved part name (no leading "/") or the raw external target
    external: bool


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def _resolve(source: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source), target)
    return posixpath.normpath(joined).lstrip("/")


def _relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


class _Package:
    """Read access to a zip package by part name (case-insensitive, as OPC says)."""

    def __init__(self, zf: zipfile.ZipFile, label: object) -> None:
        self.zf = zf
        self.label = label
        self.infos = zf.infolist()
        self.names: dict[str, str] = {}
        for info in self.infos:
            key = info.filename.casefold()
            if key in self.names:
                raise WorkbookError(label, f"the package lists {info.filename!r} twice")
            self.names[key] = info.filename
        self._rels: dict[str, list[_Rel]] = {}

    def has(self, part: str) -> bool:
        return part.casefold() in self.names

    def name(self, part: str) -> str:
        return self.names.get(part.casefold(), part)

    def read(self, part: str) -> bytes:
        return self.zf.read(self.names[part.casefold()])

    def xml(self, part: str) -> etree._Element:
        return _parse(self.read(part), part, self.label)

    def rels(self, part: str) -> list[_Rel]:
        """Relationships of ``part`` ('' is the package root); empty when it has none."""
        key = part.casefold()
        if key not in self._rels:
            rels_part = "_rels/.rels" if part == "" else _rels_name(part)
            found: list[_Rel] = []
            if self.has(rels_part):
                for el in self.xml(rels_part):
                    if etree.QName(el).localname != "Relationship":
                        continue
                    external = el.get("TargetMode") == "External"
                    target = el.get("Target", "")
                    found.append(
                        _Rel(
                            id=el.get("Id", ""),
                            type=el.get("Type", ""),
                            target=target if external else _resolve(part, target),
                            external=external,
                        )
                    )
            self._rels[key] = found
        return self._rels[key]


def _parse(data: bytes, part: str, label: object) -> etree._Element:
    # Entity expansion is off in the parser; a DTD has no business in a package part.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise WorkbookError(label, f"{part} contains a DTD; refusing to read it")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(label, f"{part} is not well-formed XML: {exc}") from exc


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _walk(starts: Iterable[str], rels_of: Callable[[str], list[_Rel]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        part = stack.pop()
        if part.casefold() in seen:
            continue
        seen.add(part.casefold())
        stack.extend(r.target for r in rels_of(part) if not r.external)
    return seen


# ---------------------------------------------------------------- styles


def _canon(el: etree._Element) -> tuple[Any, ...]:
    return (
        etree.QName(el).localname,
        tuple(sorted(el.attrib.items())),
        tuple(_canon(c) for c in el if isinstance(c.tag, str)),
    )


_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                "cellStyles", "dxfs", "tableStyles", "colors", "extLst")  # fmt: skip
_MINIMAL_STYLES = (
    f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
    '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
    '<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles '
    'count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


class _Styles:
    """styles.xml with find-or-append: existing entries are never changed or reordered.

    Looking for an identical entry before appending makes a second refresh leave the part
    byte-identical instead of growing it on every run.
    """

    def __init__(self, data: bytes | None, label: object) -> None:
        self.new_part = data is None
        self.root = _parse(data if data is not None else _MINIMAL_STYLES.encode(), "styles", label)
        self.ns = etree.QName(self.root).namespace or NS_MAIN
        self.changed = self.new_part
        self._cache: dict[tuple[Any, ...], int] = {}
        fills = self._container("fills")
        while len(self._items(fills, "fill")) < 2:  # fills 0 and 1 are reserved by Excel
            kind = "none" if not self._items(fills, "fill") else "gray125"
            self._append(fills, f'<fill><patternFill patternType="{kind}"/></fill>')
        if not self._items(self._container("fonts"), "font"):
            self._append(
                self._container("fonts"), '<font><sz val="11"/><name val="Calibri"/></font>'
            )
        if not self._items(self._container("borders"), "border"):
            self._append(self._container("borders"), "<border/>")
        self.has_style_xfs = bool(self._items(self._find("cellStyleXfs"), "xf"))
        if not self._items(self._container("cellXfs"), "xf"):
            self._append(
                self._container("cellXfs"), '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            )

    def _q(self, local: str) -> str:
        return f"{{{self.ns}}}{local}"

    def _find(self, local: str) -> etree._Element | None:
        return self.root.find(self._q(local))

    def _items(self, container: etree._Element | None, local: str) -> list[etree._Element]:
        return [] if container is None else container.findall(self._q(local))

    def _container(self, local: str) -> etree._Element:
        found = self._find(local)
        if found is not None:
            return found
        el = etree.Element(self._q(local))
        later = _STYLE_ORDER[_STYLE_ORDER.index(local) + 1 :]
        for i, child in enumerate(self.root):
            if isinstance(child.tag, str) and etree.QName(child).localname in later:
                self.root.insert(i, el)
                break
        else:
            self.root.append(el)
        self.changed = True
        return el

    def _element(self, xml: str) -> etree._Element:
        # Parse the snippet in the stylesheet's namespace, whatever prefix the part uses.
        wrapper = etree.fromstring(f'<w xmlns="{self.ns}">{xml}</w>', _PARSER)
        return wrapper[0]

    def _append(self, container: etree._Element, xml: str | etree._Element) -> int:
        el = self._element(xml) if isinstance(xml, str) else xml
        local = etree.QName(el).localname
        container.append(el)
        container.set("count", str(len(self._items(container, local))))
        self.changed = True
        return len(self._items(container, local)) - 1

    def _find_or_append(self, container_local: str, item: etree._Element) -> int:
        container = self._container(container_local)
        local = etree.QName(item).localname
        want = _canon(item)
        for i, el in enumerate(self._items(container, local)):
            if _canon(el) == want:
                return i
        return self._append(container, item)

    def num_fmt(self, code: str) -> int:
        if code in _BUILTIN_NUMFMT:
            return _BUILTIN_NUMFMT[code]
        container = self._find("numFmts")
        ids = [163]
        for el in self._items(container, "numFmt"):
            if el.get("formatCode") == code:
                return int(el.get("numFmtId", "0"))
            ids.append(int(el.get("numFmtId", "0")))
        container = self._container("numFmts")
        el = etree.SubElement(container, self._q("numFmt"))
        el.set("numFmtId", str(max(ids) + 1))
        el.set("formatCode", code)
        container.set("count", str(len(self._items(container, "numFmt"))))
        self.changed = True
        return max(ids) + 1

    def font(self, *, bold: bool = False, underline: bool = False, rgb: str | None = None) -> int:
        base = self._items(self._container("fonts"), "font")[0]
        el = copy.deepcopy(base)
        for child in list(el):
            if isinstance(child.tag, str) and etree.QName(child).localname in ("b", "u", "color"):
                el.remove(child)
        pos = 0
        if bold:
            el.insert(pos, etree.Element(self._q("b")))
            pos += 1
        if underline:
            el.insert(pos, etree.Element(self._q("u")))
            pos += 1
        if rgb:
            colour = etree.Element(self._q("color"))
            colour.set("rgb", rgb)
            el.insert(pos, colour)
        return self._find_or_append("fonts", el)

    def fill(self, rgb: str) -> int:
        xml = (
            f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
        )
        return self._find_or_append("fills", self._element(xml))

    def xf(self, num_fmt: int, font: int = 0, fill: int = 0, *, quote_prefix: bool = False) -> int:
        key = ("xf", num_fmt, font, fill, quote_prefix)
        if key in self._cache:
            return self._cache[key]
        attrs = f'numFmtId="{num_fmt}" fontId="{font}" fillId="{fill}" borderId="0"'
        if self.has_style_xfs:
            attrs += ' xfId="0"'
        if quote_prefix:
            attrs += ' quotePrefix="1"'
        if num_fmt:
            attrs += ' applyNumberFormat="1"'
        if font:
            attrs += ' applyFont="1"'
        if fill:
            attrs += ' applyFill="1"'
        self._cache[key] = self._find_or_append("cellXfs", self._element(f"<xf {attrs}/>"))
        return self._cache[key]

    def dxf(self, kind: str) -> int:
        key = ("dxf", kind)
        if key not in self._cache:
            font, fill = _DXF_COLOURS[kind]
            xml = (
                f'<dxf><font><color rgb="{font}"/></font><fill><patternFill>'
                f'<bgColor rgb="{fill}"/></patternFill></fill></dxf>'
            )
            self._cache[key] = self._find_or_append("dxfs", self._element(xml))
        return self._cache[key]

    def to_bytes(self) -> bytes:
        return _serialize(self.root)


# ---------------------------------------------------------------- rendering one sheet


def _xml_text(s: str) -> str:
    return escape(_ILLEGAL_XML.sub("", s))


def _xml_attr(s: str) -> str:
    return escape(
        _ILLEGAL_XML.sub("", s), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
    )


def _headers(frame: pd.DataFrame) -> list[str]:
    """Unique, non-empty header texts (Excel table column names) for the frame's columns."""
    out: list[str] = []
    seen: set[str] = set()
    for j, col in enumerate(frame.columns):
        if isinstance(col, tuple):
            label = " ".join(str(c) for c in col)
        else:
            label = "" if pd.isna(col) else str(col)  # a missing label (None/NaN) is no name
        text = re.sub(r"\s+", " ", _ILLEGAL_XML.sub("", label)).strip()[:255] or f"Column{j + 1}"
        candidate, n = text, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{text}_{n}"
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _infer_format(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        clean = values.dropna()
        return "date" if (clean == clean.dt.normalize()).all() else "datetime"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "int"
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "number"
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("date", "datetime", "datetime64"):
        return _infer_format(_to_datetime(values))
    if kind == "integer":
        return "int"
    if kind in ("floating", "mixed-integer-float", "decimal"):
        return "number"
    return "text"


def _to_datetime(values: pd.Series) -> pd.Series:
    out = pd.to_datetime(values, errors="coerce")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_localize(None)  # keep the wall-clock time the user saw
    return out


def _inline(text: str, style: int, quoted_style: int) -> str:
    """The tail of an inline-string cell, after ``<c r="A1``: style, type and escaped text."""
    clean = _EXCEL_ESCAPE.sub(r"_x005F_\1", _ILLEGAL_XML.sub("", text[:MAX_CELL_CHARS]))
    # Text starting like a formula gets quotePrefix, so editing the cell keeps it text.
    s = quoted_style if clean[:1] in ("=", "+", "-", "@") else style
    space = ' xml:space="preserve"' if clean != clean.strip() else ""
    return f'" s="{s}" t="inlineStr"><is><t{space}>{escape(clean)}</t></is></c>'


def _text_cells(texts: pd.Series, refs: np.ndarray, style: int, quoted_style: int) -> np.ndarray:
    # Escape each distinct text once: result columns repeat ids, periods and flags a lot.
    codes, uniques = pd.factorize(texts.to_numpy(dtype=object))
    tails = np.array([_inline(str(u), style, quoted_style) for u in uniques], dtype=object)
    return np.asarray('<c r="' + refs + tails[codes], dtype=object)


def _column_cells(
    values: pd.Series,
    letter: str,
    rows: np.ndarray,
    style: int,
    date_style: int,
    quoted_style: int,
    date1904: bool,
) -> np.ndarray:
    """Vectorised XML for one column's data cells (numbers, booleans, dates, inline text)."""
    n = len(values)
    refs = letter + rows
    out = np.full(n, "", dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_bool_dtype(values.dtype) or kind == "boolean":
        mask = values.isna().to_numpy(dtype=bool)
        truth = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
        flags = np.where(truth, "1", "0").astype(object)
        cells = '<c r="' + refs + f'" s="{style}" t="b"><v>' + flags + "</v></c>"
        return np.asarray(np.where(mask, "", cells), dtype=object)
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or kind in ("date", "datetime"):
        return _date_cells(_to_datetime(values), refs, date_style, quoted_style, date1904)
    if pd.api.types.is_numeric_dtype(values.dtype) or kind in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    ):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return _number_cells(numbers, refs, style)
    if kind in ("string", "empty"):
        mask = values.isna().to_numpy(dtype=bool)
        texts = pd.Series(values.to_numpy(dtype=object)[~mask], dtype=object)
        if len(texts):
            out[~mask] = _text_cells(texts, refs[~mask], style, quoted_style)
        return out
    return _mixed_cells(values, refs, style, date_style, quoted_style, date1904)


def _number_text(numbers: np.ndarray) -> np.ndarray:
    """Shortest round-trip text of finite floats; whole numbers without a trailing '.0'."""
    out = np.empty(len(numbers), dtype=object)
    integral = (numbers == np.round(numbers)) & (np.abs(numbers) < 1e15)
    out[integral] = list(map(str, numbers[integral].astype("int64").tolist()))
    out[~integral] = list(map(repr, numbers[~integral].tolist()))  # Python's repr is shortest
    return out


def _number_cells(numbers: np.ndarray, refs: np.ndarray, style: int) -> np.ndarray:
    out = np.full(len(numbers), "", dtype=object)
    finite = np.isfinite(numbers)  # NaN and ±inf have no Excel value: empty cell
    text = _number_text(numbers[finite])
    out[finite] = '<c r="' + refs[finite] + f'" s="{style}"><v>' + text + "</v></c>"
    return out


def _serials(stamps: pd.Series, date1904: bool) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial numbers for timestamps, and where a date has none (before the epoch)."""
    epoch = pd.Timestamp("1904-01-01") if date1904 else pd.Timestamp("1899-12-30")
    serial = ((stamps - epoch) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)
    if not date1904:
        # Excel counts a 29 Feb 1900 that never was: serials below 61 are one day lower.
        serial = np.where(serial < 61, serial - 1, serial)
    return serial, np.isfinite(serial) & (serial < (0 if date1904 else 1))


def _date_cells(
    stamps: pd.Series, refs: np.ndarray, style: int, quoted_style: int, date1904: bool
) -> np.ndarray:
    serial, too_early = _serials(stamps, date1904)
    out = _number_cells(np.where(too_early, np.nan, serial), refs, style)
    if too_early.any():  # a date Excel cannot hold is written as ISO text
        iso = pd.Series(stamps.to_numpy()[too_early]).dt.strftime("%Y-%m-%d").astype(object)
        out[too_early] = _text_cells(iso, refs[too_early], 0, quoted_style)
    return np.asarray(out, dtype=object)


def _mixed_cells(
    values: pd.Series,
    refs: np.ndarray,
    style: int,
    date_style: int,
    quoted_style: int,
    date1904: bool,
) -> np.ndarray:
    """Cell by cell, for object columns holding values of several kinds."""
    import datetime as dt

    out = np.full(len(values), "", dtype=object)
    texts: dict[int, str] = {}
    for i, v in enumerate(values.to_numpy(dtype=object)):
        if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
            continue
        if isinstance(v, (bool, np.bool_)):
            out[i] = f'<c r="{refs[i]}" s="{style}" t="b"><v>{int(v)}</v></c>'
        elif isinstance(v, (int, float, np.integer, np.floating)):
            if not np.isfinite(float(v)):
                continue
            num = str(int(v)) if float(v).is_integer() and abs(float(v)) < 1e15 else repr(float(v))
            out[i] = f'<c r="{refs[i]}" s="{style}"><v>{num}</v></c>'
        elif isinstance(v, (dt.date, pd.Timestamp, np.datetime64)):
            serial, early = _serials(_to_datetime(pd.Series([v])), date1904)
            if early[0] or not np.isfinite(serial[0]):
                texts[i] = str(v)
            else:
                out[i] = f'<c r="{refs[i]}" s="{date_style}"><v>{float(serial[0])!r}</v></c>'
        else:
            texts[i] = str(v)
    if texts:
        idx = np.fromiter(texts, dtype=np.int64)
        series = pd.Series(list(texts.values()), dtype=object)
        out[idx] = _text_cells(series, refs[idx], style, quoted_style)
    return out


def _location(loc: str) -> str:
    """A same-workbook link location with the sheet name quoted when Excel needs it."""
    if "!" not in loc:
        return loc
    sheet, cell = loc.rsplit("!", 1)
    if sheet.startswith("'") or _SIMPLE_SHEET.match(sheet):
        return loc
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _link(target: str) -> tuple[str | None, str | None]:
    """(external target, location) for a link target text."""
    if "#" in target:
        file, loc = target.split("#", 1)
        if file:
            return quote(file, safe="/\\:@!$&'()*+,;=~%?"), _location(loc) if loc else None
        return None, _location(loc)
    if _URL_SCHEME.match(target) and not re.match(r"^[A-Za-z]:[\\/]", target):
        return quote(target, safe="/\\:@!$&'()*+,;=~%?#"), None
    return None, _location(target)


_Target = tuple[str | None, str | None]  # (external target, location) of one link


class _SheetWriter:
    """Streams one LX sheet's XML: data rows in chunks so 100k rows need little memory."""

    def __init__(self, sheet: OutputSheet, styles: _Styles, date1904: bool) -> None:
        self.sheet = sheet
        self.styles = styles
        self.date1904 = date1904
        self.table_id, self.table_name, self.table_part = 0, "", ""  # assigned by _rewrite
        frame = sheet.frame
        labels = [str(c) for c in frame.columns]
        targets = {t for col, t in sheet.links.items() if t != col and t not in sheet.links}
        self.columns = [j for j, lab in enumerate(labels) if lab not in targets]
        if not self.columns:
            raise ValueError(f"{sheet.name}: nothing to write (no columns)")
        if len(self.columns) > MAX_COLS:
            raise ValueError(f"{sheet.name}: {len(self.columns)} columns do not fit in a sheet")
        headers = _headers(frame)
        self.headers = [headers[j] for j in self.columns]
        self.labels = [labels[j] for j in self.columns]
        self.formats = [
            sheet.formats.get(lab) or _infer_format(frame.iloc[:, j])
            for lab, j in zip(self.labels, self.columns, strict=True)
        ]
        self.n = len(frame)
        self.last_row = max(self.n + 1, 2)  # a table needs a data row, even an empty one
        last_col = col_letter(len(self.columns) - 1)
        self.ref = f"A1:{last_col}{self.last_row}"
        default_font = 0
        header_font = styles.font(bold=True, rgb=HEADER_FONT)
        link_font = styles.font(underline=True, rgb=LINK_FONT)
        self.header_style = styles.xf(0, header_font, styles.fill(HEADER_FILL))
        self.quoted_style = styles.xf(0, default_font, quote_prefix=True)
        self.date_style = styles.xf(styles.num_fmt(_NUMFMT_CODE["date"]))
        self.col_styles = []
        for lab, fmt in zip(self.labels, self.formats, strict=True):
            num = styles.num_fmt(_NUMFMT_CODE[fmt])
            font = link_font if lab in sheet.links else default_font
            self.col_styles.append(styles.xf(num, font))
        self.dxfs = {kind: styles.dxf(kind) for kind in self._cf_kinds()}
        self._links = self._find_links()

    def _cf_kinds(self) -> set[str]:
        kinds = set(RAG_VALUES.values()) if self.sheet.rag_columns else set()
        for rules in self.sheet.flag_columns.values():
            kinds.update(rules.values())
        return kinds

    def chunks(self, link_ids: dict[str, str]) -> Iterator[bytes]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
            f'<sheetPr><tabColor rgb="{TAB_COLOUR}"/></sheetPr>'
            f'<dimension ref="{self.ref}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        ).encode()
        widths = self._widths()
        yield (
            "<cols>"
            + "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{w:.2f}" customWidth="1"/>'
                for i, w in enumerate(widths)
            )
            + "</cols><sheetData>"
        ).encode()
        header = "".join(
            f'<c r="{col_letter(i)}1" s="{self.header_style}" t="inlineStr"><is><t>'
            f"{_xml_text(h)}</t></is></c>"
            for i, h in enumerate(self.headers)
        )
        yield f'<row r="1">{header}</row>'.encode()
        for start in range(0, self.n, _CHUNK_ROWS):
            yield self._rows(start, min(start + _CHUNK_ROWS, self.n)).encode()
        yield b"</sheetData>"
        yield self._tail(link_ids).encode()

    def _widths(self) -> list[float]:
        out = []
        frame = self.sheet.frame
        for lab, fmt, j, head in zip(
            self.labels, self.formats, self.columns, self.headers, strict=True
        ):
            if lab in self.sheet.widths:
                out.append(float(self.sheet.widths[lab]))
                continue
            content = float(_DEFAULT_WIDTH.get(fmt, 8))
            if fmt == "text":
                sample = frame.iloc[:5000, j].dropna()
                if len(sample):
                    content = float(sample.astype(str).str.len().quantile(0.95))
            # +4 leaves room for the table's filter button next to the header text
            out.append(min(MAX_WIDTH, max(8.0, len(head) + 4.0, content + 2.0)))
        return out

    def _rows(self, start: int, stop: int) -> str:
        frame = self.sheet.frame
        rows = np.arange(start + 2, stop + 2).astype(str).astype(object)
        cols = []
        for i, (j, style) in enumerate(zip(self.columns, self.col_styles, strict=True)):
            cells = _column_cells(
                frame.iloc[start:stop, j],
                col_letter(i),
                rows,
                style,
                self.date_style if self.formats[i] not in ("date", "datetime") else style,
                self.quoted_style,
                self.date1904,
            )
            cols.append(cells)
        # One join per row keeps the work linear in the row's length.
        return "".join(map("".join, zip('<row r="' + rows + '">', *cols, repeat("</row>"))))

    def external_targets(self) -> list[str]:
        return sorted({ext for _, _, parsed in self._links for ext, _ in parsed if ext})

    def _find_links(self) -> list[tuple[np.ndarray, np.ndarray, list[_Target]]]:
        """Per link column: cell refs, codes into distinct targets, and each target parsed."""
        out = []
        frame = self.sheet.frame
        labels = [str(c) for c in frame.columns]
        budget = MAX_HYPERLINKS  # Excel's limit per worksheet; links past it are dropped
        for col, target_col in self.sheet.links.items():
            letter = col_letter(self.labels.index(col))
            raw = frame.iloc[:, labels.index(target_col)]
            text = raw.astype(object).where(raw.notna(), "").map(str).str.strip()
            rows = np.flatnonzero(text.to_numpy(dtype=object) != "")[:budget]
            budget -= len(rows)
            codes, uniques = pd.factorize(text.to_numpy(dtype=object)[rows])
            refs = letter + (rows + 2).astype(str).astype(object)
            out.append((refs, codes, [_link(u) for u in uniques]))
        return out

    def _tail(self, link_ids: dict[str, str]) -> str:
        parts = []
        priority = 1
        for i, lab in enumerate(self.labels):
            rules: list[tuple[str, str]] = []
            if lab in self.sheet.rag_columns:
                rules += list(RAG_VALUES.items())
            rules += list(self.sheet.flag_columns.get(lab, {}).items())
            if not rules:
                continue
            letter = col_letter(i)
            cf = f'<conditionalFormatting sqref="{letter}2:{letter}{self.last_row}">'
            for value, kind in rules:
                literal = '"' + str(value).replace('"', '""') + '"'
                cf += (
                    f'<cfRule type="cellIs" dxfId="{self.dxfs[kind]}" priority="{priority}" '
                    f'operator="equal"><formula>{_xml_text(literal)}</formula></cfRule>'
                )
                priority += 1
            parts.append(cf + "</conditionalFormatting>")
        if any(len(refs) for refs, _, _ in self._links):
            parts.append("<hyperlinks>")
            for refs, codes, parsed in self._links:
                attrs = np.array(
                    [
                        (f' r:id="{link_ids[ext]}"' if ext else "")
                        + (f' location="{_xml_attr(loc)}"' if loc else "")
                        + "/>"
                        for ext, loc in parsed
                    ],
                    dtype=object,
                )
                if len(refs):
                    parts.append("".join('<hyperlink ref="' + refs + '"' + attrs[codes]))
            parts.append("</hyperlinks>")
        parts.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
            'header="0.3" footer="0.3"/>'
        )
        if self.sheet.title:
            title = self.sheet.title.replace("&", "&&")[:200]
            parts.append(
                f"<headerFooter><oddHeader>&amp;C{_xml_text(title)}</oddHeader></headerFooter>"
            )
        # Ids and codes read as numbers-stored-as-text are intended; hide Excel's triangles.
        parts.append(
            f'<ignoredErrors><ignoredError sqref="{self.ref}" numberStoredAsText="1"/>'
            "</ignoredErrors>"
        )
        parts.append('<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>')
        return "".join(parts)

    def table_xml(self, table_id: int, name: str) -> bytes:
        cols = "".join(
            f'<tableColumn id="{i + 1}" name="{_xml_attr(h)}"/>' for i, h in enumerate(self.headers)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<table xmlns="{NS_MAIN}" id="{table_id}" name="{name}" displayName="{name}" '
            f'ref="{self.ref}" totalsRowShown="0"><autoFilter ref="{self.ref}"/>'
            f'<tableColumns count="{len(self.headers)}">{cols}</tableColumns>'
            f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" '
            'showRowStripes="1" showColumnStripes="0"/></table>'
        ).encode()


def _rels_xml(rels: Sequence[tuple[str, str, str, bool]]) -> bytes:
    body = "".join(
        f'<Relationship Id="{rid}" Type="{rtype}" Target="{_xml_attr(target)}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, rtype, target, external in rels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{NS_REL}">{body}</Relationships>'
    ).encode()


# ---------------------------------------------------------------- the rewrite


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(path, "labelxl writes only .xlsx and .xlsm workbooks")


def _check_unique(sheets: Sequence[OutputSheet]) -> None:
    seen: set[str] = set()
    for s in sheets:
        if not isinstance(s, OutputSheet):
            raise TypeError(f"expected OutputSheet, got {type(s).__name__}")
        if s.name.casefold() in seen:
            raise ValueError(f"sheet {s.name!r} is listed twice")
        seen.add(s.name.casefold())


def _rewrite_file(
    src: Path, dst: Path, sheets: Sequence[OutputSheet], label: object
) -> WriteResult:
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(src, f"not an .xlsx/.xlsm package ({exc})") from exc
    with zf:
        return _rewrite(zf, dst, sheets, label=label)


def _table_identity(pkg: _Package, part: str) -> tuple[int, str]:
    """(id, name) of a table part, reading only up to its root element."""
    with pkg.zf.open(pkg.name(part)) as fh:
        for _, el in etree.iterparse(
            fh, events=("start",), resolve_entities=False, no_network=True
        ):
            return int(el.get("id", "0") or 0), el.get("name", "")
    return 0, ""


def _calc_chain_mentions(pkg: _Package, part: str, sheet_ids: set[str]) -> bool:
    """True if calcChain.xml lists a cell of one of ``sheet_ids`` (``i`` carries over)."""
    current = None
    with pkg.zf.open(pkg.name(part)) as fh:
        for _, el in etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True):
            if etree.QName(el).localname == "c":
                current = el.get("i", current)
                if current in sheet_ids:
                    return True
                el.clear()
    return False


_WORKBOOK_AFTER_CALC = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
                        "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects",
                        "extLst")  # fmt: skip


def _full_calc_on_load(wb: etree._Element) -> bool:
    """Set ``calcPr/@fullCalcOnLoad``; True if the workbook part changed."""
    calc = wb.find(f"{{{NS_MAIN}}}calcPr")
    if calc is None:
        calc = etree.Element(f"{{{NS_MAIN}}}calcPr")
        for i, child in enumerate(wb):
            if isinstance(child.tag, str) and etree.QName(child).localname in _WORKBOOK_AFTER_CALC:
                wb.insert(i, calc)
                break
        else:
            wb.append(calc)
    elif calc.get("fullCalcOnLoad") in ("1", "true"):
        return False
    calc.set("fullCalcOnLoad", "1")
    return True


def _rewrite(
    zf: zipfile.ZipFile, dst: Path, sheets: Sequence[OutputSheet], label: object
) -> WriteResult:
    pkg = _Package(zf, label)
    if not pkg.has("[Content_Types].xml"):
        raise WorkbookError(label, "not an Office package (no [Content_Types].xml)")
    main = [r for r in pkg.rels("") if r.type == RT_OFFICE_DOCUMENT and not r.external]
    if not main or not pkg.has(main[0].target):
        raise WorkbookError(label, "the package has no workbook part")
    wb_part = main[0].target
    wb = pkg.xml(wb_part)
    ns = etree.QName(wb).namespace
    if ns == NS_STRICT:
        raise WorkbookError(label, "Strict Open XML workbooks are not supported; save as .xlsx")
    if ns != NS_MAIN:
        raise WorkbookError(label, f"{wb_part} is not a SpreadsheetML workbook")
    wb_changed = False

    def q(local: str) -> str:
        return f"{{{NS_MAIN}}}{local}"

    pr = wb.find(q("workbookPr"))
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    sheets_el = wb.find(q("sheets"))
    if sheets_el is None:
        raise WorkbookError(label, f"{wb_part} lists no sheets")
    wb_rels = {r.id: r for r in pkg.rels(wb_part)}
    wb_rels_part = _rels_name(wb_part)
    wb_rels_xml = pkg.xml(wb_rels_part) if pkg.has(wb_rels_part) else None
    wb_rels_changed = False
    ct = pkg.xml("[Content_Types].xml")
    existing = [
        (el, el.get("name", ""), el.get(f"{{{NS_R}}}id", ""))
        for el in sheets_el.findall(q("sheet"))
    ]
    by_name = {name.casefold(): (el, rid) for el, name, rid in existing}
    wanted = {s.name.casefold() for s in sheets}
    kept = tuple(
        name for _, name, _ in existing
        if name.casefold().startswith(OUTPUT_PREFIX.casefold()) and name.casefold() not in wanted
    )  # fmt: skip

    # Which parts each output sheet goes to: the replaced sheet's own part, or a new one.
    taken = set(pkg.names)
    replaced_parts: dict[str, str] = {}  # sheet name → part
    replaced_ids: set[str] = set()
    new_sheets: list[tuple[OutputSheet, str]] = []
    for s in sheets:
        hit = by_name.get(s.name.casefold())
        if hit is None:
            new_sheets.append((s, ""))
            continue
        el, rid = hit
        rel = wb_rels.get(rid)
        if rel is None or rel.type != RT_WORKSHEET or rel.external:
            raise WorkbookError(label, f"sheet {s.name!r} exists but is not a worksheet; rename it")
        replaced_parts[s.name] = rel.target
        replaced_ids.add(el.get("sheetId", ""))
        if el.get("name") != s.name:
            el.set("name", s.name)
            wb_changed = True

    # Parts only the replaced sheets used (their tables, drawings a user added...) go away;
    # anything still reachable from the rest of the package stays.
    replaced_keys = {p.casefold() for p in replaced_parts.values()}
    old = set()
    for part in replaced_parts.values():
        old |= _walk([r.target for r in pkg.rels(part) if not r.external], pkg.rels)
    still = _walk([""], lambda p: [] if p.casefold() in replaced_keys else pkg.rels(p))
    removed = {p for p in old - still - replaced_keys if pkg.has(p)}
    removed_entries = {p.casefold() for p in removed}
    removed_entries |= {_rels_name(pkg.name(p)).casefold() for p in removed}
    taken -= removed_entries

    calc = [r for r in wb_rels.values() if r.type == RT_CALC_CHAIN and not r.external]
    drop_calc = bool(
        calc and replaced_ids and pkg.has(calc[0].target)
        and _calc_chain_mentions(pkg, calc[0].target, replaced_ids)
    )  # fmt: skip
    if drop_calc:
        removed.add(calc[0].target)
        removed_entries.add(calc[0].target.casefold())
        assert wb_rels_xml is not None
        for el in wb_rels_xml:
            if el.get("Id") == calc[0].id:
                wb_rels_xml.remove(el)
                wb_rels_changed = True

    # Cached results of user formulas that read LX sheets are stale now: ask Excel to
    # recalculate on open (Excel drops the flag on its next save).
    wb_changed |= _full_calc_on_load(wb)

    # Styles: find or append what the LX sheets need.
    style_rel = [r for r in wb_rels.values() if r.type == RT_STYLES and not r.external]
    style_part = style_rel[0].target if style_rel and pkg.has(style_rel[0].target) else None
    styles = _Styles(pkg.read(style_part) if style_part else None, label)
    writers = [_SheetWriter(s, styles, date1904) for s in sheets]

    def fresh(pattern: str) -> str:
        n = 1
        while (pattern.format(n)).casefold() in taken:
            n += 1
        name = pattern.format(n)
        taken.add(name.casefold())
        return name

    base = posixpath.dirname(wb_part)
    rid_numbers = [int(m.group(1)) for r in wb_rels for m in [re.fullmatch(r"rId(\d+)", r)] if m]
    next_rid = max(rid_numbers, default=0) + 1
    sheet_ids = [int(el.get("sheetId", "0") or 0) for el, _, _ in existing]
    next_sheet_id = max(sheet_ids, default=0) + 1
    new_parts: dict[str, str] = {}  # part → content type, for Overrides
    sheet_part: dict[str, str] = dict(replaced_parts)
    for s, _ in new_sheets:
        part = fresh(posixpath.join(base, "worksheets", "sheet{}.xml"))
        sheet_part[s.name] = part
        new_parts[part] = CT_WORKSHEET
        rid = f"rId{next_rid}"
        next_rid += 1
        el = etree.SubElement(sheets_el, q("sheet"))
        el.set("name", s.name)
        el.set("sheetId", str(next_sheet_id))
        el.set(f"{{{NS_R}}}id", rid)
        next_sheet_id += 1
        if wb_rels_xml is None:
            wb_rels_xml = etree.Element(f"{{{NS_REL}}}Relationships", nsmap={None: NS_REL})
        rel_el = etree.SubElement(wb_rels_xml, f"{{{NS_REL}}}Relationship")
        rel_el.set("Id", rid)
        rel_el.set("Type", RT_WORKSHEET)
        rel_el.set("Target", _relative(wb_part, part))
        wb_changed = wb_rels_changed = True
    if styles.new_part:
        style_part = posixpath.join(base, "styles.xml")
        if style_part.casefold() in taken:
            style_part = fresh(posixpath.join(base, "styles{}.xml"))
        taken.add(style_part.casefold())
        new_parts[style_part] = CT_STYLES
        if wb_rels_xml is None:
            wb_rels_xml = etree.Element(f"{{{NS_REL}}}Relationships", nsmap={None: NS_REL})
        rel_el = etree.SubElement(wb_rels_xml, f"{{{NS_REL}}}Relationship")
        rel_el.set("Id", f"rId{next_rid}")
        rel_el.set("Type", RT_STYLES)
        rel_el.set("Target", _relative(wb_part, style_part))
        wb_rels_changed = True

    # Tables: unique ids and names across the workbook (names share a namespace with names).
    table_ids: set[int] = set()
    table_names = {el.get("name", "").casefold() for el in wb.iter(q("definedName"))}
    for o in ct:
        if o.get("ContentType") == CT_TABLE:
            part = o.get("PartName", "").lstrip("/")
            if pkg.has(part) and part.casefold() not in removed_entries:
                tid, tname = _table_identity(pkg, part)
                table_ids.add(tid)
                table_names.add(tname.casefold())
    for w in writers:
        stem = "LX_" + re.sub(r"[^\w.]", "_", w.sheet.name[len(OUTPUT_PREFIX) :])
        name, n = stem, 1
        while name.casefold() in table_names:
            n += 1
            name = f"{stem}_{n}"
        table_names.add(name.casefold())
        tid = 1
        while tid in table_ids:
            tid += 1
        table_ids.add(tid)
        w.table_id, w.table_name = tid, name
        w.table_part = fresh(posixpath.join(base, "tables", "table{}.xml"))
        new_parts[w.table_part] = CT_TABLE

    # Content types: drop Overrides of removed parts, add those of new ones (net change only,
    # so a re-run that reuses the same part names leaves the part byte-identical).
    ct_changed = False
    overrides = {o.get("PartName", "").lstrip("/").casefold(): o for o in ct if o.get("PartName")}
    new_keys = {p.casefold() for p in new_parts}
    for key in removed_entries - new_keys:
        if key in overrides:
            ct.remove(overrides[key])
            ct_changed = True
    for part, ctype in new_parts.items():
        have = overrides.get(part.casefold())
        if have is not None and have.get("ContentType") == ctype:
            continue
        if have is not None:
            ct.remove(have)
        o = etree.SubElement(ct, f"{{{NS_CT}}}Override")
        o.set("PartName", "/" + part)
        o.set("ContentType", ctype)
        ct_changed = True

    edited: dict[str, tuple[str, bytes]] = {}  # key → (part name, new bytes)
    if ct_changed:
        edited["[content_types].xml"] = ("[Content_Types].xml", _serialize(ct))
    if wb_changed:
        edited[wb_part.casefold()] = (wb_part, _serialize(wb))
    if wb_rels_changed and wb_rels_xml is not None:
        edited[wb_rels_part.casefold()] = (wb_rels_part, _serialize(wb_rels_xml))
    if styles.changed and style_part:
        edited[style_part.casefold()] = (style_part, styles.to_bytes())

    # Sheet rels: the table, and one relationship per external link target.
    sheet_rels: dict[str, bytes] = {}
    link_ids: dict[str, dict[str, str]] = {}
    for w in writers:
        part = sheet_part[w.sheet.name]
        rels = [("rId1", RT_TABLE, _relative(part, w.table_part), False)]
        ids = {}
        for k, target in enumerate(w.external_targets(), start=2):
            ids[target] = f"rId{k}"
            rels.append((f"rId{k}", RT_HYPERLINK, target, True))
        link_ids[w.sheet.name] = ids
        sheet_rels[_rels_name(part).casefold()] = _rels_xml(rels)
    by_part = {sheet_part[w.sheet.name].casefold(): w for w in writers}

    written_rels: set[str] = set()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:

        def put(name: str, data: bytes | Iterable[bytes], like: zipfile.ZipInfo | None) -> None:
            info = zipfile.ZipInfo(name, date_time=like.date_time if like else stamp)
            info.compress_type = like.compress_type if like else zipfile.ZIP_DEFLATED
            if like is not None:
                info.external_attr = like.external_attr
            # Fast deflate for what labelxl writes: level 1 is ~3x faster than the default on
            # sheet XML for ~20% more bytes, and Excel recompresses on its next save anyway.
            # (The attribute is _compresslevel before Python 3.13, compress_level after.)
            setattr(info, _LEVEL_ATTR, FAST_DEFLATE)
            with out.open(info, "w") as fh:
                if isinstance(data, bytes):
                    fh.write(data)
                else:
                    for chunk in data:
                        fh.write(chunk)

        for info in pkg.infos:
            key = info.filename.casefold()
            if key in removed_entries and key not in sheet_rels:
                continue
            if key in by_part:
                w = by_part[key]
                put(info.filename, w.chunks(link_ids[w.sheet.name]), info)
            elif key in sheet_rels:
                put(info.filename, sheet_rels[key], info)
                written_rels.add(key)
            elif key in edited:
                put(info.filename, edited.pop(key)[1], info)
            else:
                copy_info = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                copy_info.compress_type = info.compress_type
                copy_info.external_attr = info.external_attr
                copy_info.file_size = info.file_size
                with zf.open(info) as src_fh, out.open(copy_info, "w") as fh:
                    shutil.copyfileobj(src_fh, fh, 1 << 20)
        for name, data in edited.values():  # parts that were not in the source (styles)
            put(name, data, None)
        for w in writers:
            part = sheet_part[w.sheet.name]
            if part.casefold() not in pkg.names:
                put(part, w.chunks(link_ids[w.sheet.name]), None)
            rels_key = _rels_name(part).casefold()
            if rels_key not in written_rels:
                put(_rels_name(part), sheet_rels[rels_key], None)
            put(w.table_part, w.table_xml(w.table_id, w.table_name), None)

    return WriteResult(
        path=dst,
        written=tuple(s.name for s in sheets),
        replaced=tuple(replaced_parts),
        added=tuple(s.name for s, _ in new_sheets),
        kept=kept,
        removed_parts=tuple(sorted(pkg.name(p) for p in removed)),
        rows=sum(len(s.frame) for s in sheets),
    )


def _skeleton(names: Sequence[str]) -> bytes:
    """A new workbook package whose (empty) sheets have these names, made by xlsxwriter."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name in names:
        book.add_worksheet(name)
    book.close()
    return buf.getvalue()
