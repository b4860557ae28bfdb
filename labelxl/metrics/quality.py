"""Quality metrics from the Audits sheet: accuracy, coaching flags, errors, SPC, sampling.

Every metric keeps the two-step shape of DESIGN.md §8: audit rows are first reduced to
counts per id and period with a group-by (the step a database could run), then the
statistics are computed on those small aggregates.

An audit is **correct** when the labeler's decision equals the auditor's, or when the
labeler disputed it and the dispute was Overturned (the labeler was right). Audits with
a blank date or decision cannot be judged and are skipped (validation reports them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.model import dimensions
from labelxl.model.periods import last_complete_month, period_of
from labelxl.model.schema import SEVERITIES
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import mover_difference, wilson_arrays
from labelxl.stats.sampling import allocate, cochran_sample_size, z14_plan
from labelxl.stats.spc import p_chart_limits
from labelxl.stats.stratified import stratified_accuracy

__all__ = [
    "BY_CHOICES",
    "accuracy_table",
    "audit_facts",
    "auditor_strictness",
    "confusion_matrix",
    "dispute_summary",
    "error_pareto",
    "labeler_quality",
    "policy_precision_recall",
    "quality_summary",
    "sampling_plan",
    "spc_by_project",
    "vendor_lot_plans",
]

Freq = Literal["month", "week"]

# Grouping dimension → (id column of the audit it hangs on, column of that id's dimension).
BY_CHOICES: dict[str, tuple[str, str | None]] = {
    "person_id": ("person_id", None),
    "project_id": ("project_id", None),
    "auditor_id": ("auditor_id", None),
    "market": ("person_id", "market"),
    "vendor": ("person_id", "vendor"),
    "team": ("person_id", "team"),
    "policy_area": ("project_id", "policy_area"),
    "language": ("project_id", "language"),
}
SEVERITY_DEFAULT = "Major"
UNSPECIFIED = "Unspecified"
ACCURACY_COLUMNS = (
    "audited",
    "correct",
    "errors",
    "accuracy",
    "ci_low",
    "ci_high",
    "sufficient",
    "weighted_score",
)


# --------------------------------------------------------------------------- inputs


def _check_month(month: str | None) -> str | None:
    if month is None:
        return None
    text = str(month).strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise MetricInputError(f"month must look like 2026-03 (got {month!r})")
    return text


def _check_freq(freq: str | None) -> Freq | None:
    if freq is None:
        return None
    if freq not in ("month", "week"):
        raise MetricInputError(f"freq must be 'month', 'week' or None (got {freq!r})")
    return freq  # type: ignore[return-value]


def _check_by(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    for key in keys:
        if key not in BY_CHOICES:
            raise MetricInputError(f"cannot group by {key!r}; choose from {', '.join(BY_CHOICES)}")
    if len(set(keys)) != len(keys):
        raise MetricInputError(f"by lists a column twice: {keys}")
    return keys


def _periods(dates: pd.Series, freq: Freq) -> pd.Categorical:
    """Period labels, computed once per distinct date (a year has ~365, a log has millions)."""
    codes, uniques = pd.factorize(dates)
    if not len(uniques):
        return pd.Categorical.from_codes(
            np.full(len(codes), -1), categories=pd.Index([], dtype=object)
        )
    labels = period_of(pd.Series(uniques), freq).to_numpy(dtype=object).astype(str)
    cats, inverse = np.unique(labels, return_inverse=True)
    mapped = np.where(codes >= 0, inverse[np.where(codes >= 0, codes, 0)], -1)
    return pd.Categorical.from_codes(mapped, categories=pd.Index(cats.astype(object), dtype=object))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns of a small aggregate back to plain object columns."""
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def _factor(series: pd.Series) -> pd.Categorical:
    """A text column as a Categorical (blanks → NaN); hashing happens once per column."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    keep = np.array([isinstance(u, str) and u.strip() != "" for u in uniques], dtype=bool)
    if len(keep) and not keep.all():
        # Blank text is a missing value, not a category.
        remap = np.where(keep, np.cumsum(keep) - 1, -1)
        codes = np.where(codes >= 0, remap[np.where(codes >= 0, codes, 0)], -1)
        uniques = np.asarray(uniques, dtype=object)[keep]
    return pd.Categorical.from_codes(
        codes, categories=pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    )


def _is(cat: pd.Categorical, *values: str) -> np.ndarray:
    """Boolean mask of rows whose category is one of ``values``."""
    wanted = [i for i, c in enumerate(cat.categories) if c in values]
    return np.isin(cat.codes, wanted)


def audit_facts(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """One row per judgeable audit with the derived columns every quality metric uses.

    Text columns come back as Categoricals. Adds ``correct`` (the correctness rule),
    ``flagged`` (the auditor disagreed, before any dispute), ``final_decision`` (the
    auditor's decision, or the labeler's when a dispute was Overturned), ``is_disputed``,
    ``outcome`` (dispute outcome of disputed audits; Pending when a disputed audit has
    none), ``error_severity`` (errors only: the row's severity, else the Taxonomy
    default_severity of the auditor's decision, else Major), ``error_weight`` (Settings
    weight of that severity; 0 for correct audits) and ``policy_area`` (of the project).
    """
    month = _check_month(month)
    # Built once per workspace: a refresh calls a dozen quality metrics on the same audits.
    facts: pd.DataFrame = ws.cached("quality.audit_facts", lambda: _build_audit_facts(ws))
    if month is None:
        return facts
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthBegin(1)
    dates = facts["audit_date"]
    return facts.loc[((dates >= start) & (dates < end)).to_numpy()].reset_index(drop=True)


def _build_audit_facts(ws: Workspace) -> pd.DataFrame:
    frame = ws.frame("Audits")
    frame = frame.loc[frame["audit_date"].notna().to_numpy()]
    n = len(frame)
    # Both decisions share one set of categories so they compare as integer codes.
    both = _factor(
        pd.concat([frame["labeler_decision"], frame["auditor_decision"]], ignore_index=True)
    )
    lab_codes, aud_codes = both.codes[:n], both.codes[n:]
    judged = (lab_codes >= 0) & (aud_codes >= 0)
    disputed = _is(_factor(frame["disputed"]), "yes")
    outcome = _factor(frame["dispute_outcome"])
    overturned = disputed & _is(outcome, "Overturned")
    flagged = lab_codes != aud_codes
    correct = ~flagged | overturned
    decisions = both.categories
    out = pd.DataFrame({"audit_date": frame["audit_date"].to_numpy()})
    for col in ("project_id", "person_id", "auditor_id", "error_type"):
        out[col] = _factor(frame[col])
    out["labeler_decision"] = pd.Categorical.from_codes(lab_codes, categories=decisions)
    out["auditor_decision"] = pd.Categorical.from_codes(aud_codes, categories=decisions)
    final = np.where(overturned, lab_codes, aud_codes)
    out["final_decision"] = pd.Categorical.from_codes(final, categories=decisions)
    out["flagged"] = flagged
    out["correct"] = correct
    out["is_disputed"] = disputed
    outcome_codes = np.select(
        [disputed & _is(outcome, "Upheld"), overturned, disputed], [0, 1, 2], default=-1
    )
    out["outcome"] = pd.Categorical.from_codes(
        outcome_codes, categories=pd.Index(["Upheld", "Overturned", "Pending"], dtype=object)
    )
    projects = dimensions.projects(ws)
    project_cats = out["project_id"].cat.categories
    policy_of = pd.Series(project_cats, dtype=object).map(projects["policy_area"])
    policy = _factor(policy_of)
    pcodes = out["project_id"].cat.codes.to_numpy()
    out["policy_area"] = pd.Categorical.from_codes(
        np.where(pcodes >= 0, policy.codes[np.where(pcodes >= 0, pcodes, 0)], -1)
        if len(project_cats)
        else np.full(n, -1),
        categories=policy.categories,
    )
    severity = _effective_severity(
        ws,
        frame["severity"],
        ~correct,
        out["policy_area"].to_numpy(dtype=object),
        out["auditor_decision"].to_numpy(dtype=object),
    )
    out["error_severity"] = severity
    weights = ws.settings.severity_weights()
    weight_of = np.array([weights.get(c, 0.0) for c in severity.categories], dtype="float64")
    codes = severity.codes
    out["error_weight"] = np.where(
        codes >= 0, weight_of[np.where(codes >= 0, codes, 0)] if len(weight_of) else 0.0, 0.0
    )
    return out.loc[judged].reset_index(drop=True)


def _effective_severity(
    ws: Workspace,
    given: pd.Series,
    errors: np.ndarray,
    policy: np.ndarray,
    decision: np.ndarray,
) -> pd.Categorical:
    """Severity of each error: as given, else Taxonomy default_severity, else Major.

    The Taxonomy default is looked up by (policy area, auditor decision), then by the
    decision alone; only the distinct pairs among errors are looked up.
    """
    sev = _factor(given)
    cats = pd.Index(SEVERITIES, dtype=object)
    codes = cats.get_indexer(np.asarray(sev.categories, dtype=object))
    out = np.where(
        sev.codes >= 0, codes[np.where(sev.codes >= 0, sev.codes, 0)] if len(codes) else -1, -1
    )
    out = np.where(errors, out, -1)
    need = errors & (out < 0)
    if need.any():
        pairs = pd.DataFrame({"p": policy[need], "d": decision[need]}).astype(str)
        key_codes, uniq = pd.factorize(pairs["p"] + "\x1f" + pairs["d"])
        tax = ws.frame("Taxonomy").dropna(subset=["decision", "default_severity"])
        by_pair: dict[str, Any] = {}
        by_decision: dict[str, Any] = {}
        for p, d, s in zip(
            tax["policy_area"], tax["decision"], tax["default_severity"], strict=True
        ):
            by_pair.setdefault(f"{p}\x1f{d}", s)
            by_decision.setdefault(str(d), s)
        looked = []
        for key in uniq:
            found = by_pair.get(key) or by_decision.get(key.split("\x1f", 1)[1])
            looked.append(found if found in SEVERITIES else SEVERITY_DEFAULT)
        out[need] = cats.get_indexer(np.asarray(looked, dtype=object))[key_codes]
    return pd.Categorical.from_codes(out, categories=cats)


# --------------------------------------------------------------------------- roll-up


def _rollup(
    facts: pd.DataFrame,
    keys: list[str],
    freq: Freq | None,
    ws: Workspace,
    sums: dict[str, str],
) -> pd.DataFrame:
    """Step 1: sum ``sums`` (output name → boolean/number column) per id and period.
    Step 2: attach the person/project dimensions named in ``keys`` and sum again.

    Returns the ``keys`` (+ ``period``) columns, ``audited`` and the summed columns.
    """
    ids = sorted({BY_CHOICES[k][0] for k in keys})
    group = list(ids)
    final_keys = keys + (["period"] if freq is not None else [])
    if facts.empty and final_keys:
        columns = {k: pd.Series([], dtype=object) for k in final_keys}
        columns["audited"] = pd.Series([], dtype="int64")
        columns.update({name: pd.Series([], dtype="float64") for name in sums})
        return pd.DataFrame(columns)
    data = facts
    if freq is not None:
        data = facts.assign(period=_periods(facts["audit_date"], freq))
        group.append("period")
    value_cols = list(dict.fromkeys(sums.values()))
    if group:
        grouped = data.groupby(group, dropna=False, sort=False, observed=True)
        step1 = grouped[value_cols].sum()
        step1["audited"] = grouped.size()
        step1 = _plain(step1.reset_index())
    else:
        step1 = pd.DataFrame({c: [data[c].sum()] for c in value_cols})
        step1["audited"] = len(data)
    dims = [k for k in keys if BY_CHOICES[k][1] is not None]
    if dims:
        for id_col, prefix in (("person_id", "person_"), ("project_id", "project_")):
            wanted = [k for k in dims if BY_CHOICES[k][0] == id_col]
            if not wanted:
                continue
            # Join the dimensions on the distinct ids only, then map them onto the counts.
            distinct = pd.DataFrame({id_col: pd.unique(step1[id_col])})
            joined = dimensions.attach(
                distinct,
                ws,
                person_col=id_col if id_col == "person_id" else None,
                project_col=id_col if id_col == "project_id" else None,
            ).set_index(id_col)
            for k in wanted:
                step1[k] = step1[id_col].map(joined[prefix + k]).astype(object)
    if final_keys:
        out = (
            step1.groupby(final_keys, dropna=False, sort=True)[[*value_cols, "audited"]]
            .sum()
            .reset_index()
        )
    else:
        out = step1[[*value_cols, "audited"]]
    for name, col in sums.items():
        out[name] = out[col]
    out["audited"] = out["audited"].astype("int64")
    return out[[*final_keys, "audited", *sums]].reset_index(drop=True)


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


# --------------------------------------------------------------------------- errors


def error_pareto(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Errors by error_type, most frequent first, with counts per severity and shares.

    Columns: ``error_type`` (blank → Unspecified), ``errors``, ``critical``, ``major``,
    ``minor`` (by the effective severity), ``share`` of all errors and
    ``cumulative_share``. No errors give an empty frame.
    """
    facts = audit_facts(ws, month)
    err = facts.loc[~facts["correct"], ["error_type", "error_severity"]]
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
    counts = err.groupby(["error_type", "error_severity"], dropna=False, observed=True).size()
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
        sizes = rows.groupby(["policy_area", col], dropna=False, observed=True).size()
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
    frame.
    """
    facts = audit_facts(ws, month)
    if policy_area is not None:
        facts = facts[facts["policy_area"] == policy_area]
    # Both columns share one set of categories, so a bincount of code pairs is the table.
    cats = np.asarray(facts["labeler_decision"].cat.categories, dtype=object)
    k = len(cats)
    lab = facts["labeler_decision"].cat.codes.to_numpy(dtype="int64")
    fin = facts["final_decision"].cat.codes.to_numpy(dtype="int64")
    table = np.bincount(lab * k + fin, minlength=k * k).reshape(k, k)
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
    row is returned, even when there are no audits.
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


# --------------------------------------------------------------------------- auditors


def auditor_strictness(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Grade the grader: each auditor's error-finding rate against peers on the same projects.

    ``errors_found`` counts audits where the auditor disagreed with the labeler (before
    disputes). On the projects that other auditors also audited, the auditor's rate
    (``compared_rate`` over ``compared`` audits) is set against ``peer_rate``: the other
    auditors' rate per project, weighted by this auditor's audits per project. The
    interval for the ``difference`` is Newcombe's hybrid score (MOVER) interval with the
    peer rate's Wilson limits taken at its effective size ``peer_n`` = 1 / Σ wⱼ²/mⱼ.
    ``flag`` is ``stricter`` / ``lenient`` only when the interval excludes 0, ``in line``
    otherwise, and ``no peers`` when no project of the auditor had another auditor.
    """
    facts = audit_facts(ws, month)
    columns = [
        "auditor_id",
        "audits",
        "errors_found",
        "error_rate",
        "compared",
        "compared_rate",
        "peer_rate",
        "peer_n",
        "difference",
        "ci_low",
        "ci_high",
        "flag",
    ]
    if facts.empty:
        return _empty(
            columns,
            {
                "auditor_id": object,
                "audits": "int64",
                "errors_found": "int64",
                "compared": "int64",
                "flag": object,
            },
        )
    cell = (
        facts.groupby(["auditor_id", "project_id"], dropna=False, observed=True)["flagged"]
        .agg(["size", "sum"])
        .reset_index()
    )
    cell.columns = ["auditor_id", "project_id", "n", "x"]
    cell = _plain(cell)
    totals = cell.groupby("project_id", dropna=False)[["n", "x"]].transform("sum")
    cell["m"] = totals["n"] - cell["n"]
    cell["y"] = totals["x"] - cell["x"]
    peers = cell["m"] > 0
    cell["nc"] = np.where(peers, cell["n"], 0)
    cell["xc"] = np.where(peers, cell["x"], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell["peer_p"] = np.where(peers, cell["y"] / cell["m"].where(peers, 1), 0.0)
    per = cell.groupby("auditor_id", dropna=False)[["n", "x", "nc", "xc"]].sum()
    cell["w"] = cell["nc"] / cell["auditor_id"].map(per["nc"]).replace(0, np.nan)
    cell["wp"] = (cell["w"] * cell["peer_p"]).fillna(0.0)
    cell["w2m"] = np.where(peers, cell["w"] ** 2 / cell["m"].where(peers, 1), 0.0)
    agg = cell.groupby("auditor_id", dropna=False)[["wp", "w2m"]].sum()
    per = per.join(agg)
    has = per["nc"].to_numpy() > 0
    nc = per["nc"].to_numpy(dtype="float64")
    xc = per["xc"].to_numpy(dtype="float64")
    peer = np.where(has, per["wp"].to_numpy(), np.nan)
    w2m = per["w2m"].to_numpy(dtype="float64")
    peer_n = np.where(has & (w2m > 0), 1.0 / np.where(w2m > 0, w2m, 1.0), np.nan)
    conf = ws.settings.confidence
    own = np.where(has, xc / np.where(has, nc, 1.0), np.nan)
    low1, high1 = wilson_arrays(xc, nc, conf)
    low2, high2 = wilson_arrays(
        np.where(has, peer * np.nan_to_num(peer_n), 0.0),
        np.where(has, np.nan_to_num(peer_n), 0.0),
        conf,
    )
    d_low, d_high = mover_difference(own, low1, high1, peer, low2, high2)
    out = pd.DataFrame({"auditor_id": per.index.to_numpy(dtype=object)})
    out["audits"] = per["n"].to_numpy(dtype="int64")
    out["errors_found"] = per["x"].to_numpy(dtype="int64")
    out["error_rate"] = out["errors_found"] / out["audits"]
    out["compared"] = nc.astype("int64")
    out["compared_rate"] = own
    out["peer_rate"] = peer
    out["peer_n"] = peer_n
    out["difference"] = own - peer
    out["ci_low"] = np.where(has, d_low, np.nan)
    out["ci_high"] = np.where(has, d_high, np.nan)
    out["flag"] = np.where(
        ~has,
        "no peers",
        np.where(d_low > 0, "stricter", np.where(d_high < 0, "lenient", "in line")),
    ).astype(object)
    return out[columns]


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


# --------------------------------------------------------------------------- sampling


def _production_month(ws: Workspace, month: str | None) -> tuple[pd.DataFrame, str | None]:
    prod = ws.frame("Production")
    prod = prod.dropna(subset=["date", "person_id", "project_id", "items"])
    chosen = _check_month(month) or last_complete_month(prod["date"])
    if chosen is None:
        return prod.iloc[0:0], None
    month = chosen
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthBegin(1)
    prod = prod[(prod["date"] >= start) & (prod["date"] < end) & (prod["items"] > 0)]
    return prod, month


def sampling_plan(ws: Workspace, month: str | None = None, p: float = 0.5) -> pd.DataFrame:
    """Next period's audit sample per project, split across its labelers by volume.

    Basis: Production items of ``month`` (default: the last complete month in
    Production), projects with status Closed left out. Per project the Cochran sample size
    for ± settings.audit_margin at settings.confidence with the finite-population
    correction (population = the project's volume; ``p`` = expected accuracy, 0.5 the
    conservative default), allocated proportionally to each labeler's volume by largest
    remainder. Columns: ``month``, ``project_id``, ``person_id``, ``volume``, ``sample``.
    """
    columns = ["month", "project_id", "person_id", "volume", "sample"]
    prod, month = _production_month(ws, month)
    projects = dimensions.projects(ws)
    closed = projects.index[projects["status"] == "Closed"]
    prod = prod[~prod["project_id"].isin(closed)]
    if prod.empty:
        return _empty(
            columns,
            {
                "month": object,
                "project_id": object,
                "person_id": object,
                "volume": "int64",
                "sample": "int64",
            },
        )
    vol = prod.groupby(["project_id", "person_id"], sort=True)["items"].sum().reset_index()
    vol["items"] = vol["items"].astype("int64")
    samples = np.zeros(len(vol), dtype="int64")
    s = ws.settings
    for _, idx in vol.groupby("project_id", sort=False).indices.items():
        volumes = vol["items"].to_numpy()[idx]
        n = cochran_sample_size(s.audit_margin, s.confidence, p, population=int(volumes.sum()))
        samples[idx] = allocate(n, volumes)
    return pd.DataFrame(
        {
            "month": month,
            "project_id": vol["project_id"].to_numpy(dtype=object),
            "person_id": vol["person_id"].to_numpy(dtype=object),
            "volume": vol["items"].to_numpy(),
            "sample": samples,
        }
    )[columns]


def vendor_lot_plans(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """ANSI/ASQ Z1.4 plan per vendor, taking the vendor's monthly volume as one lot.

    Uses settings.aql and settings.inspection_level; in-house work is not a vendor lot and
    is left out. Columns: ``month``, ``vendor``, ``lot_size``, ``code_letter``,
    ``plan_letter``, ``sample_size``, ``accept``, ``reject``, ``full_inspection``.
    """
    columns = [
        "month",
        "vendor",
        "lot_size",
        "code_letter",
        "plan_letter",
        "sample_size",
        "accept",
        "reject",
        "full_inspection",
    ]
    prod, month = _production_month(ws, month)
    people = dimensions.people(ws)
    vendor = prod["person_id"].map(people["vendor"]) if len(prod) else prod["person_id"]
    prod = prod.assign(vendor=vendor)
    prod = prod[prod["vendor"].notna() & (prod["vendor"] != dimensions.IN_HOUSE)]
    lots = prod.groupby("vendor", sort=True)["items"].sum()
    rows = []
    s = ws.settings
    for name, size in lots.items():
        plan = z14_plan(int(size), s.aql, s.inspection_level)
        rows.append(
            (
                month,
                name,
                int(size),
                plan.code_letter,
                plan.plan_letter,
                plan.sample_size,
                plan.accept,
                plan.reject,
                plan.full_inspection,
            )
        )
    if not rows:
        return _empty(
            columns,
            {
                "month": object,
                "vendor": object,
                "lot_size": "int64",
                "code_letter": object,
                "plan_letter": object,
                "sample_size": "int64",
                "accept": "int64",
                "reject": "int64",
                "full_inspection": bool,
            },
        )
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- summary


def quality_summary(ws: Workspace, month: str) -> dict[str, Any]:
    """Headline quality numbers of one month for the summary sheet and the deck.

    Keys: month, confidence, audits, correct, errors, accuracy, accuracy_ci_low,
    accuracy_ci_high, error_rate, weighted_score; stratified_accuracy, stratified_se,
    stratified_ci_low, stratified_ci_high, stratified_coverage (projects as strata,
    weighted by the month's Production items); disputes, disputes_decided, overturn_rate,
    overturn_ci_low, overturn_ci_high; labelers, labelers_insufficient, labelers_below,
    labelers_above, share_below, share_above (shares of labelers with a sufficient
    sample). A value that cannot be computed (no audits, no production) is None.
    """
    checked = _check_month(month)
    if checked is None:
        raise MetricInputError("quality_summary needs a month such as 2026-03")
    month = checked
    s = ws.settings
    facts = audit_facts(ws, month)
    out: dict[str, Any] = {"month": month, "confidence": s.confidence}
    n = len(facts)
    correct = int(facts["correct"].sum())
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
                1.0 - float(facts["error_weight"].sum()) / (n * max_weight)
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
        per = facts.groupby("project_id", observed=True)["correct"].agg(["size", "sum"])
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


def _empty(columns: list[str], dtypes: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "float64")) for c in columns})
