"""Batch FTE and scheduled FTE: worked examples, a second formulation, properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.stats.staffing import batch_fte, scheduled_fte


def test_batch_fte_worked_example() -> None:
    # DESIGN.md §5 formula, by hand: 100,000 items × 60 s = 1,666.67 workload hours;
    # one FTE gives 160 paid h × (1 − 0.30) × 0.85 = 95.2 handling hours → 17.507 FTE.
    assert batch_fte(100_000, 60, 160, 0.30, 0.85) == pytest.approx(1666.6667 / 95.2, rel=1e-6)
    assert batch_fte(100_000, 60, 160, 0.30, 0.85) == pytest.approx(17.507, abs=1e-3)


def test_scheduled_fte_worked_example() -> None:
    # Call Centre Helper "Erlang C Formula – Made Simple": 14 agents with 30% shrinkage
    # need 14 / 0.7 = 20 scheduled.
    assert scheduled_fte(14, 0.30) == pytest.approx(20.0)
    assert scheduled_fte(0, 0.5) == 0.0


def test_zero_volume_and_zero_aht() -> None:
    assert batch_fte(0, 60, 160, 0.3, 0.85) == 0.0
    assert batch_fte(500, 0, 160, 0.3, 0.85) == 0.0


@pytest.mark.parametrize(
    "args",
    [
        (-1, 60, 160, 0.3, 0.85),
        (100, -5, 160, 0.3, 0.85),
        (100, 60, 0, 0.3, 0.85),
        (100, 60, 160, 1.0, 0.85),
        (100, 60, 160, -0.1, 0.85),
        (100, 60, 160, 0.3, 0.0),
        (100, 60, 160, 0.3, 1.2),
        (float("nan"), 60, 160, 0.3, 0.85),
        ("many", 60, 160, 0.3, 0.85),
    ],
)
def test_batch_fte_bad_inputs(args: tuple) -> None:
    with pytest.raises(MetricInputError):
        batch_fte(*args)


@pytest.mark.parametrize("args", [(-1, 0.3), (5, 1.0), (5, float("inf"))])
def test_scheduled_fte_bad_inputs(args: tuple) -> None:
    with pytest.raises(MetricInputError):
        scheduled_fte(*args)


volumes = st.integers(0, 10_000_000)
ahts = st.integers(0, 3600)
hours = st.integers(1, 300)
shrinks = st.fractions(0, Fraction(95, 100))
occs = st.fractions(Fraction(1, 10), 1)


@settings(max_examples=80, deadline=None)
@given(v=volumes, aht=ahts, h=hours, s=shrinks, o=occs)
def test_batch_fte_matches_exact_rational_arithmetic(
    v: int, aht: int, h: int, s: Fraction, o: Fraction
) -> None:
    # Independent formulation: productive handling hours per FTE first, exact fractions.
    handling_hours_per_fte = h * (1 - s) * o
    exact = Fraction(v * aht, 3600) / handling_hours_per_fte
    assert batch_fte(v, aht, h, float(s), float(o)) == pytest.approx(float(exact), rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(v=volumes, dv=volumes, aht=ahts, daht=ahts, h=hours, s=shrinks, o=occs)
def test_batch_fte_monotone_in_volume_and_aht(
    v: int, dv: int, aht: int, daht: int, h: int, s: Fraction, o: Fraction
) -> None:
    base = batch_fte(v, aht, h, float(s), float(o))
    assert base >= 0
    assert batch_fte(v + dv, aht, h, float(s), float(o)) >= base
    assert batch_fte(v, aht + daht, h, float(s), float(o)) >= base


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 5000), s1=shrinks, s2=shrinks)
def test_scheduled_fte_monotone_in_shrinkage(n: int, s1: Fraction, s2: Fraction) -> None:
    lo, hi = sorted((float(s1), float(s2)))
    assert scheduled_fte(n, hi) >= scheduled_fte(n, lo) >= n
