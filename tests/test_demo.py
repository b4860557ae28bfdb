"""Tests for labelxl.demo: a seeded, realistic, clean demo workspace with planted mistakes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from labelxl.demo import (
    DEMO_TITLE,
    GRAPHIC_DAY_MAX,
    Demo,
    default_end,
    generate_demo,
    write_demo,
)
from labelxl.errors import MetricInputError, WorkbookError
from labelxl.model.findings import CATALOGUE
from labelxl.model.schema import SHEETS, WORKBOOKS
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

END = dt.date(2026, 10, 31)
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo() -> Demo:
    return generate_demo(end=END)


@pytest.fixture(scope="module")
def clean(demo: Demo) -> dict[str, pd.DataFrame]:
    """The typed frames with the planted rows removed (the checks below are on clean data)."""
    ws = Workspace.from_frames(demo.frames, today=TODAY)
    planted: dict[str, set[int]] = {}
    for m in demo.mistakes:
        planted.setdefault(m.sheet, set()).add(int(m.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")))
    out = {}
    for name in SHEETS:
        frame = ws.frame(name)
        out[name] = frame[~frame["_row"].isin(planted.get(name, set()))].reset_index(drop=True)
    # The person-days of the planted timesheet entries are not clean as a whole.
    days = ws.frame("Timesheet")
    bad = days[days["_row"].isin(planted.get("Timesheet", set()))][["date", "person_id"]]
    for name in ("Timesheet", "Production"):
        frame = out[name]
        marked = frame.merge(bad.assign(_bad=True), on=["date", "person_id"], how="left")
        out[name] = frame[marked["_bad"].isna().to_numpy()].reset_index(drop=True)
    return out


# ---------------------------------------------------------------- shape and determinism


def test_same_seed_same_data_and_other_seed_differs() -> None:
    a = generate_demo(people=40, months=2, seed=3, end=END)
    b = generate_demo(people=40, months=2, seed=3, end=END)
    c = generate_demo(people=40, months=2, seed=4, end=END)
    for name in SHEETS:
        pd.testing.assert_frame_equal(a.frames[name], b.frames[name])
    assert a.mistakes == b.mistakes
    assert not a.frames["Audits"].equals(c.frames["Audits"])


def test_every_sheet_has_canonical_columns_and_rows(demo: Demo) -> None:
    assert list(demo.frames) == list(SHEETS)
    for name, frame in demo.frames.items():
        assert list(frame.columns) == list(SHEETS[name].column_names)
        assert len(frame) > 0, name
    assert len(demo.frames["Roster"]) == 120
    assert 22_000 <= len(demo.frames["Audits"]) <= 38_000  # "~30k audits"
    assert demo.frames["Projects"]["status"].value_counts()["Active"] == 12
    assert demo.frames["Calibration"].groupby("session_id").size().tolist() == [320, 320]


def test_window_is_whole_months_ending_at_end(demo: Demo) -> None:
    assert demo.start == dt.date(2026, 8, 1) and demo.end == END
    for sheet, col in (
        ("Production", "date"),
        ("Timesheet", "date"),
        ("Audits", "audit_date"),
        ("Queue", "date"),
        ("Calibration", "date"),
        ("Requirements", "received_date"),
        ("Hiring", "applied_date"),
    ):
        dates = pd.to_datetime(demo.frames[sheet][col])
        assert dates.max() <= pd.Timestamp(END), sheet
        assert dates.min() >= pd.Timestamp(demo.start), sheet
    assert default_end(dt.date(2026, 3, 15)) == dt.date(2026, 2, 28)
    assert default_end(dt.date(2026, 1, 1)) == dt.date(2025, 12, 31)


def test_sizes_scale_with_people_and_months() -> None:
    small = generate_demo(people=40, months=1, end=END)
    wide = generate_demo(people=120, months=1, end=END)
    long = generate_demo(people=40, months=3, end=END)
    for name in ("Production", "Timesheet", "Audits"):
        ratio_people = len(wide.frames[name]) / len(small.frames[name])
        ratio_months = len(long.frames[name]) / len(small.frames[name])
        assert 2.2 < ratio_people < 3.8, name
        assert 2.2 < ratio_months < 3.8, name


def test_a_year_of_500_people_generates() -> None:
    big = generate_demo(people=500, months=12, end=END)
    assert len(big.frames["Roster"]) == 500
    assert len(big.frames["Production"]) > 100_000
    assert len(big.frames["Audits"]) > 300_000
    assert len({m.code for m in big.mistakes}) == len(big.mistakes)


@pytest.mark.parametrize("kwargs", [{"people": 5}, {"people": 50.5}, {"months": 0}, {"months": 61}])
def test_bad_arguments_raise(kwargs: dict[str, float]) -> None:
    with pytest.raises(MetricInputError):
        generate_demo(**kwargs, end=END)  # type: ignore[arg-type]


# ---------------------------------------------------------------- realism and integrity


def test_organisation_is_realistic(demo: Demo) -> None:
    roster, projects = demo.frames["Roster"], demo.frames["Projects"]
    assert set(roster["market"]) == {"US", "BR", "ID"}
    assert roster["vendor"].dropna().nunique() == 2
    assert roster["vendor"].isna().mean() > 0.3
    assert set(roster["role"]) == {"Labeler", "QA", "Lead", "Trainer"}
    assert (roster["start_date"] > pd.Timestamp(demo.start)).any()  # joiners
    assert (roster["status"] == "Left").sum() == roster["end_date"].notna().sum() > 0
    assert set(projects["queue_type"]) == {"batch", "realtime"}
    assert (projects["graphic"] == "yes").sum() >= 4
    assert projects["policy_area"].nunique() == 6
    assert set(demo.frames["Hiring"]["stage"]) >= {"Applied", "Hired", "Rejected"}
    assert (demo.frames["Requirements"]["version"] == 2).any()


def test_references_exist(clean: dict[str, pd.DataFrame]) -> None:
    people = set(clean["Roster"]["person_id"])
    projects = set(clean["Projects"]["project_id"])
    for sheet, col in (
        ("Production", "person_id"),
        ("Timesheet", "person_id"),
        ("Audits", "person_id"),
        ("Audits", "auditor_id"),
        ("Calibration", "rater_id"),
    ):
        assert set(clean[sheet][col].dropna()) <= people, (sheet, col)
    for sheet in ("Production", "Queue", "Timesheet", "Audits", "Requirements"):
        assert set(clean[sheet]["project_id"].dropna()) <= projects, sheet
    tax = set(zip(clean["Taxonomy"]["policy_area"], clean["Taxonomy"]["decision"], strict=True))
    area = clean["Audits"]["project_id"].map(
        clean["Projects"].set_index("project_id")["policy_area"]
    )
    for col in ("labeler_decision", "auditor_decision"):
        assert set(zip(area, clean["Audits"][col], strict=True)) <= tax, col


def test_every_value_is_allowed_and_keys_unique(clean: dict[str, pd.DataFrame]) -> None:
    for name, schema in SHEETS.items():
        frame = clean[name]
        for col in schema.columns:
            values = frame[col.name]
            if col.required:
                assert values.notna().all(), (name, col.name)
            if col.choices:
                assert set(values.dropna()) <= set(col.choices), (name, col.name)
            if col.minimum is not None:
                assert (values.dropna() >= col.minimum).all(), (name, col.name)
            if col.maximum is not None:
                assert (values.dropna() <= col.maximum).all(), (name, col.name)
        if schema.key:
            assert not frame.duplicated(list(schema.key)).any(), name


def test_audits_are_consistent(clean: dict[str, pd.DataFrame]) -> None:
    audits, roster = clean["Audits"], clean["Roster"].set_index("person_id")
    assert (audits["auditor_id"] != audits["person_id"]).all()
    assert (audits["auditor_id"].map(roster["role"]) == "QA").all()
    differ = audits["labeler_decision"] != audits["auditor_decision"]
    assert (audits["error_type"].notna() == differ).all()
    assert (audits["severity"].notna() == differ).all()
    assert ((audits["disputed"] == "yes") == audits["dispute_outcome"].notna()).all()
    accuracy = (~differ).groupby(audits["person_id"]).mean()
    assert 0.90 < float((~differ).mean()) < 0.98
    assert accuracy.quantile(0.5) > 0.92 and accuracy.min() < 0.9  # a few weak labelers
    # auditors work the labeler's market
    market = audits["project_id"].map(clean["Projects"].set_index("project_id")["market"])
    assert (audits["auditor_id"].map(roster["market"]) == market).all()


def test_work_days_hours_and_caps(clean: dict[str, pd.DataFrame]) -> None:
    s = Settings()
    ts, prod = clean["Timesheet"], clean["Production"]
    roster, projects = clean["Roster"].set_index("person_id"), clean["Projects"]
    day = ts.groupby(["person_id", "date"])["hours"].sum()
    assert day.max() <= s.max_hours_per_day - 2
    assert (ts["hours"] > 0).all()
    week = (
        ts.assign(week=ts["date"].dt.strftime("%G-%V"))
        .groupby(["person_id", "week"])["hours"]
        .sum()
    )
    assert week.max() <= s.max_hours_per_week - 10
    graphic = set(projects.loc[projects["graphic"] == "yes", "project_id"])
    exposed = ts[ts["activity"].isin(["Labeling", "QA"]) & ts["project_id"].isin(graphic)]
    g_day = exposed.groupby(["person_id", "date"])["hours"].sum()
    assert g_day.max() <= GRAPHIC_DAY_MAX < s.graphic_hours_per_day
    g_week = (
        exposed.assign(week=exposed["date"].dt.strftime("%G-%V"))
        .groupby(["person_id", "week"])["hours"]
        .sum()
    )
    assert g_week.max() <= s.graphic_hours_per_week - 2
    # Leave is a whole day, never next to work
    kinds = ts.groupby(["person_id", "date"])["activity"].agg(set)
    assert all(k == {"Leave"} for k in kinds if "Leave" in k)
    # Labeling/QA always name a project; others never do
    productive = ts["activity"].isin(["Labeling", "QA"])
    assert ts.loc[productive, "project_id"].notna().all()
    assert ts.loc[~productive, "project_id"].isna().all()
    # nobody works outside their roster dates
    for frame in (ts, prod):
        start = frame["person_id"].map(roster["start_date"])
        end = frame["person_id"].map(roster["end_date"])
        assert (frame["date"] >= start).all()
        assert ((frame["date"] <= end) | end.isna()).all()
        assert (frame["date"].dt.day_of_week < 5).all()


def test_timesheet_agrees_with_production(clean: dict[str, pd.DataFrame]) -> None:
    ts, prod = clean["Timesheet"], clean["Production"]
    labeling = ts[ts["activity"] == "Labeling"].groupby(["person_id", "date"])["hours"].sum()
    handled = prod.groupby(["person_id", "date"])["handle_minutes"].sum() / 60
    both = pd.concat([labeling, handled], axis=1, keys=["ts", "prod"]).fillna(0.0)
    assert (both["ts"] - both["prod"]).abs().max() <= Settings().timesheet_tolerance_hours / 2


def test_speeds_are_plausible_and_new_hires_slower(clean: dict[str, pd.DataFrame]) -> None:
    prod, projects = clean["Production"], clean["Projects"].set_index("project_id")
    norm = 3600 / prod["project_id"].map(projects["target_aht_sec"])
    speed = prod["items"] / (prod["handle_minutes"] / 60)
    assert (prod["handle_minutes"] > 0).all() and (prod["items"] > 0).all()
    assert (speed / norm).max() < 2.0 < Settings().implausible_speed_factor
    start = prod["person_id"].map(clean["Roster"].set_index("person_id")["start_date"])
    tenure = (prod["date"] - start).dt.days
    ratio = speed / norm
    if (tenure < 20).sum() > 20:
        assert ratio[tenure < 20].median() < ratio[tenure > 365].median()


def test_queue_matches_production(clean: dict[str, pd.DataFrame]) -> None:
    queue, prod = clean["Queue"], clean["Production"]
    done = prod.groupby(["project_id", "date"])["items"].sum()
    joined = queue.set_index(["project_id", "date"])["items_done"]
    assert (joined.reindex(done.index) >= done).all()  # the planted extra row adds to none
    assert (queue["done_within_sla"] <= queue["items_done"]).all()
    assert (queue["backlog_end"] >= 0).all()


def test_graphic_workers_rotate_and_take_wellness(clean: dict[str, pd.DataFrame]) -> None:
    ts, projects = clean["Timesheet"], clean["Projects"]
    graphic = set(projects.loc[projects["graphic"] == "yes", "project_id"])
    on_graphic = ts[ts["project_id"].isin(graphic)][["person_id", "date"]].drop_duplicates()
    wellness = ts[ts["activity"] == "Wellness"][["person_id", "date"]]
    merged = on_graphic.merge(wellness.assign(w=True), how="left")
    assert merged["w"].notna().all()
    runs = on_graphic.sort_values(["person_id", "date"])
    gaps = runs.groupby("person_id")["date"].diff().dt.days
    streak, longest = 0, 0
    for gap in gaps:  # consecutive weekdays on graphic queues (a weekend counts as a gap)
        streak = streak + 1 if gap == 1 else 1
        longest = max(longest, streak)
    assert longest <= Settings().graphic_max_consecutive_days - 1


# ---------------------------------------------------------------- planted mistakes


def test_mistakes_are_distinct_documented_codes(demo: Demo) -> None:
    codes = [m.code for m in demo.mistakes]
    assert 6 <= len(codes) <= 10 and len(set(codes)) == len(codes)
    assert set(codes) <= set(CATALOGUE)
    assert len({(m.sheet, m.cell) for m in demo.mistakes}) == len(codes)


def test_planted_cells_hold_the_bad_values(tmp_path: Path) -> None:
    result = write_demo(tmp_path, people=40, months=2, seed=11, end=END)
    assert [p.name for p in result.paths] == [f"{b}.xlsx" for b in WORKBOOKS]
    books = {
        name: CalamineWorkbook.from_path(str(p))
        for name, p in zip(WORKBOOKS, result.paths, strict=True)
    }
    where = {sheet: book for book, sheets in WORKBOOKS.items() for sheet in sheets}
    for m in result.mistakes:
        rows = books[where[m.sheet]].get_sheet_by_name(m.sheet).to_python()
        letters = m.cell.rstrip("0123456789")
        row = int(m.cell[len(letters) :])
        col = SHEETS[m.sheet].column_names.index(m.column)
        assert rows[0][col] == m.column
        found = rows[row - 1][col]
        expected = "" if m.value is None else m.value
        assert found == expected, (m.code, m.cell, found)


def test_written_demo_validates_to_exactly_the_planted_mistakes(tmp_path: Path) -> None:
    from labelxl.io.reader import read_workspace
    from labelxl.validate import validate

    result = write_demo(tmp_path, people=40, months=2, seed=5, end=END)
    report = validate(read_workspace(tmp_path, today=TODAY))
    got = sorted((f.sheet, f.cell, f.code) for f in report)
    assert got == sorted((m.sheet, m.cell, m.code) for m in result.mistakes)


def test_default_demo_validates_to_exactly_the_planted_mistakes(demo: Demo) -> None:
    from labelxl.validate import validate

    report = validate(Workspace.from_frames(demo.frames, today=TODAY))
    got = sorted((f.sheet, f.cell, f.code) for f in report)
    assert got == sorted((m.sheet, m.cell, m.code) for m in demo.mistakes)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(20, 70),
    months=st.integers(1, 3),
    end=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
)
def test_any_demo_validates_to_exactly_its_mistakes(
    seed: int, people: int, months: int, end: dt.date
) -> None:
    from labelxl.validate import validate

    d = generate_demo(people=people, months=months, seed=seed, end=end)
    report = validate(Workspace.from_frames(d.frames, today=end + dt.timedelta(days=1)))
    assert sorted((f.sheet, f.cell, f.code) for f in report) == sorted(
        (m.sheet, m.cell, m.code) for m in d.mistakes
    )


# ---------------------------------------------------------------- writing


def test_write_demo_replaces_its_own_files_but_not_the_users(tmp_path: Path) -> None:
    write_demo(tmp_path, people=20, months=1, end=END)
    again = write_demo(tmp_path, people=20, months=1, seed=8, end=END)  # its own: fine
    assert len(again.paths) == 3
    from zipfile import ZipFile

    with ZipFile(again.paths[0]) as zf:
        assert DEMO_TITLE in zf.read("docProps/core.xml").decode()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "timesheet.xlsx").write_bytes(b"real hours")
    with pytest.raises(WorkbookError, match="not written by labelxl demo"):
        write_demo(other, people=20, months=1, end=END)
    assert (other / "timesheet.xlsx").read_bytes() == b"real hours"
    assert not (other / "tracker.xlsx").exists()


def test_demo_dates_are_real_excel_dates(tmp_path: Path) -> None:
    result = write_demo(tmp_path, people=20, months=1, end=END)
    rows = (
        CalamineWorkbook.from_path(str(result.paths[1])).get_sheet_by_name("Timesheet").to_python()
    )
    assert isinstance(rows[1][0], dt.date)
    assert isinstance(rows[1][3], float)
    assert np.isfinite(rows[1][3])


def test_projects_have_a_forecast_or_a_reason(demo: Demo) -> None:
    # Issue 12, item 7: the demo's "Forecast finish" column was empty for all 14 projects.
    from labelxl.demo.catalogue import FIXED_SCOPE
    from labelxl.metrics.projects import project_status

    ws = Workspace.from_frames(demo.frames, today=TODAY)
    status = project_status(ws, "2026-10").set_index("project_id")
    fixed = status.loc[list(FIXED_SCOPE)]
    assert fixed["forecast_finish"].notna().all()
    assert (fixed["forecast_low"] <= fixed["forecast_finish"]).all()
    assert (fixed["forecast_finish"] <= fixed["forecast_high"]).all()
    blank = status.loc[status["forecast_finish"].isna(), "forecast_note"]
    assert len(blank) and (blank.str.len() > 0).all()  # every blank forecast says why
    assert status.loc["P-US-VIOL", "forecast_note"].startswith("ongoing")
    assert "Green" not in set(status.loc[status["items"] == 0, "rag"])
