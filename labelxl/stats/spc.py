"""Statistical process control: the p-chart with per-point limits for varying sample sizes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError

__all__ = ["P_CHART_COLUMNS", "p_chart", "p_chart_limits"]

P_CHART_COLUMNS = ("p", "center", "lcl", "ucl", "out_of_control")


def p_chart_limits(center: Any, sizes: Any, sigma: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits p̄ ± sigma·sqrt(p̄(1−p̄)/n), clipped to [0, 1].

    ``center`` may be one value or one per point (a per-project p̄ in a long table).
    """
    if not np.isfinite(sigma) or sigma <= 0:
        raise MetricInputError(f"sigma must be a positive number (got {sigma!r})")
    c = np.asarray(center, dtype="float64")
    n = np.asarray(sizes, dtype="float64")
    if (n <= 0).any():
        raise MetricInputError("every sample size of a p-chart must be above 0")
    spread = sigma * np.sqrt(c * (1.0 - c) / n)
    return np.clip(c - spread, 0.0, 1.0), np.clip(c + spread, 0.0, 1.0)


def p_chart(defects: Any, sizes: Any, sigma: float = 3.0) -> pd.DataFrame:
    """p-chart of defectives per sample (Shewhart; Montgomery, *Introduction to SQC*, ch. 7).

    Returns one row per sample with ``p`` (defects / size), ``center`` (p̄ = total defects /
    total inspected), per-point ``lcl`` and ``ucl`` and ``out_of_control`` (p strictly
    outside the limits). The index of ``defects`` is kept when it is a Series. No samples
    give an empty frame; a sample of size 0, negative counts or defects above the size
    raise ``MetricInputError``.
    """
    index = defects.index if isinstance(defects, pd.Series) else None
    try:
        d = np.asarray(defects, dtype="float64").ravel()
        n = np.asarray(sizes, dtype="float64").ravel()
    except (TypeError, ValueError):
        raise MetricInputError("defects and sizes must be sequences of numbers") from None
    if d.shape != n.shape:
        raise MetricInputError(
            f"defects and sizes must have the same length (got {d.size} and {n.size})"
        )
    if index is not None and len(index) != d.size:
        index = None
    if d.size == 0:
        return pd.DataFrame(
            {
                "p": pd.Series([], dtype="float64"),
                "center": pd.Series([], dtype="float64"),
                "lcl": pd.Series([], dtype="float64"),
                "ucl": pd.Series([], dtype="float64"),
                "out_of_control": pd.Series([], dtype=bool),
            }
        )
    if not (np.isfinite(d).all() and np.isfinite(n).all()):
        raise MetricInputError("defects and sizes must be finite numbers (got a blank or NaN)")
    if (d < 0).any():
        raise MetricInputError("defects must not be negative")
    if (n <= 0).any():
        raise MetricInputError("every sample size of a p-chart must be above 0")
    if (d > n).any():
        raise MetricInputError("defects cannot exceed the sample size")
    center = d.sum() / n.sum()
    lcl, ucl = p_chart_limits(center, n, sigma)
    p = d / n
    out = pd.DataFrame(
        {
            "p": p,
            "center": np.full(d.size, center),
            "lcl": lcl,
            "ucl": ucl,
            "out_of_control": (p > ucl) | (p < lcl),
        }
    )
    if index is not None:
        out.index = index
    return out
