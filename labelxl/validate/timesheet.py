"""Timesheet rules: hours positive and under the caps, no leave beside work, projects named."""

from __future__ import annotations

import pandas as pd

from labelxl.model.dimensions import projects
from labelxl.model.findings import (
    GRAPHIC_OVER_CAP,
    HOURS_NOT_POSITIVE,
    HOURS_OVER_CAP,
    HOURS_OVER_WEEK_CAP,
    LEAVE_AND_WORK,
    PROJECT_REQUIRED,
    Finding,
)
from labelxl.model.schema import PRODUCTIVE_ACTIVITIES
from labelxl.model.workspace import ROW, SRC, SheetData, Workspace
from labelxl.validate._common import (
    cell_order,
    crossing,
    emit,
    group_id,
    has,
    iso_day,
    lookup,
    num,
    ordered,
    row_label,
    show,
)
from labelxl.validate.schema import last_header, missing_column


def timesheet_rules(ws: Workspace) -> list[Finding]:
    if not has(ws, "Timesheet", "date", "person_id", "activity", "hours"):
        return []
    sd = ws.sheets["Timesheet"]
    frame = ordered(sd.frame)
    s = ws.settings
    out: list[Finding] = []

    bad = frame["hours"] <= 0
    out.extend(
        emit(
            HOURS_NOT_POSITIVE,
            sd,
            "hours",
            frame.loc[bad],
            lambda r: (
                f"hours must be more than 0 (got {show(r['hours'])}). Enter the hours "
                f"worked or delete the entry."
            ),
        )
    )

    keyed = frame.loc[frame["person_id"].notna() & frame["date"].notna()]
    person, day = keyed["person_id"], keyed["date"]

    # Every entry counts toward the day, Leave included: payroll pays all of them.
    over, total = crossing(keyed["hours"], group_id(person, day), s.max_hours_per_day)
    out.extend(
        emit(
            HOURS_OVER_CAP,
            sd,
            "hours",
            keyed.loc[over].assign(_total=total[over]),
            lambda r: (
                f"hours of {r['person_id']} on {iso_day(r['date'])} must total at most "
                f"{num(s.max_hours_per_day)} (got {num(r['_total'])}; this entry passes the "
                f"cap). Split or correct the entries, or raise max_hours_per_day in Settings."
            ),
        )
    )

    week = day - pd.to_timedelta(day.dt.day_of_week, unit="D")  # Monday of the ISO week
    over, total = crossing(keyed["hours"], group_id(person, week), s.max_hours_per_week)
    out.extend(
        emit(
            HOURS_OVER_WEEK_CAP,
            sd,
            "hours",
            keyed.loc[over].assign(_total=total[over]),
            lambda r: (
                f"hours of {r['person_id']} in week {_iso_week(r['date'])} must total at "
                f"most {num(s.max_hours_per_week)} (got {num(r['_total'])}; this entry passes "
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
    place = [SRC, ROW] if SRC in work.columns else [ROW]
    first_work = (
        work.sort_values(place, kind="stable")
        .drop_duplicates(keys)[[*keys, *place, "activity"]]
        .rename(columns={ROW: "_work_row", SRC: "_work_src", "activity": "_work"})
    )
    hits = leave.drop_duplicates(keys).merge(first_work, on=keys, how="inner")
    return emit(
        LEAVE_AND_WORK,
        sd,
        "activity",
        hits,
        lambda r: (
            f"{r['person_id']} on {iso_day(r['date'])} must not have both Leave and "
            f"work (got Leave here and {r['_work']} in "
            f"{row_label(sd, r, '_work_row', '_work_src')}). Remove the Leave or the work entry."
        ),
    )


def _project_required(ws: Workspace, sd: SheetData, frame: pd.DataFrame) -> list[Finding]:
    productive = frame["activity"].isin(PRODUCTIVE_ACTIVITIES)
    if "project_id" not in sd.letters:
        if not productive.any():
            return []
        # Without the column every Labeling/QA row would be a finding; one is clearer.
        found = sorted(sd.letters, key=lambda c: cell_order(sd.letters[c])[1])
        return [missing_column(sd, "project_id", last_header(ws, sd) + 1, found)]
    bad = productive & frame["project_id"].isna()
    return emit(
        PROJECT_REQUIRED,
        sd,
        "project_id",
        frame.loc[bad],
        lambda r: (
            f"project_id is required for {r['activity']} entries (got blank). Enter "
            f"the project worked on, or change the activity."
        ),
    )


def _graphic_over_cap(ws: Workspace, sd: SheetData, keyed: pd.DataFrame) -> list[Finding]:
    if "project_id" not in sd.letters or not has(ws, "Projects", "project_id", "graphic"):
        return []
    cap = ws.settings.graphic_hours_per_day
    graphic = lookup(keyed["project_id"], projects(ws)["graphic"]).eq("yes").fillna(False)
    rows = keyed.loc[keyed["activity"].isin(PRODUCTIVE_ACTIVITIES) & graphic.astype(bool)]
    if rows.empty:
        return []
    over, total = crossing(rows["hours"], group_id(rows["person_id"], rows["date"]), cap)
    return emit(
        GRAPHIC_OVER_CAP,
        sd,
        "hours",
        rows.loc[over].assign(_total=total[over]),
        lambda r: (
            f"graphic-project hours of {r['person_id']} on {iso_day(r['date'])} must "
            f"total at most {num(cap)} (got {num(r['_total'])}; this entry passes the cap). "
            f"Rotate the person to a non-graphic queue or check graphic_hours_per_day."
        ),
    )
