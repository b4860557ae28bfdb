"""Calibration sessions: how well raters agree, who drifts from consensus, which items split them.

Reads the Calibration sheet (session_id, date, item_id, rater_id, label) and, for names,
the Roster. Rules (documented in docs/agreement.md):

* Rows missing session_id, item_id, rater_id or label are skipped; when a rater labeled
  the same item twice in a session the first row counts (validation reports the
  duplicate key).
* Fleiss' kappa needs the same number of raters on every item: it is computed on the
  items rated by the session's modal number of raters (ties: the larger number) and
  ``items_used_for_fleiss`` says how many. Krippendorff's alpha, Gwet's AC1 and percent
  agreement use every item with two or more ratings.
* The majority label of an item is its most frequent label; items whose top labels tie,
  and items with a single rating, are left out of a rater's ``agree_majority``.
* The consensus is the Dawid–Skene most probable label (``labelxl.stats.dawid_skene``).
  Items with a single rating are left out of the per-rater consensus comparisons.
* A statistic that cannot be computed for a session (e.g. one rater) is left blank (NaN)
  and ``note`` says why; nothing raises for a degenerate session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.model.dimensions import people
from labelxl.model.workspace import Workspace
from labelxl.stats.agreement import (
    cohen_kappa_table,
    fleiss_kappa,
    gwet_ac1_counts,
    kappa_band,
    krippendorff_alpha_counts,
    percent_agreement_counts,
)
from labelxl.stats.dawid_skene import DawidSkeneResult, dawid_skene

SESSION_COLUMNS = (
    "session_id",
    "date",
    "items",
    "raters",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "percent_agreement",
    "items_used_for_fleiss",
    "band",
    "note",
)
RATER_COLUMNS = (
    "session_id",
    "rater_id",
    "items",
    "agree_majority",
    "agree_consensus",
    "ds_accuracy",
    "kappa_vs_consensus",
    "items_vs_majority",
    "items_vs_consensus",
    "rater_name",
)
DISPUTED_COLUMNS = ("session_id", "item_id", "modal_label", "modal_share", "labels", "ratings")
CONSENSUS_COLUMNS = (
    "session_id",
    "item_id",
    "ratings",
    "majority_label",
    "consensus_label",
    "consensus_probability",
)
_KEYS = ["session_id", "item_id", "rater_id", "label"]


@dataclass(frozen=True, eq=False)
class CalibrationReport:
    """Per-session agreement, per-rater alignment, the most disputed items and the consensus."""

    sessions: pd.DataFrame
    raters: pd.DataFrame
    disputed_items: pd.DataFrame
    consensus: pd.DataFrame


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def calibration_report(
    ws: Workspace, session_id: str | None = None, *, top: int = 10
) -> CalibrationReport:
    """Agreement report for every calibration session (or only ``session_id``).

    ``top`` is the number of most-disputed items listed per session.
    """
    if top < 0:
        raise MetricInputError(f"top must be ≥ 0 (got {top})")
    cal = ws.frame("Calibration")
    ratings = cal.dropna(subset=_KEYS).drop_duplicates(["session_id", "item_id", "rater_id"])
    if session_id is not None:
        chosen = ratings[ratings["session_id"] == session_id]
        if chosen.empty:
            known = sorted(map(str, ratings["session_id"].unique()))
            shown = ", ".join(known[:6]) + (f" (+{len(known) - 6} more)" if len(known) > 6 else "")
            raise MetricInputError(
                f"calibration session {session_id!r} has no ratings; sessions: {shown or 'none'}"
            )
        ratings = chosen
    names = people(ws)["name"] if ws.has("Roster") else pd.Series(dtype=object)

    sessions, raters, disputed, consensus = [], [], [], []
    for sid, rows in ratings.groupby("session_id", sort=True):
        s, r, d, c = _session(sid, rows, top)
        sessions.append(s)
        raters.append(r)
        disputed.append(d)
        consensus.append(c)
    if not sessions:
        return CalibrationReport(
            _empty(SESSION_COLUMNS),
            _empty(RATER_COLUMNS),
            _empty(DISPUTED_COLUMNS),
            _empty(CONSENSUS_COLUMNS),
        )
    rater_frame = pd.concat(raters, ignore_index=True)
    rater_frame["rater_name"] = rater_frame["rater_id"].map(names).astype(object)
    return CalibrationReport(
        sessions=pd.DataFrame(sessions, columns=list(SESSION_COLUMNS)),
        raters=rater_frame[list(RATER_COLUMNS)],
        disputed_items=_concat(disputed, DISPUTED_COLUMNS),
        consensus=_concat(consensus, CONSENSUS_COLUMNS),
    )


def _concat(frames: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    # Empty pieces are dropped first: pandas warns when they take part in dtype inference.
    kept = [f for f in frames if not f.empty]
    if not kept:
        return _empty(columns)
    return pd.concat(kept, ignore_index=True)[list(columns)]


def _safe(fn: Callable[..., float], *args: object) -> tuple[float, str | None]:
    """Run a statistic; a degenerate input gives NaN and the reason instead of an error."""
    try:
        return float(fn(*args)), None
    except MetricInputError as exc:
        return float("nan"), str(exc)


def _session(
    sid: object, rows: pd.DataFrame, top: int
) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # Step 1: counts per item and label (the aggregate every statistic starts from).
    counts = rows.groupby(["item_id", "label"]).size().unstack(fill_value=0).sort_index()
    counts = counts[sorted(counts.columns, key=str)]
    per_item = counts.sum(axis=1)
    notes: list[str] = []

    # Fleiss: only the items rated by the modal number of raters.
    freq = per_item.value_counts()
    modal_n = int(max(freq[freq == freq.max()].index))
    fleiss_rows = counts[per_item == modal_n]
    fleiss, why = _safe(fleiss_kappa, fleiss_rows)
    if why:
        notes.append(f"Fleiss' kappa: {why}")
    alpha, why = _safe(krippendorff_alpha_counts, counts)
    if why:
        notes.append(f"alpha: {why}")
    ac1, _ = _safe(gwet_ac1_counts, counts)
    agreement, _ = _safe(percent_agreement_counts, counts)

    # Majority label per item; a tie at the top leaves it blank.
    top_count = counts.max(axis=1)
    at_top = counts.eq(top_count, axis=0)
    tied = at_top.sum(axis=1) > 1
    majority = counts.idxmax(axis=1).astype(object).where(~tied, None)
    modal_share = top_count / per_item

    # Dawid–Skene consensus.
    ds: DawidSkeneResult | None = None
    try:
        ds = dawid_skene(rows, classes=list(counts.columns))
    except MetricInputError as exc:
        notes.append(f"Dawid–Skene: {exc}")
    items = pd.DataFrame(
        {
            "ratings": per_item,
            "majority_label": majority,
            "consensus_label": ds.labels.reindex(counts.index) if ds else None,
            "consensus_probability": ds.posteriors.max(axis=1).reindex(counts.index)
            if ds
            else np.nan,
        }
    )
    items.index.name = "item_id"

    session = {
        "session_id": sid,
        "date": rows["date"].min(),
        "items": len(counts),
        "raters": rows["rater_id"].nunique(),
        "fleiss_kappa": fleiss,
        "krippendorff_alpha": alpha,
        "gwet_ac1": ac1,
        "percent_agreement": agreement,
        "items_used_for_fleiss": len(fleiss_rows) if np.isfinite(fleiss) else 0,
        "band": kappa_band(fleiss),
        "note": "; ".join(notes) or None,
    }
    raters = _rater_table(sid, rows, items, ds)
    disputed = _disputed(sid, counts, modal_share, tied, top)
    consensus = items.reset_index()
    consensus.insert(0, "session_id", sid)
    return session, raters, disputed, consensus


def _rater_table(
    sid: object, rows: pd.DataFrame, items: pd.DataFrame, ds: DawidSkeneResult | None
) -> pd.DataFrame:
    joined = rows[["rater_id", "item_id", "label"]].join(items, on="item_id")
    shared = joined["ratings"] >= 2
    vs_major = shared & joined["majority_label"].notna()
    vs_cons = shared & joined["consensus_label"].notna()
    # 1.0 / 0.0 where the comparison counts, NaN where it is left out (mean skips NaN).
    joined["hit_major"] = (
        (joined["label"] == joined["majority_label"]).astype(float).where(vs_major)
    )
    joined["hit_cons"] = (joined["label"] == joined["consensus_label"]).astype(float).where(vs_cons)
    joined["in_major"] = vs_major
    joined["in_cons"] = vs_cons
    grouped = joined.groupby("rater_id", sort=True)
    out = pd.DataFrame(
        {
            "items": grouped.size(),
            "agree_majority": grouped["hit_major"].mean(),
            "agree_consensus": grouped["hit_cons"].mean(),
            "items_vs_majority": grouped["in_major"].sum(),
            "items_vs_consensus": grouped["in_cons"].sum(),
        }
    )
    out["ds_accuracy"] = ds.rater_accuracy.reindex(out.index) if ds else np.nan
    out["kappa_vs_consensus"] = _kappas_vs_consensus(joined[joined["in_cons"]], ds, out.index)
    out = out.astype(
        {
            "agree_majority": float,
            "agree_consensus": float,
            "ds_accuracy": float,
            "kappa_vs_consensus": float,
        }
    )
    out = out.reset_index()
    out.insert(0, "session_id", sid)
    return out


def _kappas_vs_consensus(
    compared: pd.DataFrame, ds: DawidSkeneResult | None, raters: pd.Index
) -> pd.Series:
    """Cohen's kappa of each rater against the consensus, from one rater × label × label count."""
    if ds is None or compared.empty:
        return pd.Series(np.nan, index=raters, dtype=float)
    classes = pd.Index(list(ds.classes), dtype=object)
    k = len(classes)
    r = raters.get_indexer(pd.Index(compared["rater_id"], dtype=object))
    given = classes.get_indexer(pd.Index(compared["label"], dtype=object))
    truth = classes.get_indexer(pd.Index(compared["consensus_label"], dtype=object))
    tables = np.bincount((r * k + given) * k + truth, minlength=len(raters) * k * k)
    tables = tables.reshape(len(raters), k, k)
    kappas = [cohen_kappa_table(t) if t.sum() > 0 else float("nan") for t in tables]
    return pd.Series(kappas, index=raters, dtype=float)


def _disputed(
    sid: object, counts: pd.DataFrame, modal_share: pd.Series, tied: pd.Series, top: int
) -> pd.DataFrame:
    split = modal_share < 1.0
    if not split.any() or top == 0:
        return _empty(DISPUTED_COLUMNS)
    sub = counts[split]
    # Most disputed first; item_id breaks ties so the list is stable.
    order = (
        pd.DataFrame({"share": modal_share[split], "item": sub.index.astype(str)}, index=sub.index)
        .sort_values(["share", "item"])
        .index[:top]
    )
    rows = []
    for item in order:
        row = sub.loc[item]
        present = row[row > 0].sort_values(ascending=False, kind="stable")
        best = present[present == present.iloc[0]].index
        rows.append(
            {
                "session_id": sid,
                "item_id": item,
                "modal_label": " / ".join(map(str, best)) if tied[item] else best[0],
                "modal_share": float(modal_share[item]),
                "labels": ", ".join(f"{lab}: {int(n)}" for lab, n in present.items()),
                "ratings": int(row.sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(DISPUTED_COLUMNS))
