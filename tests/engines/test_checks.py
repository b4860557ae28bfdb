"""Validation at scale: counts per rule and the first offending rows, by file and row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelxl.engines import load
from labelxl.model.findings import CATALOGUE

TODAY = dt.date(2026, 7, 15)


def _audits(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "audit_id": [f"A{i}" for i in range(n)],
            "audit_date": [dt.date(2026, 6, 1 + i % 28) for i in range(n)],
            "item_id": [f"I{i}" for i in range(n)],
            "project_id": "P1",
            "person_id": "L1",
            "auditor_id": "Q1",
            "labeler_decision": "Violating",
            "auditor_decision": "Violating",
            "error_type": None,
            "severity": None,
            "disputed": "no",
            "dispute_outcome": None,
            "comment": None,
        }
    )


def _folder(tmp_path: Path, audits: pd.DataFrame) -> Path:
    folder = tmp_path / "tables"
    folder.mkdir()
    pd.DataFrame(
        {
            "project_id": ["P1"],
            "project_name": ["Hate EN"],
            "market": ["US"],
            "language": ["en"],
            "policy_area": ["Hate"],
            "status": ["Active"],
            "start_date": [dt.date(2026, 1, 1)],
        }
    ).to_csv(folder / "Projects.csv", index=False)
    pd.DataFrame(
        {
            "person_id": ["L1", "Q1"],
            "name": ["Ana", "Quin"],
            "role": ["Labeler", "QA"],
            "start_date": [dt.date(2025, 1, 1)] * 2,
        }
    ).to_csv(folder / "roster.csv", index=False)
    pd.DataFrame({"policy_area": ["Hate", "Hate"], "decision": ["Violating", "Benign"]}).to_csv(
        folder / "taxonomy.csv", index=False
    )
    pq.write_table(pa.Table.from_pandas(audits, preserve_index=False), folder / "audits.parquet")
    return folder


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_a_rule_gives_its_full_count_and_its_first_rows_by_file_and_row(tmp_path, engine):
    audits = _audits(60)
    self_audit = list(range(10, 60, 2))  # 25 rows audited by the labeler themself
    audits.loc[self_audit, "auditor_id"] = "L1"
    audits.loc[7, "person_id"] = "L9"  # not in Roster
    audits.loc[[3, 40], "audit_id"] = "A0"  # two duplicates of row 1's id
    folder = _folder(tmp_path, audits)
    loaded = load(folder, engine, today=TODAY, first=5)
    counts = {(c.code, c.column): c.count for c in loaded.scale.counts}
    assert counts[("self-audit", "auditor_id")] == 25
    assert counts[("unknown-reference", "person_id")] == 1
    assert counts[("duplicate-key", "audit_id")] == 2
    shown = [(f.code, f.cell) for f in loaded.report if f.code == "self-audit"]
    # Parquet rows count from 1: pandas index 10 is row 11.
    assert shown == [("self-audit", f"row {i + 1}") for i in self_audit[:5]]
    ref = next(f for f in loaded.report if f.code == "unknown-reference")
    assert ref.message.startswith("audits.parquet row 8, person_id: person_id must be a")
    assert ref.workbook.endswith("audits.parquet")
    dups = [(f.cell, f.value) for f in loaded.report if f.code == "duplicate-key"]
    assert dups == [("row 4", "A0"), ("row 41", "A0")]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_blank_ids_are_counted_apart_from_duplicate_ids(tmp_path, engine):
    audits = _audits(30)
    audits.loc[[3, 9], "audit_id"] = "A0"  # A0 three times: two duplicate rows
    audits.loc[20, "audit_id"] = "A5"  # one more
    audits.loc[4, "audit_id"] = None  # blanks are required-blank, never duplicates,
    audits.loc[[6, 7], "audit_id"] = ["  ", ""]  # however many there are
    audits.loc[11, "item_id"] = " "
    loaded = load(_folder(tmp_path, audits), engine, today=TODAY)
    counts = {(c.code, c.column): c.count for c in loaded.scale.counts}
    assert counts[("duplicate-key", "audit_id")] == 3
    assert counts[("required-blank", "audit_id")] == 3
    assert counts[("required-blank", "item_id")] == 1
    dups = [(f.cell, f.value) for f in loaded.report if f.code == "duplicate-key"]
    assert dups == [("row 4", "A0"), ("row 10", "A0"), ("row 21", "A5")]
    blank = sorted(f.cell for f in loaded.report if f.code == "required-blank")
    assert blank == ["row 12", "row 5", "row 7", "row 8"]

    # Blanks without duplicates: the blanks' null is not counted as one more distinct id.
    clean = _audits(30)
    clean.loc[[4, 6], "audit_id"] = [None, " "]
    (tmp_path / "tables").rename(tmp_path / "before")
    loaded = load(_folder(tmp_path, clean), engine, today=TODAY)
    counts = {(c.code, c.column): c.count for c in loaded.scale.counts}
    assert ("duplicate-key", "audit_id") not in counts
    assert counts[("required-blank", "audit_id")] == 2


def test_every_code_the_engine_reports_is_in_the_catalogue(tmp_path):
    audits = _audits(12)
    audits.loc[1, "error_type"] = "FalsePositive"  # decisions agree: mismatch
    audits.loc[2, "disputed"] = "yes"  # no outcome
    audits.loc[3, "severity"] = "Huge"  # not allowed
    audits.loc[4, "audit_date"] = dt.date(2026, 9, 1)  # after today
    audits.loc[5, "item_id"] = None  # required
    audits.loc[6, "audit_id"] = " "  # blank as a cell is: counted by the duplicate check
    loaded = load(_folder(tmp_path, audits), "duckdb", today=TODAY)
    got = sorted((f.code, f.cell) for f in loaded.report if f.sheet == "Audits")
    assert got == [
        ("dispute-outcome-mismatch", "row 3"),
        ("error-type-mismatch", "row 2"),
        ("future-date", "row 5"),
        ("not-allowed", "row 4"),
        ("required-blank", "row 6"),
        ("required-blank", "row 7"),
    ]
    assert {c.code for c in loaded.scale.counts} <= set(CATALOGUE)


def test_a_csv_value_that_is_not_a_number_is_bad_type_at_its_line(tmp_path):
    folder = _folder(tmp_path, _audits(3))
    (folder / "timesheet.csv").write_text(
        "date,person_id,activity,hours,project_id\n"
        "2026-06-01,L1,Labeling,7.5,P1\n"
        "2026-06-02,L1,Labeling,seven,P1\n"
        '2026-06-03,L1,Labeling,"1,5",P1\n'
        "2026-06-04,L1,Lunch,1,\n",
        encoding="utf-8",
    )
    for engine in ("pandas", "duckdb"):
        loaded = load(folder, engine, today=TODAY)
        got = sorted((f.code, f.cell, f.column) for f in loaded.report if f.sheet == "Timesheet")
        # CSV rows are lines, the header being line 1; "1,5" reads as 15 hours (a comma
        # is a thousands separator, as in a workbook cell), over the day's cap.
        assert got == [
            ("bad-type", "row 3", "hours"),
            ("hours-over-cap", "row 4", "hours"),
            ("not-allowed", "row 5", "activity"),
        ]
        hours = loaded.workspace.frame("Timesheet")["hours"]
        assert sorted(hours.dropna()) == [1.0, 7.5, 15.0]


def test_a_missing_required_column_is_one_finding(tmp_path):
    folder = _folder(tmp_path, _audits(3).drop(columns=["auditor_id"]))
    loaded = load(folder, "duckdb", today=TODAY)
    missing = [(f.code, f.column) for f in loaded.report if f.code == "missing-column"]
    assert missing == [("missing-column", "auditor_id")]
