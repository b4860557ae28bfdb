"""Chance-corrected agreement: Cohen's and Fleiss' kappa, Krippendorff's alpha, Gwet's AC1.

Every statistic has two doors: one on raw labels (what a user types) and one on the small
aggregate it is really computed from (a contingency table or a subjects × categories count
table), so the heavy counting can be done by any group-by engine first (DESIGN.md §8).

Conventions shared by all functions (see docs/agreement.md):

* Missing labels (None, NaN, pd.NA) are ignored: Cohen's kappa and AC1 for two raters use
  the items both raters labeled; Krippendorff's alpha and ``gwet_ac1_counts`` use every
  unit with at least two labels (alpha handles missing data natively).
* When every usable label falls in one category, chance agreement equals observed
  agreement and the chance-corrected ratio is 0/0. We return **1.0** (the raters agree
  perfectly; the statistic just cannot show it beats chance) instead of NaN.
* Inputs no statistic can be computed from (no items, unequal lengths, fewer than two
  raters, negative counts) raise :class:`labelxl.errors.MetricInputError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from labelxl.errors import MetricInputError

Weights = Literal["linear", "quadratic"] | None
Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

# Landis & Koch (1977) bands: upper bound (inclusive) and name.
_BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (1.0, "almost perfect"),
)

# The largest total a table may hold: float64 holds every whole number up to 2**53
# (9,007,199,254,740,992) exactly, so below it every count, row/column sum and grand total
# is exact and the formulas only round in their final divisions (relative error ~1e-16).
MAX_TOTAL = 2**53

# Rows of the expected-disagreement matrix computed at once for ordinal/ratio data, to
# bound memory when a numeric variable has thousands of distinct values.
_BLOCK = 512


# --------------------------------------------------------------------------- helpers


def _series(values: Iterable[Any], name: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise MetricInputError(f"{name} must be one sequence of labels, not a table")
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype(object)
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)
    if arr.ndim != 1:
        raise MetricInputError(f"{name} must be a one-dimensional sequence of labels")
    return pd.Series(arr, dtype=object)


def _sorted_unique(values: pd.Series, ordered: bool) -> list[Any]:
    uniques = list(pd.unique(values.to_numpy(dtype=object)))
    try:
        return sorted(uniques)
    except TypeError:
        if ordered:
            raise MetricInputError(
                "labels mix types that cannot be ordered; pass labels=[...] in order"
            ) from None
        # For nominal statistics the order is irrelevant; sort by text for stable output.
        return sorted(uniques, key=lambda v: (type(v).__name__, str(v)))


def _categories(values: pd.Series, labels: Sequence[Any] | None, ordered: bool) -> pd.Index:
    """The category index: ``labels`` in the given order, else the sorted observed labels."""
    if labels is None:
        return pd.Index(_sorted_unique(values, ordered), dtype=object)
    cats = pd.Index(list(labels), dtype=object)
    if not cats.is_unique:
        raise MetricInputError("labels= must not repeat a category")
    unknown = values[cats.get_indexer(values.to_numpy(dtype=object)) < 0]
    if len(unknown):
        shown = ", ".join(repr(v) for v in pd.unique(unknown.to_numpy(dtype=object))[:5])
        raise MetricInputError(f"labels found that are not in labels=: {shown}")
    return cats


def _count_table(counts: Any, what: str = "counts") -> np.ndarray:
    """A 2-D float array of non-negative whole counts from an array or DataFrame."""
    try:
        raw = np.asarray(counts.to_numpy() if isinstance(counts, pd.DataFrame) else counts)
        arr = raw.astype(float)
    except (TypeError, ValueError):
        raise MetricInputError(f"{what} must be a table of numbers") from None
    if arr.ndim != 2:
        raise MetricInputError(f"{what} must be a 2-D subjects × categories table")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise MetricInputError(f"{what} is empty: there are no subjects or no categories")
    if not np.isfinite(arr).all():
        raise MetricInputError(f"{what} must not contain missing or infinite values")
    if (arr < 0).any():
        raise MetricInputError(f"{what} must not be negative")
    if (arr != np.floor(arr)).any():
        raise MetricInputError(f"{what} must be whole numbers of raters")
    if float(arr.max()) * arr.size > MAX_TOTAL:  # only then can the total be too large
        # Summed exactly as Python ints: as floats, 2**53 + 1 rounds to 2**53.
        cells = raw.ravel() if raw.dtype.kind in "iu" else arr.ravel()
        total = sum(int(x) for x in cells)
    else:
        total = 0
    if total > MAX_TOTAL:
        raise MetricInputError(
            f"{what} must add up to at most {MAX_TOTAL:,} (2**53, the largest whole number "
            f"a float64 holds exactly; got {total:,.0f})"
        )
    return arr


def _weight_matrix(k: int, weights: Weights) -> np.ndarray:
    """Disagreement weights w_ij (0 on the diagonal) for k ordered categories."""
    idx = np.arange(k, dtype=float)
    diff = np.abs(idx[:, None] - idx[None, :])
    if weights is None:
        return (diff > 0).astype(float)
    if weights == "linear":
        return diff
    if weights == "quadratic":
        return diff**2
    raise MetricInputError(f"weights must be None, 'linear' or 'quadratic' (got {weights!r})")


def _paired_codes(
    a: Iterable[Any], b: Iterable[Any], labels: Sequence[Any] | None, ordered: bool
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    sa, sb = _series(a, "a"), _series(b, "b")
    if len(sa) != len(sb):
        raise MetricInputError(
            f"the two raters must label the same items (got {len(sa)} and {len(sb)} labels)"
        )
    both = (sa.notna() & sb.notna()).to_numpy()
    if not both.any():
        raise MetricInputError("no item was labeled by both raters")
    sa, sb = sa[both], sb[both]
    cats = _categories(pd.concat([sa, sb], ignore_index=True), labels, ordered)
    ia = cats.get_indexer(pd.Index(sa.to_numpy(dtype=object), dtype=object))
    ib = cats.get_indexer(pd.Index(sb.to_numpy(dtype=object), dtype=object))
    return ia, ib, cats


def _crosstab(ia: np.ndarray, ib: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(ia * k + ib, minlength=k * k).reshape(k, k).astype(float)


# --------------------------------------------------------------------------- Cohen


def cohen_kappa_table(table: Any, weights: Weights = None) -> float:
    """Cohen's kappa from a k × k contingency table (rows rater A, columns rater B).

    Categories are in table order, which matters for ``weights="linear"|"quadratic"``.
    Returns 1.0 when all items fall in one category for both raters (see module notes).
    """
    t = _count_table(table, "table")
    if t.shape[0] != t.shape[1]:
        raise MetricInputError(f"table must be square (got {t.shape[0]} × {t.shape[1]})")
    n = t.sum()
    if n == 0:
        raise MetricInputError("table has no items")
    observed = t / n
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    w = _weight_matrix(t.shape[0], weights)
    disagree_expected = float((w * expected).sum())
    if disagree_expected <= 0.0:
        # Only possible when both raters used one and the same category for every item.
        return 1.0
    return 1.0 - float((w * observed).sum()) / disagree_expected


def cohen_kappa(
    a: Iterable[Any],
    b: Iterable[Any],
    weights: Weights = None,
    *,
    labels: Sequence[Any] | None = None,
) -> float:
    """Cohen's kappa between two raters' labels of the same items.

    ``weights`` None (nominal), "linear" or "quadratic" (ordered labels; the order is
    ``labels`` if given, else the sorted labels). Items missing either label are skipped.
    """
    ia, ib, cats = _paired_codes(a, b, labels, ordered=weights is not None)
    return cohen_kappa_table(_crosstab(ia, ib, len(cats)), weights)


# --------------------------------------------------------------------------- Fleiss


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa from a subjects × categories table of rater counts.

    Every row must sum to the same number of raters n ≥ 2. Returns 1.0 when every
    rating falls in one category (see module notes).
    """
    c = _count_table(counts)
    raters = c.sum(axis=1)
    if not np.all(raters == raters[0]):
        lo, hi = int(raters.min()), int(raters.max())
        raise MetricInputError(
            f"every subject must have the same number of raters (found {lo} to {hi}); "
            "keep only fully rated subjects or use krippendorff_alpha / gwet_ac1_counts"
        )
    n = float(raters[0])
    if n < 2:
        raise MetricInputError(f"Fleiss' kappa needs at least 2 raters per subject (got {n:g})")
    share = c.sum(axis=0) / c.sum()
    if np.count_nonzero(share) <= 1:
        return 1.0
    p_subject = ((c * (c - 1.0)).sum(axis=1)) / (n * (n - 1.0))
    p_bar = float(p_subject.mean())
    p_e = float((share**2).sum())
    return (p_bar - p_e) / (1.0 - p_e)


# --------------------------------------------------------------------------- Gwet


def gwet_ac1_counts(counts: Any) -> float:
    """Gwet's AC1 from a subjects × categories table of rater counts.

    Rows may sum to different numbers of raters (Gwet 2014, ch. 2): observed agreement
    averages over subjects with ≥ 2 ratings, category shares over subjects with ≥ 1.
    q, the number of categories, is the number of columns: include unused categories
    as zero columns when raters could have chosen them.
    """
    c = _count_table(counts)
    r = c.sum(axis=1)
    rated = r >= 1
    pairable = r >= 2
    if not pairable.any():
        raise MetricInputError("no subject has two or more ratings: agreement is undefined")
    cp, rp = c[pairable], r[pairable]
    p_a = float(((cp * (cp - 1.0)).sum(axis=1) / (rp * (rp - 1.0))).mean())
    pi = (c[rated] / r[rated, None]).mean(axis=0)
    q = c.shape[1]
    # With a single category there is no chance disagreement to correct for.
    p_e = float((pi * (1.0 - pi)).sum() / (q - 1)) if q > 1 else 0.0
    return (p_a - p_e) / (1.0 - p_e)  # p_e ≤ 1/q ≤ 1/2, so the denominator is ≥ 1/2


def gwet_ac1(a: Iterable[Any], b: Iterable[Any], *, labels: Sequence[Any] | None = None) -> float:
    """Gwet's AC1 between two raters' labels of the same items (Gwet 2008, eq. for r = 2).

    q is the number of categories in ``labels`` if given, else the number observed.
    Items missing either label are skipped.
    """
    ia, ib, cats = _paired_codes(a, b, labels, ordered=False)
    q = len(cats)
    table = _crosstab(ia, ib, q) / len(ia)
    p_a = float(np.trace(table))
    pi = (table.sum(axis=1) + table.sum(axis=0)) / 2.0
    p_e = float((pi * (1.0 - pi)).sum() / (q - 1)) if q > 1 else 0.0
    return (p_a - p_e) / (1.0 - p_e)


# --------------------------------------------------------------------------- Krippendorff


def _matrix(data: Any) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        arr = data.to_numpy(dtype=object)
    else:
        try:
            arr = np.array(data, dtype=object)
        except ValueError:
            raise MetricInputError("data must be a rectangular raters × units table") from None
    if arr.ndim != 2:
        raise MetricInputError("data must be a 2-D raters × units table")
    return arr


def krippendorff_alpha(
    data: Any,
    level: Level = "nominal",
    *,
    value_domain: Sequence[Any] | None = None,
) -> float:
    """Krippendorff's alpha for a raters × units table; None/NaN marks a missing value.

    ``level`` is "nominal", "ordinal", "interval" or "ratio". Nominal values may be any
    labels; the other levels need numbers unless ``value_domain`` lists the values in
    order (ordinal). Units with fewer than two values are not pairable and are skipped.
    """
    if level not in LEVELS:
        raise MetricInputError(f"level must be one of {', '.join(LEVELS)} (got {level!r})")
    arr = _matrix(data)
    flat = pd.Series(arr.ravel(order="F"), dtype=object)  # unit-major: unit u = i // raters
    present = flat.notna().to_numpy()
    if not present.any():
        raise MetricInputError("data has no values")
    units = np.flatnonzero(present) // arr.shape[0]
    values = flat[present]
    numeric = level in ("interval", "ratio") or (level == "ordinal" and value_domain is None)
    if numeric and value_domain is None:
        try:
            nums = values.astype(float)
        except (TypeError, ValueError):
            raise MetricInputError(
                f"{level} alpha needs numeric values (or value_domain= in order for ordinal)"
            ) from None
        cats = pd.Index(np.unique(nums.to_numpy()))
        codes = cats.get_indexer(nums.to_numpy())
        points = cats.to_numpy(dtype=float)
    else:
        cats = _categories(values, value_domain, ordered=level != "nominal")
        codes = cats.get_indexer(values.to_numpy(dtype=object))
        points = None
        if level in ("interval", "ratio"):
            try:
                points = cats.to_numpy(dtype=float)
            except (TypeError, ValueError):
                raise MetricInputError(f"{level} alpha needs a numeric value_domain") from None
    k = len(cats)
    n_units = arr.shape[1]
    table = sparse.csr_matrix(
        (np.ones(len(codes)), (units, codes)), shape=(n_units, k), dtype=float
    )  # duplicate (unit, code) entries are summed: a count table
    return _alpha(table, level, points)


def krippendorff_alpha_counts(
    counts: Any, level: Level = "nominal", *, values: Sequence[float] | None = None
) -> float:
    """Krippendorff's alpha from a units × values table of counts (value-count form).

    Columns are the values in order. For interval and ratio data give their numbers in
    ``values`` (or use a DataFrame whose column labels are numbers).
    """
    if level not in LEVELS:
        raise MetricInputError(f"level must be one of {', '.join(LEVELS)} (got {level!r})")
    c = _count_table(counts)
    points = None
    if level in ("interval", "ratio"):
        given: Any = values
        if given is None and isinstance(counts, pd.DataFrame):
            given = counts.columns.tolist()
        if given is None:
            raise MetricInputError(f"{level} alpha from counts needs values= for the columns")
        try:
            points = np.asarray(given, dtype=float)
        except (TypeError, ValueError):
            raise MetricInputError(f"values= must be numbers for {level} alpha") from None
        if points.shape != (c.shape[1],):
            raise MetricInputError("values= must give one number per column of counts")
    return _alpha(sparse.csr_matrix(c), level, points)


def _alpha(table: sparse.csr_matrix, level: str, points: np.ndarray | None) -> float:
    """Coincidence-matrix alpha (Krippendorff 2011) from a sparse units × values table."""
    m = np.asarray(table.sum(axis=1)).ravel()
    pairable = m >= 2
    if not pairable.any():
        raise MetricInputError("no unit has two or more values: alpha is undefined")
    table = table[np.flatnonzero(pairable)]
    m = m[pairable]
    n_c = np.asarray(table.sum(axis=0)).ravel()
    used = np.flatnonzero(n_c > 0)
    if len(used) <= 1:
        return 1.0  # every pairable value is the same: no disagreement at all
    table = table[:, used]
    n_c = n_c[used]
    if points is not None:
        points = points[used]
        if level == "ratio" and (points < 0).any():
            raise MetricInputError("ratio alpha needs non-negative values")
    n = float(n_c.sum())
    # Coincidences o_ck = Σ_u n_uc (n_uk − [c = k]) / (m_u − 1).
    w = 1.0 / (m - 1.0)
    # δ²(c, c) = 0 at every level, so the −[c = k] term never contributes.
    coinc = (table.T @ sparse.diags(w) @ table).tocoo()
    observed = float((coinc.data * _delta(coinc.row, coinc.col, level, n_c, points)).sum())
    expected = _expected_disagreement(level, n_c, points)
    return 1.0 - (n - 1.0) * observed / expected


def _delta(
    c: np.ndarray, k: np.ndarray, level: str, n_c: np.ndarray, points: np.ndarray | None
) -> np.ndarray:
    """Squared distance δ²(c, k) between value indices for the level of measurement."""
    if level == "nominal":
        return (c != k).astype(float)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo, hi = np.minimum(c, k), np.maximum(c, k)
        between = cum[hi + 1] - cum[lo]  # Σ_{g=lo..hi} n_g
        return (between - (n_c[lo] + n_c[hi]) / 2.0) ** 2
    assert points is not None
    vc, vk = points[c], points[k]
    if level == "interval":
        return (vc - vk) ** 2
    total = vc + vk
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, (vc - vk) / np.where(total > 0, total, 1.0), 0.0)
    return ratio**2


def _expected_disagreement(level: str, n_c: np.ndarray, points: np.ndarray | None) -> float:
    """Σ_c Σ_k n_c n_k δ²(c, k), closed form where one exists, else in row blocks."""
    if level == "nominal":
        total = n_c.sum()
        return float(total**2 - (n_c**2).sum())
    if level == "interval":
        assert points is not None
        centred = points - np.average(points, weights=n_c)  # δ² is shift-invariant
        return float(2.0 * n_c.sum() * (n_c * centred**2).sum())
    k = len(n_c)
    cols = np.arange(k)
    out = 0.0
    for start in range(0, k, _BLOCK):
        rows = np.arange(start, min(start + _BLOCK, k))
        d = _delta(rows[:, None], cols[None, :], level, n_c, points)
        out += float((n_c[rows, None] * n_c[None, :] * d).sum())
    return out


# --------------------------------------------------------------------------- helpers for reports


def percent_agreement_counts(counts: Any) -> float:
    """Share of agreeing rater pairs, averaged over subjects with ≥ 2 ratings (no chance term)."""
    c = _count_table(counts)
    r = c.sum(axis=1)
    pairable = r >= 2
    if not pairable.any():
        raise MetricInputError("no subject has two or more ratings: agreement is undefined")
    cp, rp = c[pairable], r[pairable]
    return float(((cp * (cp - 1.0)).sum(axis=1) / (rp * (rp - 1.0))).mean())


def kappa_band(value: float | None) -> str:
    """Landis & Koch (1977) label for a kappa-type value; a convention, not a law.

    < 0 poor, 0–0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80 substantial,
    0.81–1 almost perfect (upper bounds inclusive). None or NaN gives "n/a".
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    v = float(value)
    if np.isnan(v):
        return "n/a"
    if v < -1.0 - 1e-9 or v > 1.0 + 1e-9:
        raise MetricInputError(f"an agreement coefficient lies in [-1, 1] (got {v:g})")
    if v < 0:
        return "poor"
    for upper, name in _BANDS[1:]:
        if v <= upper:
            return name
    return _BANDS[-1][1]
