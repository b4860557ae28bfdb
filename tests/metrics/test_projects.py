"""Tests for labelxl.metrics.projects: volume vs plan, forecast band, accuracy, RAG reasons."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.metrics.projects import (
    RAG_RULES,
    STATUS_COLUMNS,
    _rag,
    project_status,
    rag_rules,
    volume_plan,
)
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

TODAY = dt.date(2026, 3, 16)  # a Monday: 11 of March's 22 working days have elapsed
WINDOW = pd.bdate_range("2026-02-16", "2026-03-16")  # 21 working days of production

# project_id: (status, start, end, items per working day)
SPEC = {
    "GREEN": ("Active", "2026-01-01", None, 100),
    "SLA_RED": ("Active", "2026-01-01", None, 100),
    "SLA_AMB": ("Active", "2026-01-01", None, 100),
    "ACC_RED": ("Active", "2026-01-01", None, 100),
    "ACC_AMB": ("Active", "2026-01-01", None, 100),
    "ACC_SMALL": ("Active", "2026-01-01", None, 100),
    "VOL_RED": ("Active", "2026-01-01", None, 70),
    "VOL_AMB": ("Active", "2026-01-01", None, 90),
    "CLOSED": ("Closed", "2026-01-01", None, 0),
    "PAUSED": ("Paused", "2026-01-01", None, 0),
    "DEADLINE": ("Active", "2026-01-01", "2026-03-31", 100),
    "DEAD_AMB": ("Active", "2026-03-01", "2026-04-30", None),  # alternating 50 / 150
}
SLA = {"GREEN": 0.96, "SLA_RED": 0.89, "SLA_AMB": 0.93, "CLOSED": 0.80}
ACCURACY = pd.DataFrame(
    [
        ("GREEN", 0.97, 0.95, 0.99, 100),
        ("ACC_RED", 0.90, 0.85, 0.94, 200),
        ("ACC_AMB", 0.94, 0.90, 0.97, 100),
        ("ACC_SMALL", 0.90, 0.70, 0.97, 10),
    ],
    columns=["project_id", "accuracy", "ci_low", "ci_high", "audited"],
)


def production() -> pd.DataFrame:
    rows = []
    for pid, (_, _, _, rate) in SPEC.items():
        for i, d in enumerate(WINDOW):
            if rate is None:  # DEAD_AMB works from 2 March only
                if d >= pd.Timestamp("2026-03-02"):
                    rows.append((d, "A", pid, 50 if i % 2 == 0 else 150, 60))
            elif rate:
                rows.append((d, "A", pid, rate, 60))
    return pd.DataFrame(
        rows, columns=["date", "person_id", "project_id", "items", "handle_minutes"]
    )


def queue() -> pd.DataFrame:
    return pd.DataFrame(
        [("2026-03-02", pid, 1000, 1000, 0, round(1000 * s)) for pid, s in SLA.items()],
        columns=["date", "project_id", "items_in", "items_done", "backlog_end", "done_within_sla"],
    )


def projects_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": list(SPEC),
            "project_name": [p.title() for p in SPEC],
            "market": "US",
            "language": "en",
            "policy_area": "Hate",
            "status": [v[0] for v in SPEC.values()],
            "start_date": [v[1] for v in SPEC.values()],
            "end_date": [v[2] for v in SPEC.values()],
            "target_volume": 2200.0,
        }
    )


def workspace(**extra: pd.DataFrame) -> Workspace:
    frames = {"Projects": projects_frame(), "Production": production(), "Queue": queue()}
    frames.update(extra)
    return Workspace.from_frames(frames, settings=Settings(), today=TODAY)


def nth_working_day_after(day: str, n: int) -> pd.Timestamp:
    return pd.bdate_range(pd.Timestamp(day) + pd.Timedelta(days=1), periods=n)[-1]


@pytest.fixture(scope="module")
def status() -> pd.DataFrame:
    return project_status(workspace(), "2026-03", accuracy=ACCURACY).set_index("project_id")


def test_rag_and_reasons(status):
    got = {pid: (r.rag, r.reasons) for pid, r in status.iterrows()}
    assert got["GREEN"] == ("Green", "")
    assert got["SLA_RED"] == ("Red", "SLA 89% < 90% (target 95% − 5 pp)")
    assert got["SLA_AMB"] == ("Amber", "SLA 93% < 95% target")
    assert got["ACC_RED"] == ("Red", "accuracy 90% (CI 85%–94%) < 95% target")
    assert got["ACC_AMB"] == ("Amber", "accuracy 94% < 95% target")
    assert got["ACC_SMALL"] == ("Green", "")  # 10 audits: noise, not a signal
    assert got["VOL_RED"] == ("Red", "volume 70% of plan < 80%")
    assert got["VOL_AMB"] == ("Amber", "volume 90% of plan < 95%")
    assert got["CLOSED"] == ("Amber", "SLA 80% < 90% (target 95% − 5 pp)")  # never Red
    # No volume rule while paused; nothing measured (no items, audits, SLA) → "No data",
    # never Green (issue 12, item 7).
    assert got["PAUSED"] == ("No data", "")
    finish = nth_working_day_after("2026-03-16", 45).strftime("%Y-%m-%d")
    assert got["DEADLINE"] == ("Red", f"fast forecast {finish} after end 2026-03-31")
    late = nth_working_day_after("2026-03-16", 36).strftime("%Y-%m-%d")
    assert got["DEAD_AMB"] == ("Amber", f"forecast {late} after end 2026-04-30")


def test_volume_prorated_to_elapsed_working_days(status):
    assert status.loc["GREEN", "plan_to_date"] == pytest.approx(2200 * 11 / 22)
    assert status.loc["GREEN", "items"] == 1100
    assert status.loc["VOL_RED", "volume_vs_plan"] == pytest.approx(770 / 1100)
    past = volume_plan(workspace(), "2026-02").set_index("project_id")
    assert past.loc["GREEN", "plan_to_date"] == 2200  # a past month counts in full
    assert past.loc["GREEN", "items"] == 1000  # 16–27 February
    assert past.loc["DEAD_AMB", "plan_to_date"] == 0  # not started in February
    assert np.isnan(past.loc["DEAD_AMB", "volume_vs_plan"])
    future = volume_plan(workspace(), "2026-05")
    assert future["volume_vs_plan"].isna().all()


def test_remaining_volume_burn_and_forecast_band(status):
    # DEADLINE: Jan–Mar at 2200 a month = 6600, minus 21 days × 100 done.
    d = status.loc["DEADLINE"]
    assert d["done_to_date"] == 2100 and d["remaining_volume"] == 4500
    assert d["burn_rate"] == pytest.approx(100)
    assert d["forecast_finish"] == d["forecast_low"] == d["forecast_high"]
    # DEAD_AMB: 1 Mar–30 Apr = 4400; 11 days alternating 50/150 from 2 March.
    daily = np.array([50 if i % 2 == 0 else 150 for i in range(10, 21)], dtype=float)
    a = status.loc["DEAD_AMB"]
    assert a["done_to_date"] == daily.sum()
    assert a["remaining_volume"] == 4400 - daily.sum()
    assert a["burn_rate"] == pytest.approx(daily.mean())
    rem = 4400 - daily.sum()
    p10, p90 = np.quantile(daily, [0.1, 0.9])
    assert a["forecast_low"] == nth_working_day_after("2026-03-16", int(np.ceil(rem / p90)))
    assert a["forecast_high"] == nth_working_day_after("2026-03-16", int(np.ceil(rem / p10)))
    assert a["forecast_low"] <= a["forecast_finish"] <= a["forecast_high"]
    assert np.isnan(status.loc["GREEN", "remaining_volume"])  # no end date: no total


def test_life_target_prorates_partial_months():
    frame = projects_frame()
    frame.loc[frame["project_id"] == "GREEN", ["start_date", "end_date"]] = [
        "2026-03-16",
        "2026-04-30",
    ]
    ws = Workspace.from_frames({"Projects": frame, "Production": production()}, today=TODAY)
    out = project_status(ws, "2026-03", accuracy=ACCURACY).set_index("project_id")
    # March: 12 of 22 working days from the 16th; April in full. Done: 100 on 16 March
    # plus the 2000 made before the start date (done counts all production).
    total = 2200 * 12 / 22 + 2200
    assert out.loc["GREEN", "remaining_volume"] == pytest.approx(total - 2100)


def test_weekend_output_counts_for_the_friday_before():
    prod = pd.DataFrame(
        {
            "date": ["2026-03-13", "2026-03-14"],
            "person_id": "A",
            "project_id": "GREEN",
            "items": [100, 300],
            "handle_minutes": 1,
        }
    )
    ws = Workspace.from_frames({"Projects": projects_frame(), "Production": prod}, today=TODAY)
    out = project_status(ws, "2026-03", accuracy=ACCURACY).set_index("project_id")
    assert out.loc["GREEN", "burn_rate"] == pytest.approx(400 / 20)


def test_accuracy_fallback_from_audits_uses_wilson():
    intervals = pytest.importorskip("labelxl.stats.intervals")
    n, wrong, overturned = 40, 4, 2
    audits = pd.DataFrame(
        {
            "audit_id": [f"a{i}" for i in range(n)],
            "audit_date": "2026-03-05",
            "item_id": "i",
            "project_id": "GREEN",
            "person_id": "A",
            "auditor_id": "Q",
            "labeler_decision": ["Violating"] * wrong + ["Allowed"] * (n - wrong),
            "auditor_decision": "Allowed",
            "disputed": ["yes"] * overturned + ["no"] * (n - overturned),
            "dispute_outcome": ["Overturned"] * overturned + [None] * (n - overturned),
        }
    )
    out = project_status(workspace(Audits=audits), "2026-03").set_index("project_id")
    correct = n - wrong + overturned
    low, high = intervals.wilson_interval(correct, n, 0.95)
    g = out.loc["GREEN"]
    assert (g["accuracy"], g["audited"]) == (correct / n, n)
    assert (g["accuracy_low"], g["accuracy_high"]) == (pytest.approx(low), pytest.approx(high))
    assert out.loc["SLA_RED", "audited"] == 0 and np.isnan(out.loc["SLA_RED", "accuracy"])


def test_degenerate_inputs():
    ws = Workspace.from_frames({}, today=TODAY)
    out = project_status(ws, accuracy=ACCURACY.iloc[:0])
    assert out.empty and list(out.columns) == list(STATUS_COLUMNS)
    bare = projects_frame().drop(columns=["target_volume", "end_date"])
    ws = Workspace.from_frames({"Projects": bare}, today=TODAY)
    out = project_status(ws, month="2026-03", accuracy=ACCURACY.iloc[:0])
    assert out["volume_vs_plan"].isna().all() and out["remaining_volume"].isna().all()
    assert set(out["rag"]) == {"No data"}  # nothing measured is never Green (issue 12)
    with pytest.raises(MetricInputError, match="month must look like"):
        project_status(ws, month="March", accuracy=ACCURACY)


def test_rules_table_lists_every_rule():
    table = rag_rules()
    assert list(table["code"]) == [r.code for r in RAG_RULES] + ["green", "no-data"]
    assert set(table["colour"]) == {"Red", "Amber", "Green", "No data"}


def independent_rag(r: dict, s: Settings) -> str:
    """The RAG rules re-implemented row by row from the docs' rules table."""
    red = amber = False
    # docs/operations.md: "volume rules need data" — nothing measured is No data, not 0% of plan
    measured = (r["items"] or 0) > 0 or r["audited"] > 0 or pd.notna(r["sla"])
    sla_ = r["sla"]
    if sla_ < s.sla_target - 0.05:
        red = True
    elif sla_ < s.sla_target:
        amber = True
    if r["accuracy_high"] < r["accuracy_target"]:
        red = True
    elif r["audited"] >= s.min_audit_sample and r["accuracy"] < r["accuracy_target"]:
        amber = True
    if r["status"] == "Active" and measured:
        if r["volume_vs_plan"] < 0.8:
            red = True
        elif r["volume_vs_plan"] < 0.95:
            amber = True
    if (
        r["status"] in ("Active", "Paused")
        and r["remaining_volume"] > 0
        and not pd.isna(r["end_date"])
    ):
        end = r["end_date"]
        if r["rate_high"] == 0 or (not pd.isna(r["forecast_low"]) and r["forecast_low"] > end):
            red = True
        elif r["burn_rate"] == 0 or (
            not pd.isna(r["forecast_finish"]) and r["forecast_finish"] > end
        ):
            amber = True
    if red and r["status"] != "Closed":
        return "Red"
    if red or amber:
        return "Amber"
    return "Green" if measured else "No data"


MAYBE = st.one_of(st.none(), st.floats(0, 1.2))
DATE = st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
ROW = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["Active", "Paused", "Planned", "Closed"]),
        "items": st.one_of(st.none(), st.integers(0, 3)),
        "sla": MAYBE,
        "accuracy": MAYBE,
        "accuracy_high": MAYBE,
        "accuracy_low": MAYBE,
        "accuracy_target": st.floats(0.8, 0.99),
        "audited": st.integers(0, 100),
        "volume_vs_plan": MAYBE,
        "remaining_volume": st.one_of(st.none(), st.floats(0, 1e4)),
        "burn_rate": st.one_of(st.none(), st.floats(0, 100)),
        "rate_high": st.floats(0, 100),
        "end_date": DATE,
        "forecast_low": DATE,
        "forecast_finish": DATE,
    }
)


@settings(max_examples=80, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=8))
def test_rag_agrees_with_independent_rules(rows):
    frame = pd.DataFrame(rows)
    for col in ("end_date", "forecast_low", "forecast_finish"):
        frame[col] = pd.to_datetime(frame[col])
    for col in (
        "sla",
        "accuracy",
        "accuracy_high",
        "accuracy_low",
        "volume_vs_plan",
        "remaining_volume",
        "burn_rate",
    ):
        frame[col] = frame[col].astype("float64")
    frame["forecast_high"] = frame["forecast_finish"]
    s = Settings()
    rag, reasons, _codes = _rag(frame, s)
    expected = [independent_rag(r, s) for r in frame.to_dict("records")]
    assert list(rag) == expected
    quiet = ("Green", "No data")
    assert all((c in quiet) == (text == "") for c, text in zip(rag, reasons, strict=True))
    assert "Red" not in set(rag[frame["status"] == "Closed"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=20, max_size=20), st.integers(0, 20000))
def test_forecast_band_is_ordered(daily, target):
    prod = pd.DataFrame(
        {
            "date": pd.bdate_range(end="2026-03-16", periods=20),
            "person_id": "A",
            "project_id": "DEADLINE",
            "items": daily,
            "handle_minutes": 1,
        }
    )
    frame = projects_frame()
    frame["target_volume"] = float(target)
    ws = Workspace.from_frames({"Projects": frame, "Production": prod}, today=TODAY)
    r = project_status(ws, "2026-03", accuracy=ACCURACY).set_index("project_id").loc["DEADLINE"]
    assert r["remaining_volume"] == max(0.0, 3 * target - sum(daily))
    if r["forecast_high"] is not pd.NaT:
        assert r["forecast_low"] <= r["forecast_finish"] <= r["forecast_high"]
    if r["remaining_volume"] == 0:
        assert r["forecast_finish"] == pd.Timestamp(TODAY)


def test_stalled_project_with_a_deadline_is_red():
    frame = projects_frame()
    ws = Workspace.from_frames(
        {"Projects": frame, "Production": production().iloc[:0]}, today=TODAY
    )
    out = project_status(ws, "2026-03", accuracy=ACCURACY).set_index("project_id")
    assert out.loc["DEADLINE", "rag"] == "Red"
    assert out.loc["DEADLINE", "burn_rate"] == 0
    assert out.loc["DEADLINE", "forecast_finish"] is pd.NaT
    assert (
        "fast forecast: no output in 20 working days, end 2026-03-31"
        in (out.loc["DEADLINE", "reasons"])
    )


def test_reasons_keep_the_decimal_that_decides_the_colour():
    from labelxl.metrics.projects import _pct

    assert (_pct(0.955), _pct(0.96), _pct(0.9)) == ("95.5%", "96%", "90%")


def test_reasons_show_the_decimals_that_decide() -> None:
    from labelxl.metrics.projects import _pct_vs

    # Issue 12: "accuracy 95% < 95% target" hid the decimal that decided.
    assert _pct_vs(0.9496, 0.95) == "94.96%"
    assert _pct_vs(0.94996, 0.95) == "94.996%"
    assert _pct_vs(0.93, 0.95) == "93%"
    assert _pct_vs(0.955, 0.96) == "95.5%"


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 0.99989), st.floats(0.0001, 1))
def test_a_value_below_its_target_never_reads_as_the_target(x: float, target: float) -> None:
    from labelxl.metrics.projects import _pct_vs

    target = round(target, 4)  # targets are typed as whole or decimal percentages
    if round(x, 6) < target:
        assert _pct_vs(x, target) != _pct_vs(target, x)


def test_no_data_project_is_grey_with_a_forecast_note() -> None:
    frame = projects_frame()
    frame.loc[len(frame)] = {
        "project_id": "NEW",
        "project_name": "New",
        "market": "US",
        "language": "en",
        "policy_area": "Hate",
        "status": "Active",
        "start_date": "2026-01-01",
        "end_date": None,
        "target_volume": None,
    }
    ws = Workspace.from_frames({"Projects": frame, "Production": production()}, today=TODAY)
    out = project_status(ws, "2026-03", accuracy=ACCURACY).set_index("project_id")
    assert out.loc["NEW", "rag"] == "No data"
    assert (
        "Green" not in set(out.loc[out["items"] == 0, "rag"]) - {"Red", "Amber"}
        or (out.loc[(out["items"] == 0) & (out["rag"] == "Green"), "audited"] > 0).all()
    )
    notes = out["forecast_note"]
    assert notes["NEW"].startswith("ongoing: no end date")
    assert notes["DEADLINE"] == "" and pd.notna(out.loc["DEADLINE", "forecast_finish"])
    assert (notes.eq("") == out["forecast_finish"].notna()).all()


def test_plan_is_prorated_to_the_data_window() -> None:
    # A past month whose data stop on the 10th is judged on the 10th, not on the 31st.
    prod = production()
    prod = prod.loc[prod["date"] <= "2026-03-10"]
    ws = Workspace.from_frames(
        {"Projects": projects_frame(), "Production": prod}, today=dt.date(2026, 5, 1)
    )
    out = project_status(ws, "2026-03", accuracy=ACCURACY).set_index("project_id")
    # 1–10 March 2026 holds 7 working days of March's 22.
    assert out.loc["GREEN", "plan_to_date"] == pytest.approx(2200 * 7 / 22)
    assert out.loc["GREEN", "volume_vs_plan"] == pytest.approx(700 / (2200 * 7 / 22))
    assert out.loc["GREEN", "rag"] == "Green"
