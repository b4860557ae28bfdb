"""Agreement statistics: published examples, independent implementations, properties."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from labelxl.errors import MetricInputError
from labelxl.stats.agreement import (
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac1_counts,
    kappa_band,
    krippendorff_alpha,
    krippendorff_alpha_counts,
    percent_agreement_counts,
)

# --------------------------------------------------------------------------- data

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", canonical example:
# 4 observers × 12 units, values 1–5, None = missing.
NA = None
KRIPP: list[list[int | None]] = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]

# Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories.
FLEISS_WIKI = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Gwet (2014) Handbook of Inter-Rater Reliability, 4th ed.; data set distrib.6raters of
# the irrCAC R package (15 psychiatric patients, 6 raters, 5 diagnoses), whose README
# prints AC1 = 0.4448007, Fleiss' kappa = 0.4139265, Krippendorff's alpha = 0.4204384.
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0],
    [0, 3, 0, 0, 3],
    [0, 1, 4, 0, 1],
    [0, 0, 0, 0, 6],
    [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2],
    [2, 0, 3, 1, 0],
    [2, 0, 0, 4, 0],
    [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0],
    [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0],
    [1, 0, 0, 5, 0],
    [0, 2, 0, 3, 1],
]

# Gwet (2014); irrCAC data set cont3x3abstractors (2 abstractors, ectopic pregnancy
# classification). irrCAC README: kappa 0.7964094, AC1 0.8493305, alpha 0.7972585,
# percent agreement 0.89; weighting vignette: quadratic-weighted kappa 0.8921569.
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


def _expand(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two label lists whose contingency table is ``table``."""
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    return a, b


def _unit_counts(data: list[list[int | None]]) -> np.ndarray:
    """Units × values(1..5) count table from the raters × units KRIPP layout."""
    out = np.zeros((len(data[0]), 5))
    for row in data:
        for unit, v in enumerate(row):
            if v is not None:
                out[unit, v - 1] += 1
    return out


# --------------------------------------------------------------------------- published examples


def test_cohen_kappa_wikipedia_example() -> None:
    # Wikipedia "Cohen's kappa", simple example: 50 proposals, A & B both yes 20, A yes/B no
    # 5, A no/B yes 10, both no 15 → p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_abstractors_unweighted_and_quadratic() -> None:
    a, b = _expand(ABSTRACTORS)
    assert cohen_kappa(a, b) == pytest.approx(0.7964094, abs=1e-7)
    assert cohen_kappa(a, b, "quadratic") == pytest.approx(0.8921569, abs=1e-7)
    assert cohen_kappa_table(ABSTRACTORS, "quadratic") == pytest.approx(0.8921569, abs=1e-7)


def test_fleiss_kappa_wikipedia_example() -> None:
    assert round(fleiss_kappa(FLEISS_WIKI), 3) == 0.210
    assert fleiss_kappa(pd.DataFrame(FLEISS_WIKI)) == pytest.approx(0.20993, abs=1e-5)


def test_gwet_handbook_distribution_example() -> None:
    assert gwet_ac1_counts(DISTRIB_6RATERS) == pytest.approx(0.4448007, abs=1e-7)
    assert fleiss_kappa(DISTRIB_6RATERS) == pytest.approx(0.4139265, abs=1e-7)
    assert krippendorff_alpha_counts(DISTRIB_6RATERS) == pytest.approx(0.4204384, abs=1e-7)
    assert percent_agreement_counts(DISTRIB_6RATERS) == pytest.approx(0.5511111, abs=1e-7)


def test_gwet_ac1_two_raters_abstractors() -> None:
    a, b = _expand(ABSTRACTORS)
    assert gwet_ac1(a, b) == pytest.approx(0.8493305, abs=1e-7)
    assert krippendorff_alpha([a, b]) == pytest.approx(0.7972585, abs=1e-7)


def test_gwet_ac1_raw_ratings_with_missing() -> None:
    # irrCAC README, gwet.ac1.raw(cac.raw4raters): AC1 0.77544 (pa 0.8181818,
    # pe 0.1903212); the data are Krippendorff's 4 × 12 example with missing ratings.
    assert gwet_ac1_counts(_unit_counts(KRIPP)) == pytest.approx(0.77544, abs=5e-6)


@pytest.mark.parametrize(
    ("level", "expected"),
    # Krippendorff (2011) reports α = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval)
    # and 0.797 (ratio) for this example.
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_canonical_example(level: str, expected: float) -> None:
    assert round(krippendorff_alpha(KRIPP, level), 3) == expected  # type: ignore[arg-type]


def test_krippendorff_nominal_with_text_labels_and_dataframe() -> None:
    names = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    text = [[names[v] if v is not None else None for v in row] for row in KRIPP]
    assert krippendorff_alpha(text) == pytest.approx(0.7434210526)
    frame = pd.DataFrame(KRIPP, dtype=float)  # NaN for missing
    assert krippendorff_alpha(frame) == pytest.approx(0.7434210526)
    # Ordinal on text needs the order: given it, the ordinal value is reproduced.
    assert krippendorff_alpha(text, "ordinal", value_domain=list("abcde")) == pytest.approx(
        krippendorff_alpha(KRIPP, "ordinal")
    )


def test_krippendorff_counts_form_matches_raw_form() -> None:
    counts = pd.DataFrame(_unit_counts(KRIPP), columns=[1, 2, 3, 4, 5])
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha_counts(counts, level) == pytest.approx(  # type: ignore[arg-type]
            krippendorff_alpha(KRIPP, level)  # type: ignore[arg-type]
        )


# --------------------------------------------------------------------------- reference libraries


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(weights: str | None) -> None:
    rng = np.random.default_rng(7)
    for _trial in range(40):
        n = int(rng.integers(5, 300))
        k = int(rng.integers(2, 6))
        a = rng.integers(0, k, n)
        b = np.where(rng.random(n) < 0.6, a, rng.integers(0, k, n))
        if len(set(a) | set(b)) < 2:
            continue
        ours = cohen_kappa(a, b, weights)  # type: ignore[arg-type]
        ref = cohen_kappa_score(a, b, weights=weights)
        assert ours == pytest.approx(ref, abs=1e-12)


def test_fleiss_kappa_matches_statsmodels() -> None:
    rng = np.random.default_rng(11)
    for _trial in range(40):
        subjects, k, raters = (
            int(rng.integers(2, 60)),
            int(rng.integers(2, 6)),
            int(rng.integers(2, 12)),
        )
        probs = rng.dirichlet(np.ones(k), size=subjects)
        table = np.stack([rng.multinomial(raters, p) for p in probs])
        if np.count_nonzero(table.sum(axis=0)) < 2:
            continue
        assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_reference_package(level: str) -> None:
    rng = np.random.default_rng(23)
    for _trial in range(25):
        raters, units = int(rng.integers(2, 8)), int(rng.integers(2, 80))
        truth = rng.integers(1, 7, units)
        data = np.where(
            rng.random((raters, units)) < 0.6, truth, rng.integers(1, 7, (raters, units))
        ).astype(float)
        data[rng.random((raters, units)) < 0.25] = np.nan
        pairable = (~np.isnan(data)).sum(axis=0) >= 2
        values = data[:, pairable]
        if values.size == 0 or len(np.unique(values[~np.isnan(values)])) < 2:
            continue
        ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)  # type: ignore[arg-type]
        assert krippendorff_alpha(data, level) == pytest.approx(ref, abs=1e-9)  # type: ignore[arg-type]


def test_krippendorff_interval_with_continuous_values_matches_reference() -> None:
    rng = np.random.default_rng(5)
    truth = rng.normal(size=40)
    data = truth + rng.normal(scale=0.5, size=(5, 40))
    data[rng.random((5, 40)) < 0.2] = np.nan
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert krippendorff_alpha(data, "interval") == pytest.approx(ref, abs=1e-9)


def _ac1_by_the_book(table: np.ndarray, q: int) -> float:
    """Gwet (2008) multi-rater AC1 written out subject by subject, as a second formula."""
    agree, n_pairable = 0.0, 0
    pi = np.zeros(q)
    n_rated = 0
    for row in table:
        r = row.sum()
        if r >= 1:
            pi += row / r
            n_rated += 1
        if r >= 2:
            agree += sum(x * (x - 1) for x in row) / (r * (r - 1))
            n_pairable += 1
    p_a = agree / n_pairable
    pi /= n_rated
    p_e = sum(p * (1 - p) for p in pi) / (q - 1)
    return (p_a - p_e) / (1 - p_e)


def test_gwet_ac1_counts_matches_subject_by_subject_formula() -> None:
    rng = np.random.default_rng(3)
    for _trial in range(30):
        subjects, q = int(rng.integers(2, 40)), int(rng.integers(2, 6))
        table = rng.integers(0, 4, (subjects, q)).astype(float)
        if not (table.sum(axis=1) >= 2).any():
            continue
        assert gwet_ac1_counts(table) == pytest.approx(_ac1_by_the_book(table, q), abs=1e-12)


def test_gwet_ac1_two_rater_formula_equals_counts_formula() -> None:
    rng = np.random.default_rng(9)
    for _trial in range(30):
        n, q = int(rng.integers(3, 200)), int(rng.integers(2, 5))
        a = rng.integers(0, q, n)
        b = np.where(rng.random(n) < 0.5, a, rng.integers(0, q, n))
        counts = np.zeros((n, q))
        np.add.at(counts, (np.arange(n), a), 1)
        np.add.at(counts, (np.arange(n), b), 1)
        assert gwet_ac1(a, b, labels=list(range(q))) == pytest.approx(
            gwet_ac1_counts(counts), abs=1e-12
        )


# --------------------------------------------------------------------------- properties

labels_strategy = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=2, max_size=60).filter(lambda v: len(set(v)) >= 2),
    st.sampled_from([None, "linear", "quadratic"]),
)
def test_kappa_is_one_for_identical_raters(a: list[int], weights: str | None) -> None:
    assert cohen_kappa(a, a, weights) == pytest.approx(1.0)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(labels_strategy, st.sampled_from([None, "linear", "quadratic"]))
def test_kappa_symmetric_and_bounded(pairs: list[tuple[int, int]], weights: str | None) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    k_ab = cohen_kappa(a, b, weights)  # type: ignore[arg-type]
    assert k_ab == pytest.approx(cohen_kappa(b, a, weights))  # type: ignore[arg-type]
    assert -1.0 - 1e-12 <= k_ab <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(labels_strategy)
def test_nominal_kappa_and_ac1_ignore_label_names(pairs: list[tuple[int, int]]) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    rename = {0: "z", 1: "y", 2: "x", 3: "w"}
    ra, rb = [rename[v] for v in a], [rename[v] for v in b]
    assert cohen_kappa(ra, rb) == pytest.approx(cohen_kappa(a, b))
    assert gwet_ac1(ra, rb) == pytest.approx(gwet_ac1(a, b))


@settings(max_examples=80, deadline=None)
@given(labels_strategy)
def test_ac1_bounded(pairs: list[tuple[int, int]]) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    assert -1.0 - 1e-12 <= gwet_ac1(a, b) <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 8),
    st.lists(st.lists(st.integers(0, 8), min_size=3, max_size=3), min_size=1, max_size=25),
)
def test_fleiss_and_ac1_counts_bounded(raters: int, rows: list[list[int]]) -> None:
    # Rescale each row to `raters` ratings by putting the remainder in the last category.
    table = []
    for row in rows:
        row = [min(x, raters) for x in row]
        row[0] = min(row[0], raters)
        row[1] = min(row[1], raters - row[0])
        row[2] = raters - row[0] - row[1]
        table.append(row)
    kappa = fleiss_kappa(table)
    assert -1.0 / (raters - 1) - 1e-12 <= kappa <= 1.0 + 1e-12
    assert -1.0 - 1e-12 <= gwet_ac1_counts(table) <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=6, max_size=6),
        min_size=2,
        max_size=6,
    ),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
)
def test_alpha_at_most_one(data: list[list[int | None]], level: str) -> None:
    try:
        alpha = krippendorff_alpha(data, level)  # type: ignore[arg-type]
    except MetricInputError:
        return  # no pairable unit: documented error, checked elsewhere
    assert alpha <= 1.0 + 1e-12
    assert np.isfinite(alpha)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=30).filter(lambda v: len(set(v)) >= 2),
    st.integers(2, 5),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
)
def test_alpha_is_one_for_identical_raters(units: list[int], raters: int, level: str) -> None:
    assert krippendorff_alpha([units] * raters, level) == pytest.approx(1.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- degenerate inputs


def test_one_category_only_returns_one() -> None:
    assert cohen_kappa(["a"] * 5, ["a"] * 5) == 1.0
    assert cohen_kappa(["a"] * 5, ["a"] * 5, "quadratic", labels=["a", "b", "c"]) == 1.0
    assert fleiss_kappa([[3, 0], [3, 0]]) == 1.0
    assert gwet_ac1(["a"] * 4, ["a"] * 4) == 1.0
    assert gwet_ac1_counts([[3], [2]]) == 1.0
    assert krippendorff_alpha([[1, 1, 1], [1, 1, None]]) == 1.0


def test_missing_labels_are_skipped_in_pairs() -> None:
    a = ["x", "y", None, "x", float("nan"), "y"]
    b = ["x", "x", "y", "x", "y", None]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa(["x", "y", "x"], ["x", "x", "x"]))
    assert gwet_ac1(a, b) == pytest.approx(gwet_ac1(["x", "y", "x"], ["x", "x", "x"]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cohen_kappa([1, 2], [1]), "same items"),
        (lambda: cohen_kappa([], []), "no item"),
        (lambda: cohen_kappa([None, 1], [2, None]), "no item"),
        (lambda: cohen_kappa([1, 2], [1, 2], "cubic"), "weights"),  # type: ignore[arg-type]
        (lambda: cohen_kappa([1, 2], [1, 3], labels=[1, 2]), "not in labels"),
        (lambda: cohen_kappa([1, "a"], ["a", 1], "linear"), "cannot be ordered"),
        (lambda: cohen_kappa_table([[1, 2, 3]]), "square"),
        (lambda: cohen_kappa_table([[0, 0], [0, 0]]), "no items"),
        (lambda: fleiss_kappa([[2, 1], [1, 1]]), "same number of raters"),
        (lambda: fleiss_kappa([[1, 0], [0, 1]]), "at least 2 raters"),
        (lambda: fleiss_kappa([[-1, 3], [1, 1]]), "negative"),
        (lambda: fleiss_kappa([[0.5, 1.5], [1, 1]]), "whole numbers"),
        (lambda: fleiss_kappa(np.zeros((0, 3))), "empty"),
        (lambda: fleiss_kappa([1, 2, 3]), "2-D"),
        (lambda: fleiss_kappa([["a", "b"]]), "numbers"),
        (lambda: gwet_ac1_counts([[1, 0], [0, 1]]), "two or more"),
        (lambda: krippendorff_alpha([[1, None], [None, 2]]), "two or more"),
        (lambda: krippendorff_alpha([[None, None]]), "no values"),
        (lambda: krippendorff_alpha([[1, 2]], "cardinal"), "level"),  # type: ignore[arg-type]
        (lambda: krippendorff_alpha([["a", "b"], ["a", "a"]], "interval"), "numeric"),
        (lambda: krippendorff_alpha([["a", "b"], ["a", "a"]], "ordinal"), "numeric"),
        (lambda: krippendorff_alpha([[-1, 2], [1, 2]], "ratio"), "non-negative"),
        (lambda: krippendorff_alpha([1, 2, 3]), "2-D"),
        (lambda: krippendorff_alpha_counts([[1, 1]], "interval"), "values="),
        (lambda: krippendorff_alpha_counts([[1, 1]], "interval", values=[1]), "one number"),
    ],
)
def test_bad_inputs_raise_metric_input_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MetricInputError, match=message):
        call()


def test_no_nan_and_no_zero_division_on_tiny_inputs() -> None:
    # One item, two raters disagreeing: p_o = 0 and p_e = 1·0 + 0·1 = 0, so kappa = 0.
    assert cohen_kappa(["a"], ["b"]) == 0.0
    assert cohen_kappa(["a"], ["b"]) == cohen_kappa_score(["a"], ["b"])
    assert np.isfinite(gwet_ac1(["a"], ["b"]))
    assert np.isfinite(fleiss_kappa([[1, 1]]))


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (-0.1, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.21, "fair"),
        (0.4, "fair"),
        (0.5, "moderate"),
        (0.61, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (None, "n/a"),
        (float("nan"), "n/a"),
    ],
)
def test_kappa_band_landis_koch(value: float | None, band: str) -> None:
    assert kappa_band(value) == band


def test_kappa_band_rejects_impossible_values() -> None:
    with pytest.raises(MetricInputError):
        kappa_band(1.5)


def test_absurd_counts_are_refused_not_divided_by_rounding_noise():
    # Found by hypothesis through LX_FLEISS: 2**53 + 1 raters rounds to 2**53 in float64.
    with pytest.raises(MetricInputError, match="at most"):
        fleiss_kappa([[9007199254740992.0, 1.0]])


def _kappa_exact(table: list[list[int]]) -> float:
    """Cohen's kappa in exact rational arithmetic: an implementation with no float limits."""
    from fractions import Fraction

    n = sum(map(sum, table))
    k = len(table)
    po = Fraction(sum(table[i][i] for i in range(k)), n)
    rows = [sum(r) for r in table]
    cols = [sum(table[i][j] for i in range(k)) for j in range(k)]
    pe = Fraction(sum(rows[i] * cols[i] for i in range(k)), n * n)
    return float((po - pe) / (1 - pe))


@pytest.mark.parametrize(
    "table",
    [
        [[10**7, 20], [30, 40]],  # issue 12: ten million items in one cell
        [[10**7, 2_345_678], [1_234_567, 9_876_543]],
        [[10**12, 3 * 10**11], [2 * 10**11, 5 * 10**12]],
        [[2**51, 2**50], [2**50, 2**51 - 7]],  # total just under 2**53
    ],
)
def test_cohen_kappa_on_huge_counts_matches_exact_rational_formula(table) -> None:
    assert cohen_kappa_table(table) == pytest.approx(_kappa_exact(table), rel=1e-12, abs=1e-12)


def test_count_limit_is_the_float64_exact_integer_limit() -> None:
    # The whole table may hold 2**53 items: every sum is still exact.
    assert cohen_kappa_table([[2**52, 0], [0, 2**52]]) == 1.0
    with pytest.raises(MetricInputError, match="2\\*\\*53"):
        cohen_kappa_table([[2**52, 1], [0, 2**52]])  # integer input: 2**53 + 1 is exact
    with pytest.raises(MetricInputError, match="at most"):
        fleiss_kappa([[2**52, 2**52 + 1]])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 10**14), min_size=4, max_size=4))
def test_cohen_kappa_large_random_tables_match_exact_formula(cells: list[int]) -> None:
    table = [cells[:2], cells[2:]]
    rows = [sum(r) for r in table]
    cols = [table[0][j] + table[1][j] for j in range(2)]
    if 0 in rows or 0 in cols:  # one category only: 0/0, covered elsewhere
        return
    assert cohen_kappa_table(table) == pytest.approx(_kappa_exact(table), rel=1e-9, abs=1e-9)
