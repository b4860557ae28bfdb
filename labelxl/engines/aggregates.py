"""The aggregation layer: each fact table compacted to the columns the metrics use.

One definition per table (``COMPACTIONS``), run by ``facts`` as one narwhals expression on
any engine: the engine groups the table by the dimension columns every metric reads and
sums the additive measures; the result has one row per distinct combination and a count
``n`` of the rows it stands for. The pandas metrics then run unchanged on those small
tables (they count audits as Σn: ``labelxl.metrics.AUDIT_WEIGHT``). Tables not listed
are small and pass through whole.

- Production per date × person × project: Σitems, Σhandle_minutes
- Timesheet per date × person × activity × project: Σhours
- Audits per audit_date × project × person × auditor × both decisions × error type ×
  severity × disputed × outcome: n audits
"""

from __future__ import annotations

from dataclasses import dataclass

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
