"""Audit rules: no self-audit, error_type and dispute outcome consistent with the decisions."""

from __future__ import annotations

from labelxl.model.findings import (
    DISPUTE_OUTCOME_MISMATCH,
    ERROR_TYPE_MISMATCH,
    SELF_AUDIT,
    Finding,
)
from labelxl.model.workspace import Workspace
from labelxl.validate._common import (
    emit,
    has,
    show,
)


def audit_rules(ws: Workspace) -> list[Finding]:
    sd = ws.sheets.get("Audits")
    if sd is None:
        return []
    frame = sd.frame
    out: list[Finding] = []

    if has(ws, "Audits", "person_id", "auditor_id"):
        bad = frame["auditor_id"].notna() & (frame["auditor_id"] == frame["person_id"])
        out.extend(
            emit(
                SELF_AUDIT,
                sd,
                "auditor_id",
                frame.loc[bad],
                lambda r: (
                    f"auditor_id must differ from the labeler person_id (got "
                    f"{show(r['auditor_id'])} for both). Have another auditor re-audit the item."
                ),
            )
        )

    if has(ws, "Audits", "labeler_decision", "auditor_decision", "error_type"):
        lab, aud, err = frame["labeler_decision"], frame["auditor_decision"], frame["error_type"]
        both = lab.notna() & aud.notna()
        agree = both & (lab == aud)
        overturned = frame["dispute_outcome"].eq("Overturned").fillna(False).astype(bool)
        given = agree & err.notna()
        out.extend(
            emit(
                ERROR_TYPE_MISMATCH,
                sd,
                "error_type",
                frame.loc[given],
                lambda r: (
                    f"error_type must be blank when the decisions agree (both "
                    f"{show(r['labeler_decision'])}; got {show(r['error_type'])}). Clear "
                    f"error_type or correct a decision."
                ),
            )
        )
        absent = both & ~agree & err.isna() & ~overturned
        out.extend(
            emit(
                ERROR_TYPE_MISMATCH,
                sd,
                "error_type",
                frame.loc[absent],
                lambda r: (
                    f"error_type is required when the decisions differ (labeler "
                    f"{show(r['labeler_decision'])}, auditor {show(r['auditor_decision'])}; got "
                    f"blank). Enter FalsePositive, FalseNegative, WrongPolicy or Technical."
                ),
            )
        )

    if has(ws, "Audits", "disputed", "dispute_outcome"):
        disputed = frame["disputed"].eq("yes").fillna(False).astype(bool)
        outcome = frame["dispute_outcome"]
        stray = ~disputed & outcome.notna()
        out.extend(
            emit(
                DISPUTE_OUTCOME_MISMATCH,
                sd,
                "dispute_outcome",
                frame.loc[stray],
                lambda r: (
                    f"dispute_outcome must be blank when disputed is not yes (got "
                    f"{show(r['dispute_outcome'])}). Set disputed to yes or clear the outcome."
                ),
            )
        )
        lacking = disputed & outcome.isna()
        out.extend(
            emit(
                DISPUTE_OUTCOME_MISMATCH,
                sd,
                "dispute_outcome",
                frame.loc[lacking],
                lambda r: (
                    "dispute_outcome is required when disputed is yes (got blank). Enter "
                    "Upheld, Overturned or Pending."
                ),
            )
        )
    return out
