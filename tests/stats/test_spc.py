import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.stats.spc import p_chart, p_chart_limits

# Pyzdek & Keller, The Handbook for Quality Management, 2nd ed. (2013), Table 9.6: bruised
# peaches per shipment, one or two 250-peach crates sampled (varying sample size).
# Totals printed with the table: 8000 peaches, 1544 bruised, so p̄ = 0.193.
PEACH_SIZES = [250] * 10 + [500] * 3 + [250] * 8 + [500] * 4
PEACH_BRUISED = [
    47,
    42,
    55,
    51,
    46,
    61,
    39,
    44,
    41,
    51,
    88,
    101,
    101,
    40,
    48,
    47,
    50,
    48,
    57,
    45,
    43,
    105,
    98,
    100,
    96,
]

# Montgomery, Introduction to Statistical Quality Control, 6th ed. (2009), Example 7.4
# (purchase orders, 25 days, varying sample size): 234 nonconforming in 2450, p̄ = 0.096;
# the book's limits (from the rounded p̄) for n = 100 are 0.008 and 0.184.
MONTGOMERY_SIZES = [
    100,
    80,
    80,
    100,
    110,
    110,
    100,
    100,
    90,
    90,
    110,
    120,
    120,
    120,
    110,
    80,
    80,
    80,
    90,
    100,
    100,
    100,
    100,
    90,
    90,
]
MONTGOMERY_DEFECTS = [
    12,
    8,
    6,
    9,
    10,
    12,
    11,
    16,
    10,
    6,
    20,
    15,
    9,
    8,
    6,
    8,
    10,
    7,
    5,
    8,
    5,
    8,
    10,
    6,
    9,
]


def test_pyzdek_peaches():
    assert sum(PEACH_SIZES) == 8000 and sum(PEACH_BRUISED) == 1544
    chart = p_chart(PEACH_BRUISED, PEACH_SIZES)
    assert chart["center"].iloc[0] == pytest.approx(0.193)
    one_crate = chart.iloc[0]
    two_crates = chart.iloc[10]
    assert (one_crate["lcl"], one_crate["ucl"]) == pytest.approx((0.118, 0.268), abs=5e-4)
    assert (two_crates["lcl"], two_crates["ucl"]) == pytest.approx((0.140, 0.246), abs=5e-4)
    assert not chart["out_of_control"].any()  # the book's chart shows the process in control


def test_montgomery_varying_sample_sizes():
    chart = p_chart(MONTGOMERY_DEFECTS, MONTGOMERY_SIZES)
    assert chart["center"].iloc[0] == pytest.approx(0.096, abs=5e-4)
    n100 = chart.iloc[0]
    assert (n100["lcl"], n100["ucl"]) == pytest.approx((0.008, 0.184), abs=1e-3)
    n80 = chart.iloc[1]
    assert n80["lcl"] == 0.0  # negative limit clipped at 0
    assert list(chart.columns) == ["p", "center", "lcl", "ucl", "out_of_control"]


def test_flags_points_outside_limits():
    chart = p_chart([1, 2, 1, 30, 0], [100, 100, 100, 100, 100])
    assert chart["out_of_control"].tolist() == [False, False, False, True, False]


def test_keeps_series_index_and_empty_input():
    defects = pd.Series([1, 2], index=["2026-W01", "2026-W02"])
    assert p_chart(defects, [10, 10]).index.tolist() == ["2026-W01", "2026-W02"]
    empty = p_chart([], [])
    assert empty.empty and list(empty.columns) == ["p", "center", "lcl", "ucl", "out_of_control"]


def test_all_zero_or_all_defective_collapse_limits_without_flags():
    zero = p_chart([0, 0], [10, 20])
    assert (zero[["lcl", "ucl"]] == 0).all().all() and not zero["out_of_control"].any()
    full = p_chart([10, 20], [10, 20])
    assert (full[["lcl", "ucl"]] == 1).all().all() and not full["out_of_control"].any()


@pytest.mark.parametrize(
    ("defects", "sizes"),
    [([1, 2], [10]), ([1], [0]), ([-1], [10]), ([11], [10]), ([float("nan")], [10])],
)
def test_bad_input_raises(defects, sizes):
    with pytest.raises(MetricInputError):
        p_chart(defects, sizes)


def test_bad_sigma_raises():
    with pytest.raises(MetricInputError):
        p_chart([1], [10], sigma=0)


def test_agrees_with_a_plain_loop_on_random_data():
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 500, 200)
    defects = rng.binomial(sizes, 0.07)
    chart = p_chart(defects, sizes, sigma=2.5)
    pbar = defects.sum() / sizes.sum()
    for i, (d, n) in enumerate(zip(defects, sizes, strict=True)):
        half = 2.5 * math.sqrt(pbar * (1 - pbar) / n)
        lcl, ucl = max(0.0, pbar - half), min(1.0, pbar + half)
        row = chart.iloc[i]
        assert (row["lcl"], row["ucl"]) == pytest.approx((lcl, ucl), abs=1e-12)
        assert row["out_of_control"] == (d / n > ucl or d / n < lcl)


samples = st.lists(
    st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(samples, st.floats(0.5, 4))
def test_limits_ordered_inside_unit_and_narrow_with_size(points, sigma):
    defects, sizes = zip(*points, strict=True)
    chart = p_chart(list(defects), list(sizes), sigma)
    assert ((chart["lcl"] <= chart["center"]) & (chart["center"] <= chart["ucl"])).all()
    assert ((chart["lcl"] >= 0) & (chart["ucl"] <= 1)).all()
    outside = (chart["p"] > chart["ucl"]) | (chart["p"] < chart["lcl"])
    assert (chart["out_of_control"] == outside).all()
    center = chart["center"].iloc[0]
    small, big = p_chart_limits(center, [10, 1000], sigma)
    assert small[0] <= small[1] and big[1] <= big[0]
