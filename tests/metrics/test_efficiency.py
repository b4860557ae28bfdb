"""Tests for labelxl.metrics.efficiency: items, throughput and AHT per person, project and group."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.efficiency import (
    EFFICIENCY_COLUMNS,
    LABELER_COLUMNS,
    efficiency,
    labeler_table,
)
from labelxl.model.workspace import Workspace

TODAY = dt.date(2026, 4, 15)
ROSTER = pd.DataFrame(
    {
        "person_id": ["A", "B", "C"],
        "name": ["Ann", "Bob", "Cy"],
        "role": ["Labeler"] * 3,
        "team": ["T1", "T1", None],
        "market": ["US", "BR", "US"],
        "vendor": [None, "V1", None],
        "start_date": ["2025-01-01"] * 3,
    }
)
PROJECTS = pd.DataFrame(
    {
        "project_id": ["P1", "P2", "P3"],
        "project_name": ["One", "Two", "Three"],
        "market": ["US"] * 3,
        "language": ["en"] * 3,
        "policy_area": ["Hate"] * 3,
        "status": ["Active"] * 3,
        "start_date": ["2025-01-01"] * 3,
        "target_aht_sec": [30.0, 40.0, None],
    }
)


def workspace(production: list[tuple], timesheet: list[tuple]) -> Workspace:
    prod = pd.DataFrame(
        production, columns=["date", "person_id", "project_id", "items", "handle_minutes"]
    )
    ts = pd.DataFrame(timesheet, columns=["date", "person_id", "activity", "hours", "project_id"])
    return Workspace.from_frames(
        {"Roster": ROSTER, "Projects": PROJECTS, "Production": prod, "Timesheet": ts},
        today=TODAY,
    )


# Hand-computed example; definitions from DESIGN.md §5 (throughput = items per productive
# hour, AHT = handle seconds per item, as in COPC CX Standard glossary "AHT").
HAND = workspace(
    [
        ("2026-03-02", "A", "P1", 600, 300),
        ("2026-03-03", "A", "P2", 100, 60),
        ("2026-03-03", "B", "P3", 50, 100),
    ],
    [
        ("2026-03-02", "A", "Labeling", 6, "P1"),
        ("2026-03-03", "A", "QA", 2, "P2"),
        ("2026-03-03", "A", "Meeting", 1, None),
        ("2026-03-03", "C", "Labeling", 4, "P1"),
    ],
)


def test_person_month_hand_computed():
    out = efficiency(HAND).set_index("person_id")
    a = out.loc["A"]
    assert (a["items"], a["handle_hours"], a["productive_hours"]) == (700, 6, 8)
    assert a["throughput"] == pytest.approx(700 / 8)
    assert a["aht_sec"] == pytest.approx(360 * 60 / 700)
    # Volume-weighted target over P1 (600 × 30 s) and P2 (100 × 40 s).
    assert a["target_aht_sec"] == pytest.approx((600 * 30 + 100 * 40) / 700)
    assert a["aht_vs_target"] == pytest.approx((360 * 60 / 700) / (22000 / 700))
    # B worked a project without a target and has no timesheet.
    assert np.isnan(out.loc["B", "throughput"])
    assert np.isnan(out.loc["B", "target_aht_sec"]) and np.isnan(out.loc["B", "aht_vs_target"])
    assert out.loc["B", "aht_sec"] == pytest.approx(100 * 60 / 50)
    # C booked hours but made nothing.
    assert (out.loc["C", "items"], out.loc["C", "throughput"]) == (0, 0)
    assert np.isnan(out.loc["C", "aht_sec"])


def test_project_uses_hours_booked_to_the_project():
    out = efficiency(HAND, by="project_id").set_index("project_id")
    assert out.loc["P1", "productive_hours"] == 10  # A's 6 h and C's 4 h
    assert out.loc["P1", "throughput"] == pytest.approx(60)
    assert out.loc["P1", "aht_vs_target"] == pytest.approx(1.0)
    assert out.loc["P2", "throughput"] == pytest.approx(50)
    assert np.isnan(out.loc["P3", "throughput"])


def test_groups_and_unassigned():
    team = efficiency(HAND, by="team").set_index("team")
    assert team.loc["T1", "items"] == 750
    assert team.loc["T1", "productive_hours"] == 8
    assert team.loc["Unassigned", "productive_hours"] == 4
    vendor = efficiency(HAND, by="vendor", freq="week").set_index("vendor")
    assert vendor.loc["In-house", "period"] == "2026-W10"
    assert vendor.loc["V1", "items"] == 50


def test_labeler_table_columns():
    t = labeler_table(HAND)
    assert list(t.columns) == list(LABELER_COLUMNS)
    assert list(t["person_id"]) == ["A", "B", "C"]


def test_degenerate_inputs():
    ws = workspace([], [])
    out = efficiency(ws)
    assert out.empty and list(out.columns) == ["person_id", *EFFICIENCY_COLUMNS]
    assert labeler_table(ws).empty
    with pytest.raises(MetricInputError, match="by must be one of"):
        efficiency(ws, by="language")
    zero = efficiency(workspace([("2026-03-02", "A", "P1", 0, 0)], []))
    assert np.isnan(zero.loc[0, "aht_sec"]) and np.isnan(zero.loc[0, "throughput"])


def naive(production: list[tuple], timesheet: list[tuple]) -> dict:
    """Independent loop implementation of the person × month figures."""
    acc: dict = defaultdict(lambda: defaultdict(float))
    for d, p, proj, items, minutes in production:
        k = (p, d[:7])
        acc[k]["items"] += items
        acc[k]["minutes"] += minutes
        target = {"P1": 30.0, "P2": 40.0}.get(proj)
        if target is not None:
            acc[k]["t_items"] += items
            acc[k]["t_weight"] += items * target
    for d, p, activity, hours, _ in timesheet:
        if activity in ("Labeling", "QA") and hours > 0:
            acc[(p, d[:7])]["hours"] += hours
    return acc


def random_data(rng: np.random.Generator, n: int) -> tuple[list[tuple], list[tuple]]:
    dates = pd.date_range("2026-01-01", "2026-03-31").strftime("%Y-%m-%d")
    people = ["A", "B", "C"]
    production = list(
        {
            (
                str(rng.choice(dates)),
                str(rng.choice(people)),
                str(rng.choice(["P1", "P2", "P3"])),
            ): None
            for _ in range(n)
        }
    )
    prod = [(*k, int(rng.integers(0, 300)), float(rng.uniform(0, 400))) for k in production]
    ts = [
        (
            str(rng.choice(dates)),
            str(rng.choice(people)),
            str(rng.choice(["Labeling", "QA", "Meeting"])),
            float(rng.uniform(0.5, 8)),
            "P1",
        )
        for _ in range(n)
    ]
    return prod, ts


def test_agrees_with_independent_loop_on_random_inputs():
    rng = np.random.default_rng(5)
    for _ in range(5):
        prod, ts = random_data(rng, 200)
        out = efficiency(workspace(prod, ts))
        expected = naive(prod, ts)
        assert len(out) == len(expected)
        for row in out.itertuples():
            e = expected[(row.person_id, row.period)]
            assert row.items == pytest.approx(e["items"])
            assert row.productive_hours == pytest.approx(e["hours"])
            if e["hours"] > 0:
                assert row.throughput == pytest.approx(e["items"] / e["hours"])
            if e["items"] > 0:
                assert row.aht_sec == pytest.approx(e["minutes"] * 60 / e["items"])
            if e["t_items"] > 0:
                assert row.target_aht_sec == pytest.approx(e["t_weight"] / e["t_items"])


ROW = st.tuples(
    st.integers(1, 28).map(lambda d: f"2026-02-{d:02d}"),
    st.sampled_from(["A", "B", "C", "Z"]),
    st.sampled_from(["P1", "P2", "P3"]),
    st.integers(0, 500),
    st.floats(0, 600, allow_nan=False),
)
TS = st.tuples(
    st.integers(1, 28).map(lambda d: f"2026-02-{d:02d}"),
    st.sampled_from(["A", "B", "C", "Z"]),
    st.sampled_from(["Labeling", "QA", "Admin"]),
    st.floats(0.25, 10, allow_nan=False),
    st.sampled_from(["P1", "P2", "P3"]),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(ROW, max_size=20, unique_by=lambda r: r[:3]), st.lists(TS, max_size=20))
def test_properties(prod, ts):
    ws = workspace(prod, ts)
    total = sum(r[3] for r in prod)
    frames = {by: efficiency(ws, by=by) for by in ("person_id", "project_id", "team", "market")}
    for out in frames.values():
        if out.empty:
            assert not prod and all(t[2] == "Admin" for t in ts)  # nothing productive
            continue
        # Items are conserved whatever the grouping.
        assert out["items"].sum() == pytest.approx(total)
        ok = out["productive_hours"] > 0
        np.testing.assert_allclose(
            out.loc[ok, "throughput"] * out.loc[ok, "productive_hours"], out.loc[ok, "items"]
        )
        assert out.loc[~ok, "throughput"].isna().all()
        made = out["items"] > 0
        np.testing.assert_allclose(  # atol: hypothesis tries denormal minutes (5e-324)
            out.loc[made, "aht_sec"] * out.loc[made, "items"],
            out.loc[made, "handle_hours"] * 3600,
            atol=1e-9,
        )
        t = out["target_aht_sec"].dropna()
        assert ((t >= 30) & (t <= 40)).all()  # a weighted mean of the project targets
