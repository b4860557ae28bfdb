"""Tests for labelxl.metrics.queues: SLA, weighted median turnaround, backlog and its trend."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from labelxl.errors import MetricInputError
from labelxl.metrics.queues import SLA_COLUMNS, sla
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

PROJECTS = pd.DataFrame(
    {
        "project_id": ["P1", "P2", "P3"],
        "project_name": ["One", "Two", "Three"],
        "market": ["US", "US", None],
        "language": ["en"] * 3,
        "policy_area": ["Hate"] * 3,
        "status": ["Active"] * 3,
        "start_date": ["2025-01-01"] * 3,
    }
)
COLS = [
    "date",
    "project_id",
    "items_in",
    "items_done",
    "backlog_end",
    "done_within_sla",
    "median_tat_hours",
]


def workspace(rows: list[tuple], s: Settings | None = None) -> Workspace:
    return Workspace.from_frames(
        {"Projects": PROJECTS, "Queue": pd.DataFrame(rows, columns=COLS)},
        settings=s or Settings(),
        today=dt.date(2026, 5, 1),
    )


HAND = [
    ("2026-03-02", "P1", 10, 5, 5, 5, 1.0),
    ("2026-03-03", "P1", 10, 10, 5, 9, 3.0),
    ("2026-03-04", "P1", 10, 20, 0, 19, 2.0),
    ("2026-03-02", "P2", 4, 4, 7, 4, 9.0),
    ("2026-03-05", "P2", 0, 0, 3, 0, None),
]


def test_sla_hand_computed():
    out = sla(workspace(HAND)).set_index("project_id")
    p1 = out.loc["P1"]
    assert (p1["items_in"], p1["items_done"], p1["done_within_sla"]) == (30, 35, 33)
    assert p1["sla"] == pytest.approx(33 / 35)
    assert p1["sla_target"] == 0.95
    # Daily medians 1 (5 items), 2 (20), 3 (10): cumulative 5, 25 ≥ 35 / 2 → 2.
    assert p1["median_tat_hours"] == 2.0
    assert p1["backlog_end"] == 0
    # Backlog 5, 5, 0 on days 1, 2, 3 → least-squares slope −2.5 items per day.
    assert p1["backlog_trend"] == pytest.approx(-2.5)
    assert out.loc["P2", "backlog_end"] == 3  # its last day in the period
    assert out.loc["P2", "backlog_trend"] == pytest.approx((3 - 7) / 3)


def test_grouped_by_market_sums_each_projects_last_backlog():
    out = sla(workspace(HAND), by="market").set_index("market")
    assert out.loc["US", "backlog_end"] == 0 + 3
    assert out.loc["US", "sla"] == pytest.approx(37 / 39)
    blank = sla(workspace([("2026-03-02", "P3", 1, 1, 1, 1, 1.0)]), by="market")
    assert list(blank["market"]) == ["Unassigned"]


def test_weeks_and_settings_target():
    out = sla(workspace(HAND, Settings(sla_target=0.9)), freq="week")
    assert set(out["period"]) == {"2026-W10"}
    assert (out["sla_target"] == 0.9).all()


def test_degenerate_inputs():
    out = sla(Workspace.from_frames({"Projects": PROJECTS}))
    assert out.empty and list(out.columns) == ["project_id", *SLA_COLUMNS]
    one = sla(workspace([("2026-03-02", "P1", 5, 0, 5, 0, None)])).iloc[0]
    assert np.isnan(one["sla"])  # nothing done: undefined, not 0 or 1
    assert np.isnan(one["median_tat_hours"])
    assert np.isnan(one["backlog_trend"])  # one day has no slope
    with pytest.raises(MetricInputError, match="by must be one of"):
        sla(workspace(HAND), by="person_id")


def lower_weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Independent: expand each daily median by its item count and take the lower median."""
    expanded = np.sort(np.repeat(values, weights))
    return float(expanded[(len(expanded) - 1) // 2])


def random_queue(rng: np.random.Generator, days: int) -> list[tuple]:
    dates = pd.date_range("2026-01-01", periods=days)
    rows = []
    for d in dates:
        for p in ("P1", "P2"):
            if rng.random() < 0.8:
                done = int(rng.integers(0, 50))
                rows.append(
                    (
                        d.strftime("%Y-%m-%d"),
                        p,
                        int(rng.integers(0, 50)),
                        done,
                        int(rng.integers(0, 500)),
                        int(rng.integers(0, done + 1)),
                        float(rng.choice([0.5, 1, 2, 4, 8, 24])),
                    )
                )
    return rows


def test_agrees_with_independent_median_and_linregress():
    rng = np.random.default_rng(3)
    rows = random_queue(rng, 90)
    frame = pd.DataFrame(rows, columns=COLS)
    frame["period"] = frame["date"].str[:7]
    out = sla(workspace(rows)).set_index(["project_id", "period"])
    for (p, period), g in frame.groupby(["project_id", "period"]):
        r = out.loc[(p, period)]
        w = g["items_done"] > 0
        assert r["median_tat_hours"] == lower_weighted_median(
            g.loc[w, "median_tat_hours"].to_numpy(), g.loc[w, "items_done"].to_numpy()
        )
        x = (pd.to_datetime(g["date"]) - pd.Timestamp(f"{period}-01")).dt.days
        assert r["backlog_trend"] == pytest.approx(stats.linregress(x, g["backlog_end"]).slope)
        assert r["sla"] == pytest.approx(g["done_within_sla"].sum() / g["items_done"].sum())
        assert r["backlog_end"] == g.sort_values("date")["backlog_end"].iloc[-1]


DAY = st.tuples(
    st.integers(1, 31).map(lambda d: f"2026-03-{d:02d}"),
    st.sampled_from(["P1", "P2", "P3"]),
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 1000),
    st.floats(0, 1),
    st.floats(0.1, 72, allow_nan=False),
).map(lambda t: (t[0], t[1], t[2], t[3], t[4], int(t[3] * t[5]), t[6]))


@settings(max_examples=40, deadline=None)
@given(st.lists(DAY, min_size=1, max_size=30, unique_by=lambda r: r[:2]))
def test_properties(rows):
    for by in ("project_id", "market"):
        out = sla(workspace(rows), by=by, freq="week")
        s = out["sla"].dropna()
        assert ((s >= 0) & (s <= 1)).all()
        assert out["items_done"].sum() == sum(r[3] for r in rows)
        tat = out["median_tat_hours"].dropna()
        assert ((tat >= min(r[6] for r in rows)) & (tat <= max(r[6] for r in rows))).all()
        assert (out["backlog_end"] >= 0).all()
