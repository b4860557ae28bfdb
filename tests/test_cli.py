"""The command line: every command documented, exit codes, one-line errors, the demo job."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from labelxl.cli import cli
from labelxl.demo import write_demo

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clidemo")
    write_demo(folder, people=25, months=2, seed=11, end=END)
    return folder


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert command.help, name
        assert run(name, "--help").exit_code == 0
        assert f"labelxl {name}" in readme, f"README does not show `labelxl {name}`"


def test_validate_reports_the_planted_mistakes_and_exits_1(demo_dir):
    result = run("validate", demo_dir, "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert {f["code"] for f in findings} >= {"self-audit", "hours-over-cap", "duplicate-key"}
    assert all(
        set(f) >= {"code", "severity", "sheet", "cell", "column", "value", "message"}
        for f in findings
    )
    human = run("validate", demo_dir)
    assert "ERROR self-audit (1)" in human.output and "error(s)" in human.output


def test_clean_templates_validate_with_exit_0(tmp_path):
    assert run("init", tmp_path / "team").exit_code == 0
    result = run("validate", tmp_path / "team")
    assert result.exit_code == 0, result.output
    again = run("init", tmp_path / "team")
    assert again.exit_code != 0 and "already exists" in again.output


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.xlsx", None, "not"),
        ("people.csv", b"person_id,name\nL1,Ann\n", "xlsx"),
        ("random.xlsx", b"\x00\x01\x02 not a zip at all", "xlsx"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path, name, content, fragment):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("labelxl: ")
    assert fragment in lines[0].lower()


def test_refresh_strict_exits_1_and_capacity_prints_a_plan(demo_dir):
    assert run("refresh", demo_dir, "--strict").exit_code == 1
    result = run("capacity", demo_dir, "--format", "json")
    assert result.exit_code == 0
    plan = json.loads(result.output)
    assert plan and {"market", "language", "required_fte", "available_fte"} <= set(plan[0])


def test_demo_runs_the_whole_job(tmp_path):
    result = run("demo", tmp_path / "d", "--people", "20", "--months", "1", "--end", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "tracker.xlsx").exists()
    assert list((tmp_path / "d").glob("labelxl-deck-*.pptx"))
    assert "refreshed" in result.output and "Done." in result.output


def test_demo_and_refresh_work_with_a_relative_folder(tmp_path, monkeypatch):
    # A new user types `labelxl demo demo` in their current folder.
    monkeypatch.chdir(tmp_path)
    write_demo(Path("rel"), people=20, months=1, seed=4, end=END)
    result = run("refresh", "rel")
    assert result.exit_code == 0, result.output
    assert "refreshed" in result.output


def test_refresh_prints_the_first_findings_with_their_cells(demo_dir):
    """Refresh writes despite findings, but says which cells are wrong and where the list is."""
    result = run("refresh", demo_dir)
    assert result.exit_code == 0, result.output
    assert re.search(r"^ERROR [a-z-]+ \(\d+\)$", result.output, flags=re.MULTILINE)
    assert re.search(r"'?[A-Za-z ]+'?![A-Z]+\d+: ", result.output)  # a finding names its cell
    assert "LX Issues sheet of tracker.xlsx" in result.output
