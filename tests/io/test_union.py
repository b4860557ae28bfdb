"""One sheet kind in several workbooks (issue 14): rows read together, each keeping its origin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from labelxl.io.reader import read_workspace
from labelxl.validate import validate
from tests.io.test_messy_input import PRODUCTION, TIMESHEET, TODAY, book, team

D = dt.date(2026, 3, 2)


def vendors(tmp_path: Path) -> Path:
    folder = team(tmp_path / "ws")
    book(
        folder / "timesheet-vendor-b.xlsx",
        {"Timesheet": [TIMESHEET, [D, "L0002", "Labeling", 6, "P1"], [D, "L0003", "Labeling",
                                                                       -2, "P1"]]},
    )  # fmt: skip
    (folder / "imports").mkdir()
    book(
        folder / "imports" / "label-studio-P1.xlsx",
        {"Production": [PRODUCTION, [D, "L0002", "P1", 50, "abc"], [D, "L0003", "P1", 40, 200]]},
    )
    return folder


def test_rows_of_one_kind_from_several_workbooks_are_read_together(tmp_path: Path) -> None:
    ws = read_workspace(vendors(tmp_path), today=TODAY)
    timesheet = ws.frame("Timesheet")  # workbooks in file-name order: '-' sorts before '.'
    assert timesheet["person_id"].tolist() == ["L0002", "L0003", "L0001"]
    assert timesheet["_row"].tolist() == [2, 3, 2]  # each row keeps its own row number
    assert [s.workbook for s in ws.sheets["Timesheet"].sources] == [
        "timesheet-vendor-b.xlsx",
        "timesheet.xlsx",
    ]
    production = ws.frame("Production")
    assert production["person_id"].tolist() == ["L0001", "L0002", "L0003"]
    assert [s.workbook for s in ws.sheets["Production"].sources] == [
        "tracker.xlsx",
        "imports/label-studio-P1.xlsx",
    ]
    assert not [f for f in ws.findings if f.code == "duplicate-sheet"]


def test_findings_point_at_the_workbook_and_cell_of_their_row(tmp_path: Path) -> None:
    report = validate(read_workspace(vendors(tmp_path), today=TODAY))
    where = {(f.code, f.workbook, f.sheet, f.cell) for f in report}
    assert ("bad-type", "imports/label-studio-P1.xlsx", "Production", "E2") in where
    assert ("hours-not-positive", "timesheet-vendor-b.xlsx", "Timesheet", "D3") in where


def test_keys_stay_unique_across_workbooks_and_name_both(tmp_path: Path) -> None:
    folder = team(tmp_path / "ws")
    (folder / "imports").mkdir()
    book(
        folder / "imports" / "more-people.xlsx",
        {"Roster": [["person_id", "name", "role", "start_date"], ["L0002", "Twin", "QA", D]]},
    )
    report = validate(read_workspace(folder, today=TODAY))
    [dup] = [f for f in report if f.code == "duplicate-key"]
    assert (dup.workbook, dup.sheet, dup.cell) == ("imports/more-people.xlsx", "Roster", "A2")
    assert "row 3 of Roster in tracker.xlsx" in dup.message


def test_a_workbook_missing_a_column_is_told_so_alone(tmp_path: Path) -> None:
    folder = team(tmp_path / "ws")
    book(folder / "timesheet-b.xlsx", {"Timesheet": [TIMESHEET[:3], [D, "L0002", "Labeling"]]})
    report = validate(read_workspace(folder, today=TODAY))
    missing = [(f.workbook, f.cell, f.column) for f in report if f.code == "missing-column"]
    assert missing == [("timesheet-b.xlsx", "D1", "hours")]
    assert not [f for f in report if f.code == "required-blank" and f.sheet == "Timesheet"]


def test_taxonomy_is_the_union_and_settings_must_be_one(tmp_path: Path) -> None:
    folder = team(tmp_path / "ws", settings=[["min_audit_sample", 5]])
    book(
        folder / "zz-more.xlsx",
        {
            "Taxonomy": [["policy_area", "decision"], ["Hate", "Escalate"]],
            "Settings": [["setting", "value"], ["min_audit_sample", 50]],
        },
    )
    ws = read_workspace(folder, today=TODAY)
    assert set(ws.frame("Taxonomy")["decision"]) == {"Approve", "Remove", "Escalate"}
    assert ws.settings.min_audit_sample == 5
    [dup] = [f for f in ws.findings if f.code == "duplicate-sheet"]
    assert dup.sheet == "Settings" and "tracker.xlsx" in dup.message and "zz-more" in dup.message


def test_the_cache_gives_the_same_union(tmp_path: Path) -> None:
    folder = vendors(tmp_path)
    cache = tmp_path / "cache"
    cold = read_workspace(folder, today=TODAY, cache_dir=cache)
    warm = read_workspace(folder, today=TODAY, cache_dir=cache)
    for name in cold.sheets:
        assert cold.frame(name).equals(warm.frame(name)), name
    assert [f.to_dict() for f in cold.findings] == [f.to_dict() for f in warm.findings]


def test_rules_that_name_another_row_name_its_workbook(tmp_path: Path) -> None:
    folder = team(tmp_path / "ws", timesheet=[[D, "L0001", "Labeling", 7, "P1"]])
    book(folder / "timesheet-zz-leave.xlsx", {"Timesheet": [TIMESHEET, [D, "L0001", "Leave", 8]]})
    report = validate(read_workspace(folder, today=TODAY))
    [clash] = [f for f in report if f.code == "leave-and-work"]
    assert (clash.workbook, clash.cell) == ("timesheet-zz-leave.xlsx", "C2")
    assert "Labeling in row 2 of Timesheet in timesheet.xlsx" in clash.message
