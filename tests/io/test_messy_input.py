"""Workbooks as real teams type them (issue 12): decimal commas, text dates, lower-case
decisions, full-width and invisible characters in ids, Excel error cells, formulas never
calculated, percent text, .ods files. Every fixture is written with xlsxwriter/openpyxl the
way a user's workbook is, then read through read_workspace -> validate -> metrics.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from labelxl.errors import WorkbookError
from labelxl.io.reader import read_workspace
from labelxl.metrics.bundle import compute
from labelxl.metrics.calibration import calibration_report
from labelxl.metrics.quality import labeler_quality
from labelxl.validate import validate

D = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 4, 30)


class Err:
    """An Excel error cell: a formula whose cached result is the error, as Excel saves it."""

    def __init__(self, text: str, formula: str = "=VLOOKUP(A2,Lookup!A:B,2,FALSE)") -> None:
        self.text, self.formula = text, formula


class Uncalculated:
    """A formula written by a script with no cached value (never opened in Excel)."""

    def __init__(self, formula: str) -> None:
        self.formula = formula


def book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write ``sheets`` as a user would: strings as text cells, dates as date cells."""
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Err):
                    ws.write_formula(r, c, value.formula, None, value.text)
                elif isinstance(value, Uncalculated):
                    ws.write_formula(r, c, value.formula, None, "")
                elif isinstance(value, dt.date):
                    ws.write_datetime(
                        r, c, dt.datetime(value.year, value.month, value.day), date_format
                    )
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
    wb.close()
    return path


PROJECTS = ["project_id", "project_name", "market", "language", "policy_area", "status",
            "start_date", "target_accuracy"]  # fmt: skip
ROSTER = ["person_id", "name", "role", "market", "fte", "start_date"]
TIMESHEET = ["date", "person_id", "activity", "hours", "project_id"]
PRODUCTION = ["date", "person_id", "project_id", "items", "handle_minutes"]
AUDITS = ["audit_id", "audit_date", "item_id", "project_id", "person_id", "auditor_id",
          "labeler_decision", "auditor_decision", "error_type"]  # fmt: skip
TAXONOMY = [["policy_area", "decision"], ["Hate", "Approve"], ["Hate", "Remove"]]


def team(
    folder: Path,
    *,
    market: str = "US",
    timesheet: list[list[Any]] | None = None,
    production: list[list[Any]] | None = None,
    audit_rows: list[list[Any]] | None = None,
    roster_rows: list[list[Any]] | None = None,
    project_rows: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
) -> Path:
    """A small team's workspace (tracker, timesheet, audit workbooks) with the given rows."""
    folder.mkdir(parents=True, exist_ok=True)
    people = roster_rows or [
        [f"L000{i}", f"Person {i}", "Labeler" if i < 4 else "QA", market, 1, D] for i in range(1, 6)
    ]
    tracker: dict[str, list[list[Any]]] = {
        "Projects": [
            PROJECTS,
            *(project_rows or [["P1", "Hate EN", market, "en", "Hate", "Active", D, 0.9]]),
        ],
        "Roster": [ROSTER, *people],
        "Production": [PRODUCTION, *(production or [[D, "L0001", "P1", 100, 400]])],
    }
    if settings is not None:
        tracker["Settings"] = [["setting", "value"], *settings]
    book(folder / "tracker.xlsx", tracker)
    book(
        folder / "timesheet.xlsx",
        {"Timesheet": [TIMESHEET, *(timesheet or [[D, "L0001", "Labeling", 7, "P1"]])]},
    )
    book(
        folder / "audit.xlsx",
        {
            "Audits": [
                AUDITS,
                *(
                    audit_rows
                    or [["A1", D, "I1", "P1", "L0001", "L0004", "Approve", "Approve", None]]
                ),
            ],
            "Taxonomy": TAXONOMY,
        },
    )
    return folder


def read(folder: Path):  # type: ignore[no-untyped-def]
    ws = read_workspace(folder, today=TODAY)
    return ws, validate(ws)


def at(report, *codes: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(f.sheet, f.cell, f.code) for f in report if not codes or f.code in codes]


# ---------------------------------------------------------------- 1. decimal commas


def test_decimal_commas_follow_the_roster_markets(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "br",
        market="BR",
        timesheet=[
            [D, "L0001", "Labeling", "0,5", "P1"],
            [D, "L0002", "Labeling", "7,25", "P1"],
            [D, "L0003", "Labeling", "1,234", "P1"],  # 1.234 h here, 1234 in an export
            [D, "L0003", "Meeting", "1.234,5", None],  # one reading only
        ],
        production=[[D, "L0001", "P1", "1.234", "420,5"]],
    )
    ws, report = read(folder)
    hours = ws.frame("Timesheet")["hours"].tolist()
    assert hours[:2] == [0.5, 7.25] and pd.isna(hours[2]) and hours[3] == 1234.5
    production = ws.frame("Production").iloc[0]
    assert (production["items"], production["handle_minutes"]) == (1234, 420.5)
    [finding] = [f for f in report if f.sheet == "Timesheet" and f.code == "bad-type"]
    assert finding.cell == "D4" and "'1,234'" in finding.message and finding.value == "1,234"
    assert ws.conventions.decimal == "," and "BR" in ws.conventions.source


def test_point_decimals_by_default_and_comma_only_where_it_cannot_be_thousands(
    tmp_path: Path,
) -> None:
    folder = team(
        tmp_path / "us",
        timesheet=[
            [D, "L0001", "Labeling", "1,234", "P1"],
            [D, "L0002", "Labeling", "0,5", "P1"],
            [D, "L0003", "Labeling", "7.5", "P1"],
        ],
    )
    ws, _ = read(folder)
    assert ws.frame("Timesheet")["hours"].tolist() == [1234.0, 0.5, 7.5]


def test_decimal_separator_setting_wins_over_markets(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "set",
        market="US",
        timesheet=[[D, "L0001", "Labeling", "7,5", "P1"], [D, "L0002", "Labeling", "1,500", "P1"]],
        settings=[["decimal_separator", ","], ["accuracy_target", "0,9"]],
    )
    ws, report = read(folder)
    hours = ws.frame("Timesheet")["hours"]
    assert hours[0] == 7.5 and pd.isna(hours[1])
    assert ws.settings.accuracy_target == 0.9
    assert at(report, "bad-type") == [("Timesheet", "D3", "bad-type")]


# ---------------------------------------------------------------- 2. case and width


def test_lower_case_decisions_count_in_accuracy_end_to_end(tmp_path: Path) -> None:
    typed = [*["approve"] * 6, "APPROVE", "Ａｐｐｒｏｖｅ", "approve", "remove"]
    rows = [
        [f"A{i}", D, f"I{i}", "P1", "L0001", "L0004", dec, "Approve" if i < 9 else "Remove",
         None if (dec.lower() == ("approve" if i < 9 else "remove")) else "FalsePositive"]
        for i, dec in enumerate(typed, 1)
    ]  # fmt: skip
    folder = team(tmp_path / "case", audit_rows=rows)
    ws, report = read(folder)
    assert set(ws.frame("Audits")["labeler_decision"]) == {"Approve", "Remove"}
    assert not [f for f in report if f.code == "unknown-reference"]
    warned = [f for f in report if f.code == "not-canonical"]
    assert {f.value for f in warned} == {
        "approve",
        "APPROVE",
        "<U+FF21>pprove".replace("pprove", "<U+FF50><U+FF50><U+FF52><U+FF4F><U+FF56><U+FF45>"),
        "remove",
    }
    first = next(f for f in warned if f.value == "approve")
    assert first.cell == "G2" and "7 cells" in first.message and "'Approve'" in first.message
    quality = labeler_quality(ws, freq=None).set_index("person_id")
    # 10 audits: 9 agree (row 9 is approve vs Remove), whatever the case typed.
    assert quality.loc["L0001", "audited"] == 10
    assert quality.loc["L0001", "accuracy"] == pytest.approx(0.9)
    # The LX Labelers table of a refresh says the same.
    labelers = compute(ws, month="2026-03", report=report).labelers.set_index("person_id")
    assert labelers.loc["L0001", "accuracy"] == pytest.approx(0.9)


def test_allowed_values_ignore_width_and_invisible_characters(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "width",
        timesheet=[
            [D, "L0001", "ｌａｂｅｌｉｎｇ", 7, "P1"],
            [D, "L0002", "Labeling\u200b", 7, "P1"],
            [D, "L0003", "labeling", 7, "P1"],  # case alone: the documented leniency
        ],
    )
    ws, report = read(folder)
    assert ws.frame("Timesheet")["activity"].tolist() == ["Labeling"] * 3
    assert at(report, "not-canonical", "not-allowed") == [
        ("Timesheet", "C2", "not-canonical"),
        ("Timesheet", "C3", "not-canonical"),
    ]


def test_full_width_and_zero_width_ids_are_read_as_the_known_id_visibly(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "ids",
        production=[
            [D, "Ｌ０００５", "P1", 10, 60],
            [D, "L0002\u200b", "P1", 10, 60],
            [D, "L0009\u200b", "P1", 10, 60],  # no such person, even without the space
        ],
    )
    ws, report = read(folder)
    assert ws.frame("Production")["person_id"].tolist()[:2] == ["L0005", "L0002"]
    found = {f.cell: f for f in report if f.sheet == "Production" and f.column == "person_id"}
    assert found["B2"].code == "not-canonical" and "<U+FF2C><U+FF10>" in found["B2"].message
    assert found["B3"].code == "not-canonical" and "L0002<U+200B>" in found["B3"].message
    assert found["B4"].code == "unknown-reference" and "'L0009<U+200B>'" in found["B4"].message
    for finding in found.values():  # no message quotes a value that looks like a valid id
        assert "'L0005'" not in finding.message.split("read as")[0]


# ---------------------------------------------------------------- 3. error cells


def test_error_cells_keep_their_error_in_required_optional_and_settings(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "errors",
        roster_rows=[
            ["L0001", "Person 1", "Labeler", "US", Err("#N/A"), D],
            [Err("#REF!", "=#REF!"), "Person 2", "Labeler", "US", 1, D],
            ["L0004", "Person 4", "QA", "US", 1, D],
        ],
        project_rows=[["P1", "Hate EN", "US", "en", "Hate", "Active", D, Err("#DIV/0!", "=1/0")]],
        settings=[["max_hours_per_day", Err("#VALUE!", '="a"+1')]],
    )
    ws, report = read(folder)
    errors = {(f.sheet, f.cell): f for f in report if f.code == "error-value"}
    assert set(errors) == {
        ("Roster", "E2"),
        ("Roster", "A3"),
        ("Projects", "H2"),
        ("Settings", "B2"),
    }
    assert "(got #N/A)" in errors["Roster", "E2"].message
    assert "(got #REF!)" in errors["Roster", "A3"].message
    assert "(got #DIV/0!)" in errors["Projects", "H2"].message
    settings_message = errors["Settings", "B2"].message
    assert "max_hours_per_day" in settings_message and "#VALUE!" in settings_message
    assert "12.0" in settings_message and "None" not in settings_message
    assert not at(report, "required-blank")  # a cell holding an error is not blank
    assert pd.isna(ws.frame("Roster")["fte"][0])  # never silently the default 1
    assert pd.isna(ws.frame("Projects")["target_accuracy"][0])
    for finding in report:
        assert "got blank" not in finding.message and "got None" not in finding.message


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_formulas_never_calculated_say_open_and_save_first(tmp_path: Path, writer: str) -> None:
    folder = team(tmp_path / writer)
    path = folder / "timesheet.xlsx"
    if writer == "openpyxl":
        wb = openpyxl.Workbook()
        sheet = wb.active
        sheet.title = "Timesheet"
        sheet.append(TIMESHEET)
        sheet.append([D, "L0001", "Labeling", "=3+4", "P1"])
        sheet.append([D, "L0002", "Labeling", 7, "P1"])
        wb.save(path)
    else:
        book(path, {"Timesheet": [TIMESHEET, [D, "L0001", "Labeling", Uncalculated("=3+4"), "P1"],
                                  [D, "L0002", "Labeling", 7, "P1"]]})  # fmt: skip
    ws, report = read(folder)
    [finding] = [f for f in report if f.sheet == "Timesheet" and f.cell == "D2"]
    assert finding.code == "error-value"
    assert "=3+4" in finding.message and "save" in finding.message and "Excel" in finding.message
    assert ws.frame("Timesheet")["hours"].tolist()[1] == 7


def test_an_error_past_the_last_value_is_still_found(tmp_path: Path) -> None:
    # calamine trims trailing rows whose cells it reads as empty.
    folder = team(
        tmp_path / "tail",
        timesheet=[[D, "L0001", "Labeling", 7, "P1"], [Err("#N/A"), Err("#N/A"), None, None, None]],
    )
    _, report = read(folder)
    assert at(report, "error-value") == [
        ("Timesheet", "A3", "error-value"),
        ("Timesheet", "B3", "error-value"),
    ]


# ---------------------------------------------------------------- 4. text dates


@pytest.mark.parametrize(("market", "expected"), [("US", "2026-03-02"), ("GB", "2026-02-03")])
def test_text_dates_follow_the_market_order(tmp_path: Path, market: str, expected: str) -> None:
    folder = team(tmp_path / market, market=market,
                  timesheet=[["03/02/2026", "L0001", "Labeling", 7, "P1"]])  # fmt: skip
    ws, report = read(folder)
    assert ws.frame("Timesheet")["date"][0] == pd.Timestamp(expected)
    assert not at(report, "ambiguous-date")


def test_ambiguous_text_dates_are_findings_when_nothing_says_the_order(tmp_path: Path) -> None:
    people = [["L0001", "Ana", "Labeler", "US", 1, D], ["L0004", "Bia", "QA", "BR", 1, D]]
    folder = team(
        tmp_path / "mixed",
        roster_rows=people,
        timesheet=[
            ["03/02/2026", "L0001", "Labeling", 7, "P1"],
            ["25/03/2026", "L0001", "Labeling", 7, "P1"],
            ["2026-03-04", "L0001", "Labeling", 7, "P1"],
        ],
    )
    ws, report = read(folder)
    [finding] = [f for f in report if f.code == "ambiguous-date"]
    assert (finding.sheet, finding.cell, finding.value) == ("Timesheet", "A2", "03/02/2026")
    assert "2026-02-03" in finding.message and "2026-03-02" in finding.message
    assert "date_order" in finding.message
    dates = ws.frame("Timesheet")["date"]
    assert pd.isna(dates[0]) and dates[1] == pd.Timestamp("2026-03-25")
    assert not [f for f in report if f.code == "required-blank" and f.sheet == "Timesheet"]
    # The date_order setting settles it.
    team(folder, roster_rows=people, settings=[["date_order", "MDY"]],
         timesheet=[["03/02/2026", "L0001", "Labeling", 7, "P1"]])  # fmt: skip
    ws, report = read(folder)
    assert ws.frame("Timesheet")["date"][0] == pd.Timestamp("2026-03-02")


# ---------------------------------------------------------------- 9. percent text and files


def test_percent_text_in_fraction_columns_as_in_settings(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "pct",
        project_rows=[["P1", "Hate EN", "US", "en", "Hate", "Active", D, "95%"]],
        roster_rows=[["L0001", "P 1", "Labeler", "US", "50%", D], ["L0004", "Q", "QA", "US", 1, D]],
        timesheet=[[D, "L0001", "Labeling", "50%", "P1"]],
        settings=[["accuracy_target", "90%"]],
    )
    ws, report = read(folder)
    assert ws.frame("Projects")["target_accuracy"][0] == 0.95
    assert ws.frame("Roster")["fte"][0] == 0.5
    assert ws.settings.accuracy_target == 0.9
    [finding] = at(report, "bad-type")
    assert finding[:2] == ("Timesheet", "D2")


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.parametrize("where", [".", "imports"])
def test_an_ods_in_the_workspace_says_how_to_convert(tmp_path: Path, where: str) -> None:
    folder = team(tmp_path / "ods")
    target = folder / where
    target.mkdir(exist_ok=True)
    soffice = _soffice()
    if soffice is None:
        # A real .ods needs LibreOffice; the refusal is by name, so an empty file shows it too.
        (target / "old timesheet.ods").write_bytes(b"")
    else:
        source = book(tmp_path / "old timesheet.xlsx", {"Timesheet": [TIMESHEET]})
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
             "--convert-to", "ods", "--outdir", str(target), str(source)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        assert (target / "old timesheet.ods").stat().st_size > 0
    with pytest.raises(WorkbookError) as caught:
        read_workspace(folder)
    message = str(caught.value)
    assert "old timesheet.ods" in message and "OpenDocument" in message
    assert "Save As .xlsx" in message and "--convert-to xlsx" in message


def test_decisions_no_list_settles_still_count_as_one_label(tmp_path: Path) -> None:
    # 'Escalate' is missing from Taxonomy: an unknown-reference error, but labeler
    # 'escalate' and auditor 'Escalate' are still the same decision for accuracy.
    rows = [
        ["A1", D, "I1", "P1", "L0001", "L0004", "escalate", "Escalate", None],
        ["A2", D, "I2", "P1", "L0001", "L0004", "Escalate", "Escalate", None],
        ["A3", D, "I3", "P1", "L0001", "L0004", "Escalate", "Escalate", None],
    ]
    ws, report = read(team(tmp_path / "no-list", audit_rows=rows))
    assert set(ws.frame("Audits")["labeler_decision"]) == {"Escalate"}
    assert labeler_quality(ws, freq=None).set_index("person_id").loc["L0001", "accuracy"] == 1.0
    assert ("Audits", "G2", "not-canonical") in at(report, "not-canonical")


def test_calibration_agreement_counts_case_variants_as_one_label(tmp_path: Path) -> None:
    folder = team(tmp_path / "cal")
    labels = {"L0001": ["Approve", "Remove", "Approve", "Remove"],
              "L0002": ["approve", "REMOVE", "Ａｐｐｒｏｖｅ", "remove"]}  # fmt: skip
    rows = [["session_id", "date", "item_id", "rater_id", "label"]] + [
        ["CAL-1", D, f"I{i}", rater, label]
        for rater, typed in labels.items()
        for i, label in enumerate(typed)
    ]
    book(folder / "calibration.xlsx", {"Calibration": rows})
    ws, _ = read(folder)
    [session] = calibration_report(ws).sessions.to_dict("records")
    assert session["krippendorff_alpha"] == pytest.approx(1.0)


def test_a_setting_whose_formula_was_never_calculated_says_so(tmp_path: Path) -> None:
    folder = team(tmp_path / "calc", settings=[["max_hours_per_day", Uncalculated("=6*2")]])
    ws, report = read(folder)
    [finding] = [f for f in report if f.sheet == "Settings"]
    assert (finding.code, finding.cell) == ("error-value", "B2")
    assert "formula with no calculated value" in finding.message and "Excel" in finding.message
    assert "12.0" in finding.message and ws.settings.max_hours_per_day == 12.0


def test_error_values_pasted_as_text_are_errors_too_but_not_in_notes(tmp_path: Path) -> None:
    folder = team(
        tmp_path / "pasted",
        production=[[D, "#N/A", "P1", "#VALUE!", 60], [D, "L0001", "P1", 10, 60]],
    )
    noted = [[*TIMESHEET, "note"], [D, "L0001", "Labeling", 7, "P1", "#N/A"]]
    book(folder / "timesheet.xlsx", {"Timesheet": noted})
    ws, report = read(folder)
    assert at(report, "error-value") == [
        ("Production", "B2", "error-value"),
        ("Production", "D2", "error-value"),
    ]
    assert "(got #N/A)" in next(f.message for f in report if f.cell == "B2")
    assert not at(report, "unknown-reference", "required-blank")
    assert ws.frame("Timesheet")["note"].tolist() == ["#N/A"]
