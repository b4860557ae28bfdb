"""The OPC zip package: part names, relationships, content types, safe XML parsing."""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote
from xml.sax.saxutils import escape

from lxml import etree

from labelxl.errors import WorkbookError

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
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
RT_DRAWING = NS_R + "/drawing"
RT_CHART = NS_R + "/chart"

ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
)


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str  # resolved part name (no leading "/") or the raw external target
    external: bool


def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def resolve(source: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source), target)
    return posixpath.normpath(joined).lstrip("/")


def relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


class Package:
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
        self._rels: dict[str, list[Rel]] = {}

    def has(self, part: str) -> bool:
        return part.casefold() in self.names

    def name(self, part: str) -> str:
        return self.names.get(part.casefold(), part)

    def read(self, part: str) -> bytes:
        return self.zf.read(self.names[part.casefold()])

    def xml(self, part: str) -> etree._Element:
        return parse_xml(self.read(part), part, self.label)

    def rels(self, part: str) -> list[Rel]:
        """Relationships of ``part`` ('' is the package root); empty when it has none."""
        key = part.casefold()
        if key not in self._rels:
            rels_part = "_rels/.rels" if part == "" else rels_name(part)
            found: list[Rel] = []
            if self.has(rels_part):
                for el in self.xml(rels_part):
                    if etree.QName(el).localname != "Relationship":
                        continue
                    external = el.get("TargetMode") == "External"
                    target = el.get("Target", "")
                    found.append(
                        Rel(
                            id=el.get("Id", ""),
                            type=el.get("Type", ""),
                            target=target if external else resolve(part, target),
                            external=external,
                        )
                    )
            self._rels[key] = found
        return self._rels[key]


def parse_xml(data: bytes, part: str, label: object) -> etree._Element:
    # Entity expansion is off in the parser; a DTD has no business in a package part.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise WorkbookError(label, f"{part} contains a DTD; refusing to read it")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(label, f"{part} is not well-formed XML: {exc}") from exc


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def walk(starts: Iterable[str], rels_of: Callable[[str], list[Rel]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        part = stack.pop()
        if part.casefold() in seen:
            continue
        seen.add(part.casefold())
        stack.extend(r.target for r in rels_of(part) if not r.external)
    return seen


def xml_text(s: str) -> str:
    return escape(ILLEGAL_XML.sub("", s))


def xml_attr(s: str) -> str:
    return escape(
        ILLEGAL_XML.sub("", s), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
    )


def rels_xml(rels: Sequence[tuple[str, str, str, bool]]) -> bytes:
    body = "".join(
        f'<Relationship Id="{rid}" Type="{rtype}" Target="{xml_attr(target)}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, rtype, target, external in rels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{NS_REL}">{body}</Relationships>'
    ).encode()


def calc_chain_mentions(pkg: Package, part: str, sheet_ids: set[str]) -> bool:
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


def table_identity(pkg: Package, part: str) -> tuple[int, str]:
    """(id, name) of a table part, reading only up to its root element."""
    with pkg.zf.open(pkg.name(part)) as fh:
        for _, el in etree.iterparse(
            fh, events=("start",), resolve_entities=False, no_network=True
        ):
            return int(el.get("id", "0") or 0), el.get("name", "")
    return 0, ""
