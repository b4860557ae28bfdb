import datetime as dt

import pandas as pd

from labelxl.model.workspace import ROW, Workspace


def _ts(**cols):
    return Workspace.from_frames({"Timesheet": pd.DataFrame(cols)})


def test_headers_match_ignoring_case_spaces_and_underscores():
    ws = _ts(
        **{
            " Date ": ["2026-03-02"],
            "PERSON ID": ["L1"],
            "Activity": ["Labeling"],
            "hours": [8],
            "Project_ID": ["P1"],
        }
    )
    frame = ws.frame("Timesheet")
    assert frame.loc[0, "person_id"] == "L1" and frame.loc[0, "project_id"] == "P1"
    assert ws.sheets["Timesheet"].letters["project_id"] == "E"


def test_dates_from_text_serials_and_datetimes():
    # '02/03/2026' reads two ways; the team's date_order (issue 12: never a silent guess)
    # says day first.
    ws = Workspace.from_frames(
        {
            "Timesheet": pd.DataFrame(
                {
                    "date": ["2026-03-02", 46083, dt.datetime(2026, 3, 2, 17, 30), "02/03/2026"],
                    "person_id": ["L1"] * 4,
                    "activity": ["QA"] * 4,
                    "hours": [1] * 4,
                }
            ),
            "Settings": pd.DataFrame({"setting": ["date_order"], "value": ["DMY"]}),
        }
    )
    assert ws.frame("Timesheet")["date"].dt.date.tolist() == [dt.date(2026, 3, 2)] * 4


def test_bad_types_are_findings_with_excel_cells():
    ws = _ts(
        date=["2026-03-02", "soon"],
        person_id=["L1", "L2"],
        activity=["QA", "QA"],
        hours=[1, "eight"],
    )
    assert sorted((f.cell, f.code) for f in ws.findings) == [("A3", "bad-type"), ("D3", "bad-type")]
    assert "hours must be a number (got 'eight')" in ws.findings[-1].message or any(
        "got 'eight'" in f.message for f in ws.findings
    )


def test_blank_rows_dropped_but_row_numbers_kept():
    ws = _ts(
        date=["2026-03-02", None, "2026-03-03"],
        person_id=["L1", None, "L2"],
        activity=["QA", None, "Labeling"],
        hours=[1, None, 2],
    )
    assert ws.frame("Timesheet")[ROW].tolist() == [2, 4]


def test_allowed_values_are_canonicalised_and_ids_from_numbers_are_text():
    ws = _ts(date=["2026-03-02"], person_id=[42.0], activity=["labeling"], hours=[1])
    frame = ws.frame("Timesheet")
    assert frame.loc[0, "activity"] == "Labeling" and frame.loc[0, "person_id"] == "42"


def test_unknown_columns_are_warned():
    ws = _ts(date=["2026-03-02"], person_id=["L1"], activity=["QA"], hours=[1], colour=["x"])
    assert [(f.code, f.cell) for f in ws.findings] == [("unknown-column", "E1")]


def test_settings_sheet_read_and_bad_values_reported():
    ws = Workspace.from_frames(
        {
            "Settings": pd.DataFrame(
                {
                    "setting": ["confidence", "typo_setting", "min_audit_sample"],
                    "value": ["90%", 1, "many"],
                }
            )
        }
    )
    assert ws.settings.confidence == 0.9 and ws.settings.min_audit_sample == 30
    assert [(f.code, f.cell) for f in ws.findings] == [
        ("unknown-setting", "A3"),
        ("bad-setting", "B4"),
    ]


def test_missing_sheet_gives_typed_empty_frame():
    ws = Workspace.from_frames({})
    frame = ws.frame("Audits")
    assert (
        frame.empty
        and "audit_date" in frame
        and str(frame["audit_date"].dtype).startswith("datetime64")
    )


def test_dates_pandas_cannot_hold_are_bad_type_not_a_crash():
    for far in (dt.datetime(9999, 12, 31), "9999-12-31", 2958465, dt.date(1500, 1, 1)):
        ws = Workspace.from_frames(
            {
                "Roster": pd.DataFrame(
                    {
                        "person_id": ["L1"],
                        "name": ["A"],
                        "role": ["Labeler"],
                        "start_date": ["2026-01-01"],
                        "end_date": [far],
                    }
                )
            }
        )
        assert pd.isna(ws.frame("Roster").loc[0, "end_date"])
        assert [(f.code, f.cell) for f in ws.findings] == [("bad-type", "E2")]
        assert "1678" in ws.findings[0].message


def test_true_is_not_merged_with_one():
    ws = Workspace.from_frames(
        {
            "Production": pd.DataFrame(
                {
                    "date": ["2026-01-01"] * 3,
                    "person_id": ["L1"] * 3,
                    "project_id": ["P"] * 3,
                    "items": [True, 1.0, 5],
                    "handle_minutes": [1, 2, 3],
                }
            )
        }
    )
    assert ws.frame("Production")["items"].tolist()[1:] == [1.0, 5.0]
    assert [(f.code, f.cell) for f in ws.findings] == [("bad-type", "D2")]


def test_a_blank_row_is_not_turned_into_a_record_by_defaults():
    cols = [
        "audit_id",
        "audit_date",
        "item_id",
        "project_id",
        "person_id",
        "auditor_id",
        "labeler_decision",
        "auditor_decision",
    ]
    frame = pd.DataFrame({c: ["x1", None] for c in cols})
    frame["audit_date"] = ["2026-01-01", None]
    frame["disputed"] = ["yes", None]  # blank → default "no" must not make row 3 a record
    ws = Workspace.from_frames({"Audits": frame})
    assert ws.frame("Audits")[ROW].tolist() == [2]


def test_a_fraction_in_a_whole_number_column_is_bad_on_every_path():
    # Found by hypothesis in CI: the all-numeric fast path skipped the whole-number check.
    for items in ([1.0, 2.5], pd.Series([1.0, 2.5], dtype="float64")):
        ws = Workspace.from_frames(
            {
                "Production": pd.DataFrame(
                    {
                        "date": ["2026-01-01"] * 2,
                        "person_id": ["L1"] * 2,
                        "project_id": ["P"] * 2,
                        "items": items,
                        "handle_minutes": [1, 2],
                    }
                )
            }
        )
        assert ws.frame("Production")["items"].tolist()[0] == 1.0
        assert [(f.code, f.cell) for f in ws.findings] == [("bad-type", "D3")]
