"""Labelbox export v2 (NDJSON), from a hand-built file in the documented shape."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from labelxl.imports import read_labelbox
from labelxl.imports.common import ExportError
from tests.imports.conftest import LABELBOX, LS_JSON


def _labels() -> list[tuple[str, dict]]:
    out = []
    for line in LABELBOX.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for project in row["projects"].values():
            out.extend((row["data_row"]["global_key"], lab) for lab in project["labels"])
    return out


def test_production_counts_labels_and_seconds_to_create():
    labels = _labels()
    gold = {lab["performance_details"].get("benchmark_reference_label") for _, lab in labels}
    items: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for _, lab in labels:
        if lab["id"] in gold:
            continue
        who = lab["label_details"]["created_by"]
        items[who] += not lab["performance_details"]["skipped"]
        seconds[who] += lab["performance_details"]["seconds_to_create"]
    result = read_labelbox(LABELBOX)
    prod = result.sheets["Production"]
    got = {
        p: (int(g["items"].sum()), round(g["handle_minutes"].sum() * 60, 6))
        for p, g in prod.groupby("person_id")
    }
    assert got == {w: (items[w], round(seconds[w], 6)) for w in items}
    assert result.platform_project == "clu8kq2v5000108l4c3hx9f2b"


def test_benchmark_labels_audit_the_others():
    audits = read_labelbox(LABELBOX, field="policy").sheets["Audits"]
    rows = sorted(
        zip(audits["item_id"], audits["person_id"], audits["error_type"].fillna(""), strict=True)
    )
    assert rows == [
        ("VID-2001", "ana.lima@vendor.example", ""),
        ("VID-2001", "bruno.souza@vendor.example", ""),
        ("VID-2002", "ana.lima@vendor.example", "FalseNegative"),
        ("VID-2002", "chen.wei@vendor.example", ""),
        ("VID-2005", "ana.lima@vendor.example", "FalsePositive"),
    ]
    assert set(audits["auditor_id"]) == {"qa.rahma@vendor.example"}


def test_calibration_holds_items_with_two_or_more_labelers():
    result = read_labelbox(LABELBOX)
    cal = result.sheets["Calibration"]
    assert sorted(set(cal["item_id"])) == ["VID-2001", "VID-2002", "VID-2005"]
    assert result.items_multi == 3
    # VID-2002's first label was given on 2 March, so its session is that day's.
    assert set(cal.loc[cal["item_id"] == "VID-2002", "session_id"]) == {
        "labelbox:clu8kq2v5000108l4c3hx9f2b 2026-03-02"
    }


def test_checklist_classification_can_be_chosen_and_unknown_is_refused():
    result = read_labelbox(LABELBOX, field="flags")
    assert set(result.sheets["Calibration"]["label"]) <= {"Graphic"}
    with pytest.raises(ExportError, match="no radio or checklist classification named 'verdict'"):
        read_labelbox(LABELBOX, field="verdict")


def test_a_label_studio_file_is_named_as_such():
    with pytest.raises(
        ExportError, match="is a Label Studio JSON export; import it with 'labelxl import label"
    ):
        read_labelbox(LS_JSON)


def test_a_truncated_line_is_refused(tmp_path: Path):
    text = LABELBOX.read_text(encoding="utf-8")
    path = tmp_path / "cut.ndjson"
    path.write_text(text[: len(text) - 40], encoding="utf-8")
    with pytest.raises(ExportError, match=r"line 5 is not valid JSON: the line is cut off"):
        read_labelbox(path)
