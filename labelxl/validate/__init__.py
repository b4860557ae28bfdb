"""Validation: check a Workspace against its sheet contracts and business rules, return a Report."""

from __future__ import annotations

from collections.abc import Callable

from labelxl.model.findings import MISSING_COLUMN, MISSING_SHEET, Finding, Report
from labelxl.model.incremental import reuse
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import Workspace
from labelxl.validate import audits, dates, production, references, schema, timesheet
from labelxl.validate._common import cell_order

__all__ = ["validate"]


def validate(ws: Workspace) -> Report:
    """Every finding for ``ws``: those made while reading plus every rule below, in sheet order.

    Never raises on bad data: a rule whose sheet or columns are missing is skipped (the
    missing sheet or column is itself a finding).
    """
    found = [f for rule in SHEET_RULES for name in SHEETS for f in reuse(ws, rule, name)]
    found += [f for rule in RULES for f in reuse(ws, rule)]
    return Report(_sorted(_dedupe([*ws.findings, *found])))


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.workbook, f.sheet, *cell_order(f.cell), f.code))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Keep the first finding per place, so a reader that already reported one is not doubled."""
    seen: set[tuple[str, ...]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (
            (f.code, f.sheet, f.column)
            if f.code in (MISSING_SHEET, MISSING_COLUMN)
            else (f.code, f.sheet, f.cell, f.column)
        )
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# Rules of one sheet at a time: each sheet's findings are kept apart (model.incremental),
# so an edit re-checks only the edited sheet (and those whose ids it lists).
SHEET_RULES: tuple[Callable[[Workspace, str], list[Finding]], ...] = (
    schema.sheet_schema_rules,
    references.sheet_references,
)
RULES: tuple[Callable[[Workspace], list[Finding]], ...] = (
    dates.date_order,
    timesheet.timesheet_rules,
    dates.future_dates,
    dates.outside_roster_dates,
    audits.audit_rules,
    production.implausible_speed,
    production.timesheet_vs_production,
    production.queue_rules,
)
