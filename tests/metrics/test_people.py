"""People metrics on a hand-computed roster, a naive re-implementation and properties."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.people import headcount, joiners_leavers, new_hire_ramp, tenure_bands
from labelxl.model.workspace import Workspace

TODAY = dt.date(2026, 3, 15)


def _roster() -> pd.DataFrame:
    rows = [
        ("A", "Labeler", "US", "en, es", None, 1.0, "2025-01-10", None, "Active"),
        ("B", "Labeler", "US", "en", "Acme", 0.5, "2026-01-20", None, "Active"),
        ("C", "QA", "BR", "pt", None, 1.0, "2025-10-01", None, "Leave"),
        ("D", "Labeler", "BR", "pt", None, 1.0, "2023-01-01", "2026-02-10", "Left"),
        ("E", "Labeler", "US", "en", None, 1.0, "2025-09-15", None, "Active"),
        ("F", "Labeler", "US", "en", None, 1.0, "2024-01-01", None, "Left"),  # undated leaver
        ("G", "Labeler", "BR", "pt", None, 1.0, "2026-04-01", None, "Active"),  # future start
    ]
    cols = [
        "person_id",
        "role",
        "market",
        "languages",
        "vendor",
        "fte",
        "start_date",
        "end_date",
        "status",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["name"] = out["person_id"]
    return out


def _production() -> pd.DataFrame:
    rows = [
        ("A", "2026-01-05", 100, 60),
        ("A", "2026-03-10", 100, 60),
        ("B", "2026-01-20", 50, 60),
        ("B", "2026-01-26", 30, 30),
        ("B", "2026-01-27", 80, 60),
    ]
    out = pd.DataFrame(rows, columns=["person_id", "date", "items", "handle_minutes"])
    out["project_id"] = "P1"
    return out


def _audits() -> pd.DataFrame:
    rows = [
        ("B", "2026-01-21", "Allow", "Allow", None),
        ("B", "2026-01-22", "Allow", "Remove", "Upheld"),
        ("B", "2026-01-28", "Allow", "Remove", "Overturned"),
        ("A", "2026-01-21", "Allow", "Remove", None),
    ]
    out = pd.DataFrame(
        rows,
        columns=[
            "person_id",
            "audit_date",
            "labeler_decision",
            "auditor_decision",
            "dispute_outcome",
        ],
    )
    out["audit_id"] = [f"X{i}" for i in range(len(out))]
    out["item_id"] = out["audit_id"]
    out["project_id"] = "P1"
    out["auditor_id"] = "C"
    return out


def workspace(roster: pd.DataFrame | None = None) -> Workspace:
    return Workspace.from_frames(
        {
            "Roster": _roster() if roster is None else roster,
            "Production": _production(),
            "Audits": _audits(),
        },
        today=TODAY,
    )


def _rows(frame: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return [tuple(r) for r in frame[cols].itertuples(index=False)]


def test_headcount_by_market() -> None:
    out = headcount(workspace(), month="2026-03")
    assert _rows(out, ["market", "headcount", "fte", "on_leave"]) == [
        ("BR", 1, 1.0, 1),
        ("US", 3, 2.5, 0),
    ]
    # End of January: D has not left yet, B has joined.
    jan = headcount(workspace(), month="2026-01")
    assert _rows(jan, ["market", "headcount"]) == [("BR", 2), ("US", 3)]
    assert headcount(workspace()).equals(out)  # default month is the month of today


def test_headcount_other_dimensions() -> None:
    ws = workspace()
    by_vendor = headcount(ws, "2026-03", by=("vendor",))
    assert _rows(by_vendor, ["vendor", "headcount"]) == [("Acme", 1), ("In-house", 3)]
    by_ml = headcount(ws, "2026-03", by=("market", "language"))
    assert _rows(by_ml, ["market", "language", "headcount"]) == [("BR", "pt", 1), ("US", "en", 3)]
    total = headcount(ws, "2026-03", by=())
    assert _rows(total, ["headcount", "fte", "on_leave"]) == [(4, 3.5, 1)]
    with pytest.raises(MetricInputError, match="choose from"):
        headcount(ws, by=("shoe_size",))
    with pytest.raises(MetricInputError):
        headcount(ws, month="2026-13")


def test_joiners_leavers_monthly_hand_computed() -> None:
    out = joiners_leavers(workspace())
    assert _rows(out, ["period", "headcount_start", "joiners", "leavers", "headcount_end"]) == [
        ("2026-01", 4, 1, 0, 5),
        ("2026-02", 5, 0, 1, 4),
        ("2026-03", 4, 0, 0, 4),
    ]
    feb = out.set_index("period").loc["2026-02"]
    assert feb["average_headcount"] == 4.5
    assert feb["attrition_rate"] == pytest.approx(1 / 4.5)
    assert feb["annualised_attrition"] == pytest.approx(12 / 4.5)


def test_joiners_leavers_weekly() -> None:
    out = joiners_leavers(workspace(), freq="week").set_index("period")
    assert out.loc["2026-W07", "leavers"] == 1  # D's last day, Tuesday 10 Feb 2026
    assert out["leavers"].sum() == 1 and out["joiners"].sum() == 1
    row = out.loc["2026-W07"]
    assert row["annualised_attrition"] == pytest.approx(52 / row["average_headcount"])
    with pytest.raises(MetricInputError):
        joiners_leavers(workspace(), freq="year")  # type: ignore[arg-type]


def test_empty_roster() -> None:
    empty = _roster().iloc[0:0]
    assert headcount(workspace(empty), "2026-03").empty
    out = joiners_leavers(workspace(empty))
    assert (out["headcount_end"] == 0).all()
    assert out["annualised_attrition"].isna().all()  # documented blank, not 0/0
    assert tenure_bands(workspace(empty))["headcount"].sum() == 0


def test_tenure_bands_hand_computed() -> None:
    out = tenure_bands(workspace(), as_of="2026-03-15")
    # B 1 full month, C 5, E 6 (15 Sep → 15 Mar), A 14; D has left, F undated Left, G later.
    assert _rows(out, ["band", "headcount", "fte", "share"]) == [
        ("0–3 m", 1, 0.5, 0.25),
        ("3–6 m", 1, 1.0, 0.25),
        ("6–12 m", 1, 1.0, 0.25),
        ("1–2 y", 1, 1.0, 0.25),
        ("2 y+", 0, 0.0, 0.0),
    ]
    by_market = tenure_bands(workspace(), as_of="2026-03-15", by=("market",))
    br = by_market.loc[by_market["market"] == "BR"]
    assert br["headcount"].tolist() == [0, 1, 0, 0, 0]
    assert br["share"].sum() == pytest.approx(1.0)


def test_new_hire_ramp_hand_computed() -> None:
    out = new_hire_ramp(workspace()).set_index("tenure_week")
    assert list(out.index) == list(range(1, 13))
    # Week 1: 20 Jan (50 items, 60 min) and 26 Jan (30 items, 30 min); week 2: 27 Jan.
    assert (out.loc[1, "items"], out.loc[1, "handle_hours"]) == (80.0, 1.5)
    assert out.loc[1, "throughput"] == pytest.approx(80 / 1.5)
    assert out.loc[2, "throughput"] == 80.0
    assert (out.loc[1, "audited"], out.loc[1, "correct"], out.loc[1, "accuracy"]) == (2, 1, 0.5)
    assert out.loc[2, "accuracy"] == 1.0  # the error was Overturned on dispute
    assert out.loc[1, "people"] == 1  # A started before the data and is not a new hire
    assert math.isnan(out.loc[5, "throughput"]) and math.isnan(out.loc[5, "accuracy"])


# --- a naive re-implementation on random rosters ------------------------------------------

dates = st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2026, 6, 30))


@st.composite
def rosters(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        start = draw(dates)
        end = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=dt.date(2026, 6, 30))))
        status = "Left" if end is not None and draw(st.booleans()) else "Active"
        rows.append(
            (
                f"P{i}",
                "Labeler",
                draw(st.sampled_from(["US", "BR"])),
                "en",
                None,
                1.0,
                start,
                end,
                status,
            )
        )
    cols = [
        "person_id",
        "role",
        "market",
        "languages",
        "vendor",
        "fte",
        "start_date",
        "end_date",
        "status",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["name"] = out["person_id"]
    return out


@settings(max_examples=40, deadline=None)
@given(roster=rosters(), freq=st.sampled_from(["month", "week"]))
def test_joiners_leavers_matches_naive_loop(roster: pd.DataFrame, freq: str) -> None:
    out = joiners_leavers(workspace(roster), freq=freq)  # type: ignore[arg-type]
    assert (out["headcount_end"] == out["headcount_start"] + out["joiners"] - out["leavers"]).all()
    people: list[dict[Any, Any]] = roster.to_dict("records")
    for row in out.to_dict("records"):
        ps, pe = row["start"].date(), row["end"].date()
        joiners = sum(ps <= p["start_date"] <= pe for p in people)
        leavers = sum(p["end_date"] is not None and ps <= p["end_date"] <= pe for p in people)
        at_end = sum(
            p["start_date"] <= pe and (p["end_date"] is None or p["end_date"] > pe) for p in people
        )
        assert (row["joiners"], row["leavers"], row["headcount_end"]) == (joiners, leavers, at_end)
        rate = row["annualised_attrition"]
        assert math.isnan(rate) if row["average_headcount"] == 0 else rate >= 0
