"""Capacity plan on a small hand-computed workspace, degenerate inputs, monotonicity."""

from __future__ import annotations

import datetime as dt
import math

import holidays
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.capacity import capacity_plan
from labelxl.model.periods import resolve_month
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

# Plan month March 2026: 22 weekdays, so one FTE is 40 × 22 / 5 = 176 paid hours.
SETTINGS = Settings(
    service_level_target=0.8,
    service_level_seconds=20,
    target_occupancy=0.85,
    planned_shrinkage=0.3,
    hours_per_fte_week=40,
)
HOURS = 176.0


def _projects() -> pd.DataFrame:
    base: dict[str, object] = {
        "policy_area": "Hate",
        "status": "Active",
        "start_date": "2025-01-01",
    }
    rows: list[dict[str, object]] = [
        # US batch with a target volume; AHT comes from Production (45 s), not the target.
        dict(
            project_id="P1",
            project_name="US hate",
            market="US",
            language="en",
            queue_type="batch",
            target_volume=100_000,
            target_aht_sec=60,
        ),
        # BR batch without a target: forecast from the trailing 4 weeks.
        dict(
            project_id="P2", project_name="BR hate", market="BR", language="pt", queue_type="batch"
        ),
        # ID realtime: 17,600 items / 176 h = 100 per hour × 360 s = 10 Erlangs.
        dict(
            project_id="P3",
            project_name="ID live",
            market="ID",
            language="id",
            queue_type="realtime",
            target_volume=17_600,
            target_aht_sec=360,
        ),
        dict(
            project_id="P4",
            project_name="Closed",
            market="US",
            language="en",
            queue_type="batch",
            target_volume=5_000,
            target_aht_sec=30,
            status="Closed",
        ),
        dict(
            project_id="P5", project_name="No data", market="US", language="en", queue_type="batch"
        ),
    ]
    return pd.DataFrame([{**base, **r} for r in rows])


def _roster() -> pd.DataFrame:
    rows = [
        ("U1", "Labeler", "US", "en", 1.0, "2025-01-01", None, "Active"),
        ("U2", "Labeler", "US", "en, es", 0.5, "2026-03-16", None, "Active"),
        ("U3", "Labeler", "US", "en", 1.0, "2025-01-01", None, "Leave"),
        ("U4", "Labeler", "US", "en", 1.0, "2025-01-01", "2026-02-20", "Left"),
        ("Q1", "QA", "US", "en", 1.0, "2025-01-01", None, "Active"),
        ("B1", "Labeler", "BR", "pt", 1.0, "2025-01-01", None, "Active"),
        ("I1", "Labeler", "ID", "id", 1.0, "2025-01-01", None, "Active"),
        ("X1", "Labeler", "ZZ", "en", 1.0, "2025-01-01", None, "Active"),
    ]
    cols = ["person_id", "role", "market", "languages", "fte", "start_date", "end_date", "status"]
    out = pd.DataFrame(rows, columns=cols)
    out["name"] = out["person_id"]
    return out


def _production() -> pd.DataFrame:
    days = pd.date_range("2026-02-02", periods=20, freq="B")
    rows = [("U1", "P1", d, 500, 375) for d in days]  # 10,000 items, 7,500 min → 45 s
    rows += [("B1", "P2", d, 100, 100) for d in pd.date_range("2026-02-01", "2026-02-28")]
    rows += [("U1", "P1", pd.Timestamp("2026-01-05"), 999, 1)]  # outside the window
    return pd.DataFrame(
        rows, columns=["person_id", "project_id", "date", "items", "handle_minutes"]
    )


def _timesheet() -> pd.DataFrame:
    rows = [
        ("U1", "2026-02-02", "Labeling", 120, "P1"),
        ("U1", "2026-02-03", "Meeting", 20, None),
        ("U1", "2026-02-04", "Training", 20, None),
        ("U1", "2026-02-05", "Leave", 16, None),
        ("U1", "2026-03-10", "Leave", 8, None),
    ]  # planned leave in the plan month
    return pd.DataFrame(rows, columns=["person_id", "date", "activity", "hours", "project_id"])


def _hiring() -> pd.DataFrame:
    stages = ["Hired", "Hired"] + ["Rejected"] * 5 + ["Applied"] * 3
    return pd.DataFrame(
        {
            "candidate_id": [f"C{i}" for i in range(10)],
            "role": "Labeler",
            "stage": stages,
            "applied_date": "2026-01-05",
        }
    )


def workspace(**overrides: pd.DataFrame) -> Workspace:
    frames = {
        "Projects": _projects(),
        "Roster": _roster(),
        "Production": _production(),
        "Timesheet": _timesheet(),
        "Hiring": _hiring(),
    }
    frames.update(overrides)
    return Workspace.from_frames(frames, settings=SETTINGS, today=dt.date(2026, 3, 1))


def _id_weekday_holidays() -> int:
    days = [d for d in holidays.country_holidays("ID", years=2026) if d.month == 3]
    return int(np.is_busday(np.array(days, dtype="datetime64[D]")).sum())


def test_plan_month_and_hours() -> None:
    plan = capacity_plan(workspace())
    assert (plan.month, plan.base_month, plan.working_days) == ("2026-03", "2026-02", 22)
    assert plan.hours_per_fte == HOURS
    assert plan.applicants_per_hire == 5.0  # 10 applied / 2 hired


def test_by_project_hand_computed() -> None:
    plan = capacity_plan(workspace())
    p = plan.by_project.set_index("project_id")
    assert list(p.index) == ["P1", "P2", "P3", "P5"]  # P4 is Closed
    # Shrinkage measured on U1's February timesheet without Leave: 1 − 120/160 = 0.25.
    assert p["shrinkage"].tolist() == pytest.approx([0.25] * 4)
    assert p.loc["P1", "shrinkage_source"] == "timesheet (market)"
    assert p.loc["P2", "shrinkage_source"] == "timesheet (team)"
    # Batch occupancy is measured (issue 12, item 8): U1's February handle time, 7,500 min
    # = 125 h, against 120 Labeling hours is capped at 100% (it was Settings' 85%).
    assert (p.loc["P1", "occupancy"], p.loc["P1", "occupancy_source"]) == (
        1.0,
        "measured (handle ÷ Labeling hours)",
    )
    assert p.loc["P3", "occupancy"] == 0.85  # realtime keeps the Erlang cap
    # P1: 100,000 × 45 s = 1,250 h over 176 × 0.75 × 1.0 = 132 h per FTE.
    assert (p.loc["P1", "volume_source"], p.loc["P1", "aht_source"]) == ("target", "actual")
    assert p.loc["P1", "aht_sec"] == pytest.approx(45.0)
    assert p.loc["P1", "required_fte"] == pytest.approx(1250 / 132)
    # P2: 2,800 items in the 28 trailing days → 2,800 × 31 / 28 = 3,100 items at 60 s.
    assert (p.loc["P2", "volume_source"], p.loc["P2", "volume"]) == ("forecast", 3100.0)
    assert p.loc["P2", "required_fte"] == pytest.approx(3100 * 60 / 3600 / 132)
    # P3: 10 Erlangs, 80% in 20 s → 14 agents (Call Centre Helper example) / 0.75.
    assert p.loc["P3", "agents"] == 14
    assert p.loc["P3", "required_fte"] == pytest.approx(14 / 0.75)
    assert p.loc["P3", "required_hours"] == pytest.approx(14 / 0.75 * HOURS)
    assert (p.loc["P5", "volume_source"], p.loc["P5", "required_fte"]) == ("none", 0.0)
    assert any("P5" in n for n in plan.notes)


def test_by_market_language_hand_computed() -> None:
    plan = capacity_plan(workspace())
    m = plan.by_market_language.set_index(["market", "language"])
    assert list(m.index) == [("BR", "pt"), ("ID", "id"), ("US", "en"), ("ZZ", "en")]
    # US: U1 22 days less 8 h leave → 1 − 8/176; U2 (0.5 fte) from 16 March: 12/22 × 0.5.
    us_available = 1 - 8 / HOURS + 0.5 * 12 / 22
    assert m.loc[("US", "en"), "available_fte"] == pytest.approx(us_available)
    assert m.loc[("US", "en"), "people"] == 2
    assert m.loc[("US", "en"), "typical_fte"] == 0.75  # median of 1.0 and 0.5
    us_gap = 1250 / 132 - us_available
    assert m.loc[("US", "en"), "gap_fte"] == pytest.approx(us_gap)
    assert m.loc[("US", "en"), "hires_needed"] == math.ceil(us_gap / 0.75) == 11
    assert m.loc[("US", "en"), "applicants_needed"] == 55
    # ID: public holidays on weekdays come off I1's 22 days.
    h = _id_weekday_holidays()
    assert h >= 1  # Nyepi, 19 March 2026
    assert m.loc[("ID", "id"), "holidays"] == h
    assert m.loc[("ID", "id"), "available_fte"] == pytest.approx((22 - h) / 22)
    assert m.loc[("ID", "id"), "hires_needed"] == math.ceil(14 / 0.75 - (22 - h) / 22)
    assert m.loc[("BR", "pt"), "hires_needed"] == 0
    assert m.loc[("ZZ", "en"), "required_fte"] == 0.0
    assert any("'ZZ'" in n for n in plan.notes)


def test_volume_override_and_explicit_month() -> None:
    plan = capacity_plan(workspace(), month="2026-02", volumes={"P1": 0, "P4": 3600})
    p = plan.by_project.set_index("project_id")
    assert p.loc["P1", "required_fte"] == 0.0
    assert p.loc["P4", "volume_source"] == "override"  # a Closed project planned on purpose
    assert p.loc["P4", "required_fte"] == pytest.approx(3600 * 30 / 3600 / 132)


def test_settings_shrinkage_without_timesheet() -> None:
    empty = _timesheet().iloc[0:0]
    plan = capacity_plan(workspace(Timesheet=empty))
    p = plan.by_project.set_index("project_id")
    assert set(p["shrinkage_source"]) == {"settings"}
    assert p.loc["P1", "required_fte"] == pytest.approx(1250 / (HOURS * 0.7 * 0.85))


def test_no_roster_and_missing_aht() -> None:
    projects = _projects()
    projects.loc[projects["project_id"] == "P5", "target_volume"] = 1000
    ws = workspace(Roster=_roster().iloc[0:0], Projects=projects)
    plan = capacity_plan(ws)
    p = plan.by_project.set_index("project_id")
    assert math.isnan(p.loc["P5", "required_fte"]) and p.loc["P5", "aht_source"] == "missing"
    m = plan.by_market_language.set_index(["market", "language"])
    assert (m["available_fte"] == 0).all()
    assert math.isnan(m.loc[("US", "en"), "hires_needed"])  # unknown need stays blank
    assert any("target_aht_sec" in n for n in plan.notes)


def test_no_production_plans_after_the_reporting_month() -> None:
    # Issue 11: the month has one owner. Without Production the base month is the
    # workspace's reporting month (here from the Timesheet), not an error.
    ws = workspace(Production=_production().iloc[0:0])
    assert capacity_plan(ws).base_month == resolve_month(ws, None) == "2026-02"
    plan = capacity_plan(ws, month="2026-02")
    p = plan.by_project.set_index("project_id")
    assert p.loc["P1", "aht_source"] == "target"
    assert p.loc["P2", "volume_source"] == "none"


def test_bad_arguments() -> None:
    with pytest.raises(MetricInputError):
        capacity_plan(workspace(), month="March")
    with pytest.raises(MetricInputError):
        capacity_plan(workspace(), volumes={"NOPE": 10})
    with pytest.raises(MetricInputError):
        capacity_plan(workspace(), volumes={"P1": -5})


def test_unknown_conversion_leaves_applicants_blank() -> None:
    plan = capacity_plan(workspace(Hiring=_hiring().iloc[0:0]))
    assert plan.applicants_per_hire is None
    assert plan.by_market_language["applicants_needed"].isna().all()
    plan = capacity_plan(
        Workspace.from_frames(
            {"Projects": _projects(), "Roster": _roster(), "Production": _production()},
            settings=SETTINGS.replace(hiring_conversion=8.0),
        )
    )
    assert plan.applicants_per_hire == 8.0


@settings(max_examples=15, deadline=None)
@given(
    v1=st.integers(0, 2_000_000),
    dv=st.integers(0, 2_000_000),
    rt=st.integers(0, 60_000),
    drt=st.integers(0, 60_000),
)
def test_required_fte_monotone_in_volume(v1: int, dv: int, rt: int, drt: int) -> None:
    ws = workspace()
    low = capacity_plan(ws, volumes={"P1": v1, "P3": rt}).by_project.set_index("project_id")
    high = capacity_plan(ws, volumes={"P1": v1 + dv, "P3": rt + drt}).by_project.set_index(
        "project_id"
    )
    assert high.loc["P1", "required_fte"] >= low.loc["P1", "required_fte"]
    assert high.loc["P3", "required_fte"] >= low.loc["P3", "required_fte"]
