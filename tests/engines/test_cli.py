"""`labelxl report` through click's CliRunner: the LX workbook from tables or workbooks."""

from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from labelxl.engines.cli import report
from tests.engines.conftest import TODAY


def test_report_on_tables_writes_the_lx_sheets_of_refresh(tmp_path, demo_tables, refreshed):
    out = tmp_path / "lx.xlsx"
    result = CliRunner().invoke(
        report, [str(demo_tables), "--out", str(out), "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "on duckdb" in result.output  # the default engine for tables
    assert "self-audit: 1" in result.output
    expected, _ = refreshed
    assert load_workbook(out, read_only=True).sheetnames == list(expected)


def test_report_with_month_and_engine_pandas(tmp_path, demo_tables):
    out = tmp_path / "may.xlsx"
    args = [str(demo_tables), "--engine", "pandas", "--month", "2026-05", "--out", str(out)]
    result = CliRunner().invoke(report, [*args, "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "for 2026-05 on pandas" in result.output


def test_report_refuses_bad_input_with_one_line(tmp_path, demo_tables):
    runner = CliRunner()
    bad_engine = runner.invoke(report, [str(demo_tables), "--engine", "oracle", "--out", "x.xlsx"])
    assert bad_engine.exit_code == 2
    assert "pandas" in bad_engine.output and "duckdb" in bad_engine.output
    nowhere = runner.invoke(report, [str(tmp_path / "none"), "--out", str(tmp_path / "a.xlsx")])
    assert nowhere.exit_code == 2
    assert "no such folder" in nowhere.output
    assert "Traceback" not in nowhere.output
    catalog = runner.invoke(
        report, ["--catalog", "ops", "--engine", "duckdb", "--out", str(tmp_path / "b.xlsx")]
    )
    assert catalog.exit_code == 2
    assert "--engine spark" in catalog.output


def test_report_has_help():
    result = CliRunner().invoke(report, ["--help"])
    assert result.exit_code == 0
    assert "--engine" in result.output and "--catalog" in result.output


def test_report_builds_the_deck_and_lists_findings_by_table_row(tmp_path, demo_tables):
    out, deck = tmp_path / "lx.xlsx", tmp_path / "deck.pptx"
    args = [str(demo_tables), "--engine", "pandas", "--out", str(out), "--deck", str(deck)]
    result = CliRunner().invoke(report, [*args, "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert deck.stat().st_size > 10_000
    issues = load_workbook(out, read_only=True)["LX Issues"]
    rows = list(issues.iter_rows(values_only=True))
    header = [str(h).lower() for h in rows[0]]  # headers are shown capitalised
    cells = [r[header.index("message")] for r in rows[1:]]
    # One finding per planted mistake, each naming its table file and row.
    assert any(str(m).startswith("audits.parquet row ") for m in cells)
    assert all("!" not in str(m).split(":")[0] for m in cells if "parquet" in str(m))
