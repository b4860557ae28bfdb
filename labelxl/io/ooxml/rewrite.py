"""The rewrite of one package, as a list of named phases over one ``_Edit`` state.

``rewrite`` reads like the list of what happens to a user's workbook: open and check it,
match LX sheets to existing ones, find the parts only replaced sheets used, drop a stale
calcChain, ask for recalculation, add new sheets, styles and tables to the listing parts,
then stream the package out copying every other entry unchanged.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import struct
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from labelxl.errors import WorkbookError
from labelxl.io.ooxml import parts
from labelxl.io.ooxml.package import (
    CT_STYLES,
    CT_TABLE,
    CT_WORKSHEET,
    NS_CT,
    NS_MAIN,
    NS_R,
    NS_REL,
    NS_STRICT,
    RT_CALC_CHAIN,
    RT_DRAWING,
    RT_HYPERLINK,
    RT_OFFICE_DOCUMENT,
    RT_STYLES,
    RT_TABLE,
    RT_WORKSHEET,
    Package,
    Rel,
    calc_chain_mentions,
    relative,
    rels_name,
    rels_xml,
    serialize,
    table_identity,
    walk,
)
from labelxl.io.ooxml.sheet import OutputSheet, SheetWriter
from labelxl.io.ooxml.styles import Styles
from labelxl.model.schema import OUTPUT_PREFIX

FAST_DEFLATE = 1
_LEVEL_ATTR = (
    "compress_level" if "compress_level" in zipfile.ZipInfo.__slots__ else "_compresslevel"
)
_WORKBOOK_AFTER_CALC = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
                        "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects",
                        "extLst")  # fmt: skip


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


def _q(local: str) -> str:
    return f"{{{NS_MAIN}}}{local}"


@dataclass
class _Edit:
    """Everything one rewrite reads and changes; the phases below fill it in order."""

    pkg: Package
    label: object
    sheets: Sequence[OutputSheet]
    wb_part: str = ""
    wb: etree._Element = None  # type: ignore[assignment]
    sheets_el: etree._Element = None  # type: ignore[assignment]
    date1904: bool = False
    wb_rels: dict[str, Rel] = field(default_factory=dict)
    wb_rels_xml: etree._Element | None = None
    ct: etree._Element = None  # type: ignore[assignment]
    wb_changed: bool = False
    wb_rels_changed: bool = False
    ct_changed: bool = False
    existing: list[tuple[etree._Element, str, str]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)  # part names in use (casefolded)
    sheet_part: dict[str, str] = field(default_factory=dict)  # sheet name → part
    replaced: dict[str, str] = field(default_factory=dict)  # replaced sheet name → part
    replaced_ids: set[str] = field(default_factory=set)  # their sheetIds
    added: list[OutputSheet] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)  # part names that go away
    removed_entries: set[str] = field(default_factory=set)  # zip entries that go (casefolded)
    new_parts: dict[str, str] = field(default_factory=dict)  # part → content type
    styles: Styles | None = None
    style_part: str | None = None
    writers: list[SheetWriter] = field(default_factory=list)
    edited: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key → (name, bytes)
    sheet_rels: dict[str, bytes] = field(default_factory=dict)  # rels entry key → bytes
    link_ids: dict[str, dict[str, str]] = field(default_factory=dict)
    drawing_part: dict[str, str] = field(default_factory=dict)  # sheet name → its drawing
    new_files: dict[str, bytes] = field(default_factory=dict)  # new entries (charts...)

    @property
    def base(self) -> str:
        return posixpath.dirname(self.wb_part)

    def fresh(self, pattern: str) -> str:
        """The first unused part name ``pattern.format(n)``, n = 1, 2, ...; marked taken."""
        n = 1
        while (pattern.format(n)).casefold() in self.taken:
            n += 1
        name = pattern.format(n)
        self.taken.add(name.casefold())
        return name

    def wb_relationship(self, rtype: str, target_part: str) -> str:
        """Append a workbook relationship to ``target_part``; returns its new id."""
        numbers = [
            int(m.group(1)) for r in self.wb_rels for m in [re.fullmatch(r"rId(\d+)", r)] if m
        ]
        if self.wb_rels_xml is not None:
            numbers += [
                int(m.group(1))
                for el in self.wb_rels_xml
                for m in [re.fullmatch(r"rId(\d+)", el.get("Id", ""))]
                if m
            ]
        rid = f"rId{max(numbers, default=0) + 1}"
        if self.wb_rels_xml is None:
            self.wb_rels_xml = etree.Element(f"{{{NS_REL}}}Relationships", nsmap={None: NS_REL})
        rel_el = etree.SubElement(self.wb_rels_xml, f"{{{NS_REL}}}Relationship")
        rel_el.set("Id", rid)
        rel_el.set("Type", rtype)
        rel_el.set("Target", relative(self.wb_part, target_part))
        self.wb_rels_changed = True
        return rid


def rewrite(
    zf: zipfile.ZipFile, dst: Path, sheets: Sequence[OutputSheet], label: object
) -> WriteResult:
    """Write ``sheets`` into the package ``zf`` as the new package ``dst``."""
    e = _Edit(Package(zf, label), label, sheets)
    _open_workbook(e)
    _match_sheets(e)
    _find_orphaned_parts(e)
    _drop_stale_calc_chain(e)
    e.wb_changed |= _full_calc_on_load(e.wb)
    _load_styles(e)
    _add_new_sheets(e)
    parts.add_print_titles(e)
    _add_styles_part(e)
    _name_tables(e)
    parts.add_charts(e)
    _update_content_types(e)
    _collect_edited_parts(e)
    _build_sheet_rels(e)
    _write_package(e, dst)
    return WriteResult(
        path=dst,
        written=tuple(s.name for s in sheets),
        replaced=tuple(e.replaced),
        added=tuple(s.name for s in e.added),
        kept=_kept(e),
        removed_parts=tuple(sorted(e.pkg.name(p) for p in e.removed)),
        rows=sum(len(s.frame) for s in sheets),
    )


# ---------------------------------------------------------------- phases


def _open_workbook(e: _Edit) -> None:
    """Find the workbook part, refuse what is not transitional SpreadsheetML, read listings."""
    pkg, label = e.pkg, e.label
    if not pkg.has("[Content_Types].xml"):
        raise WorkbookError(label, "not an Office package (no [Content_Types].xml)")
    main = [r for r in pkg.rels("") if r.type == RT_OFFICE_DOCUMENT and not r.external]
    if not main or not pkg.has(main[0].target):
        raise WorkbookError(label, "the package has no workbook part")
    e.wb_part = main[0].target
    e.wb = pkg.xml(e.wb_part)
    ns = etree.QName(e.wb).namespace
    if ns == NS_STRICT:
        raise WorkbookError(label, "Strict Open XML workbooks are not supported; save as .xlsx")
    if ns != NS_MAIN:
        raise WorkbookError(label, f"{e.wb_part} is not a SpreadsheetML workbook")
    pr = e.wb.find(_q("workbookPr"))
    e.date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    sheets_el = e.wb.find(_q("sheets"))
    if sheets_el is None:
        raise WorkbookError(label, f"{e.wb_part} lists no sheets")
    e.sheets_el = sheets_el
    e.wb_rels = {r.id: r for r in pkg.rels(e.wb_part)}
    wb_rels_part = rels_name(e.wb_part)
    e.wb_rels_xml = pkg.xml(wb_rels_part) if pkg.has(wb_rels_part) else None
    e.ct = pkg.xml("[Content_Types].xml")
    e.existing = [
        (el, el.get("name", ""), el.get(f"{{{NS_R}}}id", ""))
        for el in sheets_el.findall(_q("sheet"))
    ]
    e.taken = set(pkg.names)


def _kept(e: _Edit) -> tuple[str, ...]:
    wanted = {s.name.casefold() for s in e.sheets}
    prefix = OUTPUT_PREFIX.casefold()
    return tuple(
        name
        for _, name, _ in e.existing
        if name.casefold().startswith(prefix) and name.casefold() not in wanted
    )


def _match_sheets(e: _Edit) -> None:
    """Each output sheet goes to the part of the sheet it replaces, or is added."""
    by_name = {name.casefold(): (el, rid) for el, name, rid in e.existing}
    for s in e.sheets:
        hit = by_name.get(s.name.casefold())
        if hit is None:
            e.added.append(s)
            continue
        el, rid = hit
        rel = e.wb_rels.get(rid)
        if rel is None or rel.type != RT_WORKSHEET or rel.external:
            raise WorkbookError(
                e.label, f"sheet {s.name!r} exists but is not a worksheet; rename it"
            )
        e.replaced[s.name] = rel.target
        e.replaced_ids.add(el.get("sheetId", ""))
        if el.get("name") != s.name:  # same name in another case: take the new spelling
            el.set("name", s.name)
            e.wb_changed = True
    e.sheet_part.update(e.replaced)


def _find_orphaned_parts(e: _Edit) -> None:
    """Parts only the replaced sheets used (their tables, drawings a user added...) go away;
    anything still reachable from the rest of the package stays."""
    pkg = e.pkg
    replaced_keys = {p.casefold() for p in e.replaced.values()}
    old: set[str] = set()
    for part in e.replaced.values():
        old |= walk([r.target for r in pkg.rels(part) if not r.external], pkg.rels)
    still = walk([""], lambda p: [] if p.casefold() in replaced_keys else pkg.rels(p))
    e.removed = {p for p in old - still - replaced_keys if pkg.has(p)}
    e.removed_entries = {p.casefold() for p in e.removed}
    e.removed_entries |= {rels_name(pkg.name(p)).casefold() for p in e.removed}
    e.taken -= e.removed_entries


def _drop_stale_calc_chain(e: _Edit) -> None:
    """calcChain.xml is a cache; when it lists cells of a replaced sheet it would be wrong."""
    calc = [r for r in e.wb_rels.values() if r.type == RT_CALC_CHAIN and not r.external]
    if not (calc and e.replaced_ids and e.pkg.has(calc[0].target)):
        return
    if not calc_chain_mentions(e.pkg, calc[0].target, e.replaced_ids):
        return
    e.removed.add(calc[0].target)
    e.removed_entries.add(calc[0].target.casefold())
    assert e.wb_rels_xml is not None
    for el in e.wb_rels_xml:
        if el.get("Id") == calc[0].id:
            e.wb_rels_xml.remove(el)
            e.wb_rels_changed = True


def _full_calc_on_load(wb: etree._Element) -> bool:
    """Set ``calcPr/@fullCalcOnLoad``; True if the workbook part changed.

    Cached results of user formulas that read LX sheets are stale now: Excel recalculates
    on open (and drops the flag on its next save).
    """
    calc = wb.find(_q("calcPr"))
    if calc is None:
        calc = etree.Element(_q("calcPr"))
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


def _load_styles(e: _Edit) -> None:
    """Find or append what the LX sheets need in styles.xml; build one writer per sheet."""
    style_rel = [r for r in e.wb_rels.values() if r.type == RT_STYLES and not r.external]
    if style_rel and e.pkg.has(style_rel[0].target):
        e.style_part = style_rel[0].target
    e.styles = Styles(e.pkg.read(e.style_part) if e.style_part else None, e.label)
    e.writers = [SheetWriter(s, e.styles, e.date1904) for s in e.sheets]


def _add_new_sheets(e: _Edit) -> None:
    """A worksheet part, a ``<sheet>`` entry and a workbook relationship per added sheet."""
    sheet_ids = [int(el.get("sheetId", "0") or 0) for el, _, _ in e.existing]
    next_sheet_id = max(sheet_ids, default=0) + 1
    for s in e.added:
        part = e.fresh(posixpath.join(e.base, "worksheets", "sheet{}.xml"))
        e.sheet_part[s.name] = part
        e.new_parts[part] = CT_WORKSHEET
        rid = e.wb_relationship(RT_WORKSHEET, part)
        el = etree.SubElement(e.sheets_el, _q("sheet"))
        el.set("name", s.name)
        el.set("sheetId", str(next_sheet_id))
        el.set(f"{{{NS_R}}}id", rid)
        next_sheet_id += 1
        e.wb_changed = True


def _add_styles_part(e: _Edit) -> None:
    """A package without styles.xml gets one (LX sheets need number formats and fills)."""
    assert e.styles is not None
    if not e.styles.new_part:
        return
    part = posixpath.join(e.base, "styles.xml")
    if part.casefold() in e.taken:
        part = e.fresh(posixpath.join(e.base, "styles{}.xml"))
    e.taken.add(part.casefold())
    e.style_part = part
    e.new_parts[part] = CT_STYLES
    e.wb_relationship(RT_STYLES, part)


def _name_tables(e: _Edit) -> None:
    """Table ids and names unique across the workbook (names share a namespace with
    defined names); one new table part per LX sheet."""
    table_ids: set[int] = set()
    table_names = {el.get("name", "").casefold() for el in e.wb.iter(_q("definedName"))}
    for o in e.ct:
        if o.get("ContentType") == CT_TABLE:
            part = o.get("PartName", "").lstrip("/")
            if e.pkg.has(part) and part.casefold() not in e.removed_entries:
                tid, tname = table_identity(e.pkg, part)
                table_ids.add(tid)
                table_names.add(tname.casefold())
    for w in e.writers:
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
        w.table_part = e.fresh(posixpath.join(e.base, "tables", "table{}.xml"))
        e.new_parts[w.table_part] = CT_TABLE


def _update_content_types(e: _Edit) -> None:
    """Drop Overrides of removed parts, add those of new ones (net change only, so a re-run
    that reuses the same part names leaves the part byte-identical)."""
    ct = e.ct
    overrides = {o.get("PartName", "").lstrip("/").casefold(): o for o in ct if o.get("PartName")}
    new_keys = {p.casefold() for p in e.new_parts}
    for key in e.removed_entries - new_keys:
        if key in overrides:
            ct.remove(overrides[key])
            e.ct_changed = True
    for part, ctype in e.new_parts.items():
        have = overrides.get(part.casefold())
        if have is not None and have.get("ContentType") == ctype:
            continue
        if have is not None:
            ct.remove(have)
        o = etree.SubElement(ct, f"{{{NS_CT}}}Override")
        o.set("PartName", "/" + part)
        o.set("ContentType", ctype)
        e.ct_changed = True


def _collect_edited_parts(e: _Edit) -> None:
    """The listing parts that changed, serialised once."""
    if e.ct_changed:
        e.edited["[content_types].xml"] = ("[Content_Types].xml", serialize(e.ct))
    if e.wb_changed:
        e.edited[e.wb_part.casefold()] = (e.wb_part, serialize(e.wb))
    wb_rels_part = rels_name(e.wb_part)
    if e.wb_rels_changed and e.wb_rels_xml is not None:
        e.edited[wb_rels_part.casefold()] = (wb_rels_part, serialize(e.wb_rels_xml))
    assert e.styles is not None
    if e.styles.changed and e.style_part:
        e.edited[e.style_part.casefold()] = (e.style_part, e.styles.to_bytes())


def _build_sheet_rels(e: _Edit) -> None:
    """Each LX sheet's rels: its table, and one relationship per external link target."""
    for w in e.writers:
        part = e.sheet_part[w.sheet.name]
        rels = [("rId1", RT_TABLE, relative(part, w.table_part), False)]
        ids = {}
        for k, target in enumerate(w.external_targets(), start=2):
            ids[target] = f"rId{k}"
            rels.append((f"rId{k}", RT_HYPERLINK, target, True))
        drawing = e.drawing_part.get(w.sheet.name)
        if drawing is not None:
            w.drawing_rid = f"rId{len(rels) + 1}"
            rels.append((w.drawing_rid, RT_DRAWING, relative(part, drawing), False))
        e.link_ids[w.sheet.name] = ids
        e.sheet_rels[rels_name(part).casefold()] = rels_xml(rels)


class _Out:
    """The output zip: new entries deflated fast, copies keep their bytes and method."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.stamp = time.localtime()[:6]

    def put(self, name: str, data: bytes | Iterable[bytes], like: zipfile.ZipInfo | None) -> None:
        info = zipfile.ZipInfo(name, date_time=like.date_time if like else self.stamp)
        info.compress_type = like.compress_type if like else zipfile.ZIP_DEFLATED
        if like is not None:
            info.external_attr = like.external_attr
        # Fast deflate for what labelxl writes: level 1 is ~3x faster than the default on
        # sheet XML for ~20% more bytes, and Excel recompresses on its next save anyway.
        # (The attribute is _compresslevel before Python 3.13, compress_level after.)
        setattr(info, _LEVEL_ATTR, FAST_DEFLATE)
        with self.zf.open(info, "w") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                for chunk in data:
                    fh.write(chunk)

    def copy(self, src: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """A part labelxl does not own, as its stored (compressed) bytes: no inflating and
        deflating again (a third of a rewrite's time), and the very bytes Excel wrote."""
        if not _copy_stored(src, info, self.zf):
            copy_info = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy_info.compress_type = info.compress_type
            copy_info.external_attr = info.external_attr
            copy_info.file_size = info.file_size
            with src.open(info) as src_fh, self.zf.open(copy_info, "w") as fh:
                shutil.copyfileobj(src_fh, fh, 1 << 20)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader (30 bytes)


def _copy_stored(src: zipfile.ZipFile, info: zipfile.ZipInfo, zf: zipfile.ZipFile) -> bool:
    """Copy an entry's stored bytes into ``zf`` as ``ZipFile.write`` would have stored
    them (a local header, then the data; the central directory lists it). False, having
    written nothing, where that is not plain: an encrypted entry or an odd local header.

    Uses the ZipFile writing internals every CPython since 3.6 keeps (``fp``,
    ``filelist``, ``NameToInfo``, ``start_dir``): the standard library has no raw copy.
    """
    if info.flag_bits & 0x1 or src.fp is None or zf.fp is None:
        return False
    fp = src.fp
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        return False
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":  # a local file header's signature
        return False
    fp.seek(fields[10] + fields[11], 1)  # the name and the extra field
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = info.compress_type
    out.external_attr = info.external_attr
    out.create_system = info.create_system
    out.flag_bits = info.flag_bits & 0x800  # UTF-8 names; sizes are in the local header
    out.CRC, out.compress_size, out.file_size = info.CRC, info.compress_size, info.file_size
    zip64 = max(info.file_size, info.compress_size) > zipfile.ZIP64_LIMIT
    out.header_offset = zf.fp.tell()
    zf.fp.write(out.FileHeader(zip64))
    left = info.compress_size
    while left > 0:
        chunk = fp.read(min(left, 1 << 20))
        if not chunk:
            raise WorkbookError(Path(str(src.filename)), f"{info.filename} is cut short")
        zf.fp.write(chunk)
        left -= len(chunk)
    zf.filelist.append(out)
    zf.NameToInfo[out.filename] = out
    zf.start_dir = zf.fp.tell()
    return True


def _write_package(e: _Edit, dst: Path) -> None:
    """Every source entry in its order (LX parts and listings rewritten, the rest copied),
    then the parts that are new."""
    by_part = {e.sheet_part[w.sheet.name].casefold(): w for w in e.writers}
    written_rels: set[str] = set()
    edited = dict(e.edited)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        out = _Out(zf)
        for info in e.pkg.infos:
            key = info.filename.casefold()
            if key in e.removed_entries and key not in e.sheet_rels:
                continue
            if key in by_part:
                w = by_part[key]
                out.put(info.filename, w.chunks(e.link_ids[w.sheet.name]), info)
            elif key in e.sheet_rels:
                out.put(info.filename, e.sheet_rels[key], info)
                written_rels.add(key)
            elif key in edited:
                out.put(info.filename, edited.pop(key)[1], info)
            else:
                out.copy(e.pkg.zf, info)
        for name, data in edited.values():  # parts that were not in the source (styles)
            out.put(name, data, None)
        for w in e.writers:
            part = e.sheet_part[w.sheet.name]
            if part.casefold() not in e.pkg.names:
                out.put(part, w.chunks(e.link_ids[w.sheet.name]), None)
            rels_key = rels_name(part).casefold()
            if rels_key not in written_rels:
                out.put(rels_name(part), e.sheet_rels[rels_key], None)
            out.put(w.table_part, w.table_xml(w.table_id, w.table_name), None)
        for name, data in e.new_files.items():  # drawings, charts and their rels
            out.put(name, data, None)
