"""Rewrite phases that add what LX sheets own beyond their sheet: print titles and charts.

Print titles are the workbook's ``_xlnm.Print_Titles`` defined name scoped to the sheet
(row 1 repeats on every printed page). Charts are a drawing part per sheet plus one chart
part per chart, with their relationships and content types; a replaced sheet's old ones
are orphans the rewrite drops, so a re-run reuses the same part names.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from lxml import etree

from labelxl.io.ooxml.chart import Ref, Resolved, chart_xml, drawing_xml, resolve
from labelxl.io.ooxml.package import (
    CT_CHART,
    CT_DRAWING,
    NS_MAIN,
    RT_CHART,
    relative,
    rels_name,
    rels_xml,
)

if TYPE_CHECKING:
    from labelxl.io.ooxml.rewrite import _Edit

PRINT_TITLES = "_xlnm.Print_Titles"
_BEFORE_DEFINED_NAMES = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection",
                         "bookViews", "sheets", "functionGroups", "externalReferences")  # fmt: skip


def _q(local: str) -> str:
    return f"{{{NS_MAIN}}}{local}"


def _defined_names(wb: etree._Element) -> etree._Element:
    found = wb.find(_q("definedNames"))
    if found is not None:
        return found
    el = etree.Element(_q("definedNames"))
    last = -1
    for i, child in enumerate(wb):
        if isinstance(child.tag, str) and etree.QName(child).localname in _BEFORE_DEFINED_NAMES:
            last = i
    wb.insert(last + 1, el)
    return el


def add_print_titles(e: _Edit) -> None:
    """Row 1 of every LX sheet repeats on each printed page (set only when it differs)."""
    listed = e.sheets_el.findall(_q("sheet"))
    index = {el.get("name", "").casefold(): i for i, el in enumerate(listed)}
    names = e.wb.find(_q("definedNames"))
    have = {}
    if names is not None:
        for el in names.findall(_q("definedName")):
            if el.get("name", "").casefold() == PRINT_TITLES.casefold():
                have[el.get("localSheetId")] = el
    for s in e.sheets:
        sheet_id = str(index[s.name.casefold()])
        want = "'" + s.name.replace("'", "''") + "'!$1:$1"
        el = have.get(sheet_id)
        if el is not None and el.text == want:
            continue
        if el is None:
            el = etree.SubElement(_defined_names(e.wb), _q("definedName"))
            el.set("name", PRINT_TITLES)
            el.set("localSheetId", sheet_id)
        el.text = want
        e.wb_changed = True


def add_charts(e: _Edit) -> None:
    """A drawing part per LX sheet with charts, a chart part per chart, their rels."""
    by_name = {w.sheet.name: w for w in e.writers}
    for w in e.writers:
        if not w.sheet.charts:
            continue
        data: dict[Ref, Resolved] = {}
        for chart in w.sheet.charts:
            for ref in chart.refs:
                source = by_name.get(ref.sheet)
                if source is None:
                    raise ValueError(
                        f"{w.sheet.name}: chart {chart.title!r} reads sheet {ref.sheet!r}, "
                        "which is not in this write"
                    )
                data[ref] = resolve(ref, source.labels, source.sheet.frame, source.columns)
        drawing = e.fresh(posixpath.join(e.base, "drawings", "drawing{}.xml"))
        e.new_parts[drawing] = CT_DRAWING
        rels = []
        for k, chart in enumerate(w.sheet.charts, start=1):
            part = e.fresh(posixpath.join(e.base, "charts", "chart{}.xml"))
            e.new_parts[part] = CT_CHART
            e.new_files[part] = chart_xml(chart, data)
            rels.append((f"rId{k}", RT_CHART, relative(drawing, part), False))
        e.new_files[drawing] = drawing_xml(w.sheet.charts, w.column_pixels())
        e.new_files[rels_name(drawing)] = rels_xml(rels)
        e.drawing_part[w.sheet.name] = drawing
