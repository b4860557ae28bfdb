"""Reusing results while the sheets they read are unchanged (model.incremental)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from labelxl.model.incremental import ABSENT, WALKED, TrackedSheets, effective_fingerprint, reuse
from labelxl.model.settings import Settings
from labelxl.model.workspace import SheetData, Workspace, memoized


class DictStore:
    """A ResultStore in memory that counts what it is asked."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[dict[str, str], Any]] = {}

    def get(self, key: str) -> Any:
        if key not in self.entries:
            return None
        deps, value = self.entries[key]
        return deps, lambda: value

    def put(self, key: str, deps: dict[str, str], value: Any) -> None:
        self.entries[key] = (deps, value)


def sheet(name: str, fp: str | None, **cols: list[Any]) -> SheetData:
    frame = pd.DataFrame(cols or {"x": [1]})
    return SheetData(name, frame, letters={c: "A" for c in frame}, fingerprint=fp)


def rerun(ws: Workspace, **sheets: SheetData) -> Workspace:
    """The next run: the same store, a fresh workspace whose sheets may differ."""
    new = Workspace(sheets={**ws.sheets, **sheets}, today=ws.today, settings=ws.settings)
    new.results, new.root = ws.results, ws.root
    return new


def workspace(**sheets: SheetData) -> Workspace:
    ws = Workspace(sheets=dict(sheets), today=dt.date(2026, 7, 1))
    ws.results = DictStore()
    return ws


class Counter:
    def __init__(self, read: tuple[str, ...]) -> None:
        self.read = read
        self.calls = 0
        self.__module__ = __name__
        self.__qualname__ = f"Counter{read}"

    def __call__(self, ws: Workspace) -> int:
        self.calls += 1
        return sum(len(ws.sheets[n].frame) for n in self.read if n in ws.sheets)


def test_reads_are_recorded_one_by_one_and_a_walk_reads_everything():
    sheets = TrackedSheets({"Audits": sheet("Audits", "a"), "Queue": sheet("Queue", "q")})
    with sheets.tracking() as read:
        sheets["Audits"]
        assert "Hiring" not in sheets
    assert read == {"Audits", "Hiring"}
    with sheets.tracking() as walked:
        list(sheets.items())
    assert walked == {"Audits", "Queue", WALKED}
    assert sheets.trackers == []


def test_a_result_is_reused_until_a_sheet_it_read_changes():
    ws = workspace(Audits=sheet("Audits", "a1"), Timesheet=sheet("Timesheet", "t1"))
    fn = Counter(("Audits",))
    assert reuse(ws, fn) == 1 and fn.calls == 1
    assert reuse(ws, fn) == 1 and fn.calls == 1  # asked again in the same run
    assert reuse(rerun(ws), fn) == 1 and fn.calls == 1  # from the store
    ws = rerun(ws, Timesheet=sheet("Timesheet", "t2", x=[1, 2]))  # not read by fn
    assert reuse(ws, fn) == 1 and fn.calls == 1
    ws = rerun(ws, Audits=sheet("Audits", "a2", x=[1, 2, 3]))
    assert reuse(ws, fn) == 3 and fn.calls == 2


def test_a_sheet_that_was_absent_and_now_is_there_is_a_change():
    ws = workspace(Audits=sheet("Audits", "a1"))
    fn = Counter(("Audits", "Queue"))
    assert reuse(ws, fn) == 1
    deps = next(iter(ws.results.entries.values()))[0]
    assert deps == {"Audits": effective_fingerprint(ws, "Audits"), "Queue": ABSENT}
    ws = rerun(ws, Queue=sheet("Queue", "q1", x=[1, 2]))
    assert reuse(ws, fn) == 3 and fn.calls == 2


def test_a_sheet_without_fingerprint_is_never_stored():
    ws = workspace(Audits=sheet("Audits", None))
    fn = Counter(("Audits",))
    reuse(ws, fn)
    reuse(rerun(ws), fn)
    assert fn.calls == 2 and ws.results.entries == {}


def test_the_lists_that_rewrite_a_sheets_spellings_are_part_of_its_fingerprint():
    # Audits person ids are made canonical against the Roster (model.canonical).
    ws = workspace(Audits=sheet("Audits", "a1"), Roster=sheet("Roster", "r1"))
    fn = Counter(("Audits",))
    reuse(ws, fn)
    ws = rerun(ws, Roster=sheet("Roster", "r2"))
    reuse(ws, fn)
    assert fn.calls == 2
    ws = rerun(ws, Hiring=sheet("Hiring", "h1"))  # rewrites nothing in Audits
    reuse(ws, fn)
    assert fn.calls == 2


def test_a_result_that_reads_today_is_computed_again_on_another_day():
    ws = workspace(Audits=sheet("Audits", "a1"))
    dated, undated = [], []

    def ages(ws: Workspace) -> str:
        dated.append(1)
        return ws.today.isoformat()

    def counts(ws: Workspace) -> int:
        undated.append(1)
        return len(ws.sheets["Audits"].frame)

    reuse(ws, ages), reuse(ws, counts)
    tomorrow = rerun(ws)
    tomorrow.today = dt.date(2026, 7, 2)
    assert reuse(tomorrow, ages) == "2026-07-02"
    assert reuse(tomorrow, counts) == 1
    assert (len(dated), len(undated)) == (2, 1)


def test_a_result_that_reads_the_settings_is_computed_again_when_they_change():
    ws = workspace(Audits=sheet("Audits", "a1"))
    read, unread = [], []

    def target(ws: Workspace) -> float:
        read.append(1)
        return ws.settings.accuracy_target

    def counts(ws: Workspace) -> int:
        unread.append(1)
        return len(ws.sheets["Audits"].frame)

    reuse(ws, target), reuse(ws, counts)
    changed = rerun(ws)
    changed.settings = Settings(accuracy_target=0.5)
    assert reuse(changed, target) == 0.5
    assert reuse(changed, counts) == 1
    assert (len(read), len(unread)) == (2, 1)


def test_a_memoized_table_that_read_today_passes_it_on():
    ws = workspace(Audits=sheet("Audits", "a1"))

    @memoized
    def as_of(ws: Workspace) -> pd.DataFrame:
        return pd.DataFrame({"day": [ws.today]})

    calls = []

    def second(ws: Workspace) -> int:
        calls.append(1)
        return len(as_of(ws))

    as_of(ws)  # built outside: the next caller still depends on today
    reuse(ws, second)
    tomorrow = rerun(ws)
    tomorrow.today = dt.date(2026, 7, 2)
    reuse(tomorrow, second)
    assert len(calls) == 2


def test_the_workspace_is_in_every_key():
    ws = workspace(Audits=sheet("Audits", "a1"))
    fn = Counter(())
    reuse(ws, fn)
    elsewhere = rerun(ws)
    elsewhere.root = "/elsewhere"
    reuse(elsewhere, fn)
    assert fn.calls == 2


def test_arguments_are_in_the_key_and_a_frame_argument_is_not_stored():
    ws = workspace(Audits=sheet("Audits", "a1"))
    seen: list[Any] = []

    def fn(ws: Workspace, month: Any) -> int:
        seen.append(month)
        return len(seen)

    assert reuse(ws, fn, "2026-05") == 1
    assert reuse(ws, fn, "2026-06") == 2
    assert reuse(rerun(ws), fn, "2026-05") == 1
    frame = pd.DataFrame({"a": [1]})
    reuse(ws, fn, frame)
    reuse(ws, fn, frame)
    assert len(seen) == 4


def test_a_memoized_table_counts_as_read_by_every_caller():
    ws = workspace(Audits=sheet("Audits", "a1"), Queue=sheet("Queue", "q1"))
    built = []

    @memoized
    def audits_table(ws: Workspace) -> pd.DataFrame:
        built.append(1)
        return ws.sheets["Audits"].frame

    def first(ws: Workspace) -> int:
        return len(audits_table(ws)) + len(ws.sheets["Queue"].frame)

    def second(ws: Workspace) -> int:  # the memo is already built: no read of its own
        return len(audits_table(ws))

    reuse(ws, first)
    reuse(ws, second)
    assert len(built) == 1
    deps = [d for d, _ in ws.results.entries.values()]
    assert sorted(map(sorted, deps)) == [["Audits"], ["Audits", "Queue"]]


def test_an_error_is_not_stored_and_the_tracking_ends():
    ws = workspace(Audits=sheet("Audits", "a1"))

    def broken(ws: Workspace) -> None:
        ws.sheets["Audits"]
        raise ValueError("no")

    with pytest.raises(ValueError):
        reuse(ws, broken)
    assert ws.results.entries == {} and ws.sheets.trackers == []


def test_without_a_store_everything_is_computed():
    ws = workspace(Audits=sheet("Audits", "a1"))
    ws.results = None
    fn = Counter(("Audits",))
    reuse(ws, fn)
    reuse(ws, fn)
    assert fn.calls == 2  # and nothing is kept in memory either: memoized is for that


def test_assigning_sheets_keeps_them_tracked():
    ws = workspace()
    ws.sheets = {"Audits": sheet("Audits", "a")}
    assert isinstance(ws.sheets, TrackedSheets)


def test_a_caller_editing_its_frame_does_not_edit_the_next_callers():
    ws = workspace(Audits=sheet("Audits", "a1", x=[1, 2]))

    def table(ws: Workspace) -> pd.DataFrame:
        return ws.sheets["Audits"].frame[["x"]]

    first = reuse(ws, table)
    first.loc[0, "x"] = 99
    assert reuse(ws, table)["x"].tolist() == [1, 2]
    again = reuse(rerun(ws), table)  # from the store
    again.loc[1, "x"] = 99
    assert reuse(rerun(ws), table)["x"].tolist() == [1, 2]


def test_other_code_computes_afresh(monkeypatch):
    from labelxl.model import incremental

    ws = workspace(Audits=sheet("Audits", "a1"))
    fn = Counter(("Audits",))
    reuse(ws, fn)
    assert incremental.code_version() == incremental.code_version()
    monkeypatch.setattr(incremental, "code_version", lambda: "an upgraded labelxl or holidays")
    reuse(rerun(ws), fn)
    assert fn.calls == 2
