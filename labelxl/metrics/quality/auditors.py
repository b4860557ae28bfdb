"""Grading the graders: each auditor's error-finding rate against peers on the same projects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.metrics._common import weights
from labelxl.metrics.quality.facts import _empty, _plain, audit_facts
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import mover_difference, wilson_arrays

# --------------------------------------------------------------------------- auditors


def auditor_strictness(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Grade the grader: each auditor's error-finding rate against peers on the same projects.

    Audits of ``month``; ``month=None`` means all audits in the workspace.

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
    w = weights(facts)
    counted = facts[["auditor_id", "project_id"]].assign(
        size=w, sum=facts["flagged"].to_numpy() * w
    )
    cell = (
        counted.groupby(["auditor_id", "project_id"], dropna=False, observed=True)[["size", "sum"]]
        .sum()
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
