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
