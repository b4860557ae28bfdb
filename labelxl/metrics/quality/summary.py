"""The headline quality numbers of one month, for the summary sheet and the deck."""

from __future__ import annotations

from typing import Any

import pandas as pd

from labelxl.metrics._common import weights
from labelxl.metrics.quality.accuracy import _labeler_table
from labelxl.metrics.quality.errors import dispute_summary
from labelxl.metrics.quality.facts import audit_facts
from labelxl.metrics.quality.sampling import _production_month
from labelxl.model.periods import resolve_month
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import wilson_arrays
from labelxl.stats.stratified import stratified_accuracy

# --------------------------------------------------------------------------- summary


def quality_summary(ws: Workspace, month: str | None = None) -> dict[str, Any]:
    """Headline quality numbers of ``month`` (default: ``periods.resolve_month``).

    Keys: month, confidence, audits, correct, errors, accuracy, accuracy_ci_low,
    accuracy_ci_high, error_rate, weighted_score; stratified_accuracy, stratified_se,
    stratified_ci_low, stratified_ci_high, stratified_coverage (projects as strata,
    weighted by the month's Production items); disputes, disputes_decided, overturn_rate,
    overturn_ci_low, overturn_ci_high; labelers, labelers_insufficient, labelers_below,
    labelers_above, share_below, share_above (shares of labelers with a sufficient
    sample). A value that cannot be computed (no audits, no production) is None.
    """
    month = resolve_month(ws, month)
    s = ws.settings
    facts = audit_facts(ws, month)
    out: dict[str, Any] = {"month": month, "confidence": s.confidence}
    w = weights(facts)
    n = int(w.sum())
    correct = int((facts["correct"].to_numpy() * w).sum())
    out.update(audits=n, correct=correct, errors=n - correct)
    if n:
        low, high = wilson_arrays(correct, n, s.confidence)
        max_weight = max(s.severity_weights().values())
        out.update(
            accuracy=correct / n,
            accuracy_ci_low=float(low),
            accuracy_ci_high=float(high),
            error_rate=(n - correct) / n,
            weighted_score=(
                1.0 - float((facts["error_weight"].to_numpy() * w).sum()) / (n * max_weight)
                if max_weight > 0
                else 1.0
            ),
        )
    else:
        out.update(
            accuracy=None,
            accuracy_ci_low=None,
            accuracy_ci_high=None,
            error_rate=None,
            weighted_score=None,
        )

    strat = dict.fromkeys(
        (
            "stratified_accuracy",
            "stratified_se",
            "stratified_ci_low",
            "stratified_ci_high",
            "stratified_coverage",
        )
    )
    prod, _ = _production_month(ws, month)
    if n and len(prod):
        volume = prod.groupby("project_id")["items"].sum()
        counted = pd.DataFrame(
            {"project_id": facts["project_id"], "size": w, "sum": facts["correct"].to_numpy() * w}
        )
        per = counted.groupby("project_id", observed=True)[["size", "sum"]].sum()
        per.index = per.index.astype(object)
        strata = pd.DataFrame({"volume": volume}).join(per, how="outer").fillna(0)
        strata.columns = ["volume", "audited", "correct"]
        if (strata.loc[strata["audited"] > 0, "volume"] > 0).any():
            est = stratified_accuracy(strata, s.confidence)
            strat = {
                "stratified_accuracy": est.estimate,
                "stratified_se": est.standard_error,
                "stratified_ci_low": est.ci_low,
                "stratified_ci_high": est.ci_high,
                "stratified_coverage": est.coverage,
            }
    out.update(strat)

    disputes = dispute_summary(ws, None, month).iloc[0]
    decided = int(disputes["decided"])
    out.update(
        disputes=int(disputes["disputed"]),
        disputes_decided=decided,
        overturn_rate=float(disputes["overturn_rate"]) if decided else None,
        overturn_ci_low=float(disputes["ci_low"]) if decided else None,
        overturn_ci_high=float(disputes["ci_high"]) if decided else None,
    )

    people = _labeler_table(facts, None, ws)
    enough = people[people["flag"] != "insufficient"]
    below = int((enough["flag"] == "below").sum())
    above = int((enough["flag"] == "above").sum())
    out.update(
        labelers=len(people),
        labelers_insufficient=len(people) - len(enough),
        labelers_below=below,
        labelers_above=above,
        share_below=below / len(enough) if len(enough) else None,
        share_above=above / len(enough) if len(enough) else None,
    )
    return out
