"""Staffing arithmetic: FTE for batch (backlog) work and scheduled FTE from on-queue agents."""

from __future__ import annotations

import math

from labelxl.errors import MetricInputError


def batch_fte(
    volume: float, aht_seconds: float, hours_per_fte: float, shrinkage: float, occupancy: float
) -> float:
    """FTE to work ``volume`` items in a period: workload hours over productive hours per FTE.

    FTE = volume × AHT / 3600 / (hours_per_fte × (1 − shrinkage) × occupancy), where
    ``hours_per_fte`` is the paid hours of one full-time person in the same period.
    Zero volume or zero AHT needs 0 FTE.
    """
    v = _finite("volume", volume)
    aht = _finite("aht_seconds", aht_seconds)
    hours = _finite("hours_per_fte", hours_per_fte)
    s = _shrinkage(shrinkage)
    occ = _finite("occupancy", occupancy)
    if v < 0:
        raise MetricInputError(f"volume must be ≥ 0 (got {volume!r})")
    if aht < 0:
        raise MetricInputError(f"aht_seconds must be ≥ 0 (got {aht_seconds!r})")
    if hours <= 0:
        raise MetricInputError(f"hours_per_fte must be > 0 (got {hours_per_fte!r})")
    if not 0 < occ <= 1:
        raise MetricInputError(f"occupancy must be in (0, 1] (got {occupancy!r})")
    return v * aht / 3600.0 / (hours * (1.0 - s) * occ)


def scheduled_fte(agents: float, shrinkage: float) -> float:
    """People to schedule so that ``agents`` are on the queue: agents / (1 − shrinkage)."""
    n = _finite("agents", agents)
    if n < 0:
        raise MetricInputError(f"agents must be ≥ 0 (got {agents!r})")
    return n / (1.0 - _shrinkage(shrinkage))


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool):
        raise MetricInputError(f"{name} must be a number (got {value!r})")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise MetricInputError(f"{name} must be a number (got {value!r})") from None
    if not math.isfinite(x):
        raise MetricInputError(f"{name} must be a finite number (got {value!r})")
    return x


def _shrinkage(value: float) -> float:
    s = _finite("shrinkage", value)
    if not 0 <= s < 1:
        raise MetricInputError(
            f"shrinkage must be in [0, 1) (got {value!r}); 0.3 means 30% of paid time is "
            "not available for production"
        )
    return s
