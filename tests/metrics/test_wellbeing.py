"""Tests for labelxl.metrics.wellbeing: graphic exposure vs caps, streaks, Wellness, rotation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.wellbeing import (
    EXPOSURE_COLUMNS,
    ROTATION_COLUMNS,
    exposure,
    people_over_caps,
    rotation_suggestion,
)
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

TODAY = dt.date(2026, 3, 31)
ROSTER = pd.DataFrame(
    {
        "person_id": ["A", "B", "C", "D"],
        "name": ["Ann", "Bob", "Cy", "Dee"],
        "role": ["Labeler"] * 4,
        "market": ["US", "BR", "US", "FR"],
        "languages": ["en, es", "pt", "EN", "fr"],
        "start_date": ["2025-01-01"] * 4,
    }
)
PROJECTS = pd.DataFrame(
    {
        "project_id": ["G1", "G2", "N1", "N2", "N3", "N4"],
        "project_name": ["Gore", "Gore BR", "Spam", "Spam BR", "Old", "Spam ID"],
        "market": ["US", "BR", "US", "BR", "US", "ID"],
        "language": ["en", "pt", "en", "pt", "en", "id"],
        "policy_area": ["Violence"] * 6,
        "graphic": ["yes", "yes", "no", "no", "no", "no"],
        "status": ["Active", "Active", "Active", "Active", "Closed", "Active"],
        "start_date": ["2025-01-01"] * 6,
        "target_volume": [None, None, 2200, 2200, 99999, 99999],
    }
)


def ts(
    date: str, person: str, hours: float, project: str | None = "G1", activity: str = "Labeling"
) -> dict:
    return {
        "date": date,
        "person_id": person,
        "activity": activity,
        "hours": hours,
        "project_id": project,
    }


ENTRIES = [
    # A: Mon–Sat 2–7 March on G1: 25 h, Monday over 5 h, a 6-day streak.
    *(ts(f"2026-03-0{d}", "A", h) for d, h in zip(range(2, 8), [6, 4, 4, 4, 4, 3], strict=True)),
    ts("2026-03-03", "A", 2, "N1"),  # non-graphic work does not count
    ts("2026-03-03", "A", 0.5, None, "Wellness"),
    # B: light exposure, Wellness as policy asks.
    ts("2026-03-02", "B", 3, "G2"),
    ts("2026-03-03", "B", 3, "G2"),
    ts("2026-03-04", "B", 1, None, "Wellness"),
    # C: Sunday 8 → Friday 13 March, 4 h a day: a run across the ISO-week boundary.
    *(ts(f"2026-03-{d:02d}", "C", 4, "G1", "QA") for d in range(8, 14)),
    # D: one long day.
    ts("2026-03-02", "D", 8),
]
PRODUCTION = pd.DataFrame(
    [
        ("2026-03-02", "A", "G1", 500),
        ("2026-03-09", "C", "G1", 300),
        ("2026-03-02", "B", "G2", 100),
        ("2026-03-10", "X", "N1", 1500),
        ("2026-03-10", "X", "N2", 2000),
    ],
    columns=["date", "person_id", "project_id", "items"],
).assign(handle_minutes=60)


def workspace(
    entries: list[dict] = ENTRIES, projects: pd.DataFrame = PROJECTS, s: Settings | None = None
) -> Workspace:
    return Workspace.from_frames(
        {
            "Roster": ROSTER,
            "Projects": projects,
            "Timesheet": pd.DataFrame(entries),
            "Production": PRODUCTION,
        },
        settings=s or Settings(),
        today=TODAY,
    )


def test_weekly_exposure_hand_computed():
    out = exposure(workspace()).set_index(["person_id", "period"])
    a = out.loc[("A", "2026-W10")]
    assert (a["graphic_hours"], a["graphic_days"], a["max_daily_graphic_hours"]) == (25, 6, 6)
    assert (a["days_over_daily_cap"], a["max_weekly_graphic_hours"]) == (1, 25)
    assert (a["weeks_over_weekly_cap"], a["longest_streak"], a["longest_streak_full"]) == (1, 6, 6)
    assert (a["wellness_hours"], a["wellness_expected_hours"]) == (0.5, 1.0)
    assert a["wellness_below_policy"] and a["over_cap"]
    assert a["caps_exceeded"] == "daily, weekly, streak"
    b = out.loc[("B", "2026-W10")]
    assert (b["graphic_hours"], b["over_cap"], b["caps_exceeded"]) == (6, False, "")
    assert not b["wellness_below_policy"]
    # C's run is clipped to each week, but the whole run is held against the cap.
    assert out.loc[("C", "2026-W10"), "longest_streak"] == 1
    assert out.loc[("C", "2026-W11"), "longest_streak"] == 5
    assert out.loc[("C", "2026-W10"), "longest_streak_full"] == 6
    assert out.loc[("C", "2026-W11"), "caps_exceeded"] == "streak"


def test_monthly_exposure_hand_computed():
    out = exposure(workspace(), freq="month").set_index("person_id")
    assert set(out["period"]) == {"2026-03"}
    assert out.loc["A", "wellness_expected_hours"] == pytest.approx(22 / 5)  # 22 weekdays
    assert out.loc["C", "graphic_hours"] == 24
    assert out.loc["C", "max_weekly_graphic_hours"] == 20  # not over the 20 h cap
    assert out.loc["C", "longest_streak"] == 6
    caps = Settings(graphic_max_consecutive_days=6, graphic_hours_per_day=8)
    relaxed = exposure(workspace(s=caps), freq="month").set_index("person_id")
    assert relaxed.loc["C", "caps_exceeded"] == "" and relaxed.loc["D", "caps_exceeded"] == ""


def test_people_over_caps_lists_names_most_exposed_first():
    out = people_over_caps(workspace())
    assert [(r.person_id, r.name, r.caps_exceeded) for r in out.itertuples()] == [
        ("A", "Ann", "daily, weekly, streak"),
        ("C", "Cy", "streak"),
        ("D", "Dee", "daily"),
    ]
    assert people_over_caps(workspace(), month="2026-02").empty


def test_rotation_greedy_hand_computed():
    out = rotation_suggestion(workspace())
    got = [(r.person_id, r.to_project_id, r.spare_capacity) for r in out.itertuples()]
    # N1: plan 2200 − 1500 made = 700 spare; A takes it and uses 500 (A's G1 items),
    # leaving 200 for C. D (fr / FR) matches nothing. B is neither over a cap nor top 10%.
    assert got[:2] == [("A", "N1", 700), ("C", "N1", 200)]
    assert got[2][:2] == ("D", None) and np.isnan(got[2][2])
    assert "no non-graphic project" in out.loc[2, "reason"]
    assert out.loc[0, "from_projects"] == "G1"
    assert out.loc[0, "reason"].startswith("over cap (daily, weekly, streak), 25 graphic hours")
    everyone = rotation_suggestion(workspace(), top_share=1.0).set_index("person_id")
    assert everyone.loc["B", "to_project_id"] == "N2"  # pt speaker → the pt project
    assert everyone.loc["B", "reason"].startswith("top graphic exposure")
    assert list(everyone.reset_index().columns) == list(ROTATION_COLUMNS)
    with pytest.raises(MetricInputError, match="top_share"):
        rotation_suggestion(workspace(), top_share=2)


def test_degenerate_inputs():
    none_graphic = PROJECTS.assign(graphic="no")
    ws = workspace(projects=none_graphic)
    out = exposure(ws)
    assert out.empty and list(out.columns) == list(EXPOSURE_COLUMNS)
    assert people_over_caps(ws).empty and rotation_suggestion(ws).empty
    empty_ws = Workspace.from_frames({"Projects": PROJECTS}, today=TODAY)
    assert exposure(empty_ws, freq="month").empty
    with pytest.raises(MetricInputError, match="month must look like"):
        people_over_caps(workspace(), month="2026-3")


def naive(entries: list[dict]) -> dict:
    """Independent loops: per person and ISO week, hours, clipped and full longest streaks."""
    daily: dict = defaultdict(float)
    for e in entries:
        daily[(e["person_id"], dt.date.fromisoformat(e["date"]))] += e["hours"]
    out: dict = defaultdict(lambda: {"hours": 0.0, "clipped": 0, "full": 0})
    for (p, d), h in daily.items():
        week = f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"
        out[(p, week)]["hours"] += h
        # Walk back and forward from this day.
        back = 0
        while (p, d - dt.timedelta(days=back + 1)) in daily:
            back += 1
        fwd = 0
        while (p, d + dt.timedelta(days=fwd + 1)) in daily:
            fwd += 1
        out[(p, week)]["full"] = max(out[(p, week)]["full"], back + fwd + 1)
        clipped_back = 0
        while (
            clipped_back < d.isoweekday() - 1
            and (p, d - dt.timedelta(days=clipped_back + 1)) in daily
        ):
            clipped_back += 1
        out[(p, week)]["clipped"] = max(out[(p, week)]["clipped"], clipped_back + 1)
    return out


def random_entries(rng: np.random.Generator, n: int) -> list[dict]:
    days = pd.date_range("2026-02-01", "2026-04-30").strftime("%Y-%m-%d")
    return [
        ts(
            str(rng.choice(days)),
            str(rng.choice(["A", "B", "C"])),
            float(rng.choice([1, 2, 3, 6])),
            "G1",
        )
        for _ in range(n)
    ]


def test_agrees_with_independent_loops_on_random_timesheets():
    rng = np.random.default_rng(9)
    for _ in range(4):
        entries = random_entries(rng, 150)
        out = exposure(workspace(entries)).set_index(["person_id", "period"])
        expected = naive(entries)
        assert len(out) == len(expected)
        for key, e in expected.items():
            assert out.loc[key, "graphic_hours"] == pytest.approx(e["hours"])
            assert out.loc[key, "longest_streak"] == e["clipped"]
            assert out.loc[key, "longest_streak_full"] == e["full"]


GRAPHIC = st.builds(
    lambda d, p, h, proj: ts((dt.date(2026, 3, 1) + dt.timedelta(days=d)).isoformat(), p, h, proj),
    st.integers(0, 60),
    st.sampled_from(["A", "B", "Z"]),
    st.floats(0.5, 9),
    st.sampled_from(["G1", "G2", "N1"]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(GRAPHIC, max_size=30), st.sampled_from(["week", "month"]))
def test_properties(entries, freq):
    out = exposure(workspace(entries), freq=freq)
    if out.empty:
        assert all(e["project_id"] == "N1" for e in entries)
        return
    days_in_period = 7 if freq == "week" else 31
    assert (out["longest_streak"] <= days_in_period).all()
    assert (out["longest_streak"] <= out["graphic_days"]).all()
    assert (out["longest_streak"] <= out["longest_streak_full"]).all()
    assert (out["max_daily_graphic_hours"] <= out["graphic_hours"] + 1e-9).all()
    s = Settings()
    expected_over = (
        (out["max_daily_graphic_hours"] > s.graphic_hours_per_day)
        | (out["weeks_over_weekly_cap"] > 0)
        | (out["longest_streak_full"] > s.graphic_max_consecutive_days)
    )
    assert (out["over_cap"] == expected_over).all()
    assert out["graphic_hours"].sum() == pytest.approx(
        sum(e["hours"] for e in entries if e["project_id"] != "N1")
    )
