"""The aggregation layer: each fact table compacted to the columns the metrics use.

One definition per table (``COMPACTIONS``), one narwhals expression, any engine: the
engine groups the table by the dimension columns every metric reads and sums the additive
measures; the result has one row per distinct combination and a count ``n`` of the rows
it stands for. The pandas metrics then run unchanged on those small tables (a metric
that counts rows counts Σn). Tables not listed are small and pass through whole.

- Production per date × person × project: Σitems, Σhandle_minutes
- Timesheet per date × person × activity × project: Σhours
- Audits per audit_date × project × person × auditor × both decisions × error type ×
  severity × disputed × outcome: n audits
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from labelxl.engines.backends import FILE, ROW, Backend
from labelxl.model.schema import SHEETS

COUNT = "n"  # rows a compacted row stands for


@dataclass(frozen=True)
class Compaction:
    sheet: str
    keys: tuple[str, ...]
    sums: tuple[str, ...] = ()

    def null_flag(self, measure: str) -> str:
        return f"_null_{measure}"


COMPACTIONS: dict[str, Compaction] = {
    c.sheet: c
    for c in (
        Compaction("Production", ("date", "person_id", "project_id"), ("items", "handle_minutes")),
        Compaction("Timesheet", ("date", "person_id", "activity", "project_id"), ("hours",)),
        Compaction(
            "Audits",
            (
                "audit_date",
                "project_id",
                "person_id",
                "auditor_id",
                "labeler_decision",
                "auditor_decision",
                "error_type",
                "severity",
                "disputed",
                "dispute_outcome",
            ),
        ),
    )
}


def compact_expr(spec: Compaction, typed: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """The compaction of one typed table (lazy: the engine runs it on collect).

    A blank measure is kept apart (its null flag is a key) so that a row whose items are
    blank stays blank instead of becoming a 0 in a sum.
    """
    flags = [nw.col(m).is_null().alias(spec.null_flag(m)) for m in spec.sums]
    keyed = typed.with_columns(*flags) if flags else typed
    keys = [*spec.keys, *(spec.null_flag(m) for m in spec.sums)]
    return keyed.group_by(keys, drop_null_keys=False).agg(
        *(nw.col(m).sum().alias(m) for m in spec.sums),
        nw.len().alias(COUNT),
        nw.col(ROW).min().alias(ROW),
        nw.col(FILE).min().alias(FILE),
    )


def compact(backend: Backend, spec: Compaction, typed: nw.LazyFrame[Any]) -> pd.DataFrame:
    """Run the compaction on ``backend``; a pandas frame typed like a workspace sheet."""
    out = backend.collect(compact_expr(spec, typed))
    for m in spec.sums:
        flag = spec.null_flag(m)
        out[m] = out[m].astype("float64").where(~out[flag].astype(bool))
        out = out.drop(columns=flag)
    out = workspace_types(spec.sheet, out)
    # A stable order (the engines group in any order): by the first row each stands for.
    order = [FILE, ROW, *spec.keys]
    out = out.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)
    out[COUNT] = out[COUNT].astype("int64")
    return out


def workspace_types(sheet: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as ``model.workspace`` types them: datetime64[ns], float64, object text."""
    schema = SHEETS[sheet]
    for col in schema.columns:
        if col.name not in frame:
            continue
        values = frame[col.name]
        if col.type == "date":
            frame[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col.type in ("number", "integer"):
            frame[col.name] = pd.to_numeric(values).astype("float64")
        else:
            obj = values.astype(object)
            frame[col.name] = obj.where(obj.notna(), None)
    return frame


def expand(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per original row (``n`` copies of each), for metrics that count rows."""
    if COUNT not in frame or (frame[COUNT] == 1).all():
        return frame.drop(columns=[COUNT], errors="ignore")
    repeat = np.repeat(np.arange(len(frame)), frame[COUNT].to_numpy())
    return frame.drop(columns=[COUNT]).iloc[repeat].reset_index(drop=True)
