"""Refresh end to end on a written demo: LX sheets land, user parts stay byte-identical."""

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from labelxl.demo import write_demo
from labelxl.errors import RefreshBlocked, WorkbookLockedError
from labelxl.outputs.sheets import column_label
from labelxl.pipeline import Pipeline, find_workspaces, refresh, refresh_many

END = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 10)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, people=30, months=2, seed=5, end=END)
    return folder


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _sheet(path: Path, name: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_refresh_writes_lx_sheets_and_keeps_every_user_part(demo_dir):
    tracker = demo_dir / "tracker.xlsx"
    before = _parts(tracker)
    res = refresh(demo_dir, today=TODAY)
    after = _parts(tracker)
    assert res.target == tracker and res.month == "2026-06"
    assert {
        "LX Summary",
        "LX Labelers",
        "LX Projects",
        "LX Quality",
        "LX Capacity",
        "LX Wellbeing",
        "LX People",
        "LX Issues",
        "LX Log",
    } <= set(res.sheets)
    editable = {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
    }
    changed = {n for n in before if n not in editable and before[n] != after.get(n)}
    assert changed == set()
    # headers are in words now (docs/lx-sheets.md maps them to the machine names)
    header = _sheet(tracker, "LX Labelers")[0]
    assert {
        column_label(c)
        for c in {
            "person_id",
            "period",
            "items",
            "productive_hours",
            "throughput",
            "aht_sec",
            "audited",
            "correct",
            "accuracy",
            "ci_low",
            "ci_high",
            "flag",
        }
    } <= set(header)
    header = _sheet(tracker, "LX Projects")[0]
    assert {
        column_label(c)
        for c in {
            "project_id",
            "period",
            "items",
            "target_volume",
            "sla",
            "accuracy",
            "forecast_finish",
            "rag",
        }
    } <= set(header)


def test_issues_sheet_lists_every_finding_with_its_cell(demo_dir):
    from labelxl.demo import generate_demo

    refresh(demo_dir, today=TODAY)
    rows = _sheet(demo_dir / "tracker.xlsx", "LX Issues")
    header, body = rows[0], rows[1:]
    cells = {r[header.index(column_label("cell"))] for r in body}
    planted = generate_demo(people=30, months=2, seed=5, end=END).mistakes
    assert {f"{m.sheet}!{m.cell}" for m in planted} == cells


def test_rerun_replaces_not_duplicates_and_keeps_positions(demo_dir):
    refresh(demo_dir, today=TODAY)
    first = CalamineWorkbook.from_path(str(demo_dir / "tracker.xlsx")).sheet_names
    refresh(demo_dir, today=TODAY)
    second = CalamineWorkbook.from_path(str(demo_dir / "tracker.xlsx")).sheet_names
    assert first == second and len(second) == len(set(second))


def test_history_and_backups_are_kept_beside_the_workspace(demo_dir):
    refresh(demo_dir, today=TODAY)
    assert (demo_dir / ".labelxl" / "history" / "trend.parquet").exists()
    assert list((demo_dir / ".labelxl" / "backups").glob("tracker.*.xlsx"))


def test_out_writes_a_separate_report_and_leaves_the_tracker_alone(demo_dir, tmp_path):
    before = _parts(demo_dir / "tracker.xlsx")
    res = refresh(demo_dir, out=tmp_path / "reports", today=TODAY)
    assert res.target == tmp_path / "reports" / "labelxl-report-2026-06.xlsx"
    assert _parts(demo_dir / "tracker.xlsx") == before
    assert "LX Summary" in CalamineWorkbook.from_path(str(res.target)).sheet_names


def test_strict_refuses_to_write_when_there_are_errors(demo_dir):
    before = _parts(demo_dir / "tracker.xlsx")
    with pytest.raises(RefreshBlocked, match="strict"):
        refresh(demo_dir, strict=True, today=TODAY)
    assert _parts(demo_dir / "tracker.xlsx") == before


def test_an_open_workbook_is_left_untouched_unless_forced(demo_dir):
    lock = demo_dir / "~$tracker.xlsx"
    lock.write_bytes(b"\x0bsomeone")
    try:
        before = _parts(demo_dir / "tracker.xlsx")
        with pytest.raises(WorkbookLockedError):
            refresh(demo_dir, today=TODAY)
        assert _parts(demo_dir / "tracker.xlsx") == before
        refresh(demo_dir, force=True, today=TODAY)
    finally:
        lock.unlink()


def test_batch_refresh_reports_a_broken_workspace_and_does_the_rest(tmp_path):
    good = tmp_path / "team-a"
    write_demo(good, people=20, months=1, seed=2, end=END)
    bad = tmp_path / "team-b"
    bad.mkdir()
    (bad / "tracker.xlsx").write_bytes(b"this is not a workbook")
    assert find_workspaces(tmp_path, recursive=True) == [good, bad]
    results = dict(refresh_many(tmp_path, today=TODAY))
    assert results[good].month == "2026-06"
    assert isinstance(results[bad], str) and "tracker.xlsx" in results[bad]


# ---------------------------------------------------------------- the one pipeline


def test_every_step_runs_once_and_is_reused(demo_dir, monkeypatch):
    import labelxl.pipeline as pl

    calls = {"read": 0, "validate": 0, "compute": 0}

    def counting(name, fn):
        def wrapper(*a, **k):
            calls[name] += 1
            return fn(*a, **k)

        return wrapper

    monkeypatch.setattr(pl, "read_workspace", counting("read", pl.read_workspace))
    monkeypatch.setattr(pl, "validate", counting("validate", pl.validate))
    monkeypatch.setattr(pl, "compute", counting("compute", pl.compute))
    p = Pipeline(demo_dir, today=TODAY)
    p.validate()
    p.write(out=demo_dir / "out-once", force=True)
    p.deck(demo_dir / "once.pptx")
    assert calls == {"read": 1, "validate": 1, "compute": 1}


def test_the_month_is_the_periods_default_everywhere(demo_dir):
    from labelxl.model.periods import default_month

    p = Pipeline(demo_dir, today=TODAY)
    assert p.month == default_month(p.read()) == p.compute().month == "2026-06"
    assert Pipeline(demo_dir, month="2026-05", today=TODAY).compute().month == "2026-05"


def test_a_bad_month_is_refused_before_reading(tmp_path):
    from labelxl.errors import MetricInputError

    with pytest.raises(MetricInputError, match="2026-03"):
        Pipeline(tmp_path / "missing", month="March")


def test_the_target_is_the_tracker_for_every_door(demo_dir):
    """CLI (a folder), one workbook, and the Excel door (an already-read Workspace) agree."""
    from labelxl.io.reader import read_workspace

    tracker = demo_dir / "tracker.xlsx"
    assert Pipeline(demo_dir).target == tracker
    assert Pipeline(tracker).target == tracker
    ws = read_workspace(demo_dir)
    assert Pipeline(ws).target == tracker


def test_the_excel_door_keeps_history_like_refresh(demo_dir, tmp_path):
    """The Excel Refresh button records the month's tables, as `labelxl refresh` does."""
    import shutil

    from labelxl.excel.macros import default_outputs
    from labelxl.io import history
    from labelxl.io.reader import read_workspace

    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns(".labelxl"))
    ws = read_workspace(folder, today=TODAY)
    names = [o.name for o in default_outputs(ws, None)]
    assert "LX Summary" in names
    assert "2026-06" in set(history.load(folder, "trend")["period"])
