"""Shared state of the demo generator: the frames and per-day arrays the steps pass on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class _Session:
    """A planned calibration session: who rates which policy area on which day."""

    id: str
    date: np.datetime64
    area: str
    raters: np.ndarray  # roster positions


def _quarters(x: np.ndarray) -> np.ndarray:
    """Round hours to the quarter hour people type into timesheets."""
    return np.round(np.asarray(x, dtype="float64") * 4) / 4


class _State:
    """What the generation steps share: the frames built so far and the per-day arrays
    the later steps (and the mistake planter) read."""

    n: int
    start: pd.Timestamp
    end: pd.Timestamp
    rng: np.random.Generator
    days: pd.DatetimeIndex
    taxonomy: pd.DataFrame
    projects: pd.DataFrame
    roster: pd.DataFrame
    production: pd.DataFrame
    timesheet: pd.DataFrame
    queue: pd.DataFrame
    audits: pd.DataFrame
    calibration: pd.DataFrame
    requirements: pd.DataFrame
    hiring: pd.DataFrame
    sessions: list[_Session]
    accuracy: Any
    active: Any
    pd_date: Any
    pd_graphic_worker: Any
    pd_leave: Any
    pd_person: Any
    pd_rater: Any
    pd_tenure: Any
    pd_weekday: Any
    person_factor: Any
    primary: Any
    secondary: Any
    prod_hours: Any
    prod_pday: Any
    prod_proj: Any
    project_index: Any
    rotation_day: Any
    ts_pday: Any
    ts_slot: Any

    def _plan_calibration(self) -> None:  # a quality step the work step calls
        raise NotImplementedError


def _weekday_on_or_before(value: object) -> pd.Timestamp:
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return ts - pd.Timedelta(days=max(0, ts.weekday() - 4))
