import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelxl.model.findings import CATALOGUE
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace
from labelxl.validate import validate

TODAY = dt.date(2026, 3, 31)


def clean() -> dict[str, pd.DataFrame]:
    """A small workspace with no mistakes; each test plants one and looks for it."""
    return {
        "Projects": pd.DataFrame(
            {
                "project_id": ["P1", "P2"],
                "project_name": ["Hate EN", "Violence EN"],
                "market": ["US", "US"],
                "language": ["en", "en"],
                "policy_area": ["Hate Speech", "Violence"],
                "graphic": ["no", "yes"],
                "status": ["Active", "Active"],
                "start_date": ["2026-01-01", "2026-01-01"],
                "end_date": [None, "2026-12-31"],
                "target_aht_sec": [60, None],
            }
        ),
        "Roster": pd.DataFrame(
            {
                "person_id": ["L1", "L2", "Q1"],
                "name": ["Ann", "Bo", "Cy"],
                "role": ["Labeler", "Labeler", "QA"],
                "fte": [1, 0.5, 1],
                "start_date": ["2025-01-01"] * 3,
                "end_date": [None, None, None],
            }
        ),
        "Production": pd.DataFrame(
            {
                "date": ["2026-03-02", "2026-03-02", "2026-03-03"],
                "person_id": ["L1", "L2", "L1"],
                "project_id": ["P1", "P2", "P1"],
                "items": [400, 200, 420],
                "handle_minutes": [420, 240, 420],
            }
        ),
        # Rows 2-6; columns A date, B person_id, C activity, D hours, E project_id.
        "Timesheet": pd.DataFrame(
            {
                "date": ["2026-03-02", "2026-03-02", "2026-03-02", "2026-03-03", "2026-03-03"],
                "person_id": ["L1", "L2", "Q1", "L1", "L1"],
                "activity": ["Labeling", "Labeling", "QA", "Labeling", "Meeting"],
                "hours": [7, 4, 8, 7, 1],
                "project_id": ["P1", "P2", "P1", "P1", None],
            }
        ),
        # Columns A audit_id … F auditor_id, G labeler_decision, H auditor_decision,
        # I error_type, J disputed, K dispute_outcome.
        "Audits": pd.DataFrame(
            {
                "audit_id": ["A1", "A2"],
                "audit_date": ["2026-03-04", "2026-03-04"],
                "item_id": ["i1", "i2"],
                "project_id": ["P1", "P2"],
                "person_id": ["L1", "L2"],
                "auditor_id": ["Q1", "Q1"],
                "labeler_decision": ["Violating", "Graphic"],
                "auditor_decision": ["Violating", "Not violating"],
                "error_type": [None, "FalsePositive"],
                "disputed": ["no", "yes"],
                "dispute_outcome": [None, "Upheld"],
            }
        ),
        "Taxonomy": pd.DataFrame(
            {
                "policy_area": ["Hate Speech", "Hate Speech", "Violence", "Violence", "Violence"],
                "decision": ["Violating", "Not violating", "Violating", "Not violating", "Graphic"],
            }
        ),
    }


def run(frames: dict[str, pd.DataFrame], **changes):
    ws = Workspace.from_frames(frames, settings=Settings().replace(**changes), today=TODAY)
    return validate(ws)


def cells(report, *codes):
    return [(f.sheet, f.cell, f.code) for f in report if not codes or f.code in codes]


def add_rows(frames, sheet, **cols):
    frames[sheet] = pd.concat([frames[sheet], pd.DataFrame(cols)], ignore_index=True)
    return frames


# ---------------------------------------------------------------- whole report


def test_clean_workspace_has_no_findings():
    assert cells(run(clean())) == []


def test_every_finding_has_catalogue_code_address_and_short_message():
    f = clean()
    f["Timesheet"].loc[0, "hours"] = 30
    f["Roster"].loc[1, "role"] = "Wizard"
    f["Audits"].loc[0, "auditor_id"] = "L1"
    report = run(f)
    assert len(report) >= 3
    for finding in report:
        assert finding.code in CATALOGUE
        assert finding.message.startswith(f"{finding.sheet}!{finding.cell}: ")
        assert len(finding.message) < 255


def test_findings_are_sorted_by_sheet_row_and_column():
    f = clean()
    f["Timesheet"].loc[3, "hours"] = -1  # D5
    f["Timesheet"].loc[0, "activity"] = "Lunch"  # C2
    f["Timesheet"].loc[0, "hours"] = 0  # D2
    assert cells(run(f), "hours-not-positive", "not-allowed") == [
        ("Timesheet", "C2", "not-allowed"),
        ("Timesheet", "D2", "hours-not-positive"),
        ("Timesheet", "D5", "hours-not-positive"),
    ]


def test_reading_findings_are_kept_and_not_doubled_as_blank():
    f = clean()
    f["Timesheet"]["hours"] = f["Timesheet"]["hours"].astype(object)
    f["Timesheet"].loc[1, "hours"] = "eight"
    report = run(f)
    assert cells(report, "bad-type", "required-blank") == [("Timesheet", "D3", "bad-type")]


# ---------------------------------------------------------------- schema


def test_missing_required_sheet_is_an_error():
    f = clean()
    del f["Audits"]
    report = run(f)
    assert cells(report) == [("Audits", "", "missing-sheet")]
    assert report.errors and "Audits: required sheet is missing" in report.findings[0].message


def test_missing_optional_sheets_are_not_reported():
    f = clean()
    assert "Queue" not in f and "Calibration" not in f and "Settings" not in f
    assert cells(run(f), "missing-sheet") == []


def test_missing_column_points_after_the_last_header():
    f = clean()
    f["Timesheet"] = f["Timesheet"].drop(columns="hours")  # A..D remain
    report = run(f)
    assert cells(report) == [("Timesheet", "E1", "missing-column")]
    assert "found date, person_id, activity, project_id" in report.findings[0].message


def test_missing_columns_counts_unknown_headers_and_lists_each_column():
    f = clean()
    f["Roster"] = f["Roster"].drop(columns=["name", "role"]).assign(colour="x")  # A..E
    assert cells(run(f), "missing-column", "unknown-column") == [
        ("Roster", "E1", "unknown-column"),
        ("Roster", "F1", "missing-column"),
        ("Roster", "G1", "missing-column"),
    ]


def test_missing_optional_column_is_fine():
    f = clean()
    f["Projects"] = f["Projects"].drop(columns=["graphic", "target_aht_sec"])
    assert cells(run(f)) == []


def test_required_blank():
    f = clean()
    f["Roster"].loc[1, "name"] = None
    f["Roster"].loc[2, "name"] = "  "
    report = run(f)
    assert cells(report) == [("Roster", "B3", "required-blank"), ("Roster", "B4", "required-blank")]
    assert "name is required (expected text; got blank)" in report.findings[0].message


def test_not_allowed_lists_capped_choices_and_ignores_case():
    f = clean()
    f["Timesheet"].loc[4, "activity"] = "Lunch"
    f["Timesheet"].loc[1, "activity"] = "labeling"  # canonicalised, fine
    report = run(f)
    assert cells(report) == [("Timesheet", "C6", "not-allowed")]
    message = report.findings[0].message
    assert "Labeling, QA, Training, Calibration, Meeting, Wellness (+3 more)" in message
    assert "(got 'Lunch')" in message


def test_out_of_range_and_its_boundaries():
    f = clean()
    f["Roster"].loc[0, "fte"] = 1.5
    f["Roster"].loc[1, "fte"] = 0  # boundaries are allowed
    f["Roster"].loc[2, "fte"] = 1
    f["Production"].loc[2, "items"] = -3
    report = run(f)
    assert cells(report, "out-of-range") == [
        ("Production", "D4", "out-of-range"),
        ("Roster", "D2", "out-of-range"),
    ]
    assert "fte must be between 0 and 1 (got 1.5)" in report.findings[-1].message
    assert "items must be at least 0 (got -3)" in report.findings[0].message


def test_duplicate_key_reports_later_rows_and_names_the_first():
    f = clean()
    add_rows(
        f,
        "Roster",
        person_id=["L1", "L1"],
        name=["Dee", "Eve"],
        role=["QA", "QA"],
        start_date=["2025-01-01"] * 2,
    )
    report = run(f)
    assert cells(report) == [("Roster", "A5", "duplicate-key"), ("Roster", "A6", "duplicate-key")]
    assert "already in row 2" in report.findings[0].message


def test_duplicate_composite_key():
    f = clean()
    add_rows(
        f,
        "Production",
        date=["2026-03-03", "2026-03-04"],
        person_id=["L1", "L1"],
        project_id=["P1", "P1"],
        items=[1, 1],
        handle_minutes=[1, 1],
    )
    report = run(f)
    assert cells(report, "duplicate-key") == [("Production", "A5", "duplicate-key")]
    assert "(got 2026-03-03 / L1 / P1, already in row 4)" in report.findings[0].message


def test_blank_keys_are_not_duplicates():
    f = clean()
    f["Roster"].loc[1, "person_id"] = None
    f["Roster"].loc[2, "person_id"] = None
    assert cells(run(f), "duplicate-key") == []


def test_end_before_start():
    f = clean()
    f["Roster"]["end_date"] = [None, "2024-12-31", "2025-01-01"]  # same day is fine
    f["Projects"].loc[1, "end_date"] = "2025-06-30"
    report = run(f)
    assert cells(report, "end-before-start") == [
        ("Projects", "I3", "end-before-start"),
        ("Roster", "F3", "end-before-start"),
    ]
    message = next(x.message for x in report if x.cell == "F3")
    assert "end_date must be on or after start_date 2025-01-01 (got 2024-12-31)" in message


# ---------------------------------------------------------------- references


def test_unknown_person_and_project_with_spelling_hint():
    f = clean()
    f["Production"].loc[0, "person_id"] = "L9"
    f["Production"].loc[1, "person_id"] = "l2"
    f["Timesheet"].loc[3, "project_id"] = "P7"
    report = run(f)
    assert cells(report, "unknown-reference") == [
        ("Production", "B2", "unknown-reference"),
        ("Production", "B3", "unknown-reference"),
        ("Timesheet", "E5", "unknown-reference"),
    ]
    messages = [x.message for x in report if x.code == "unknown-reference"]
    assert "person_id must be a person_id listed in Roster (got 'L9')" in messages[0]
    assert "Did you mean 'L2'?" in messages[1]


def test_reference_skipped_when_referenced_sheet_missing():
    f = clean()
    del f["Roster"]
    f["Production"].loc[0, "person_id"] = "L9"
    assert cells(run(f), "unknown-reference", "missing-sheet") == [("Roster", "", "missing-sheet")]


def test_decisions_must_fit_the_projects_policy_area():
    f = clean()
    f["Audits"].loc[0, "labeler_decision"] = "Graphic"  # a Violence decision on Hate Speech
    f["Audits"].loc[0, "error_type"] = "WrongPolicy"
    f["Audits"].loc[1, "auditor_decision"] = "Nonsense"
    report = run(f)
    assert cells(report, "unknown-reference") == [
        ("Audits", "G2", "unknown-reference"),
        ("Audits", "H3", "unknown-reference"),
    ]
    assert "decision of policy area Hate Speech (Violating, Not violating)" in (
        report.findings[0].message
    )


def test_decisions_of_unknown_projects_may_be_any_decision():
    f = clean()
    f["Audits"].loc[0, "project_id"] = "P9"
    f["Audits"].loc[0, "labeler_decision"] = "Graphic"
    f["Audits"].loc[0, "error_type"] = "WrongPolicy"
    assert cells(run(f), "unknown-reference") == [("Audits", "D2", "unknown-reference")]


def test_policy_area_must_exist_in_taxonomy():
    f = clean()
    f["Projects"].loc[0, "policy_area"] = "Spam"
    # Audits of P1 fall back to "any Taxonomy decision", so only the project is reported.
    assert cells(run(f), "unknown-reference") == [("Projects", "E2", "unknown-reference")]


# ---------------------------------------------------------------- timesheet


def test_hours_not_positive():
    f = clean()
    f["Timesheet"]["hours"] = [0, -1, 8, 0.25, 1]
    assert cells(run(f), "hours-not-positive") == [
        ("Timesheet", "D2", "hours-not-positive"),
        ("Timesheet", "D3", "hours-not-positive"),
    ]


def test_hours_over_cap_once_per_day_on_the_entry_that_crosses():
    f = clean()
    add_rows(
        f,
        "Timesheet",
        date=["2026-03-02"] * 3,
        person_id=["L1"] * 3,
        activity=["Leave", "Admin", "Admin"],
        hours=[4, 2, 1],
    )  # rows 7, 8, 9
    report = run(f)
    # L1 on 03-02: 7 (row 2) + 4 (row 7) = 11, + 2 (row 8) = 13 > 12 → row 8 only.
    assert cells(report, "hours-over-cap") == [("Timesheet", "D8", "hours-over-cap")]
    message = next(x.message for x in report if x.code == "hours-over-cap")
    assert "must total at most 12 (got 14; this entry passes the cap)" in message


def test_hours_at_cap_is_fine_and_cap_comes_from_settings():
    f = clean()
    add_rows(
        f, "Timesheet", date=["2026-03-02"], person_id=["L1"], activity=["Admin"], hours=[5]
    )  # 7 + 5 = 12 exactly
    assert cells(run(f), "hours-over-cap") == []
    assert cells(run(f, max_hours_per_day=11.5), "hours-over-cap") == [
        ("Timesheet", "D7", "hours-over-cap")
    ]


def test_hours_over_week_cap():
    f = clean()
    days = [f"2026-03-{d:02d}" for d in range(2, 9)]  # Mon 2 .. Sun 8: one ISO week
    add_rows(
        f,
        "Timesheet",
        date=days,
        person_id=["Q1"] * 7,
        activity=["QA"] * 7,
        hours=[8] * 7,
        project_id=["P1"] * 7,
    )  # rows 7..13; Q1 already has 8 on 03-02
    # Q1 running total: 8 (row 4), 16 (row 7), … 56 (row 12), 64 (row 13) passes 60.
    report = run(f, max_hours_per_day=24)
    assert cells(report, "hours-over-week-cap") == [("Timesheet", "D13", "hours-over-week-cap")]
    message = next(x.message for x in report if x.code == "hours-over-week-cap")
    assert "Q1 in week 2026-W10 must total at most 60 (got 64;" in message
    assert cells(run(f, max_hours_per_day=24, max_hours_per_week=64), "hours-over-week-cap") == []


def test_leave_and_work_on_the_leave_entry():
    f = clean()
    add_rows(
        f,
        "Timesheet",
        date=["2026-03-02", "2026-03-03"],
        person_id=["L1", "L1"],
        activity=["Leave", "Training"],
        hours=[1, 1],
    )  # rows 7, 8
    report = run(f)
    assert cells(report, "leave-and-work") == [("Timesheet", "C7", "leave-and-work")]
    assert "got Leave here and Labeling in row 2" in report.findings[-1].message


def test_leave_alone_is_fine():
    f = clean()
    add_rows(f, "Timesheet", date=["2026-03-04"], person_id=["L1"], activity=["Leave"], hours=[8])
    assert cells(run(f), "leave-and-work") == []


def test_project_required_for_labeling_and_qa_only():
    f = clean()
    f["Timesheet"].loc[2, "project_id"] = None  # QA without project
    report = run(f)
    assert cells(report, "project-required") == [("Timesheet", "E4", "project-required")]
    assert "project_id is required for QA entries" in report.findings[-1].message


def test_project_column_absent_is_one_finding_not_one_per_row():
    f = clean()
    f["Timesheet"] = f["Timesheet"].drop(columns="project_id")
    assert cells(run(f), "project-required", "missing-column") == [
        ("Timesheet", "E1", "missing-column")
    ]


def test_graphic_over_cap():
    f = clean()
    add_rows(
        f,
        "Timesheet",
        date=["2026-03-02"] * 3,
        person_id=["L2"] * 3,
        activity=["Labeling", "Labeling", "QA"],
        hours=[2, 1, 1],
        project_id=["P1", "P2", "P2"],
    )  # rows 7, 8, 9
    # L2 graphic hours on 03-02: 4 (P2, row 3) + 1 (row 8) = 5 (at cap) + 1 (row 9) = 6.
    report = run(f, timesheet_tolerance_hours=10)
    assert cells(report, "graphic-over-cap") == [("Timesheet", "D9", "graphic-over-cap")]
    assert report.ok  # a warning, not an error


def test_graphic_cap_ignores_non_graphic_and_non_productive_hours():
    f = clean()
    add_rows(
        f,
        "Timesheet",
        date=["2026-03-02"] * 2,
        person_id=["L2"] * 2,
        activity=["Labeling", "Wellness"],
        hours=[3, 2],
        project_id=["P1", "P2"],
    )
    assert cells(run(f, timesheet_tolerance_hours=10), "graphic-over-cap") == []


# ---------------------------------------------------------------- dates


def test_future_dates_after_today_only():
    f = clean()
    f["Timesheet"].loc[4, "date"] = "2026-04-01"
    f["Audits"].loc[0, "audit_date"] = TODAY.isoformat()  # today is fine
    report = run(f)
    assert cells(report, "future-date") == [("Timesheet", "A6", "future-date")]
    assert "date must be on or before today, 2026-03-31 (got 2026-04-01)" in (
        report.findings[-1].message
    )


def test_work_outside_roster_dates_is_a_warning():
    f = clean()
    f["Roster"]["end_date"] = [None, "2026-03-01", None]
    f["Roster"].loc[0, "start_date"] = "2026-03-03"
    report = run(f)
    assert cells(report, "date-outside-period") == [
        ("Production", "A2", "date-outside-period"),
        ("Production", "A3", "date-outside-period"),
        ("Timesheet", "A2", "date-outside-period"),
        ("Timesheet", "A3", "date-outside-period"),
    ]
    assert report.ok
    assert "within L1's dates in Roster, 2026-03-03 onwards" in report.findings[0].message


# ---------------------------------------------------------------- audits


def test_self_audit():
    f = clean()
    f["Audits"].loc[1, "auditor_id"] = "L2"
    assert cells(run(f)) == [("Audits", "F3", "self-audit")]


def test_error_type_given_when_decisions_agree():
    f = clean()
    f["Audits"].loc[0, "error_type"] = "Technical"
    assert cells(run(f)) == [("Audits", "I2", "error-type-mismatch")]


def test_error_type_missing_when_decisions_differ_unless_overturned():
    f = clean()
    f["Audits"].loc[1, "error_type"] = None
    assert cells(run(f)) == [("Audits", "I3", "error-type-mismatch")]
    f["Audits"].loc[1, "dispute_outcome"] = "Overturned"
    assert cells(run(f)) == []


def test_dispute_outcome_mismatch_both_ways():
    f = clean()
    f["Audits"].loc[0, "dispute_outcome"] = "Pending"  # not disputed
    f["Audits"].loc[1, "dispute_outcome"] = None  # disputed without outcome
    report = run(f)
    assert cells(report) == [
        ("Audits", "K2", "dispute-outcome-mismatch"),
        ("Audits", "K3", "dispute-outcome-mismatch"),
    ]
    assert report.ok


# ---------------------------------------------------------------- production


def test_implausible_speed_against_target_aht():
    f = clean()
    # P1 target 60 s/item → 60 items/h; factor 3 → above 180/h is implausible.
    f["Production"].loc[0, "handle_minutes"] = 7  # 400 items in 7 min: minutes typed as hours
    f["Production"].loc[2, "items"] = 540
    f["Production"].loc[2, "handle_minutes"] = 180  # exactly 180/h: fine
    report = run(f, timesheet_tolerance_hours=24)
    assert cells(report) == [("Production", "E2", "implausible-speed")]
    assert "norm of 60 (target_aht_sec) (got 3429" in report.findings[0].message


def test_implausible_speed_against_project_median_and_zero_minutes():
    f = clean()
    add_rows(
        f,
        "Production",
        date=["2026-03-03"] * 3,
        person_id=["L2", "Q1", "L2"],
        project_id=["P2"] * 2 + ["P1"],
        items=[210, 2000, 5],
        handle_minutes=[240, 240, 0],
    )  # rows 5, 6, 7
    # P2 rates 50, 52.5, 500 per hour: median 52.5, 500 > 3 × 52.5.
    report = run(f, timesheet_tolerance_hours=24)
    assert cells(report) == [
        ("Production", "E6", "implausible-speed"),
        ("Production", "E7", "implausible-speed"),
    ]


def test_timesheet_production_mismatch_on_timesheet_entry():
    f = clean()
    f["Timesheet"].loc[0, "hours"] = 9  # L1 03-02: 9 h vs 420 min = 7 h
    report = run(f)
    assert cells(report) == [("Timesheet", "D2", "timesheet-production-mismatch")]
    assert "(got 9 h timesheet vs 7 h Production)" in report.findings[0].message
    assert cells(run(f, timesheet_tolerance_hours=2)) == []


def test_timesheet_production_mismatch_on_production_when_no_labeling_entry():
    f = clean()
    f["Timesheet"].loc[3, "activity"] = "Training"  # L1 03-03 has no Labeling now
    f["Timesheet"].loc[3, "project_id"] = None
    assert cells(run(f)) == [("Production", "E4", "timesheet-production-mismatch")]


def test_mismatch_skips_people_and_days_outside_both_sheets():
    f = clean()
    add_rows(
        f, "Roster", person_id=["V1"], name=["Vendor"], role=["Labeler"], start_date=["2025-01-01"]
    )
    add_rows(
        f,
        "Production",
        date=["2026-03-02"],
        person_id=["V1"],
        project_id=["P1"],
        items=[100],
        handle_minutes=[120],
    )  # V1 has no timesheet at all
    add_rows(
        f,
        "Timesheet",
        date=["2026-03-10"],
        person_id=["L1"],
        activity=["Labeling"],
        hours=[8],
        project_id=["P1"],
    )  # after Production's last day
    assert cells(run(f)) == []


def test_queue_done_within_sla_above_done():
    f = clean()
    f["Queue"] = pd.DataFrame(
        {
            "date": ["2026-03-02", "2026-03-03"],
            "project_id": ["P1", "P1"],
            "items_done": [100, 100],
            "done_within_sla": [100, 120],
        }
    )
    assert cells(run(f)) == [("Queue", "D3", "queue-inconsistent")]


# ---------------------------------------------------------------- properties


def _naive_over_cap(ts: pd.DataFrame, cap: float) -> list[str]:
    """Independent row-by-row version of the hours-over-cap rule."""
    totals: dict[tuple, float] = defaultdict(float)
    done: set[tuple] = set()
    out = []
    rows = zip(ts["person_id"], ts["date"], ts["hours"], strict=True)
    for i, (person, day, hours) in enumerate(rows):
        key = (person, day)
        totals[key] += max(float(hours), 0.0)
        if totals[key] > cap + 1e-9 and key not in done:
            done.add(key)
            out.append(f"D{i + 2}")
    return out


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["L1", "L2"]),
            st.integers(2, 4),
            st.sampled_from([0.5, 1, 2.5, 4, 7.25, -1]),
        ),
        min_size=1,
        max_size=25,
    ),
    cap=st.sampled_from([4.0, 8.0, 12.0]),
)
def test_hours_over_cap_matches_row_by_row_reference(rows, cap):
    ts = pd.DataFrame(
        {
            "date": [f"2026-03-{d:02d}" for _, d, _ in rows],
            "person_id": [p for p, _, _ in rows],
            "activity": ["Admin"] * len(rows),
            "hours": [h for _, _, h in rows],
        }
    )
    ws = Workspace.from_frames(
        {"Timesheet": ts}, settings=Settings(max_hours_per_day=cap), today=TODAY
    )
    got = [f.cell for f in validate(ws) if f.code == "hours-over-cap"]
    want = _naive_over_cap(ts.assign(date=pd.to_datetime(ts["date"])), cap)
    assert sorted(got, key=lambda c: int(c[1:])) == want


CLEAN = Workspace.from_frames(clean(), today=TODAY)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["2026-03-02", "2027-01-01", "x", "1/2/3"])),
            st.one_of(st.none(), st.sampled_from(["L1", "L2", "", "Q1 "])),
            st.one_of(st.none(), st.sampled_from(["Labeling", "qa", "Leave", "Nap"])),
            st.one_of(st.none(), st.floats(-5, 30), st.just(float("nan")), st.just("8h")),
            st.one_of(st.none(), st.sampled_from(["P1", "P2", "P9"])),
        ),
        max_size=15,
    )
)
def test_validate_never_raises_and_messages_fit_a_cell(data):
    ts = pd.DataFrame(
        data, columns=["date", "person_id", "activity", "hours", "project_id"], dtype=object
    )
    # Type only the random sheet; the clean dimension sheets are typed once.
    typed = Workspace.from_frames({"Timesheet": ts}, today=TODAY)
    ws = Workspace(sheets={**CLEAN.sheets, **typed.sheets}, findings=typed.findings, today=TODAY)
    report = validate(ws)
    for finding in report:
        assert len(finding.message) < 255
        assert finding.cell == "" or finding.message.startswith(f"{finding.sheet}!{finding.cell}")


def test_duplicates_match_pandas_reference_on_random_ids():
    rng = np.random.default_rng(7)
    ids = rng.choice([f"A{i}" for i in range(40)], size=120).tolist()
    f = clean()
    n = len(ids)
    f["Audits"] = pd.DataFrame(
        {
            "audit_id": ids,
            "audit_date": ["2026-03-04"] * n,
            "item_id": ["i"] * n,
            "project_id": ["P1"] * n,
            "person_id": ["L1"] * n,
            "auditor_id": ["Q1"] * n,
            "labeler_decision": ["Violating"] * n,
            "auditor_decision": ["Violating"] * n,
        }
    )
    got = [f.cell for f in run(f) if f.code == "duplicate-key"]
    seen: set[str] = set()
    want = []
    for i, audit_id in enumerate(ids):
        if audit_id in seen:
            want.append(f"A{i + 2}")
        seen.add(audit_id)
    assert got == want


@pytest.mark.parametrize(
    "sheet", ["Projects", "Roster", "Production", "Timesheet", "Audits", "Taxonomy"]
)
def test_empty_required_sheet_gives_no_rule_findings(sheet):
    f = clean()
    f[sheet] = f[sheet].iloc[0:0]
    codes = {x.code for x in run(f)}
    # Emptying a dimension sheet makes references unknown; nothing may crash or be a NaN.
    assert codes <= {"unknown-reference"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    audits=st.lists(
        st.tuples(
            st.sampled_from(["A1", "A2", None]),
            st.sampled_from(["L1", "Q1", "X", None]),
            st.sampled_from(["P1", "P2", "P9", None]),
            st.sampled_from(["Violating", "Graphic", "Other", None]),
            st.sampled_from(["Violating", "Not violating", None]),
            st.sampled_from(["Technical", "Oops", None]),
            st.sampled_from(["yes", "no", "maybe", None]),
            st.sampled_from(["Upheld", "Overturned", None]),
        ),
        max_size=12,
    ),
    items=st.lists(st.one_of(st.none(), st.integers(-2, 5000)), min_size=3, max_size=3),
    minutes=st.lists(
        st.one_of(st.none(), st.sampled_from([0, 0.5, 60, 480])), min_size=3, max_size=3
    ),
)
def test_validate_never_raises_on_random_audits_and_production(audits, items, minutes):
    columns = [
        "audit_id",
        "person_id",
        "project_id",
        "labeler_decision",
        "auditor_decision",
        "error_type",
        "disputed",
        "dispute_outcome",
    ]
    aud = pd.DataFrame(audits, columns=columns, dtype=object)
    aud.insert(1, "audit_date", "2026-03-04")
    aud.insert(2, "item_id", "i")
    aud["auditor_id"] = "Q1"
    prod = clean()["Production"].assign(items=items, handle_minutes=minutes)
    typed = Workspace.from_frames({"Audits": aud, "Production": prod}, today=TODAY)
    ws = Workspace(sheets={**CLEAN.sheets, **typed.sheets}, findings=typed.findings, today=TODAY)
    report = validate(ws)
    for finding in report:
        assert len(finding.message) < 255
        assert finding.message.startswith(f"{finding.sheet}!{finding.cell}: ")


def test_zero_norm_is_not_a_speed_finding():
    f = clean()
    f["Production"]["project_id"] = "P2"  # no target AHT: the norm is the median rate
    f["Production"]["items"] = [0, 0, 5]
    assert cells(run(f), "implausible-speed") == []


def test_unknown_decisions_on_known_and_unknown_projects_together():
    f = clean()
    f["Audits"].loc[0, ["project_id", "labeler_decision", "error_type"]] = [
        "P9",
        "Other",
        "Technical",
    ]
    f["Audits"].loc[1, "labeler_decision"] = "Spam"
    report = run(f)
    found = [(x.cell, x.message.split(" (got")[0]) for x in report if x.code == "unknown-reference"]
    assert found == [
        ("D2", "Audits!D2: project_id must be a project_id listed in Projects"),
        ("G2", "Audits!G2: labeler_decision must be a decision listed in Taxonomy"),
        (
            "G3",
            "Audits!G3: labeler_decision must be a Taxonomy decision of policy area "
            "Violence (Violating, Not violating, Graphic)",
        ),
    ]


def test_blank_setting_values_are_left_to_the_settings_reader():
    f = clean()
    f["Settings"] = pd.DataFrame(
        {"setting": ["pseudonym_secret", "max_hours_per_day"], "value": [None, None]}
    )
    ws = Workspace.from_frames(f, today=TODAY)
    # Blank text setting: fine. Blank number: one bad-setting (from reading), no second finding.
    assert cells(validate(ws)) == [("Settings", "B3", "bad-setting")]
