"""Confidence intervals for proportions: Wilson score limits and Newcombe's difference interval."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm

from labelxl.errors import MetricInputError

__all__ = [
    "mover_difference",
    "newcombe_difference",
    "wilson_arrays",
    "wilson_interval",
    "z_value",
]


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile for a confidence level, e.g. 0.95 → 1.959964."""
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise MetricInputError(f"confidence must be a number (got {confidence!r})") from None
    if not 0.0 < c < 1.0:
        raise MetricInputError(
            f"confidence must be between 0 and 1, e.g. 0.95 (got {confidence!r})"
        )
    return float(norm.ppf(0.5 + c / 2.0))


def _as_counts(successes: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    try:
        s = np.asarray(successes, dtype="float64")
        m = np.asarray(n, dtype="float64")
        if s.ndim and m.ndim and s.shape != m.shape:
            raise ValueError("unequal lengths")
        s, m = np.broadcast_arrays(s, m)
    except (TypeError, ValueError):
        raise MetricInputError(
            "successes and n must be numbers or equal-length sequences of numbers"
        ) from None
    if not (np.isfinite(s).all() and np.isfinite(m).all()):
        raise MetricInputError("successes and n must be finite numbers (got a blank or NaN)")
    if (m < 0).any() or (s < 0).any():
        raise MetricInputError("successes and n must not be negative")
    if (s > m).any():
        raise MetricInputError("successes cannot exceed n")
    return s, m


def wilson_arrays(
    successes: Any, n: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson score limits; where n = 0 the interval is the whole range (0, 1).

    ``successes`` may be fractional (a weighted or effective count), which the score
    formula handles unchanged.
    """
    s, m = _as_counts(successes, n)
    z = z_value(confidence)
    z2 = z * z
    empty = m == 0
    safe_n = np.where(empty, 1.0, m)
    p = np.where(empty, 0.0, s / safe_n)
    denom = 1.0 + z2 / safe_n
    centre = (p + z2 / (2.0 * safe_n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / safe_n + z2 / (4.0 * safe_n * safe_n)) / denom
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    # The score limits are exactly 0 at s = 0 and exactly 1 at s = n; rounding must not
    # turn them into 1e-17 or 0.9999999999999999.
    low = np.where(s == 0, 0.0, low)
    high = np.where(s == m, 1.0, high)
    low = np.where(empty, 0.0, low)
    high = np.where(empty, 1.0, high)
    return low, high


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion successes / n; n = 0 gives (0.0, 1.0).

    Reference: Wilson (1927) JASA 22:209-212; Newcombe (1998) Stat Med 17:857-872, method 3.
    """
    if np.ndim(successes) or np.ndim(n):
        raise MetricInputError("wilson_interval takes two numbers; use wilson_arrays for arrays")
    low, high = wilson_arrays(successes, n, confidence)
    return float(low), float(high)


def mover_difference(
    p1: Any, low1: Any, high1: Any, p2: Any, low2: Any, high2: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Limits for p1 − p2 from each proportion's own interval (MOVER / Newcombe's hybrid).

    Reference: Newcombe (1998) Stat Med 17:873-890, method 10 when the inputs are Wilson
    limits; Zou & Donner (2008) Stat Med 27:1693-1702 for the general form.
    """
    p1, low1, high1, p2, low2, high2 = (
        np.asarray(v, dtype="float64") for v in (p1, low1, high1, p2, low2, high2)
    )
    d = p1 - p2
    low = d - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = d + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def newcombe_difference(
    x1: float, n1: float, x2: float, n2: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval for the difference of two independent proportions x1/n1 − x2/n2.

    Newcombe's hybrid score interval (method 10); both samples must be non-empty.
    """
    if n1 <= 0 or n2 <= 0:
        raise MetricInputError("a difference of proportions needs n1 > 0 and n2 > 0")
    low1, high1 = wilson_interval(x1, n1, confidence)
    low2, high2 = wilson_interval(x2, n2, confidence)
    low, high = mover_difference(x1 / n1, low1, high1, x2 / n2, low2, high2)
    return float(low), float(high)
