"""The Validate / Refresh / Build deck buttons: RunPython entry points over the open workbook.

``validate()``, ``refresh()`` and ``deck()`` are what the ready workbooks' buttons run
(``RunPython "import labelxl.excel.macros as lx; lx.validate()"``); each finds the calling
workbook with ``xw.Book.caller()`` and calls the testable ``*_book(book)`` function, which
needs only the small part of the xlwings Book/Sheet/Range API listed in
tests/excel/fake_xlwings.py (checked there against xlwings' real signatures).

Rules kept here: every known sheet is read with ONE bulk ``.value`` call on its used range
(cell-by-cell COM calls are what makes xlwings macros slow); only ``LX `` sheets are
written, plus the fill colour of flagged cells, whose original fill is stored in the hidden
``LX Highlights`` sheet and put back on the next run; the status bar shows progress and is
restored even on error; errors reach the user as one sentence in a message box.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from labelxl.errors import LabelxlError, MissingSheetError
from labelxl.excel.convert import raw_block, rows_of
from labelxl.model.findings import Finding, Report
from labelxl.model.formats import NUMBER_FORMATS
from labelxl.model.schema import OUTPUT_PREFIX, SHEETS, normalise_header
from labelxl.model.workspace import SheetData, Workspace, read_settings

log = logging.getLogger("labelxl.excel")

ISSUES_SHEET = OUTPUT_PREFIX + "Issues"
HIGHLIGHTS_SHEET = OUTPUT_PREFIX + "Highlights"
SELFTEST_SHEET = OUTPUT_PREFIX + "Selftest"  # present only in labelxl excel selftest's copy
MESSAGE_CELL = "Z1"  # where alert() writes on that sheet
FILL = {"error": "#FFC7CE", "warning": "#FFEB9C"}  # Excel's own "bad" and "neutral" fills
MAX_HIGHLIGHTS = 500  # coloured cells per run: each costs two COM calls; all are listed anyway
ISSUE_COLUMNS = ("severity", "code", "cell", "message", "value", "workbook")
HIGHLIGHT_COLUMNS = ("sheet", "cell", "original", "applied")

OutputBuilder = Callable[[Workspace, "str | None"], "Mapping[str, pd.DataFrame] | Sequence[Output]"]
DeckBuilder = Callable[["Path | Workspace", Path], Path]


# --------------------------------------------------------------------------- entry points


def validate() -> None:
    """Button "Validate": run from Excel via RunPython."""
    _run("Validating", validate_book)


def refresh() -> None:
    """Button "Refresh": run from Excel via RunPython."""
    _run("Refreshing", refresh_book)


def deck() -> None:
    """Button "Build deck": run from Excel via RunPython."""
    _run("Building the deck", deck_book)


def _run(what: str, action: Callable[[Any], object]) -> None:
    import xlwings as xw

    from labelxl.excel.com import retry_busy

    # Excel may still be busy with the click when Python calls back: retry, bounded.
    book = retry_busy(xw.Book.caller, "connecting to the workbook")
    try:
        with status(book.app, f"labelxl: {what}…"):
            action(book)
    except Exception as exc:
        log.exception("labelxl %s failed", what)
        alert(book, user_message(exc))


def user_message(exc: BaseException) -> str:
    """One sentence for a message box: our own errors as they are, others with a hint."""
    from labelxl.excel.com import busy_message, is_busy

    if isinstance(exc, LabelxlError):
        return str(exc)
    if is_busy(exc):
        return busy_message("labelxl was writing to the workbook")
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (
        f"labelxl could not finish ({type(exc).__name__}: {detail[:150]}). "
        "Run 'labelxl doctor' in a terminal to check the setup."
    )


def alert(book: Any, message: str) -> None:
    """A message box; during ``labelxl excel selftest`` the message goes to its sheet instead.

    A modal box would stop the self-test until someone clicks OK, so when the workbook has
    the ``LX Selftest`` sheet the message is written to its ``MESSAGE_CELL``.
    """
    selftest = _sheet(book, SELFTEST_SHEET)
    if selftest is not None:
        selftest.range(MESSAGE_CELL).value = message
        return
    try:
        book.app.alert(message, title="labelxl", mode="critical")
    except Exception:  # no message box (e.g. Excel busy): the status bar is the last resort
        log.exception("could not show a message box")
        with contextlib.suppress(Exception):
            book.app.status_bar = message[:250]


@contextlib.contextmanager
def status(app: Any, text: str) -> Iterator[Callable[[str], None]]:
    """Show ``text`` in the status bar (and updates via the yielded function); restore after."""
    previous = app.status_bar
    screen = app.screen_updating
    app.status_bar = text
    app.screen_updating = False
    try:
        yield lambda message: setattr(app, "status_bar", f"labelxl: {message}")
    finally:
        app.screen_updating = screen
        app.status_bar = previous


# --------------------------------------------------------------------------- reading


def read_book(book: Any, *, today: dt.date | None = None, siblings: bool = True) -> Workspace:
    """The open workbook's known sheets (live values, one bulk read each) as a Workspace.

    Sheets the book lacks are read from the other workbooks in its folder (the default
    tracker/timesheet/audit split), from disk, when the book is a local file.
    """
    from labelxl.io.reader import typed_sheet
    from labelxl.model.workspace import assemble

    by_name = {normalise_header(s.name): s for s in book.sheets}
    blocks: dict[str, tuple[Any, int, Any, int, str]] = {}
    for name, schema in SHEETS.items():
        sheet = by_name.get(normalise_header(name))
        if sheet is None:
            continue
        used = sheet.used_range
        # err_to_str: an error cell reaches validation as '#N/A', not as a blank
        values = used.options(ndim=2, err_to_str=True).value or []
        raw, header_row, numbers = raw_block(values, schema, used.row)
        blocks[name] = (raw, header_row, numbers, used.column - 1, sheet.name)
    folder = local_folder(book)
    others = (
        list(_sibling_sheets(folder, book.name, set(blocks)))
        if siblings and folder is not None
        else []
    )
    if not blocks and not others:
        raise MissingSheetError(
            f"{book.name} has no labelxl sheet; expected sheets named "
            f"{', '.join(list(SHEETS)[:6])} …"
        )
    ws = Workspace(
        sheets={},
        findings=[],
        root=str(folder or ""),
        # the LX Log hashes the listed files: only a book saved in its folder is one
        workbooks=[book.name] if folder is not None and (folder / book.name).is_file() else [],
        today=today or dt.date.today(),
    )

    def parse(kind: str, conventions: Any) -> tuple[SheetData, list[Finding]]:
        raw, header_row, numbers, first_col, sheet_name = blocks[kind]
        return typed_sheet(
            SHEETS[kind],
            raw,
            header_row=header_row,
            first_col=first_col,
            workbook=book.name,
            sheet_name=sheet_name,
            rows=numbers,
            conventions=conventions,
        )

    # Typed exactly as the reader types files (Settings, then Roster's locale, then the
    # rest; canonical spellings); Settings kept in a sibling workbook still set the rules.
    settings = None
    sibling_settings = next((d for n, d, _ in others if n == "Settings"), None)
    if "Settings" not in blocks and sibling_settings is not None:
        settings, _ = read_settings(sibling_settings)
    assemble(ws, list(blocks), parse, settings=settings)
    for name, data, found in others:
        ws.sheets[name] = data
        ws.findings.extend(found)
    return ws


def _sibling_sheets(
    folder: Path, own: str, have: set[str]
) -> Iterator[tuple[str, SheetData, list[Finding]]]:
    from labelxl.io.reader import WORKBOOK_SUFFIXES, read_workspace

    for path in sorted(folder.iterdir()):
        if (
            path.name == own
            or path.suffix.lower() not in WORKBOOK_SUFFIXES
            or path.name.startswith(("~$", "."))
        ):
            continue
        try:
            other = read_workspace(path)
        except LabelxlError as exc:  # not a labelxl workbook, or unreadable: not ours to fix
            log.info("skipped %s: %s", path.name, exc)
            continue
        for name, data in other.sheets.items():
            if name not in have:
                have.add(name)
                yield name, data, [f for f in other.findings if f.sheet == data.sheet_name]


def local_folder(book: Any) -> Path | None:
    """The folder of the book's file, or None for an unsaved book or a OneDrive/SharePoint URL."""
    full = str(book.fullname or "")
    if "://" in full or not os.path.isabs(full):
        return None
    folder = Path(full).parent
    return folder if folder.is_dir() else None


# --------------------------------------------------------------------------- validate


def validate_book(
    book: Any, *, today: dt.date | None = None, highlight_cells: bool = True
) -> Report:
    """Validate the open workbook: restore old highlights, colour bad cells, fill LX Issues.

    ``highlight_cells=False`` only writes LX Issues (xlwings Lite cannot read a cell's
    fill synchronously, so it could not store the original to put back).
    """
    from labelxl.validate import validate as run_validate

    ws = read_book(book, today=today)
    report = run_validate(ws)
    if highlight_cells:
        restore_highlights(book)
        highlight(book, [f for f in report if f.workbook in ("", book.name)])
    write_issues(book, report)
    return report


def _sheet(book: Any, name: str) -> Any | None:
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


def _own_sheet(book: Any, name: str) -> Any:
    """An ``LX `` sheet, emptied (values and formats) or added at the end."""
    sheet = _sheet(book, name)
    if sheet is None:
        return book.sheets.add(name, after=book.sheets[book.sheets.count - 1])
    sheet.clear_contents()
    return sheet


def _hex(color: Any) -> str:
    if color is None:
        return ""
    if isinstance(color, str):
        return color.upper()
    r, g, b = color
    return f"#{int(r):02X}{int(g):02X}{int(b):02X}"


def restore_highlights(book: Any) -> int:
    """Put back the fills the previous run replaced, unless the user recoloured the cell since."""
    store = _sheet(book, HIGHLIGHTS_SHEET)
    if store is None:
        return 0
    rows = store.used_range.options(ndim=2).value or []
    restored = 0
    for row in rows[1:]:
        sheet_name, cell, original, applied = (list(row) + [None] * 4)[:4]
        target = _sheet(book, str(sheet_name)) if sheet_name else None
        if target is None or not cell:
            continue
        rng = target.range(str(cell))
        if _hex(rng.color) == str(applied or "").upper():
            rng.color = str(original) if original else None
            restored += 1
    store.clear_contents()
    return restored


def highlight(book: Any, findings: list[Finding]) -> int:
    """Colour the cells of findings (errors win over warnings), storing each original fill."""
    wanted: dict[tuple[str, str], str] = {}
    for f in findings:
        if f.cell and _sheet(book, f.sheet) is not None:
            key = (f.sheet, f.cell)
            if wanted.get(key) != FILL["error"]:
                wanted[key] = FILL[f.severity]
    records: list[list[Any]] = [list(HIGHLIGHT_COLUMNS)]
    for (sheet_name, cell), fill in list(wanted.items())[:MAX_HIGHLIGHTS]:
        rng = book.sheets[sheet_name].range(cell)
        records.append([sheet_name, cell, _hex(rng.color), fill])
        rng.color = fill
    store = _sheet(book, HIGHLIGHTS_SHEET)
    if store is None:
        store = book.sheets.add(HIGHLIGHTS_SHEET, after=book.sheets[book.sheets.count - 1])
    store.clear_contents()
    store.range("A1").value = records
    store.visible = False
    return len(records) - 1


def _link(f: Finding) -> str:
    if not f.cell:
        return f.sheet
    quoted = f.sheet.replace("'", "''")
    return f'=HYPERLINK("#\'{quoted}\'!{f.cell}","{f.address.replace(chr(34), "")}")'


def write_issues(book: Any, report: Report) -> Any:
    """The LX Issues sheet: one row per finding, the cell column a link to the cell."""
    rows: list[list[Any]] = [list(ISSUE_COLUMNS)]
    for f in report:
        value = f.to_dict()["value"]
        rows.append(
            [
                f.severity,
                f.code,
                _link(f) if f.workbook in ("", book.name) else f.address,
                f.message,
                value,
                f.workbook,
            ]
        )
    sheet = _own_sheet(book, ISSUES_SHEET)
    sheet.range("A1").value = rows
    with contextlib.suppress(Exception):  # cosmetic; not every Excel build can autofit
        sheet.autofit()
    return sheet


# --------------------------------------------------------------------------- refresh


@dataclass(frozen=True)
class Output:
    """One LX sheet to write: its frame and, per column, a format name of ``NUMBER_FORMATS``."""

    name: str
    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)  # shown column → target column


def default_outputs(ws: Workspace, month: str | None) -> list[Output]:
    """The LX sheets ``labelxl refresh`` writes, from the open book's values (one pipeline).

    Like ``labelxl refresh``, the month's tables are kept in the workspace's history.
    """
    from labelxl.pipeline import Pipeline

    started, t0 = dt.datetime.now(), time.perf_counter()
    pipeline = Pipeline(ws, month=month)
    pipeline.record_history()
    sheets = pipeline.outputs(started, time.perf_counter() - t0)
    return [Output(s.name, s.frame, dict(s.formats), dict(s.links)) for s in sheets]


def number_format(column: str, series: pd.Series, given: str | None = None) -> str | None:
    """Excel number format of an output column: the sheet's own choice, else labelxl's guess."""
    from labelxl.outputs.sheets import guess_format

    kind = given or guess_format(column, series)
    return NUMBER_FORMATS.get(kind) if kind else None


def hyperlink(target: str, text: object) -> str:
    """An Excel HYPERLINK formula: in-book ``Sheet!A1``, ``file.xlsx#'Sheet'!A1`` or a URL."""
    address = target if ("://" in target or "#" in target) else "#" + target
    shown = str(text).replace('"', "'")
    return f'=HYPERLINK("{address.replace(chr(34), "")}","{shown}")'


def with_links(frame: pd.DataFrame, links: Mapping[str, str]) -> pd.DataFrame:
    """Shown columns become HYPERLINK formulas; target columns that only serve links go."""
    if not links:
        return frame
    out = frame.copy()
    for shown, target in links.items():
        if shown in out.columns and target in out.columns:
            out[shown] = [
                hyperlink(str(t), v) if isinstance(t, str) and t else v
                for v, t in zip(out[shown], out[target], strict=True)
            ]
    drop = [t for s, t in links.items() if t != s and t in out.columns]
    return out.drop(columns=drop)


def write_frame(
    book: Any,
    name: str,
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
) -> Any:
    """Write one LX sheet in bulk: values, a number format per column, an Excel table."""
    if not name.startswith(OUTPUT_PREFIX):
        raise LabelxlError(f"labelxl only writes sheets named '{OUTPUT_PREFIX}…' (got {name!r})")
    sheet = _own_sheet(book, name)
    frame = with_links(frame, links or {})
    rows = rows_of(frame)
    sheet.range("A1").value = rows
    n, m = len(frame), len(frame.columns)
    for j, column in enumerate(frame.columns, start=1):
        fmt = number_format(str(column), frame[column], (formats or {}).get(str(column)))
        if fmt and n:
            sheet.range((2, j), (n + 1, j)).number_format = fmt
    if m:
        _table(
            sheet,
            "tbl" + "".join(ch for ch in name if ch.isalnum()),
            sheet.range((1, 1), (max(n, 1) + 1, m)),
        )
    return sheet


def _table(sheet: Any, name: str, rng: Any) -> None:
    tables = getattr(sheet, "tables", None)
    if tables is None:  # very old xlwings: the values are there, only the table style is not
        return
    for table in tables:
        if table.name == name:
            table.resize(rng)
            return
    tables.add(source=rng, name=name)


def target_of(book: Any, ws: Workspace) -> Any:
    """Where the LX sheets go, by ``labelxl refresh``'s rule (the workbook holding Projects).

    Returns the open book itself, another book open in the same Excel, or the Path of a
    workbook that is not open (written on disk like ``labelxl refresh``). A book with no
    local folder (OneDrive URL, never saved) receives them itself.
    """
    from labelxl.pipeline import target_workbook

    if local_folder(book) is None:
        return book
    target = target_workbook(ws)
    if target.name.lower() == str(book.name).lower():
        return book
    for other in book.app.books:
        if str(other.name).lower() == target.name.lower():
            return other
    return target


def refresh_book(
    book: Any,
    *,
    month: str | None = None,
    outputs: OutputBuilder | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Recompute the metrics from the open workbook and rewrite the LX sheets; return names.

    The sheets go where ``labelxl refresh`` puts them (``target_of``): into this book, into
    the tracker if it is open too, or into the tracker's file on disk through the same
    ``Pipeline.write`` (then a message says where they went).
    """
    say = progress or (lambda _m: None)
    ws = read_book(book, today=today)
    destination = target_of(book, ws) if outputs is None else book
    if isinstance(destination, Path):
        from labelxl.pipeline import Pipeline

        say(f"writing the LX sheets into {destination.name}")
        result = Pipeline(ws, month=month).write()
        alert(
            book,
            f"The LX sheets were written into {destination.name}, the workbook holding "
            "Projects (as labelxl refresh does). Open it to see them.",
        )
        return list(result.sheets)
    say("computing metrics")
    built = (outputs or default_outputs)(ws, month)
    sheets = (
        [Output(name, frame) for name, frame in built.items()]
        if isinstance(built, Mapping)
        else list(built)
    )
    written = []
    for out in sheets:
        say(f"writing {out.name}")
        write_frame(destination, out.name, out.frame, out.formats, out.links)
        written.append(out.name)
    return written


# --------------------------------------------------------------------------- deck


def deck_folder(book: Any, home: Path | None = None) -> tuple[Path, str]:
    """Where the .pptx goes: beside the workbook, else Documents (with a note saying so)."""
    folder = local_folder(book)
    if folder is not None and os.access(folder, os.W_OK):
        return folder, ""
    docs = (home or Path.home()) / "Documents"
    docs.mkdir(parents=True, exist_ok=True)
    why = (
        "the workbook is on OneDrive/SharePoint without a local path"
        if "://" in str(book.fullname)
        else "the workbook's folder is not writable"
    )
    return docs, f"The deck was saved in {docs} because {why}."


def default_deck(source: Path | Workspace, output: Path) -> Path:
    """The deck engine: the one pipeline, over files or over the live workbook."""
    from labelxl.pipeline import Pipeline

    return Pipeline(source).deck(output)


def open_file(path: Path) -> None:
    """Open a file with its default program (PowerPoint for .pptx)."""
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # Windows only
    elif sys.platform == "darwin":
        subprocess.run(["open", str(path)], check=False)


def deck_source(book: Any) -> Path | Workspace:
    """What the deck is built from: the saved workspace on disk, else the open book's values.

    A local book gives its folder (the whole tracker/timesheet/audit workspace), or the
    file itself when it alone holds every required sheet. A book known only by a
    OneDrive/SharePoint URL is read live through xlwings instead.
    """
    folder = local_folder(book)
    if folder is None:
        return read_book(book, siblings=False)
    names = {normalise_header(s.name) for s in book.sheets}
    complete = all(normalise_header(n) in names for n, s in SHEETS.items() if s.required_sheet)
    if not (folder / book.name).is_file():  # never saved under this name: use what is open
        return read_book(book)
    return folder / book.name if complete else folder


def deck_book(
    book: Any,
    *,
    builder: DeckBuilder | None = None,
    opener: Callable[[Path], None] | None = open_file,
    home: Path | None = None,
) -> Path:
    """Build the deck, save it beside the workbook (or in Documents) and open it."""
    source = deck_source(book)
    out_dir, note = deck_folder(book, home)
    output = out_dir / f"{Path(book.name).stem} deck {dt.date.today():%Y-%m-%d}.pptx"
    path = (builder or default_deck)(source, output)
    if note:
        alert(book, note)
    if opener is not None and _sheet(book, SELFTEST_SHEET) is None:  # the self-test checks
        opener(path)  # the file; PowerPoint opening on its own would stop it
    return path
