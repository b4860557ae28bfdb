"""Tests for labelxl.metrics.hours: paid, productive, utilisation, shrinkage, overtime, checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.hours import (
    RECONCILIATION_COLUMNS,
    WORKING_HOURS_COLUMNS,
    period_table,
    reconciliation,
    working_days,
    working_hours,
)
from labelxl.model.schema import ACTIVITIES
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

TODAY = dt.date(2026, 4, 15)


def roster(**extra: list) -> pd.DataFrame:
    base = {
        "person_id": ["A", "B", "C"],
        "name": ["Ann", "Bob", "Cy"],
        "role": ["Labeler"] * 3,
        "team": ["T1", "T1", None],
        "vendor": [None, "V1", None],
        "fte": [1.0, 0.5, None],
        "contracted_hours_week": [None, None, 30.0],
        "start_date": ["2025-01-01", "2026-03-04", "2025-01-01"],
        "end_date": [None, None, "2026-03-13"],
    }
    base.update(extra)
    return pd.DataFrame(base)


def entry(date: str, person: str, activity: str, hours: float, project: str | None = None):
    return {
        "date": date,
        "person_id": person,
        "activity": activity,
        "hours": hours,
        "project_id": project,
    }


def workspace(
    entries: list[dict], production: pd.DataFrame | None = None, s: Settings | None = None
) -> Workspace:
    frames = {"Roster": roster(), "Timesheet": pd.DataFrame(entries)}
    if production is not None:
        frames["Production"] = production
    return Workspace.from_frames(frames, settings=s or Settings(), today=TODAY)


# Hand-computed week of Monday 2026-03-02 (definitions: DESIGN.md §5; shrinkage and
# utilisation as in Cleveland, "Call Center Management on Fast Forward", 4th ed., ch. 6).
WEEK = [
    entry("2026-03-02", "A", "Labeling", 6, "P1"),
    entry("2026-03-02", "A", "QA", 1, "P1"),
    entry("2026-03-02", "A", "Meeting", 1),
    entry("2026-03-03", "A", "Leave", 8),
    entry("2026-03-04", "A", "Labeling", 5, "P1"),
    entry("2026-03-04", "A", "Idle", 1),
    entry("2026-03-04", "A", "Training", 2),
    entry("2026-03-04", "B", "Labeling", 15, "P1"),
]


def test_working_hours_hand_computed_month():
    out = working_hours(workspace(WEEK)).set_index("person_id")
    a = out.loc["A"]
    assert a["period"] == "2026-03"
    assert (a["paid_hours"], a["productive_hours"], a["leave_hours"]) == (24, 7 + 5, 8)
    assert a["worked_hours"] == 16
    assert a["utilization"] == pytest.approx(12 / 16)
    assert a["shrinkage"] == pytest.approx(1 - 12 / 24)
    assert a["planned_shrinkage"] == pytest.approx((1 + 8 + 2) / 24)
    assert a["unplanned_shrinkage"] == pytest.approx(1 / 24)
    # 22 Monday–Friday days in March 2026 × 40 h / 5.
    assert a["contracted_hours"] == pytest.approx(22 * 8)
    assert a["overtime_hours"] == 0
    # B: fte 0.5 → 20 h/week → 4 h/day from Wed 4 March: 20 working days.
    assert out.loc["B", "contracted_hours"] == pytest.approx(80)
    assert out.loc["B", "overtime_hours"] == 0


def test_working_hours_week_prorates_contract_to_start_date():
    out = working_hours(workspace(WEEK), freq="week").set_index("person_id")
    assert out.loc["B", "period"] == "2026-W10"
    assert out.loc["B", "contracted_hours"] == pytest.approx(3 * 4)  # Wed–Fri
    assert out.loc["B", "overtime_hours"] == pytest.approx(15 - 12)
    assert out.loc["A", "contracted_hours"] == pytest.approx(40)


def test_contract_ends_with_end_date_and_uses_contracted_hours_week():
    out = working_hours(workspace([entry("2026-03-02", "C", "Labeling", 8, "P1")]))
    # C: 30 h/week from the Roster, leaves Fri 13 March → 10 working days × 6 h.
    assert out.loc[0, "contracted_hours"] == pytest.approx(60)


def test_group_overtime_is_summed_per_person_not_netted():
    entries = [
        entry("2026-03-04", "B", "Labeling", 100, "P1"),
        entry("2026-03-02", "A", "Labeling", 10, "P1"),
    ]
    out = working_hours(workspace(entries), by="team").set_index("team")
    # B works 100 against 80 contracted; A's 166 unused hours must not absorb it.
    assert out.loc["T1", "overtime_hours"] == pytest.approx(20)
    assert out.loc["T1", "contracted_hours"] == pytest.approx(176 + 80)
    assert out.loc["T1", "paid_hours"] == 110


def test_unknown_dimension_and_unknown_person():
    entries = [
        entry("2026-03-02", "C", "Labeling", 4, "P1"),
        entry("2026-03-02", "Z", "Labeling", 4, "P1"),
    ]
    out = working_hours(workspace(entries), by="team").set_index("team")
    assert out.loc["Unassigned", "paid_hours"] == 8
    by_person = working_hours(workspace(entries)).set_index("person_id")
    assert np.isnan(by_person.loc["Z", "contracted_hours"])
    assert np.isnan(by_person.loc["Z", "overtime_hours"])
    vendor = working_hours(workspace(entries), by="vendor")
    assert list(vendor["vendor"]) == ["In-house", "Unassigned"]


def test_degenerate_inputs():
    empty_ws = Workspace.from_frames({"Roster": roster()}, today=TODAY)
    out = working_hours(empty_ws)
    assert out.empty and list(out.columns) == ["person_id", *WORKING_HOURS_COLUMNS]
    assert reconciliation(empty_ws).empty
    assert list(reconciliation(empty_ws).columns) == list(RECONCILIATION_COLUMNS)
    # Zero, negative and unknown-activity rows are findings, not hours.
    bad = [
        entry("2026-03-02", "A", "Labeling", 0, "P1"),
        entry("2026-03-02", "A", "Labeling", -3, "P1"),
        entry("2026-03-02", "A", "Sleeping", 3),
    ]
    assert working_hours(workspace(bad)).empty
    only_leave = working_hours(workspace([entry("2026-03-02", "A", "Leave", 8)]))
    assert np.isnan(only_leave.loc[0, "utilization"])  # nothing worked: undefined
    assert only_leave.loc[0, "shrinkage"] == 1.0
    with pytest.raises(MetricInputError, match="by must be one of"):
        working_hours(empty_ws, by="project_id")
    with pytest.raises(MetricInputError, match="freq must be one of"):
        working_hours(empty_ws, freq="day")


def test_reconciliation_hand_computed():
    production = pd.DataFrame(
        {
            "date": ["2026-03-02", "2026-03-04", "2026-03-05", "2026-03-02"],
            "person_id": ["A", "A", "A", "B"],
            "project_id": ["P1"] * 4,
            "items": [10, 10, 10, 10],
            "handle_minutes": [300, 120, 60, 110],
        }
    )
    entries = [
        entry("2026-03-02", "A", "Labeling", 6, "P1"),
        entry("2026-03-04", "A", "Labeling", 5, "P1"),
        entry("2026-03-04", "A", "QA", 3, "P1"),
        entry("2026-03-02", "B", "Labeling", 2, "P1"),
    ]
    out = reconciliation(workspace(entries, production)).set_index("person_id")
    # A: Labeling 11 h vs handle 8 h over 3 days (Thu has production only).
    assert out.loc["A", "labeling_hours"] == 11
    assert out.loc["A", "handle_hours"] == pytest.approx(8)
    assert out.loc["A", "difference_hours"] == pytest.approx(3)
    assert out.loc["A", "ratio"] == pytest.approx(8 / 11)
    assert out.loc["A", "days"] == 3
    assert out.loc["A", "tolerance_hours"] == 3
    assert not out.loc["A", "flag"]  # 3 is not beyond 3 × 1 h
    assert out.loc["B", "difference_hours"] == pytest.approx(2 - 110 / 60)
    assert not out.loc["B", "flag"]
    strict = reconciliation(workspace(entries, production, Settings(timesheet_tolerance_hours=0.5)))
    assert strict.set_index("person_id")["flag"].to_dict() == {"A": True, "B": False}


def test_working_days_agrees_with_bdate_range():
    rng = np.random.default_rng(7)
    base = pd.Timestamp("2025-12-01")
    start = pd.Series(base + pd.to_timedelta(rng.integers(0, 90, 200), unit="D"))
    end = pd.Series(base + pd.to_timedelta(rng.integers(0, 90, 200), unit="D"))
    got = working_days(start, end)
    expected = [len(pd.bdate_range(s, e)) for s, e in zip(start, end, strict=True)]
    assert list(got) == expected


def test_period_table_weeks_and_months():
    t = period_table(["2026-W01", "2026-02"][:1], "week")
    assert (t.loc[0, "period_start"], t.loc[0, "working_days"]) == (pd.Timestamp("2025-12-29"), 5)
    m = period_table(["2026-02"], "month")
    assert (m.loc[0, "period_end"], m.loc[0, "working_days"]) == (pd.Timestamp("2026-02-28"), 20)


def naive_hours(entries: list[dict]) -> dict:
    """Independent loop implementation of paid / productive / leave / planned per person-month."""
    acc: dict = defaultdict(lambda: defaultdict(float))
    for e in entries:
        if e["hours"] <= 0:
            continue
        key = (e["person_id"], e["date"][:7])
        acc[key]["paid"] += e["hours"]
        if e["activity"] in ("Labeling", "QA"):
            acc[key]["productive"] += e["hours"]
        if e["activity"] == "Leave":
            acc[key]["leave"] += e["hours"]
        if e["activity"] in ("Leave", "Training", "Meeting", "Wellness", "Calibration"):
            acc[key]["planned"] += e["hours"]
    return acc


def random_entries(rng: np.random.Generator, n: int) -> list[dict]:
    dates = pd.date_range("2026-01-01", "2026-04-30").strftime("%Y-%m-%d")
    return [
        entry(
            str(rng.choice(dates)),
            str(rng.choice(["A", "B", "C", "D"])),
            str(rng.choice(ACTIVITIES)),
            float(rng.choice([0.25, 0.5, 1, 2, 3.5, 8])),
            "P1",
        )
        for _ in range(n)
    ]


def test_agrees_with_independent_loop_on_random_timesheets():
    rng = np.random.default_rng(11)
    for _ in range(5):
        entries = random_entries(rng, 300)
        out = working_hours(workspace(entries))
        expected = naive_hours(entries)
        assert len(out) == len(expected)
        for row in out.itertuples():
            e = expected[(row.person_id, row.period)]
            assert row.paid_hours == pytest.approx(e["paid"])
            assert row.productive_hours == pytest.approx(e["productive"])
            assert row.leave_hours == pytest.approx(e["leave"])
            assert row.planned_shrinkage == pytest.approx(e["planned"] / e["paid"])


ENTRY = st.builds(
    lambda d, p, a, h: entry(f"2026-03-{d:02d}", p, a, h, "P1"),
    st.integers(1, 31),
    st.sampled_from(["A", "B", "Z"]),
    st.sampled_from(ACTIVITIES),
    st.floats(0.25, 12, allow_nan=False),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(ENTRY, min_size=1, max_size=25), st.sampled_from(["person_id", "team", "vendor"]))
def test_properties(entries, by):
    out = working_hours(workspace(entries), by=by, freq="week")
    assert (out["paid_hours"] > 0).all()
    np.testing.assert_allclose(out["shrinkage"], 1 - out["productive_hours"] / out["paid_hours"])
    np.testing.assert_allclose(
        out["shrinkage"], out["planned_shrinkage"] + out["unplanned_shrinkage"], atol=1e-12
    )
    util = out["utilization"].dropna()
    assert ((util >= 0) & (util <= 1 + 1e-12)).all()
    assert (out["overtime_hours"].dropna() >= 0).all()
    assert out["paid_hours"].sum() == pytest.approx(sum(e["hours"] for e in entries))
