"""Native, editable PowerPoint charts in one palette: columns, bars, lines, scatter, band + limits.

Every chart is a python-pptx chart part (with its embedded workbook) so a manager can
restyle or re-point it in PowerPoint. Blank values (NaN) become gaps, never zeros.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Pt

# One palette for every chart and table in the deck.
NAVY = RGBColor(0x1F, 0x38, 0x64)
BLUE = RGBColor(0x2F, 0x6E, 0xBA)
TEAL = RGBColor(0x2A, 0x9D, 0x8F)
ORANGE = RGBColor(0xE0, 0x7B, 0x39)
GREY = RGBColor(0x8C, 0x8C, 0x8C)
LIGHT_GREY = RGBColor(0xD9, 0xD9, 0xD9)
BAND = RGBColor(0xC9, 0xD9, 0xEE)
GREEN = RGBColor(0x2E, 0x7D, 0x32)
AMBER = RGBColor(0xE6, 0xA1, 0x00)
RED = RGBColor(0xC0, 0x39, 0x2B)
SERIES = (NAVY, TEAL, ORANGE, BLUE, GREY)
STATUS = {"good": GREEN, "watch": AMBER, "bad": RED, "none": GREY}
RAG = {"Red": RED, "Amber": AMBER, "Green": GREEN, "No data": GREY}
FADED = RGBColor(0xA9, 0xB8, 0xD0)  # a partial period: the same navy, washed out
FLAG = {"below": RED, "within": GREY, "above": GREEN, "insufficient": LIGHT_GREY}

FONT_PT = 11
TITLE_PT = 13


Values = Iterable[Any]  # a list, array or pandas Series of numbers (NaN = gap)


@dataclass(frozen=True)
class Rect:
    """A box on a slide in EMU."""

    left: int
    top: int
    width: int
    height: int

    def split_h(self, share: float, gap: int = 228600) -> tuple[Rect, Rect]:
        w1 = int((self.width - gap) * share)
        return (
            Rect(self.left, self.top, w1, self.height),
            Rect(self.left + w1 + gap, self.top, self.width - w1 - gap, self.height),
        )

    def split_v(self, top_height: int, gap: int = 91440) -> tuple[Rect, Rect]:
        return (
            Rect(self.left, self.top, self.width, top_height),
            Rect(
                self.left, self.top + top_height + gap, self.width, self.height - top_height - gap
            ),
        )


def clean(values: Values) -> list[float | None]:
    """Numbers for chart data: NaN/None → None (a gap)."""
    out: list[float | None] = []
    for v in values:
        try:
            x = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(x if math.isfinite(x) else None)
    return out


def _style(chart, title: str, legend: bool) -> None:
    chart.font.size = Pt(FONT_PT)
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    for p in chart.chart_title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(TITLE_PT)
            r.font.bold = True
            r.font.color.rgb = NAVY
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(FONT_PT - 1)


def _value_axis(
    axis,
    number_format: str,
    title: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    major: float | None = None,
) -> None:
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = LIGHT_GREY
    axis.major_gridlines.format.line.width = Pt(0.5)
    axis.tick_labels.number_format = number_format
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(FONT_PT - 1)
    axis.format.line.fill.background()
    if minimum is not None:
        axis.minimum_scale = minimum
    if maximum is not None:
        axis.maximum_scale = maximum
    if major is not None:
        axis.major_unit = major
    if title:
        axis.has_title = True
        axis.axis_title.text_frame.text = title
        for p in axis.axis_title.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(FONT_PT - 1)
                r.font.bold = False


def _category_axis(axis, title: str | None = None) -> None:
    axis.tick_labels.font.size = Pt(FONT_PT - 1)
    axis.format.line.color.rgb = GREY
    axis.has_major_gridlines = False
    axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    if title:
        axis.has_title = True
        axis.axis_title.text_frame.text = title
        for p in axis.axis_title.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(FONT_PT - 1)
                r.font.bold = False


def _add(slide, kind, rect: Rect, data):
    frame = slide.shapes.add_chart(kind, rect.left, rect.top, rect.width, rect.height, data)
    return frame.chart


def column_chart(
    slide,
    rect: Rect,
    categories: Sequence[str],
    series: dict[str, Values],
    *,
    title: str,
    number_format: str,
    axis_title: str | None = None,
    horizontal: bool = False,
    colours: Sequence[RGBColor] = SERIES,
    point_colours: Sequence[RGBColor] | None = None,
    labels: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
):
    """Clustered columns (or horizontal bars) of one or more series over categories."""
    categories = list(categories)
    values_of = {name: list(values) for name, values in series.items()}
    if horizontal:
        # Bar charts draw the first category at the bottom; feed them reversed so the list
        # reads top-down (reversing the axis instead moves the value axis to the top).
        categories = categories[::-1]
        values_of = {name: v[::-1] for name, v in values_of.items()}
        point_colours = None if point_colours is None else list(point_colours)[::-1]
    data = CategoryChartData(number_format=number_format)
    data.categories = categories
    for name, values in values_of.items():
        data.add_series(name, clean(values))
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    chart = _add(slide, kind, rect, data)
    _style(chart, title, legend=len(series) > 1)
    # Bars encode length: they start at zero unless a caller zooms on purpose (percents).
    _value_axis(
        chart.value_axis, number_format, axis_title, 0.0 if minimum is None else minimum, maximum
    )
    if minimum is not None and maximum is not None:
        chart.value_axis.major_unit = nice_step(maximum - minimum)
    _category_axis(chart.category_axis)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.overlap = -10 if len(series) > 1 else 0
    for i, s in enumerate(plot.series):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = colours[i % len(colours)]
        s.invert_if_negative = False
    if point_colours is not None and len(series) == 1:
        for i, colour in enumerate(point_colours):
            pt = plot.series[0].points[i]
            pt.format.fill.solid()
            pt.format.fill.fore_color.rgb = colour
    if labels:
        plot.has_data_labels = True
        dl = plot.data_labels
        dl.number_format = number_format
        dl.number_format_is_linked = False
        dl.font.size = Pt(FONT_PT - 1)
    return chart


def line_chart(
    slide,
    rect: Rect,
    categories: Sequence[str],
    series: dict[str, Values],
    *,
    title: str,
    number_format: str,
    axis_title: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    colours: Sequence[RGBColor] = SERIES,
):
    """Lines with markers over categories (periods)."""
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    for name, values in series.items():
        data.add_series(name, clean(values))
    chart = _add(slide, XL_CHART_TYPE.LINE_MARKERS, rect, data)
    _style(chart, title, legend=len(series) > 1)
    _value_axis(chart.value_axis, number_format, axis_title, minimum, maximum)
    _category_axis(chart.category_axis)
    for i, s in enumerate(chart.plots[0].series):
        colour = colours[i % len(colours)]
        s.smooth = False
        s.format.line.color.rgb = colour
        s.format.line.width = Pt(2.25)
        _marker(s.marker, colour, XL_MARKER_STYLE.CIRCLE, 6)
    return chart


def _marker(marker, colour: RGBColor, style, size: int) -> None:
    """A solid marker of one colour (series or single point)."""
    marker.style = style
    marker.size = size
    marker.format.fill.solid()
    marker.format.fill.fore_color.rgb = colour
    marker.format.line.color.rgb = colour


def scatter_chart(
    slide,
    rect: Rect,
    groups: Sequence[tuple[str, Values, Values, RGBColor]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    x_format: str,
    y_format: str,
    y_min: float | None = None,
    y_max: float | None = None,
):
    """XY scatter, one series per group (name, xs, ys, colour); empty groups are skipped."""
    data = XyChartData()
    shown = []
    for name, xs, ys, colour in groups:
        pairs = [
            (x, y)
            for x, y in zip(clean(xs), clean(ys), strict=True)
            if x is not None and y is not None
        ]
        if not pairs:
            continue
        s = data.add_series(name, number_format=y_format)
        for x, y in pairs:
            s.add_data_point(x, y)
        shown.append(colour)
    chart = _add(slide, XL_CHART_TYPE.XY_SCATTER, rect, data)
    _style(chart, title, legend=True)
    _value_axis(
        chart.value_axis,
        y_format,
        y_title,
        y_min,
        y_max,
        nice_step(y_max - y_min) if y_min is not None and y_max is not None else None,
    )
    _value_axis(chart.category_axis, x_format, x_title)
    chart.category_axis.has_major_gridlines = False
    for s, colour in zip(chart.plots[0].series, shown, strict=True):
        s.format.line.fill.background()  # points only
        _marker(s.marker, colour, XL_MARKER_STYLE.CIRCLE, 7)
    return chart


def band_chart(
    slide,
    rect: Rect,
    categories: Sequence[str],
    *,
    low: Values,
    high: Values,
    lines: dict[str, tuple[Values, RGBColor, bool]],
    band_name: str,
    title: str,
    number_format: str,
    minimum: float | None = None,
    maximum: float | None = None,
    flagged: Sequence[bool] = (),
    flag_series: str | None = None,
):
    """An interval band (stacked area: transparent low + filled width) under lines.

    ``lines`` maps a series name to (values, colour, dashed). Points of ``flag_series``
    where ``flagged`` is true get a red marker (out-of-control weeks). The band and the
    lines share one value axis, so the chart stays one native combo chart.
    """
    lo, hi = clean(low), clean(high)
    width = [None if a is None or b is None else b - a for a, b in zip(lo, hi, strict=True)]
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    data.add_series("_low", lo)
    data.add_series(band_name, width)
    for name, (values, _, _) in lines.items():
        data.add_series(name, clean(values))
    chart = _add(slide, XL_CHART_TYPE.LINE_MARKERS, rect, data)
    _to_band(chart)
    _style(chart, title, legend=True)
    _value_axis(
        chart.value_axis,
        number_format,
        None,
        minimum,
        maximum,
        nice_step(maximum - minimum) if minimum is not None and maximum is not None else None,
    )
    _category_axis(chart.category_axis)
    area, line = chart.plots[0], chart.plots[1]
    area.series[0].format.fill.background()
    area.series[0].format.line.fill.background()
    area.series[1].format.fill.solid()
    area.series[1].format.fill.fore_color.rgb = BAND
    area.series[1].format.line.fill.background()
    _hide_legend_entry(chart, 0)
    for s, (name, (_, colour, dashed)) in zip(line.series, lines.items(), strict=True):
        s.smooth = False
        s.format.line.color.rgb = colour
        s.format.line.width = Pt(1.25 if dashed else 2.25)
        if dashed:
            s.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
            s.marker.style = XL_MARKER_STYLE.NONE
        else:
            _marker(s.marker, colour, XL_MARKER_STYLE.CIRCLE, 6)
        if name == flag_series:
            for i, bad in enumerate(flagged):
                if bad:
                    _marker(s.points[i].marker, RED, XL_MARKER_STYLE.DIAMOND, 11)
    return chart


def _to_band(chart) -> None:
    """Move the first two series of a line chart into a stacked area plot on the same axes."""
    plot_area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    line = plot_area.find(qn("c:lineChart"))
    area = etree.Element(qn("c:areaChart"))
    etree.SubElement(area, qn("c:grouping"), val="stacked")
    etree.SubElement(area, qn("c:varyColors"), val="0")
    for ser in line.findall(qn("c:ser"))[:2]:
        line.remove(ser)
        for tag in ("c:marker", "c:smooth", "c:dPt"):
            for el in ser.findall(qn(tag)):
                ser.remove(el)
        area.append(ser)
    for ax in line.findall(qn("c:axId")):
        area.append(copy.deepcopy(ax))
    line.addprevious(area)


def _hide_legend_entry(chart, idx: int) -> None:
    legend = chart._chartSpace.find(qn("c:chart")).find(qn("c:legend"))
    if legend is None:
        return
    entry = etree.Element(qn("c:legendEntry"))
    etree.SubElement(entry, qn("c:idx"), val=str(idx))
    etree.SubElement(entry, qn("c:delete"), val="1")
    legend.find(qn("c:legendPos")).addnext(entry)


def nice_step(span: float, ticks: int = 6) -> float:
    """A 1/2/5 × 10^k step giving about ``ticks`` gridlines over ``span``."""
    raw = span / max(ticks, 1)
    base = 10 ** math.floor(math.log10(raw)) if raw > 0 else 0.01
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)


def percent_range(values: Values, pad: float = 0.01) -> tuple[float, float, str]:
    """Axis bounds around percent values on a round step, and a fitting number format."""
    xs = [x for x in clean(values) if x is not None]
    if not xs:
        return 0.0, 1.0, "0%"
    lo, hi = max(0.0, min(xs) - pad), min(1.0, max(xs) + pad)
    if hi - lo < 0.02:
        lo, hi = max(0.0, lo - 0.01), min(1.0, hi + 0.01)
    step = nice_step(hi - lo)
    lo = max(0.0, math.floor(lo / step + 1e-9) * step)
    hi = min(1.0, math.ceil(hi / step - 1e-9) * step)
    return round(lo, 6), round(hi, 6), "0%" if step >= 0.01 - 1e-12 else "0.0%"


def pareto_chart(
    slide,
    rect: Rect,
    categories: Sequence[str],
    counts: Values,
    cumulative: Values,
    *,
    title: str,
    count_name: str,
    cumulative_name: str,
):
    """A native combo chart: counts as columns, cumulative share as a line on a 0–100%
    secondary axis. python-pptx writes single-type charts only, so the line series is moved
    into its own ``c:lineChart`` with a second (hidden) category axis and a right-hand value
    axis, which is how PowerPoint itself stores a combo chart."""
    data = CategoryChartData(number_format="#,##0")
    data.categories = list(categories)
    data.add_series(count_name, clean(counts))
    data.add_series(cumulative_name, clean(cumulative), number_format="0%")
    chart = _add(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, rect, data)
    _style(chart, title, legend=True)
    _value_axis(chart.value_axis, "#,##0", None, 0.0)
    _category_axis(chart.category_axis)
    _to_secondary_line(chart)  # after styling: the axis accessors find the primary axes
    bars, line = chart.plots[0], chart.plots[1]
    bars.gap_width = 60
    bars.series[0].format.fill.solid()
    bars.series[0].format.fill.fore_color.rgb = NAVY
    bars.series[0].invert_if_negative = False
    bars.has_data_labels = True
    bars.data_labels.number_format = "#,##0"
    bars.data_labels.number_format_is_linked = False
    bars.data_labels.font.size = Pt(FONT_PT - 1)
    s = line.series[0]
    s.smooth = False
    s.format.line.color.rgb = ORANGE
    s.format.line.width = Pt(2.25)
    _marker(s.marker, ORANGE, XL_MARKER_STYLE.CIRCLE, 6)
    return chart


_SECONDARY_CAT, _SECONDARY_VAL = "60000001", "60000002"


def _to_secondary_line(chart) -> None:
    """Move a bar chart's second series into a line plot on a secondary 0–100% axis."""
    plot_area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    bar = plot_area.find(qn("c:barChart"))
    ser = bar.findall(qn("c:ser"))[1]
    bar.remove(ser)
    for tag in ("c:invertIfNegative", "c:shape", "c:pictureOptions"):
        for el in ser.findall(qn(tag)):
            ser.remove(el)
    line = etree.Element(qn("c:lineChart"))
    etree.SubElement(line, qn("c:grouping"), val="standard")
    etree.SubElement(line, qn("c:varyColors"), val="0")
    line.append(ser)
    etree.SubElement(line, qn("c:marker"), val="1")
    etree.SubElement(line, qn("c:axId"), val=_SECONDARY_CAT)
    etree.SubElement(line, qn("c:axId"), val=_SECONDARY_VAL)
    bar.addnext(line)
    axes = [el for el in plot_area if el.tag in (qn("c:catAx"), qn("c:valAx"))]
    cat = etree.Element(qn("c:catAx"))
    etree.SubElement(cat, qn("c:axId"), val=_SECONDARY_CAT)
    sc = etree.SubElement(cat, qn("c:scaling"))
    etree.SubElement(sc, qn("c:orientation"), val="minMax")
    etree.SubElement(cat, qn("c:delete"), val="1")
    etree.SubElement(cat, qn("c:axPos"), val="b")
    etree.SubElement(cat, qn("c:majorTickMark"), val="none")
    etree.SubElement(cat, qn("c:minorTickMark"), val="none")
    etree.SubElement(cat, qn("c:tickLblPos"), val="nextTo")
    etree.SubElement(cat, qn("c:crossAx"), val=_SECONDARY_VAL)
    etree.SubElement(cat, qn("c:crosses"), val="autoZero")
    etree.SubElement(cat, qn("c:auto"), val="1")
    etree.SubElement(cat, qn("c:lblAlgn"), val="ctr")
    etree.SubElement(cat, qn("c:lblOffset"), val="100")
    etree.SubElement(cat, qn("c:noMultiLvlLbl"), val="0")
    val = etree.Element(qn("c:valAx"))
    etree.SubElement(val, qn("c:axId"), val=_SECONDARY_VAL)
    sc = etree.SubElement(val, qn("c:scaling"))
    etree.SubElement(sc, qn("c:orientation"), val="minMax")
    etree.SubElement(sc, qn("c:max"), val="1")
    etree.SubElement(sc, qn("c:min"), val="0")
    etree.SubElement(val, qn("c:delete"), val="0")
    etree.SubElement(val, qn("c:axPos"), val="r")
    etree.SubElement(val, qn("c:numFmt"), formatCode="0%", sourceLinked="0")
    etree.SubElement(val, qn("c:majorTickMark"), val="out")
    etree.SubElement(val, qn("c:minorTickMark"), val="none")
    etree.SubElement(val, qn("c:tickLblPos"), val="nextTo")
    tx = etree.SubElement(val, qn("c:txPr"))
    etree.SubElement(tx, qn("a:bodyPr"))
    etree.SubElement(tx, qn("a:lstStyle"))
    p = etree.SubElement(tx, qn("a:p"))
    ppr = etree.SubElement(p, qn("a:pPr"))
    etree.SubElement(ppr, qn("a:defRPr"), sz=str((FONT_PT - 1) * 100))
    etree.SubElement(p, qn("a:endParaRPr"), lang="en-US")
    etree.SubElement(val, qn("c:crossAx"), val=_SECONDARY_CAT)
    etree.SubElement(val, qn("c:crosses"), val="max")
    etree.SubElement(val, qn("c:crossBetween"), val="between")
    etree.SubElement(val, qn("c:majorUnit"), val="0.2")
    axes[-1].addnext(cat)
    cat.addnext(val)


def fade_points(chart, indexes: Sequence[int], colour: RGBColor = FADED) -> None:
    """Wash out some columns of a one-series column chart (a partial period)."""
    series = chart.plots[0].series[0]
    for i in indexes:
        pt = series.points[i]
        pt.format.fill.solid()
        pt.format.fill.fore_color.rgb = colour
