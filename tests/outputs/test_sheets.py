"""LX sheet layouts: formats from column names, headers and values in words, the dashboard,
LX Requirements; checked on the saved workbook of a written demo."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lxml import etree

from labelxl.demo import write_demo
from labelxl.io.ooxml import write_lx_sheets
from labelxl.io.reader import read_workspace
from labelxl.metrics import compute
from labelxl.outputs import summary
from labelxl.outputs.sheets import column_label, guess_format, header_mapping, output_sheets, sheet
from labelxl.validate import validate

END = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 10)
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
ROOT = Path(__file__).resolve().parents[2]


def test_formats_follow_column_meaning():
    frame = pd.DataFrame(
        {
            "accuracy": [0.95],
            "ci_low": [0.9],
            "productive_hours": [12.5],
            "items": [10],
            "aht_sec": [37.5],
            "forecast_finish": pd.to_datetime(["2026-03-01"]),
            "flag": ["below"],
        }
    )
    got = {c: guess_format(c, frame[c]) for c in frame}
    assert got == {
        "accuracy": "pct",
        "ci_low": "pct",
        "productive_hours": "hours",
        "items": "int",
        "aht_sec": "number",
        "forecast_finish": "date",
        "flag": None,
    }


def test_explicit_widths_reach_the_writer():
    out = sheet("LX Test", pd.DataFrame({"a": [1]}), widths={"a": 30})
    assert out.widths == {"a": 30}


def test_sheets_for_people_speak_words_and_keep_formats_on_the_new_names():
    frame = pd.DataFrame(
        {"person_id": ["L1", "L2"], "accuracy": [0.9, 0.8], "sufficient": [True, False]}
    )
    out = sheet("LX Test", frame, lang="en", level="90%", widths={"person_id": 12})
    assert list(out.frame.columns) == ["Person ID", "Accuracy", "Enough audits"]
    assert out.frame["Enough audits"].tolist() == ["✓", ""]
    assert out.formats == {"Accuracy": "pct"} and out.widths == {"Person ID": 12}
    assert column_label("ci_low", "en", "90%") == "90% CI low"
    assert column_label("some_new_column") == "Some new column"  # readable fallback
    assert sheet("LX Test", frame).frame.columns.tolist() == list(frame.columns)  # library use


@pytest.mark.parametrize(
    "change, previous, unit, shown",
    [
        (0.004, 0.95, "pct", "▲ +0.4 pp"),
        (-0.0004, 0.95, "pct", "no change"),  # smaller than the 0.1 pp shown
        (0.3, 37.2, "seconds", "no change"),  # 0.3 s rounds to 0 s
        (-12.0, 1300.0, "count", "▼ −12"),
        (5.0, float("nan"), "count", "–"),  # last month had no data
        (None, None, "pct", "–"),
    ],
)
def test_change_vs_last_month(change, previous, unit, shown):
    assert summary.change_text(change, previous, unit, "en") == shown


def test_every_catalogued_header_is_documented():
    doc = (ROOT / "docs" / "lx-sheets.md").read_text(encoding="utf-8")
    missing = [
        f"`{n}`" for n, words in header_mapping().items() if f"| `{n}` | {words} |" not in doc
    ]
    assert missing == []


# ---------------------------------------------------------------- on a written demo


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, people=30, months=3, seed=5, end=END)
    ws = read_workspace(folder, today=TODAY)
    m = compute(ws, report=validate(ws))
    m.data_through, m.working_days, m.working_days_with_data, m.partial = (
        dt.date(2026, 6, 10),
        22,
        7,
        True,
    )  # the data window (set here until every bundle carries it)
    tracker = folder / "tracker.xlsx"
    started = dt.datetime(2026, 7, 10, 9, 0)
    write_lx_sheets(tracker, output_sheets(m, [tracker], tracker, started, 1.0), keep_backups=0)
    zh = folder / "zh.xlsx"
    zh.write_bytes(tracker.read_bytes())
    write_lx_sheets(
        zh, output_sheets(m, [tracker], tracker, started, 1.0, lang="zh"), keep_backups=0
    )
    return {"folder": folder, "tracker": tracker, "zh": zh, "metrics": m}


def _rows(path: Path, name: str) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _table(path: Path, name: str) -> pd.DataFrame:
    rows = _rows(path, name)
    header = rows[0]
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    return pd.DataFrame(body, columns=header)


def test_headers_are_words_and_booleans_ticks(written):
    labelers = _table(written["tracker"], "LX Labelers")
    assert {"Person", "Accuracy", "95% CI low", "95% CI high", "Audited"} <= set(labelers)
    assert not {"person_id", "ci_low", "sufficient"} & set(labelers)
    assert set(labelers["Enough audits"].fillna("")) <= {"✓", ""}
    assert "✓" in set(labelers["Enough audits"])
    flags = set(labelers["Against target"].dropna())
    assert flags <= {"Within target (not distinguishable)", "Too few audits", "Above target",
                     "Below target"}  # fmt: skip
    zh = _table(written["zh"], "LX Labelers")
    assert {"人员", "准确率", "95% 区间下限"} <= set(zh)


def test_summary_is_a_kpi_block_in_words(written):
    rows = _rows(written["tracker"], "LX Summary")
    assert rows[0][:7] == ("Measure", "This month", "95% interval", "Target", "Status",
                           "vs last month", "Last month")  # fmt: skip
    kpis = [r for r in rows[1:] if r[4] is not None]
    m = written["metrics"]
    assert len(kpis) == len(m.kpis)
    assert {r[4] for r in kpis} <= {"On track", "Watch", "Off track", "–"}
    assert all(r[5] == "–" or r[5] == "no change" or r[5][0] in "▲▼" for r in kpis)
    accuracy = next(r for r in kpis if r[0] == "Accuracy")
    value = float(m.kpis.set_index("kpi").loc["accuracy", "value"])
    assert accuracy[1] == f"{value:.1%}"
    notes = [r[0] for r in rows if r[0] and r[4] is None and r[1] is None]
    assert "Data through June 10 (7 of 22 working days)" in notes


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_summary_has_native_charts_with_cached_values(written):
    path = written["tracker"]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    charts = [n for n in names if n.startswith("xl/charts/chart")]
    trend = written["metrics"].trend.tail(summary.TREND_MONTHS)
    found = {}
    for name in charts:
        root = etree.fromstring(_part(path, name))
        for ser in root.iter(f"{NS_C}ser"):
            title = ser.find(f"{NS_C}tx/{NS_C}v").text
            cache = ser.find(f"{NS_C}val/{NS_C}numRef/{NS_C}numCache")
            found[title] = [float(v.text) for v in cache.iter(f"{NS_C}v")]
    assert found["Accuracy"] == pytest.approx(list(trend["accuracy"]))
    assert found["Items"] == pytest.approx(list(trend["items"]))
    assert "95% interval" in found and "Items per productive hour" in found


def test_every_lx_sheet_is_print_ready(written):
    path = written["tracker"]
    wb = etree.fromstring(_part(path, "xl/workbook.xml"))
    lx = [e.get("name") for e in wb.iter(f"{NS}sheet") if e.get("name").startswith("LX ")]
    titled = {e.text for e in wb.iter(f"{NS}definedName") if e.get("name") == "_xlnm.Print_Titles"}
    assert {f"'{n}'!$1:$1" for n in lx} <= titled
    book = openpyxl.load_workbook(path)
    for name in lx:
        ws = book[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.freeze_panes == "A2"
        assert ws.tables  # an Excel table: filter buttons on the header row
        assert "June 2026" in ws.oddHeader.center.text
        assert ws.oddHeader.right.text == "Data through June 10 (7 of 22 working days)"
    assert book["LX Summary"].page_setup.fitToHeight == 1


def test_requirements_open_and_overdue_by_requester_and_project(written):
    by = _table(written["tracker"], "LX Requirements")
    items = _table(written["tracker"], "LX Requirements Open")
    # Independent count from the Requirements sheet as typed: latest version per id.
    raw = pd.DataFrame(_rows(written["tracker"], "Requirements")[1:],
                       columns=_rows(written["tracker"], "Requirements")[0])  # fmt: skip
    raw = raw.dropna(subset=["req_id"])
    raw = raw.loc[pd.to_datetime(raw["received_date"]) <= pd.Timestamp(TODAY)]
    latest = raw.sort_values(["req_id", "version"]).groupby("req_id").tail(1)
    open_ = latest.loc[~latest["status"].isin(["Done", "Rejected"])]
    overdue = open_.loc[pd.to_datetime(open_["due_date"]) < pd.Timestamp(TODAY)]
    assert by["Open"].sum() == len(open_) > 0
    assert by["Overdue"].sum() == len(overdue)
    assert set(open_["req_id"]) <= set(items["Requirement"])
    ticked = set(items.loc[items["Overdue"] == "✓", "Requirement"])
    assert ticked == set(overdue["req_id"])
    assert {"Requested by", "Project ID", "Oldest open (days)", "New this month"} <= set(by)


def test_capacity_prints_its_assumptions_and_staff_have_their_own_sheet(written):
    """LX Capacity shows the inputs of the plan under it; QA/Lead/Trainer hours are on
    LX Staff Hours, never among the labelers."""
    m = written["metrics"]
    rows = _rows(written["tracker"], "LX Capacity")
    text = [str(r[0]) for r in rows if r and isinstance(r[0], str)]
    assert "Assumptions behind the plan:" in text
    for name in m.capacity.assumptions["assumption"]:
        assert any(t.startswith(f"{name}: ") for t in text), name
    shrinkage = next(t for t in text if t.startswith("shrinkage: "))
    assert "%" in shrinkage  # a share is shown as a percent
    staff = _table(written["tracker"], "LX Staff Hours")
    roles = set(staff[column_label("role")])
    assert roles and roles <= {"QA", "Lead", "Trainer"}
    labelers = set(_table(written["tracker"], "LX Labelers")[column_label("person_id")])
    assert not labelers & set(staff[column_label("person_id")])
