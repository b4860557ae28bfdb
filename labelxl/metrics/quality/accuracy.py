"""Accuracy with Wilson intervals per group and period, the coaching flag, p-charts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics.quality.facts import (
    ACCURACY_COLUMNS,
    BY_CHOICES,
    Freq,
    _check_by,
    _check_freq,
    _rollup,
    audit_facts,
)
from labelxl.model import dimensions
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import wilson_arrays
from labelxl.stats.spc import p_chart_limits


def _accuracy_stats(counts: pd.DataFrame, ws: Workspace) -> pd.DataFrame:
    """Accuracy columns from ``audited``, ``correct`` and ``error_weight`` counts."""
    s = ws.settings
    audited = counts["audited"].to_numpy(dtype="float64")
    correct = counts["correct"].to_numpy(dtype="float64")
    low, high = wilson_arrays(correct, audited, s.confidence)
    max_weight = max(s.severity_weights().values())
    with np.errstate(divide="ignore", invalid="ignore"):
        accuracy = np.where(audited > 0, correct / np.where(audited > 0, audited, 1), np.nan)
        penalty = counts["error_weight"].to_numpy(dtype="float64") / (
            np.where(audited > 0, audited, 1) * (max_weight if max_weight > 0 else 1.0)
        )
    out = counts.drop(columns=["error_weight"]).copy()
    out["correct"] = out["correct"].astype("int64")
    out["errors"] = out["audited"] - out["correct"]
    out["accuracy"] = accuracy
    out["ci_low"] = low
    out["ci_high"] = high
    out["sufficient"] = out["audited"] >= s.min_audit_sample
    # All weights 0 means errors carry no penalty: the score is 1 by the formula's limit.
    out["weighted_score"] = np.where(max_weight > 0, 1.0 - penalty, 1.0)
    return out


def accuracy_table(
    ws: Workspace, by: str | Sequence[str], freq: Freq | None = "month"
) -> pd.DataFrame:
    """Accuracy per group (and period): audited, correct, errors, accuracy, Wilson interval.

    Columns: the ``by`` columns, ``period`` (when ``freq`` is given), ``audited``,
    ``correct``, ``errors``, ``accuracy``, ``ci_low``, ``ci_high`` (Wilson at
    settings.confidence), ``sufficient`` (audited ≥ settings.min_audit_sample) and
    ``weighted_score`` = 1 − Σ weight(severity of each error) / (audited × max weight).
    ``by`` is one or more of BY_CHOICES. No audits give an empty frame with these columns.
    """
    keys = _check_by(by)
    if not keys:
        raise MetricInputError(f"by must name at least one of {', '.join(BY_CHOICES)}")
    freq = _check_freq(freq)
    facts = audit_facts(ws)
    return _accuracy_from_facts(facts, keys, freq, ws)


def _accuracy_from_facts(
    facts: pd.DataFrame, keys: list[str], freq: Freq | None, ws: Workspace
) -> pd.DataFrame:
    counts = _rollup(facts, keys, freq, ws, {"correct": "correct", "error_weight": "error_weight"})
    out = _accuracy_stats(counts, ws)
    period = ["period"] if freq is not None else []
    return out[[*keys, *period, *ACCURACY_COLUMNS]]


def labeler_quality(ws: Workspace, freq: Freq | None = "month") -> pd.DataFrame:
    """Per labeler and period: accuracy_table columns plus ``target`` and the coaching ``flag``.

    ``target`` is the mean of the labeler's project target_accuracy weighted by the
    labeler's audits on each project in the period (a project without a target uses
    settings.accuracy_target). ``flag``: ``insufficient`` when fewer than
    min_audit_sample audits; else ``below`` only when ci_high < target, ``above`` only
    when ci_low > target, otherwise ``within``.
    """
    return _labeler_table(audit_facts(ws), _check_freq(freq), ws)


def _labeler_table(facts: pd.DataFrame, freq: Freq | None, ws: Workspace) -> pd.DataFrame:
    table = _accuracy_from_facts(facts, ["person_id"], freq, ws)
    keys = ["person_id"] + (["period"] if freq is not None else [])
    mix = _rollup(facts, ["person_id", "project_id"], freq, ws, {})
    projects = dimensions.projects(ws)
    target = mix["project_id"].map(projects["target_accuracy"]).astype("float64")
    mix["weighted_target"] = target.fillna(ws.settings.accuracy_target) * mix["audited"]
    per = mix.groupby(keys, dropna=False, sort=False)[["weighted_target", "audited"]].sum()
    per["target"] = per["weighted_target"] / per["audited"]
    table = table.merge(per[["target"]].reset_index(), on=keys, how="left")
    table["flag"] = coaching_flag(
        table["sufficient"], table["ci_low"], table["ci_high"], table["target"]
    )
    return table


def coaching_flag(sufficient: Any, ci_low: Any, ci_high: Any, target: Any) -> np.ndarray:
    """The coaching rule: below/above only when the whole interval is on one side of target."""
    ok = np.asarray(sufficient, dtype=bool)
    low = np.asarray(ci_low, dtype="float64")
    high = np.asarray(ci_high, dtype="float64")
    tgt = np.asarray(target, dtype="float64")
    flag = np.where(high < tgt, "below", np.where(low > tgt, "above", "within"))
    return np.where(ok, flag, "insufficient").astype(object)


# --------------------------------------------------------------------------- SPC


def spc_by_project(ws: Workspace, freq: Freq = "week") -> pd.DataFrame:
    """p-chart of the error rate per project and period, 3-sigma limits per point.

    Columns: ``project_id``, ``period``, ``audited``, ``errors``, ``p`` (error rate),
    ``center`` (the project's error rate over all its periods), ``lcl``, ``ucl``,
    ``out_of_control``. Errors follow the correctness rule.
    """
    checked = _check_freq(freq)
    if checked is None:
        raise MetricInputError("freq must be 'month' or 'week' for a control chart")
    facts = audit_facts(ws)
    facts = facts.assign(error=~facts["correct"])
    counts = _rollup(facts, ["project_id"], checked, ws, {"errors": "error"})
    counts["errors"] = counts["errors"].astype("int64")
    audited = counts["audited"].to_numpy(dtype="float64")
    errors = counts["errors"].to_numpy(dtype="float64")
    grp = counts.groupby("project_id", dropna=False)
    center = (grp["errors"].transform("sum") / grp["audited"].transform("sum")).to_numpy()
    if len(counts):
        lcl, ucl = p_chart_limits(center, audited)
    else:
        lcl = ucl = np.zeros(0)
    p = errors / np.where(audited > 0, audited, 1.0)
    counts["p"] = p
    counts["center"] = center.astype("float64")
    counts["lcl"] = lcl
    counts["ucl"] = ucl
    counts["out_of_control"] = (p > ucl) | (p < lcl)
    return counts[
        ["project_id", "period", "audited", "errors", "p", "center", "lcl", "ucl", "out_of_control"]
    ]
