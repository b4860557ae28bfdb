"""One LX sheet: the OutputSheet value and the streaming writer of its worksheet and table XML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from urllib.parse import quote

import numpy as np
import pandas as pd

from labelxl.io.ooxml.cells import column_cells, header_texts, infer_format
from labelxl.io.ooxml.chart import Chart, column_pixels
from labelxl.io.ooxml.package import ILLEGAL_XML, NS_MAIN, NS_R, xml_attr, xml_text
from labelxl.io.ooxml.styles import Styles
from labelxl.model.findings import col_letter
from labelxl.model.formats import (
    FORMATS,
    MAX_CELL_CHARS,
    MAX_COLS,
    MAX_HYPERLINKS,
    MAX_ROWS,
    NUMBER_FORMATS,
)
from labelxl.model.schema import OUTPUT_PREFIX

FLAG_KINDS = ("bad", "good", "neutral", "none")
RAG_VALUES = {"Red": "bad", "Amber": "neutral", "Green": "good", "No data": "none"}
_DEFAULT_WIDTH = {"int": 10, "number": 12, "pct": 9, "hours": 9, "date": 12, "datetime": 17}
HEADER_FILL = "FF1F4E79"
HEADER_FONT = "FFFFFFFF"
LINK_FONT = "FF0563C1"
TAB_COLOUR = "FF1F4E79"
TABLE_STYLE = "TableStyleLight9"
MAX_WIDTH = 60.0
_CHUNK_ROWS = 20_000
_ILLEGAL_SHEET = re.compile(r"[\[\]:*?/\\]")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_SIMPLE_SHEET = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


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

    Printing: every LX sheet prints landscape, one page wide, with its header row repeated
    on each page; ``fit_one_page`` also fits the height (a dashboard). ``print_header`` is
    the (left, centre, right) page header (``title`` fills the centre when it is blank);
    the footer shows the page number. ``notes`` are lines of text written under the table
    after one empty row. ``charts`` are native charts anchored on the sheet (see
    ``labelxl.io.ooxml.chart``); their data are columns of sheets in the same write.
    ``centred`` columns (short marks such as ✓) are centred, header included.
    """

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    rag_columns: tuple[str, ...] = ()
    flag_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    print_header: tuple[str, str, str] = ("", "", "")
    fit_one_page: bool = False
    notes: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    centred: tuple[str, ...] = ()

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
        for col in (*self.rag_columns, *self.centred):
            known(col, "rag_columns or centred")
        for col, rules in self.flag_columns.items():
            known(col, "flag_columns")
            for kind in rules.values():
                if kind not in FLAG_KINDS:
                    raise ValueError(f"{self.name}: flag kind {kind!r} is not one of {FLAG_KINDS}")
        for col, target in self.links.items():
            known(col, "links")
            known(target, "links")
        if len(self.print_header) != 3:
            raise ValueError(f"{self.name}: print_header is (left, centre, right)")
        if len(self.frame) + 2 + len(self.notes) > MAX_ROWS:
            raise ValueError(f"{self.name}: {len(self.frame)} rows do not fit in a sheet")


def _two_line_width(text: str) -> int:
    """Characters of the longer line when ``text`` is split at its best space."""
    best = len(text)
    for i, ch in enumerate(text):
        if ch == " ":
            best = min(best, max(i, len(text) - i - 1))
    return best


def check_sheet_name(name: str) -> None:
    """Raise ValueError unless ``name`` is a valid Excel sheet name starting with ``LX ``."""
    if not isinstance(name, str) or not name.startswith(OUTPUT_PREFIX):
        raise ValueError(f"result sheet names must start with {OUTPUT_PREFIX!r} (got {name!r})")
    if len(name) > 31:
        raise ValueError(f"sheet name {name!r} is longer than Excel's 31 characters")
    if _ILLEGAL_SHEET.search(name) or name.endswith("'") or ILLEGAL_XML.search(name):
        raise ValueError(f"sheet name {name!r} contains a character Excel forbids ([]:*?/\\)")


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


class SheetWriter:
    """Streams one LX sheet's XML: data rows in chunks so 100k rows need little memory."""

    def __init__(self, sheet: OutputSheet, styles: Styles, date1904: bool) -> None:
        self.sheet = sheet
        self.styles = styles
        self.date1904 = date1904
        self.table_id, self.table_name, self.table_part = 0, "", ""  # assigned by rewrite
        self.drawing_rid: str | None = None  # assigned by rewrite when the sheet has charts
        frame = sheet.frame
        labels = [str(c) for c in frame.columns]
        targets = {t for col, t in sheet.links.items() if t != col and t not in sheet.links}
        self.columns = [j for j, lab in enumerate(labels) if lab not in targets]
        if not self.columns:
            raise ValueError(f"{sheet.name}: nothing to write (no columns)")
        if len(self.columns) > MAX_COLS:
            raise ValueError(f"{sheet.name}: {len(self.columns)} columns do not fit in a sheet")
        texts = header_texts(frame)
        self.headers = [texts[j] for j in self.columns]
        self.labels = [labels[j] for j in self.columns]
        self.formats = [
            sheet.formats.get(lab) or infer_format(frame.iloc[:, j])
            for lab, j in zip(self.labels, self.columns, strict=True)
        ]
        self.n = len(frame)
        self.last_row = max(self.n + 1, 2)  # a table needs a data row, even an empty one
        last_col = col_letter(len(self.columns) - 1)
        self.ref = f"A1:{last_col}{self.last_row}"
        default_font = 0
        header_font = styles.font(bold=True, rgb=HEADER_FONT)
        link_font = styles.font(underline=True, rgb=LINK_FONT)
        header_fill = styles.fill(HEADER_FILL)
        # A long header wraps onto two lines instead of widening its column (a wide sheet
        # prints small); numbers are right-aligned, so are their headers.
        self.widths, wraps = self._widths()
        self.header_wraps = any(wraps)
        self.header_styles = [
            styles.xf(
                0,
                header_font,
                header_fill,
                align="center" if lab in sheet.centred else None if fmt == "text" else "right",
                wrap=wrap,
            )
            for lab, fmt, wrap in zip(self.labels, self.formats, wraps, strict=True)
        ]
        self.quoted_style = styles.xf(0, default_font, quote_prefix=True)
        self.date_style = styles.xf(styles.num_fmt(NUMBER_FORMATS["date"]))
        self.col_styles = []
        for lab, fmt in zip(self.labels, self.formats, strict=True):
            num = styles.num_fmt(NUMBER_FORMATS[fmt])
            font = link_font if lab in sheet.links else default_font
            align = "center" if lab in sheet.centred else None
            self.col_styles.append(styles.xf(num, font, align=align))
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
            f'<sheetPr><tabColor rgb="{TAB_COLOUR}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="{self._used_range()}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        ).encode()
        widths = self.widths
        yield (
            "<cols>"
            + "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{w:.2f}" customWidth="1"/>'
                for i, w in enumerate(widths)
            )
            + "</cols><sheetData>"
        ).encode()
        header = "".join(
            f'<c r="{col_letter(i)}1" s="{self.header_styles[i]}" t="inlineStr"><is><t>'
            f"{xml_text(h)}</t></is></c>"
            for i, h in enumerate(self.headers)
        )
        height = ' ht="30" customHeight="1"' if self.header_wraps else ""
        yield f'<row r="1"{height}>{header}</row>'.encode()
        for start in range(0, self.n, _CHUNK_ROWS):
            yield self._rows(start, min(start + _CHUNK_ROWS, self.n)).encode()
        yield self._notes().encode()
        yield b"</sheetData>"
        yield self._tail(link_ids).encode()

    def _used_range(self) -> str:
        """The table, and the notes under it (readers trust ``dimension`` for the extent)."""
        if not self.sheet.notes:
            return self.ref
        last_col = col_letter(len(self.columns) - 1)
        return f"A1:{last_col}{self.last_row + 1 + len(self.sheet.notes)}"

    def _notes(self) -> str:
        """Lines of text under the table, after one empty row."""
        rows = []
        for k, note in enumerate(self.sheet.notes):
            r = self.last_row + 2 + k
            if not note:  # an empty line
                continue
            rows.append(
                f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t xml:space="preserve">'
                f"{xml_text(note[:MAX_CELL_CHARS])}</t></is></c></row>"
            )
        return "".join(rows)

    def column_pixels(self) -> list[int]:
        """Pixel widths of the written columns (for anchoring charts beside the table)."""
        return [column_pixels(w) for w in self.widths] + [64]

    def _widths(self) -> tuple[list[float], list[bool]]:
        """Column widths, and which headers wrap to two lines to keep their column narrow."""
        widths, wraps = [], []
        frame = self.sheet.frame
        for lab, fmt, j, head in zip(
            self.labels, self.formats, self.columns, self.headers, strict=True
        ):
            # +4 leaves room for the table's filter button next to the header text
            one_line, two_lines = len(head) + 4.0, _two_line_width(head) + 4.0
            if lab in self.sheet.widths:
                width = float(self.sheet.widths[lab])
            else:
                content = float(_DEFAULT_WIDTH.get(fmt, 8))
                if fmt == "text":
                    sample = frame.iloc[:5000, j].dropna()
                    if len(sample):
                        content = float(sample.astype(str).str.len().quantile(0.95))
                width = min(MAX_WIDTH, max(8.0, two_lines, content + 2.0))
            widths.append(width)
            wraps.append(one_line > width)
        return widths, wraps

    def _rows(self, start: int, stop: int) -> str:
        frame = self.sheet.frame
        rows = np.arange(start + 2, stop + 2).astype(str).astype(object)
        cols = []
        for i, (j, style) in enumerate(zip(self.columns, self.col_styles, strict=True)):
            cells = column_cells(
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
                    f'operator="equal"><formula>{xml_text(literal)}</formula></cfRule>'
                )
                priority += 1
            parts.append(cf + "</conditionalFormatting>")
        if any(len(refs) for refs, _, _ in self._links):
            parts.append("<hyperlinks>")
            for refs, codes, parsed in self._links:
                attrs = np.array(
                    [
                        (f' r:id="{link_ids[ext]}"' if ext else "")
                        + (f' location="{xml_attr(loc)}"' if loc else "")
                        + "/>"
                        for ext, loc in parsed
                    ],
                    dtype=object,
                )
                if len(refs):
                    parts.append("".join('<hyperlink ref="' + refs + '"' + attrs[codes]))
            parts.append("</hyperlinks>")
        parts.append(self._print_setup())
        # Ids and codes read as numbers-stored-as-text are intended; hide Excel's triangles.
        parts.append(
            f'<ignoredErrors><ignoredError sqref="{self.ref}" numberStoredAsText="1"/>'
            "</ignoredErrors>"
        )
        if self.drawing_rid:
            parts.append(f'<drawing r:id="{self.drawing_rid}"/>')
        parts.append('<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>')
        return "".join(parts)

    def _print_setup(self) -> str:
        """Margins, landscape fitted to one page wide (and high for a dashboard), page header
        and a page-number footer. Print titles are a defined name in the workbook part."""
        tall = 1 if self.sheet.fit_one_page else 0
        left, centre, right = self.sheet.print_header
        centre = centre or self.sheet.title or ""
        header = "".join(
            f"&{pos}{text.replace('&', '&&')[:80]}"
            for pos, text in zip("LCR", (left, centre, right), strict=True)
            if text
        )
        head = f"<oddHeader>{xml_text(header)}</oddHeader>" if header else ""
        return (
            '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.6" '
            'header="0.3" footer="0.3"/>'
            f'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
            f'fitToHeight="{tall}"/>'
            f"<headerFooter>{head}<oddFooter>{xml_text('&R&P / &N')}</oddFooter></headerFooter>"
        )

    def table_xml(self, table_id: int, name: str) -> bytes:
        cols = "".join(
            f'<tableColumn id="{i + 1}" name="{xml_attr(h)}"/>' for i, h in enumerate(self.headers)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<table xmlns="{NS_MAIN}" id="{table_id}" name="{name}" displayName="{name}" '
            f'ref="{self.ref}" totalsRowShown="0"><autoFilter ref="{self.ref}"/>'
            f'<tableColumns count="{len(self.headers)}">{cols}</tableColumns>'
            f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" '
            'showRowStripes="1" showColumnStripes="0"/></table>'
        ).encode()
