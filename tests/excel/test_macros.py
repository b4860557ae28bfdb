"""Buttons tested against the in-memory xlwings stand-in (fake_xlwings), no Excel needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from labelxl.demo import generate_demo
from labelxl.errors import LabelxlError
from labelxl.excel import macros
from labelxl.validate import validate
from labelxl.workspace import Workspace

from .fake_xlwings import FakeBook

# labelxl/demo.py (not this door's file) still calls DatetimeIndex.weekday, deprecated in
# pandas 3.1; reported to the lead. Only that one warning is allowed here.
pytestmark = pytest.mark.filterwarnings("ignore:DatetimeIndex.weekday is deprecated")

END = dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 15)


@pytest.fixture(scope="module")
def demo_frames() -> dict[str, pd.DataFrame]:
    return generate_demo(people=20, months=1, end=END).frames


def _book(frames: dict[str, pd.DataFrame], path: Path, at: str = "A1") -> FakeBook:
    book = FakeBook(str(path / "tracker.xlsm"))
    book.sheets.add("Start").range("A1").value = "buttons live here"
    for name, frame in frames.items():
        book.add_frame(name, frame, at=at)
    return book


def _projection(findings) -> list[tuple[str, str, str]]:
    return sorted((f.code, f.sheet, f.cell) for f in findings)


def test_validate_book_finds_what_the_core_finds(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    report = macros.validate_book(book, today=TODAY)
    expected = validate(Workspace.from_frames(demo_frames, today=TODAY))
    assert len(report) > 0
    assert _projection(report) == _projection(expected)


def test_header_below_title_rows_keeps_real_excel_rows(demo_frames, tmp_path) -> None:
    shifted = _book(demo_frames, tmp_path, at="B3")
    for sheet in shifted.sheets:
        if sheet.name != "Start":
            sheet.range("A1").value = "My team tracker"  # a title above the table
    expected = validate(Workspace.from_frames(demo_frames, today=TODAY))
    got = macros.validate_book(shifted, today=TODAY)

    def move(cell: str) -> str:  # A1-based frame cells → table starting at B3
        letters = "".join(ch for ch in cell if ch.isalpha())
        number = int("".join(ch for ch in cell if ch.isdigit()))
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        col += 1
        out = ""
        while col:
            col, rem = divmod(col - 1, 26)
            out = chr(65 + rem) + out
        return f"{out}{number + 2}"

    cell_findings = [f for f in expected if f.cell]
    assert cell_findings
    assert sorted((f.code, move(f.cell)) for f in cell_findings) == sorted(
        (f.code, f.cell) for f in got if f.cell)


def test_each_known_sheet_is_read_in_one_call(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    book.reads = 0
    macros.read_book(book, today=TODAY, siblings=False)
    assert book.reads == len(demo_frames)


def test_highlights_are_applied_then_restored_keeping_user_fills(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    report = macros.validate_book(book, today=TODAY)
    first = next(f for f in report if f.cell and f.severity == "error")
    sheet = book.sheets[first.sheet]
    rc = (int("".join(c for c in first.cell if c.isdigit())), None)
    assert sheet.range(first.cell).color == (0xFF, 0xC7, 0xCE)
    assert rc  # the cell is coloured
    # The user had their own fill on another flagged cell before the first run.
    book2 = _book(demo_frames, tmp_path)
    book2.sheets[first.sheet].range(first.cell).color = (1, 2, 3)
    macros.validate_book(book2, today=TODAY)
    assert book2.sheets[first.sheet].range(first.cell).color == (0xFF, 0xC7, 0xCE)
    # Fix the data → the next run puts the user's fill back.
    fixed = {k: v for k, v in demo_frames.items()}
    book3 = _book(fixed, tmp_path)
    book3.sheets[first.sheet].range(first.cell).color = (1, 2, 3)
    macros.validate_book(book3, today=TODAY)
    restored = macros.restore_highlights(book3)
    assert restored > 0
    assert book3.sheets[first.sheet].range(first.cell).color == (1, 2, 3)
    assert not book3.sheets[macros.HIGHLIGHTS_SHEET].visible


def test_recoloured_cell_is_left_alone(tmp_path) -> None:
    book = FakeBook(str(tmp_path / "t.xlsm"))
    target = book.sheets.add("Timesheet")
    target.range("E17").color = (9, 9, 9)
    store = book.sheets.add(macros.HIGHLIGHTS_SHEET)
    store.range("A1").value = [list(macros.HIGHLIGHT_COLUMNS),
                               ["Timesheet", "E17", "#010203", "#FFC7CE"]]
    assert macros.restore_highlights(book) == 0
    assert target.range("E17").color == (9, 9, 9)


def test_issues_sheet_lists_findings_with_links(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    report = macros.validate_book(book, today=TODAY)
    rows = book.sheets[macros.ISSUES_SHEET].used_range.options(ndim=2).value
    assert rows[0] == list(macros.ISSUE_COLUMNS)
    assert len(rows) == len(report) + 1
    linked = [r[2] for r in rows[1:] if str(r[2]).startswith("=HYPERLINK(")]
    f = next(f for f in report if f.cell)
    assert f'=HYPERLINK("#\'{f.sheet}\'!{f.cell}","{f.sheet}!{f.cell}")' in linked
    # A second run replaces the sheet instead of appending.
    macros.validate_book(book, today=TODAY)
    again = book.sheets[macros.ISSUES_SHEET].used_range.options(ndim=2).value
    assert len(again) == len(rows)


def test_sheets_missing_from_the_book_come_from_sibling_workbooks(demo_frames, tmp_path) -> None:
    from labelxl.templates import write_workbook

    write_workbook(tmp_path / "audit.xlsx", {"Audits": demo_frames["Audits"]})
    book = _book({k: v for k, v in demo_frames.items() if k != "Audits"}, tmp_path)
    ws = macros.read_book(book, today=TODAY)
    assert len(ws.frame("Audits")) == len(demo_frames["Audits"])
    assert ws.sheets["Audits"].workbook == "audit.xlsx"


def _outputs(ws: Workspace, month: str | None) -> dict[str, pd.DataFrame]:
    people = ws.frame("Roster")[["person_id", "start_date", "fte"]].head(5)
    people = people.assign(accuracy=0.9, items=[10, 20, 30, 40, 50])
    return {"LX Labelers": people, "LX Summary": pd.DataFrame({"kpi": ["a"], "value": [1.5]})}


def test_refresh_writes_lx_sheets_with_formats_and_tables(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    written = macros.refresh_book(book, outputs=_outputs, today=TODAY)
    assert written == ["LX Labelers", "LX Summary"]
    sheet = book.sheets["LX Labelers"]
    values = sheet.used_range.options(ndim=2).value
    assert values[0] == ["person_id", "start_date", "fte", "accuracy", "items"]
    assert len(values) == 6
    assert isinstance(values[1][1], dt.datetime)
    assert sheet.range("B2").number_format == "yyyy-mm-dd"
    assert sheet.range("D2").number_format == "0.0%"
    assert sheet.range("E2").number_format == "#,##0"
    assert [t.name for t in sheet.tables] == ["tblLXLabelers"]
    macros.refresh_book(book, outputs=_outputs, today=TODAY)  # second run resizes the table
    assert sheet.tables.count == 1
    user_sheets = [s.name for s in book.sheets if not s.name.startswith("LX ")]
    assert "Projects" in user_sheets  # untouched


def test_refresh_refuses_to_write_a_user_sheet(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    with pytest.raises(LabelxlError, match="only writes sheets"):
        macros.refresh_book(book, outputs=lambda ws, m: {"Projects": pd.DataFrame()})


def test_deck_goes_beside_a_local_workbook_and_opens(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    seen: dict[str, object] = {}

    def builder(source, output):
        seen["source"], seen["output"] = source, output
        return output

    opened: list[Path] = []
    path = macros.deck_book(book, builder=builder, opener=opened.append)
    assert path.parent == tmp_path and path.suffix == ".pptx"
    assert seen["source"] == tmp_path / "tracker.xlsm"  # holds every required sheet
    assert opened == [path]
    assert book.app.alerts == []


def test_deck_of_a_onedrive_url_book_goes_to_documents_and_says_so(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    book.fullname = "https://contoso.sharepoint.com/sites/team/Shared Documents/tracker.xlsm"
    got: dict[str, object] = {}
    path = macros.deck_book(book, builder=lambda s, o: got.setdefault("s", s) and o,
                            opener=None, home=tmp_path / "home")
    assert path.parent == tmp_path / "home" / "Documents"
    assert isinstance(got["s"], Workspace)
    assert "Documents" in book.app.alerts[0]


def test_run_restores_status_bar_and_shows_one_sentence(monkeypatch, tmp_path) -> None:
    import xlwings as xw

    book = FakeBook(str(tmp_path / "empty.xlsm"))
    book.sheets.add("Start")
    book.app.status_bar = "user's own status"
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    macros.validate()
    assert book.app.status_bar == "user's own status"
    assert book.app.screen_updating is True
    assert len(book.app.alerts) == 1
    assert "no labelxl sheet" in book.app.alerts[0]
    assert "Traceback" not in book.app.alerts[0]
    assert any(str(s).startswith("labelxl: Validating") for s in book.app.status_log)


def test_unexpected_errors_become_a_hint(monkeypatch, tmp_path) -> None:
    msg = macros.user_message(RuntimeError("COM busy\nmore lines"))
    assert msg.startswith("labelxl could not finish (RuntimeError: COM busy)")
    assert "doctor" in msg
