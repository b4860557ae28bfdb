"""Finding the tables of a source: named after the sheets, files or part folders."""

from __future__ import annotations

import pytest

from labelxl.engines import find_tables, open_source
from labelxl.errors import LabelxlError


def test_tables_are_found_by_sheet_name_in_any_case_and_layout(tmp_path):
    (tmp_path / "audits.parquet").write_bytes(b"")
    (tmp_path / "Production.csv").write_text("date\n", encoding="utf-8")
    part = tmp_path / "timesheet" / "month=2026-06"
    part.mkdir(parents=True)
    (part / "part-0.parquet").write_bytes(b"")
    (tmp_path / "notes.parquet").write_bytes(b"")  # not a sheet: ignored
    found = find_tables(tmp_path)
    assert {k: (v.format, v.label, v.hive) for k, v in found.items()} == {
        "Audits": ("parquet", "audits.parquet", False),
        "Production": ("csv", "Production.csv", False),
        "Timesheet": ("parquet", "timesheet/", True),
    }


def test_two_tables_for_one_sheet_are_refused(tmp_path):
    (tmp_path / "audits.parquet").write_bytes(b"")
    (tmp_path / "Audits.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(LabelxlError, match="two tables for Audits"):
        find_tables(tmp_path)


def test_a_folder_without_tables_or_workbooks_says_what_it_expected(tmp_path):
    (tmp_path / "readme.txt").write_text("hi", encoding="utf-8")
    with pytest.raises(LabelxlError, match=r"audits\.parquet"):
        open_source(tmp_path)
    with pytest.raises(LabelxlError, match="no such folder"):
        open_source(tmp_path / "nope")


def test_a_catalog_names_one_table_per_sheet(tmp_path):
    src = open_source("", catalog="ops")
    assert src.kind == "catalog"
    assert src.tables["Audits"].table == "ops.audits"
