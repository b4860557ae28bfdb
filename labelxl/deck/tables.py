"""Native tables that fit their slide: column widths by content, cut cells, top-N with "n more".

Row heights are estimated with the same text model as ``labelxl.deck.text``; a table
whose rows would run off its box shows the first rows and a last row "… and n more", and
``paginate`` splits a long table (the definitions appendix) over several slides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Pt

from labelxl.deck.charts import LIGHT_GREY, NAVY, Rect
from labelxl.deck.text import EMU_PER_PT, truncate_to_width, wrap

WHITE = RGBColor(0xFF, 0xFF, 0xFF)
BAND_ROW = RGBColor(0xF2, 0xF2, 0xF2)
CELL_MARGIN_X = Emu(64008)  # 0.07 in
CELL_MARGIN_Y = Emu(27432)  # 0.03 in
LINE = 1.2


@dataclass
class Cell:
    """One table cell: its text and optional fill and font colours and bold."""

    text: str
    fill: RGBColor | None = None
    colour: RGBColor | None = None
    bold: bool = False
    align: str = "l"  # l | r | c


def _usable_em(width: int, size_pt: float) -> float:
    return max(1.0, (width - 2 * CELL_MARGIN_X) / EMU_PER_PT / size_pt)


def row_height(cells: Sequence[Cell], widths: Sequence[int], size_pt: float) -> int:
    """Estimated height of one row (EMU) with each cell wrapped in its column."""
    lines = max(
        len(wrap(c.text, _usable_em(w, size_pt))) for c, w in zip(cells, widths, strict=True)
    )
    return int(lines * size_pt * LINE * EMU_PER_PT + 2 * CELL_MARGIN_Y + 2 * EMU_PER_PT)


def column_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    total: int,
    weights: Sequence[float] | None = None,
) -> list[int]:
    """Widths proportional to ``weights`` (default: longest text per column, capped)."""
    if weights is None:
        weights = []
        for j, h in enumerate(header):
            longest = max([len(h) * 0.8] + [len(r[j].text) for r in rows[:50]])
            weights.append(min(max(longest, 4.0), 40.0))
    total_w = sum(weights)
    widths = [int(total * w / total_w) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def fit_rows(
    header: Sequence[Cell],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[int],
    height: int,
    size_pt: float,
    max_lines: int,
) -> tuple[list[list[Cell]], int]:
    """Rows (cells cut to ``max_lines`` lines) that fit in ``height``; and how many were left."""
    cut = [
        [
            Cell(
                truncate_to_width(c.text, _usable_em(w, size_pt), max_lines),
                c.fill,
                c.colour,
                c.bold,
                c.align,
            )
            for c, w in zip(r, widths, strict=True)
        ]
        for r in rows
    ]
    used = row_height(header, widths, size_pt)
    shown: list[list[Cell]] = []
    for i, r in enumerate(cut):
        h = row_height(r, widths, size_pt)
        more_h = row_height([Cell("x")] * len(widths), widths, size_pt)
        last = i == len(cut) - 1
        if used + h + (0 if last else more_h) > height:
            break
        shown.append(r)
        used += h
    return shown, len(cut) - len(shown)


def add_table(
    slide,
    rect: Rect,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    more: Callable[[int], str],
    weights: Sequence[float] | None = None,
    size_pt: float = 12,
    min_pt: float = 9,
    max_lines: int = 2,
):
    """Add a table in ``rect``: shrink the font to ``min_pt`` first, then show top-N + "n more".

    Returns the table shape; its ``lx_hidden`` attribute holds how many rows were left out.
    """
    widths = column_widths(header, rows, rect.width, weights)
    head = [Cell(h, NAVY, WHITE, True) for h in header]
    size = size_pt
    while True:
        shown, hidden = fit_rows(head, rows, widths, rect.height, size, max_lines)
        if hidden == 0 or size <= min_pt:
            break
        size -= 1
    body = list(shown)
    if hidden:
        note = [Cell("")] * len(widths)
        note[0] = Cell(more(hidden), colour=RGBColor(0x59, 0x59, 0x59))
        body.append(note)
    n_rows = 1 + len(body)
    heights = [row_height(head, widths, size)] + [row_height(r, widths, size) for r in body]
    shape = slide.shapes.add_table(
        n_rows, len(widths), rect.left, rect.top, rect.width, sum(heights)
    )
    table = shape.table
    table.first_row = True
    table.horz_banding = False
    for j, w in enumerate(widths):
        table.columns[j].width = w
    for i, h in enumerate(heights):
        table.rows[i].height = h
    for i, r in enumerate([head, *body]):
        for j, c in enumerate(r):
            _write(table.cell(i, j), c, size, banded=i > 0 and i % 2 == 0)
    if hidden:
        first = table.cell(n_rows - 1, 0)
        first.merge(table.cell(n_rows - 1, len(widths) - 1))
    shape.lx_hidden = hidden
    return shape


def _write(cell, c: Cell, size: float, banded: bool) -> None:
    cell.margin_left = cell.margin_right = CELL_MARGIN_X
    cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.fill.solid()
    cell.fill.fore_color.rgb = c.fill or (BAND_ROW if banded else WHITE)
    frame = cell.text_frame
    frame.word_wrap = True
    frame.text = c.text
    para = frame.paragraphs[0]
    para.alignment = {"r": PP_ALIGN.RIGHT, "c": PP_ALIGN.CENTER}.get(c.align, PP_ALIGN.LEFT)
    for run in para.runs:
        run.font.size = Pt(size)
        run.font.bold = c.bold
        if c.colour is not None:
            run.font.color.rgb = c.colour


def paginate(
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[int],
    height: int,
    size_pt: float,
    header: Sequence[str],
) -> list[list[Sequence[Cell]]]:
    """Split rows into pages that each fit ``height`` under a header (no row is cut)."""
    head = [Cell(h) for h in header]
    pages: list[list[Sequence[Cell]]] = [[]]
    used = row_height(head, widths, size_pt)
    for r in rows:
        h = row_height(r, widths, size_pt)
        if pages[-1] and used + h > height:
            pages.append([])
            used = row_height(head, widths, size_pt)
        pages[-1].append(r)
        used += h
    return pages


__all__ = ["LIGHT_GREY", "Cell", "add_table", "column_widths", "paginate", "row_height"]
