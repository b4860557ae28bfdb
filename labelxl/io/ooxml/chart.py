"""Native Excel charts on LX sheets: chart specs as values, drawing and chart part XML.

A chart's series point at columns of LX sheets written in the same write (``Ref``); the
writer resolves them to cell ranges and writes the values as ``c:numCache``/``c:strCache``
so Excel, LibreOffice and previewers draw the chart before any recalculation. An interval
band is a stacked area: the lower bound drawn without fill, then the width of the band
filled. The width must be a column of cells: LibreOffice ignores literal series
(``c:numLit``), so a band drawn from literals would vanish there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from labelxl.io.ooxml.package import xml_attr, xml_text
from labelxl.model.findings import col_letter

NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SERIES_KINDS = ("line", "column", "band")
EMU_PER_PIXEL = 9525
ROW_PIXELS = 20  # the default 15 pt row


@dataclass(frozen=True)
class Ref:
    """A column of an LX sheet in the same write (by its header text); ``last`` keeps only
    the last N data rows (a 13-month trend of a longer table)."""

    sheet: str
    column: str
    last: int | None = None


@dataclass(frozen=True)
class Series:
    """One series: ``line`` or ``column`` of ``values``; ``band`` fills from ``values`` (the
    lower bound) up by ``width`` (a column holding high − low). ``secondary`` puts a line
    on a right-hand axis."""

    name: str
    values: Ref
    kind: str = "line"
    width: Ref | None = None
    colour: str = "1F4E79"
    dashed: bool = False
    secondary: bool = False

    def __post_init__(self) -> None:
        if self.kind not in SERIES_KINDS:
            raise ValueError(f"series kind {self.kind!r} is not one of {SERIES_KINDS}")
        if (self.kind == "band") != (self.width is not None):
            raise ValueError(f"series {self.name!r}: a band (and only a band) needs a width")


@dataclass(frozen=True)
class Chart:
    """A chart anchored at a cell of its sheet (zero-based column, row), ``size`` in pixels."""

    title: str
    categories: Ref
    series: tuple[Series, ...]
    anchor: tuple[int, int] = (0, 0)
    size: tuple[int, int] = (560, 280)
    y_format: str = "General"
    y2_format: str = "General"
    y_min: float | None = None
    y_max: float | None = None
    refs: tuple[Ref, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if not self.series:
            raise ValueError(f"chart {self.title!r} has no series")
        refs = [self.categories]
        for s in self.series:
            refs.append(s.values)
            if s.width is not None:
                refs.append(s.width)
        object.__setattr__(self, "refs", tuple(refs))


@dataclass(frozen=True)
class Resolved:
    """A Ref resolved against its sheet: the formula and the values it holds now."""

    formula: str
    values: list[object]


def resolve(
    ref: Ref, labels: Sequence[str], frame: pd.DataFrame, columns: Sequence[int]
) -> Resolved:
    """The cell range and values of ``ref`` in a sheet whose shown columns are ``labels``
    (positions ``columns`` in ``frame``); the table's header is row 1."""
    if ref.column not in labels:
        raise ValueError(f"chart data: sheet {ref.sheet!r} shows no column {ref.column!r}")
    i = labels.index(ref.column)
    n = len(frame)
    start = max(0, n - ref.last) if ref.last else 0
    letter = col_letter(i)
    sheet = "'" + ref.sheet.replace("'", "''") + "'"
    last_row = max(n + 1, start + 2)
    formula = f"{sheet}!${letter}${start + 2}:${letter}${last_row}"
    values = frame.iloc[start:, columns[i]].tolist()
    return Resolved(formula, values)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _pts(values: Sequence[object], numeric: bool) -> str:
    out = [f'<c:ptCount val="{len(values)}"/>']
    for i, v in enumerate(values):
        if numeric:
            number = _number(v)
            if number is not None:
                out.append(f'<c:pt idx="{i}"><c:v>{number!r}</c:v></c:pt>')
        elif v is not None and not (isinstance(v, float) and math.isnan(v)):
            out.append(f'<c:pt idx="{i}"><c:v>{xml_text(str(v))}</c:v></c:pt>')
    return "".join(out)


def _num_ref(r: Resolved) -> str:
    return (
        f"<c:numRef><c:f>{xml_text(r.formula)}</c:f><c:numCache><c:formatCode>General"
        f"</c:formatCode>{_pts(r.values, True)}</c:numCache></c:numRef>"
    )


def _str_ref(r: Resolved) -> str:
    cache = _pts(r.values, False)
    return f"<c:strRef><c:f>{xml_text(r.formula)}</c:f><c:strCache>{cache}</c:strCache></c:strRef>"


def _line_props(colour: str, dashed: bool, width: int = 28575) -> str:
    dash = '<a:prstDash val="dash"/>' if dashed else ""
    return (
        f'<c:spPr><a:ln w="{width}" cap="rnd"><a:solidFill><a:srgbClr val="{colour}"/>'
        f"</a:solidFill>{dash}<a:round/></a:ln></c:spPr>"
    )


def _fill_props(colour: str | None, alpha: int = 100) -> str:
    if colour is None:
        return "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
    shade = f'<a:alpha val="{alpha * 1000}"/>' if alpha < 100 else ""
    return (
        f'<c:spPr><a:solidFill><a:srgbClr val="{colour}">{shade}</a:srgbClr></a:solidFill>'
        "<a:ln><a:noFill/></a:ln></c:spPr>"
    )


def _ser(idx: int, name: str, props: str, cat: str, val: str, extra: str = "") -> str:
    return (
        f'<c:ser><c:idx val="{idx}"/><c:order val="{idx}"/><c:tx><c:v>{xml_text(name)}</c:v>'
        f"</c:tx>{props}{extra}<c:cat>{cat}</c:cat><c:val>{val}</c:val></c:ser>"
    )


_AX_CAT, _AX_VAL, _AX_CAT2, _AX_VAL2 = 500100, 500200, 500300, 500400


def chart_xml(chart: Chart, data: dict[Ref, Resolved]) -> bytes:
    """The chart part: column, band and line groups over one or two value axes."""
    groups, hidden, secondary = _groups(chart, data)
    legend_hide = "".join(
        f'<c:legendEntry><c:idx val="{i}"/><c:delete val="1"/></c:legendEntry>' for i in hidden
    )
    body = (
        f'<c:chart>{_title(chart.title)}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        + groups
        + _cat_ax(_AX_CAT, _AX_VAL, deleted=False)
        + _val_ax(_AX_VAL, _AX_CAT, chart.y_format, chart.y_min, chart.y_max, right=False)
        + (
            _cat_ax(_AX_CAT2, _AX_VAL2, deleted=True)
            + _val_ax(_AX_VAL2, _AX_CAT2, chart.y2_format, None, None, right=True)
            if secondary
            else ""
        )
        + '</c:plotArea><c:legend><c:legendPos val="b"/>'
        + legend_hide
        + '<c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/>'
        '<c:dispBlanksAs val="gap"/></c:chart>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        '<c:roundedCorners val="0"/>'
        f"{body}"
        '<c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln w="9525">'
        '<a:solidFill><a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr>'
        '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr>'
        '<a:endParaRPr lang="en-US"/></a:p></c:txPr></c:chartSpace>'
    ).encode()


def _groups(chart: Chart, data: dict[Ref, Resolved]) -> tuple[str, list[int], bool]:
    """The plot's chart groups (bars, band, lines, lines on the second axis), the legend
    entries to hide (the band's invisible lower part) and whether a second axis is used."""
    cat = _str_ref(data[chart.categories])
    columns: list[str] = []
    bands: list[str] = []
    lines: list[str] = []
    lines2: list[str] = []
    hidden: list[int] = []
    idx = 0
    for s in chart.series:
        low = data[s.values]
        if s.kind == "column":
            props = _fill_props(s.colour) + '<c:invertIfNegative val="0"/>'
            columns.append(_ser(idx, s.name, props, cat, _num_ref(low)))
        elif s.kind == "band":
            assert s.width is not None
            bands.append(_ser(idx, s.name, _fill_props(None), cat, _num_ref(low)))
            hidden.append(idx)
            idx += 1
            width = _num_ref(data[s.width])
            bands.append(_ser(idx, s.name, _fill_props(s.colour, 35), cat, width))
        else:
            (lines2 if s.secondary else lines).append(_line_ser(idx, s, cat, _num_ref(low)))
        idx += 1
    axes = f'<c:axId val="{_AX_CAT}"/><c:axId val="{_AX_VAL}"/>'
    axes2 = f'<c:axId val="{_AX_CAT2}"/><c:axId val="{_AX_VAL2}"/>'
    out = ""
    if columns:
        out += (
            '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
            f'<c:varyColors val="0"/>{"".join(columns)}<c:gapWidth val="60"/>{axes}</c:barChart>'
        )
    if bands:
        out += (
            '<c:areaChart><c:grouping val="stacked"/><c:varyColors val="0"/>'
            f"{''.join(bands)}{axes}</c:areaChart>"
        )
    for group, ax in ((lines, axes), (lines2, axes2)):
        if group:
            out += (
                '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
                f'{"".join(group)}<c:marker val="1"/>{ax}</c:lineChart>'
            )
    return out, hidden, bool(lines2)


def _line_ser(idx: int, s: Series, cat: str, val: str) -> str:
    marker = (
        '<c:marker><c:symbol val="none"/></c:marker>'
        if s.dashed
        else f'<c:marker><c:symbol val="circle"/><c:size val="5"/><c:spPr><a:solidFill>'
        f'<a:srgbClr val="{s.colour}"/></a:solidFill></c:spPr></c:marker>'
    )
    ser = _ser(idx, s.name, _line_props(s.colour, s.dashed) + marker, cat, val)
    return ser.replace("</c:val></c:ser>", '</c:val><c:smooth val="0"/></c:ser>')


def _title(text: str) -> str:
    return (
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
        '<a:defRPr sz="1100" b="1"/></a:pPr><a:r><a:rPr lang="en-US" sz="1100" b="1"/>'
        f'<a:t>{xml_text(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
    )


def _cat_ax(ax: int, cross: int, deleted: bool) -> str:
    return (
        f'<c:catAx><c:axId val="{ax}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'<c:delete val="{int(deleted)}"/><c:axPos val="b"/>'
        '<c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
        f'<c:crossAx val="{cross}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
        '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
    )


def _val_ax(
    ax: int, cross: int, fmt: str, low: float | None, high: float | None, right: bool
) -> str:
    limits = (f'<c:max val="{high!r}"/>' if high is not None else "") + (
        f'<c:min val="{low!r}"/>' if low is not None else ""
    )
    grid = (
        ""
        if right
        else '<c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="E7E6E6"/>'
        "</a:solidFill></a:ln></c:spPr></c:majorGridlines>"
    )
    crosses = '<c:crosses val="max"/>' if right else '<c:crosses val="autoZero"/>'
    return (
        f'<c:valAx><c:axId val="{ax}"/><c:scaling><c:orientation val="minMax"/>{limits}'
        f'</c:scaling><c:delete val="0"/><c:axPos val="{"r" if right else "l"}"/>{grid}'
        f'<c:numFmt formatCode="{xml_text(fmt)}" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'<c:crossAx val="{cross}"/>{crosses}<c:crossBetween val="between"/></c:valAx>'
    )


def column_pixels(width_chars: float) -> int:
    """Excel's pixel width of a column ``width_chars`` wide (Calibri 11, 96 dpi)."""
    return int(width_chars * 7 + 5) if width_chars >= 1 else int(width_chars * 12 + 0.5)


def _cell_at(start: int, offset_px: int, sizes: Sequence[int]) -> tuple[int, int]:
    """(index, offset in px) of the cell ``offset_px`` past the start of cell ``start``."""
    i = start
    while True:
        size = sizes[i] if i < len(sizes) else sizes[-1]
        if offset_px < size:
            return i, offset_px
        offset_px -= size
        i += 1


def drawing_xml(charts: Sequence[Chart], col_px: Sequence[int]) -> bytes:
    """The drawing part anchoring each chart (``rId<k>`` = the k-th chart, from 1)."""
    anchors = []
    for k, chart in enumerate(charts, start=1):
        col, row = chart.anchor
        width, height = chart.size
        to_col, col_off = _cell_at(col, width, col_px)
        to_row, row_off = _cell_at(row, height, [ROW_PIXELS])
        anchors.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{to_col}</xdr:col><xdr:colOff>{col_off * EMU_PER_PIXEL}"
            f"</xdr:colOff><xdr:row>{to_row}</xdr:row><xdr:rowOff>{row_off * EMU_PER_PIXEL}"
            "</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{k + 1}" '
            f'name="Chart {k}" descr="{xml_attr(chart.title)}"/><xdr:cNvGraphicFramePr/>'
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            f'</xdr:xfrm><a:graphic><a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" '
            f'r:id="rId{k}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
            "</xdr:twoCellAnchor>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        + "".join(anchors)
        + "</xdr:wsDr>"
    ).encode()
