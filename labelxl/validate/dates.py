"""Date rules: facts not in the future, ends after starts, work within a person's dates."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from labelxl.model.dimensions import people
from labelxl.model.findings import DATE_OUTSIDE_PERIOD, END_BEFORE_START, FUTURE_DATE, Finding
from labelxl.model.workspace import Workspace
from labelxl.validate._common import (
    emit,
    has,
    is_missing,
    iso_day,
    lookup,
)

# Dates that record when something happened; none of them can lie after today.
FACT_DATES: tuple[tuple[str, str], ...] = (
    ("Production", "date"),
    ("Timesheet", "date"),
    ("Queue", "date"),
    ("Audits", "audit_date"),
    ("Calibration", "date"),
    ("Requirements", "received_date"),
    ("Hiring", "applied_date"),
)

# (sheet, earlier column, later column): the later date may not come before the earlier one.
DATE_ORDER: tuple[tuple[str, str, str], ...] = (
    ("Projects", "start_date", "end_date"),
    ("Roster", "start_date", "end_date"),
    ("Requirements", "received_date", "due_date"),
    ("Hiring", "applied_date", "interview_date"),
    ("Hiring", "applied_date", "decision_date"),
    ("Hiring", "applied_date", "start_date"),
)


def date_order(ws: Workspace) -> list[Finding]:
    out: list[Finding] = []
    for sheet, early, late in DATE_ORDER:
        if not has(ws, sheet, early, late):
            continue
        sd = ws.sheets[sheet]
        frame = sd.frame
        bad = frame[late] < frame[early]  # NaT compares False: blank dates are not checked
        say = partial(_say_date_order, early, late)
        out.extend(emit(END_BEFORE_START, sd, late, frame.loc[bad], say))
    return out


def _say_date_order(early: str, late: str, r: dict[str, Any]) -> str:
    return (
        f"{late} must be on or after {early} {iso_day(r[early])} (got {iso_day(r[late])}). "
        f"Correct either date."
    )


def future_dates(ws: Workspace) -> list[Finding]:
    today = pd.Timestamp(ws.today)
    out: list[Finding] = []
    for sheet, column in FACT_DATES:
        if not has(ws, sheet, column):
            continue
        sd = ws.sheets[sheet]
        bad = sd.frame[column] > today
        say = partial(_say_future, column, today)
        out.extend(emit(FUTURE_DATE, sd, column, sd.frame.loc[bad], say))
    return out


def _say_future(column: str, today: pd.Timestamp, r: dict[str, Any]) -> str:
    return (
        f"{column} must be on or before today, {today:%Y-%m-%d} (got {iso_day(r[column])}). "
        f"Correct the date; a future day cannot have happened yet."
    )


def outside_roster_dates(ws: Workspace) -> list[Finding]:
    if not has(ws, "Roster", "person_id", "start_date"):
        return []
    roster = people(ws)
    out: list[Finding] = []
    for sheet in ("Production", "Timesheet"):
        if not has(ws, sheet, "date", "person_id"):
            continue
        sd = ws.sheets[sheet]
        frame = sd.frame
        pos = roster.index.get_indexer(pd.Index(frame["person_id"]))
        start = lookup(frame["person_id"], roster["start_date"], pos)
        end = lookup(frame["person_id"], roster["end_date"], pos)
        bad = (frame["date"] < start) | (frame["date"] > end)  # NaT (unknown/blank) → False
        hits = frame.loc[bad].assign(_start=start[bad], _end=end[bad])
        out.extend(
            emit(
                DATE_OUTSIDE_PERIOD,
                sd,
                "date",
                hits,
                lambda r: (
                    f"date must fall within {r['person_id']}'s dates in Roster, "
                    f"{_span(r['_start'], r['_end'])} (got {iso_day(r['date'])}). Correct the "
                    f"date or the person's start_date/end_date in Roster."
                ),
            )
        )
    return out


def _span(start: object, end: object) -> str:
    first = iso_day(start) if not is_missing(start) else "the start"
    return f"{first} to {iso_day(end)}" if not is_missing(end) else f"{first} onwards"
