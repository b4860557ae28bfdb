"""Team trends: monthly team totals and the weekly quality p-chart behind the deck's charts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.metrics import efficiency, hours, people, quality, queues
from labelxl.metrics._common import weights
from labelxl.model.incremental import reuse
from labelxl.model.periods import period_of
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import wilson_arrays
from labelxl.stats.spc import p_chart


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def team_trend(ws: Workspace) -> pd.DataFrame:
    """Team totals per month (see ``Metrics.trend``)."""
    lab = reuse(ws, efficiency.labeler_table, "month")
    prod = lab.groupby("period")[["items", "handle_hours", "productive_hours"]].sum()
    months = sorted(
        set(prod.index) | set(period_of(ws.frame("Audits")["audit_date"].dropna(), "month"))
    )
    out = pd.DataFrame({"period": pd.Series(months, dtype=object)})
    out = out.merge(prod.reset_index(), on="period", how="left")
    out["throughput"] = [
        _ratio(i, h)
        for i, h in zip(out["items"].fillna(0), out["productive_hours"].fillna(0), strict=True)
    ]
    out["aht_sec"] = [
        _ratio(h * 3600, i)
        for h, i in zip(out["handle_hours"].fillna(0), out["items"].fillna(0), strict=True)
    ]
    acc = reuse(ws, monthly_audits)
    audited = out["period"].map(acc["size"]).fillna(0).astype("int64")
    correct = out["period"].map(acc["sum"]).fillna(0).astype("int64")
    low, high = wilson_arrays(correct.to_numpy(), audited.to_numpy(), ws.settings.confidence)
    out["audited"], out["correct"] = audited, correct
    out["accuracy"] = (correct / audited.where(audited > 0)).astype("float64")
    out["ci_low"] = np.where(audited > 0, low, np.nan)
    out["ci_high"] = np.where(audited > 0, high, np.nan)
    sla = reuse(ws, queues.sla, "project_id", "month")
    if not sla.empty:
        s = sla.groupby("period")[["items_done", "done_within_sla"]].sum()
        s["sla"] = s["done_within_sla"] / s["items_done"].where(s["items_done"] > 0)
        out["sla"] = out["period"].map(s["sla"])
    else:
        out["sla"] = np.nan
    wh = reuse(ws, hours.working_hours, "person_id", "month")
    if not wh.empty:
        h = wh.groupby("period")[["paid_hours", "productive_hours", "leave_hours"]].sum()
        out["utilization"] = out["period"].map(
            h["productive_hours"] / (h["paid_hours"] - h["leave_hours"]).where(lambda d: d > 0)
        )
        out["shrinkage"] = out["period"].map(
            1 - h["productive_hours"] / h["paid_hours"].where(lambda d: d > 0)
        )
    else:
        out["utilization"] = np.nan
        out["shrinkage"] = np.nan
    out["headcount"] = [
        int(reuse(ws, people.headcount, m, by=("market",))["headcount"].sum()) for m in months
    ]
    return out


def monthly_audits(ws: Workspace) -> pd.DataFrame:
    """Audits per month: ``size`` (weighted count) and ``sum`` (weighted correct)."""
    facts = quality.audit_facts(ws)
    w = weights(facts)
    per = pd.DataFrame(
        {
            "period": period_of(facts["audit_date"], "month").to_numpy(),
            "size": w,
            "sum": facts["correct"].to_numpy() * w,
        }
    )
    return per.groupby("period")[["size", "sum"]].sum()


def weekly_quality(ws: Workspace) -> pd.DataFrame:
    """Team accuracy per ISO week with Wilson intervals and p-chart limits of the error rate."""
    facts = quality.audit_facts(ws)
    cols = [
        "period",
        "audited",
        "errors",
        "accuracy",
        "ci_low",
        "ci_high",
        "p",
        "center",
        "lcl",
        "ucl",
        "out_of_control",
    ]
    if facts.empty:
        return pd.DataFrame(columns=cols)
    week = period_of(facts["audit_date"], "week")
    w = weights(facts)
    g = pd.DataFrame({"period": week.to_numpy(), "size": w, "sum": facts["correct"].to_numpy() * w})
    agg = g.groupby("period")[["size", "sum"]].sum().reset_index()
    agg.columns = ["period", "audited", "correct"]
    agg["errors"] = agg["audited"] - agg["correct"]
    agg["accuracy"] = agg["correct"] / agg["audited"]
    low, high = wilson_arrays(
        agg["correct"].to_numpy(), agg["audited"].to_numpy(), ws.settings.confidence
    )
    agg["ci_low"], agg["ci_high"] = low, high
    chart = p_chart(agg["errors"].to_numpy(), agg["audited"].to_numpy())
    for c in ("p", "center", "lcl", "ucl", "out_of_control"):
        agg[c] = chart[c].to_numpy()
    return agg[cols]
