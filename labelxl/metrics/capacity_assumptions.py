"""The assumptions behind a capacity plan, as a table to print next to the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labelxl.model.workspace import Workspace

if TYPE_CHECKING:
    from labelxl.metrics.capacity import CapacityPlan

ASSUMPTION_COLUMNS = ("assumption", "value", "unit", "source")


def _sources(series: pd.Series) -> str:
    counts = series.value_counts()
    return ", ".join(f"{k} × {v}" for k, v in counts.items())


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & weights.notna() & (weights > 0)
    if not ok.any():
        return float("nan")
    return float((values[ok] * weights[ok]).sum() / weights[ok].sum())


def assumptions_table(
    plan: CapacityPlan,
    ws: Workspace,
    shrink: dict[str, tuple[float, str]],
    occupancy: tuple[float, str],
    available: pd.DataFrame,
    holidays_by_market: dict[str, np.ndarray],
) -> pd.DataFrame:
    """One row per assumption: ``assumption``, ``value``, ``unit``, ``source``.

    Sources are words a manager reads next to the result (the deck prints them), not code
    names.

    Rows: plan month, base month, working days, hours per FTE, planned volume, AHT
    (volume-weighted), shrinkage (team), batch occupancy, realtime occupancy cap and
    service level, public holidays per market, planned leave, who counts as available,
    available people and FTE, required FTE and the gap.
    """
    from labelxl.metrics.capacity import AVAILABLE_ROLE

    s = ws.settings
    p = plan.by_project
    m = plan.by_market_language
    team_shrink = shrink.get("", (s.planned_shrinkage, "settings"))
    holidays = ", ".join(f"{k} {len(v)}" for k, v in sorted(holidays_by_market.items()) if len(v))
    rows: list[tuple[str, object, str, str]] = [
        ("plan month", plan.month, "month", "the month after the base month"),
        (
            "base month",
            plan.base_month,
            "month",
            "the reporting month: the last complete month of the data",
        ),
        ("working days", plan.working_days, "days", "Monday–Friday of the plan month"),
        (
            "hours per FTE",
            plan.hours_per_fte,
            "hours",
            f"Settings: {s.hours_per_fte_week:g} hours a week × working days / 5",
        ),
        ("volume", float(p["volume"].sum()), "items", _sources(p["volume_source"])),
        (
            "AHT",
            _weighted(p["aht_sec"], p["volume"]),
            "seconds",
            "volume-weighted; " + _sources(p["aht_source"]),
        ),
        (
            "shrinkage",
            team_shrink[0],
            "share",
            f"{team_shrink[1]}: 1 − (Labeling + QA) / (paid − Leave) of the {AVAILABLE_ROLE}s",
        ),
        ("batch occupancy", occupancy[0], "share", occupancy[1]),
        ("realtime occupancy cap", s.target_occupancy, "share", "Settings: target occupancy"),
        (
            "realtime service level",
            s.service_level_target,
            "share",
            f"Settings: within {s.service_level_seconds:g} s (Erlang C on the average load)",
        ),
        ("public holidays", holidays or "none", "weekdays", "holidays library, by market"),
        (
            "planned leave",
            float(available["leave_hours"].sum()) if len(available) else 0.0,
            "hours",
            "Timesheet Leave rows dated in the plan month",
        ),
        (
            "who counts as available",
            f"role {AVAILABLE_ROLE}, status not Left or Leave",
            "",
            "Roster; QA, Lead and Trainer hours are not labeling capacity",
        ),
        ("available people", len(available), "people", "Roster"),
        (
            "available FTE",
            float(m["available_fte"].sum()) if len(m) else 0.0,
            "FTE",
            "fte × available weekdays / working days − leave / hours per FTE",
        ),
        (
            "required FTE",
            float(p["required_fte"].sum(min_count=1)) if len(p) else 0.0,
            "FTE",
            "batch: workload / (hours per FTE × (1 − shrinkage) × occupancy); "
            "realtime: Erlang C agents / (1 − shrinkage)",
        ),
        (
            "gap",
            float(m["gap_fte"].sum(min_count=1)) if len(m) else 0.0,
            "FTE",
            "required − available, summed over market/language",
        ),
    ]
    return pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS))
