"""Label Studio exports: the numbers a manager checks come out exactly, from JSON and CSV alike.

The expected values are computed here straight from the export files with the json and csv
modules, independently of labelxl's reader and pandas grouping.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from labelxl.imports import Lookups, read_label_studio
from labelxl.imports.common import ExportError
from labelxl.imports.label_studio import detect_format
from labelxl.model.schema import AUDITS, CALIBRATION, PRODUCTION
from tests.imports.conftest import LS_CSV, LS_JSON, LS_MIN, LS_USERS


def _users() -> dict[int, str]:
    return {u["id"]: u["email"] for u in json.loads(LS_USERS.read_text(encoding="utf-8"))}


def _decision(result: list[dict]) -> str:
    return "; ".join(
        sorted(
            c
            for r in result
            if r["from_name"] == "decision" and r["type"] == "choices"
            for c in r["value"]["choices"]
        )
    )


def _tasks() -> list[dict]:
    return json.loads(LS_JSON.read_text(encoding="utf-8"))


def _production(result) -> dict[str, tuple[int, float]]:
    frame = result.sheets["Production"]
    out = {}
    for pid, g in frame.groupby("person_id"):
        out[pid] = (int(g["items"].sum()), round(float(g["handle_minutes"].sum()) * 60, 6))
    return out


def test_the_three_formats_are_detected():
    assert [detect_format(p) for p in (LS_JSON, LS_MIN, LS_CSV)] == ["JSON", "JSON_MIN", "CSV"]


def test_json_production_per_annotator_matches_the_export():
    users = _users()
    items: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for task in _tasks():
        for a in task["annotations"]:
            if a["ground_truth"]:
                continue  # the gold author's answer is an audit, not production
            who = users[a["completed_by"]]
            items[who] += 0 if a["was_cancelled"] else 1
            seconds[who] += a["lead_time"] or 0.0  # skipped time is worked time
    expected = {w: (items[w], round(seconds[w], 6)) for w in items}
    result = read_label_studio(LS_JSON, users=LS_USERS)
    assert _production(result) == expected
    assert sum(n for n, _ in expected.values()) > 50  # the fixture is not trivial


@pytest.mark.parametrize("export", [LS_CSV, LS_MIN], ids=["CSV", "JSON_MIN"])
def test_csv_and_json_min_production_matches_the_rows(export: Path):
    users = _users()
    items: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    if export.suffix == ".csv":
        with export.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = json.loads(export.read_text(encoding="utf-8"))
    for row in rows:
        if row["annotator"] in ("", None):
            continue
        who = users[int(row["annotator"])]
        items[who] += 1
        seconds[who] += float(row["lead_time"] or 0)
    result = read_label_studio(export, users=LS_USERS)
    assert _production(result) == {w: (items[w], round(seconds[w], 6)) for w in items}


def test_json_accuracy_against_gold_matches_the_export():
    users = _users()
    correct: dict[str, int] = defaultdict(int)
    audited: dict[str, int] = defaultdict(int)
    for task in _tasks():
        gold = [a for a in task["annotations"] if a["ground_truth"] and not a["was_cancelled"]]
        if not gold:
            continue
        answer = _decision(max(gold, key=lambda a: a["created_at"])["result"])
        for a in task["annotations"]:
            if a["ground_truth"] or a["was_cancelled"] or not _decision(a["result"]):
                continue
            who = users[a["completed_by"]]
            audited[who] += 1
            correct[who] += _decision(a["result"]) == answer
    audits = read_label_studio(LS_JSON, users=LS_USERS, field="decision").sheets["Audits"]
    got = {
        pid: (int((g["labeler_decision"] == g["auditor_decision"]).sum()), len(g))
        for pid, g in audits.groupby("person_id")
    }
    assert got == {w: (correct[w], audited[w]) for w in audited}
    assert set(audits["auditor_id"]) == {"qa.rahma@vendor.example"}
    assert 0 < sum(correct.values()) < sum(audited.values())  # some right, some wrong


def _multi_from_json() -> set[str]:
    raters: dict[str, set[int]] = defaultdict(set)
    for task in _tasks():
        for a in task["annotations"]:
            if not a["was_cancelled"]:
                raters[task["data"]["item_id"]].add(a["completed_by"])
    return {item for item, who in raters.items() if len(who) >= 2}


def _multi_from_csv() -> set[str]:
    raters: dict[str, set[str]] = defaultdict(set)
    with LS_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["annotator"]:
                raters[row["item_id"]].add(row["annotator"])
    return {item for item, who in raters.items() if len(who) >= 2}


def test_items_with_two_or_more_annotators_match_in_json_and_csv():
    expected = _multi_from_json()
    assert expected == _multi_from_csv()
    for export in (LS_JSON, LS_MIN, LS_CSV):
        result = read_label_studio(export, users=LS_USERS)
        assert result.items_multi == len(expected)
        calibration = result.sheets["Calibration"]
        # Every calibration item has two or more raters; the one annotation without a
        # decision is left out of the rows, never invented.
        per_item = calibration.groupby("item_id")["rater_id"].nunique()
        assert set(per_item.index) <= expected
        assert (per_item >= 1).all()
        assert len(expected - set(per_item.index)) <= 1


def test_frames_have_the_contract_columns():
    result = read_label_studio(LS_JSON, users=LS_USERS)
    assert list(result.sheets["Production"].columns) == list(PRODUCTION.column_names)
    assert list(result.sheets["Audits"].columns) == list(AUDITS.column_names)
    assert list(result.sheets["Calibration"].columns) == list(CALIBRATION.column_names)
    audits = result.sheets["Audits"]
    assert audits["audit_id"].is_unique
    assert not (audits["person_id"] == audits["auditor_id"]).any()


def test_error_type_follows_the_no_violation_label():
    audits = read_label_studio(LS_JSON, users=LS_USERS).sheets["Audits"]
    agree = audits["labeler_decision"] == audits["auditor_decision"]
    assert audits.loc[agree, "error_type"].isna().all()
    neg = "Not violating"
    fp = ~agree & (audits["auditor_decision"] == neg)
    fn = ~agree & (audits["labeler_decision"] == neg)
    assert (audits.loc[fp, "error_type"] == "FalsePositive").all()
    assert (audits.loc[fn, "error_type"] == "FalseNegative").all()
    assert audits.loc[~agree & ~fp & ~fn, "error_type"].isna().all()


def test_without_users_annotators_are_named_by_platform_id():
    result = read_label_studio(LS_JSON)
    ids = {str(a["completed_by"]) for t in _tasks() for a in t["annotations"]}
    assert set(result.annotators["person_id"]) == {f"label-studio:{i}" for i in ids}
    assert any("--users" in n for n in result.notices)


def test_roster_email_gives_the_person_id_and_the_rest_are_listed():
    roster = pd.DataFrame(
        {
            "person_id": ["L001", "L002"],
            "email": ["ANA.LIMA@vendor.example", "bruno.souza@vendor.example"],
        }
    )
    result = read_label_studio(LS_JSON, users=LS_USERS, lookups=Lookups.from_frames(roster))
    people = set(result.sheets["Production"]["person_id"])
    assert {"L001", "L002"} <= people
    assert "ana.lima@vendor.example" not in people
    note = next(n for n in result.notices if "not in the Roster" in n)
    assert "chen.wei@vendor.example" in note and "ana.lima" not in note


def test_project_id_from_option_projects_row_or_platform():
    assert read_label_studio(LS_JSON).project_id == "label-studio:1"
    assert read_label_studio(LS_JSON, project_id="P-X").project_id == "P-X"
    projects = pd.DataFrame({"project_id": ["P-EN-HATE"], "platform_project": ["Label-Studio:1"]})
    looked = Lookups.from_frames(None, projects)
    result = read_label_studio(LS_CSV, lookups=looked)
    assert result.project_id == "P-EN-HATE"
    assert set(result.sheets["Production"]["project_id"]) == {"P-EN-HATE"}


def test_days_follow_the_chosen_time_zone():
    users = _users()
    late = defaultdict(int)  # items created 17:00-24:00 UTC land on the next day in Jakarta
    for task in _tasks():
        for a in task["annotations"]:
            if a["ground_truth"] or a["was_cancelled"]:
                continue
            t = dt.datetime.fromisoformat(a["created_at"].replace("Z", "+00:00"))
            local = (t + dt.timedelta(hours=7)).date()
            late[(users[a["completed_by"]], local)] += 1
    result = read_label_studio(LS_JSON, users=LS_USERS, timezone="Asia/Jakarta")
    frame = result.sheets["Production"]
    got = {(r.person_id, r.date.date()): r.items for r in frame.itertuples() if r.items}
    assert got == {k: v for k, v in late.items() if v}


def test_the_control_can_be_chosen_and_an_unknown_one_is_refused():
    result = read_label_studio(LS_JSON, field="severity")
    labels = set(result.sheets["Calibration"]["label"])
    assert labels <= {"Low", "High"} and labels
    with pytest.raises(ExportError, match=r"no choices control named 'verdict'.*decision, sev"):
        read_label_studio(LS_JSON, field="verdict")


def test_csv_and_json_min_say_what_they_lack():
    for export in (LS_CSV, LS_MIN):
        result = read_label_studio(export)
        lacking = [n for n in result.notices if "leave out skipped" in n]
        assert len(lacking) == 1
        assert result.sheets["Audits"].empty


def test_a_users_file_from_another_server_is_refused(tmp_path: Path):
    other = tmp_path / "users.json"
    other.write_text(json.dumps([{"id": 1, "email": "a@x"}, {"id": 2, "email": "b@x"}]))
    with pytest.raises(ExportError, match=r"id\(s\) 3, 4, 5, 6 are not in"):
        read_label_studio(LS_JSON, users=other)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello, world\n1,2\n", "not a Label Studio export"),
        ('{"images": [], "annotations": [], "categories": []}', "single JSON object"),
        ('[{"file_name": "a.jpg"}]', "not of Label Studio tasks"),
        ('{"data_row": {"id": "x"}, "projects": {}}\n', "Labelbox export"),
        ("[]", "empty JSON array"),
        ("", "is empty"),
    ],
)
def test_files_that_are_not_label_studio_exports_are_named(tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExportError, match=message):
        read_label_studio(path)


def test_a_truncated_json_export_is_refused(tmp_path: Path):
    text = LS_JSON.read_text(encoding="utf-8")
    path = tmp_path / LS_JSON.name
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    with pytest.raises(ExportError, match=r"cut off|truncated"):
        read_label_studio(path)


def test_json_min_and_csv_renamed_need_a_project_id(tmp_path: Path):
    path = tmp_path / "march.csv"
    path.write_bytes(LS_CSV.read_bytes())
    with pytest.raises(ExportError, match="--project-id"):
        read_label_studio(path)
    assert read_label_studio(path, project_id="P-EN-HATE").platform_project == "P-EN-HATE"


def _task(task_id: int, anns: list[dict]) -> dict:
    return {"id": task_id, "project": 9, "data": {"text": "t"}, "annotations": anns}


def _ann(ann_id: int, who: object, choices: list[str], **extra: object) -> dict:
    result = [{"from_name": "tags", "type": "choices", "value": {"choices": choices}}]
    return {
        "id": ann_id,
        "completed_by": who,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2026-03-02T10:00:00Z",
        "lead_time": 10.0,
        **extra,
    }


def test_expanded_users_multi_choice_task_ids_and_negative_label(tmp_path: Path):
    tasks = [
        _task(
            1,
            [
                _ann(1, {"id": 7, "email": "x@v.example"}, ["Spam", "Hate"]),
                _ann(2, {"id": 8, "email": "y@v.example"}, ["Hate", "Spam"]),
                _ann(3, None, ["Hate"]),
            ],
        ),
        _task(
            2,
            [
                _ann(4, {"id": 7, "email": "x@v.example"}, ["Fine"]),
                _ann(5, {"id": 8, "email": "y@v.example"}, ["Hate"], ground_truth=True),
            ],
        ),
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    result = read_label_studio(path, negative_label="Fine")
    cal = result.sheets["Calibration"]
    first = cal[cal["item_id"] == "1"]  # no item_id field: the task id is the item
    assert first["label"].tolist() == ["Hate; Spam", "Hate; Spam"]  # order-free: they agree
    assert set(cal["item_id"]) == {"1", "2"}  # the gold author is a rater too
    audits = result.sheets["Audits"]
    assert audits[["person_id", "auditor_id", "error_type"]].values.tolist() == [
        ["x@v.example", "y@v.example", "FalseNegative"]
    ]
    assert any("no completed_by" in n for n in result.notices)
    assert any("no data field 'item_id'" in n for n in result.notices)
