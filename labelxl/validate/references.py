"""Reference rules: ids and decisions must exist in Roster, Projects and Taxonomy."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from labelxl.model.dimensions import projects
from labelxl.model.findings import UNKNOWN_REFERENCE, Finding
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import Workspace
from labelxl.validate._common import (
    choices,
    emit,
    has,
    is_missing,
    show,
)

# References the schema describes in words but does not declare (Column.references).
EXTRA_REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("Projects", "policy_area", "Taxonomy", "policy_area"),
)
DECISION_COLUMNS = ("labeler_decision", "auditor_decision")


def sheet_references(ws: Workspace, sheet: str) -> list[Finding]:
    """Unknown ids and decisions in one sheet's columns."""
    checks = [
        (sheet, col.name, *col.references)
        for col in SHEETS[sheet].columns
        if col.references is not None
    ]
    checks.extend(ref for ref in EXTRA_REFERENCES if ref[0] == sheet)
    out: list[Finding] = []
    for _, column, ref_sheet, ref_column in checks:
        if not has(ws, sheet, column) or not has(ws, ref_sheet, ref_column):
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
        out.extend(emit(UNKNOWN_REFERENCE, sd, column, sd.frame.loc[bad], say))
    if sheet == "Audits" and has(ws, "Audits", "project_id") and has(ws, "Taxonomy", "decision"):
        out.extend(_decision_references(ws))
    return out


def _say_reference(
    column: str, ref_sheet: str, ref_column: str, lower: dict[str, str], r: dict[str, Any]
) -> str:
    return (
        f"{column} must be a {ref_column} listed in {ref_sheet} (got {show(r[column])}). "
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
        if has(ws, "Projects", "project_id", "policy_area")
        else pd.Series(dtype=object)
    )
    p_codes, p_uniq = pd.factorize(audits["project_id"])
    # Each distinct project's Taxonomy policy area; None (any decision) for unknown projects,
    # projects without a policy area and areas Taxonomy lacks (reported on Projects).
    areas: list[str | None] = []
    for project in p_uniq:
        area = area_of.get(project)
        areas.append(str(area) if not is_missing(area) and str(area) in by_area else None)
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
        out.extend(emit(UNKNOWN_REFERENCE, sd, column, hits, say))
    return out


def _say_decision(
    column: str, by_area: dict[str, list[str]], all_decisions: list[str], r: dict[str, Any]
) -> str:
    area = r["_area"]
    if not is_missing(area) and area in by_area:  # a str column may hold NaN for None
        return (
            f"{column} must be a Taxonomy decision of policy area {str(area)[:30]} "
            f"({choices(by_area[area])}) (got {show(r[column])}). "
            + _fix_reference(r[column], {v.lower(): v for v in by_area[area]}, "Taxonomy")
        )
    return (
        f"{column} must be a decision listed in Taxonomy (got {show(r[column])}). "
        + _fix_reference(r[column], {v.lower(): v for v in all_decisions}, "Taxonomy")
    )
