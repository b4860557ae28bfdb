import pandas as pd
import pytest

from labelxl.model.findings import CATALOGUE, Finding, col_letter, sheet_ref
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import sheet_from_raw


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("Timesheet", "Timesheet"),
        ("timesheet ", "'timesheet '"),
        ("Q1 data", "'Q1 data'"),
        ("Bob's", "'Bob''s'"),
        ("2026", "'2026'"),
    ],
)
def test_sheet_names_are_quoted_as_excel_writes_them(name, ref):
    assert sheet_ref(name) == ref


def test_messages_name_the_sheet_as_the_user_sees_it():
    raw = pd.DataFrame({"date": ["soon"], "person_id": ["L1"], "activity": ["QA"], "hours": [1]})
    _, found = sheet_from_raw(SHEETS["Timesheet"], raw, sheet_name="My hours")
    assert [(f.address, f.message.split(":")[0]) for f in found] == [
        ("'My hours'!A2", "'My hours'!A2")
    ]


def test_unknown_codes_are_refused_and_severity_comes_from_the_catalogue():
    with pytest.raises(ValueError):
        Finding("no-such-code", "Timesheet", "A1", "x")
    f = Finding("implausible-speed", "Production", "E2", "x", severity="error")
    assert f.severity == CATALOGUE["implausible-speed"].severity == "warning"


def test_column_letters():
    assert [col_letter(i) for i in (0, 25, 26, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
        "XFD",
    ]
