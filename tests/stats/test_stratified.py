import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import DescrStatsW

from labelxl.errors import MetricInputError
from labelxl.stats.stratified import Estimate, stratified_accuracy


def strata(volume, audited, correct):
    return pd.DataFrame({"volume": volume, "audited": audited, "correct": correct})


def test_worked_example():
    # Stratified estimate of a proportion, Cochran (1977) ch. 5, worked by hand:
    # W = 0.1, 0.3, 0.6; p̂ = 0.90, 0.96, 0.90 → p_st = 0.09 + 0.288 + 0.54 = 0.918.
    # v = 0.01·0.09/50·0.95 + 0.09·0.0384/50·(59/60) + 0.36·0.09/100·(59/60).
    est = stratified_accuracy(strata([1000, 3000, 6000], [50, 50, 100], [45, 48, 90]))
    variance = 0.01 * 0.09 / 50 * 0.95 + 0.09 * 0.0384 / 50 * 59 / 60 + 0.36 * 0.0009 * 59 / 60
    assert est.estimate == pytest.approx(0.918)
    assert est.standard_error == pytest.approx(math.sqrt(variance))
    assert est.standard_error == pytest.approx(0.0200915, abs=1e-6)
    z = 1.959963985
    assert (est.ci_low, est.ci_high) == pytest.approx(
        (0.918 - z * est.standard_error, 0.918 + z * est.standard_error)
    )
    assert est.coverage == 1.0 and est.confidence == 0.95


def test_unaudited_strata_are_left_out_and_coverage_reported():
    est = stratified_accuracy(strata([1000, 3000, 6000], [50, 0, 100], [45, 0, 90]))
    assert est.coverage == pytest.approx(0.7)
    assert est.estimate == pytest.approx(0.9)  # both kept strata have p̂ = 0.9


def test_single_audit_stratum_uses_worst_case_variance():
    est = stratified_accuracy(strata([100, 100], [1, 400], [1, 400]))
    # Second stratum is a census (fpc clipped at 0); the first contributes 0.5²·0.25·0.99.
    assert est.standard_error == pytest.approx(math.sqrt(0.25 * 0.25 * 0.99))


def test_census_has_no_sampling_error():
    est = stratified_accuracy(strata([10, 20], [10, 20], [9, 15]))
    assert est.standard_error == 0.0
    assert est.ci_low == est.ci_high == est.estimate == pytest.approx((9 / 10 + 2 * 15 / 20) / 3)


def test_interval_clipped_to_unit_range():
    est = stratified_accuracy(strata([10_000], [3], [3]))
    assert est.ci_high == 1.0 and est.estimate == 1.0


@pytest.mark.parametrize(
    "frame",
    [
        strata([0, 0], [5, 5], [4, 4]),
        strata([10, 10], [0, 0], [0, 0]),
        strata([10], [5], [6]),
        strata([10], [-1], [0]),
        strata([10], [5], [np.nan]),
        pd.DataFrame({"volume": [1], "audited": [1]}),
        strata(["a"], [1], [1]),
    ],
)
def test_bad_input_raises(frame):
    with pytest.raises(MetricInputError):
        stratified_accuracy(frame)


def test_agrees_with_unit_level_weighted_estimate_on_random_strata():
    rng = np.random.default_rng(21)
    for _ in range(50):
        k = int(rng.integers(1, 10))
        volume = rng.integers(50, 5000, k)
        audited = np.minimum(rng.integers(2, 200, k), volume)
        correct = rng.binomial(audited, rng.uniform(0.6, 1.0, k))
        est = stratified_accuracy(strata(volume, audited, correct))
        # Unit-level data: one 0/1 row per audited item, design weight N_h / n_h.
        y = np.concatenate(
            [np.r_[np.ones(c), np.zeros(n - c)] for n, c in zip(audited, correct, strict=True)]
        )
        h = np.repeat(np.arange(k), audited)
        design = (volume / audited)[h]
        assert est.estimate == pytest.approx(DescrStatsW(y, weights=design).mean, abs=1e-12)
        w = volume / volume.sum()
        s2 = np.array([y[h == i].var() for i in range(k)])  # ddof=0 equals p̂(1 − p̂)
        variance = np.sum(w**2 * s2 / audited * (1 - audited / volume))
        assert est.standard_error == pytest.approx(math.sqrt(variance), abs=1e-12)


stratum = st.integers(1, 5000).flatmap(
    lambda big: st.integers(0, big).flatmap(
        lambda n: st.tuples(st.just(big), st.just(n), st.integers(0, n))
    )
)


@settings(max_examples=100, deadline=None)
@given(st.lists(stratum, min_size=1, max_size=12), st.floats(0.5, 0.999))
def test_properties(rows, confidence):
    frame = strata(*zip(*rows, strict=True))
    if not (frame["audited"] > 0).any():
        with pytest.raises(MetricInputError):
            stratified_accuracy(frame, confidence)
        return
    est = stratified_accuracy(frame, confidence)
    assert isinstance(est, Estimate)
    kept = frame[frame["audited"] > 0]
    p = kept["correct"] / kept["audited"]
    assert p.min() - 1e-12 <= est.estimate <= p.max() + 1e-12
    assert 0.0 <= est.ci_low <= est.estimate <= est.ci_high <= 1.0
    assert est.standard_error >= 0
    assert 0 < est.coverage <= 1
