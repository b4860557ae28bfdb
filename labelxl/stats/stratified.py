"""Stratified accuracy: audit results re-weighted by each stratum's production volume."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.stats.intervals import z_value

__all__ = ["Estimate", "stratified_accuracy"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and interval.

    ``coverage`` is the share of the total volume held by the strata that entered the
    estimate (strata without audits cannot be estimated and are left out).
    """

    estimate: float
    standard_error: float
    ci_low: float
    ci_high: float
    confidence: float
    coverage: float


def stratified_accuracy(strata: pd.DataFrame, confidence: float = 0.95) -> Estimate:
    """Volume-weighted accuracy Σ Wₕ p̂ₕ over strata (Cochran 1977, *Sampling Techniques*, ch. 5).

    ``strata`` has one row per stratum with ``volume`` (Nₕ, items produced), ``audited``
    (nₕ) and ``correct``. With Wₕ = Nₕ / Σ N over the audited strata:

    * estimate p_st = Σ Wₕ p̂ₕ, p̂ₕ = correct / audited;
    * SE = sqrt(Σ Wₕ² · p̂ₕ(1 − p̂ₕ)/nₕ · (1 − nₕ/Nₕ)), the finite-population factor
      clipped at 0 when more items were audited than produced;
    * interval = p_st ± z·SE, clipped to [0, 1].

    Strata with audited = 0 are left out and ``coverage`` reports the volume share of the
    strata kept. A stratum with a single audit cannot estimate its own variance (p̂(1 − p̂)
    is 0 for one item), so it contributes the worst case 1/4 instead of 0. Raises
    ``MetricInputError`` when no audited stratum has volume, or on invalid counts.
    """
    missing = {"volume", "audited", "correct"} - set(strata.columns)
    if missing:
        names = ", ".join(sorted(missing))
        raise MetricInputError(
            f"strata needs columns volume, audited and correct (missing {names})"
        )
    try:
        big_n = strata["volume"].to_numpy(dtype="float64")
        n = strata["audited"].to_numpy(dtype="float64")
        x = strata["correct"].to_numpy(dtype="float64")
    except (TypeError, ValueError):
        raise MetricInputError("volume, audited and correct must be numbers") from None
    if not (np.isfinite(big_n).all() and np.isfinite(n).all() and np.isfinite(x).all()):
        raise MetricInputError("volume, audited and correct must not be blank")
    if (big_n < 0).any() or (n < 0).any() or (x < 0).any():
        raise MetricInputError("volume, audited and correct must not be negative")
    if (x > n).any():
        raise MetricInputError("correct cannot exceed audited in any stratum")
    z = z_value(confidence)
    total = big_n.sum()
    kept = n > 0
    covered = big_n[kept].sum()
    if covered <= 0:
        raise MetricInputError("no audited stratum has a volume above 0, so nothing to weight")
    big_n, n, x = big_n[kept], n[kept], x[kept]
    w = big_n / covered
    p = x / n
    pq = np.where(n == 1, 0.25, p * (1.0 - p))
    fpc = np.clip(1.0 - n / np.where(big_n > 0, big_n, 1.0), 0.0, 1.0)
    fpc = np.where(big_n > 0, fpc, 0.0)
    estimate = float(np.sum(w * p))
    se = float(np.sqrt(np.sum(w * w * pq / n * fpc)))
    return Estimate(
        estimate=estimate,
        standard_error=se,
        ci_low=float(np.clip(estimate - z * se, 0.0, 1.0)),
        ci_high=float(np.clip(estimate + z * se, 0.0, 1.0)),
        confidence=float(confidence),
        coverage=float(covered / total),
    )
