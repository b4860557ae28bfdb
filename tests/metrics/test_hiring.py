"""Hiring metrics on a hand-computed pipeline, empty input, and funnel properties."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.capacity import CapacityPlan
from labelxl.metrics.hiring import (
    STAGES,
    hiring_funnel,
    interviewer_load,
    offer_acceptance,
    open_roles_vs_gap,
    reached_stage,
    time_to_hire,
)
from labelxl.model.workspace import Workspace

COLUMNS = [
    "candidate_id",
    "stage",
    "applied_date",
    "interview_date",
    "interviewer",
    "decision_date",
    "start_date",
]
PIPELINE = [
    ("C1", "Hired", "2026-01-05", "2026-01-12", "Ann", "2026-01-20", "2026-02-02"),
    ("C2", "Hired", "2026-01-10", "2026-01-14", "Bob", "2026-01-25", None),
    ("C3", "Offer", "2026-01-15", "2026-01-20", "Ann", "2026-01-28", None),
    ("C4", "Withdrawn", "2026-01-08", "2026-01-13", "Ann", "2026-01-22", None),  # declined
    ("C5", "Rejected", "2026-01-09", "2026-01-21", "Bob", "2026-01-23", None),
    ("C6", "Rejected", "2026-02-01", None, None, "2026-02-02", None),
    ("C7", "Interview", "2026-02-03", "2026-02-10", "Ann", None, None),
    ("C8", "Screen", "2026-02-04", None, None, None, None),
    ("C9", "Applied", "2026-02-05", None, None, None, None),
    ("C10", "Withdrawn", "2026-02-06", None, None, None, None),
]


def _hiring(rows: list[tuple] = PIPELINE) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["role"] = "Labeler"
    out["market"] = "US"
    out["language"] = "en"
    return out


def workspace(hiring: pd.DataFrame | None = None) -> Workspace:
    return Workspace.from_frames(
        {"Hiring": _hiring() if hiring is None else hiring}, today=dt.date(2026, 3, 1)
    )


def test_funnel_hand_computed() -> None:
    out = hiring_funnel(workspace())
    assert out["stage"].tolist() == list(STAGES)
    assert out["reached"].tolist() == [10, 7, 6, 4, 2]
    assert out["conversion_from_previous"].tolist() == pytest.approx([1.0, 0.7, 6 / 7, 4 / 6, 0.5])
    assert out["conversion_from_applied"].tolist() == pytest.approx([1, 0.7, 0.6, 0.4, 0.2])
    assert out["rejected"].tolist() == [1, 0, 1, 0, 0]  # C6 at Applied, C5 at Interview
    assert out["withdrawn"].tolist() == [1, 0, 0, 1, 0]  # C10 at Applied, C4 at Offer
    assert out["open"].tolist() == [1, 1, 1, 1, 0]


def test_funnel_cohort_month() -> None:
    out = hiring_funnel(workspace(), month="2026-02")
    assert out["reached"].tolist() == [5, 2, 1, 0, 0]
    assert math.isnan(out["conversion_from_previous"].iloc[-1])  # 0 offers: blank, not 0/0
    with pytest.raises(MetricInputError):
        hiring_funnel(workspace(), month="Feb")


def test_time_to_hire() -> None:
    out = time_to_hire(workspace())
    # C1: 5 Jan → start 2 Feb = 28 days; C2: 10 Jan → decision 25 Jan = 15 days.
    assert _one(out) == {"hires": 2, "median_days": 21.5, "mean_days": 21.5, "max_days": 28}
    assert _one(time_to_hire(workspace(), month="2026-02"))["hires"] == 1
    by_role = time_to_hire(workspace(), by=("role",))
    assert by_role[["role", "hires"]].values.tolist() == [["Labeler", 2]]
    with pytest.raises(MetricInputError):
        time_to_hire(workspace(), by=("interviewer",))


def test_offer_acceptance() -> None:
    assert _one(offer_acceptance(workspace())) == pytest.approx(
        {
            "offers": 4,
            "accepted": 2,
            "declined": 1,
            "pending": 1,
            "acceptance_rate": 0.5,
            "decided_acceptance_rate": 2 / 3,
        }
    )


def test_interviewer_load() -> None:
    out = interviewer_load(workspace())
    # Interviews run from ISO week 2026-W03 to 2026-W07: 5 weeks.
    assert out.values.tolist() == [["Ann", 4, 0.8, "2026-W03", 2], ["Bob", 2, 0.4, "2026-W03", 1]]


def test_open_roles_vs_gap() -> None:
    need = pd.DataFrame(
        {"market": ["BR", "US"], "language": ["pt", "en"], "hires_needed": [0.0, 3.0]}
    )
    plan = CapacityPlan("2026-03", "2026-02", 22, 176.0, 5.0, pd.DataFrame(), need)
    out = open_roles_vs_gap(workspace(), plan).set_index(["market", "language"])
    us = out.loc[("US", "en")]
    # P(hired | stage) from closed candidates: Applied 2/6, Screen 2/4, Interview 2/4,
    # Offer 2/3; open: C9 Applied, C8 Screen, C7 Interview, C3 Offer.
    assert (us["in_pipeline"], us["offers_out"]) == (4, 1)
    assert us["expected_hires"] == pytest.approx(1 / 3 + 0.5 + 0.5 + 2 / 3)
    assert us["shortfall"] == pytest.approx(1.0)
    assert us["applicants_to_source"] == 5
    assert out.loc[("BR", "pt"), "in_pipeline"] == 0
    assert out.loc[("BR", "pt"), "shortfall"] == 0


def test_empty_hiring() -> None:
    ws = workspace(_hiring([]))
    funnel = hiring_funnel(ws)
    assert funnel["reached"].tolist() == [0] * 5
    assert funnel["conversion_from_applied"].isna().all()
    tth = _one(time_to_hire(ws))
    assert tth["hires"] == 0 and math.isnan(tth["median_days"])
    assert _one(offer_acceptance(ws))["offers"] == 0
    assert interviewer_load(ws).empty


def _one(frame: pd.DataFrame) -> dict:
    assert len(frame) == 1
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in frame.iloc[0].items()}


stages = st.sampled_from(
    ["Applied", "Screen", "Interview", "Offer", "Hired", "Rejected", "Withdrawn"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(stages, st.booleans(), st.booleans()), max_size=40))
def test_funnel_properties(rows: list[tuple[str, bool, bool]]) -> None:
    data = [
        (
            f"C{i}",
            stage,
            "2026-01-05",
            "2026-01-12" if interviewed else None,
            "Ann" if interviewed else None,
            "2026-01-20" if decided else None,
            None,
        )
        for i, (stage, interviewed, decided) in enumerate(rows)
    ]
    ws = workspace(_hiring(data))
    out = hiring_funnel(ws)
    reached = out["reached"].tolist()
    assert reached[0] == len(rows)
    assert all(b <= a for a, b in itertools.pairwise(reached))  # a funnel narrows
    rates = out["conversion_from_previous"].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()
    # Everyone is counted once: open + ended + hired at their furthest stage.
    assert out["open"].sum() + out["rejected"].sum() + out["withdrawn"].sum() + reached[-1] == len(
        rows
    )
    r = reached_stage(ws.frame("Hiring"))
    assert ((r >= 0) & (r <= 4)).all()
