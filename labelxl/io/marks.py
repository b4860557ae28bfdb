"""Cells calamine reads as empty although they are not: Excel errors, uncalculated formulas.

python-calamine (0.9) returns "" for an error cell (``t="e"``, e.g. ``#N/A`` from a lookup)
and for a formula without a cached value (a workbook written by openpyxl or xlsxwriter
and never opened in Excel). Treated as blank, a required cell would be "required … got
blank" and an optional one its default. This module finds them in the sheet's XML so the
typing step can say ``got #N/A`` or "open and save the workbook in Excel first".
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import IO

from labelxl.io.package import Package, cell_index
from labelxl.model.cells import CellError

_CHUNK = 1 << 20
_HINTS = (b't="e"', b"</f>", b"<f ")  # a sheet without them has nothing to find
# A formula followed by no value (or an empty one) and the end of its cell.
_UNCALCULATED = re.compile(r"(?:</f>|<f\b[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_ERROR_TYPE = re.compile(r'\st="e"')
_REF = re.compile(r'\sr="([A-Za-z]{1,3}\d+)"')
_TYPE = re.compile(r'\st="([^"]*)"')
_VALUE = re.compile(r"<v>([^<]*)</v>")
_FORMULA = re.compile(r"<f\b[^>]*>([^<]*)</f>")


def cell_marks(package: Package, part: str) -> dict[tuple[int, int], CellError]:
    """(0-based row, column) → CellError for every error or uncalculated formula cell."""
    try:
        with zipfile.ZipFile(io.BytesIO(package.data)) as archive, archive.open(part) as stream:
            if not _has_hints(stream):
                return {}
            text = archive.read(part).decode("utf-8")
    except (KeyError, UnicodeDecodeError, zipfile.BadZipFile, OSError):
        return {}  # the guard vouched for the part; an unusual encoding only loses the marks
    marks: dict[tuple[int, int], CellError] = {}
    for match in _ERROR_TYPE.finditer(text):
        cell = _cell_at(text, match.start())
        if cell is not None:
            tag, body = cell
            value = _VALUE.search(body)
            _mark(marks, tag, CellError(html.unescape(value.group(1)) if value else "#N/A"))
    for match in _UNCALCULATED.finditer(text):
        cell = _cell_at(text, match.start())
        if cell is None:
            continue
        tag, body = cell
        kind = _TYPE.search(tag)
        if kind and kind.group(1) in ("str", "e"):  # "" is a real text result; errors above
            continue
        formula = _FORMULA.search(body)
        shown = html.unescape(formula.group(1)) if formula else "(shared formula)"
        _mark(marks, tag, CellError("", shown[:60]))
    return marks


def apply_marks(rows: list[list[object]], marks: dict[tuple[int, int], CellError]) -> None:
    """Put each mark into calamine's rows, growing them when a mark lies beyond their end."""
    if not marks:
        return
    height = max(r for r, _ in marks) + 1
    width = max([c for _, c in marks] + [len(rows[0]) - 1 if rows else 0]) + 1
    for row in rows:
        row.extend([""] * (width - len(row)))
    rows.extend([[""] * width for _ in range(height - len(rows))])
    for (r, c), mark in marks.items():
        rows[r][c] = mark


def _has_hints(stream: IO[bytes]) -> bool:
    carry = b""
    while chunk := stream.read(_CHUNK):
        window = carry + chunk
        if any(hint in window for hint in _HINTS):
            return True
        carry = window[-8:]
    return False


def _cell_at(text: str, position: int) -> tuple[str, str] | None:
    """(opening tag, body) of the <c> element holding ``position``."""
    start = text.rfind("<c ", 0, position + 1)
    if start < 0:
        return None
    tag_end = text.find(">", start)
    end = text.find("</c>", tag_end)
    if tag_end < 0 or end < 0 or end < position:
        return None
    return text[start : tag_end + 1], text[tag_end + 1 : end]


def _mark(marks: dict[tuple[int, int], CellError], tag: str, mark: CellError) -> None:
    ref = _REF.search(tag)
    where = cell_index(ref.group(1)) if ref else None
    if where is not None:
        marks[where] = mark
