"""styles.xml with find-or-append: LX sheets get their styles without moving any user style."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from labelxl.io.ooxml.package import _PARSER, NS_MAIN, parse_xml, serialize

_BUILTIN_NUMFMT = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                   "0.00%": 10, "@": 49}  # fmt: skip
_DEFAULT_WIDTH = {"int": 10, "number": 12, "pct": 9, "hours": 9, "date": 12, "datetime": 17}
# Excel's own Good / Neutral / Bad cell styles: (font colour, fill colour).
_DXF_COLOURS = {
    "bad": ("FF9C0006", "FFFFC7CE"),
    "neutral": ("FF9C5700", "FFFFEB9C"),
    "good": ("FF006100", "FFC6EFCE"),
    "none": ("FF595959", "FFE7E6E6"),  # grey: nothing measured (a "No data" project)
}


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


class Styles:
    """styles.xml with find-or-append: existing entries are never changed or reordered.

    Looking for an identical entry before appending makes a second refresh leave the part
    byte-identical instead of growing it on every run.
    """

    def __init__(self, data: bytes | None, label: object) -> None:
        self.new_part = data is None
        self.root = parse_xml(
            data if data is not None else _MINIMAL_STYLES.encode(), "styles", label
        )
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

    def xf(
        self,
        num_fmt: int,
        font: int = 0,
        fill: int = 0,
        *,
        quote_prefix: bool = False,
        align: str | None = None,
        wrap: bool = False,
    ) -> int:
        key = ("xf", num_fmt, font, fill, quote_prefix, align, wrap)
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
        xml = f"<xf {attrs}/>"
        if align or wrap:
            how = (f' horizontal="{align}"' if align else "") + (' wrapText="1"' if wrap else "")
            xml = f'<xf {attrs} applyAlignment="1"><alignment{how}/></xf>'
        self._cache[key] = self._find_or_append("cellXfs", self._element(xml))
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
        return serialize(self.root)
