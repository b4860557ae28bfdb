"""Requirements from upstream teams: open items by status and age, overdue items, change history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelxl.model.dimensions import UNASSIGNED as UNASSIGNED_PROJECT
from labelxl.model.workspace import Workspace

OPEN_STATUSES = ("New", "In progress")
CLOSED_STATUSES = ("Done", "Rejected")
AGE_BANDS = ("0–7", "8–30", "31–90", "90+")  # days since first received
_AGE_EDGES = (7, 30, 90)  # upper ends (inclusive) of the first three bands
ITEM_COLUMNS = (
    "req_id",
    "project_id",
    "requested_by",
    "summary",
    "status",
    "open",
    "received_date",
    "due_date",
    "versions",
    "latest_version",
    "age_days",
    "age_band",
    "overdue",
    "days_overdue",
    "first_action_date",
    "time_to_first_action_days",
)
HISTORY_COLUMNS = (
    "project_id",
    "requirements",
    "versions",
    "latest_version",
    "first_received",
    "latest_received",
    "latest_version_received",
)


@dataclass(frozen=True)
class RequirementsStatus:
    """``items``: one row per requirement (ITEM_COLUMNS); ``by_status_age``: open counts by
    status × age band (every combination, zeros included); ``overdue``: the overdue items."""

    as_of: pd.Timestamp
    items: pd.DataFrame
    by_status_age: pd.DataFrame
    overdue: pd.DataFrame


def _age_band(days: pd.Series) -> pd.Series:
    idx = np.searchsorted(np.array(_AGE_EDGES), days.to_numpy(dtype="float64"), side="left")
    bands = np.array(AGE_BANDS, dtype=object)[np.clip(idx, 0, len(AGE_BANDS) - 1)]
    return pd.Series(bands, index=days.index, dtype=object).where(days.notna(), None)


def requirements_status(ws: Workspace, as_of: dt.date | None = None) -> RequirementsStatus:
    """Each requirement's current state, age and first action, plus open and overdue summaries.

    A requirement (req_id) may have several rows, one per version; its current row is the
    one with the highest version (then the latest received_date), which gives status,
    due_date, project and summary. received_date is the earliest row's date;
    age_days = as_of − received_date. Open = not Done/Rejected. Overdue = open and
    due_date < as_of; days_overdue = as_of − due_date. The sheet has no action date, so
    first_action_date is a proxy: the received_date of the earliest row with a later
    version than the first row (NaN/NaT when the requirement has a single version). Rows
    received after as_of are left out, so a past as_of shows the state of that day.
    """
    asof = pd.Timestamp(as_of if as_of is not None else ws.today).normalize()
    req = ws.frame("Requirements")
    # Rows received after as_of did not exist yet (blank dates are findings, left out).
    req = req.loc[req["req_id"].notna() & (req["received_date"] <= asof)].copy()
    req["version_key"] = req["version"].fillna(0.0)
    req = req.sort_values(["req_id", "version_key", "received_date", "_row"], kind="stable")
    g = req.groupby("req_id", sort=True)
    current = g.tail(1).set_index("req_id")
    first = g.head(1).set_index("req_id")
    items = pd.DataFrame(index=current.index)
    for col in ("project_id", "requested_by", "summary", "status", "due_date"):
        items[col] = current[col]
    items["received_date"] = g["received_date"].min()
    items["versions"] = g["version"].nunique()
    items["latest_version"] = g["version"].max()
    later = req.loc[req["version_key"] > req["req_id"].map(first["version_key"])]
    items["first_action_date"] = later.groupby("req_id")["received_date"].min()
    items["first_action_date"] = items["first_action_date"].astype("datetime64[ns]")
    items["received_date"] = items["received_date"].astype("datetime64[ns]")
    items["due_date"] = items["due_date"].astype("datetime64[ns]")
    items["time_to_first_action_days"] = (
        items["first_action_date"] - items["received_date"]
    ).dt.days.astype("float64")
    items["open"] = ~items["status"].isin(CLOSED_STATUSES)
    items["age_days"] = (asof - items["received_date"]).dt.days.astype("float64")
    items["age_band"] = _age_band(items["age_days"])
    items["overdue"] = (items["open"] & (items["due_date"] < asof)).astype(bool)
    items["days_overdue"] = (
        (asof - items["due_date"]).dt.days.astype("float64").where(items["overdue"])
    )
    items = items.reset_index()[list(ITEM_COLUMNS)]

    open_items = items.loc[items["open"]]
    statuses = list(OPEN_STATUSES) + sorted(set(open_items["status"].dropna()) - set(OPEN_STATUSES))
    grid = pd.MultiIndex.from_product([statuses, AGE_BANDS], names=["status", "age_band"])
    counts = open_items.groupby(["status", "age_band"]).size().reindex(grid, fill_value=0)
    by_status_age = counts.rename("count").astype("int64").reset_index()
    overdue = items.loc[items["overdue"]].sort_values("days_overdue", ascending=False)
    return RequirementsStatus(asof, items, by_status_age, overdue.reset_index(drop=True))


def change_history(ws: Workspace) -> pd.DataFrame:
    """Versions per project (HISTORY_COLUMNS); requirements without a project → "Unassigned".

    versions = distinct version numbers; latest_version_received = the earliest
    received_date among the rows carrying the latest version.
    """
    req = ws.frame("Requirements")
    req = req.loc[req["req_id"].notna()].copy()
    if req.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in HISTORY_COLUMNS})
    req["project_id"] = req["project_id"].fillna(UNASSIGNED_PROJECT).astype(object)
    g = req.groupby("project_id")
    out = pd.DataFrame(
        {
            "requirements": g["req_id"].nunique(),
            "versions": g["version"].nunique(),
            "latest_version": g["version"].max(),
            "first_received": g["received_date"].min(),
            "latest_received": g["received_date"].max(),
        }
    )
    latest = req.loc[
        req["version"].notna() & (req["version"] == req["project_id"].map(out["latest_version"]))
    ]
    out["latest_version_received"] = latest.groupby("project_id")["received_date"].min()
    out["latest_version_received"] = out["latest_version_received"].astype("datetime64[ns]")
    return out.reset_index()[list(HISTORY_COLUMNS)]
