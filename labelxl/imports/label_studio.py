"""Read Label Studio exports (JSON, JSON_MIN, CSV) and its users list into the sheet contracts.

The three formats hold different facts: JSON has every annotation with ``was_cancelled``
and ``ground_truth``; JSON_MIN and CSV have one row per non-cancelled annotation and no
gold flag. ``read_label_studio`` detects the format, streams the file and reports in one
notice what the format could not say.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

from labelxl.imports.common import (
    Collector,
    ExportError,
    ImportResult,
    Lookups,
    annotation_frame,
    build,
    missing_people_notice,
    resolve_people,
    resolve_project,
    zone,
)
from labelxl.imports.jsonstream import JSONStreamError, iter_array

PLATFORM = "label-studio"
# Columns every JSON_MIN record and CSV row carries besides the task data and the controls.
MIN_KEYS = ("id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time")
EXTRA_KEYS = ("agreement", "history")
_FILE_PROJECT = re.compile(r"project-(\d+)-at-", re.IGNORECASE)


def read_label_studio(
    path: str | Path,
    *,
    users: str | Path | Mapping[str, str] | None = None,
    field: str | None = None,
    project_id: str | None = None,
    lookups: Lookups | None = None,
    timezone: str = "UTC",
    negative_label: str | None = None,
    item_field: str = "item_id",
) -> ImportResult:
    """Read one Label Studio export into Production, Audits and Calibration rows.

    ``users`` is the users list from the API (``/api/users``: a JSON array of objects with
    ``id`` and ``email``), a path to it, or an id → e-mail mapping. ``field`` names the
    choices control (``from_name``) whose answers are the decisions. Raises ``ExportError``
    (one line) for input that is not a Label Studio export or does not fit the options.
    """
    src = Path(path)
    tz = zone(timezone)
    fmt = detect_format(src)
    collected = _collect(src, fmt, item_field)
    if not len(collected):
        raise ExportError(src, f"the {fmt} export holds no annotations; nothing to import")
    notices: list[str] = []
    control, note = _choose_control(collected, field, src, fmt)
    if note:
        notices.append(note)
    platform_project = _platform_project(collected, src, project_id)
    emails = _load_users(users, src) if users is not None else None
    if emails is not None:
        _check_users(emails, collected.rows["annotator"], users, src)
    looked = lookups or Lookups()
    people, missing = resolve_people(collected.rows["annotator"], emails, looked, PLATFORM)
    if missing:
        notices.append(missing_people_notice(missing))
    if emails is None and any("@" not in a for a in collected.rows["annotator"]):
        notices.append(
            "No users file: annotators are named label-studio:<user id>. Pass --users "
            "USERS.json (from /api/users) to name them by e-mail and Roster person."
        )
    pid = resolve_project(project_id, platform_project, PLATFORM, looked)
    rows = dict(collected.rows)
    picked = collected.labels.get(control, {}) if control else {}
    rows["label"] = [picked.get(i, "") for i in range(len(collected))]
    ann = annotation_frame(rows)
    if fmt != "JSON":
        notices.append(
            f"{fmt} exports leave out skipped (cancelled) annotations and the gold "
            "(ground_truth) flag: Audits is empty, skipped time is not counted and gold "
            "answers count as Production. Export JSON for all of them."
        )
    no_time = int(ann["lead_time"].isna().sum())
    if no_time:
        notices.append(f"{no_time:,} annotation(s) have no lead_time; they add no minutes.")
    if collected.unattributed:
        notices.append(
            f"{collected.unattributed:,} annotation(s) have no completed_by (deleted user?); "
            "they are not imported."
        )
    if collected.tasks_without_item_field:
        notices.append(
            f"{collected.tasks_without_item_field:,} task(s) have no data field "
            f"{item_field!r}; their Label Studio task id is the item_id."
        )
    sheets, summary, multi, built_notes = build(
        ann,
        people=people,
        project_id=pid,
        tz=tz,
        path=src,
        prefix=f"{PLATFORM}:{platform_project}",
        negative_label=negative_label,
    )
    notices.extend(built_notes)
    return ImportResult(
        platform=PLATFORM,
        export_format=fmt,
        platform_project=platform_project,
        project_id=pid,
        sheets=sheets,
        annotators=summary,
        notices=notices,
        items_multi=multi,
    )


# ---------------------------------------------------------------------------------------
# Format detection


def detect_format(path: Path) -> str:
    """JSON, JSON_MIN or CSV; ``ExportError`` naming what the file is when it is none of them."""
    head = _head(path)
    if head.startswith(b"PK\x03\x04"):
        what = "an Excel workbook" if _is_workbook(path) else "a zip archive"
        raise ExportError(
            path,
            f"is {what}, not a Label Studio export. Export the project as JSON, JSON_MIN or CSV.",
        )
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise ExportError(path, "is empty; expected a Label Studio JSON, JSON_MIN or CSV export")
    if text[0] == "[":
        return _json_flavour(path)
    if text[0] == "{":
        if '"data_row"' in text[:4096]:
            raise ExportError(
                path, "is a Labelbox export (NDJSON); import it with 'labelxl import labelbox'"
            )
        raise ExportError(
            path,
            "is a single JSON object, not a Label Studio export (an array of tasks). Export "
            "the project as JSON, JSON_MIN or CSV.",
        )
    first_line = text.splitlines()[0] if text else ""
    header = {h.strip().strip('"').lower() for h in re.split(r"[,;\t|]", first_line)}
    if {"annotator", "annotation_id"} <= header:
        return "CSV"
    raise ExportError(
        path,
        "is not a Label Studio export: expected a JSON array of tasks or a CSV with "
        "annotator and annotation_id columns",
    )


def _head(path: Path, size: int = 65536) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "[Content_Types].xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def _json_flavour(path: Path) -> str:
    with _open_text(path) as fh:
        try:
            for element in iter_array(fh):
                if not isinstance(element, dict):
                    break
                if "annotations" in element or "completions" in element:
                    return "JSON"
                if "annotator" in element and "annotation_id" in element:
                    return "JSON_MIN"
                if "data_row" in element:
                    raise ExportError(
                        path,
                        "is a Labelbox export; import it with 'labelxl import labelbox'",
                    )
                break
            else:
                raise ExportError(path, "is an empty JSON array; the export holds no tasks")
        except JSONStreamError as exc:
            raise ExportError(path, f"is not a complete JSON export: {exc}") from None
    raise ExportError(
        path,
        "is a JSON array but not of Label Studio tasks (no 'annotations', nor 'annotator' "
        "and 'annotation_id'); expected a JSON, JSON_MIN or CSV export from Label Studio",
    )


def _open_text(path: Path) -> IO[str]:
    return path.open("r", encoding="utf-8-sig", errors="strict", newline="")


# ---------------------------------------------------------------------------------------
# Reading


def _collect(path: Path, fmt: str, item_field: str) -> Collector:
    out = Collector()
    try:
        with _open_text(path) as fh:
            if fmt == "JSON":
                for task in iter_array(fh):
                    _add_task(out, task, item_field, path)
            elif fmt == "JSON_MIN":
                for record in iter_array(fh):
                    _add_min(out, record, item_field, path, ordered=True)
            else:
                _read_csv(out, fh, item_field, path)
    except JSONStreamError as exc:
        raise ExportError(path, f"is not a complete JSON export: {exc}") from None
    except UnicodeDecodeError:
        raise ExportError(path, "is not UTF-8 text; Label Studio exports are UTF-8") from None
    return out


def _add_task(out: Collector, task: Any, item_field: str, path: Path) -> None:
    if not isinstance(task, dict) or not isinstance(task.get("annotations", []), list):
        raise ExportError(path, "holds an element that is not a Label Studio task")
    task_id = task.get("id")
    data = task.get("data")
    item = data.get(item_field) if isinstance(data, dict) else None
    if item is None or item == "":
        item = task_id
        out.tasks_without_item_field += 1
    if task.get("project") is not None:
        out.projects.add(str(task["project"]))
    for ann in task.get("annotations") or task.get("completions") or []:
        if not isinstance(ann, dict):
            raise ExportError(path, f"task {task_id} has an annotation that is not an object")
        who = _annotator(ann.get("completed_by"))
        if who == "":
            out.unattributed += 1
            continue
        out.add(
            task_id,
            item,
            ann.get("id"),
            who,
            ann.get("created_at"),
            ann.get("lead_time"),
            bool(ann.get("was_cancelled") or ann.get("skipped")),
            bool(ann.get("ground_truth")),
            _result_labels(ann.get("result")),
        )


def _annotator(value: object) -> str:
    if isinstance(value, dict):  # some exports expand the user: {"id": 3, "email": ...}
        email = value.get("email")
        if email:
            return str(email)
        value = value.get("id")
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _result_labels(result: object) -> dict[str, str]:
    """The chosen choices per control (from_name) of one annotation's result list."""
    found: dict[str, list[str]] = {}
    if not isinstance(result, list):
        return {}
    for region in result:
        if not isinstance(region, dict) or str(region.get("type", "")).lower() != "choices":
            continue
        value = region.get("value")
        choices = value.get("choices") if isinstance(value, dict) else None
        if isinstance(choices, list):
            found.setdefault(str(region.get("from_name", "")), []).extend(map(str, choices))
    return {name: _join(values) for name, values in found.items()}


def _join(values: list[str]) -> str:
    # Several choices (a multi-select control) are one label, order-free, so two raters who
    # ticked the same boxes agree.
    unique = sorted(set(values))
    return "; ".join(unique)


def _pretty_label(value: object) -> str | None:
    """A JSON_MIN / CSV control value as a label; None when it is not a choices answer."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[":
            try:
                return _pretty_label(json.loads(text))
            except json.JSONDecodeError:
                return text
        return text
    if isinstance(value, dict):
        choices = value.get("choices")
        if isinstance(choices, list):
            return _join([str(c) for c in choices])
        return None
    if isinstance(value, list):
        parts: list[str] = []
        for v in value:
            label = _pretty_label(v)
            if label is None:
                return None
            if label:
                parts.extend(label.split("; "))
        return _join(parts)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _add_min(out: Collector, record: Any, item_field: str, path: Path, *, ordered: bool) -> None:
    if not isinstance(record, dict):
        raise ExportError(path, "holds an element that is not a JSON_MIN record")
    who = _annotator(record.get("annotator"))
    if who == "" or record.get("annotation_id") in (None, ""):
        return  # a task nobody annotated: Label Studio still writes one row for it
    task_id = record.get("id")
    item = record.get(item_field)
    if item is None or item == "":
        item = record.get(f"_data_{item_field}") or task_id
        if item == task_id:
            out.tasks_without_item_field += 1
    labels: dict[str, str] = {}
    for name in _control_keys(record, ordered, item_field):
        label = _pretty_label(record[name])
        if label is not None:
            labels[name] = label
    out.add(
        task_id,
        item,
        record.get("annotation_id"),
        who,
        record.get("created_at"),
        record.get("lead_time"),
        False,
        False,
        labels,
    )


def _control_keys(record: dict[str, Any], ordered: bool, item_field: str) -> list[str]:
    """Keys that may be controls. JSON_MIN writes task data, then id, controls, annotator."""
    keys = list(record)
    if ordered and "id" in keys and "annotator" in keys:
        start, stop = keys.index("id"), keys.index("annotator")
        if start < stop:
            return keys[start + 1 : stop]
    skip = {*MIN_KEYS, *EXTRA_KEYS, item_field}
    return [k for k in keys if k not in skip and not k.startswith("_data_")]


def _read_csv(out: Collector, fh: IO[str], item_field: str, path: Path) -> None:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # task texts can be long
    sample = fh.read(65536)
    fh.seek(0)
    first = sample.splitlines()[0] if sample else ""
    delimiter = max(",;\t|", key=first.count)
    reader = csv.DictReader(fh, delimiter=delimiter)
    if reader.fieldnames is None:
        raise ExportError(path, "is an empty CSV file")
    try:
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise ExportError(path, f"row {line} has more cells than the header")
            _add_min(out, row, item_field, path, ordered=False)
    except csv.Error as exc:
        raise ExportError(path, f"is not a readable CSV file: {exc}") from None
    out.varying = _varying_columns(out)


def _varying_columns(out: Collector) -> list[str]:
    """Columns whose value differs between the rows of one task: annotators' answers.

    Task data is the same on every row of a task (CSV columns are sorted, so their order
    cannot tell data from controls the way JSON_MIN's key order does).
    """
    if not out.control_order:
        return []
    n = len(out)
    frame = pd.DataFrame(
        {name: pd.Series(out.labels[name], dtype=object) for name in out.control_order},
        index=pd.RangeIndex(n),
    ).reindex(pd.RangeIndex(n))
    frame = frame.fillna("")
    frame["__task"] = out.rows["task_id"]
    distinct = frame.groupby("__task", sort=False).nunique()
    return [name for name in out.control_order if (distinct[name] > 1).any()]


# ---------------------------------------------------------------------------------------
# Options checked against the export


def _choose_control(
    out: Collector, wanted: str | None, path: Path, fmt: str
) -> tuple[str | None, str]:
    names = list(out.control_order)
    candidates = (out.varying or names) if fmt == "CSV" else names
    if wanted is not None:
        if wanted in names:
            return wanted, ""
        shown = ", ".join(names[:12]) or "none"
        raise ExportError(
            path,
            f"has no choices control named {wanted!r}; controls found: {shown}",
        )
    if not candidates:
        return None, (
            "No choices control found in the export, so Audits and Calibration have no "
            "decisions; pass --field NAME if the decision column has another form."
        )
    if fmt == "CSV" and not out.varying and len(names) > 1:
        return None, (
            "A CSV export does not say which column holds the decision (columns: "
            f"{', '.join(names[:12])}); pass --field NAME for Calibration labels."
        )
    counts = Counter({name: len(out.labels[name]) for name in candidates})
    best = max(candidates, key=lambda n: (counts[n], -candidates.index(n)))
    if len(candidates) > 1:
        others = ", ".join(n for n in candidates if n != best)
        return best, (
            f"Decisions are read from control {best!r} (also found: {others}); "
            "pass --field NAME to choose another."
        )
    return best, ""


def _platform_project(out: Collector, path: Path, given: str | None) -> str:
    if len(out.projects) > 1:
        raise ExportError(
            path,
            f"holds tasks of several Label Studio projects ({', '.join(sorted(out.projects))}); "
            "export one project at a time",
        )
    if out.projects:
        return next(iter(out.projects))
    match = _FILE_PROJECT.search(path.name)
    if match:
        return match.group(1)
    if given:
        return given
    raise ExportError(
        path,
        "does not say which Label Studio project it is from (JSON_MIN and CSV have no project "
        "field and the file was renamed); pass --project-id ID",
    )


def _load_users(users: str | Path | Mapping[str, str], export: Path) -> dict[str, str]:
    if isinstance(users, Mapping):
        return {str(k): str(v) for k, v in users.items()}
    p = Path(users)
    try:
        with p.open("r", encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ExportError(p, f"is not a JSON users list ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise ExportError(p, "is not UTF-8 JSON; expected the users list from /api/users") from None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]  # a paginated API answer
    if not isinstance(data, list) or not data:
        raise ExportError(
            p, "is not a Label Studio users list (a JSON array of users with id and email)"
        )
    out: dict[str, str] = {}
    for user in data:
        if not isinstance(user, dict) or "id" not in user or not user.get("email"):
            raise ExportError(
                p,
                "is not a Label Studio users list: every user needs an id and an email "
                "(save the answer of GET /api/users)",
            )
        out[_annotator(user["id"])] = str(user["email"]).strip()
    return out


def _check_users(
    emails: Mapping[str, str], annotators: list[str], users: object, export: Path
) -> None:
    ids = {a for a in annotators if "@" not in a}
    unknown = sorted(ids - set(emails), key=lambda s: (len(s), s))
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        where = users if isinstance(users, (str, Path)) else "the users list"
        raise ExportError(
            export,
            f"annotator id(s) {shown} are not in {where}; is the users file from another "
            "Label Studio server? Save GET /api/users of the server that made this export",
        )


def iter_tasks(path: str | Path) -> Iterator[Any]:
    """The tasks of a JSON export one at a time (for callers that need the raw objects)."""
    with _open_text(Path(path)) as fh:
        yield from iter_array(fh)


__all__ = ["detect_format", "iter_tasks", "read_label_studio"]
