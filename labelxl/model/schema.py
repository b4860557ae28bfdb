"""Sheet contracts as data: one declaration per sheet drives validation, templates, docs, demo."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from labelxl.model.formats import NUMBER_FORMATS

ColumnType = Literal["text", "integer", "number", "date", "yesno"]

YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Column:
    """One column of a sheet contract."""

    name: str
    type: ColumnType = "text"
    required: bool = False
    description: str = ""
    allowed: tuple[str, ...] | None = None  # allowed values (matched case-insensitively)
    minimum: float | None = None
    maximum: float | None = None
    references: tuple[str, str] | None = None  # (sheet, column) the value must exist in
    default: object = None  # value used when the cell is blank
    number_format: str | None = None  # Excel number format used in templates
    width: float = 14
    fraction: bool = False  # a share (0–1): text such as '95%' is read as 0.95
    keep_numbers: bool = False  # a text column whose number cells stay numbers (Settings value)

    @property
    def choices(self) -> tuple[str, ...] | None:
        return YES_NO if self.type == "yesno" else self.allowed


@dataclass(frozen=True)
class SheetSchema:
    """A sheet's name, columns, key and the workbook of the default split that holds it."""

    name: str
    workbook: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required_sheet: bool = True  # a missing optional sheet is a warning, not an error
    extra: dict[str, object] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def normalise_header(text: object) -> str:
    """Header matching ignores case, surrounding spaces and ``_`` vs space."""
    return re.sub(r"[\s_]+", "_", str(text).strip().lower())


C = Column
DATE = NUMBER_FORMATS["date"]
PCT = NUMBER_FORMATS["pct"]
HOURS = NUMBER_FORMATS["hours"]
INT = NUMBER_FORMATS["int"]

ACTIVITIES = (
    "Labeling",
    "QA",
    "Training",
    "Calibration",
    "Meeting",
    "Wellness",
    "Admin",
    "Leave",
    "Idle",
)
PRODUCTIVE_ACTIVITIES = ("Labeling", "QA")
PLANNED_SHRINKAGE = ("Leave", "Training", "Meeting", "Wellness", "Calibration")
UNPLANNED_SHRINKAGE = ("Idle", "Admin")
ERROR_TYPES = ("FalsePositive", "FalseNegative", "WrongPolicy", "Technical")
SEVERITIES = ("Critical", "Major", "Minor")

PROJECTS = SheetSchema(
    "Projects",
    "tracker",
    "One row per labeling project: what it labels, for which market, and its targets.",
    (
        C(
            "project_id",
            required=True,
            description="Unique project code, e.g. P-EN-HATE.",
            width=14,
        ),
        C("project_name", required=True, description="Human-readable project name.", width=28),
        C("market", required=True, description="Market served, e.g. US, BR, ID."),
        C("language", required=True, description="Content language code, e.g. en, pt, id."),
        C("policy_area", required=True, description="Policy area; must exist in Taxonomy."),
        C(
            "queue_type",
            allowed=("batch", "realtime"),
            default="batch",
            description="batch (backlog worked to a deadline) or realtime (items answered "
            "within an SLA as they arrive).",
        ),
        C(
            "graphic",
            "yesno",
            default="no",
            description="yes when the queue shows graphic "
            "content; hours on it count against the wellbeing caps.",
        ),
        C(
            "status",
            required=True,
            allowed=("Planned", "Active", "Paused", "Closed"),
            description="Project status.",
        ),
        C("owner", description="Manager or lead who owns the project."),
        C("safety_specialist", description="Safety Specialist who owns the policy."),
        C(
            "start_date",
            "date",
            required=True,
            description="First day of work.",
            number_format=DATE,
        ),
        C(
            "end_date",
            "date",
            description="Deadline or planned end (blank = ongoing).",
            number_format=DATE,
        ),
        C(
            "target_volume",
            "number",
            minimum=0,
            description="Items to label per month.",
            number_format=INT,
        ),
        C(
            "target_accuracy",
            "number",
            minimum=0,
            maximum=1,
            description="Accuracy target as a fraction (0.95 = 95%). Blank = Settings "
            "accuracy_target.",
            number_format=PCT,
            fraction=True,
        ),
        C(
            "target_aht_sec",
            "number",
            minimum=0,
            description="Target average handle time per item, seconds.",
            number_format="0",
        ),
        C(
            "sla_hours",
            "number",
            minimum=0,
            description="Turnaround target: hours from arrival to decision.",
            number_format=HOURS,
        ),
        C("priority", "integer", minimum=1, maximum=5, description="1 (highest) to 5."),
        C(
            "platform_project",
            description="Project on the labeling platform, e.g. label-studio:3 or a Labelbox "
            "project id; imported rows of that project get this project_id.",
            width=18,
        ),
    ),
    key=("project_id",),
)

ROSTER = SheetSchema(
    "Roster",
    "tracker",
    "One row per person on the team, in-house or vendor.",
    (
        C("person_id", required=True, description="Unique person code, e.g. L0042."),
        C(
            "name",
            required=True,
            description="Full name (replaced by a pseudonym in reports when asked).",
            width=24,
        ),
        C(
            "role",
            required=True,
            allowed=("Labeler", "QA", "Lead", "Trainer"),
            description="Role on the team.",
        ),
        C("team", description="Team or pod name."),
        C("site", description="Site or city."),
        C("market", description="Market the person works for."),
        C(
            "languages",
            description="Languages the person can label, comma-separated (e.g. en, es).",
        ),
        C("vendor", description="Vendor company; blank = in-house."),
        C(
            "fte",
            "number",
            minimum=0,
            maximum=1,
            default=1.0,
            description="Full-time equivalent, 0–1 (blank = 1).",
            number_format="0.00",
            fraction=True,
        ),
        C(
            "contracted_hours_week",
            "number",
            minimum=0,
            maximum=80,
            description="Contracted hours per week (blank = fte × hours_per_fte_week).",
            number_format=HOURS,
        ),
        C(
            "start_date",
            "date",
            required=True,
            description="First day on the team.",
            number_format=DATE,
        ),
        C(
            "end_date",
            "date",
            description="Last day (blank = still on the team).",
            number_format=DATE,
        ),
        C(
            "status",
            allowed=("Active", "Leave", "Left"),
            default="Active",
            description="Active, Leave (long absence) or Left.",
        ),
        C(
            "email",
            description="Login e-mail on the labeling platform; matches imported annotators "
            "to this person (labelxl import).",
            width=26,
        ),
    ),
    key=("person_id",),
)

PRODUCTION = SheetSchema(
    "Production",
    "tracker",
    "One row per person, day and project: items labeled and minutes spent handling them.",
    (
        C("date", "date", required=True, description="Work day.", number_format=DATE),
        C(
            "person_id",
            required=True,
            references=("Roster", "person_id"),
            description="Who labeled; must exist in Roster.",
        ),
        C(
            "project_id",
            required=True,
            references=("Projects", "project_id"),
            description="Project; must exist in Projects.",
        ),
        C(
            "items",
            "integer",
            required=True,
            minimum=0,
            description="Items decided.",
            number_format=INT,
        ),
        C(
            "handle_minutes",
            "number",
            required=True,
            minimum=0,
            description="Minutes spent handling those items.",
            number_format="0",
        ),
    ),
    key=("date", "person_id", "project_id"),
)

QUEUE = SheetSchema(
    "Queue",
    "tracker",
    "One row per project and day: arrivals, completions, backlog and SLA.",
    (
        C("date", "date", required=True, description="Day.", number_format=DATE),
        C(
            "project_id",
            required=True,
            references=("Projects", "project_id"),
            description="Project; must exist in Projects.",
        ),
        C("items_in", "integer", minimum=0, description="Items that arrived.", number_format=INT),
        C("items_done", "integer", minimum=0, description="Items decided.", number_format=INT),
        C(
            "backlog_end",
            "integer",
            minimum=0,
            description="Items waiting at end of day.",
            number_format=INT,
        ),
        C(
            "done_within_sla",
            "integer",
            minimum=0,
            description="Of items_done, how many within the project's SLA.",
            number_format=INT,
        ),
        C(
            "median_tat_hours",
            "number",
            minimum=0,
            description="Median turnaround (arrival to decision), hours.",
            number_format=HOURS,
        ),
    ),
    key=("date", "project_id"),
    required_sheet=False,
)

TIMESHEET = SheetSchema(
    "Timesheet",
    "timesheet",
    "One row per time entry: who, which day, doing what, for how long.",
    (
        C("date", "date", required=True, description="Day worked.", number_format=DATE),
        C(
            "person_id",
            required=True,
            references=("Roster", "person_id"),
            description="Who; must exist in Roster.",
        ),
        C("activity", required=True, allowed=ACTIVITIES, description="What the time was spent on."),
        C("hours", "number", required=True, description="Hours, e.g. 7.5.", number_format="0.00"),
        C(
            "project_id",
            references=("Projects", "project_id"),
            description="Project; required for Labeling and QA.",
        ),
        C("note", description="Free text.", width=30),
    ),
    key=(),
)

AUDITS = SheetSchema(
    "Audits",
    "audit",
    "One row per audited item: the labeler's decision against the auditor's.",
    (
        C("audit_id", required=True, description="Unique audit row id."),
        C("audit_date", "date", required=True, description="Day of the audit.", number_format=DATE),
        C("item_id", required=True, description="Content item id."),
        C(
            "project_id",
            required=True,
            references=("Projects", "project_id"),
            description="Project; must exist in Projects.",
        ),
        C(
            "person_id",
            required=True,
            references=("Roster", "person_id"),
            description="The labeler audited; must exist in Roster.",
        ),
        C(
            "auditor_id",
            required=True,
            references=("Roster", "person_id"),
            description="The auditor; must exist in Roster and differ from person_id.",
        ),
        C(
            "labeler_decision",
            required=True,
            references=("Taxonomy", "decision"),
            description="Label given by the labeler; must exist in Taxonomy.",
        ),
        C(
            "auditor_decision",
            required=True,
            references=("Taxonomy", "decision"),
            description="Label the auditor says is right; must exist in Taxonomy.",
        ),
        C(
            "error_type",
            allowed=ERROR_TYPES,
            description="Blank when the decisions agree; otherwise the kind of error.",
        ),
        C("severity", allowed=SEVERITIES, description="Severity of the error."),
        C("disputed", "yesno", default="no", description="yes when the labeler disputed."),
        C(
            "dispute_outcome",
            allowed=("Upheld", "Overturned", "Pending"),
            description="Upheld (audit stands), Overturned (labeler was right), Pending.",
        ),
        C("comment", description="Auditor's note.", width=30),
    ),
    key=("audit_id",),
)

CALIBRATION = SheetSchema(
    "Calibration",
    "audit",
    "Calibration sessions: several raters label the same items.",
    (
        C("session_id", required=True, description="Session code, e.g. CAL-2026-03."),
        C("date", "date", description="Session day.", number_format=DATE),
        C("item_id", required=True, description="Item rated."),
        C(
            "rater_id",
            required=True,
            references=("Roster", "person_id"),
            description="Rater; must exist in Roster.",
        ),
        C("label", required=True, description="Label the rater gave."),
    ),
    key=("session_id", "item_id", "rater_id"),
    required_sheet=False,
)

TAXONOMY = SheetSchema(
    "Taxonomy",
    "audit",
    "The valid decisions per policy area.",
    (
        C("policy_area", required=True, description="Policy area, e.g. Hate Speech."),
        C("decision", required=True, description="A valid label, e.g. Violating.", width=20),
        C("description", description="What the decision means.", width=40),
        C(
            "default_severity",
            allowed=SEVERITIES,
            description="Severity when an error involves this decision.",
        ),
    ),
    key=("policy_area", "decision"),
)

REQUIREMENTS = SheetSchema(
    "Requirements",
    "tracker",
    "Labeling requirements received from upstream teams.",
    (
        C("req_id", required=True, description="Requirement id."),
        C(
            "project_id",
            references=("Projects", "project_id"),
            description="Project it belongs to (blank = not yet assigned).",
        ),
        C("requested_by", description="Team or person who asked."),
        C("received_date", "date", required=True, description="Day received.", number_format=DATE),
        C("summary", required=True, description="What is asked.", width=40),
        C(
            "status",
            required=True,
            allowed=("New", "In progress", "Done", "Rejected"),
            description="Where it stands.",
        ),
        C("due_date", "date", description="When it is due.", number_format=DATE),
        C("version", "integer", minimum=1, description="Guideline version it changes."),
    ),
    key=("req_id", "version"),
    required_sheet=False,
)

HIRING = SheetSchema(
    "Hiring",
    "tracker",
    "Hiring pipeline: one row per candidate.",
    (
        C("candidate_id", required=True, description="Candidate id."),
        C(
            "role",
            required=True,
            allowed=("Labeler", "QA", "Lead", "Trainer"),
            description="Role hired for.",
        ),
        C("market", description="Market."),
        C("language", description="Language."),
        C(
            "stage",
            required=True,
            allowed=("Applied", "Screen", "Interview", "Offer", "Hired", "Rejected", "Withdrawn"),
            description="Furthest stage reached (Rejected/Withdrawn end the process).",
        ),
        C("applied_date", "date", required=True, description="Day applied.", number_format=DATE),
        C("interview_date", "date", description="Day interviewed.", number_format=DATE),
        C("interviewer", description="Interviewer id or name."),
        C(
            "score",
            "number",
            minimum=0,
            maximum=5,
            description="Interview score 0–5.",
            number_format="0.0",
        ),
        C("decision_date", "date", description="Day of offer or rejection.", number_format=DATE),
        C("start_date", "date", description="Start day when hired.", number_format=DATE),
    ),
    key=("candidate_id",),
    required_sheet=False,
)

SETTINGS_SHEET = SheetSchema(
    "Settings",
    "tracker",
    "Targets and caps; every setting has a documented default.",
    (
        C("setting", required=True, description="Setting name (see docs).", width=26),
        C("value", required=True, description="Its value.", width=14, keep_numbers=True),
        C("description", description="What it means (ignored by labelxl).", width=70),
    ),
    key=("setting",),
    required_sheet=False,
)

SHEETS: dict[str, SheetSchema] = {
    s.name: s
    for s in (
        PROJECTS,
        ROSTER,
        PRODUCTION,
        QUEUE,
        REQUIREMENTS,
        HIRING,
        SETTINGS_SHEET,
        TIMESHEET,
        AUDITS,
        CALIBRATION,
        TAXONOMY,
    )
}

WORKBOOKS: dict[str, tuple[str, ...]] = {
    "tracker": ("Projects", "Roster", "Production", "Queue", "Requirements", "Hiring", "Settings"),
    "timesheet": ("Timesheet",),
    "audit": ("Audits", "Calibration", "Taxonomy"),
}

OUTPUT_PREFIX = "LX "
