"""Turn annotations read from any platform export into rows of Production, Audits, Calibration.

Every reader (Label Studio, Labelbox) fills one ``Annotations`` table — one row per
annotation — and ``build`` applies the mapping documented in docs/imports.md. Keeping the
mapping here means each platform module only has to read its own format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from labelxl.errors import LabelxlError
from labelxl.model.schema import AUDITS, CALIBRATION, PRODUCTION

# Columns of the annotation table every reader produces.
ANNOTATION_COLUMNS = (
    "task_id",  # the platform's id of the item's task / data row
    "item_id",  # the content item (task data field, else the task id)
    "annotation_id",
    "annotator",  # the platform's user key: an integer id as text, or an e-mail
    "created_at",  # ISO-8601 text with offset (UTC on both platforms)
    "lead_time",  # seconds spent, NaN when the export has none
    "cancelled",  # skipped without an answer
    "gold",  # the task's gold (ground truth) answer
    "label",  # the decision in the chosen control, "" when none was given
)

# Spellings that mean "no violation", for telling FalsePositive from FalseNegative.
NEGATIVE_LABELS = frozenset(
    s.casefold()
    for s in (
        "Not violating",
        "Non-violating",
        "Nonviolating",
        "No violation",
        "Not violative",
        "Non-violative",
        "Safe",
        "Benign",
        "Clean",
        "OK",
        "Approve",
        "Approved",
        "Allow",
        "Allowed",
        "Negative",
        "No",
        "None",
    )
)


class ExportError(LabelxlError, ValueError):
    """An export (or its users / mapping file) cannot be imported; the message is one line."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class Lookups:
    """What the workspace says about people and projects (empty when it has no tracker)."""

    person_by_email: dict[str, str] = field(default_factory=dict)  # casefolded e-mail → id
    project_by_platform: dict[str, str] = field(default_factory=dict)  # platform key → id

    @classmethod
    def from_frames(
        cls, roster: pd.DataFrame | None = None, projects: pd.DataFrame | None = None
    ) -> Lookups:
        people: dict[str, str] = {}
        if roster is not None and {"email", "person_id"} <= set(roster.columns):
            for email, pid in zip(roster["email"], roster["person_id"], strict=True):
                if _text(email) and _text(pid):
                    people.setdefault(_text(email).casefold(), _text(pid))
        found: dict[str, str] = {}
        if projects is not None and {"platform_project", "project_id"} <= set(projects.columns):
            for key, pid in zip(projects["platform_project"], projects["project_id"], strict=True):
                if _text(key) and _text(pid):
                    found.setdefault(_text(key).casefold(), _text(pid))
        return cls(people, found)


@dataclass
class ImportResult:
    """Rows for the sheet contracts plus what the import has to tell the manager."""

    platform: str  # "label-studio" or "labelbox"
    export_format: str  # JSON, JSON_MIN, CSV, NDJSON
    platform_project: str
    project_id: str
    sheets: dict[str, pd.DataFrame]
    annotators: pd.DataFrame  # one row per annotator: counts and lead time, for the summary
    notices: list[str] = field(default_factory=list)
    items_multi: int = 0  # items with two or more annotators

    @property
    def source_name(self) -> str:
        """File stem of the workbook under ``<workspace>/imports`` that holds these rows."""
        return f"{self.platform}-{safe_name(self.platform_project)}"


@dataclass
class Collector:
    """Annotation columns as the reader walks the file, with every choices control kept."""

    rows: dict[str, list[Any]] = field(
        default_factory=lambda: {
            c: []
            for c in (
                "task_id",
                "item_id",
                "annotation_id",
                "annotator",
                "created_at",
                "lead_time",
                "cancelled",
                "gold",
            )
        }
    )
    labels: dict[str, dict[int, str]] = field(default_factory=dict)  # control → row → label
    control_order: list[str] = field(default_factory=list)
    projects: set[str] = field(default_factory=set)
    tasks_without_item_field: int = 0
    varying: list[str] = field(default_factory=list)  # CSV columns that differ within a task
    benchmarks: set[str] = field(default_factory=set)  # ids of gold labels (Labelbox)
    unattributed: int = 0  # annotations whose author is gone (deleted user)

    def add(
        self,
        task_id: object,
        item_id: object,
        annotation_id: object,
        annotator: str,
        created_at: object,
        lead_time: object,
        cancelled: bool,
        gold: bool,
        labels: Mapping[str, str],
    ) -> None:
        n = len(self.rows["task_id"])
        r = self.rows
        r["task_id"].append(str(task_id))
        r["item_id"].append(str(item_id))
        r["annotation_id"].append(str(annotation_id))
        r["annotator"].append(annotator)
        r["created_at"].append("" if created_at is None else str(created_at))
        r["lead_time"].append(to_seconds(lead_time))
        r["cancelled"].append(cancelled)
        r["gold"].append(gold)
        for name, label in labels.items():
            slot = self.labels.get(name)
            if slot is None:
                slot = self.labels[name] = {}
                self.control_order.append(name)
            slot[n] = label

    def __len__(self) -> int:
        return len(self.rows["task_id"])


def to_seconds(value: object) -> float:
    """A lead time as float seconds; NaN when missing or not a number."""
    if isinstance(value, bool) or value is None or value == "":
        return float("nan")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return float("nan")


def safe_name(text: str) -> str:
    """A file-name-safe spelling of a platform project id."""
    kept = "".join(c if c.isalnum() or c in "-_." else "_" for c in text.strip())
    return kept.strip(".") or "project"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def zone(name: str) -> dt.tzinfo:
    """The time zone whose calendar days Production and Calibration use."""
    if name.upper() in ("UTC", "Z"):
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LabelxlError(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Jakarta or UTC"
        ) from None


def annotation_frame(rows: Mapping[str, list[object]]) -> pd.DataFrame:
    """The annotation table from column lists (as the readers collect them)."""
    frame = pd.DataFrame({c: rows[c] for c in ANNOTATION_COLUMNS})
    frame["lead_time"] = pd.to_numeric(frame["lead_time"], errors="coerce").astype("float64")
    frame["cancelled"] = frame["cancelled"].astype(bool)
    frame["gold"] = frame["gold"].astype(bool)
    return frame


def local_days(created_at: pd.Series, tz: dt.tzinfo, path: object) -> pd.Series:
    """Calendar day of each timestamp in ``tz``; a timestamp that does not parse is an error."""
    stamps = pd.to_datetime(created_at, utc=True, errors="coerce", format="ISO8601")
    bad = stamps.isna()
    if bad.any():
        first = created_at[bad].iloc[0]
        raise ExportError(
            path,
            f"{int(bad.sum()):,} annotation(s) have no readable created_at (first: {first!r}); "
            "expected ISO-8601 times such as 2026-03-02T09:15:00Z",
        )
    return stamps.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def build(
    ann: pd.DataFrame,
    *,
    people: Mapping[str, str],
    project_id: str,
    tz: dt.tzinfo,
    path: object,
    prefix: str,
    negative_label: str | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, int, list[str]]:
    """Apply the documented mapping; returns (sheets, annotator summary, items multi, notices).

    ``people`` maps each annotator key to a person_id. Production counts non-cancelled,
    non-gold annotations as items and the lead time of every non-gold annotation (skipped
    ones too: that time was worked). Gold annotations are audits of the task's other
    annotations. Items with two or more annotators become calibration rows.
    """
    notices: list[str] = []
    ann = ann.copy()
    ann["person_id"] = ann["annotator"].map(people)
    ann["day"] = local_days(ann["created_at"], tz, path)
    ann["stamp"] = pd.to_datetime(ann["created_at"], utc=True, format="ISO8601")
    production = _production(ann, project_id)
    audits, audit_notes = _audits(ann, project_id, prefix, negative_label)
    notices.extend(audit_notes)
    calibration, multi = _calibration(ann, project_id)
    summary = _summary(ann)
    sheets = {"Production": production, "Audits": audits, "Calibration": calibration}
    return sheets, summary, multi, notices


def _production(ann: pd.DataFrame, project_id: str) -> pd.DataFrame:
    work = ann[~ann["gold"]]
    if work.empty:
        return pd.DataFrame(columns=list(PRODUCTION.column_names))
    work = work.assign(
        item=(~work["cancelled"]).astype("int64"),
        seconds=work["lead_time"].fillna(0.0),
    )
    grouped = work.groupby(["day", "person_id"], sort=True, as_index=False).agg(
        items=("item", "sum"), seconds=("seconds", "sum")
    )
    return pd.DataFrame(
        {
            "date": grouped["day"],
            "person_id": grouped["person_id"],
            "project_id": project_id,
            "items": grouped["items"].astype("int64"),
            "handle_minutes": grouped["seconds"] / 60.0,
        }
    )[list(PRODUCTION.column_names)]


def _audits(
    ann: pd.DataFrame, project_id: str, prefix: str, negative_label: str | None
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    gold = ann[ann["gold"] & ~ann["cancelled"]]
    columns = list(AUDITS.column_names)
    if gold.empty:
        return pd.DataFrame(columns=columns), notes
    # One gold answer per task: the latest, when a task was given several.
    gold = gold.sort_values("stamp").drop_duplicates("task_id", keep="last")
    several = int(ann[ann["gold"] & ~ann["cancelled"]].duplicated("task_id").sum())
    if several:
        notes.append(
            f"{several:,} task(s) have more than one gold answer; the latest one is the audit."
        )
    audited = ann[~ann["gold"] & ~ann["cancelled"]].merge(
        gold[["task_id", "person_id", "label", "stamp", "day"]].rename(
            columns={
                "person_id": "auditor_id",
                "label": "auditor_decision",
                "stamp": "gold_stamp",
                "day": "gold_day",
            }
        ),
        on="task_id",
        how="inner",
    )
    audited = audited[audited["person_id"] != audited["auditor_id"]]
    blank = (audited["label"] == "") | (audited["auditor_decision"] == "")
    if blank.any():
        notes.append(
            f"{int(blank.sum()):,} audited annotation(s) have no answer in the chosen control "
            "(labeler's or gold); they are not in Audits."
        )
    audited = audited[~blank].sort_values(["gold_stamp", "task_id", "stamp"], kind="stable")
    error_type, note = _error_types(audited["label"], audited["auditor_decision"], negative_label)
    if note:
        notes.append(note)
    # The audit happened when the gold answer was given, or later if the labeler came later.
    audit_day = audited[["gold_day", "day"]].max(axis=1)
    frame = pd.DataFrame(
        {
            # The audited annotation's id: unique on its platform, stable across re-imports.
            "audit_id": prefix + ":" + audited["annotation_id"].astype(str),
            "audit_date": audit_day,
            "item_id": audited["item_id"],
            "project_id": project_id,
            "person_id": audited["person_id"],
            "auditor_id": audited["auditor_id"],
            "labeler_decision": audited["label"],
            "auditor_decision": audited["auditor_decision"],
            "error_type": error_type,
        }
    )
    for col in columns:
        if col not in frame.columns:
            frame[col] = None
    return frame[columns].reset_index(drop=True), notes


def _error_types(
    labeler: pd.Series, auditor: pd.Series, negative_label: str | None
) -> tuple[list[object], str]:
    """FalsePositive / FalseNegative when one side is the 'no violation' label, else blank."""
    differ = (labeler != auditor).to_numpy()
    if not differ.any():
        return [None] * len(labeler), ""
    labels = set(labeler) | set(auditor)
    negative = negative_label
    if negative is None:
        found = [x for x in labels if x.casefold() in NEGATIVE_LABELS]
        negative = found[0] if len(found) == 1 else None
    if negative is None:
        return [None] * len(labeler), (
            f"{int(differ.sum()):,} audit(s) disagree but no label clearly means 'no "
            "violation', so error_type is blank (validation asks for it); pass "
            "--negative-label NAME to fill it."
        )
    neg = negative.casefold()
    out: list[object] = []
    for lab, aud, d in zip(labeler, auditor, differ, strict=True):
        if not d:
            out.append(None)
        elif aud.casefold() == neg:
            out.append("FalsePositive")  # flagged content that does not violate
        elif lab.casefold() == neg:
            out.append("FalseNegative")  # missed a violation
        else:
            out.append(None)  # two different violating answers: which error is unclear
    unclear = sum(1 for e, d in zip(out, differ, strict=True) if d and e is None)
    if unclear:
        return out, (
            f"{unclear:,} audit(s) disagree and neither answer is the no-violation label; "
            "their error_type is blank (validation asks for it): fill it in Audits."
        )
    return out, ""


def _calibration(ann: pd.DataFrame, project_id: str) -> tuple[pd.DataFrame, int]:
    columns = list(CALIBRATION.column_names)
    done = ann[~ann["cancelled"]]
    raters = done.groupby("item_id")["person_id"].nunique()
    multi_items = raters.index[raters >= 2]
    rated = done[done["item_id"].isin(multi_items) & (done["label"] != "")]
    if rated.empty:
        return pd.DataFrame(columns=columns), len(multi_items)
    # A rater's latest answer counts; the session is the project on the item's first day.
    rated = rated.sort_values("stamp").drop_duplicates(["item_id", "person_id"], keep="last")
    first_day = done.groupby("item_id")["day"].min()
    day = rated["item_id"].map(first_day)
    frame = pd.DataFrame(
        {
            "session_id": project_id + " " + day.dt.strftime("%Y-%m-%d"),
            "date": day,
            "item_id": rated["item_id"],
            "rater_id": rated["person_id"],
            "label": rated["label"],
        }
    ).sort_values(["date", "item_id", "rater_id"], kind="stable")
    return frame[columns].reset_index(drop=True), len(multi_items)


def _summary(ann: pd.DataFrame) -> pd.DataFrame:
    """Per annotator: items, skipped, gold answers, lead time in seconds."""
    work = ann.assign(
        item=(~ann["cancelled"] & ~ann["gold"]).astype("int64"),
        skipped=ann["cancelled"].astype("int64"),
        gold_n=(ann["gold"] & ~ann["cancelled"]).astype("int64"),
        seconds=ann["lead_time"].fillna(0.0),
    )
    out = work.groupby(["person_id", "annotator"], as_index=False).agg(
        annotations=("item", "size"),
        items=("item", "sum"),
        skipped=("skipped", "sum"),
        gold=("gold_n", "sum"),
        lead_time_sec=("seconds", "sum"),
    )
    return out.sort_values("person_id", kind="stable").reset_index(drop=True)


def resolve_people(
    keys: Iterable[str],
    emails: Mapping[str, str] | None,
    lookups: Lookups,
    prefix: str,
) -> tuple[dict[str, str], list[str]]:
    """Map annotator keys to person_ids; returns the map and the e-mails missing from Roster.

    ``emails`` maps user ids to e-mails (from a users file); a key that is already an e-mail
    is used as is. A key with no e-mail becomes ``<prefix>:<key>``.
    """
    out: dict[str, str] = {}
    missing: list[str] = []
    for key in sorted(set(keys)):
        email = key if "@" in key else (emails or {}).get(key, "")
        if not email:
            out[key] = f"{prefix}:{key}"
            continue
        pid = lookups.person_by_email.get(email.casefold())
        if pid is None:
            missing.append(email)
            pid = email
        out[key] = pid
    return out, sorted(set(missing))


def resolve_project(given: str | None, platform_project: str, prefix: str, lookups: Lookups) -> str:
    """--project-id, else the Projects row whose platform_project matches, else a prefixed id."""
    if given:
        return given
    for key in (f"{prefix}:{platform_project}", platform_project):
        pid = lookups.project_by_platform.get(key.casefold())
        if pid:
            return pid
    return f"{prefix}:{platform_project}"


def missing_people_notice(missing: list[str], cap: int = 8) -> str:
    more = f" and {len(missing) - cap} more" if len(missing) > cap else ""
    shown = ", ".join(missing[:cap]) + more
    return (
        f"{len(missing)} annotator(s) are not in the Roster (no row with their email): {shown}. "
        "Add them to Roster with that email so their rows use the person_id."
    )


def file_kind(path: Path) -> str:
    return path.suffix.lower().lstrip(".")
