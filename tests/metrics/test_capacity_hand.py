"""The capacity plan end to end against a hand calculation, on a workbook typed like a user's.

Issue 12, item 8: the demo asked for +30.7 FTE for a team that delivered 96% of plan. The
causes were QA/Lead/Trainer time counted in the labelers' shrinkage, Settings' 85%
queueing occupancy applied to batch work whose measured handle/Labeling ratio is 98%, and
a pilot starting late in the month planned for the whole month.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import openpyxl
import pytest

from labelxl.demo import generate_demo
from labelxl.io.reader import read_workspace
from labelxl.metrics.capacity import capacity_plan
from labelxl.model.workspace import Workspace

D = dt.datetime

ROSTER = [
    ("person_id", "name", "role", "market", "languages", "fte", "start_date", "status"),
    ("L1", "Ana", "Labeler", "US", "en", 1, D(2025, 1, 6), "Active"),
    ("L2", "Ben", "Labeler", "US", "en", 0.5, D(2025, 1, 6), "Active"),
    ("Q1", "Cy", "QA", "US", "en", 1, D(2025, 1, 6), "Active"),
    ("D1", "Dee", "Lead", "US", "en", 1, D(2025, 1, 6), "Active"),
]
PROJECTS = [
    (
        "project_id",
        "project_name",
        "market",
        "language",
        "policy_area",
        "queue_type",
        "status",
        "start_date",
        "target_volume",
        "target_aht_sec",
    ),
    ("P1", "Hate", "US", "en", "Hate", "batch", "Active", D(2025, 1, 6), 20000, 60),
    # Starts Thursday 16 April: 11 of April's 22 weekdays.
    ("P2", "Pilot", "US", "en", "Spam", "batch", "Planned", D(2026, 4, 16), 11000, 36),
]
PRODUCTION = [
    ("date", "person_id", "project_id", "items", "handle_minutes"),
    (D(2026, 3, 23), "L1", "P1", 3000, 2700),
    (D(2026, 3, 24), "L1", "P1", 3000, 2700),
    (D(2026, 3, 25), "L2", "P1", 3000, 2700),
]
TIMESHEET = [
    ("date", "person_id", "activity", "hours"),
    (D(2026, 3, 23), "L1", "Labeling", 100),
    (D(2026, 3, 24), "L1", "Meeting", 10),
    (D(2026, 3, 25), "L1", "Training", 10),
    (D(2026, 3, 26), "L1", "Leave", 16),
    (D(2026, 3, 23), "L2", "Labeling", 50),
    (D(2026, 3, 24), "L2", "Meeting", 10),
    (D(2026, 3, 23), "Q1", "QA", 100),
    (D(2026, 3, 24), "Q1", "Meeting", 60),
    (D(2026, 3, 23), "D1", "Meeting", 150),
    (D(2026, 4, 10), "L1", "Leave", 8),  # planned leave in the plan month
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder: Path = tmp_path_factory.mktemp("capacity")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (
        ("Roster", ROSTER),
        ("Projects", PROJECTS),
        ("Production", PRODUCTION),
        ("Timesheet", TIMESHEET),
    ):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(folder / "tracker.xlsx")
    return read_workspace(folder, today=dt.date(2026, 4, 2))


def test_capacity_plan_matches_the_hand_calculation(workspace: Workspace) -> None:
    plan = capacity_plan(workspace)
    # Base March 2026 (the reporting month), plan April: 22 weekdays, no US holiday.
    assert (plan.base_month, plan.month, plan.working_days) == ("2026-03", "2026-04", 22)
    assert plan.hours_per_fte == 176  # 40 h × 22 / 5
    p = plan.by_project.set_index("project_id")
    # Shrinkage of the Labelers only: 1 − (100 + 50) / (120 + 60) = 1/6. (With the QA's and
    # the Lead's meetings it would read 1 − 250/490 = 49%.)
    assert p.loc["P1", "shrinkage"] == pytest.approx(1 / 6)
    # Occupancy: handle 90 h + 45 h over Labeling 100 h + 50 h = 0.9.
    assert p.loc["P1", "occupancy"] == pytest.approx(0.9)
    # AHT: 8,100 min × 60 / 9,000 items = 54 s. Per FTE 176 × 5/6 × 0.9 = 132 h of handle.
    assert p.loc["P1", "aht_sec"] == pytest.approx(54)
    assert p.loc["P1", "workload_hours"] == pytest.approx(300)  # 20,000 × 54 / 3600
    assert p.loc["P1", "required_fte"] == pytest.approx(300 / 132)
    # P2 runs 11 of 22 days: 5,500 items at its 36 s target = 55 h.
    assert (p.loc["P2", "plan_days"], p.loc["P2", "volume"]) == (11, pytest.approx(5500))
    assert p.loc["P2", "required_fte"] == pytest.approx(55 / 132)
    m = plan.by_market_language.set_index(["market", "language"]).loc[("US", "en")]
    # Available: the two Labelers only; L1 loses 8 h of leave: 1 − 8/176 + 0.5.
    assert m["people"] == 2
    assert m["available_fte"] == pytest.approx(1 - 8 / 176 + 0.5)
    gap = 355 / 132 - (1 - 8 / 176 + 0.5)
    assert m["gap_fte"] == pytest.approx(gap)
    assert m["hires_needed"] == math.ceil(gap / 0.75) == 2  # typical fte: median(1, 0.5)


def test_assumptions_are_printed_with_the_result(workspace: Workspace) -> None:
    plan = capacity_plan(workspace)
    a = plan.assumptions.set_index("assumption")
    assert list(plan.assumptions.columns) == ["assumption", "value", "unit", "source"]
    assert a.loc["hours per FTE", "value"] == 176
    assert a.loc["shrinkage", "value"] == pytest.approx(1 / 6)
    assert a.loc["batch occupancy", "value"] == pytest.approx(0.9)
    assert a.loc["volume", "value"] == pytest.approx(25500)
    assert a.loc["AHT", "value"] == pytest.approx((20000 * 54 + 5500 * 36) / 25500)
    assert a.loc["planned leave", "value"] == 8
    assert a.loc["available people", "value"] == 2
    assert a.loc["required FTE", "value"] == pytest.approx(355 / 132)
    assert "Labeler" in a.loc["who counts as available", "value"]
    assert a.loc["public holidays", "value"] == "none"


def test_demo_plan_is_in_proportion_to_the_team_that_delivered() -> None:
    # The demo's targets are 95–110% of what the team delivers; the plan must ask for about
    # the team it has, not +29%.
    demo = generate_demo(people=120, months=3, seed=7, end=dt.date(2026, 11, 30))
    ws = Workspace.from_frames(demo.frames, today=dt.date(2026, 12, 6))
    plan = capacity_plan(ws)
    a = plan.assumptions.set_index("assumption")["value"]
    assert 0.85 <= a["required FTE"] / a["available FTE"] <= 1.15
    assert a["batch occupancy"] > 0.9  # measured, not Settings' 85%
