import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from labelxl.errors import MetricInputError
from labelxl.stats.intervals import (
    newcombe_difference,
    wilson_arrays,
    wilson_interval,
    z_value,
)

# Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison
# of seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score).
NEWCOMBE_1998_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]

# Newcombe RG (1998) "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Statistics in Medicine 17:873-890, Table II,
# method 10 (hybrid score interval from Wilson limits).
NEWCOMBE_1998_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), NEWCOMBE_1998_TABLE_I)
def test_wilson_matches_newcombe_table_i(x, n, low, high):
    got = wilson_interval(x, n, 0.95)
    assert got == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_1998_TABLE_II)
def test_difference_matches_newcombe_table_ii(counts, expected):
    assert newcombe_difference(*counts) == pytest.approx(expected, abs=5e-5)


def test_n_zero_is_the_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_arrays([0, 3], [0, 10])
    assert (low[0], high[0]) == (0.0, 1.0)
    assert 0 < low[1] < high[1] < 1


def test_extremes_are_exact():
    assert wilson_interval(0, 50)[0] == 0.0
    assert wilson_interval(50, 50)[1] == 1.0


def test_z_value():
    assert z_value(0.95) == pytest.approx(1.959963985, abs=1e-9)
    for bad in (0, 1, 1.5, -0.1, "x"):
        with pytest.raises(MetricInputError):
            z_value(bad)


@pytest.mark.parametrize(
    ("x", "n"), [(5, 3), (-1, 3), (1, -2), (float("nan"), 3), ([1, 2], [3]), ("a", 3)]
)
def test_bad_counts_raise(x, n):
    with pytest.raises(MetricInputError):
        wilson_arrays(x, n)


def test_scalar_function_refuses_arrays():
    with pytest.raises(MetricInputError):
        wilson_interval([1, 2], [3, 4])


def test_difference_needs_both_samples():
    with pytest.raises(MetricInputError):
        newcombe_difference(0, 0, 1, 4)


def test_agrees_with_statsmodels_wilson_on_random_counts():
    rng = np.random.default_rng(11)
    n = rng.integers(1, 5000, size=2000)
    x = rng.binomial(n, rng.random(n.size))
    for confidence in (0.8, 0.95, 0.99):
        low, high = wilson_arrays(x, n, confidence)
        ref_low, ref_high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
        np.testing.assert_allclose(low, ref_low, atol=1e-12)
        np.testing.assert_allclose(high, ref_high, atol=1e-12)


def test_difference_agrees_with_statsmodels_newcomb_on_random_counts():
    rng = np.random.default_rng(12)
    for _ in range(300):
        n1, n2 = (int(v) for v in rng.integers(1, 400, size=2))
        x1, x2 = int(rng.binomial(n1, rng.random())), int(rng.binomial(n2, rng.random()))
        ref = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
        assert newcombe_difference(x1, n1, x2, n2) == pytest.approx(ref, abs=1e-10)


counts = st.integers(0, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
levels = st.floats(0.5, 0.999)


@settings(max_examples=100, deadline=None)
@given(counts, levels)
def test_wilson_bounds_ordered_inside_unit_and_cover_estimate(xn, confidence):
    x, n = xn
    low, high = wilson_interval(x, n, confidence)
    assert 0.0 <= low <= high <= 1.0
    if n:
        assert low <= x / n <= high


@settings(max_examples=60, deadline=None)
@given(counts, levels, levels)
def test_wilson_widens_with_confidence(xn, c1, c2):
    x, n = xn
    lo_c, hi_c = sorted((c1, c2))
    narrow = wilson_interval(x, n, lo_c)
    wide = wilson_interval(x, n, hi_c)
    assert wide[0] <= narrow[0] + 1e-12
    assert wide[1] >= narrow[1] - 1e-12


@settings(max_examples=60, deadline=None)
@given(counts.filter(lambda t: t[1] > 0), counts.filter(lambda t: t[1] > 0))
def test_difference_contains_estimate_and_is_antisymmetric(a, b):
    (x1, n1), (x2, n2) = a, b
    low, high = newcombe_difference(x1, n1, x2, n2)
    assert -1.0 <= low <= x1 / n1 - x2 / n2 <= high <= 1.0
    swapped = newcombe_difference(x2, n2, x1, n1)
    assert swapped == pytest.approx((-high, -low), abs=1e-12)
