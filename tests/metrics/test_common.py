"""Every public metric on edge inputs, and one month for all of them (issue 11, item 2).

Like scikit-learn's ``test_common``: each public metric runs on an empty workspace and on
a one-person workspace without a traceback (a MetricInputError with a clear message is
the only allowed refusal), and every metric that reports one month picks the same month
when given none: ``periods.resolve_month``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from labelxl.demo import generate_demo
from labelxl.errors import MetricInputError
from labelxl.metrics import (
    bundle,
    calibration,
    capacity,
    efficiency,
    hiring,
    hours,
    people,
    projects,
    quality,
    queues,
    requirements,
    wellbeing,
)
from labelxl.model.findings import Report
from labelxl.model.periods import resolve_month
from labelxl.model.workspace import Workspace

# Every public metric, called with the workspace alone (defaults for everything else).
METRICS: dict[str, Callable[[Workspace], Any]] = {
    "hours.working_hours": hours.working_hours,
    "hours.reconciliation": hours.reconciliation,
    "efficiency.efficiency": efficiency.efficiency,
    "efficiency.labeler_table": efficiency.labeler_table,
    "queues.sla": queues.sla,
    "people.headcount": people.headcount,
    "people.joiners_leavers": people.joiners_leavers,
    "people.tenure_bands": people.tenure_bands,
    "people.new_hire_ramp": people.new_hire_ramp,
    "projects.volume_plan": projects.volume_plan,
    "projects.project_status": projects.project_status,
    "wellbeing.exposure": wellbeing.exposure,
    "wellbeing.people_over_caps": wellbeing.people_over_caps,
    "wellbeing.rotation_suggestion": wellbeing.rotation_suggestion,
    "hiring.hiring_funnel": hiring.hiring_funnel,
    "hiring.time_to_hire": hiring.time_to_hire,
    "hiring.offer_acceptance": hiring.offer_acceptance,
    "hiring.interviewer_load": hiring.interviewer_load,
    "requirements.requirements_status": requirements.requirements_status,
    "requirements.change_history": requirements.change_history,
    "calibration.calibration_report": calibration.calibration_report,
    "capacity.capacity_plan": capacity.capacity_plan,
    "quality.audit_facts": quality.audit_facts,
    "quality.accuracy_table": lambda ws: quality.accuracy_table(ws, "person_id"),
    "quality.labeler_quality": quality.labeler_quality,
    "quality.error_pareto": quality.error_pareto,
    "quality.policy_precision_recall": quality.policy_precision_recall,
    "quality.confusion_matrix": quality.confusion_matrix,
    "quality.dispute_summary": quality.dispute_summary,
    "quality.auditor_strictness": quality.auditor_strictness,
    "quality.spc_by_project": quality.spc_by_project,
    "quality.sampling_plan": quality.sampling_plan,
    "quality.vendor_lot_plans": quality.vendor_lot_plans,
    "quality.quality_summary": quality.quality_summary,
    "bundle.team_trend": bundle.team_trend,
    "bundle.weekly_quality": bundle.weekly_quality,
    "bundle.compute": lambda ws: bundle.compute(ws, report=Report()),
}
# Refusals a user can act on, asserted by message.
REFUSALS = {
    ("empty", "bundle.compute"): "no month to report",
}
TODAY = dt.date(2026, 4, 20)


def _one_person() -> Workspace:
    days = pd.bdate_range("2026-03-02", "2026-03-31")
    frames = {
        "Roster": pd.DataFrame(
            {
                "person_id": ["L1"],
                "name": ["Ana"],
                "role": ["Labeler"],
                "market": ["US"],
                "languages": ["en"],
                "start_date": ["2025-01-06"],
                "status": ["Active"],
            }
        ),
        "Projects": pd.DataFrame(
            {
                "project_id": ["P1"],
                "project_name": ["Hate"],
                "market": ["US"],
                "language": ["en"],
                "policy_area": ["Hate"],
                "status": ["Active"],
                "start_date": ["2025-01-06"],
                "target_volume": [4000],
                "target_aht_sec": [60],
            }
        ),
        "Production": pd.DataFrame(
            {
                "date": days,
                "person_id": "L1",
                "project_id": "P1",
                "items": 200,
                "handle_minutes": 180,
            }
        ),
        "Timesheet": pd.DataFrame(
            {"date": days, "person_id": "L1", "activity": "Labeling", "hours": 7.5}
        ),
        "Audits": pd.DataFrame(
            {
                "audit_date": days,
                "item_id": [f"I{i}" for i in range(len(days))],
                "project_id": "P1",
                "person_id": "L1",
                "auditor_id": "Q9",
                "labeler_decision": "Approve",
                "auditor_decision": ["Approve"] * (len(days) - 2) + ["Remove"] * 2,
            }
        ),
    }
    return Workspace.from_frames(frames, today=TODAY)


CASES = {"empty": lambda: Workspace.from_frames({}, today=TODAY), "one person": _one_person}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", list(METRICS))
def test_every_metric_runs_on_edge_workspaces(case: str, name: str) -> None:
    ws = CASES[case]()
    refusal = REFUSALS.get((case, name))
    if refusal is not None:
        with pytest.raises(MetricInputError, match=refusal):
            METRICS[name](ws)
        return
    out = METRICS[name](ws)
    if isinstance(out, pd.DataFrame) and name != "quality.confusion_matrix":
        assert len(out.columns) > 0  # an empty result still names its columns


@pytest.fixture(scope="module")
def demo() -> Workspace:
    frames = generate_demo(people=40, months=3, seed=5, end=dt.date(2026, 6, 30)).frames
    # Today is mid-July: July has no data, so the reporting month is June.
    return Workspace.from_frames(frames, today=dt.date(2026, 7, 15))


def test_every_month_picking_metric_picks_the_same_month(demo: Workspace) -> None:
    month = resolve_month(demo, None)
    assert month == "2026-06"
    picked = {
        "compute": bundle.compute(demo, report=Report()).month,
        "project_status": set(projects.project_status(demo)["period"]),
        "capacity_plan (base)": capacity.capacity_plan(demo).base_month,
        "quality_summary": quality.quality_summary(demo)["month"],
        "sampling_plan": set(quality.sampling_plan(demo)["month"]),
        "vendor_lot_plans": set(quality.vendor_lot_plans(demo)["month"]) or {month},
    }
    for name, got in picked.items():
        assert got in (month, {month}), name
    # Metrics whose output carries no month: same result as with the month given.
    same = {
        "headcount": people.headcount,
        "volume_plan": projects.volume_plan,
        "people_over_caps": wellbeing.people_over_caps,
        "rotation_suggestion": wellbeing.rotation_suggestion,
    }
    for name, fn in same.items():
        pd.testing.assert_frame_equal(fn(demo), fn(demo, month), obj=name)
    assert capacity.capacity_plan(demo).month == "2026-07"  # plans the month after


def test_one_label_for_a_missing_dimension() -> None:
    from labelxl.metrics import _common
    from labelxl.model.dimensions import UNASSIGNED

    assert _common.UNASSIGNED is UNASSIGNED is hours.UNASSIGNED
    assert requirements.UNASSIGNED_PROJECT is UNASSIGNED
    ws = _one_person()
    ws.frame("Roster")["market"] = None  # a person with a blank market
    by_hours = hours.working_hours(ws, "market")
    by_people = people.headcount(ws, "2026-03", by=("market",))
    assert list(by_hours["market"]) == list(by_people["market"]) == [UNASSIGNED]
