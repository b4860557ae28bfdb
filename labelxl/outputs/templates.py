"""Write NEW workbooks that follow the sheet contracts: the `labelxl init` templates and demo data.

Each known sheet becomes an Excel table (``tblProjects``) with the schema's headers, widths,
number formats, a frozen header row, a dropdown for every column with allowed values and a
header comment describing the column. Rows of a DataFrame, when given, are written below the
header (dates as real Excel dates, blanks as empty cells). Workbooks are streamed with
xlsxwriter's ``constant_memory`` mode so a year of a 500-person team writes in seconds and
flat memory. This module only ever creates files; it never opens a user's workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import Worksheet

from labelxl.errors import TemplateError, WorkbookError
from labelxl.io.files import write_text
from labelxl.io.safewrite import write_new_file
from labelxl.model.findings import col_letter
from labelxl.model.schema import SHEETS, WORKBOOKS, Column, SheetSchema
from labelxl.model.settings import Settings

LISTS_SHEET = "LX Lists"  # hidden helper sheet for dropdown lists too long for a formula
EXCEL_LIST_LIMIT = 255  # Excel refuses an inline list source longer than this
MAX_ROW = 1_048_575  # last 0-based row of a sheet: dropdowns cover every future row
_EPOCH = np.datetime64("1899-12-30", "ns")
_DAY_NS = 86_400 * 10**9


def table_name(sheet: str) -> str:
    """Excel table (ListObject) name of a known sheet: ``tblProjects``."""
    return "tbl" + "".join(ch for ch in sheet if ch.isalnum())


def header_comment(col: Column) -> str:
    """The note shown on a header cell: meaning, whether required, allowed values."""
    parts = [col.description or col.name]
    if col.required:
        parts.append("(required)")
    if col.choices:
        parts.append("Allowed: " + ", ".join(col.choices) + ".")
    if range_text(col):
        parts.append(f"Range: {range_text(col)}.")
    if col.references:
        parts.append(f"Must exist in {col.references[0]}.{col.references[1]}.")
    return " ".join(parts)


def range_text(col: Column) -> str:
    """``0–1``, ``≥ 0`` or ``≤ 5`` for a column with limits, else an empty string."""
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g}"
    if lo is not None:
        return f"≥ {lo:g}"
    return "" if hi is None else f"≤ {hi:g}"


def settings_frame(settings: Settings | None = None) -> pd.DataFrame:
    """The Settings sheet: every setting, its value (default unless given) and its meaning."""
    settings = settings or Settings()
    rows = [(name, getattr(settings, name), doc) for name, (_, doc) in Settings.docs().items()]
    return pd.DataFrame(rows, columns=["setting", "value", "description"])


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame | None],
    settings: Settings | None = None,
    *,
    title: str = "labelxl workbook",
) -> Path:
    """Write one new workbook holding the given known sheets, in schema order.

    ``sheets`` maps sheet names of ``labelxl.model.schema.SHEETS`` to a DataFrame of rows (columns
    named like the contract; missing columns are left blank, unknown ones ignored) or to
    None for an empty table. An empty Settings sheet is filled from ``settings`` (defaults
    when None). ``title`` goes into the file's properties. The file appears atomically;
    returns its path.
    """
    unknown = [name for name in sheets if name not in SHEETS]
    if unknown:
        raise TemplateError(
            f"unknown sheet(s) {', '.join(map(repr, unknown))}; known sheets are "
            f"{', '.join(SHEETS)}"
        )
    if not sheets:
        raise TemplateError("write_workbook needs at least one sheet")
    return write_new_file(path, lambda tmp: _write(tmp, sheets, settings, title))


def write_templates(folder: str | os.PathLike[str], overwrite: bool = False) -> list[Path]:
    """Write the empty workbooks of the default split (tracker, timesheet, audit) into folder.

    Refuses to replace an existing workbook unless ``overwrite`` is true, because a user's
    filled-in tracker must never be lost to ``labelxl init``.
    """
    out = Path(folder)
    targets = {name: out / f"{name}.xlsx" for name in WORKBOOKS}
    if not overwrite:
        _refuse_existing(targets.values())
    return [
        write_workbook(targets[name], dict.fromkeys(names)) for name, names in WORKBOOKS.items()
    ]


def _refuse_existing(paths: Iterable[Path]) -> None:
    for p in paths:
        if p.exists():
            raise WorkbookError(
                p,
                "already exists; labelxl will not overwrite it. Choose an "
                "empty folder or pass overwrite (--force).",
            )


# ---------------------------------------------------------------------------------------
# Writing


class _Book:
    """An open xlsxwriter workbook plus the shared formats and the hidden lists sheet."""

    def __init__(self, path: Path, title: str) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                # User text stays text: never a formula, link or number by accident.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.wb.set_properties(
            {
                "title": title,
                "comments": "Written by labelxl; sheet contracts in docs/workbooks.md.",
            }
        )
        self.formats: dict[str, Any] = {}
        self.lists: list[tuple[str, ...]] = []  # one column each on LX Lists

    def fmt(self, number_format: str | None) -> Any:
        if number_format is None:
            return None
        if number_format not in self.formats:
            self.formats[number_format] = self.wb.add_format({"num_format": number_format})
        return self.formats[number_format]

    def list_source(self, choices: tuple[str, ...]) -> str | list[str]:
        """Inline list when Excel accepts it, else a range on the hidden LX Lists sheet."""
        if len(",".join(choices)) <= EXCEL_LIST_LIMIT:
            return list(choices)
        if choices not in self.lists:
            self.lists.append(choices)
        letter = col_letter(self.lists.index(choices))
        return f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(choices)}"

    def close(self) -> None:
        if self.lists:
            ws = self.wb.add_worksheet(LISTS_SHEET)
            for col, values in enumerate(self.lists):
                for row, value in enumerate(values):
                    ws.write_string(row, col, value)
            ws.hide()
        self.wb.close()


def _write(
    path: Path, sheets: Mapping[str, pd.DataFrame | None], settings: Settings | None, title: str
) -> None:
    book = _Book(path, title)
    for name in SHEETS:  # schema order, whatever order the caller used
        if name not in sheets:
            continue
        frame = sheets[name]
        if name == "Settings" and frame is None:
            frame = settings_frame(settings)
        _write_sheet(book, SHEETS[name], frame)
    book.close()


def _write_sheet(book: _Book, schema: SheetSchema, frame: pd.DataFrame | None) -> None:
    ws = book.wb.add_worksheet(schema.name)
    columns = schema.columns
    nrows = 0 if frame is None else len(frame)
    ws.freeze_panes(1, 0)
    for j, col in enumerate(columns):
        ws.set_column(j, j, col.width, book.fmt(col.number_format))
        source = book.list_source(col.choices) if col.choices else None
        if source is not None:
            ws.data_validation(
                1,
                j,
                MAX_ROW,
                j,
                {
                    "validate": "list",
                    "source": source,
                    "error_type": "warning",  # labelxl validates anyway; never block a paste
                    "error_title": _cap(f"Not allowed in {col.name}", 32),  # Excel's limit
                    "error_message": _cap(f"Allowed: {', '.join(col.choices or ())}.", 255),
                    "ignore_blank": True,
                },
            )
        ws.write_comment(0, j, header_comment(col), {"x_scale": 2.2, "y_scale": 1.6})
    _add_table(ws, schema, book, last_row=max(nrows, 1))
    if frame is not None and nrows:
        _write_rows(ws, columns, frame, book)


def _add_table(ws: Worksheet, schema: SheetSchema, book: _Book, last_row: int) -> None:
    # xlsxwriter refuses tables in constant_memory mode only because the table call may
    # write data rows; ours writes just the header row, which has not been flushed yet,
    # so lifting the flag for this one call is safe (header cells land in row 0's buffer).
    # The table is declared over header + one row and then widened: xlsxwriter's overlap
    # check keeps one dict entry per cell of the range (GBs for a 400k-row sheet).
    last_col = len(schema.columns) - 1
    ws.constant_memory = False
    try:
        status = ws.add_table(
            0,
            0,
            1,
            last_col,
            {
                "name": table_name(schema.name),
                "style": "Table Style Medium 2",
                "columns": [
                    {"header": c.name, "format": book.fmt(c.number_format)} for c in schema.columns
                ],
            },
        )
    finally:
        ws.constant_memory = True
    if status != 0:
        raise TemplateError(f"could not add table {table_name(schema.name)} (code {status})")
    if last_row > 1:
        table = ws.tables[-1]
        table["range"] = table["a_range"] = xl_range(0, 0, last_row, last_col)
        if table.get("autofilter"):
            table["autofilter"] = table["a_range"]
    # The table call stored the headers as shared strings; streamed rows need inline ones.
    for j, col in enumerate(schema.columns):
        ws.write_string(0, j, col.name)


def _write_rows(
    ws: Worksheet, columns: tuple[Column, ...], frame: pd.DataFrame, book: _Book
) -> None:
    """Write the frame's rows below the header; each column is prepared once as cell values."""
    if len(frame) > MAX_ROW:
        raise TemplateError(
            f"{ws.name} has {len(frame):,} rows; an Excel sheet holds at most "
            f"{MAX_ROW:,} below its header"
        )
    prepared = [
        (j, _cell_values(col, frame[col.name]), book.fmt(col.number_format))
        for j, col in enumerate(columns)
        if col.name in frame.columns
    ]
    if not prepared:
        return
    if _can_stream(ws):
        _stream_rows(ws, prepared, len(frame))
        return
    for i in range(len(frame)):  # the public (slower) path, if xlsxwriter's internals change
        for j, values, _ in prepared:
            v = values[i]
            if v is None:
                continue
            if type(v) is str:
                ws.write_string(i + 1, j, v)
            else:
                ws.write_number(i + 1, j, v)


def _can_stream(ws: Worksheet) -> bool:
    return bool(getattr(ws, "constant_memory", False)) and all(
        hasattr(ws, a) for a in ("_write_single_row", "_check_dimensions", "previous_row", "fh")
    )


_ROWS_PER_WRITE = 8192
_TEXT_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_")
_EDGE_SPACE = re.compile(r"\n\s|\s\n")  # on newline-joined texts: a value's edge
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def _stream_rows(ws: Worksheet, prepared: list[tuple[int, list[Any], Any]], n: int) -> None:
    """Append the rows' XML straight to the sheet's constant_memory row file.

    xlsxwriter's per-cell calls cost ~4 µs a cell (a year of a 500-person team is ~7M cells);
    formatting whole columns here produces the same XML (inline strings, ``%.16G`` numbers,
    the column's style on every cell) many times faster.
    """
    ws._write_single_row(1)  # flush the buffered header row, as the next write_* would
    fh = ws.fh
    columns = []
    for j, values, fmt in prepared:
        style = '"' + (f' s="{fmt._get_xf_index()}"' if fmt is not None else "")  # closes r=
        plain = _plain([v for v in values if type(v) is str])
        columns.append((f'<c r="{col_letter(j)}', style, values, plain))
    for start in range(0, n, _ROWS_PER_WRITE):
        stop = min(n, start + _ROWS_PER_WRITE)
        refs = [str(r) for r in range(start + 2, stop + 2)]  # Excel row numbers
        cells = [
            [
                f"{opening}{ref}{style}{tail}" if tail else ""
                for tail, ref in zip(_tails(values[start:stop], plain), refs, strict=True)
            ]
            for opening, style, values, plain in columns
        ]
        rows = [
            (ref, body)
            for ref, body in zip(refs, map("".join, zip(*cells, strict=True)), strict=True)
            if body
        ]
        fh.write("".join(f'<row r="{ref}">{body}</row>' for ref, body in rows))
        if rows:  # the sheet's used range ends at the last row holding a value
            ws._check_dimensions(int(rows[-1][0]) - 1, 0, ignore_col=True)
    ws.previous_row = n + 1  # rows up to n are written; nothing is buffered


def _tails(values: list[Any], plain: bool) -> list[str]:
    """Each cell's XML after its address and style; "" for a blank cell."""
    if plain:
        return [
            ""
            if v is None
            else f' t="inlineStr"><is><t>{v}</t></is></c>'
            if type(v) is str
            else f"><v>{v:.16G}</v></c>"
            for v in values
        ]
    return [
        ""
        if v is None
        else f' t="inlineStr"><is>{_inline_text(v)}</is></c>'
        if type(v) is str
        else f"><v>{v:.16G}</v></c>"
        for v in values
    ]


def _plain(texts: list[str]) -> bool:
    """True when no text needs escaping, a whitespace flag or truncation (checked at once)."""
    joined = "\n".join(texts)
    return (
        joined.count("\n") == max(0, len(texts) - 1)
        and not _TEXT_SPECIAL.search(joined)
        and not _EDGE_SPACE.search(joined)
        and not (joined[:1].isspace() or joined[-1:].isspace())
        and max(map(len, texts), default=0) <= 32767
    )


def _inline_text(value: str) -> str:
    """``<t>`` element of an inline string, escaped the way xlsxwriter escapes it."""
    value = value[:32767]  # Excel's cell text limit
    value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _cell_values(col: Column, series: pd.Series) -> list[Any]:
    """A column as Python cell values: float (numbers and Excel date serials), str or None."""
    s = series.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _serials(s)
    if pd.api.types.is_bool_dtype(s.dtype) and col.type == "yesno":
        return [None if pd.isna(v) else ("yes" if v else "no") for v in s.astype(object)]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(arr)
        out: list[Any] = arr.tolist()
        if not finite.all():
            for k in np.flatnonzero(~finite):
                out[k] = None  # NaN/inf are blanks, never written as a number
        return out
    obj = s.astype(object)
    if pd.api.types.infer_dtype(obj, skipna=True) == "string":
        values = obj.where(obj.notna(), None).tolist()
        return [v if v is not None and v.strip() else None for v in values]
    return [_cell(v, col) for v in obj.tolist()]


def _serials(s: pd.Series) -> list[Any]:
    values = s.to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(values)
    days = (values - _EPOCH).astype("int64") / _DAY_NS
    out: list[Any] = days.tolist()
    for k in np.flatnonzero(~ok):
        out[k] = None
    return out


def _cell(value: Any, col: Column) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):  # before int: bool is an int
        return ("yes" if value else "no") if col.type == "yesno" else str(value)
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return None if pd.isna(ts) else (ts.normalize() - pd.Timestamp("1899-12-30")).days
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return number if np.isfinite(number) else None
    return str(value)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------
# Documentation


def schema_markdown() -> str:
    """The sheet contracts as Markdown: one table per sheet, in the default workbook split."""
    lines = [
        "# Workbooks and sheet contracts",
        "",
        "<!-- Generated by labelxl.outputs.templates.schema_markdown(); do not edit by hand. "
        "Regenerate with `python -m labelxl.outputs.templates workbooks/ docs/workbooks.md`. -->",
        "",
        "A workspace is a folder of workbooks; each sheet below is found by its name in "
        "whichever workbook holds it. Headers match ignoring case, surrounding spaces and "
        "`_` vs space. Each sheet is written by `labelxl init` as an Excel table named "
        "`tbl<Sheet>` with a frozen header row, dropdowns for allowed values and a comment "
        "on each header. The default split is:",
        "",
    ]
    for book, names in WORKBOOKS.items():
        lines.append(f"- `{book}.xlsx`: " + ", ".join(names))
    lines.append("")
    for book, names in WORKBOOKS.items():
        for name in names:
            lines.extend(_sheet_markdown(SHEETS[name], book))
    lines.extend(_settings_markdown())
    lines.extend(_DEMO_NOTES)
    return "\n".join(lines).rstrip() + "\n"


def _sheet_markdown(schema: SheetSchema, book: str) -> list[str]:
    need = "required" if schema.required_sheet else "optional"
    out = [
        f"## {schema.name}",
        "",
        f"{schema.description} Workbook `{book}.xlsx`, table "
        f"`{table_name(schema.name)}`, {need} sheet.",
    ]
    if schema.key:
        out[-1] += " Unique key: " + " + ".join(f"`{k}`" for k in schema.key) + "."
    out += [
        "",
        "| Column | Type | Required | Allowed values | Description |",
        "|---|---|---|---|---|",
    ]
    for col in schema.columns:
        allowed = "; ".join(t for t in (", ".join(col.choices or ()), range_text(col)) if t)
        desc = col.description
        if col.default is not None:
            desc += f" Blank = {col.default}."
        if col.references:
            desc += f" References {col.references[0]}.{col.references[1]}."
        out.append(
            f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | "
            f"{_md(allowed)} | {_md(desc)} |"
        )
    out.append("")
    return out


def _settings_markdown() -> list[str]:
    out = [
        "## Settings values",
        "",
        "Every setting `labelxl init` writes into the Settings sheet, with its default:",
        "",
        "| Setting | Default | Meaning |",
        "|---|---|---|",
    ]
    for name, (default, doc) in Settings.docs().items():
        shown = (
            "(blank)"
            if default == ""
            else f"{default:g}"
            if isinstance(default, float)
            else str(default)
        )
        out.append(f"| `{name}` | {shown} | {_md(doc)} |")
    out.append("")
    return out


_DEMO_NOTES = [
    "## Template workbooks and the demo workspace",
    "",
    "`labelxl init DIR` writes the three workbooks above with empty tables (header and one "
    "blank row), column widths, date and number formats, dropdowns (data validation) for "
    "every column with allowed values (a hidden `LX Lists` sheet holds lists longer than "
    "Excel's 255-character limit), a comment on every header saying what the column means, "
    "whether it is required and its allowed values, and the Settings sheet with every "
    "setting, its default and its meaning. The same files ship in `workbooks/`; regenerate "
    "them and this page with `python -m labelxl.outputs.templates workbooks/ docs/workbooks.md`.",
    "",
    "`labelxl demo DIR` (library: `labelxl.demo.write_demo`) writes the same three workbooks "
    "filled with a seeded, realistic organisation: labelers, QA, leads and trainers in three "
    "markets (US/en, BR/pt, ID/id), in-house and at two vendors; twelve active projects over "
    "six policy areas (graphic realtime queues and batch queues) plus a planned and a closed "
    "one; weekday Production, Timesheets that agree with it, Queue statistics, about 0.7 "
    "audits per labeling hour (~30k for 120 people over 3 months), two calibration sessions, "
    "requirements with versions and a hiring pipeline. Graphic exposure stays at or below "
    "3.5 h a day with a weekly non-graphic rotation day and Wellness time; new hires are "
    "slower and less accurate. All of it validates cleanly except these planted mistakes, "
    "each reported exactly once at the cell `Demo.mistakes` names:",
    "",
    "| Code | Sheet | Mistake |",
    "|---|---|---|",
    "| `unknown-reference` | Production | an extra 35-minute row under a person_id typed with "
    "the letter O for a zero |",
    "| `bad-type` | Requirements | a due_date typed as the text 30/02/YYYY |",
    "| `hours-over-cap` | Timesheet | an Admin, Idle or Meeting entry that makes a 14.5-hour day |",
    "| `leave-and-work` | Timesheet | a Meeting entry booked as Leave on a day with Labeling |",
    "| `not-allowed` | Timesheet | the activity typed as `Trainig` |",
    "| `duplicate-key` | Audits | an audit_id copied from the row above |",
    "| `error-type-mismatch` | Audits | error_type FalsePositive on an agreeing audit |",
    "| `required-blank` | Audits | a blank item_id |",
    "| `self-audit` | Audits | the labeler entered as their own auditor |",
    "",
    "An existing workbook is replaced by `write_demo` only when an earlier demo wrote it "
    "(its document title is `labelxl demo workspace`); `write_templates` replaces nothing "
    "unless asked to (`overwrite=True`).",
]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """``python -m labelxl.outputs.templates FOLDER [DOCS.md]``: regenerate workbooks and docs."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "workbooks")
    for p in write_templates(folder, overwrite=True):
        print(p)
    if len(args) > 1:
        write_text(Path(args[1]), schema_markdown())
        print(args[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
