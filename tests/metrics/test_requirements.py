"""Tests for labelxl.metrics.requirements: open items by status and age, overdue, change history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.metrics.requirements import (
    AGE_BANDS,
    HISTORY_COLUMNS,
    ITEM_COLUMNS,
    change_history,
    requirements_status,
)
from labelxl.model.workspace import Workspace

AS_OF = dt.date(2026, 3, 31)
COLS = ["req_id", "project_id", "received_date", "summary", "status", "due_date", "version"]
HAND = [
    ("R1", "P1", "2026-01-01", "new rule", "In progress", "2026-02-01", 1),
    ("R1", "P1", "2026-01-10", "new rule v2", "In progress", "2026-03-01", 2),
    ("R2", None, "2026-03-20", "ask", "New", None, 1),
    ("R3", "P2", "2026-03-01", "done", "Done", "2026-03-02", 3),
    ("R4", "P2", "2025-12-01", "old", "New", "2026-04-30", 4),
]


def workspace(rows: list[tuple]) -> Workspace:
    return Workspace.from_frames({"Requirements": pd.DataFrame(rows, columns=COLS)}, today=AS_OF)


def test_status_hand_computed():
    r = requirements_status(workspace(HAND))
    items = r.items.set_index("req_id")
    assert list(items.index) == ["R1", "R2", "R3", "R4"]
    r1 = items.loc["R1"]
    # Current row is version 2; age from the first receipt (1 Jan → 31 Mar = 89 days).
    assert (r1["summary"], r1["versions"], r1["latest_version"]) == ("new rule v2", 2, 2)
    assert (r1["age_days"], r1["age_band"]) == (89, "31–90")
    assert r1["overdue"] and r1["days_overdue"] == 30
    assert r1["first_action_date"] == pd.Timestamp("2026-01-10")
    assert r1["time_to_first_action_days"] == 9
    assert items.loc["R2", "age_band"] == "8–30" and not items.loc["R2", "overdue"]
    assert np.isnan(items.loc["R2", "time_to_first_action_days"])  # single version: no proxy
    assert not items.loc["R3", "open"] and not items.loc["R3", "overdue"]  # Done is never late
    assert items.loc["R4", "age_band"] == "90+"
    counts = {(s, b): n for s, b, n in r.by_status_age.itertuples(index=False)}
    assert len(counts) == 2 * len(AGE_BANDS)
    assert counts[("In progress", "31–90")] == 1
    assert counts[("New", "8–30")] == 1 and counts[("New", "90+")] == 1
    assert sum(counts.values()) == 3
    assert list(r.overdue["req_id"]) == ["R1"]


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, "0–7"), (7, "0–7"), (8, "8–30"), (30, "8–30"), (31, "31–90"), (90, "31–90"), (91, "90+")],
)
def test_age_band_edges(days, band):
    received = (pd.Timestamp(AS_OF) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")
    r = requirements_status(workspace([("R", None, received, "s", "New", None, 1)]))
    assert r.items.loc[0, "age_band"] == band


def test_as_of_overrides_today():
    r = requirements_status(workspace(HAND), as_of=dt.date(2026, 2, 15))
    items = r.items.set_index("req_id")
    assert "R2" not in items.index  # received after as_of
    assert not items.loc["R1", "overdue"]  # current version is due 1 March
    assert items.loc["R1", "age_days"] == 45
    assert items.loc["R1", "days_overdue"] != items.loc["R1", "days_overdue"]  # NaN


def test_change_history():
    h = change_history(workspace(HAND)).set_index("project_id")
    assert list(h.columns) == list(HISTORY_COLUMNS[1:])
    assert h.loc["P1", "versions"] == 2 and h.loc["P1", "latest_version"] == 2
    assert h.loc["P1", "latest_version_received"] == pd.Timestamp("2026-01-10")
    assert h.loc["P2", "requirements"] == 2 and h.loc["P2", "latest_version"] == 4
    assert h.loc["P2", "first_received"] == pd.Timestamp("2025-12-01")
    assert h.loc["Unassigned", "requirements"] == 1


def test_degenerate_inputs():
    ws = Workspace.from_frames({}, today=AS_OF)
    r = requirements_status(ws)
    assert r.items.empty and list(r.items.columns) == list(ITEM_COLUMNS)
    assert r.overdue.empty and (r.by_status_age["count"] == 0).all()
    assert change_history(ws).empty and list(change_history(ws).columns) == list(HISTORY_COLUMNS)


def naive_band(days: int) -> str:
    return "0–7" if days <= 7 else "8–30" if days <= 30 else "31–90" if days <= 90 else "90+"


def test_agrees_with_independent_loop_on_random_requirements():
    rng = np.random.default_rng(2)
    rows = []
    for i in range(300):
        received = pd.Timestamp("2025-06-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
        due = received + pd.Timedelta(days=int(rng.integers(0, 120)))
        rows.append(
            (
                f"R{i}",
                "P1",
                received.strftime("%Y-%m-%d"),
                "s",
                str(rng.choice(["New", "In progress", "Done", "Rejected"])),
                due.strftime("%Y-%m-%d"),
                1,
            )
        )
    items = requirements_status(workspace(rows)).items.set_index("req_id")
    asof = pd.Timestamp(AS_OF)
    for req_id, _, received, _, status, due, _ in rows:
        age = (asof - pd.Timestamp(received)).days
        late = status in ("New", "In progress") and pd.Timestamp(due) < asof
        assert items.loc[req_id, "age_band"] == naive_band(age)
        assert items.loc[req_id, "overdue"] == late


ROW = st.tuples(
    st.sampled_from(["R1", "R2", "R3", "R4"]),
    st.sampled_from(["P1", "P2", None]),
    st.dates(dt.date(2025, 1, 1), dt.date(2026, 3, 31)).map(str),
    st.just("s"),
    st.sampled_from(["New", "In progress", "Done", "Rejected"]),
    st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2026, 6, 30)).map(str)),
    st.integers(1, 5),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(ROW, max_size=15, unique_by=lambda r: (r[0], r[6])))
def test_properties(rows):
    r = requirements_status(workspace(rows))
    assert r.by_status_age["count"].sum() == int(r.items["open"].sum())
    assert (r.items["age_days"] >= 0).all()
    assert set(r.overdue["req_id"]) <= set(r.items.loc[r.items["open"], "req_id"])
    ttfa = r.items["time_to_first_action_days"].dropna()
    assert (ttfa >= 0).all()  # measured from the earliest receipt
    assert (r.items["versions"] >= 1).all()
    h = change_history(workspace(rows))
    pairs = {(row[0], row[1] or "Unassigned") for row in rows}
    assert h["requirements"].sum() == len(pairs)
