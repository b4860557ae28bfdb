"""Attach reporting dimensions (team, market, vendor, policy area, ...) to fact rows."""

from __future__ import annotations

import pandas as pd

from labelxl.model.workspace import Workspace, memoized

PERSON_DIMENSIONS = ("name", "role", "team", "site", "market", "vendor", "fte", "start_date")
PROJECT_DIMENSIONS = (
    "project_name",
    "market",
    "language",
    "policy_area",
    "queue_type",
    "graphic",
    "target_accuracy",
    "target_aht_sec",
    "target_volume",
    "sla_hours",
)
IN_HOUSE = "In-house"
# The one label of a missing dimension (a person missing from the Roster or with a blank
# team/market/role/..., a project missing from Projects): every table groups blanks under it.
UNASSIGNED = "Unassigned"


@memoized
def people(ws: Workspace) -> pd.DataFrame:
    """Roster indexed by person_id (first row wins on duplicates), vendor blank → In-house."""
    roster = ws.frame("Roster").dropna(subset=["person_id"])
    roster = roster.drop_duplicates("person_id").set_index("person_id")
    roster["vendor"] = roster["vendor"].fillna(IN_HOUSE)
    return roster


def projects(ws: Workspace) -> pd.DataFrame:
    """Projects indexed by project_id (first row wins on duplicates)."""
    proj = ws.frame("Projects").dropna(subset=["project_id"])
    return proj.drop_duplicates("project_id").set_index("project_id")


def attach(
    frame: pd.DataFrame,
    ws: Workspace,
    person_col: str | None = "person_id",
    project_col: str | None = "project_id",
    prefix_person: str = "person_",
    prefix_project: str = "project_",
) -> pd.DataFrame:
    """Add person dimensions as ``person_<dim>`` and project ones as ``project_<dim>``.

    Unknown ids get blank dimensions (validation reports them as ``unknown-reference``).
    """
    out = frame.copy()
    if person_col is not None:
        p = people(ws)
        for dim in PERSON_DIMENSIONS:
            if dim in p.columns:
                out[prefix_person + dim] = out[person_col].map(p[dim])
    if project_col is not None:
        pr = projects(ws)
        for dim in PROJECT_DIMENSIONS:
            if dim in pr.columns:
                out[prefix_project + dim] = out[project_col].map(pr[dim])
    return out
