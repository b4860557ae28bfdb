"""``labelxl import ...`` through click: what is written, what is refused, and idempotence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from labelxl.imports.cli import import_group
from labelxl.io.reader import read_workspace
from tests.imports.conftest import (
    FIXTURES,
    LABELBOX,
    LS_CSV,
    LS_JSON,
    LS_MIN,
    LS_NEWER,
    LS_USERS,
)

ROOT = Path(__file__).resolve().parents[2]


def run(*args: object):
    return CliRunner().invoke(import_group, [str(a) for a in args], catch_exceptions=False)


def sheets(path: Path) -> dict[str, pd.DataFrame]:
    ws = read_workspace(path)
    assert [f for f in ws.findings if f.severity == "error"] == []
    return {name: data.frame.drop(columns="_row") for name, data in ws.sheets.items()}


def test_label_studio_json_writes_the_imports_workbook(empty_workspace: Path):
    result = run("label-studio", LS_JSON, "--to", empty_workspace, "--users", LS_USERS)
    assert result.exit_code == 0, result.output
    target = empty_workspace / "imports" / "label-studio-1.xlsx"
    assert f"Wrote {Path('imports') / 'label-studio-1.xlsx'}." in result.output
    assert re.search(r"\d+ item\(s\) with two or more annotators", result.output)
    book = sheets(target)
    assert set(book) == {"Production", "Audits", "Calibration"}
    assert book["Production"]["items"].sum() > 0
    assert len(book["Audits"]) > 0


def test_roster_and_projects_of_the_workspace_name_people_and_project(workspace: Path):
    result = run("label-studio", LS_JSON, "--to", workspace, "--users", LS_USERS)
    assert result.exit_code == 0, result.output
    book = sheets(workspace / "imports" / "label-studio-1.xlsx")
    assert set(book["Production"]["project_id"]) == {"P-EN-HATE"}
    assert {"L001", "L002"} <= set(book["Production"]["person_id"])
    assert set(book["Audits"]["auditor_id"]) == {"Q001"}
    assert "chen.wei@vendor.example" in result.output  # listed as missing from the Roster


def test_importing_the_same_export_twice_replaces_it(empty_workspace: Path):
    args = ("label-studio", LS_JSON, "--to", empty_workspace, "--users", LS_USERS)
    assert run(*args).exit_code == 0
    first = sheets(empty_workspace / "imports" / "label-studio-1.xlsx")
    assert run(*args).exit_code == 0
    files = sorted(p.name for p in (empty_workspace / "imports").iterdir())
    assert files == ["label-studio-1.xlsx"]
    again = sheets(empty_workspace / "imports" / "label-studio-1.xlsx")
    for name, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_a_newer_export_of_the_project_updates_its_rows(empty_workspace: Path):
    older = json.loads(LS_JSON.read_text(encoding="utf-8"))
    newer = json.loads(LS_NEWER.read_text(encoding="utf-8"))
    added = sum(len(t["annotations"]) for t in newer) - sum(len(t["annotations"]) for t in older)
    assert added > 0
    target = empty_workspace / "imports" / "label-studio-1.xlsx"
    assert run("label-studio", LS_JSON, "--to", empty_workspace).exit_code == 0
    before = sheets(target)["Production"]["items"].sum()
    assert run("label-studio", LS_NEWER, "--to", empty_workspace).exit_code == 0
    assert sheets(target)["Production"]["items"].sum() == before + added


@pytest.mark.parametrize("export", [LS_CSV, LS_MIN], ids=["CSV", "JSON_MIN"])
def test_csv_and_json_min_say_what_is_missing_in_one_line(empty_workspace: Path, export):
    result = run("label-studio", export, "--to", empty_workspace, "--users", LS_USERS)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "leave out skipped" in line]
    assert len(notes) == 1


def _bad_inputs(tmp: Path) -> list[tuple[list[object], str]]:
    text = LS_JSON.read_text(encoding="utf-8")
    truncated = tmp / "project-1-at-cut.json"
    truncated.write_text(text[: len(text) // 2], encoding="utf-8")
    not_export = tmp / "notes.txt"
    not_export.write_text("these are my notes\n", encoding="utf-8")
    other_users = tmp / "users.json"
    other_users.write_text(json.dumps([{"id": 40, "email": "x@y.example"}]), encoding="utf-8")
    return [
        (["label-studio", not_export], "is not a Label Studio export"),
        (["label-studio", LABELBOX], "is a Labelbox export"),
        (["label-studio", LS_JSON, "--users", other_users], "another Label Studio server"),
        (["label-studio", LS_JSON, "--field", "verdict"], "no choices control named 'verdict'"),
        (["label-studio", truncated], "cut off"),
        (["label-studio", LS_JSON, "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["label-studio", tmp / "missing.json"], "No such file"),
        (["labelbox", LS_JSON], "is a Label Studio JSON export"),
        (["table", LS_CSV, "--sheet", "Payroll"], "is not a sheet labelxl reads"),
    ]


def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path, empty_workspace):
    for args, message in _bad_inputs(tmp_path):
        result = run(*args, "--to", empty_workspace)
        assert result.exit_code == 2, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
        assert not (empty_workspace / "imports").exists(), args


def test_a_workspace_that_does_not_exist_is_refused(tmp_path: Path):
    result = run("label-studio", LS_JSON, "--to", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_an_open_imports_workbook_is_not_replaced(empty_workspace: Path):
    assert run("label-studio", LS_JSON, "--to", empty_workspace).exit_code == 0
    target = empty_workspace / "imports" / "label-studio-1.xlsx"
    before = target.read_bytes()
    (target.parent / "~$label-studio-1.xlsx").write_bytes(b"\x05alice")
    result = run("label-studio", LS_NEWER, "--to", empty_workspace)
    assert result.exit_code == 2
    assert "open in Excel" in result.stderr
    assert target.read_bytes() == before


def test_dry_run_writes_nothing(empty_workspace: Path):
    result = run("label-studio", LS_JSON, "--to", empty_workspace, "--dry-run")
    assert result.exit_code == 0
    assert "wrote nothing" in result.output
    assert not (empty_workspace / "imports").exists()


def test_labelbox_and_table_commands_write_their_workbooks(tmp_path: Path, empty_workspace):
    assert run("labelbox", LABELBOX, "--to", empty_workspace).exit_code == 0
    assert (empty_workspace / "imports" / "labelbox-clu8kq2v5000108l4c3hx9f2b.xlsx").exists()
    source = tmp_path / "vendor-hours.csv"
    source.write_text(
        "Day,Agent,Task,Hrs,Queue\n2026-03-02,L001,Labeling,7.5,P-EN-HATE\n"
        "2026-03-02,L002,Training,1,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ndate = "Day"\nperson_id = "Agent"\nactivity = "Task"\nhours = "Hrs"\n'
        'project_id = "Queue"\n',
        encoding="utf-8",
    )
    result = run("table", source, "--to", empty_workspace, "--sheet", "timesheet", "--map", mapping)
    assert result.exit_code == 0, result.output
    book = sheets(empty_workspace / "imports" / "table-vendor-hours.xlsx")
    frame = book["Timesheet"]
    assert frame["hours"].tolist() == [7.5, 1.0]
    assert frame["activity"].tolist() == ["Labeling", "Training"]


def test_every_command_has_help_and_is_documented():
    docs = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")
    for name, command in import_group.commands.items():
        assert command.help, name
        assert f"labelxl import {name}" in docs, name
        result = run(name, "--help")
        assert result.exit_code == 0
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in docs, (name, opt)


def test_fixture_files_are_documented():
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for path in FIXTURES.iterdir():
        if path.name != "README.md":
            assert path.name in readme, path.name
