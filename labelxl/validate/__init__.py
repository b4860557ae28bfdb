"""Validation: check a Workspace against its sheet contracts and business rules, return a Report."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, cast

import numpy as np
import pandas as pd

from labelxl.model.dimensions import people, projects
from labelxl.model.findings import Finding, Report, col_letter, sheet_ref
from labelxl.model.schema import PRODUCTIVE_ACTIVITIES, SHEETS, Column, SheetSchema
from labelxl.model.workspace import ROW, SheetData, Workspace

__all__ = ["validate"]

EPS = 1e-9  # running totals of decimal hours (0.1 + 0.2 …) must not cross a cap by rounding
CAP = 6  # choices shown in a message before "(+N more)"
MAX_MESSAGE = 254  # a message must fit in one Excel cell comment / a 255-char field

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

# References the schema describes in words but does not declare (Column.references).
EXTRA_REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("Projects", "policy_area", "Taxonomy", "policy_area"),
)
DECISION_COLUMNS = ("labeler_decision", "auditor_decision")

# Required cells judged elsewhere: reading the Settings sheet already reports a blank
# numeric value as bad-setting, and blank is valid for text settings (pseudonym_secret).
BLANK_JUDGED_ELSEWHERE = {("Settings", "value")}


def validate(ws: Workspace) -> Report:
    """Every finding for ``ws``: those made while reading plus every rule below, in sheet order.

    Never raises on bad data: a rule whose sheet or columns are missing is skipped (the
    missing sheet or column is itself a finding).
    """
    found = [finding for rule in RULES for finding in rule(ws)]
    return Report(_sorted(_dedupe([*ws.findings, *found])))


# ---------------------------------------------------------------- helpers


def _has(ws: Workspace, sheet: str, *columns: str) -> bool:
    """The sheet is present and each column has a header (so its cells have an address)."""
    sd = ws.sheets.get(sheet)
    return sd is not None and all(c in sd.letters for c in columns)


def _emit(
    code: str,
    sd: SheetData,
    column: str,
    hits: pd.DataFrame,
    say: Callable[[dict[str, Any]], str],
    value: Callable[[dict[str, Any]], object] | None = None,
) -> list[Finding]:
    """One finding per row of ``hits`` (only failing rows reach here) on ``column``'s cell."""
    out: list[Finding] = []
    if hits.empty:
        return out
    for rec in cast("list[dict[str, Any]]", hits.to_dict("records")):
        cell = sd.cell(column, int(rec[ROW]))
        text = f"{sheet_ref(sd.sheet_name)}!{cell}: {say(rec)}"
        out.append(
            Finding(
                code,
                sd.sheet_name,
                cell,
                _clip(text),
                column=column,
                value=_plain(value(rec) if value else rec.get(column)),
                workbook=sd.workbook,
            )
        )
    return out


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and value != value  # NaN, numpy floats included


def _plain(value: object) -> object:
    """A JSON-friendly form of a cell value: dates as ISO text, whole floats as ints."""
    if _missing(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _show(value: object) -> str:
    """A value as a message shows it: text quoted, numbers short, dates ISO, blanks 'blank'."""
    value = _plain(value)
    if value is None:
        return "blank"
    if isinstance(value, float):
        return f"{value:.4g}"
    text = f"'{value}'" if isinstance(value, str) else str(value)
    return text if len(text) <= 42 else text[:40] + "…'"


def _num(value: float) -> str:
    return f"{value:.4g}"


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def _choices(names: Iterable[str], cap: int = CAP) -> str:
    names = list(names)
    shown = ", ".join(names[:cap])
    return shown + (f" (+{len(names) - cap} more)" if len(names) > cap else "")


def _cell_order(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]*)(\d*)", cell or "")
    if not m:
        return (0, 0)
    letters, digits = m.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (int(digits) if digits else 0, col)


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.workbook, f.sheet, *_cell_order(f.cell), f.code))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Keep the first finding per place, so a reader that already reported one is not doubled."""
    seen: set[tuple[str, ...]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (
            (f.code, f.sheet, f.column)
            if f.code in ("missing-sheet", "missing-column")
            else (f.code, f.sheet, f.cell, f.column)
        )
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _lookup(keys: pd.Series, mapper: pd.Series, pos: np.ndarray | None = None) -> pd.Series:
    """``keys.map(mapper)`` for a uniquely indexed mapper; pass ``pos`` to reuse an indexer.

    Also right when the mapper is empty (``Series.map`` then casts it to float).
    """
    if pos is None:
        pos = mapper.index.get_indexer(pd.Index(keys))
    return pd.Series(mapper.array.take(pos, allow_fill=True), index=keys.index)


def _group_id(*keys: pd.Series) -> np.ndarray:
    """One small integer per distinct key combination, so later group-bys run on ints."""
    gid = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(key)
        gid, _ = pd.factorize(gid * (len(uniques) + 1) + codes + 1)
    return gid


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in sheet order, which is what 'the entry that pushes the total over' refers to."""
    if frame[ROW].is_monotonic_increasing:
        return frame
    return frame.sort_values(ROW, kind="stable")


def _crossing(hours: pd.Series, group: np.ndarray, cap: float) -> tuple[pd.Series, pd.Series]:
    """The one entry per group at which the running total first exceeds ``cap``; group totals.

    Negative and blank hours count as 0 here (they are hours-not-positive / required-blank).
    """
    h = hours.clip(lower=0).fillna(0.0)
    by = h.groupby(group, sort=False)
    running, total = by.cumsum(), by.transform("sum")
    return (running > cap + EPS) & (running - h <= cap + EPS), total


# ---------------------------------------------------------------- schema


_TYPE_PHRASE = {
    "date": "a date",
    "number": "a number",
    "integer": "a whole number",
    "yesno": "yes or no",
    "text": "text",
}


def _schema_rules(ws: Workspace) -> list[Finding]:
    bad_cells = {(f.sheet, f.cell) for f in ws.findings if f.code == "bad-type"}
    out: list[Finding] = []
    for name, schema in SHEETS.items():
        sd = ws.sheets.get(name)
        if sd is None:
            # Optional sheets (Queue, Calibration, Settings, …) may simply be absent.
            if schema.required_sheet:
                out.append(_missing_sheet(ws, schema))
            continue
        out.extend(_missing_columns(ws, sd, schema))
        frame = sd.frame
        for col in schema.columns:
            if col.name not in sd.letters:
                continue
            values = frame[col.name]
            if col.required and (name, col.name) not in BLANK_JUDGED_ELSEWHERE:
                out.extend(_required_blank(sd, col, frame, values, bad_cells))
            if col.allowed and col.type == "text":
                bad = values.notna() & ~values.isin(col.allowed)
                say = partial(_say_not_allowed, col)
                out.extend(_emit("not-allowed", sd, col.name, frame.loc[bad], say))
            if col.type in ("number", "integer") and (
                col.minimum is not None or col.maximum is not None
            ):
                lo = -np.inf if col.minimum is None else col.minimum
                hi = np.inf if col.maximum is None else col.maximum
                bad = values.notna() & ((values < lo) | (values > hi))
                say = partial(_say_out_of_range, col)
                out.extend(_emit("out-of-range", sd, col.name, frame.loc[bad], say))
        out.extend(_duplicate_keys(sd, schema))
    return out


def _say_not_allowed(col: Column, r: dict[str, Any]) -> str:
    return (
        f"{col.name} must be one of {_choices(col.allowed or ())} "
        f"(got {_show(r[col.name])}). Pick a value from the list."
    )


def _say_out_of_range(col: Column, r: dict[str, Any]) -> str:
    return (
        f"{col.name} must be {_range_phrase(col)} (got {_show(r[col.name])}). "
        f"Enter a value in that range."
    )


def _missing_sheet(ws: Workspace, schema: SheetSchema) -> Finding:
    message = (
        f"{schema.name}: required sheet is missing (expected a sheet named {schema.name}, "
        f"default workbook {schema.workbook}.xlsx, with columns "
        f"{_choices(schema.required_columns)}; got none). Add the sheet or copy it from "
        f"a labelxl init template."
    )
    return Finding("missing-sheet", schema.name, "", _clip(message), workbook=ws.root)


def _last_header(ws: Workspace, sd: SheetData) -> int:
    """0-based index of the last header cell: known columns and ignored unknown ones."""
    last = -1
    for letters in sd.letters.values():
        last = max(last, _cell_order(letters)[1] - 1)
    for f in ws.findings:
        if f.code == "unknown-column" and f.sheet == sd.sheet_name:
            last = max(last, _cell_order(f.cell)[1] - 1)
    return last


def _missing_columns(ws: Workspace, sd: SheetData, schema: SheetSchema) -> list[Finding]:
    missing = [c for c in schema.required_columns if c not in sd.letters]
    if not missing:
        return []
    found = sorted(sd.letters, key=lambda c: _cell_order(sd.letters[c])[1])
    last = _last_header(ws, sd)
    return [_missing_column(sd, name, last + 1 + i, found) for i, name in enumerate(missing)]


def _missing_column(sd: SheetData, name: str, index: int, found: list[str]) -> Finding:
    cell = f"{col_letter(index)}{sd.header_row}"
    message = (
        f"{sheet_ref(sd.sheet_name)}!{cell}: required column {name} is missing (found "
        f"{_choices(found) or 'no known columns'}). Add a header {name} here, or rename "
        f"the column that holds it."
    )
    return Finding(
        "missing-column", sd.sheet_name, cell, _clip(message), column=name, workbook=sd.workbook
    )


def _required_blank(
    sd: SheetData,
    col: Column,
    frame: pd.DataFrame,
    values: pd.Series,
    bad_cells: set[tuple[str, str]],
) -> list[Finding]:
    blank = values.isna()
    if not blank.any():
        return []
    hits = frame.loc[blank]
    if bad_cells:
        # A cell that could not be typed is already a bad-type finding; do not add a second.
        cells = sd.letters[col.name] + hits[ROW].astype("int64").astype(str)
        typed_bad = cells.map(lambda c: (sd.sheet_name, c) in bad_cells).astype(bool)
        hits = hits.loc[~typed_bad]
    return _emit(
        "required-blank",
        sd,
        col.name,
        hits,
        lambda r: (
            f"{col.name} is required (expected {_TYPE_PHRASE[col.type]}; got blank). "
            f"Fill it in or delete the row."
        ),
    )


def _range_phrase(col: Column) -> str:
    if col.minimum is not None and col.maximum is not None:
        return f"between {_num(col.minimum)} and {_num(col.maximum)}"
    if col.minimum is not None:
        return f"at least {_num(col.minimum)}"
    return f"at most {_num(col.maximum or 0)}"


def _duplicate_keys(sd: SheetData, schema: SheetSchema) -> list[Finding]:
    key = list(schema.key)
    if not key or not all(k in sd.letters or not schema.column(k).required for k in key):
        return []
    frame = sd.frame
    # Rows with a blank required key part are required-blank findings, not duplicates.
    required = [k for k in key if schema.column(k).required]
    sub = frame.loc[frame[required].notna().all(axis=1), [*key, ROW]]
    dup_any = sub.duplicated(key, keep=False)
    if not dup_any.any():
        return []
    sub = sub.loc[dup_any].copy()
    sub["_first"] = sub.groupby(key, dropna=False, sort=False)[ROW].transform("min")
    hits = sub.loc[sub[ROW] != sub["_first"]]
    label = ", ".join(key)

    def shown(rec: dict[str, Any]) -> str:
        return " / ".join(
            _day(rec[k]) if isinstance(rec[k], pd.Timestamp) else str(_plain(rec[k])) for k in key
        )

    if len(key) == 1:
        return _emit(
            "duplicate-key",
            sd,
            key[0],
            hits,
            lambda r: (
                f"{label} must be unique (got {_show(r[key[0]])}, already in row "
                f"{int(r['_first'])}). Give this row its own {label} or delete the duplicate."
            ),
        )
    return _emit(
        "duplicate-key",
        sd,
        key[0],
        hits,
        lambda r: (
            f"each ({label}) must appear once (got {shown(r)}, already in row "
            f"{int(r['_first'])}). Merge the two rows or delete the duplicate."
        ),
        value=shown,
    )


def _date_order(ws: Workspace) -> list[Finding]:
    out: list[Finding] = []
    for sheet, early, late in DATE_ORDER:
        if not _has(ws, sheet, early, late):
            continue
        sd = ws.sheets[sheet]
        frame = sd.frame
        bad = frame[late] < frame[early]  # NaT compares False: blank dates are not checked
        say = partial(_say_date_order, early, late)
        out.extend(_emit("end-before-start", sd, late, frame.loc[bad], say))
    return out


def _say_date_order(early: str, late: str, r: dict[str, Any]) -> str:
    return (
        f"{late} must be on or after {early} {_day(r[early])} (got {_day(r[late])}). "
        f"Correct either date."
    )


# ---------------------------------------------------------------- references


def _references(ws: Workspace) -> list[Finding]:
    checks = [
        (name, col.name, *col.references)
        for name, schema in SHEETS.items()
        for col in schema.columns
        if col.references is not None
    ]
    out: list[Finding] = []
    for sheet, column, ref_sheet, ref_column in (*checks, *EXTRA_REFERENCES):
        if not _has(ws, sheet, column) or not _has(ws, ref_sheet, ref_column):
            continue  # missing-sheet / missing-column already say why
        if sheet == "Audits" and column in DECISION_COLUMNS:
            continue  # by policy area, below
        sd = ws.sheets[sheet]
        values = sd.frame[column]
        valid = pd.unique(ws.frame(ref_sheet)[ref_column].dropna())
        bad = values.notna() & ~values.isin(valid)
        if not bad.any():
            continue
        lower = {str(v).lower(): str(v) for v in valid}
        say = partial(_say_reference, column, ref_sheet, ref_column, lower)
        out.extend(_emit("unknown-reference", sd, column, sd.frame.loc[bad], say))
    if _has(ws, "Audits", "project_id") and _has(ws, "Taxonomy", "decision"):
        out.extend(_decision_references(ws))
    return out


def _say_reference(
    column: str, ref_sheet: str, ref_column: str, lower: dict[str, str], r: dict[str, Any]
) -> str:
    return (
        f"{column} must be a {ref_column} listed in {ref_sheet} (got {_show(r[column])}). "
        + _fix_reference(r[column], lower, ref_sheet)
    )


def _fix_reference(value: object, lower: dict[str, str], ref_sheet: str) -> str:
    near = lower.get(str(value).lower())
    if near is not None:
        return f"Did you mean '{near}'? Match the spelling in {ref_sheet}."
    return f"Add it to {ref_sheet} or correct the value."


def _decision_references(ws: Workspace) -> list[Finding]:
    """Decisions must belong to the project's policy area when the project is known.

    Checked on the small table of distinct (project, decision) pairs, then mapped back to
    rows by their factor codes, so a million audits cost two factorisations.
    """
    sd = ws.sheets["Audits"]
    audits = sd.frame
    tax = ws.frame("Taxonomy").dropna(subset=["decision"])
    all_decisions = [str(d) for d in pd.unique(tax["decision"])]
    by_area = {
        str(area): [str(d) for d in pd.unique(group)]
        for area, group in tax.dropna(subset=["policy_area"]).groupby("policy_area", sort=False)[
            "decision"
        ]
    }
    area_of = (
        projects(ws)["policy_area"]
        if _has(ws, "Projects", "project_id", "policy_area")
        else pd.Series(dtype=object)
    )
    p_codes, p_uniq = pd.factorize(audits["project_id"])
    # Each distinct project's Taxonomy policy area; None (any decision) for unknown projects,
    # projects without a policy area and areas Taxonomy lacks (reported on Projects).
    areas: list[str | None] = []
    for project in p_uniq:
        area = area_of.get(project)
        areas.append(str(area) if not _missing(area) and str(area) in by_area else None)
    areas.append(None)  # factor code -1: blank project_id
    area_per_row = np.array(areas, dtype=object)[p_codes]
    valid: dict[str | None, set[str]] = {area: set(by_area[area]) for area in by_area}
    valid[None] = set(all_decisions)
    out: list[Finding] = []
    for column in DECISION_COLUMNS:
        if column not in sd.letters:
            continue
        d_codes, d_uniq = pd.factorize(audits[column])
        if len(d_uniq) == 0:
            continue
        decided = [str(d) for d in d_uniq]
        allowed = np.array([[d in valid[a] for d in decided] for a in areas], dtype=np.bool_)
        bad = (d_codes >= 0) & ~allowed[p_codes, d_codes]
        if not bad.any():
            continue
        hits = audits.loc[bad].assign(_area=area_per_row[bad])
        say = partial(_say_decision, column, by_area, all_decisions)
        out.extend(_emit("unknown-reference", sd, column, hits, say))
    return out


def _say_decision(
    column: str, by_area: dict[str, list[str]], all_decisions: list[str], r: dict[str, Any]
) -> str:
    area = r["_area"]
    if not _missing(area) and area in by_area:  # a str column may hold NaN for None
        return (
            f"{column} must be a Taxonomy decision of policy area {str(area)[:30]} "
            f"({_choices(by_area[area])}) (got {_show(r[column])}). "
            + _fix_reference(r[column], {v.lower(): v for v in by_area[area]}, "Taxonomy")
        )
    return (
        f"{column} must be a decision listed in Taxonomy (got {_show(r[column])}). "
        + _fix_reference(r[column], {v.lower(): v for v in all_decisions}, "Taxonomy")
    )


# ---------------------------------------------------------------- timesheet


def _timesheet_rules(ws: Workspace) -> list[Finding]:
    if not _has(ws, "Timesheet", "date", "person_id", "activity", "hours"):
        return []
    sd = ws.sheets["Timesheet"]
    frame = _ordered(sd.frame)
    s = ws.settings
    out: list[Finding] = []

    bad = frame["hours"] <= 0
    out.extend(
        _emit(
            "hours-not-positive",
            sd,
            "hours",
            frame.loc[bad],
            lambda r: (
                f"hours must be more than 0 (got {_show(r['hours'])}). Enter the hours "
                f"worked or delete the entry."
            ),
        )
    )

    keyed = frame.loc[frame["person_id"].notna() & frame["date"].notna()]
    person, day = keyed["person_id"], keyed["date"]

    # Every entry counts toward the day, Leave included: payroll pays all of them.
    over, total = _crossing(keyed["hours"], _group_id(person, day), s.max_hours_per_day)
    out.extend(
        _emit(
            "hours-over-cap",
            sd,
            "hours",
            keyed.loc[over].assign(_total=total[over]),
            lambda r: (
                f"hours of {r['person_id']} on {_day(r['date'])} must total at most "
                f"{_num(s.max_hours_per_day)} (got {_num(r['_total'])}; this entry passes the "
                f"cap). Split or correct the entries, or raise max_hours_per_day in Settings."
            ),
        )
    )

    week = day - pd.to_timedelta(day.dt.day_of_week, unit="D")  # Monday of the ISO week
    over, total = _crossing(keyed["hours"], _group_id(person, week), s.max_hours_per_week)
    out.extend(
        _emit(
            "hours-over-week-cap",
            sd,
            "hours",
            keyed.loc[over].assign(_total=total[over]),
            lambda r: (
                f"hours of {r['person_id']} in week {_iso_week(r['date'])} must total at "
                f"most {_num(s.max_hours_per_week)} (got {_num(r['_total'])}; this entry passes "
                f"the cap). Check the entries or raise max_hours_per_week in Settings."
            ),
        )
    )

    out.extend(_leave_and_work(sd, keyed))
    out.extend(_project_required(ws, sd, frame))
    out.extend(_graphic_over_cap(ws, sd, keyed))
    return out


def _iso_week(value: object) -> str:
    year, week, _ = pd.Timestamp(value).isocalendar()  # type: ignore[arg-type]
    return f"{year}-W{week:02d}"


def _leave_and_work(sd: SheetData, keyed: pd.DataFrame) -> list[Finding]:
    keys = ["person_id", "date"]
    work = keyed.loc[keyed["activity"].isin(PRODUCTIVE_ACTIVITIES)]
    leave = keyed.loc[keyed["activity"] == "Leave"]
    if work.empty or leave.empty:
        return []
    first_work = (
        work.sort_values(ROW, kind="stable")
        .drop_duplicates(keys)[[*keys, ROW, "activity"]]
        .rename(columns={ROW: "_work_row", "activity": "_work"})
    )
    hits = leave.drop_duplicates(keys).merge(first_work, on=keys, how="inner")
    return _emit(
        "leave-and-work",
        sd,
        "activity",
        hits,
        lambda r: (
            f"{r['person_id']} on {_day(r['date'])} must not have both Leave and "
            f"work (got Leave here and {r['_work']} in row {int(r['_work_row'])}). Remove the "
            f"Leave or the work entry."
        ),
    )


def _project_required(ws: Workspace, sd: SheetData, frame: pd.DataFrame) -> list[Finding]:
    productive = frame["activity"].isin(PRODUCTIVE_ACTIVITIES)
    if "project_id" not in sd.letters:
        if not productive.any():
            return []
        # Without the column every Labeling/QA row would be a finding; one is clearer.
        found = sorted(sd.letters, key=lambda c: _cell_order(sd.letters[c])[1])
        return [_missing_column(sd, "project_id", _last_header(ws, sd) + 1, found)]
    bad = productive & frame["project_id"].isna()
    return _emit(
        "project-required",
        sd,
        "project_id",
        frame.loc[bad],
        lambda r: (
            f"project_id is required for {r['activity']} entries (got blank). Enter "
            f"the project worked on, or change the activity."
        ),
    )


def _graphic_over_cap(ws: Workspace, sd: SheetData, keyed: pd.DataFrame) -> list[Finding]:
    if "project_id" not in sd.letters or not _has(ws, "Projects", "project_id", "graphic"):
        return []
    cap = ws.settings.graphic_hours_per_day
    graphic = _lookup(keyed["project_id"], projects(ws)["graphic"]).eq("yes").fillna(False)
    rows = keyed.loc[keyed["activity"].isin(PRODUCTIVE_ACTIVITIES) & graphic.astype(bool)]
    if rows.empty:
        return []
    over, total = _crossing(rows["hours"], _group_id(rows["person_id"], rows["date"]), cap)
    return _emit(
        "graphic-over-cap",
        sd,
        "hours",
        rows.loc[over].assign(_total=total[over]),
        lambda r: (
            f"graphic-project hours of {r['person_id']} on {_day(r['date'])} must "
            f"total at most {_num(cap)} (got {_num(r['_total'])}; this entry passes the cap). "
            f"Rotate the person to a non-graphic queue or check graphic_hours_per_day."
        ),
    )


# ---------------------------------------------------------------- dates


def _future_dates(ws: Workspace) -> list[Finding]:
    today = pd.Timestamp(ws.today)
    out: list[Finding] = []
    for sheet, column in FACT_DATES:
        if not _has(ws, sheet, column):
            continue
        sd = ws.sheets[sheet]
        bad = sd.frame[column] > today
        say = partial(_say_future, column, today)
        out.extend(_emit("future-date", sd, column, sd.frame.loc[bad], say))
    return out


def _say_future(column: str, today: pd.Timestamp, r: dict[str, Any]) -> str:
    return (
        f"{column} must be on or before today, {today:%Y-%m-%d} (got {_day(r[column])}). "
        f"Correct the date; a future day cannot have happened yet."
    )


def _outside_roster_dates(ws: Workspace) -> list[Finding]:
    if not _has(ws, "Roster", "person_id", "start_date"):
        return []
    roster = people(ws)
    out: list[Finding] = []
    for sheet in ("Production", "Timesheet"):
        if not _has(ws, sheet, "date", "person_id"):
            continue
        sd = ws.sheets[sheet]
        frame = sd.frame
        pos = roster.index.get_indexer(pd.Index(frame["person_id"]))
        start = _lookup(frame["person_id"], roster["start_date"], pos)
        end = _lookup(frame["person_id"], roster["end_date"], pos)
        bad = (frame["date"] < start) | (frame["date"] > end)  # NaT (unknown/blank) → False
        hits = frame.loc[bad].assign(_start=start[bad], _end=end[bad])
        out.extend(
            _emit(
                "date-outside-period",
                sd,
                "date",
                hits,
                lambda r: (
                    f"date must fall within {r['person_id']}'s dates in Roster, "
                    f"{_span(r['_start'], r['_end'])} (got {_day(r['date'])}). Correct the date or "
                    f"the person's start_date/end_date in Roster."
                ),
            )
        )
    return out


def _span(start: object, end: object) -> str:
    first = _day(start) if not _missing(start) else "the start"
    return f"{first} to {_day(end)}" if not _missing(end) else f"{first} onwards"


# ---------------------------------------------------------------- audits


def _audit_rules(ws: Workspace) -> list[Finding]:
    sd = ws.sheets.get("Audits")
    if sd is None:
        return []
    frame = sd.frame
    out: list[Finding] = []

    if _has(ws, "Audits", "person_id", "auditor_id"):
        bad = frame["auditor_id"].notna() & (frame["auditor_id"] == frame["person_id"])
        out.extend(
            _emit(
                "self-audit",
                sd,
                "auditor_id",
                frame.loc[bad],
                lambda r: (
                    f"auditor_id must differ from the labeler person_id (got "
                    f"{_show(r['auditor_id'])} for both). Have another auditor re-audit the item."
                ),
            )
        )

    if _has(ws, "Audits", "labeler_decision", "auditor_decision", "error_type"):
        lab, aud, err = frame["labeler_decision"], frame["auditor_decision"], frame["error_type"]
        both = lab.notna() & aud.notna()
        agree = both & (lab == aud)
        overturned = frame["dispute_outcome"].eq("Overturned").fillna(False).astype(bool)
        given = agree & err.notna()
        out.extend(
            _emit(
                "error-type-mismatch",
                sd,
                "error_type",
                frame.loc[given],
                lambda r: (
                    f"error_type must be blank when the decisions agree (both "
                    f"{_show(r['labeler_decision'])}; got {_show(r['error_type'])}). Clear "
                    f"error_type or correct a decision."
                ),
            )
        )
        absent = both & ~agree & err.isna() & ~overturned
        out.extend(
            _emit(
                "error-type-mismatch",
                sd,
                "error_type",
                frame.loc[absent],
                lambda r: (
                    f"error_type is required when the decisions differ (labeler "
                    f"{_show(r['labeler_decision'])}, auditor {_show(r['auditor_decision'])}; got "
                    f"blank). Enter FalsePositive, FalseNegative, WrongPolicy or Technical."
                ),
            )
        )

    if _has(ws, "Audits", "disputed", "dispute_outcome"):
        disputed = frame["disputed"].eq("yes").fillna(False).astype(bool)
        outcome = frame["dispute_outcome"]
        stray = ~disputed & outcome.notna()
        out.extend(
            _emit(
                "dispute-outcome-mismatch",
                sd,
                "dispute_outcome",
                frame.loc[stray],
                lambda r: (
                    f"dispute_outcome must be blank when disputed is not yes (got "
                    f"{_show(r['dispute_outcome'])}). Set disputed to yes or clear the outcome."
                ),
            )
        )
        lacking = disputed & outcome.isna()
        out.extend(
            _emit(
                "dispute-outcome-mismatch",
                sd,
                "dispute_outcome",
                frame.loc[lacking],
                lambda r: (
                    "dispute_outcome is required when disputed is yes (got blank). Enter "
                    "Upheld, Overturned or Pending."
                ),
            )
        )
    return out


# ---------------------------------------------------------------- production


def _implausible_speed(ws: Workspace) -> list[Finding]:
    if not _has(ws, "Production", "project_id", "items", "handle_minutes"):
        return []
    sd = ws.sheets["Production"]
    frame = sd.frame
    factor = ws.settings.implausible_speed_factor
    items, minutes = frame["items"], frame["handle_minutes"]
    timed = (minutes > 0) & items.notna()
    rate = (items / (minutes / 60.0)).where(timed)
    # Norm: the project's own target when it has one, else what its rows typically achieve.
    median = rate.groupby(frame["project_id"]).median()
    norm = _lookup(frame["project_id"], median)
    source = pd.Series("median", index=frame.index, dtype=object)
    if _has(ws, "Projects", "project_id", "target_aht_sec"):
        aht = _lookup(frame["project_id"], projects(ws)["target_aht_sec"])
        targeted = aht > 0
        norm = norm.where(~targeted, 3600.0 / aht.where(targeted))
        source = source.where(~targeted, "target_aht_sec")
    # A zero norm (a project whose rows decide nothing) says nothing about speed.
    fast = timed & (norm > 0) & (rate > factor * norm + EPS)
    out = _emit(
        "implausible-speed",
        sd,
        "handle_minutes",
        frame.loc[fast].assign(_rate=rate[fast], _norm=norm[fast], _src=source[fast]),
        lambda r: (
            f"items per handle hour must be at most {_num(factor)} × the project's "
            f"norm of {_num(r['_norm'])} ({r['_src']}) (got {_num(r['_rate'])}: "
            f"{_num(r['items'])} items in {_num(r['handle_minutes'])} min). Check handle_minutes "
            f"is in minutes, not hours."
        ),
    )
    untimed = (items > 0) & (minutes == 0)
    out.extend(
        _emit(
            "implausible-speed",
            sd,
            "handle_minutes",
            frame.loc[untimed],
            lambda r: (
                f"handle_minutes must be more than 0 when items were decided (got 0 for "
                f"{_num(r['items'])} items). Enter the minutes spent."
            ),
        )
    )
    return out


def _timesheet_vs_production(ws: Workspace) -> list[Finding]:
    if not (
        _has(ws, "Timesheet", "date", "person_id", "activity", "hours")
        and _has(ws, "Production", "date", "person_id", "handle_minutes")
    ):
        return []
    ts_sd, pr_sd = ws.sheets["Timesheet"], ws.sheets["Production"]
    ts_all, pr_all = ts_sd.frame, pr_sd.frame
    keys = ["person_id", "date"]
    lo = max(ts_all["date"].min(), pr_all["date"].min())
    hi = min(ts_all["date"].max(), pr_all["date"].max())
    if pd.isna(lo) or pd.isna(hi) or lo > hi:
        return []
    # People missing from one sheet altogether (e.g. vendor staff whose time is kept by the
    # vendor) are not compared: every one of their days would be a finding.
    both = set(ts_all["person_id"].dropna()) & set(pr_all["person_id"].dropna())
    ts = _ordered(ts_all)
    ts = ts.loc[
        (ts["activity"] == "Labeling")
        & ts["person_id"].isin(both)
        & ts["date"].between(lo, hi)
        & ts["hours"].notna()
    ]
    pr = _ordered(pr_all)
    pr = pr.loc[
        pr["person_id"].isin(both) & pr["date"].between(lo, hi) & pr["handle_minutes"].notna()
    ]
    ts_day = ts.groupby(keys, sort=False).agg(
        _hours=("hours", "sum"), _ts_row=(ROW, "first"), _ts_value=("hours", "first")
    )
    pr_day = pr.groupby(keys, sort=False).agg(
        _minutes=("handle_minutes", "sum"),
        _pr_row=(ROW, "first"),
        _pr_value=("handle_minutes", "first"),
    )
    day = ts_day.join(pr_day, how="outer").reset_index()
    hours = day["_hours"].fillna(0.0)
    handle = day["_minutes"].fillna(0.0) / 60.0
    tol = ws.settings.timesheet_tolerance_hours
    day = day.assign(_h=hours, _p=handle)
    day = day.loc[(hours - handle).abs() > tol + EPS]
    if day.empty:
        return []

    def say(r: dict[str, Any]) -> str:
        return (
            f"Labeling hours of {r['person_id']} on {_day(r['date'])} must match Production "
            f"handle time within {_num(tol)} h (got {_num(r['_h'])} h timesheet vs "
            f"{_num(r['_p'])} h Production). Correct the timesheet or Production, or raise "
            f"timesheet_tolerance_hours."
        )

    on_ts = day["_ts_row"].notna()
    out = _emit(
        "timesheet-production-mismatch",
        ts_sd,
        "hours",
        day.loc[on_ts].assign(**{ROW: lambda d: d["_ts_row"]}),
        say,
        value=lambda r: r["_ts_value"],
    )
    out.extend(
        _emit(
            "timesheet-production-mismatch",
            pr_sd,
            "handle_minutes",
            day.loc[~on_ts].assign(**{ROW: lambda d: d["_pr_row"]}),
            say,
            value=lambda r: r["_pr_value"],
        )
    )
    return out


# ---------------------------------------------------------------- queue


def _queue_rules(ws: Workspace) -> list[Finding]:
    if not _has(ws, "Queue", "items_done", "done_within_sla"):
        return []
    sd = ws.sheets["Queue"]
    frame = sd.frame
    bad = frame["done_within_sla"] > frame["items_done"]
    return _emit(
        "queue-inconsistent",
        sd,
        "done_within_sla",
        frame.loc[bad],
        lambda r: (
            f"done_within_sla must be at most items_done {_num(r['items_done'])} (got "
            f"{_num(r['done_within_sla'])}). Correct either count; SLA would exceed 100%."
        ),
    )


RULES: tuple[Callable[[Workspace], list[Finding]], ...] = (
    _schema_rules,
    _date_order,
    _references,
    _timesheet_rules,
    _future_dates,
    _outside_roster_dates,
    _audit_rules,
    _implausible_speed,
    _timesheet_vs_production,
    _queue_rules,
)
