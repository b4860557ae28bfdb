"""Findings: the catalogue of validation codes (data, documented) and the Finding/Report values."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue: a stable code, its severity and what it means."""

    code: str
    severity: Severity
    kind: Literal["schema", "reference", "business", "input"]
    summary: str


CATALOGUE: dict[str, Rule] = {
    r.code: r
    for r in (
        # schema
        Rule(
            "missing-sheet",
            "error",
            "schema",
            "A required sheet is in no workbook (optional sheets may be absent).",
        ),
        Rule(
            "duplicate-sheet",
            "error",
            "schema",
            "The same sheet name is in two workbooks, so labelxl cannot tell which is right.",
        ),
        Rule("missing-column", "error", "schema", "A required column is missing from a sheet."),
        Rule(
            "unknown-column",
            "warning",
            "schema",
            "A column header labelxl does not know; it is ignored.",
        ),
        Rule("required-blank", "error", "schema", "A required cell is blank."),
        Rule(
            "bad-type",
            "error",
            "schema",
            "A cell holds the wrong kind of value (text where a number or date belongs).",
        ),
        Rule("not-allowed", "error", "schema", "A value is not one of the allowed choices."),
        Rule(
            "out-of-range",
            "error",
            "schema",
            "A number is outside its allowed range (e.g. fte above 1, negative items).",
        ),
        Rule(
            "duplicate-key",
            "error",
            "schema",
            "Two rows share a key that must be unique (e.g. the same person_id twice).",
        ),
        Rule(
            "unknown-setting", "warning", "schema", "The Settings sheet names an unknown setting."
        ),
        Rule(
            "bad-setting",
            "error",
            "schema",
            "A setting has a value of the wrong kind or outside its range.",
        ),
        # references
        Rule(
            "unknown-reference",
            "error",
            "reference",
            "A person, project, auditor or decision that is not in Roster, Projects or Taxonomy.",
        ),
        # business
        Rule(
            "hours-over-cap",
            "error",
            "business",
            "A person logged more hours in a day than max_hours_per_day.",
        ),
        Rule(
            "hours-not-positive",
            "error",
            "business",
            "A timesheet entry has zero or negative hours.",
        ),
        Rule(
            "hours-over-week-cap",
            "warning",
            "business",
            "A person logged more hours in an ISO week than max_hours_per_week.",
        ),
        Rule("future-date", "error", "business", "A date lies in the future."),
        Rule(
            "date-outside-period",
            "warning",
            "business",
            "A work date lies outside the person's Roster start_date to end_date.",
        ),
        Rule(
            "leave-and-work",
            "error",
            "business",
            "A person has Leave and work entries on the same day.",
        ),
        Rule(
            "project-required",
            "error",
            "business",
            "A Labeling or QA timesheet entry has no project_id.",
        ),
        Rule("self-audit", "error", "business", "The auditor audited their own work."),
        Rule(
            "error-type-mismatch",
            "error",
            "business",
            "error_type is given although the decisions agree, or missing although they differ.",
        ),
        Rule(
            "implausible-speed",
            "warning",
            "business",
            "Items per handle hour far beyond the project's norm (implausible_speed_factor).",
        ),
        Rule(
            "graphic-over-cap",
            "warning",
            "business",
            "Hours on graphic projects in a day above graphic_hours_per_day.",
        ),
        Rule(
            "timesheet-production-mismatch",
            "warning",
            "business",
            "Timesheet Labeling hours differ from Production handle time by more than "
            "timesheet_tolerance_hours.",
        ),
        Rule(
            "dispute-outcome-mismatch",
            "warning",
            "business",
            "dispute_outcome is given on an undisputed audit, or missing on a disputed one.",
        ),
        Rule(
            "end-before-start",
            "error",
            "business",
            "An end (due, interview, decision) date lies before its start date.",
        ),
        Rule(
            "queue-inconsistent",
            "error",
            "business",
            "Queue counts contradict each other (done_within_sla above items_done).",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    """One problem in one place. ``cell`` is the address the user sees (``E17``)."""

    code: str
    sheet: str
    cell: str
    message: str
    column: str = ""
    value: object = None
    workbook: str = ""
    severity: Severity = field(default="error")

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise ValueError(f"finding code {self.code!r} is not in the catalogue")
        object.__setattr__(self, "severity", CATALOGUE[self.code].severity)

    @property
    def address(self) -> str:
        return f"{sheet_ref(self.sheet)}!{self.cell}" if self.cell else self.sheet

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        value = d["value"]
        if value is not None and not isinstance(value, (str, int, float, bool)):
            d["value"] = str(value)
        elif isinstance(value, float) and value != value:
            d["value"] = None
        return {
            k: d[k]
            for k in ("code", "severity", "sheet", "cell", "column", "value", "message", "workbook")
        }


@dataclass
class Report:
    """Every finding of a validation run, in sheet/row order."""

    findings: list[Finding] = field(default_factory=list)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def extend(self, more: Iterable[Finding]) -> None:
        self.findings.extend(more)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)


_PLAIN_SHEET = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def sheet_ref(name: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted when it has spaces etc."""
    return name if _PLAIN_SHEET.match(name) else "'" + name.replace("'", "''") + "'"


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
