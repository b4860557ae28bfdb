"""Production and Queue rules: plausible speed, timesheet agrees with handle time, SLA counts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from labelxl.model.dimensions import projects
from labelxl.model.findings import (
    IMPLAUSIBLE_SPEED,
    QUEUE_INCONSISTENT,
    TIMESHEET_PRODUCTION_MISMATCH,
    Finding,
)
from labelxl.model.workspace import ROW, SRC, Workspace
from labelxl.validate._common import (
    EPS,
    emit,
    has,
    iso_day,
    lookup,
    num,
    ordered,
)


def implausible_speed(ws: Workspace) -> list[Finding]:
    if not has(ws, "Production", "project_id", "items", "handle_minutes"):
        return []
    sd = ws.sheets["Production"]
    frame = sd.frame
    factor = ws.settings.implausible_speed_factor
    items, minutes = frame["items"], frame["handle_minutes"]
    timed = (minutes > 0) & items.notna()
    rate = (items / (minutes / 60.0)).where(timed)
    # Norm: the project's own target when it has one, else what its rows typically achieve.
    median = rate.groupby(frame["project_id"]).median()
    norm = lookup(frame["project_id"], median)
    source = pd.Series("median", index=frame.index, dtype=object)
    if has(ws, "Projects", "project_id", "target_aht_sec"):
        aht = lookup(frame["project_id"], projects(ws)["target_aht_sec"])
        targeted = aht > 0
        norm = norm.where(~targeted, 3600.0 / aht.where(targeted))
        source = source.where(~targeted, "target_aht_sec")
    # A zero norm (a project whose rows decide nothing) says nothing about speed.
    fast = timed & (norm > 0) & (rate > factor * norm + EPS)
    out = emit(
        IMPLAUSIBLE_SPEED,
        sd,
        "handle_minutes",
        frame.loc[fast].assign(_rate=rate[fast], _norm=norm[fast], _src=source[fast]),
        lambda r: (
            f"items per handle hour must be at most {num(factor)} × the project's "
            f"norm of {num(r['_norm'])} ({r['_src']}) (got {num(r['_rate'])}: "
            f"{num(r['items'])} items in {num(r['handle_minutes'])} min). Check handle_minutes "
            f"is in minutes, not hours."
        ),
    )
    untimed = (items > 0) & (minutes == 0)
    out.extend(
        emit(
            IMPLAUSIBLE_SPEED,
            sd,
            "handle_minutes",
            frame.loc[untimed],
            lambda r: (
                f"handle_minutes must be more than 0 when items were decided (got 0 for "
                f"{num(r['items'])} items). Enter the minutes spent."
            ),
        )
    )
    return out


def timesheet_vs_production(ws: Workspace) -> list[Finding]:
    if not (
        has(ws, "Timesheet", "date", "person_id", "activity", "hours")
        and has(ws, "Production", "date", "person_id", "handle_minutes")
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
    ts = ordered(ts_all)
    ts = ts.loc[
        (ts["activity"] == "Labeling")
        & ts["person_id"].isin(both)
        & ts["date"].between(lo, hi)
        & ts["hours"].notna()
    ]
    pr = ordered(pr_all)
    pr = pr.loc[
        pr["person_id"].isin(both) & pr["date"].between(lo, hi) & pr["handle_minutes"].notna()
    ]
    # Rows read from several workbooks carry _src: the first entry's workbook goes with it.
    ts_src = {"_ts_src": (SRC, "first")} if SRC in ts.columns else {}
    pr_src = {"_pr_src": (SRC, "first")} if SRC in pr.columns else {}
    ts_day = ts.groupby(keys, sort=False).agg(
        _hours=("hours", "sum"), _ts_row=(ROW, "first"), _ts_value=("hours", "first"), **ts_src
    )
    pr_day = pr.groupby(keys, sort=False).agg(
        _minutes=("handle_minutes", "sum"),
        _pr_row=(ROW, "first"),
        _pr_value=("handle_minutes", "first"),
        **pr_src,
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
            f"Labeling hours of {r['person_id']} on {iso_day(r['date'])} must match Production "
            f"handle time within {num(tol)} h (got {num(r['_h'])} h timesheet vs "
            f"{num(r['_p'])} h Production). Correct the timesheet or Production, or raise "
            f"timesheet_tolerance_hours."
        )

    on_ts = day["_ts_row"].notna()
    out = emit(
        TIMESHEET_PRODUCTION_MISMATCH,
        ts_sd,
        "hours",
        day.loc[on_ts].assign(**{ROW: lambda d: d["_ts_row"]}, **_src_of(day, "_ts_src")),
        say,
        value=lambda r: r["_ts_value"],
    )
    out.extend(
        emit(
            TIMESHEET_PRODUCTION_MISMATCH,
            pr_sd,
            "handle_minutes",
            day.loc[~on_ts].assign(**{ROW: lambda d: d["_pr_row"]}, **_src_of(day, "_pr_src")),
            say,
            value=lambda r: r["_pr_value"],
        )
    )
    return out


def _src_of(day: pd.DataFrame, column: str) -> dict[str, Any]:
    """The _src column for emit: the given sheet's source per row, or none at all."""
    return {SRC: lambda d: d[column]} if column in day.columns else {SRC: None}


# ---------------------------------------------------------------- queue


def queue_rules(ws: Workspace) -> list[Finding]:
    if not has(ws, "Queue", "items_done", "done_within_sla"):
        return []
    sd = ws.sheets["Queue"]
    frame = sd.frame
    bad = frame["done_within_sla"] > frame["items_done"]
    return emit(
        QUEUE_INCONSISTENT,
        sd,
        "done_within_sla",
        frame.loc[bad],
        lambda r: (
            f"done_within_sla must be at most items_done {num(r['items_done'])} (got "
            f"{num(r['done_within_sla'])}). Correct either count; SLA would exceed 100%."
        ),
    )
