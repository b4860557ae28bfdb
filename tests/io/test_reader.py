"""Tests for labelxl.io.reader: sheets and headers, typing, the cache, bad and hostile input."""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelxl.errors import WorkbookError
from labelxl.io import guard, parse, reader
from labelxl.io.reader import MAX_ROWS, check_package, read_workspace, typed_sheet
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import sheet_from_raw

PROJECTS = [
    "project_id",
    "project_name",
    "market",
    "language",
    "policy_area",
    "status",
    "start_date",
    "target_volume",
]
ROSTER = ["person_id", "name", "role", "start_date", "fte"]
AUDITS = [
    "audit_id",
    "audit_date",
    "item_id",
    "project_id",
    "person_id",
    "auditor_id",
    "labeler_decision",
    "auditor_decision",
    "error_type",
]
TAXONOMY = ["policy_area", "decision"]
D = dt.date(2026, 3, 2)

Rows = list[list[Any]]


def write_book(path: Path, sheets: dict[str, Rows], options: dict | None = None) -> Path:
    """A workbook whose sheets hold ``rows`` from A1; dates get a date format, None is skipped."""
    book = xlsxwriter.Workbook(str(path), options or {})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def projects(n: int = 2) -> Rows:
    return [PROJECTS] + [
        [f"P{i}", f"Project {i}", "US", "en", "Hate", "Active", D, 1000 * i]
        for i in range(1, n + 1)
    ]


def roster(n: int = 2) -> Rows:
    return [ROSTER] + [[f"L{i}", f"Person {i}", "Labeler", D, 1] for i in range(1, n + 1)]


def audits(n: int = 3, day: dt.date = D) -> Rows:
    return [AUDITS] + [
        [f"A{i}", day, f"I{i}", "P1", "L1", "L2", "Violating", "Violating", None]
        for i in range(1, n + 1)
    ]


def taxonomy() -> Rows:
    return [TAXONOMY, ["Hate", "Violating"], ["Hate", "Not violating"]]


def workspace(folder: Path, audit_day: dt.date = D) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_book(folder / "tracker.xlsx", {"Projects": projects(), "Roster": roster()})
    write_book(folder / "audit.xlsx", {"Audits": audits(day=audit_day), "Taxonomy": taxonomy()})
    return folder


def zip_bytes(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuilt(src: Path, dst: Path, name: str, change: Callable[[bytes], bytes] | bytes) -> Path:
    """Copy a workbook with one part changed (by a function of its bytes, or replaced)."""
    parts = parts_of(src)
    parts[name] = change(parts[name]) if callable(change) else change
    dst.write_bytes(zip_bytes(parts))
    return dst


def refused(path: Path | str, *words: str) -> str:
    """Read must fail with one clear line containing ``words``; returns the message."""
    with pytest.raises(WorkbookError) as info:
        read_workspace(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert str(path) in message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# ---------------------------------------------------------------------------------------------
# Finding workbooks, sheets and headers


def test_folder_reads_each_sheet_from_whichever_workbook_holds_it(tmp_path: Path) -> None:
    folder = workspace(tmp_path / "ws")
    junk = b"not a workbook at all"
    (folder / "~$tracker.xlsx").write_bytes(junk)  # Excel owner file
    (folder / ".~lock.audit.xlsx#").write_bytes(junk)  # LibreOffice lock file
    (folder / ".hidden.xlsx").write_bytes(junk)
    (folder / "notes.txt").write_text("hello")
    (folder / ".labelxl" / "backup").mkdir(parents=True)
    (folder / ".labelxl" / "backup" / "tracker.xlsx").write_bytes(junk)
    (folder / ".labelxl" / "old.xls").write_bytes(junk)
    ws = read_workspace(folder, today=dt.date(2026, 4, 1))
    assert sorted(ws.sheets) == ["Audits", "Projects", "Roster", "Taxonomy"]
    assert ws.sheets["Audits"].workbook == "audit.xlsx"
    assert ws.sheets["Roster"].workbook == "tracker.xlsx"
    assert [Path(p).name for p in ws.workbooks] == ["audit.xlsx", "tracker.xlsx"]
    assert Path(ws.root) == folder.resolve()
    assert ws.today == dt.date(2026, 4, 1)
    assert ws.findings == []
    frame = ws.frame("Audits")
    assert frame["audit_id"].tolist() == ["A1", "A2", "A3"]
    assert frame["_row"].tolist() == [2, 3, 4]
    assert frame["audit_date"].dtype == "datetime64[ns]"
    assert frame["error_type"].tolist() == [None, None, None]


def test_single_workbook_and_default_today(tmp_path: Path) -> None:
    path = write_book(tmp_path / "all.xlsx", {"Projects": projects(), "Audits": audits()})
    ws = read_workspace(path)
    assert sorted(ws.sheets) == ["Audits", "Projects"]
    assert ws.today == dt.date.today()
    assert ws.workbooks == [str(path)]


def test_header_below_a_title_and_a_table_at_c5(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Projects")
    sheet.write_string(0, 0, "Projects tracker — Q1")
    body = [[*row[:6], "2026-03-02", 500] for row in projects(3)[1:]]
    sheet.add_table(
        4,
        2,
        4 + len(body),
        2 + len(PROJECTS) - 1,
        {"data": body, "columns": [{"header": h} for h in PROJECTS]},
    )
    sheet.write_string(20, 0, "a note far below, outside the table's columns")
    book.close()
    data = read_workspace(path).sheets["Projects"]
    assert data.header_row == 5
    assert data.letters["project_id"] == "C" and data.letters["target_volume"] == "J"
    assert data.frame["project_id"].tolist() == ["P1", "P2", "P3"]
    assert data.frame["_row"].tolist() == [6, 7, 8]
    assert data.frame["start_date"].tolist() == [pd.Timestamp(D)] * 3  # text date parsed


def test_table_totals_row_is_not_data(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Projects")
    body = projects(2)[1:]
    columns: list[dict[str, object]] = [{"header": h} for h in PROJECTS]
    columns[0]["total_string"] = "Total"
    columns[-1]["total_function"] = "sum"
    sheet.add_table(
        0,
        0,
        len(body) + 1,
        len(PROJECTS) - 1,
        {"data": body, "columns": columns, "total_row": True},
    )
    book.close()
    frame = read_workspace(path).frame("Projects")
    assert frame["project_id"].tolist() == ["P1", "P2"]


def test_sheet_names_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "b.xlsx",
        {
            "AUDITS": audits(),
            "roster ": roster(),
            "LX Summary": [["project_id"], ["x"]],
            "My notes": [["anything"]],
        },
    )
    ws = read_workspace(path)
    assert sorted(ws.sheets) == ["Audits", "Roster"]
    assert ws.sheets["Audits"].sheet_name == "AUDITS"
    assert ws.findings == []


def test_headers_match_ignoring_case_spaces_and_underscores(tmp_path: Path) -> None:
    rows: Rows = [
        ["Person ID", " NAME ", "role", "Start_Date", "Shoe size"],
        ["L1", "Ann", "Labeler", D, 42],
    ]
    ws = read_workspace(write_book(tmp_path / "b.xlsx", {"Roster": rows}))
    frame = ws.frame("Roster")
    assert frame.loc[0, "person_id"] == "L1" and frame.loc[0, "name"] == "Ann"
    assert [(f.code, f.cell) for f in ws.findings] == [("unknown-column", "E1")]


def test_duplicate_sheet_keeps_the_first_file_and_says_so(tmp_path: Path) -> None:
    # Issue 14: other sheet kinds are read together from several workbooks; Settings,
    # one value per setting, must still be one sheet.
    folder = tmp_path / "ws"
    folder.mkdir()
    settings_rows = [["setting", "value"], ["min_audit_sample", 5]]
    write_book(folder / "b_old.xlsx", {"Settings": [*settings_rows, ["confidence", 0.9]]})
    write_book(folder / "a_audit.xlsx", {"Settings": settings_rows})
    ws = read_workspace(folder)
    assert len(ws.frame("Settings")) == 1
    [finding] = ws.findings
    assert finding.code == "duplicate-sheet" and finding.sheet == "Settings"
    assert "a_audit.xlsx" in finding.message and "b_old.xlsx" in finding.message
    assert "first" in finding.message and len(finding.message) < 255


def test_blank_trailing_rows_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Roster")
    fmt = book.add_format({"bg_color": "#FFFF00"})
    for r, row in enumerate(roster(2)):
        sheet.write_row(r, 0, [v.isoformat() if isinstance(v, dt.date) else v for v in row])
    for r in range(3, 40):
        sheet.write_blank(r, 0, None, fmt)
        sheet.write_string(r, 1, "   ")
    book.close()
    assert read_workspace(path).frame("Roster")["person_id"].tolist() == ["L1", "L2"]


def test_empty_known_sheet_gives_an_empty_frame(tmp_path: Path) -> None:
    path = write_book(tmp_path / "b.xlsx", {"Projects": projects(), "Audits": []})
    frame = read_workspace(path).frame("Audits")
    assert len(frame) == 0 and "audit_id" in frame.columns


# ---------------------------------------------------------------------------------------------
# Dates


def test_dates_as_real_dates_datetimes_serials_and_text(tmp_path: Path) -> None:
    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Roster")
    sheet.write_row(0, 0, ["person_id", "name", "role", "start_date"])
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    stamp_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    serial = (D - dt.date(1899, 12, 30)).days
    cells: list[tuple[str, Callable[[int], None]]] = [
        ("date cell", lambda r: sheet.write_datetime(r, 3, dt.datetime(2026, 3, 2), date_fmt)),
        (
            "datetime cell",
            lambda r: sheet.write_datetime(r, 3, dt.datetime(2026, 3, 2, 17, 45), stamp_fmt),
        ),
        ("number formatted as date", lambda r: sheet.write_number(r, 3, serial, date_fmt)),
        ("plain serial number", lambda r: sheet.write_number(r, 3, serial)),
        ("ISO text", lambda r: sheet.write_string(r, 3, "2026-03-02")),
        ("day-first text", lambda r: sheet.write_string(r, 3, "02/03/2026")),
    ]
    for r, (label, write) in enumerate(cells, start=1):
        sheet.write_row(r, 0, [f"L{r}", label, "Labeler"])
        write(r)
    sheet.write_row(len(cells) + 1, 0, ["L9", "bad", "Labeler", "soon"])
    settings = book.add_worksheet("Settings")  # '02/03/2026' needs the team's date order
    settings.write_row(0, 0, ["setting", "value"])
    settings.write_row(1, 0, ["date_order", "DMY"])
    book.close()
    ws = read_workspace(path)
    frame = ws.frame("Roster")
    assert frame["start_date"].iloc[: len(cells)].tolist() == [pd.Timestamp(D)] * len(cells)
    assert [(f.code, f.cell, f.value) for f in ws.findings] == [("bad-type", "D8", "soon")]


def test_1904_date_system(tmp_path: Path) -> None:
    path = tmp_path / "mac.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    sheet = book.add_worksheet("Roster")
    sheet.write_row(0, 0, ["person_id", "name", "role", "start_date"])
    sheet.write_row(1, 0, ["L1", "A", "Labeler"])
    sheet.write_datetime(1, 3, dt.datetime(2026, 3, 2), book.add_format({"num_format": "d/m/y"}))
    sheet.write_row(2, 0, ["L2", "B", "Labeler", (D - dt.date(1904, 1, 1)).days])
    book.close()
    frame = read_workspace(path).frame("Roster")
    assert frame["start_date"].tolist() == [pd.Timestamp(D)] * 2


def test_dates_pandas_cannot_hold_are_findings_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Roster")
    sheet.write_row(0, 0, ["person_id", "name", "role", "start_date", "end_date"])
    fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    ends: list[Callable[[int], None]] = [
        lambda r: sheet.write_datetime(r, 4, dt.datetime(9999, 12, 31), fmt),  # "no end"
        lambda r: sheet.write_string(r, 4, "9999-12-31"),
        lambda r: sheet.write_number(r, 4, 2958465),  # serial of 9999-12-31
        lambda r: sheet.write_datetime(r, 4, dt.datetime(1600, 1, 1), fmt),
        lambda r: sheet.write_datetime(r, 4, dt.datetime(2026, 6, 30), fmt),
    ]
    for r, write in enumerate(ends, start=1):
        sheet.write_row(r, 0, [f"L{r}", "A", "Labeler"])
        sheet.write_datetime(r, 3, dt.datetime(2026, 1, 5), fmt)
        write(r)
    book.close()
    ws = read_workspace(path)
    assert [(f.code, f.cell) for f in ws.findings] == [("bad-type", f"E{r}") for r in (2, 3, 4, 5)]
    assert "9999-12-31" in ws.findings[0].message and len(ws.findings[0].message) < 255
    assert ws.frame("Roster")["end_date"].tolist()[-1] == pd.Timestamp(2026, 6, 30)
    assert ws.frame("Roster")["start_date"].notna().all()


def test_settings_sheet_sets_the_settings(tmp_path: Path) -> None:
    rows: Rows = [
        ["setting", "value", "description"],
        ["max_hours_per_day", 10, "cap"],
        ["no_such_setting", 1, ""],
    ]
    ws = read_workspace(write_book(tmp_path / "t.xlsx", {"Settings": rows, "Roster": roster()}))
    assert ws.settings.max_hours_per_day == 10
    assert [(f.code, f.cell) for f in ws.findings] == [("unknown-setting", "A3")]


def test_progress_reports_each_step(tmp_path: Path) -> None:
    messages: list[str] = []
    read_workspace(workspace(tmp_path / "ws"), progress=messages.append)
    assert any("audit.xlsx" in m for m in messages)
    assert sum(m.startswith("Reading") for m in messages) == 4


# ---------------------------------------------------------------------------------------------
# Agreement with independent readers


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcXYZ019 -", min_size=1, max_size=8),
            st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
            st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 3)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_agrees_with_openpyxl(tmp_path: Path, records: list[tuple[str, dt.date, float]]) -> None:
    rows: Rows = [["project_id", "project_name", "start_date", "target_volume"]]
    rows += [[f"P{i}", name, day, volume] for i, (name, day, volume) in enumerate(records)]
    path = write_book(tmp_path / "p.xlsx", {"Projects": rows})
    ours = read_workspace(path).frame("Projects")
    theirs = pd.read_excel(path, sheet_name="Projects", engine="openpyxl", dtype=object)
    assert ours["project_id"].tolist() == theirs["project_id"].tolist()
    assert ours["project_name"].tolist() == [str(v).strip() or None for v in theirs["project_name"]]
    assert ours["start_date"].tolist() == [pd.Timestamp(v) for v in theirs["start_date"]]
    assert np.allclose(ours["target_volume"], theirs["target_volume"].astype(float))


def test_true_and_one_in_one_column_stay_distinct(tmp_path: Path) -> None:
    rows: Rows = [
        ["person_id", "name", "role", "start_date", "fte"],
        ["L1", "A", "Labeler", D, True],
        ["L2", "B", "Labeler", D, 1],
        ["L3", "C", "Labeler", D, 0.5],
    ]
    ws = read_workspace(write_book(tmp_path / "r.xlsx", {"Roster": rows}))
    assert ws.frame("Roster")["fte"].tolist()[1:] == [1.0, 0.5]
    assert [(f.code, f.cell, f.value) for f in ws.findings] == [("bad-type", "E2", "TRUE")]


CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "yes",
            "No",
            "Labeler",
            "qa",
            "P1",
            "2026-03-02",
            "02/03/2026",
            "soon",
            "1.5",
            "12",
            "x y",
            "Overturned",
        ]
    ),
    st.none(),
    st.integers(-3, 50000),
    st.floats(-1, 60000, allow_nan=False),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2100, 1, 1)),
    st.times(),
)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["Roster", "Audits", "Projects", "Timesheet"]), st.integers(0, 20), st.data()
)
def test_typed_sheet_agrees_with_sheet_from_raw(name: str, n: int, data: st.DataObject) -> None:
    """The reader's fast paths change nothing: same frame and findings, blank rows aside."""
    schema = SHEETS[name]
    headers = data.draw(
        st.lists(st.sampled_from([*schema.column_names, "Extra", ""]), min_size=1, max_size=8)
    )
    kinds = [data.draw(st.sampled_from(["mixed", "text", "number", "date"])) for _ in headers]
    one = {
        "text": st.sampled_from(["", "a", " b ", "yes", "Labeler", "P1", "2026-01-05"]),
        "number": st.floats(-5, 100, allow_nan=False),
        "date": st.dates(dt.date(1700, 1, 1), dt.date(2200, 1, 1)),
        "mixed": CELL,
    }
    columns = {
        i: pd.Series(data.draw(st.lists(one[k], min_size=n, max_size=n)), dtype=object)
        for i, k in enumerate(kinds)
    }
    raw = pd.DataFrame(columns, index=pd.RangeIndex(n))
    raw.columns = pd.Index(headers, dtype=object)
    rows = np.arange(7, 7 + n, dtype=np.int64)
    fast, fast_found = typed_sheet(
        schema, raw, header_row=6, first_col=2, sheet_name=name, rows=rows
    )
    keep = ~parse._blank_rows(raw.to_numpy(dtype=object))
    slow, slow_found = sheet_from_raw(
        schema, raw[keep], header_row=6, first_col=2, sheet_name=name, rows=rows[keep]
    )
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert [f.to_dict() for f in fast_found] == [f.to_dict() for f in slow_found]
    assert fast.letters == slow.letters


def test_typed_sheet_safeguards_for_other_doors() -> None:
    raw = pd.DataFrame(
        {
            "audit_id": ["A1", None, " ", "A2"],
            "audit_date": [D, None, "", 1.0],
            "disputed": [True, None, None, "no"],
        },
        dtype=object,
    )
    data, found = typed_sheet(SHEETS["Audits"], raw, header_row=3, sheet_name="Audits")
    assert data.frame["_row"].tolist() == [4, 7]  # the two blank rows are not records
    assert data.frame["disputed"].tolist() == ["yes", "no"]
    end = pd.DataFrame(
        {"person_id": ["L1", "L2"], "end_date": [dt.date(9999, 12, 31), 1.0], "fte": [True, 1.0]},
        dtype=object,
    )
    data, found = typed_sheet(SHEETS["Roster"], end)
    assert sorted((f.cell, f.column) for f in found) == [("B2", "end_date"), ("C2", "fte")]
    assert data.frame["fte"].tolist()[1] == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(["", " ", "\t\n", "\u00a0", "a", " b "]),
                st.none(),
                st.floats(),
                st.booleans(),
                st.dates(),
            ),
            min_size=3,
            max_size=3,
        ),
        max_size=12,
    )
)
def test_blank_rows_are_rows_of_empty_or_space_only_cells(rows: Rows) -> None:
    block = np.empty((len(rows), 3), dtype=object)
    for i, row in enumerate(rows):
        block[i, :] = row
    expected = [
        all(v is None or v != v or (isinstance(v, str) and not v.strip()) for v in row)
        for row in rows
    ]
    assert parse._blank_rows(block).tolist() == expected


# ---------------------------------------------------------------------------------------------
# The cache


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the sheets actually parsed (not served from the cache)."""
    seen: list[str] = []
    real = reader.parse_sheet

    def counting(book, package, part, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(part.known)
        return real(book, package, part, *args, **kwargs)

    monkeypatch.setattr(reader, "parse_sheet", counting)
    return seen


def test_unchanged_workspace_is_served_from_cache(tmp_path: Path, parses: list[str]) -> None:
    folder = workspace(tmp_path / "ws")
    write_book(
        folder / "tracker.xlsx",
        {
            "Projects": projects(),
            "Roster": roster(),
            "Settings": [["setting", "value"], ["max_hours_per_day", "ten"]],
        },
    )
    cache = tmp_path / "cache"
    first = read_workspace(folder, cache_dir=cache)
    assert sorted(parses) == ["Audits", "Projects", "Roster", "Settings", "Taxonomy"]
    parses.clear()
    second = read_workspace(folder, cache_dir=cache)
    assert parses == []
    for name, data in first.sheets.items():
        pd.testing.assert_frame_equal(second.sheets[name].frame, data.frame)
        assert second.sheets[name].letters == data.letters
    assert second.findings == first.findings and second.findings  # bad-setting survives
    assert second.settings == first.settings
    assert {p.suffix for p in cache.iterdir()} == {".json", ".parquet"}  # never pickle


def test_a_cached_sheet_of_repeated_ids_comes_back_the_same(
    tmp_path: Path, parses: list[str]
) -> None:
    """Columns of few distinct texts are read back through a dictionary (faster): the
    frame, blanks included, is the one parsed."""
    folder = tmp_path / "ws"
    folder.mkdir()
    rows = audits(1500)
    for i, row in enumerate(rows[1:]):
        row[4] = [None, "L1", "L2", "Ls"][i % 4]  # person_id: three ids and blanks
        row[7] = "Not violating" if i % 3 else "Violating"
    write_book(folder / "audit.xlsx", {"Audits": rows, "Taxonomy": taxonomy()})
    cache = tmp_path / "cache"
    first = read_workspace(folder, cache_dir=cache)
    parses.clear()
    second = read_workspace(folder, cache_dir=cache)
    assert parses == []
    got, expected = second.frame("Audits"), first.frame("Audits")
    pd.testing.assert_frame_equal(got, expected)
    assert got["person_id"].tolist()[:4] == [None, "L1", "L2", "Ls"]
    metas = [json.loads(m.read_text()) for m in cache.glob("*.json")]
    repeated = next(m["repeated"] for m in metas if m["sheet"]["name"] == "Audits")
    assert {"person_id", "auditor_decision", "project_id"} <= set(repeated)
    assert "audit_id" not in repeated  # every value distinct: read as it is


def test_a_column_of_numbers_and_text_is_cached_with_each_values_type(
    tmp_path: Path, parses: list[str]
) -> None:
    """Settings' value column holds 0.95, "de-DE" and 8: it was parsed again on every run
    (Parquet cannot keep a column of both); it is kept as JSON, each value as it was."""
    folder = workspace(tmp_path / "ws")
    settings = [
        ["setting", "value"],
        ["accuracy_target", 0.95],
        ["language", "de-DE"],
        ["max_hours_per_day", 8],
        ["pseudonym_secret", None],
        ["confidence", "0,9"],
    ]
    write_book(
        folder / "tracker.xlsx",
        {"Projects": projects(), "Roster": roster(), "Settings": settings},
    )
    cache = tmp_path / "cache"
    first = read_workspace(folder, cache_dir=cache)
    parses.clear()
    second = read_workspace(folder, cache_dir=cache)
    assert parses == []
    got, expected = second.frame("Settings"), first.frame("Settings")
    pd.testing.assert_frame_equal(got, expected)
    assert [type(v) for v in got["value"]] == [type(v) for v in expected["value"]]
    assert {float, str} <= set(map(type, got["value"]))
    assert second.settings == first.settings
    assert second.sheets["Settings"].fingerprint == first.sheets["Settings"].fingerprint


def test_editing_one_sheet_reparses_only_that_sheet(tmp_path: Path, parses: list[str]) -> None:
    folder = workspace(tmp_path / "ws")
    cache = tmp_path / "cache"
    read_workspace(folder, cache_dir=cache)
    parses.clear()
    workspace(folder, audit_day=dt.date(2026, 3, 3))  # one date cell per row of Audits changes
    ws = read_workspace(folder, cache_dir=cache)
    assert parses == ["Audits"]
    assert ws.frame("Audits")["audit_date"].tolist() == [pd.Timestamp(2026, 3, 3)] * 3
    assert len(list(cache.glob("*.json"))) == 4  # the stale Audits entry was replaced


def test_appended_styles_keep_the_cache_and_changed_ones_do_not(
    tmp_path: Path, parses: list[str]
) -> None:
    """labelxl's writer (and Excel) append cell styles when LX sheets are added: the sheets
    that did not change stay cached. A style a sheet uses that changes its format does not."""
    folder = workspace(tmp_path / "ws")
    cache = tmp_path / "cache"
    first = read_workspace(folder, cache_dir=cache)
    book = folder / "audit.xlsx"
    digests = [s.digest for s in check_package(book).sheets]
    extra = b'<xf numFmtId="10" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
    rebuilt(
        book, book, "xl/styles.xml", lambda xml: xml.replace(b"</cellXfs>", extra + b"</cellXfs>")
    )
    assert [s.digest for s in check_package(book).sheets] == digests  # only styles.xml changed
    parses.clear()
    again = read_workspace(folder, cache_dir=cache)
    assert parses == []
    pd.testing.assert_frame_equal(again.frame("Audits"), first.frame("Audits"))

    rebuilt(book, book, "xl/styles.xml", lambda xml: xml.replace(b"yyyy-mm-dd", b"0.00"))
    assert [s.digest for s in check_package(book).sheets] == digests
    parses.clear()
    changed = read_workspace(folder, cache_dir=cache)
    assert sorted(parses) == ["Audits", "Taxonomy"]  # every sheet of the restyled workbook
    # (a date column's number is still read as an Excel date serial)
    pd.testing.assert_frame_equal(changed.frame("Audits"), first.frame("Audits"))


def test_corrupt_cache_entries_are_rebuilt(tmp_path: Path, parses: list[str]) -> None:
    folder = workspace(tmp_path / "ws")
    cache = tmp_path / "cache"
    clean = read_workspace(folder, cache_dir=cache)
    parquets = sorted(cache.glob("*.parquet"))
    jsons = sorted(cache.glob("*.json"))
    parquets[0].write_bytes(b"PAR1 garbage")
    jsons[1].write_text("{not json")
    parses.clear()
    again = read_workspace(folder, cache_dir=cache)
    assert len(parses) == 2
    for name, data in clean.sheets.items():
        pd.testing.assert_frame_equal(again.sheets[name].frame, data.frame)
    parses.clear()
    read_workspace(folder, cache_dir=cache)
    assert parses == []


# ---------------------------------------------------------------------------------------------
# Bad input: one clear line, never a traceback


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    refused(tmp_path / "nope", "does not exist")
    refused(tmp_path / "nope.xlsx", "does not exist")


def test_empty_folder_and_folder_without_workbooks(tmp_path: Path) -> None:
    refused(tmp_path, "no Excel workbooks")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    refused(tmp_path, "no Excel workbooks")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"date,person_id,hours\n2026-03-02,L1,8\n", ("not an Excel workbook", "CSV")),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", ("not an Excel workbook", "PDF")),
        (
            bytes(np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8)),
            ("not an Excel workbook",),
        ),
        (b"", ("empty",)),
    ],
    ids=["csv", "pdf", "random-bytes", "empty-file"],
)
def test_non_workbook_renamed_xlsx(tmp_path: Path, content: bytes, words: tuple[str]) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(content)
    refused(path, *words)
    refused(tmp_path, *words)  # the same file inside a folder


def test_corrupt_zip(tmp_path: Path) -> None:
    good = write_book(tmp_path / "good.xlsx", {"Audits": audits(50)}).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    refused(path, "damaged")
    flipped = bytearray(good)
    flipped[200:260] = bytes(60)  # inside the first part's compressed data
    path.write_bytes(bytes(flipped))
    refused(path, "damaged")


def test_zip_without_workbook_parts(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(zip_bytes({"readme.txt": b"hi"}))
    refused(path, "not an Excel workbook", "xl/workbook.xml")
    path.write_bytes(
        zip_bytes(
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}
        )
    )
    refused(path, "OpenDocument", "Save As .xlsx")
    path.write_bytes(zip_bytes({"xl/workbook.bin": b"\x00"}))
    refused(path, ".xlsb")


def ole(*streams: str) -> bytes:
    """A stand-in OLE2/CFB file: the signature, then directory entry names in UTF-16."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    names = b"".join(s.encode("utf-16-le").ljust(128, b"\x00") for s in ("Root Entry", *streams))
    return header + names + bytes(1024)


def test_password_protected_workbook(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(ole("EncryptionInfo", "EncryptedPackage"))
    message = refused(path, "encrypted", "password", "Protect Workbook")
    assert "xls" not in message.split(":", 1)[1].replace(".xlsx", "")


def test_zip_level_encryption(tmp_path: Path) -> None:
    good = parts_of(write_book(tmp_path / "g.xlsx", {"Audits": audits()}))
    data = bytearray(zip_bytes(good))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_at] |= 0x01
            start += 4
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(data))
    refused(path, "encrypted")


def test_xls_given_directly_or_in_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(ole("Workbook", "SummaryInformation"))
    refused(path, ".xls", "Save As .xlsx")
    workspace(tmp_path)
    refused(tmp_path, ".xls", "Save As .xlsx")
    disguised = tmp_path / "ws2" / "old.xlsx"
    disguised.parent.mkdir()
    disguised.write_bytes(path.read_bytes())
    refused(disguised, ".xls", "Save As .xlsx")


def test_workbook_without_sheets_or_known_sheets(tmp_path: Path) -> None:
    good = parts_of(write_book(tmp_path / "g.xlsx", {"Notes": [["hello"]]}))
    path = tmp_path / "notes.xlsx"
    path.write_bytes(zip_bytes(good))
    message = refused(path, "no labelxl sheet", "Notes", "Audits", "Timesheet")
    assert len(message) < 400
    good["xl/workbook.xml"] = good["xl/workbook.xml"].replace(
        b'<sheet name="Notes" sheetId="1" r:id="rId1"/>', b""
    )
    path.write_bytes(zip_bytes(good))
    refused(path, "has no sheets")
    folder = tmp_path / "ws"
    folder.mkdir()
    write_book(folder / "notes.xlsx", {"Notes": [["hello"]]})
    refused(folder, "no labelxl sheet")


def cut(at: Callable[[bytes], int]) -> Callable[[bytes], bytes]:
    return lambda xml: xml[: at(xml)]


@pytest.mark.parametrize(
    "where",
    [
        cut(lambda x: len(x) * 2 // 3),
        cut(lambda x: x.rindex(b"</row>") + 6),
        cut(lambda x: x.rindex(b"</sheetData>")),
    ],
    ids=["mid-tag", "after-a-row", "before-sheetData-closes"],
)
def test_sheet_truncated_mid_xml(tmp_path: Path, where: Callable[[bytes], bytes]) -> None:
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits(30)})
    path = rebuilt(good, tmp_path / "cut.xlsx", "xl/worksheets/sheet1.xml", where)
    refused(path, "damaged", "xl/worksheets/sheet1.xml")


def test_deferred_checks_still_refuse_a_damaged_sheet_before_parsing(tmp_path: Path) -> None:
    # With a cache, full checks wait until a sheet is parsed; they must still run then.
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits(30)})
    path = rebuilt(good, tmp_path / "cut.xlsx", "xl/worksheets/sheet1.xml", cut(len_two_thirds))
    with pytest.raises(WorkbookError, match="damaged"):
        read_workspace(path, cache_dir=tmp_path / "cache")


def len_two_thirds(xml: bytes) -> int:
    return len(xml) * 2 // 3


def test_a_cached_sheet_is_not_inflated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace(tmp_path / "ws")
    cache = tmp_path / "cache"
    read_workspace(folder, cache_dir=cache)
    inflated: list[str] = []
    real = guard.Verifier.full

    def counting(self, name, keep=False, rows=None):  # type: ignore[no-untyped-def]
        inflated.append(name)
        return real(self, name, keep=keep, rows=rows)

    monkeypatch.setattr(guard.Verifier, "full", counting)
    read_workspace(folder, cache_dir=cache)
    assert not [n for n in inflated if "worksheets/" in n or "sharedStrings" in n]


def test_shared_strings_truncated(tmp_path: Path) -> None:
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits(30)})
    path = rebuilt(
        good, tmp_path / "cut.xlsx", "xl/sharedStrings.xml", cut(lambda x: x.rindex(b"</si>") + 5)
    )
    refused(path, "damaged", "sharedStrings")


def test_calamine_failure_becomes_one_line(tmp_path: Path) -> None:
    def broken() -> None:
        raise RuntimeError("XmlError: something\nat line 7")

    with pytest.raises(WorkbookError) as info:
        parse.calamine(tmp_path / "x.xlsx", "Audits", broken)
    assert "\n" not in str(info.value) and "'Audits'" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Hostile files


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    parts = parts_of(write_book(tmp_path / "g.xlsx", {"Audits": audits()}))
    parts["xl/media/image1.png"] = bytes(30_000_000)  # 30 MB of zeros, ~1000:1
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bytes(parts))
    refused(path, "refused", "zip bomb")


def test_zip_bomb_by_total_declared_size(tmp_path: Path) -> None:
    path = write_book(tmp_path / "g.xlsx", {"Audits": audits()})
    data = bytearray(path.read_bytes())
    start = data.find(b"PK\x01\x02")  # first central directory entry: claim 2 GB inflated
    data[start + 24 : start + 28] = struct.pack("<I", 2_000_000_000)
    path.write_bytes(bytes(data))
    refused(path, "refused")


def test_part_that_inflates_beyond_its_declared_size(tmp_path: Path) -> None:
    """A lying size: the directory (and CRC) describe 100 bytes, the stream holds 5 MB."""
    sheet = audits(3_000)
    good = write_book(tmp_path / "g.xlsx", {"Audits": sheet})
    name = b"xl/worksheets/sheet1.xml"
    content = parts_of(good)[name.decode()]
    data = bytearray(good.read_bytes())
    crc = zlib.crc32(content[:100])
    for signature, crc_at in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[start + crc_at : start + crc_at + 4] = struct.pack("<I", crc)
                data[start + crc_at + 8 : start + crc_at + 12] = struct.pack("<I", 100)
            start += 4
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:  # Python's own reader is fooled
        assert archive.read(name.decode()) == content[:100]
    refused(path, "refused", "sheet1.xml")


def test_more_rows_than_excel_allows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits(3)})
    big = MAX_ROWS + 1
    by_dimension = rebuilt(
        good,
        tmp_path / "dim.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(b'<dimension ref="A1:I4"/>', f'<dimension ref="A1:I{big}"/>'.encode()),
    )
    refused(by_dimension, "more rows than Excel allows", "1,048,576")
    by_last_row = rebuilt(
        good,
        tmp_path / "last.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(b'<row r="4"', f'<row r="{big}"'.encode()),
    )
    refused(by_last_row, "more rows than Excel allows")
    in_utf16 = rebuilt(
        by_last_row,
        tmp_path / "utf16.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda x: x.decode().replace('"UTF-8"', '"UTF-16"').encode("utf-16"),
    )
    refused(in_utf16, "more rows than Excel allows")
    # Rows without an r attribute are counted (a small limit keeps the test file small).
    monkeypatch.setattr(guard, "MAX_ROWS", 3)
    unnumbered = rebuilt(
        good,
        tmp_path / "count.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(b'<dimension ref="A1:I4"/>', b"").replace(b'<row r="', b'<row x="'),
    )
    refused(unnumbered, "more rows than Excel allows")


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits()})
    path = rebuilt(good, tmp_path / "laughs.xlsx", "xl/sharedStrings.xml", BILLION_LAUGHS)
    refused(path, "DOCTYPE", "sharedStrings")


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "docProps/core.xml", "xl/workbook.xml"],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_entity_never_reads_a_local_file(tmp_path: Path, part: str, encoding: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a")
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits()})
    parts = parts_of(good)
    xml = parts[part].decode("utf-8")
    root = xml.index("<", xml.index("?>"))
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    xml = xml[:root] + doctype + xml[root:]
    xml = xml.replace("<t>A1</t>", "<t>&xxe;</t>")
    if encoding == "utf-16":
        xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parts[part] = xml.encode(encoding)  # "utf-16" writes a byte-order mark
    path = tmp_path / "xxe.xlsx"
    path.write_bytes(zip_bytes(parts))
    message = refused(path, "DOCTYPE", part)
    assert "TOP-SECRET" not in message


def test_doctype_after_a_long_prolog_is_still_found(tmp_path: Path) -> None:
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits()})
    padding = b"<!-- " + b"x" * (guard.MAX_PROLOG + 10) + b" -->"
    path = rebuilt(
        good,
        tmp_path / "pad.xlsx",
        "docProps/core.xml",
        lambda x: x.replace(b"?>", b"?>" + padding + b'<!DOCTYPE x [<!ENTITY a "b">]>', 1),
    )
    refused(path, "refused")


def test_duplicate_part_names_are_refused(tmp_path: Path) -> None:
    good = write_book(tmp_path / "g.xlsx", {"Audits": audits()})
    path = tmp_path / "dup.xlsx"
    path.write_bytes(good.read_bytes())
    with (
        pytest.warns(UserWarning, match="Duplicate name"),  # zipfile warns, as it should
        zipfile.ZipFile(path, "a") as archive,
    ):
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    refused(path, "appears twice")


def test_check_package_reports_sheets_and_digests(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "g.xlsx", {"Audits": audits(), "Notes": [["x"]], "LX Summary": [["audit_id"]]}
    )
    package = check_package(path)
    assert [(s.name, s.known) for s in package.sheets] == [
        ("Audits", "Audits"),
        ("Notes", None),
        ("LX Summary", None),
    ]
    assert len(package.sheets[0].digest) == 64 and package.shared_digest
    assert not package.date1904
