"""Excel's sheet limits and the number formats labelxl writes: one definition each.

Used by the package writer (``labelxl.io.ooxml``), the reader's hostile-file guard and the
Excel door, so a limit or a format code cannot differ between them.
"""

from __future__ import annotations

MAX_ROWS = 1_048_576  # rows in one worksheet (Excel 2007+)
MAX_COLS = 16_384  # columns in one worksheet (A..XFD)
MAX_CELL_CHARS = 32_767  # characters in one cell
MAX_HYPERLINKS = 65_530  # hyperlinks in one worksheet

# Format name (what OutputSheet.formats and guess_format speak) -> Excel number format code.
# Codes are locale-neutral: Excel and LibreOffice show each user's own decimal and grouping
# signs for numeric cells, so "#,##0.00" reads 1.234,50 on a German machine.
NUMBER_FORMATS = {
    "text": "General",
    "int": "#,##0",
    "number": "#,##0.00",
    "pct": "0.0%",
    "hours": "0.0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
FORMATS = tuple(NUMBER_FORMATS)
