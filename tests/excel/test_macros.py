"""Buttons tested against the in-memory xlwings stand-in (fake_xlwings), no Excel needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from labelxl.demo import generate_demo
from labelxl.errors import LabelxlError
from labelxl.excel import macros
from labelxl.model.workspace import Workspace
from labelxl.validate import validate

from .fake_xlwings import FakeBook

END = dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 15)


@pytest.fixture(scope="module")
def demo_frames() -> dict[str, pd.DataFrame]:
    # The first rows of each sheet keep the tests fast; they still hold findings.
    frames = generate_demo(people=20, months=1, end=END).frames
    return {name: frame.head(250).reset_index(drop=True) for name, frame in frames.items()}


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
        (f.code, f.cell) for f in got if f.cell
    )


def test_each_known_sheet_is_read_in_one_call(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    book.reads = 0
    macros.read_book(book, today=TODAY, siblings=False)
    assert book.reads == len(demo_frames)


def test_highlights_are_applied_then_restored_keeping_user_fills(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    first = next(
        f
        for f in validate(Workspace.from_frames(demo_frames, today=TODAY))
        if f.cell and f.severity == "error"
    )
    cell = book.sheets[first.sheet].range(first.cell)
    cell.color = (1, 2, 3)  # the user's own fill on a cell that has a problem
    macros.validate_book(book, today=TODAY)
    assert cell.color == (0xFF, 0xC7, 0xCE)
    assert not book.sheets[macros.HIGHLIGHTS_SHEET].visible
    # Running again does not store the highlight as if it were the user's fill...
    macros.validate_book(book, today=TODAY)
    assert cell.color == (0xFF, 0xC7, 0xCE)
    # ...so once the problem is gone, the user's own fill comes back.
    assert macros.restore_highlights(book) > 0
    assert cell.color == (1, 2, 3)
    uncoloured = book.sheets["Start"].range("A1")
    assert uncoloured.color is None


def test_recoloured_cell_is_left_alone(tmp_path) -> None:
    book = FakeBook(str(tmp_path / "t.xlsm"))
    target = book.sheets.add("Timesheet")
    target.range("E17").color = (9, 9, 9)
    store = book.sheets.add(macros.HIGHLIGHTS_SHEET)
    store.range("A1").value = [
        list(macros.HIGHLIGHT_COLUMNS),
        ["Timesheet", "E17", "#010203", "#FFC7CE"],
    ]
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
    from labelxl.outputs.templates import write_workbook

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
    (tmp_path / "tracker.xlsm").touch()  # saved on disk: the deck reads the saved file
    path = macros.deck_book(book, builder=builder, opener=opened.append)
    assert path.parent == tmp_path and path.suffix == ".pptx"
    assert seen["source"] == tmp_path / "tracker.xlsm"  # holds every required sheet
    assert opened == [path]
    assert book.app.alerts == []


def test_deck_of_a_onedrive_url_book_goes_to_documents_and_says_so(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    book.fullname = "https://contoso.sharepoint.com/sites/team/Shared Documents/tracker.xlsm"
    got: dict[str, object] = {}

    def builder(source, output: Path) -> Path:
        got["s"] = source
        return output

    path = macros.deck_book(book, builder=builder, opener=None, home=tmp_path / "home")
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


def test_refresh_outputs_with_links_and_formats(demo_frames, tmp_path) -> None:
    frame = pd.DataFrame(
        {"cell": ["Timesheet!E17", "x"], "link": ["Timesheet!E17", ""], "share": [0.5, 0.25]}
    )

    def outputs(ws, month):
        return [macros.Output("LX Issues", frame, {"share": "int"}, {"cell": "link"})]

    book = _book(demo_frames, tmp_path)
    macros.refresh_book(book, outputs=outputs)
    rows = book.sheets["LX Issues"].used_range.options(ndim=2).value
    assert rows[0] == ["cell", "share"]  # the link target column is not shown
    assert rows[1][0] == '=HYPERLINK("#Timesheet!E17","Timesheet!E17")'
    assert rows[2][0] == "x"
    assert book.sheets["LX Issues"].range("B2").number_format == "#,##0"  # the sheet's choice


# --------------------------------------------------------------------------- one pipeline


def _split_workspace(frames: dict[str, pd.DataFrame], folder: Path) -> None:
    from labelxl.model.schema import WORKBOOKS
    from labelxl.outputs.templates import write_workbook

    for name, sheets in WORKBOOKS.items():
        if name != "timesheet":
            write_workbook(folder / f"{name}.xlsx", {s: frames[s] for s in sheets if s in frames})


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def test_refresh_from_the_timesheet_writes_into_the_tracker_like_labelxl_refresh(
    demo_frames, tmp_path
) -> None:
    from labelxl.pipeline import refresh

    cli_dir, button_dir = tmp_path / "cli", tmp_path / "button"
    for folder in (cli_dir, button_dir):
        folder.mkdir()
        _split_workspace(demo_frames, folder)
    # the CLI: timesheet.xlsx on disk
    from labelxl.outputs.templates import write_workbook

    write_workbook(cli_dir / "timesheet.xlsx", {"Timesheet": demo_frames["Timesheet"]})
    expected = refresh(cli_dir, today=TODAY)
    # the button: clicked in timesheet.xlsm, open in Excel; the tracker is not open
    book = FakeBook(str(button_dir / "timesheet.xlsm"))
    book.add_frame("Timesheet", demo_frames["Timesheet"])
    written = macros.refresh_book(book, today=TODAY)
    assert written == list(expected.sheets)
    assert [s.name for s in book.sheets] == ["Timesheet"]  # nothing written into the timesheet
    lx = [n for n in _sheet_names(button_dir / "tracker.xlsx") if n.startswith("LX ")]
    assert lx == [n for n in _sheet_names(cli_dir / "tracker.xlsx") if n.startswith("LX ")]
    assert "tracker.xlsx" in book.app.alerts[0]
    # history kept as labelxl refresh keeps it
    history = sorted(p.name for p in (button_dir / ".labelxl" / "history").iterdir())
    assert history == sorted(p.name for p in (cli_dir / ".labelxl" / "history").iterdir())
    assert history


def test_refresh_writes_into_the_tracker_when_it_is_open_too(demo_frames, tmp_path) -> None:
    _split_workspace(demo_frames, tmp_path)
    book = FakeBook(str(tmp_path / "timesheet.xlsm"))
    book.add_frame("Timesheet", demo_frames["Timesheet"])
    tracker = FakeBook(str(tmp_path / "tracker.xlsx"), app=book.app)
    tracker.add_frame("Projects", demo_frames["Projects"])  # as open in Excel
    book.app.books._items += [book, tracker]
    written = macros.refresh_book(book, today=TODAY)
    assert written and all(tracker.sheets[n] for n in written)
    assert [s.name for s in book.sheets] == ["Timesheet"]
    assert book.app.alerts == []


def test_refresh_in_the_tracker_writes_into_it_and_keeps_history(demo_frames, tmp_path) -> None:
    book = _book(demo_frames, tmp_path)
    written = macros.refresh_book(book, today=TODAY)
    assert "LX Summary" in written and book.sheets["LX Summary"]
    assert list((tmp_path / ".labelxl" / "history").iterdir())


def test_the_open_book_is_typed_like_the_reader_types_files(tmp_path) -> None:
    """Decimal commas, day-first text dates and lower-case decisions read as `labelxl
    validate` reads them from disk: the Excel door uses the same conventions."""
    book = FakeBook(str(tmp_path / "team.xlsx"))
    book.add_frame(
        "Settings",
        pd.DataFrame({"setting": ["decimal_separator", "date_order"], "value": [",", "DMY"]}),
    )
    book.add_frame(
        "Production",
        pd.DataFrame(
            {
                "date": ["02/03/2026"],
                "person_id": ["L1"],
                "project_id": ["P1"],
                "items": [10],
                "handle_minutes": ["420,5"],
            }
        ),
    )
    book.add_frame(
        "Taxonomy",
        pd.DataFrame({"policy_area": ["Spam", "Spam"], "decision": ["Approve", "Reject"]}),
    )
    book.add_frame(
        "Audits",
        pd.DataFrame(
            {
                "audit_id": ["A1"],
                "audit_date": ["03/03/2026"],
                "item_id": ["I1"],
                "project_id": ["P1"],
                "person_id": ["L1"],
                "auditor_id": ["Q1"],
                "labeler_decision": ["approve"],
                "auditor_decision": ["APPROVE"],
            }
        ),
    )
    ws = macros.read_book(book, today=TODAY, siblings=False)
    prod = ws.frame("Production")
    assert prod["handle_minutes"].tolist() == [420.5]
    assert prod["date"].dt.date.tolist() == [dt.date(2026, 3, 2)]
    audits = ws.frame("Audits")
    assert audits[["labeler_decision", "auditor_decision"]].values.tolist() == [
        ["Approve", "Approve"]
    ]
