"""Read a Labelbox export v2 (NDJSON: one data row per line) into the sheet contracts.

Each line holds ``data_row`` and ``projects.<project id>.labels[]``; a label has
``label_details.created_by`` (the labeler's e-mail), ``label_details.created_at``,
``performance_details.seconds_to_create`` / ``skipped`` and
``annotations.classifications[]`` (``radio_answer`` or ``checklist_answers``). A label that
other labels name in ``performance_details.benchmark_reference_label`` is the benchmark
(gold) answer for the data row.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

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
from labelxl.imports.jsonstream import JSONStreamError, iter_lines

PLATFORM = "labelbox"


def read_labelbox(
    path: str | Path,
    *,
    field: str | None = None,
    project_id: str | None = None,
    platform_project: str | None = None,
    lookups: Lookups | None = None,
    timezone: str = "UTC",
    negative_label: str | None = None,
) -> ImportResult:
    """Read one Labelbox project's labels from an export v2 NDJSON file.

    ``field`` names the classification whose answer is the decision; ``platform_project``
    picks the Labelbox project when a Catalog export holds several.
    """
    src = Path(path)
    tz = zone(timezone)
    _refuse_json_array(src)
    out = Collector()
    names: dict[str, str] = {}
    try:
        with src.open("r", encoding="utf-8-sig") as fh:
            for number, row in iter_lines(fh):
                _add_row(out, row, number, src, platform_project, names)
    except JSONStreamError as exc:
        raise ExportError(src, f"is not a Labelbox NDJSON export: {exc}") from None
    except UnicodeDecodeError:
        raise ExportError(src, "is not UTF-8 text; Labelbox exports are UTF-8") from None
    if not len(out):
        raise ExportError(src, "holds no labels; nothing to import")
    if len(out.projects) > 1:
        listed = ", ".join(f"{k} ({names.get(k, '')})" for k in sorted(out.projects))
        raise ExportError(
            src, f"holds labels of several projects ({listed}); pass --platform-project ID"
        )
    project = next(iter(out.projects))
    notices: list[str] = []
    control = _choose(out, field, src, notices)
    people, missing = resolve_people(out.rows["annotator"], None, lookups or Lookups(), PLATFORM)
    if missing:
        notices.append(missing_people_notice(missing))
    pid = resolve_project(project_id, project, PLATFORM, lookups or Lookups())
    rows = dict(out.rows)
    picked = out.labels.get(control, {}) if control else {}
    rows["label"] = [picked.get(i, "") for i in range(len(out))]
    ann = annotation_frame(rows)
    _mark_benchmarks(ann, out)
    sheets, summary, multi, built = build(
        ann,
        people=people,
        project_id=pid,
        tz=tz,
        path=src,
        prefix=f"{PLATFORM}:{project}",
        negative_label=negative_label,
    )
    notices.extend(built)
    return ImportResult(
        platform=PLATFORM,
        export_format="NDJSON",
        platform_project=project,
        project_id=pid,
        sheets=sheets,
        annotators=summary,
        notices=notices,
        items_multi=multi,
    )


def _refuse_json_array(src: Path) -> None:
    """A JSON array is not NDJSON; name the tool that writes arrays when it is Label Studio."""
    with src.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        return
    from labelxl.imports.label_studio import detect_format

    try:
        fmt = detect_format(src)
    except ExportError:
        fmt = ""
    if fmt:
        raise ExportError(
            src, f"is a Label Studio {fmt} export; import it with 'labelxl import label-studio'"
        )
    raise ExportError(
        src, "is a JSON array, not a Labelbox export v2 (NDJSON, one data row a line)"
    )


def _add_row(
    out: Collector,
    row: Any,
    number: int,
    path: Path,
    wanted: str | None,
    names: dict[str, str],
) -> None:
    if not isinstance(row, dict) or not isinstance(row.get("data_row"), dict):
        if isinstance(row, dict) and ("annotations" in row or "annotator" in row):
            raise ExportError(
                path, "is a Label Studio export; import it with 'labelxl import label-studio'"
            )
        raise ExportError(path, f"line {number} has no data_row; not a Labelbox export v2")
    data_row = row["data_row"]
    item = data_row.get("global_key") or data_row.get("external_id") or data_row.get("id")
    projects = row.get("projects") or {}
    if not isinstance(projects, dict):
        raise ExportError(path, f"line {number}: 'projects' is not an object")
    for key, project in projects.items():
        if wanted and key != wanted:
            continue
        if not isinstance(project, dict):
            raise ExportError(path, f"line {number}: project {key} is not an object")
        names[key] = str(project.get("name", ""))
        for label in project.get("labels") or []:
            if not isinstance(label, dict):
                raise ExportError(path, f"line {number}: a label is not an object")
            details = label.get("label_details") or {}
            perf = label.get("performance_details") or {}
            who = str(details.get("created_by") or "").strip()
            if not who:
                raise ExportError(
                    path,
                    f"line {number}: label {label.get('id')} has no label_details.created_by; "
                    "export with label_details and performance_details turned on",
                )
            out.projects.add(str(key))
            out.add(
                data_row.get("id"),
                item,
                label.get("id"),
                who,
                details.get("created_at"),
                perf.get("seconds_to_create"),
                bool(perf.get("skipped")),
                False,
                _classifications(label.get("annotations")),
            )
            ref = perf.get("benchmark_reference_label")
            if ref:
                out.benchmarks.add(str(ref))


def _classifications(annotations: object) -> dict[str, str]:
    found: dict[str, str] = {}
    items = annotations.get("classifications") if isinstance(annotations, dict) else None
    for c in items or []:
        if not isinstance(c, dict):
            continue
        name = str(c.get("name") or c.get("value") or "")
        if isinstance(c.get("radio_answer"), dict):
            answer = c["radio_answer"]
            found[name] = str(answer.get("name") or answer.get("value") or "")
        elif isinstance(c.get("checklist_answers"), list):
            picked = sorted(
                {str(a.get("name") or a.get("value") or "") for a in c["checklist_answers"]}
            )
            found[name] = "; ".join(picked)
    return found


def _choose(out: Collector, wanted: str | None, path: Path, notices: list[str]) -> str | None:
    names = list(out.control_order)
    if wanted is not None:
        if wanted not in names:
            shown = ", ".join(names[:12]) or "none"
            raise ExportError(
                path, f"has no radio or checklist classification named {wanted!r}; found: {shown}"
            )
        return wanted
    if not names:
        notices.append(
            "No radio or checklist classification found: Audits and Calibration have no decisions."
        )
        return None
    counts = Counter({n: len(out.labels[n]) for n in names})
    best = max(names, key=lambda n: (counts[n], -names.index(n)))
    if len(names) > 1:
        notices.append(
            f"Decisions are read from classification {best!r} (also found: "
            f"{', '.join(n for n in names if n != best)}); pass --field NAME to choose another."
        )
    return best


def _mark_benchmarks(ann: Any, out: Collector) -> None:
    if out.benchmarks:
        ann["gold"] = ann["annotation_id"].isin(out.benchmarks)
