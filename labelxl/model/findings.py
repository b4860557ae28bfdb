"""Findings: the catalogue of validation codes (data, documented) and the Finding/Report values."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

# Finding codes, declared once. The constant's name is the code in upper snake case; the
# check below (run at import) fails when a constant and the catalogue disagree, so a typo
# in a code is an import error, not a finding nobody can look up.
MISSING_SHEET = "missing-sheet"
DUPLICATE_SHEET = "duplicate-sheet"
MISSING_COLUMN = "missing-column"
UNKNOWN_COLUMN = "unknown-column"
REQUIRED_BLANK = "required-blank"
BAD_TYPE = "bad-type"
NOT_ALLOWED = "not-allowed"
OUT_OF_RANGE = "out-of-range"
DUPLICATE_KEY = "duplicate-key"
UNKNOWN_SETTING = "unknown-setting"
BAD_SETTING = "bad-setting"
UNKNOWN_REFERENCE = "unknown-reference"
HOURS_OVER_CAP = "hours-over-cap"
HOURS_NOT_POSITIVE = "hours-not-positive"
HOURS_OVER_WEEK_CAP = "hours-over-week-cap"
FUTURE_DATE = "future-date"
DATE_OUTSIDE_PERIOD = "date-outside-period"
LEAVE_AND_WORK = "leave-and-work"
PROJECT_REQUIRED = "project-required"
SELF_AUDIT = "self-audit"
ERROR_TYPE_MISMATCH = "error-type-mismatch"
IMPLAUSIBLE_SPEED = "implausible-speed"
GRAPHIC_OVER_CAP = "graphic-over-cap"
TIMESHEET_PRODUCTION_MISMATCH = "timesheet-production-mismatch"
DISPUTE_OUTCOME_MISMATCH = "dispute-outcome-mismatch"
END_BEFORE_START = "end-before-start"
QUEUE_INCONSISTENT = "queue-inconsistent"
ERROR_VALUE = "error-value"
AMBIGUOUS_DATE = "ambiguous-date"
NOT_CANONICAL = "not-canonical"


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
            MISSING_SHEET,
            "error",
            "schema",
            "A required sheet is in no workbook (optional sheets may be absent).",
        ),
        Rule(
            DUPLICATE_SHEET,
            "error",
            "schema",
            "Settings is in two workbooks, so labelxl cannot tell which values are in force "
            "(other sheets found in several workbooks are read together).",
        ),
        Rule(MISSING_COLUMN, "error", "schema", "A required column is missing from a sheet."),
        Rule(
            UNKNOWN_COLUMN,
            "warning",
            "schema",
            "A column header labelxl does not know; it is ignored.",
        ),
        Rule(REQUIRED_BLANK, "error", "schema", "A required cell is blank."),
        Rule(
            BAD_TYPE,
            "error",
            "schema",
            "A cell holds the wrong kind of value (text where a number or date belongs).",
        ),
        Rule(NOT_ALLOWED, "error", "schema", "A value is not one of the allowed choices."),
        Rule(
            OUT_OF_RANGE,
            "error",
            "schema",
            "A number is outside its allowed range (e.g. fte above 1, negative items).",
        ),
        Rule(
            DUPLICATE_KEY,
            "error",
            "schema",
            "Two rows share a key that must be unique (e.g. the same person_id twice).",
        ),
        Rule(
            ERROR_VALUE,
            "error",
            "input",
            "A cell holds an Excel error (#N/A, #DIV/0!, #REF!, …) or a formula that was never "
            "calculated, so it has no value.",
        ),
        Rule(
            AMBIGUOUS_DATE,
            "error",
            "input",
            "A date typed as text reads as two different days (03/02/2026: 3 February or "
            "March 2) and no date_order says which.",
        ),
        Rule(
            NOT_CANONICAL,
            "warning",
            "input",
            "A value matched its list or a known id only after ignoring case, width or "
            "invisible characters; labelxl uses the listed spelling.",
        ),
        Rule(UNKNOWN_SETTING, "warning", "schema", "The Settings sheet names an unknown setting."),
        Rule(
            BAD_SETTING,
            "error",
            "schema",
            "A setting has a value of the wrong kind or outside its range.",
        ),
        # references
        Rule(
            UNKNOWN_REFERENCE,
            "error",
            "reference",
            "A person, project, auditor or decision that is not in Roster, Projects or Taxonomy.",
        ),
        # business
        Rule(
            HOURS_OVER_CAP,
            "error",
            "business",
            "A person logged more hours in a day than max_hours_per_day.",
        ),
        Rule(
            HOURS_NOT_POSITIVE,
            "error",
            "business",
            "A timesheet entry has zero or negative hours.",
        ),
        Rule(
            HOURS_OVER_WEEK_CAP,
            "warning",
            "business",
            "A person logged more hours in an ISO week than max_hours_per_week.",
        ),
        Rule(FUTURE_DATE, "error", "business", "A date lies in the future."),
        Rule(
            DATE_OUTSIDE_PERIOD,
            "warning",
            "business",
            "A work date lies outside the person's Roster start_date to end_date.",
        ),
        Rule(
            LEAVE_AND_WORK,
            "error",
            "business",
            "A person has Leave and work entries on the same day.",
        ),
        Rule(
            PROJECT_REQUIRED,
            "error",
            "business",
            "A Labeling or QA timesheet entry has no project_id.",
        ),
        Rule(SELF_AUDIT, "error", "business", "The auditor audited their own work."),
        Rule(
            ERROR_TYPE_MISMATCH,
            "error",
            "business",
            "error_type is given although the decisions agree, or missing although they differ.",
        ),
        Rule(
            IMPLAUSIBLE_SPEED,
            "warning",
            "business",
            "Items per handle hour far beyond the project's norm (implausible_speed_factor).",
        ),
        Rule(
            GRAPHIC_OVER_CAP,
            "warning",
            "business",
            "Hours on graphic projects in a day above graphic_hours_per_day.",
        ),
        Rule(
            TIMESHEET_PRODUCTION_MISMATCH,
            "warning",
            "business",
            "Timesheet Labeling hours differ from Production handle time by more than "
            "timesheet_tolerance_hours.",
        ),
        Rule(
            DISPUTE_OUTCOME_MISMATCH,
            "warning",
            "business",
            "dispute_outcome is given on an undisputed audit, or missing on a disputed one.",
        ),
        Rule(
            END_BEFORE_START,
            "error",
            "business",
            "An end (due, interview, decision) date lies before its start date.",
        ),
        Rule(
            QUEUE_INCONSISTENT,
            "error",
            "business",
            "Queue counts contradict each other (done_within_sla above items_done).",
        ),
    )
}


def _check_codes() -> None:
    """Each catalogue code has its constant and each code constant is in the catalogue."""
    declared = {
        value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, str) and name == value.upper().replace("-", "_")
    }
    if declared != set(CATALOGUE):
        raise ImportError(f"finding codes and catalogue differ: {declared ^ set(CATALOGUE)}")


_check_codes()


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
