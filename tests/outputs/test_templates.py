"""Tests for labelxl.outputs.templates: shipped template workbooks, write_workbook, docs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import labelxl.outputs.templates as templates
from labelxl.errors import TemplateError, WorkbookError
from labelxl.model.findings import col_letter
from labelxl.model.schema import SHEETS, WORKBOOKS
from labelxl.model.settings import Settings
from labelxl.outputs.templates import (
    LISTS_SHEET,
    header_comment,
    schema_markdown,
    table_name,
    write_templates,
    write_workbook,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "workbooks"
DOCS = ROOT / "docs" / "workbooks.md"


def _calamine_rows(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def _column_dimension(ws: Any, index: int) -> Any:
    """openpyxl groups equal adjacent columns into one <col min max> entry."""
    for dims in ws.column_dimensions.values():
        if dims.min <= index + 1 <= dims.max:
            return dims
    raise AssertionError(f"no width set for column {index}")


# ---------------------------------------------------------------- shipped workbooks


@pytest.mark.parametrize("book", list(WORKBOOKS))
def test_shipped_workbook_sheets_and_headers_match_schema(book: str) -> None:
    path = SHIPPED / f"{book}.xlsx"
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == list(WORKBOOKS[book])
    for name in WORKBOOKS[book]:
        rows = wb.get_sheet_by_name(name).to_python()
        assert rows[0] == list(SHEETS[name].column_names), name


@pytest.mark.parametrize("book", list(WORKBOOKS))
def test_shipped_workbook_tables_validations_comments(book: str) -> None:
    wb = openpyxl.load_workbook(SHIPPED / f"{book}.xlsx")
    for name in WORKBOOKS[book]:
        schema, ws = SHEETS[name], wb[name]
        ncols = len(schema.columns)
        assert list(ws.tables) == [table_name(name)]
        table = ws.tables[table_name(name)]
        assert table.ref.startswith(f"A1:{col_letter(ncols - 1)}")
        assert [c.name for c in table.tableColumns] == list(schema.column_names)
        assert ws.freeze_panes == "A2"
        by_column = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                by_column[rng.min_col - 1] = dv
        for j, col in enumerate(schema.columns):
            comment = ws.cell(row=1, column=j + 1).comment
            assert comment is not None, (name, col.name)
            assert col.description in comment.text
            assert ("(required)" in comment.text) == col.required
            dims = _column_dimension(ws, j)
            assert dims.width == pytest.approx(col.width, abs=1)
            if col.choices:
                dv = by_column[j]
                assert dv.type == "list"
                assert next(iter(dv.sqref.ranges)).min_row == 2
                assert dv.formula1.strip('"').split(",") == list(col.choices)
                assert all(c in comment.text for c in col.choices)
            else:
                assert j not in by_column, (name, col.name)
            if col.number_format:
                assert dims.number_format == col.number_format, (name, col.name)


def test_shipped_settings_sheet_lists_every_setting_with_default_and_meaning() -> None:
    rows = _calamine_rows(SHIPPED / "tracker.xlsx", "Settings")
    assert rows[0] == ["setting", "value", "description"]
    found: dict[str, tuple[Any, Any]] = {r[0]: (r[1], r[2]) for r in rows[1:]}
    docs = Settings.docs()
    assert list(found) == list(docs)
    for name, (default, meaning) in docs.items():
        value, description = found[name]
        assert description == meaning
        if isinstance(default, str):
            assert value == default
        else:
            assert float(value) == pytest.approx(float(default))


def test_shipped_workbooks_are_what_the_code_writes(tmp_path: Path) -> None:
    # Every part except the creation timestamp must be byte-identical; regenerate with
    # `python -m labelxl.outputs.templates workbooks/ docs/workbooks.md` when this fails.
    fresh = write_templates(tmp_path)
    for path in fresh:
        with zipfile.ZipFile(path) as new, zipfile.ZipFile(SHIPPED / path.name) as old:
            assert sorted(new.namelist()) == sorted(old.namelist())
            for part in new.namelist():
                if part != "docProps/core.xml":
                    assert new.read(part) == old.read(part), (path.name, part)


def test_docs_are_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == schema_markdown(), (
        "docs/workbooks.md is stale: run "
        "python -m labelxl.outputs.templates workbooks/ docs/workbooks.md"
    )


def test_schema_markdown_covers_every_sheet_column_and_setting() -> None:
    text = schema_markdown()
    for name, schema in SHEETS.items():
        assert f"## {name}\n" in text
        for col in schema.columns:
            assert f"| `{col.name}` |" in text
    for setting in Settings.docs():
        assert f"| `{setting}` |" in text


def test_template_validates_without_errors() -> None:
    from labelxl.io.reader import read_workspace
    from labelxl.validate import validate

    report = validate(read_workspace(SHIPPED))
    assert [(f.sheet, f.cell, f.code) for f in report] == []


# ---------------------------------------------------------------- write_workbook


def test_write_workbook_rows_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(pd.Series(["2026-03-02", None, "2026-03-04"])),
            "person_id": ["L0001", None, "  "],
            "activity": ["Labeling", "QA", "Leave"],
            "hours": [7.5, np.nan, 8.0],
            "project_id": ["P-1", "P-2", None],
            "note": ["a & b <c>", " padded ", "ctl\x01"],
        }
    )
    path = write_workbook(tmp_path / "t.xlsx", {"Timesheet": frame})
    rows = _calamine_rows(path, "Timesheet")
    assert rows[1] == [dt.date(2026, 3, 2), "L0001", "Labeling", 7.5, "P-1", "a & b <c>"]
    # NaN/NaT/None/whitespace are empty cells, never numbers; text keeps its spaces
    assert rows[2] == ["", "", "QA", "", "P-2", " padded "]
    assert rows[3] == [dt.date(2026, 3, 4), "", "Leave", 8.0, "", "ctl\x01"]
    ws = openpyxl.load_workbook(path)["Timesheet"]
    assert ws.tables[table_name("Timesheet")].ref == "A1:F4"
    assert isinstance(ws["A2"].value, dt.datetime) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["A3"].value is None and ws["D3"].value is None


def test_write_workbook_puts_sheets_in_schema_order_and_empty_tables(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "x.xlsx", {"Taxonomy": None, "Audits": None})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Audits", "Taxonomy"]
    assert wb["Audits"].tables[table_name("Audits")].ref == "A1:M2"
    assert wb["Audits"].max_row == 1


def test_streamed_rows_equal_xlsxwriter_public_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast row writer must produce exactly the XML xlsxwriter itself writes.
    frame = pd.DataFrame(
        {
            "setting": ["a&b", " lead", "trail ", "ctl\x01x", "_x0041_", "<t>", "two\nlines", None],
            "value": [
                1.5,
                np.nan,
                3,
                "x",
                dt.date(2026, 1, 2),
                pd.Timestamp("2026-03-04"),
                1e20,
                -0.1,
            ],
            "description": ["é€", "", None, "d", "d", "d", "d", "d"],
        }
    )
    fast = write_workbook(tmp_path / "fast.xlsx", {"Settings": frame})
    monkeypatch.setattr(templates, "_can_stream", lambda ws: False)
    slow = write_workbook(tmp_path / "slow.xlsx", {"Settings": frame})
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        assert a.read(part) == b.read(part)


texts = st.text(st.characters(codec="utf-8"), max_size=30)  # no lone surrogates
cells = st.one_of(
    st.none(),
    texts,
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=12))
def test_streamed_and_public_writers_agree_on_any_cells(
    tmp_path: Path, rows: list[tuple[object, object]]
) -> None:
    frame = pd.DataFrame(rows, columns=["setting", "value"], dtype=object)
    fast = write_workbook(tmp_path / "f.xlsx", {"Settings": frame})
    original = templates._can_stream
    templates._can_stream = lambda ws: False
    try:
        slow = write_workbook(tmp_path / "s.xlsx", {"Settings": frame})
    finally:
        templates._can_stream = original
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        assert a.read(part) == b.read(part)
    got = _calamine_rows(fast, "Settings")
    for (left, _), row in zip(rows, got[1:], strict=False):
        if isinstance(left, str) and left.strip() and "_x" not in left and "\r" not in left:
            assert row[0] == left
        elif left is None or (isinstance(left, float) and left != left):
            assert row[0] == ""


def test_long_choice_lists_use_hidden_lists_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = tuple(f"Decision number {i:02d}" for i in range(30))  # > 255 characters
    schema = SHEETS["Taxonomy"]
    cols = tuple(
        dataclasses.replace(c, allowed=long) if c.name == "decision" else c for c in schema.columns
    )
    monkeypatch.setitem(SHEETS, "Taxonomy", dataclasses.replace(schema, columns=cols))
    path = write_workbook(tmp_path / "long.xlsx", {"Taxonomy": None})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Taxonomy", LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert [wb[LISTS_SHEET].cell(row=i + 1, column=1).value for i in range(30)] == list(long)
    dv = next(
        d
        for d in wb["Taxonomy"].data_validations.dataValidation
        if next(iter(d.sqref.ranges)).min_col == 2
    )
    assert dv.formula1 == f"'{LISTS_SHEET}'!$A$1:$A$30"


def test_header_comment_mentions_required_choices_and_range() -> None:
    col = SHEETS["Projects"].column("target_accuracy")
    text = header_comment(col)
    assert col.description in text and "0–1" in text and "(required)" not in text
    status = header_comment(SHEETS["Projects"].column("status"))
    assert "(required)" in status and "Planned, Active, Paused, Closed" in status


def test_settings_values_come_from_given_settings(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "s.xlsx", {"Settings": None}, settings=Settings(max_hours_per_day=10.0)
    )
    rows = {r[0]: r[1] for r in _calamine_rows(path, "Settings")[1:]}
    assert rows["max_hours_per_day"] == 10.0


def test_unknown_sheet_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="Timesheets"):
        write_workbook(tmp_path / "x.xlsx", {"Timesheets": None})
    assert not (tmp_path / "x.xlsx").exists()


def test_write_templates_never_overwrites_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "tracker.xlsx").write_bytes(b"my precious data")
    with pytest.raises(WorkbookError, match="already exists"):
        write_templates(tmp_path)
    assert (tmp_path / "tracker.xlsx").read_bytes() == b"my precious data"
    assert not (tmp_path / "audit.xlsx").exists()
    paths = write_templates(tmp_path, overwrite=True)
    assert [p.name for p in paths] == ["tracker.xlsx", "timesheet.xlsx", "audit.xlsx"]
    assert zipfile.is_zipfile(tmp_path / "tracker.xlsx")
    assert not list(tmp_path.glob(".~lx-*"))  # no temp file left behind
