"""Generate the default deck template ``templates/deck/default.pptx`` (16:9, named layouts).

Run ``python -m labelxl.deck.make_template [OUT]`` after changing this file; the result is
committed so users can open and restyle it in PowerPoint. It starts from python-pptx's
blank Office template, resizes it to 16:9, keeps five layouts renamed to the names the deck
looks up (``LX Title``, ``LX Title and Content``, ``LX Two Content``, ``LX Section``,
``LX Closing``, plus ``LX Title Only``) and gives them a quiet navy/grey style.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches

from labelxl.io.paths import templates_dir

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in, 16:9
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
MARGIN = Inches(0.5)
CONTENT_W = WIDTH - 2 * MARGIN

# (left, top, width, height) in inches for each kept placeholder, per layout and type.
_BOTTOM = {
    PP_PLACEHOLDER.DATE: (0.5, 7.05, 3.0, 0.3),
    PP_PLACEHOLDER.FOOTER: (4.17, 7.05, 5.0, 0.3),
    PP_PLACEHOLDER.SLIDE_NUMBER: (11.83, 7.05, 1.0, 0.3),
}
_TITLE = (0.5, 0.3, 12.333, 0.85)
_BODY = (0.5, 1.35, 12.333, 5.55)
_GEOMETRY: dict[str, dict[tuple[PP_PLACEHOLDER, int], tuple[float, float, float, float]]] = {
    "LX Title": {
        (PP_PLACEHOLDER.CENTER_TITLE, 0): (0.9, 2.2, 11.5, 1.5),
        (PP_PLACEHOLDER.SUBTITLE, 1): (0.9, 3.85, 11.5, 1.4),
    },
    "LX Title and Content": {
        (PP_PLACEHOLDER.TITLE, 0): _TITLE,
        (PP_PLACEHOLDER.OBJECT, 1): _BODY,
    },
    "LX Section": {
        (PP_PLACEHOLDER.TITLE, 0): (0.9, 2.6, 11.5, 1.3),
        (PP_PLACEHOLDER.BODY, 1): (0.9, 3.95, 11.5, 1.0),
    },
    "LX Two Content": {
        (PP_PLACEHOLDER.TITLE, 0): _TITLE,
        (PP_PLACEHOLDER.OBJECT, 1): (0.5, 1.35, 6.0, 5.55),
        (PP_PLACEHOLDER.OBJECT, 2): (6.833, 1.35, 6.0, 5.55),
    },
    "LX Title Only": {(PP_PLACEHOLDER.TITLE, 0): _TITLE},
    "LX Closing": {
        (PP_PLACEHOLDER.CENTER_TITLE, 0): (0.9, 2.2, 11.5, 1.5),
        (PP_PLACEHOLDER.SUBTITLE, 1): (0.9, 3.85, 11.5, 1.4),
    },
}
_RENAME = {
    "Title Slide": "LX Title",
    "Title and Content": "LX Title and Content",
    "Section Header": "LX Section",
    "Two Content": "LX Two Content",
    "Title Only": "LX Title Only",
    "Vertical Title and Text": "LX Closing",  # its body is replaced by a title-slide copy
}


def _box(shape, geometry: tuple[float, float, float, float]) -> None:
    left, top, width, height = geometry
    shape.left, shape.top = Inches(left), Inches(top)
    shape.width, shape.height = Inches(width), Inches(height)


def _accent(prs, shapes, left: int, top: int, width: int, height: int) -> None:
    """A navy bar on a master or layout (their shape trees have no add_shape: make it on a
    scratch slide and move its XML)."""
    scratch = prs.slides.add_slide(prs.slide_layouts[0])
    bar = scratch.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
    bar.fill.solid()
    bar.fill.fore_color.rgb = NAVY
    bar.line.fill.background()
    bar.shadow.inherit = False
    bar.name = "LX Accent"
    shapes._spTree.append(copy.deepcopy(bar._element))
    _drop_slide(prs, scratch)


def _drop_slide(prs, slide) -> None:
    ids = prs.slides._sldIdLst
    for sld_id in list(ids):
        if prs.part.related_part(sld_id.rId) is slide.part:
            prs.part.drop_rel(sld_id.rId)
            ids.remove(sld_id)


def _style_text(master) -> None:
    """Titles navy, left-aligned, 28 pt; body 18/16/14 pt grey-black; theme fonts kept."""
    styles = master._element.find(qn("p:txStyles"))
    title = styles.find(qn("p:titleStyle")).find(qn("a:lvl1pPr"))
    title.set("algn", "l")
    rpr = title.find(qn("a:defRPr"))
    rpr.set("sz", "2800")
    rpr.set("b", "1")
    for fill in rpr.findall(qn("a:solidFill")):
        rpr.remove(fill)
    fill = etree.SubElement(rpr, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr"), val="1F3864")
    rpr.insert(0, fill)
    body = styles.find(qn("p:bodyStyle"))
    for level, size in (("a:lvl1pPr", "1800"), ("a:lvl2pPr", "1600"), ("a:lvl3pPr", "1400")):
        el = body.find(qn(level))
        if el is not None:
            el.find(qn("a:defRPr")).set("sz", size)


def _set_theme_fonts(prs) -> None:
    """East Asian theme font so Chinese decks pick a CJK face (PowerPoint and LibreOffice)."""
    master_part = prs.slide_master.part
    for rel in master_part.rels.values():
        if rel.reltype.endswith("/theme"):
            theme = etree.fromstring(rel.target_part.blob)
            ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
            for ea in theme.iterfind(".//a:fontScheme//a:ea", ns):
                ea.set("typeface", "Microsoft YaHei")
            theme.find(".//a:themeElements", ns).getparent().set("name", "labelxl")
            rel.target_part._blob = etree.tostring(
                theme, xml_declaration=True, encoding="UTF-8", standalone=True
            )


def build(out: Path) -> Path:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    master = prs.slide_master
    for ph in master.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.TITLE:
            _box(ph, _TITLE)
        elif kind == PP_PLACEHOLDER.BODY:
            _box(ph, _BODY)
        elif kind in _BOTTOM:
            _box(ph, _BOTTOM[kind])
    _style_text(master)
    _accent(prs, master.shapes, MARGIN, Inches(1.17), CONTENT_W, Inches(0.04))
    _set_theme_fonts(prs)

    layouts = {layout.name: layout for layout in prs.slide_layouts}
    # LX Closing: the vertical layout's shapes replaced by copies of the title slide's.
    closing = layouts["Vertical Title and Text"]
    tree = closing.shapes._spTree
    for el in list(tree)[2:]:
        tree.remove(el)
    for el in list(layouts["Title Slide"].shapes._spTree)[2:]:
        tree.append(copy.deepcopy(el))
    for old, new in _RENAME.items():
        layouts[old]._element.cSld.set("name", new)
    for layout in list(prs.slide_layouts):
        if layout.name not in _GEOMETRY:
            prs.slide_layouts.remove(layout)
    for layout in prs.slide_layouts:
        geometry = _GEOMETRY[layout.name]
        for ph in layout.placeholders:  # type: ignore[misc]  # python-pptx typing quirk
            key = (ph.placeholder_format.type, ph.placeholder_format.idx)
            if key in geometry:
                _box(ph, geometry[key])
            elif key[0] in _BOTTOM:
                _box(ph, _BOTTOM[key[0]])
        if layout.name in ("LX Title", "LX Closing", "LX Section"):
            layout._element.set("showMasterSp", "0")  # no title rule; a side bar instead
            _accent(prs, layout.shapes, Inches(0.5), Inches(2.3), Inches(0.12), Inches(2.8))
            for ph in list(layout.placeholders):
                if ph.placeholder_format.type in (
                    PP_PLACEHOLDER.CENTER_TITLE,
                    PP_PLACEHOLDER.TITLE,
                ):
                    _left_navy(ph, 4000 if layout.name != "LX Section" else 3200)
                elif ph.placeholder_format.type in (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY):
                    _left_navy(ph, 2000, colour="595959", bold=False)
    props = prs.core_properties
    props.title = "labelxl deck template"
    props.author = "labelxl"
    props.last_modified_by = "labelxl"
    props.subject = props.keywords = props.comments = ""
    props.revision = 1
    out.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(out))
    return out


def _left_navy(ph, size: int, colour: str = "1F3864", bold: bool = True) -> None:
    """Left-aligned text of the given size/colour in a layout placeholder's list style."""
    body = ph._element.txBody
    lst = body.find(qn("a:lstStyle"))
    if lst is None:
        lst = etree.SubElement(body, qn("a:lstStyle"))
        body.insert(1, lst)
    for child in list(lst):
        lst.remove(child)
    lvl = etree.SubElement(lst, qn("a:lvl1pPr"), algn="l", marL="0", indent="0")
    etree.SubElement(lvl, qn("a:buNone"))
    rpr = etree.SubElement(lvl, qn("a:defRPr"), sz=str(size), b="1" if bold else "0")
    fill = etree.SubElement(rpr, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr"), val=colour)
    anchor = body.find(qn("a:bodyPr"))
    if anchor is not None:
        anchor.set(
            "anchor",
            "t"
            if ph.placeholder_format.type in (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY)
            else "b",
        )


def default_template_path() -> Path:
    return templates_dir() / "deck" / "default.pptx"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else default_template_path()
    print(build(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
