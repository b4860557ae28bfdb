"""Audit facts: the judgeable audits with every derived column, and the two-step roll-up.

An audit is **correct** when the labeler's decision equals the auditor's, or when the
labeler disputed it and the dispute was Overturned (the labeler was right). Audits with
a blank date or decision cannot be judged and are skipped (validation reports them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics._common import WEIGHT, optional_month, weights
from labelxl.model import dimensions
from labelxl.model.periods import month_bounds, period_of
from labelxl.model.schema import SEVERITIES
from labelxl.model.workspace import Workspace

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
    """One row per judgeable audit of ``month`` (None: all audits) with derived columns.

    Text columns come back as Categoricals. Adds ``correct`` (the correctness rule),
    ``flagged`` (the auditor disagreed, before any dispute), ``final_decision`` (the
    auditor's decision, or the labeler's when a dispute was Overturned), ``is_disputed``,
    ``outcome`` (dispute outcome of disputed audits; Pending when a disputed audit has
    none), ``error_severity`` (errors only: the row's severity, else the Taxonomy
    default_severity of the auditor's decision, else Major), ``error_weight`` (Settings
    weight of that severity; 0 for correct audits), ``policy_area`` (of the project) and
    ``n`` (the audits the row stands for: 1, or a compacted table's count; every count
    below is a sum of ``n``).
    """
    month = optional_month(month)
    # Built once per workspace: a refresh calls a dozen quality metrics on the same audits.
    facts: pd.DataFrame = ws.cached("quality.audit_facts", lambda: _build_audit_facts(ws))
    if month is None:
        return facts
    start, last = month_bounds(month)
    dates = facts["audit_date"]
    inside = (dates >= start) & (dates < last + pd.Timedelta(days=1))
    return facts.loc[inside.to_numpy()].reset_index(drop=True)


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
    by_severity = ws.settings.severity_weights()
    weight_of = np.array([by_severity.get(c, 0.0) for c in severity.categories], dtype="float64")
    codes = severity.codes
    out["error_weight"] = np.where(
        codes >= 0, weight_of[np.where(codes >= 0, codes, 0)] if len(weight_of) else 0.0, 0.0
    )
    out[WEIGHT] = weights(frame)
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
    # Each row counts n times (a compacted table); n = 1 gives the plain counts.
    w = weights(data)
    data = data.assign(**{c: data[c].to_numpy() * w for c in value_cols}, _audited=w)
    if group:
        grouped = data.groupby(group, dropna=False, sort=False, observed=True)
        step1 = grouped[value_cols].sum()
        step1["audited"] = grouped["_audited"].sum()
        step1 = _plain(step1.reset_index())
    else:
        step1 = pd.DataFrame({c: [data[c].sum()] for c in value_cols})
        step1["audited"] = int(w.sum())
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


def _empty(columns: list[str], dtypes: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "float64")) for c in columns})
