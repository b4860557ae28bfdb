"""Fixtures for the import tests: the real Label Studio 1.23 exports and a small tracker."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

FIXTURES = Path(__file__).parent / "fixtures"
LS_JSON = FIXTURES / "project-1-at-2026-12-06-03-27-a59842c4.json"
LS_MIN = FIXTURES / "project-1-at-2026-12-06-03-27-a59842c4-min.json"
LS_CSV = FIXTURES / "project-1-at-2026-12-06-03-27-a59842c4.csv"
LS_NEWER = FIXTURES / "project-1-at-2026-12-06-03-30-90d1857b.json"
LS_USERS = FIXTURES / "label-studio-users.json"
LABELBOX = FIXTURES / "labelbox-export-v2.ndjson"

ROSTER = [
    # person_id, name, role, start_date, email (one typed in another case, as people do)
    ("L001", "Ana Lima", "Labeler", "2026-01-05", "ana.lima@vendor.example"),
    ("L002", "Bruno Souza", "Labeler", "2026-01-05", "Bruno.Souza@Vendor.example"),
    ("Q001", "Rahma Putri", "QA", "2025-06-01", "qa.rahma@vendor.example"),
    ("L009", "Old Timer", "Labeler", "2024-01-01", ""),
]


def write_tracker(path: Path, platform_project: str = "label-studio:1") -> Path:
    """A tracker as a user keeps it: text cells, a Roster with emails, Projects with a key."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Roster")
    for j, h in enumerate(("person_id", "name", "role", "start_date", "email")):
        ws.write_string(0, j, h)
    for i, row in enumerate(ROSTER, start=1):
        for j, v in enumerate(row):
            if v:
                ws.write_string(i, j, v)
    ws = book.add_worksheet("Projects")
    head = ("project_id", "project_name", "market", "language", "policy_area", "status")
    for j, h in enumerate((*head, "start_date", "Platform Project")):
        ws.write_string(0, j, h)
    row = ("P-EN-HATE", "Hate speech EN", "US", "en", "Hate Speech", "Active", "2026-01-01")
    for j, v in enumerate((*row, platform_project)):
        ws.write_string(1, j, v)
    book.close()
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    write_tracker(root / "tracker.xlsx")
    return root


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "empty"
    root.mkdir()
    return root
