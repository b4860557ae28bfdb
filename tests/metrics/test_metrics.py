"""The metrics bundle agrees with the engines it gathers, on the demo organisation."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from labelxl.demo import generate_demo
from labelxl.metrics import compute, quality
from labelxl.metrics.bundle import reporting_month, team_trend
from labelxl.model.findings import Report
from labelxl.model.workspace import Workspace

END = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def ws() -> Workspace:
    demo = generate_demo(people=40, months=3, seed=3, end=END)
    return Workspace.from_frames(demo.frames, today=dt.date(2026, 7, 15))


@pytest.fixture(scope="module")
def metrics(ws):
    return compute(ws, report=Report())


def test_default_month_is_the_last_complete_one(ws, metrics):
    assert reporting_month(ws) == "2026-06" == metrics.month
    assert metrics.previous_month == "2026-05"


def test_kpis_equal_the_tables_they_summarise(ws, metrics):
    k = metrics.kpis.set_index("kpi")
    month = metrics.trend.set_index("period").loc["2026-06"]
    assert k.loc["items", "value"] == month["items"] == metrics.labelers["items"].sum()
    summary = quality.quality_summary(ws, "2026-06")
    assert k.loc["accuracy", "value"] == pytest.approx(summary["accuracy"])
    assert k.loc["accuracy", "ci_low"] == pytest.approx(summary["accuracy_ci_low"])
    assert k.loc["labelers_below", "value"] == (metrics.labelers["flag"] == "below").sum()
    assert k.loc["items", "previous"] == metrics.trend.set_index("period").loc["2026-05", "items"]


def test_trend_throughput_and_aht_follow_their_definitions(ws):
    trend = team_trend(ws)
    prod = ws.frame("Production")
    june = prod[prod["date"].dt.strftime("%Y-%m") == "2026-06"]
    row = trend.set_index("period").loc["2026-06"]
    assert row["aht_sec"] == pytest.approx(june["handle_minutes"].sum() * 60 / june["items"].sum())
    ts = ws.frame("Timesheet")
    ts = ts[(ts["date"].dt.strftime("%Y-%m") == "2026-06")]
    productive = ts.loc[ts["activity"].isin(["Labeling", "QA"]), "hours"].sum()
    assert row["throughput"] == pytest.approx(june["items"].sum() / productive)
    paid, leave = ts["hours"].sum(), ts.loc[ts["activity"] == "Leave", "hours"].sum()
    assert row["utilization"] == pytest.approx(productive / (paid - leave))
    assert row["shrinkage"] == pytest.approx(1 - productive / paid)


def test_weekly_quality_limits_contain_the_center(metrics):
    w = metrics.quality_weekly
    assert len(w) >= 12
    assert (w["lcl"] <= w["center"]).all() and (w["center"] <= w["ucl"]).all()
    assert ((w["ci_low"] <= w["accuracy"]) & (w["accuracy"] <= w["ci_high"])).all()


def test_labelers_table_has_the_lx_contract(metrics):
    need = {
        "person_id",
        "period",
        "items",
        "productive_hours",
        "throughput",
        "aht_sec",
        "audited",
        "correct",
        "accuracy",
        "ci_low",
        "ci_high",
        "flag",
    }
    assert need <= set(metrics.labelers.columns)
    assert set(metrics.labelers["flag"]) <= {"below", "above", "within", "insufficient"}
    # The coaching rule: below only when the whole interval is under the target.
    below = metrics.labelers[metrics.labelers["flag"] == "below"]
    assert (below["ci_high"] < below["target"]).all()


def test_projects_table_has_the_lx_contract(metrics):
    need = {
        "project_id",
        "period",
        "items",
        "target_volume",
        "sla",
        "accuracy",
        "forecast_finish",
        "rag",
    }
    assert need <= set(metrics.projects.columns)
    assert set(metrics.projects["rag"]) <= {"Red", "Amber", "Green", "No data"}


def test_history_extends_the_trend(tmp_path, ws):
    from labelxl.io import history

    old = pd.DataFrame({"period": ["2025-01"], "items": [123.0], "accuracy": [0.9]})
    history.save(tmp_path, "trend", old)
    m = compute(ws, report=Report(), stored_trend=history.load(tmp_path, "trend"))
    assert m.trend["period"].iloc[0] == "2025-01"
    assert np.isclose(m.trend["items"].iloc[0], 123.0)


def test_a_workspace_without_dates_is_a_clear_error():
    from labelxl.errors import MetricInputError

    with pytest.raises(MetricInputError, match="no month to report"):
        compute(Workspace.from_frames({}), report=Report())


def test_labelers_are_people_with_labeling_work_and_staff_hours_hold_the_rest(ws, metrics):
    # Issue 12, item 5: QA, Leads and Trainers appeared in LX Labelers with 0 items.
    roster = ws.frame("Roster").set_index("person_id")
    lab = metrics.labelers
    role = lab["person_id"].map(roster["role"])
    assert ((role == "Labeler") | (lab["items"] > 0) | (lab["audited"] > 0)).all()
    assert not ((role != "Labeler") & (lab["items"] == 0) & (lab["audited"] == 0)).any()
    staff = metrics.staff_hours
    assert set(staff["role"]) <= {"QA", "Lead", "Trainer"} and len(staff)
    assert not set(staff["person_id"]) & set(lab.loc[role == "Labeler", "person_id"])
    june = ws.frame("Timesheet")
    june = june[june["date"].dt.strftime("%Y-%m") == "2026-06"]
    qa = june[june["person_id"].isin(staff["person_id"])]
    assert staff["paid_hours"].sum() == pytest.approx(qa["hours"].sum())


def test_one_headcount_everywhere(metrics):
    k = metrics.kpis.set_index("kpi")
    assert k.loc["headcount", "value"] == metrics.headcount["headcount"].sum()
    assert "last day of the month" in metrics.headcount_definition


def test_first_month_has_no_changes(ws):
    # Issue 12, item 6: the first month with data is compared with nothing.
    m = compute(ws, "2026-04", report=Report())
    assert not m.previous_has_data
    assert m.kpis["previous"].isna().all() and m.kpis["change"].isna().all()
    later = compute(ws, "2026-05", report=Report())
    assert later.previous_has_data
    assert later.kpis.set_index("kpi").loc["items", "change"] is not None


def test_partial_month_prorates_the_items_target(ws):
    frames = {name: ws.frame(name).drop(columns="_row", errors="ignore") for name in ws.sheets}
    for name, col in (("Production", "date"), ("Audits", "audit_date"), ("Timesheet", "date")):
        frames[name] = frames[name][frames[name][col] <= pd.Timestamp("2026-06-10")]
    cut = Workspace.from_frames(frames, today=dt.date(2026, 7, 15))
    m = compute(cut, "2026-06", report=Report())
    assert (m.data_through, m.working_days, m.working_days_with_data) == (
        dt.date(2026, 6, 10),
        22,
        8,  # 1–10 June 2026: Mon 1 … Wed 10
    )
    assert m.partial
    projects = cut.frame("Projects")
    full = projects.loc[projects["status"] == "Active", "target_volume"].sum()
    assert m.kpis.set_index("kpi").loc["items", "target"] == pytest.approx(full * 8 / 22)
