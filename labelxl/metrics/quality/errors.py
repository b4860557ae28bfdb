"""Errors and disputes: error Pareto, precision/recall per policy, confusion matrix, disputes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelxl.metrics._common import WEIGHT, weights
from labelxl.metrics.quality.facts import (
    UNSPECIFIED,
    _check_by,
    _empty,
    _plain,
    _rollup,
    audit_facts,
)
from labelxl.model.schema import SEVERITIES
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import wilson_arrays

# --------------------------------------------------------------------------- errors


def error_pareto(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Errors by error_type, most frequent first, with counts per severity and shares.

    Audits of ``month``; ``month=None`` means all audits in the workspace.

    Columns: ``error_type`` (blank → Unspecified), ``errors``, ``critical``, ``major``,
    ``minor`` (by the effective severity), ``share`` of all errors and
    ``cumulative_share``. No errors give an empty frame.
    """
    facts = audit_facts(ws, month)
    err = facts.loc[~facts["correct"], ["error_type", "error_severity", WEIGHT]]
    columns = ["error_type", "errors", "critical", "major", "minor", "share", "cumulative_share"]
    if err.empty:
        return _empty(
            columns,
            {
                "error_type": object,
                "errors": "int64",
                "critical": "int64",
                "major": "int64",
                "minor": "int64",
            },
        )
    by = err.groupby(["error_type", "error_severity"], dropna=False, observed=True)
    counts = by[WEIGHT].sum()
    counts = _plain(counts.rename("n").reset_index())
    counts["error_type"] = counts["error_type"].fillna(UNSPECIFIED)
    wide = counts.pivot_table(
        index="error_type", columns="error_severity", values="n", aggfunc="sum", fill_value=0
    )
    table = pd.DataFrame({"error_type": wide.index.to_numpy(dtype=object)})
    for sev in SEVERITIES:
        values = wide[sev].to_numpy() if sev in wide.columns else np.zeros(len(wide))
        table[sev.lower()] = values.astype("int64")
    table["errors"] = table[["critical", "major", "minor"]].sum(axis=1).astype("int64")
    table = table.sort_values(
        ["errors", "error_type"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    table["share"] = table["errors"] / table["errors"].sum()
    table["cumulative_share"] = table["share"].cumsum()
    return table[columns]


def policy_precision_recall(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Per policy area and decision: tp, fp, fn, precision, recall, f1 (auditor as truth).

    Audits of ``month``; ``month=None`` means all audits in the workspace.

    The truth is the auditor's decision as it stands after disputes (the labeler's when a
    dispute was Overturned). ``support`` = items whose truth is the decision,
    ``predicted`` = items the labelers gave it. precision = tp / predicted and recall =
    tp / support are NaN when their denominator is 0 (undefined, not zero);
    f1 = 2tp / (2tp + fp + fn).
    """
    facts = audit_facts(ws, month)
    columns = [
        "policy_area",
        "decision",
        "support",
        "predicted",
        "tp",
        "fp",
        "fn",
        "precision",
        "recall",
        "f1",
    ]
    if facts.empty:
        return _empty(columns, {"policy_area": object, "decision": object})
    hit = facts["labeler_decision"].cat.codes == facts["final_decision"].cat.codes
    parts = {}
    for name, rows, col in (
        ("predicted", facts, "labeler_decision"),
        ("support", facts, "final_decision"),
        ("tp", facts[hit], "labeler_decision"),
    ):
        sizes = rows.groupby(["policy_area", col], dropna=False, observed=True)[WEIGHT].sum()
        sizes = _plain(sizes.rename(name).reset_index().rename(columns={col: "decision"}))
        parts[name] = sizes.set_index(["policy_area", "decision"])[name]
    table = pd.concat(parts, axis=1).fillna(0).astype("int64").reset_index()
    table = table.sort_values(["policy_area", "decision"], kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table["fp"] = table["predicted"] - table["tp"]
    table["fn"] = table["support"] - table["tp"]
    tp_f = table["tp"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["precision"] = np.where(table["predicted"] > 0, tp_f / table["predicted"], np.nan)
        table["recall"] = np.where(table["support"] > 0, tp_f / table["support"], np.nan)
        table["f1"] = 2 * tp_f / (2 * tp_f + table["fp"] + table["fn"])
    return table[columns]


def confusion_matrix(
    ws: Workspace, policy_area: str | None = None, month: str | None = None
) -> pd.DataFrame:
    """Counts of labeler decision (rows) × auditor decision after disputes (columns).

    Both axes list every decision seen on either side, sorted. No audits give an empty
    frame. Audits of ``month``; ``month=None`` means all audits.
    """
    facts = audit_facts(ws, month)
    if policy_area is not None:
        facts = facts[facts["policy_area"] == policy_area]
    # Both columns share one set of categories, so a bincount of code pairs is the table.
    cats = np.asarray(facts["labeler_decision"].cat.categories, dtype=object)
    k = len(cats)
    lab = facts["labeler_decision"].cat.codes.to_numpy(dtype="int64")
    fin = facts["final_decision"].cat.codes.to_numpy(dtype="int64")
    n = weights(facts)
    table = np.bincount(lab * k + fin, weights=n, minlength=k * k).reshape(k, k).round()
    seen = (table.sum(axis=0) + table.sum(axis=1)) > 0
    order = [i for i in np.argsort(cats.astype(str), kind="stable") if seen[i]]
    labels = pd.Index(cats[order], dtype=object)
    return pd.DataFrame(
        table[np.ix_(order, order)].astype("int64"),
        index=labels.rename("labeler_decision"),
        columns=labels.rename("auditor_decision"),
    )


# --------------------------------------------------------------------------- disputes


def dispute_summary(
    ws: Workspace, by: str | Sequence[str] | None = None, month: str | None = None
) -> pd.DataFrame:
    """Disputes and how they ended, with the overturn rate and its Wilson interval.

    Columns: the ``by`` columns, ``audited``, ``disputed``, ``decided`` (Upheld +
    Overturned), ``upheld``, ``overturned``, ``pending`` (Pending or no outcome yet),
    ``overturn_rate`` = overturned / decided (NaN when nothing is decided yet),
    ``ci_low``, ``ci_high`` ((0, 1) when nothing is decided). Without ``by`` one total
    row is returned, even when there are no audits. Audits of ``month``;
    ``month=None`` means all audits.
    """
    keys = _check_by(by)
    facts = audit_facts(ws, month)
    facts = facts.assign(
        upheld=(facts["outcome"] == "Upheld").to_numpy(),
        overturned=(facts["outcome"] == "Overturned").to_numpy(),
        pending=(facts["outcome"] == "Pending").to_numpy(),
    )
    sums = {
        "disputed": "is_disputed",
        "upheld": "upheld",
        "overturned": "overturned",
        "pending": "pending",
    }
    counts = _rollup(facts, keys, None, ws, sums)
    for col in sums:
        counts[col] = counts[col].astype("int64")
    counts["decided"] = counts["upheld"] + counts["overturned"]
    decided = counts["decided"].to_numpy(dtype="float64")
    over = counts["overturned"].to_numpy(dtype="float64")
    low, high = wilson_arrays(over, decided, ws.settings.confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["overturn_rate"] = np.where(
            decided > 0, over / np.where(decided > 0, decided, 1), np.nan
        )
    counts["ci_low"] = low
    counts["ci_high"] = high
    return counts[
        [
            *keys,
            "audited",
            "disputed",
            "decided",
            "upheld",
            "overturned",
            "pending",
            "overturn_rate",
            "ci_low",
            "ci_high",
        ]
    ]
