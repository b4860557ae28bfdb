"""A warm refresh reuses the results of unchanged sheets and prints what a cold one prints."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from labelxl.demo import write_demo
from labelxl.io import results
from labelxl.pipeline import Pipeline

END = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 10)
STARTED = dt.datetime(2026, 7, 10, 9, 0)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reuse-demo")
    write_demo(folder, people=24, months=2, seed=11, end=END)
    return folder


def _tables(pipe: Pipeline) -> dict[str, pd.DataFrame]:
    return {s.name: s.frame for s in pipe.outputs(STARTED, 1.0) if s.name != "LX Log"}


def _edit(path: Path, sheet: str, column: str, value: object, row: int = 2) -> None:
    """Change one cell the way a user saving from a spreadsheet program would. ``row``
    may name the row by its first cell's text (a Settings key)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    if isinstance(row, str):
        row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == row)
    ws.cell(row=row, column=header.index(column) + 1, value=value)
    wb.save(path)


class Loads:
    """Counts the stored results a run took instead of computing them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        get = results.FileResults.get

        def counting(store: results.FileResults, key: str):  # type: ignore[no-untyped-def]
            entry = get(store, key)
            if entry is None:
                return None
            deps, load = entry

            def loading():  # type: ignore[no-untyped-def]
                self.count += 1
                return load()

            return deps, loading

        monkeypatch.setattr(results.FileResults, "get", counting)


@pytest.mark.parametrize(
    ("book", "sheet", "column", "value", "row"),
    [
        ("timesheet.xlsx", "Timesheet", "hours", 3.25, 2),
        ("audit.xlsx", "Audits", "auditor_decision", "Escalate", 2),
        ("tracker.xlsx", "Roster", "market", "de-DE", 2),
        ("tracker.xlsx", "Projects", "target_accuracy", 0.5, 2),
        ("audit.xlsx", "Taxonomy", "decision", "Remove now", 2),
        ("tracker.xlsx", "Settings", "value", 0.8, "confidence"),
    ],
)
def test_after_an_edit_the_warm_tables_equal_a_cold_run(
    demo_dir, tmp_path, monkeypatch, book, sheet, column, value, row
):
    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder)
    before = _tables(Pipeline(folder, today=TODAY))  # fills the caches
    _edit(folder / book, sheet, column, value, row)
    loads = Loads(monkeypatch)
    warm = _tables(Pipeline(folder, today=TODAY))
    cold = _tables(Pipeline(folder, today=TODAY, use_cache=False))
    assert warm.keys() == cold.keys()
    for name in cold:
        pd.testing.assert_frame_equal(warm[name], cold[name], obj=name)
    assert any(not before[n].equals(cold[n]) for n in cold), "the edit changed nothing"
    assert loads.count > 0, "nothing was reused"  # (after a Settings edit: what reads none)


def test_nothing_changed_reuses_every_result(demo_dir, tmp_path, monkeypatch):
    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder)
    first = _tables(Pipeline(folder, today=TODAY))
    loads = Loads(monkeypatch)
    again = _tables(Pipeline(folder, today=TODAY))
    for name in first:
        pd.testing.assert_frame_equal(again[name], first[name], obj=name)
    assert loads.count >= 20


def test_the_next_morning_reuses_what_does_not_read_today(demo_dir, tmp_path, monkeypatch):
    """A daily refresh: nothing edited, one day later. Tenure, the requirements' ages and
    future dates read today and are computed again; the rest is reused, and the tables are
    those of a run without any cache."""
    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder)
    _tables(Pipeline(folder, today=TODAY))
    loads = Loads(monkeypatch)
    later = TODAY + dt.timedelta(days=1)
    warm = _tables(Pipeline(folder, today=later))
    cold = _tables(Pipeline(folder, today=later, use_cache=False))
    for name in cold:
        pd.testing.assert_frame_equal(warm[name], cold[name], obj=name)
    assert loads.count >= 10


def test_a_changed_setting_recomputes_what_reads_the_settings(demo_dir, tmp_path, monkeypatch):
    """Settings kept in a workbook of their own, so the edit changes no other sheet: the
    intervals (which read the confidence) are computed again, the rest is reused."""
    folder = tmp_path / "ws"
    shutil.copytree(demo_dir, folder)
    tracker = openpyxl.load_workbook(folder / "tracker.xlsx")
    rows = [[c.value for c in row] for row in tracker["Settings"].iter_rows()]
    del tracker["Settings"]
    tracker.save(folder / "tracker.xlsx")
    own = openpyxl.Workbook()
    own.active.title = "Settings"
    for row in rows:
        own.active.append(row)
    own.save(folder / "settings.xlsx")
    before = _tables(Pipeline(folder, today=TODAY))
    _edit(folder / "settings.xlsx", "Settings", "value", 0.8, "confidence")
    loads = Loads(monkeypatch)
    warm = _tables(Pipeline(folder, today=TODAY))
    cold = _tables(Pipeline(folder, today=TODAY, use_cache=False))
    for name in cold:
        pd.testing.assert_frame_equal(warm[name], cold[name], obj=name)
    assert not before["LX Quality"].equals(cold["LX Quality"])  # the intervals moved
    assert loads.count > 0
