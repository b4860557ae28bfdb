"""Audit sample sizes: Cochran's formula, stratum allocation and ANSI/ASQ Z1.4 lot plans."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from labelxl.errors import MetricInputError
from labelxl.stats.intervals import z_value

__all__ = [
    "CODE_LETTERS",
    "SAMPLE_SIZES",
    "STANDARD_AQLS",
    "SamplingPlan",
    "allocate",
    "cochran_sample_size",
    "code_letter",
    "z14_plan",
]


# --------------------------------------------------------------------------- Cochran


def cochran_sample_size(
    margin: float,
    confidence: float = 0.95,
    p: float = 0.5,
    population: int | None = None,
) -> int:
    """Sample size to estimate a proportion within ± ``margin``.

    n0 = z²·p(1−p)/margin²; with a population N the finite-population correction
    n = n0 / (1 + (n0 − 1)/N) applies. The result is rounded up and never exceeds N
    (N = 0 gives 0). p = 0.5 is the conservative (largest) choice.
    Reference: Cochran (1977), *Sampling Techniques*, 3rd ed., ch. 4.
    """
    if not isinstance(margin, (int, float)) or not 0.0 < margin < 1.0:
        raise MetricInputError(f"margin must be between 0 and 1, e.g. 0.03 (got {margin!r})")
    if not isinstance(p, (int, float)) or not 0.0 < p < 1.0:
        raise MetricInputError(
            f"p must be strictly between 0 and 1; use 0.5 when unsure (got {p!r})"
        )
    z = z_value(confidence)
    n0 = z * z * p * (1.0 - p) / (margin * margin)
    n = n0
    if population is not None:
        whole = isinstance(population, (int, np.integer)) or (
            isinstance(population, float) and population.is_integer()
        )
        if isinstance(population, bool) or not whole:
            raise MetricInputError(
                f"population must be a whole number of items (got {population!r})"
            )
        big_n = int(population)
        if big_n < 0:
            raise MetricInputError(f"population must not be negative (got {population!r})")
        if big_n == 0:
            return 0
        n = n0 / (1.0 + (n0 - 1.0) / big_n)
    # A tiny tolerance keeps 400.00000000000006 (floating noise) from becoming 401.
    size = max(1, math.ceil(n - 1e-9))
    if population is not None:
        size = min(size, int(population))
    return size


# --------------------------------------------------------------------------- allocation


def allocate(
    total_n: int,
    volumes: Sequence[float] | np.ndarray,
    method: Literal["proportional", "neyman"] = "proportional",
    p: float | Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """Split a sample of ``total_n`` across strata (Cochran 1977, ch. 5: proportional and Neyman).

    Proportional: nₕ ∝ Nₕ. Neyman: nₕ ∝ Nₕ·sqrt(pₕ(1−pₕ)) with ``p`` the expected
    proportion per stratum (one value or one per stratum; required). Rules, in order:
    the total is capped at the total volume; strata with volume 0 get 0; no stratum gets
    more than its volume; when the (capped) total is at least the number of non-empty
    strata each of them gets at least 1; quotas are rounded by largest remainder so
    they add up exactly. When every Neyman weight is 0 (all pₕ are 0 or 1) the split is
    proportional. Returns an int64 array in the order of ``volumes``.
    """
    vol = np.asarray(volumes, dtype="float64").ravel()
    if not np.isfinite(vol).all() or (vol < 0).any():
        raise MetricInputError("volumes must be non-negative numbers")
    if (vol != np.floor(vol)).any():
        raise MetricInputError("volumes must be whole numbers of items")
    if isinstance(total_n, bool) or not float(total_n).is_integer() or total_n < 0:
        raise MetricInputError(f"total_n must be a whole number ≥ 0 (got {total_n!r})")
    if method == "proportional":
        weight = vol.copy()
    elif method == "neyman":
        if p is None:
            raise MetricInputError("neyman allocation needs p, the expected proportion per stratum")
        pp = np.broadcast_to(np.asarray(p, dtype="float64"), vol.shape)
        if not np.isfinite(pp).all() or (pp < 0).any() or (pp > 1).any():
            raise MetricInputError("p must be between 0 and 1 for every stratum")
        weight = vol * np.sqrt(pp * (1.0 - pp))
        if not (weight > 0).any():
            weight = vol.copy()
    else:
        raise MetricInputError(f"method must be 'proportional' or 'neyman' (got {method!r})")

    out = np.zeros(vol.size, dtype="int64")
    positive = vol > 0
    n = int(min(int(total_n), vol.sum()))
    if n == 0 or not positive.any():
        return out
    upper = vol.copy()
    lower = np.where(positive & (n >= positive.sum()), 1.0, 0.0)
    quota = _bounded_quotas(n, weight, lower, upper, positive)
    base = np.floor(quota + 1e-9)
    remainder = quota - base
    short = n - int(base.sum())
    if short > 0:
        # Largest remainder first; ties go to the earlier stratum (stable sort).
        order = np.argsort(-remainder, kind="stable")
        eligible = order[base[order] < upper[order]]
        base[eligible[:short]] += 1
    out[:] = base.astype("int64")
    return out


def _bounded_quotas(
    n: int, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Proportional quotas under per-stratum bounds: fix violators at their bound, re-split."""
    quota = np.zeros(weight.size)
    free = active.copy()
    fixed = np.zeros(weight.size, dtype=bool)
    for _ in range(weight.size + 1):
        left = n - quota[fixed].sum()
        w = np.where(free, weight, 0.0)
        if w.sum() <= 0:
            # The free strata carry no weight (e.g. Neyman weight 0): split by volume.
            w = np.where(free, upper, 0.0)
        quota[free] = left * w[free] / w.sum() if w.sum() > 0 else 0.0
        over = free & (quota > upper)
        if over.any():
            quota[over] = upper[over]
        else:
            under = free & (quota < lower)
            if not under.any():
                break
            quota[under] = lower[under]
            over = under
        fixed |= over
        free &= ~over
        if not free.any():
            break
    return quota


# --------------------------------------------------------------------------- Z1.4

CODE_LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "Q", "R")

# ANSI/ASQ Z1.4-2008 Table II-A (= ISO 2859-1:1999 Table 2-A, MIL-STD-105E Table II-A):
# sample size of each code letter.
SAMPLE_SIZES: dict[str, int] = dict(
    zip(
        CODE_LETTERS,
        (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
        strict=True,
    )
)

# ANSI/ASQ Z1.4-2008 Table I, general inspection levels I, II, III: upper lot size of each
# row and its code letters. The last row is "500,001 and over".
_TABLE_I: tuple[tuple[float, str, str, str], ...] = (
    (8, "A", "A", "B"),
    (15, "A", "B", "C"),
    (25, "B", "C", "D"),
    (50, "C", "D", "E"),
    (90, "C", "E", "F"),
    (150, "D", "F", "G"),
    (280, "E", "G", "H"),
    (500, "F", "H", "J"),
    (1200, "G", "J", "K"),
    (3200, "H", "K", "L"),
    (10000, "J", "L", "M"),
    (35000, "K", "M", "N"),
    (150000, "L", "N", "P"),
    (500000, "M", "P", "Q"),
    (math.inf, "N", "Q", "R"),
)
LEVELS = ("I", "II", "III")

STANDARD_AQLS = (0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0)

# ANSI/ASQ Z1.4-2008 Table II-A, single sampling, normal inspection, for the AQL columns
# above (0.065 … 10). Each cell is the acceptance number Ac (Re = Ac + 1), "v" (use the
# first plan below the arrow) or "^" (use the first plan above the arrow).
_TABLE_II_A: dict[str, str] = {
    #     0.065 0.10 0.15 0.25 0.40 0.65 1.0 1.5 2.5 4.0 6.5  10
    "A": "v     v    v    v    v    v    v   v   v   v   0    ^",
    "B": "v     v    v    v    v    v    v   v   v   0   ^    v",
    "C": "v     v    v    v    v    v    v   v   0   ^   v    1",
    "D": "v     v    v    v    v    v    v   0   ^   v   1    2",
    "E": "v     v    v    v    v    v    0   ^   v   1   2    3",
    "F": "v     v    v    v    v    0    ^   v   1   2   3    5",
    "G": "v     v    v    v    0    ^    v   1   2   3   5    7",
    "H": "v     v    v    0    ^    v    1   2   3   5   7    10",
    "J": "v     v    0    ^    v    1    2   3   5   7   10   14",
    "K": "v     0    ^    v    1    2    3   5   7   10  14   21",
    "L": "0     ^    v    1    2    3    5   7   10  14  21   ^",
    "M": "^     v    1    2    3    5    7   10  14  21  ^    ^",
    "N": "v     1    2    3    5    7    10  14  21  ^   ^    ^",
    "P": "1     2    3    5    7    10   14  21  ^   ^   ^    ^",
    "Q": "2     3    5    7    10   14   21  ^   ^   ^   ^    ^",
    "R": "3     5    7    10   14   21   ^   ^   ^   ^   ^    ^",
}
TABLE_II_A: dict[str, tuple[str, ...]] = {k: tuple(v.split()) for k, v in _TABLE_II_A.items()}


@dataclass(frozen=True)
class SamplingPlan:
    """A Z1.4 single sampling plan: inspect ``sample_size`` items, accept the lot when at
    most ``accept`` are defective, reject it when ``reject`` or more are.

    ``code_letter`` is Table I's letter for the lot; ``plan_letter`` the row actually used
    after following the arrows. ``full_inspection`` is true when the plan's sample would
    reach the lot size: then ``sample_size`` is the lot size (inspect every item) and
    ``accept``/``reject`` are the plan's numbers.
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    plan_letter: str = ""
    full_inspection: bool = False


def code_letter(lot_size: int, level: str = "II") -> str:
    """Z1.4 Table I sample size code letter for a lot size and general inspection level."""
    if isinstance(lot_size, bool) or not float(lot_size).is_integer() or lot_size < 1:
        raise MetricInputError(f"lot_size must be a whole number ≥ 1 (got {lot_size!r})")
    key = str(level).strip().upper()
    if key not in LEVELS:
        raise MetricInputError(f"inspection level must be I, II or III (got {level!r})")
    column = LEVELS.index(key) + 1
    for row in _TABLE_I:
        if lot_size <= row[0]:
            return str(row[column])
    raise AssertionError("unreachable: the last Table I row is open-ended")


def _aql_column(aql: float) -> int:
    for i, standard in enumerate(STANDARD_AQLS):
        if math.isclose(float(aql), standard, rel_tol=1e-9):
            return i
    choices = ", ".join(f"{a:g}" for a in STANDARD_AQLS)
    raise MetricInputError(f"aql must be a standard Z1.4 AQL: {choices} (got {aql!r})")


def z14_plan(lot_size: int, aql: float, level: str = "II") -> SamplingPlan:
    """ANSI/ASQ Z1.4-2008 (ISO 2859-1) single sampling plan, normal inspection.

    Looks up the code letter (Table I), then the AQL column of Table II-A, following
    arrows to the first plan below (v) or above (^) and taking that row's sample size
    with its Ac/Re. At row A, AQL 10 the table's up arrow has no row above; the Ac 0 /
    Re 1 plan with n = 2 is used. When the sample size reaches the lot size every item
    is inspected (``full_inspection``).
    """
    letter = code_letter(lot_size, level)
    col = _aql_column(aql)
    row = CODE_LETTERS.index(letter)
    for _ in range(len(CODE_LETTERS)):
        cell = TABLE_II_A[CODE_LETTERS[row]][col]
        if cell == "v":
            row += 1
        elif cell == "^":
            if row == 0:
                cell = "0"
                break
            row -= 1
        else:
            break
    accept = int(cell)
    plan_letter = CODE_LETTERS[row]
    n = SAMPLE_SIZES[plan_letter]
    full = n >= lot_size
    return SamplingPlan(
        code_letter=letter,
        sample_size=int(lot_size) if full else n,
        accept=accept,
        reject=accept + 1,
        plan_letter=plan_letter,
        full_inspection=full,
    )
