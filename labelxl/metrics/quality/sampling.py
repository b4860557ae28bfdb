"""Audit sampling: next period's Cochran sample per project and labeler, Z1.4 vendor lots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.metrics.quality.facts import _empty
from labelxl.model import dimensions
from labelxl.model.periods import month_bounds, resolve_month
from labelxl.model.workspace import Workspace
from labelxl.stats.sampling import allocate, cochran_sample_size, z14_plan

# --------------------------------------------------------------------------- sampling


def _production_month(ws: Workspace, month: str | None) -> tuple[pd.DataFrame, str]:
    """Production rows of ``month`` (default: ``periods.resolve_month``) with items > 0."""
    month = resolve_month(ws, month)
    prod = ws.frame("Production")
    prod = prod.dropna(subset=["date", "person_id", "project_id", "items"])
    start, last = month_bounds(month)
    prod = prod[(prod["date"] >= start) & (prod["date"] <= last) & (prod["items"] > 0)]
    return prod, month


def sampling_plan(ws: Workspace, month: str | None = None, p: float = 0.5) -> pd.DataFrame:
    """Next period's audit sample per project, split across its labelers by volume.

    Basis: Production items of ``month`` (default: the reporting month,
    ``periods.resolve_month``), projects with status Closed left out. Per project the
    Cochran sample size for ± settings.audit_margin at settings.confidence with the
    finite-population
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
