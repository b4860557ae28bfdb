"""A 10-person team's workbook typed the way real teams type it, end to end through the pipeline.

One workbook (``team.xlsx``) written with xlsxwriter the way a Brazilian team fills it in:
dates typed as text day-first, decimal commas in text cells, decisions in lower case, a
``#N/A`` left by a lookup, QA and a Lead on the Roster, one week of data, a project with no
data yet. Every expected number below is computed by hand from the rows written here.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import xlsxwriter
from pptx import Presentation

from labelxl.pipeline import Pipeline

DAYS = [dt.date(2026, 3, d) for d in range(2, 7)]  # Mon 2 – Fri 6 March 2026: one week
TODAY = dt.date(2026, 3, 9)
LABELERS = [f"L00{i}" for i in range(1, 9)]
PROJECT_OF = {p: ("P1" if i < 4 else "P2") for i, p in enumerate(LABELERS)}
ITEMS = {p: 100 + i for i, p in enumerate(LABELERS)}  # per day
HANDLE = "420,5"  # minutes per day, typed with a decimal comma
HOURS = "7,5"  # Labeling hours per day, typed with a decimal comma


def _dmy(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")  # '02/03/2026': ambiguous unless the day-first order is known


def write_team(path: Path, *, na_row: bool = True) -> dict[str, object]:
    """Write the workbook; returns where the planted cells are."""
    wb = xlsxwriter.Workbook(str(path))
    planted: dict[str, object] = {}

    def sheet(name: str, header: list[str], rows: list[list[object]]) -> None:
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if isinstance(v, tuple) and v[0] == "formula":
                    ws.write_formula(r, c, v[1], None, v[2])
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                elif v is not None:
                    ws.write(r, c, v)

    sheet(
        "Settings",
        ["setting", "value"],
        [["decimal_separator", ","], ["date_order", "DMY"], ["accuracy_target", "95%"]],
    )
    roster = [
        [p, f"Pessoa {p}", "Labeler", "Moderação", "São Paulo", "BR", "pt", None, 1, "01/02/2025"]
        for p in LABELERS
    ]
    roster += [
        ["Q001", "Qualidade Um", "QA", "Moderação", "São Paulo", "BR", "pt", None, 1, "01/02/2025"],
        ["T001", "Líder Um", "Lead", "Moderação", "São Paulo", "BR", "pt", None, 1, "01/02/2025"],
    ]
    sheet(
        "Roster",
        [
            "person_id",
            "name",
            "role",
            "team",
            "site",
            "market",
            "languages",
            "vendor",
            "fte",
            "start_date",
        ],
        roster,
    )
    projects = [
        ["P1", "Vídeos curtos", "BR", "pt", "Violence", "batch", "no", "Active", "01/01/2026"],
        ["P2", "Comentários", "BR", "pt", "Spam", "batch", "no", "Active", "01/01/2026"],
        ["P3", "Lives (piloto)", "BR", "pt", "Spam", "batch", "no", "Active", "01/01/2026"],
    ]
    sheet(
        "Projects",
        [
            "project_id",
            "project_name",
            "market",
            "language",
            "policy_area",
            "queue_type",
            "graphic",
            "status",
            "start_date",
            "target_volume",
            "target_accuracy",
        ],
        [[*row, 10_000, "95%"] for row in projects],
    )
    sheet(
        "Production",
        ["date", "person_id", "project_id", "items", "handle_minutes"],
        [[_dmy(d), p, PROJECT_OF[p], ITEMS[p], HANDLE] for d in DAYS for p in LABELERS],
    )
    ts = [[_dmy(d), p, "labeling", HOURS, PROJECT_OF[p]] for d in DAYS for p in LABELERS]
    ts += [[_dmy(d), "Q001", "qa", "8", "P1"] for d in DAYS]
    ts += [[_dmy(d), "T001", "Meeting", "8", None] for d in DAYS]
    sheet("Timesheet", ["date", "person_id", "activity", "hours", "project_id"], ts)
    audits: list[list[object]] = []
    # L001: 40 audits typed in lower case, 38 agree with the auditor → 95.0%
    for i in range(40):
        wrong = i < 2
        audits.append(
            [
                f"A{len(audits) + 1}",
                _dmy(DAYS[i % 5]),
                f"I{len(audits) + 1}",
                "P1",
                "L001",
                "Q001",
                "approve",
                "Reject" if wrong else "Approve",
                "FalsePositive" if wrong else None,
            ]
        )
    # L002: 40 audits in canonical case, 36 agree → 90.0%
    for i in range(40):
        wrong = i < 4
        audits.append(
            [
                f"A{len(audits) + 1}",
                _dmy(DAYS[i % 5]),
                f"I{len(audits) + 1}",
                "P1",
                "L002",
                "Q001",
                "Approve",
                "Reject" if wrong else "Approve",
                "FalsePositive" if wrong else None,
            ]
        )
    if na_row:
        planted["na_cell"] = f"H{len(audits) + 2}"  # auditor_decision column, Excel row
        audits.append(
            [
                f"A{len(audits) + 1}",
                _dmy(DAYS[0]),
                f"I{len(audits) + 1}",
                "P1",
                "L003",
                "Q001",
                "Approve",
                ("formula", "=VLOOKUP(C2,Z:Z,1,FALSE)", "#N/A"),
                None,
            ]
        )
    sheet(
        "Audits",
        [
            "audit_id",
            "audit_date",
            "item_id",
            "project_id",
            "person_id",
            "auditor_id",
            "labeler_decision",
            "auditor_decision",
            "error_type",
        ],
        audits,
    )
    sheet(
        "Taxonomy",
        ["policy_area", "decision"],
        [["Violence", "Approve"], ["Violence", "Reject"], ["Spam", "Approve"], ["Spam", "Reject"]],
    )
    wb.close()
    return planted


@pytest.fixture(scope="module")
def team(tmp_path_factory) -> tuple[Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("team")
    planted = write_team(folder / "team.xlsx")
    return folder, planted


@pytest.fixture(scope="module")
def pipeline(team) -> Pipeline:
    return Pipeline(team[0], today=TODAY, use_cache=False)


def test_text_dates_follow_the_date_order_setting(pipeline):
    prod = pipeline.read().frame("Production")
    assert sorted({d.date() for d in prod["date"]}) == DAYS  # '02/03/2026' is 2 March


def test_decimal_commas_are_read_as_decimals(pipeline):
    prod = pipeline.read().frame("Production")
    ts = pipeline.read().frame("Timesheet")
    assert prod["handle_minutes"].tolist() == pytest.approx([420.5] * len(prod))
    labeling = ts.loc[ts["person_id"].isin(LABELERS), "hours"]
    assert labeling.tolist() == pytest.approx([7.5] * len(labeling))
    codes = {(f.code, f.cell) for f in pipeline.validate() if f.code == "bad-type"}
    assert codes == set()


def test_an_error_cell_is_reported_as_the_error_it_is(team, pipeline):
    _, planted = team
    found = [f for f in pipeline.validate() if f.cell == planted["na_cell"]]
    assert found, [(f.code, f.cell) for f in pipeline.validate()]
    assert any("#N/A" in f.message for f in found)
    assert not any("blank" in f.message.lower() for f in found)


def test_lower_case_decisions_count_as_the_canonical_ones(pipeline):
    lab = pipeline.compute().labelers.set_index("person_id")
    assert lab.loc["L001", "audited"] == 40
    assert lab.loc["L001", "accuracy"] == pytest.approx(38 / 40)
    assert lab.loc["L002", "accuracy"] == pytest.approx(36 / 40)
    assert not [f for f in pipeline.validate().errors if f.value == "approve"]


def test_qa_and_leads_are_not_labelers(pipeline):
    lab = pipeline.compute().labelers
    assert set(lab["person_id"]) <= set(LABELERS)
    assert {"L001", "L008"} <= set(lab["person_id"])


def test_throughput_and_aht_from_the_typed_numbers(pipeline):
    lab = pipeline.compute().labelers.set_index("person_id")
    # L001: 5 days × 100 items, 5 × 420.5 handle minutes
    assert lab.loc["L001", "items"] == 500
    assert lab.loc["L001", "aht_sec"] == pytest.approx(5 * 420.5 * 60 / 500)


def test_one_week_of_data_is_a_partial_month_with_no_comparison(pipeline):
    m = pipeline.compute()
    assert m.month == "2026-03"
    assert m.partial and m.data_through == dt.date(2026, 3, 6)
    assert (m.working_days_with_data, m.working_days) == (5, 22)
    items = m.kpis.set_index("kpi").loc["items"]
    assert items["previous"] is None or math.isnan(items["previous"])  # no February data


def test_a_project_without_data_is_no_data_not_green(pipeline):
    rag = pipeline.compute().projects.set_index("project_id")["rag"]
    assert rag["P3"] == "No data"


def test_refresh_and_deck_work_on_the_hand_typed_team(team, tmp_path):
    folder, _ = team
    p = Pipeline(folder, today=TODAY, use_cache=False)
    res = p.write(out=tmp_path)
    assert "LX Summary" in res.sheets
    deck = p.deck(tmp_path / "team.pptx")
    text = "\n".join(
        shape.text_frame.text
        for slide in Presentation(str(deck)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    # P3 has no AHT yet, so next month's need is unknown: never "capacity covers the plan"
    assert "capacity covers the plan" not in text
    assert "cannot be computed yet" in text
    # nothing is compared with February, a month without data
    assert "February" not in text
