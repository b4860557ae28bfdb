"""The toolbox every metric module starts from: input checks, periods, safe ratios, labels.

One owner per concept: months are checked by ``labelxl.model.periods`` (re-exported here
as ``parse_month``/``resolve_month``), the missing-dimension label is
``labelxl.model.dimensions.UNASSIGNED``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.model.dimensions import UNASSIGNED, people
from labelxl.model.periods import FREQS, Freq, parse_month, period_of, resolve_month
from labelxl.model.schema import ACTIVITIES
from labelxl.model.workspace import Workspace, memoized

__all__ = [
    "UNASSIGNED",
    "WEIGHT",
    "WORKDAYS_PER_WEEK",
    "check_by",
    "check_freq",
    "empty",
    "optional_month",
    "parse_month",
    "period_table",
    "periods",
    "person_dimension",
    "ratio",
    "resolve_month",
    "timesheet",
    "unassigned",
    "weights",
    "working_days",
]

WORKDAYS_PER_WEEK = 5  # Monday–Friday; public holidays are the capacity plan's business


# Audits one row stands for: a table compacted by an engine (labelxl.engines) carries the
# count in ``n``; a workbook's rows have no such column and count 1 each.
WEIGHT = "n"


def weights(frame: pd.DataFrame) -> np.ndarray:
    """Each audit row's ``n`` (the audits it stands for); 1 when the column is absent."""
    if WEIGHT in frame:
        return frame[WEIGHT].fillna(1).to_numpy(dtype="int64")
    return np.ones(len(frame), dtype="int64")


def check_freq(freq: str) -> Freq:
    """``freq`` if it is one of FREQS; anything else raises MetricInputError."""
    if freq not in FREQS:
        raise MetricInputError(f"freq must be one of {', '.join(FREQS)} (got {freq!r})")
    return freq  # type: ignore[return-value]


def check_by(by: str, allowed: Iterable[str]) -> str:
    """``by`` if it is one of ``allowed``; the message lists the choices."""
    choices = tuple(allowed)
    if by not in choices:
        raise MetricInputError(f"by must be one of {', '.join(choices)} (got {by!r})")
    return by


def optional_month(month: object | None) -> str | None:
    """``month`` checked by ``periods.parse_month``; None stays None (= all data)."""
    return None if month is None else parse_month(month)


def periods(dates: pd.Series, freq: Freq) -> pd.Series:
    """``periods.period_of`` that also works on an empty Series (it fails there for weeks)."""
    if len(dates) == 0:
        return pd.Series([], index=dates.index, dtype=object)
    return period_of(dates, freq)


def period_table(labels: Iterable[str], freq: Freq) -> pd.DataFrame:
    """``period``, ``period_start``, ``period_end`` (inclusive) and ``working_days`` per label."""
    rows = []
    for label in sorted(set(labels)):
        if freq == "month":
            start = pd.Timestamp(f"{label}-01")
            end = start + pd.offsets.MonthEnd(0)
        else:
            year, week = label.split("-W")
            start = pd.Timestamp(dt.date.fromisocalendar(int(year), int(week), 1))
            end = start + pd.Timedelta(days=6)
        rows.append((label, start, end))
    out = pd.DataFrame(rows, columns=["period", "period_start", "period_end"])
    out["period_start"] = out["period_start"].astype("datetime64[ns]")
    out["period_end"] = out["period_end"].astype("datetime64[ns]")
    out["working_days"] = working_days(out["period_start"], out["period_end"])
    return out


def _days(values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(pd.to_datetime(values)).astype("datetime64[D]")


def working_days(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Monday–Friday days from ``start`` to ``end`` inclusive (0 when end < start or NaT)."""
    s = pd.to_datetime(pd.Series(start).reset_index(drop=True))
    e = pd.to_datetime(pd.Series(end).reset_index(drop=True))
    valid = (s.notna() & e.notna()).to_numpy()
    out = np.zeros(len(s), dtype=np.int64)
    if valid.any():
        out[valid] = np.busday_count(_days(s[valid]), _days(e[valid]) + np.timedelta64(1, "D"))
    return np.clip(out, 0, None)


def person_dimension(ws: Workspace, person_ids: pd.Series, by: str) -> pd.Series:
    """The ``by`` dimension (person_id, team, market, vendor) of each person id."""
    if by == "person_id":
        return person_ids
    return unassigned(person_ids.map(people(ws)[by]))


def unassigned(values: pd.Series) -> pd.Series:
    """Blank dimension values become "Unassigned" (object dtype, whatever the input dtype)."""
    obj = values.astype(object)
    return obj.where(obj.notna(), UNASSIGNED)


@memoized
def timesheet(ws: Workspace) -> pd.DataFrame:
    """Timesheet rows the metrics use: dated, with a person, a known activity and hours > 0.

    Rows failing that are validation findings (``hours-not-positive``, ``not-allowed``, …);
    leaving them out keeps every ratio between its documented bounds.
    """
    ts = ws.frame("Timesheet")[["date", "person_id", "activity", "hours", "project_id"]]
    keep = (
        ts["date"].notna()
        & ts["person_id"].notna()
        & ts["activity"].isin(ACTIVITIES)
        & (ts["hours"].fillna(0) > 0)
    )
    return ts.loc[keep].reset_index(drop=True)


def empty(columns: Iterable[str]) -> pd.DataFrame:
    """A frame with these columns and no rows (object dtype)."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, missing (NaN) where den is 0 or missing — never a ZeroDivisionError."""
    den = den.astype("float64")
    return (num.astype("float64") / den.where(den != 0)).astype("float64")
