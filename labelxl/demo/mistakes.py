"""Planted mistakes: one realistic data-entry mistake per finding code, at a known cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.demo.generator import _Generator
from labelxl.demo.types import Mistake
from labelxl.errors import MetricInputError
from labelxl.model.findings import col_letter
from labelxl.model.schema import SHEETS


def _cell(sheet: str, column: str, index: int) -> str:
    """Excel address of a frame cell in the layout write_workbook produces."""
    return f"{col_letter(SHEETS[sheet].column_names.index(column))}{index + 2}"


def _plant(frames: dict[str, pd.DataFrame], gen: _Generator) -> list[Mistake]:
    """Plant one realistic mistake per code, each on a row no other mistake touches.

    Every mistake is chosen so it causes exactly one finding: hour changes stay off
    Labeling/QA entries (no timesheet/production mismatch, no graphic exposure), and the
    extra Production row is short enough to stay within the timesheet tolerance.
    """
    rng = gen.rng
    out: list[Mistake] = []
    ts = frames["Timesheet"]
    r = gen.roster
    pday = gen.ts_pday
    # Candidate person-days: full-time labelers off graphic work, on a plain working day.
    person = gen.pd_person
    plain = (
        (r["role"].to_numpy()[person] == "Labeler")
        & (r["fte"].to_numpy()[person] == 1.0)
        & ~gen.pd_graphic_worker
        & ~gen.pd_leave
        & ~gen.pd_rater
    )
    activity = ts["activity"].to_numpy()
    last_of_day = np.r_[pday[1:] != pday[:-1], True]
    used: set[int] = set()

    def choose(mask: np.ndarray) -> int:
        rows = np.flatnonzero(mask & plain[pday] & ~np.isin(pday, list(used)))
        if not len(rows):
            raise MetricInputError("demo too small to plant every mistake; use more people")
        row = int(rows[rng.integers(0, len(rows))])
        used.add(int(pday[row]))
        return row

    # hours-over-cap: an Admin/Idle entry typed as several hours makes a 14.5-hour day.
    row = choose(last_of_day & np.isin(activity, ["Admin", "Idle", "Meeting"]))
    same_day = np.flatnonzero(pday == pday[row])
    others = float(ts["hours"].to_numpy()[same_day].sum() - ts.at[row, "hours"])
    hours = 14.5 - others
    ts.at[row, "hours"] = hours
    out.append(
        Mistake(
            "hours-over-cap",
            "Timesheet",
            "hours",
            _cell("Timesheet", "hours", row),
            hours,
            f"{activity[row]} logged as {hours:g} h, making a 14.5-hour day",
        )
    )
    # leave-and-work: a Meeting entry booked as Leave on a day with Labeling.
    row = choose(activity == "Meeting")
    ts.at[row, "activity"] = "Leave"
    out.append(
        Mistake(
            "leave-and-work",
            "Timesheet",
            "activity",
            _cell("Timesheet", "activity", row),
            "Leave",
            "A Meeting entry booked as Leave on a day with Labeling",
        )
    )
    # not-allowed: a typo in an activity.
    row = choose(activity == "Training")
    ts.at[row, "activity"] = "Trainig"
    out.append(
        Mistake(
            "not-allowed",
            "Timesheet",
            "activity",
            _cell("Timesheet", "activity", row),
            "Trainig",
            "Activity typed as 'Trainig' instead of Training",
        )
    )

    # unknown-reference: an extra 35-minute Production row under a mistyped person_id.
    prod = frames["Production"]
    candidates = np.flatnonzero(plain[gen.prod_pday])
    src = int(candidates[rng.integers(0, len(candidates))])
    real = str(prod.at[src, "person_id"])
    typo = "LO" + real[2:]  # letter O for the zero: not a roster id (those are all digits)
    aht = float(gen.active["target_aht_sec"].iat[int(gen.prod_proj[src])])
    extra = pd.DataFrame(
        [
            {
                "date": prod.at[src, "date"],
                "person_id": typo,
                "project_id": prod.at[src, "project_id"],
                "items": float(round(35 * 60 / aht)),
                "handle_minutes": 35.0,
            }
        ]
    )
    prod = pd.concat([prod.iloc[: src + 1], extra, prod.iloc[src + 1 :]], ignore_index=True)
    frames["Production"] = prod
    out.append(
        Mistake(
            "unknown-reference",
            "Production",
            "person_id",
            _cell("Production", "person_id", src + 1),
            typo,
            f"person_id typed as {typo} (letter O) instead of {real}",
        )
    )

    # Audits: four different rows, away from the edges, on audits where decisions agree.
    aud = frames["Audits"]
    agree = np.flatnonzero((aud["labeler_decision"] == aud["auditor_decision"]).to_numpy())
    agree = agree[(agree > 2) & (agree < len(aud) - 2)]
    picked: list[int] = []
    while len(picked) < 4:
        cand = int(agree[rng.integers(0, len(agree))])
        if all(abs(cand - p) > 2 for p in picked):
            picked.append(cand)
    a, b, c, d = picked
    aud.at[a, "auditor_id"] = str(aud.at[a, "person_id"])
    out.append(
        Mistake(
            "self-audit",
            "Audits",
            "auditor_id",
            _cell("Audits", "auditor_id", a),
            aud.at[a, "person_id"],
            "The labeler entered as their own auditor",
        )
    )
    aud.at[b, "error_type"] = "FalsePositive"
    out.append(
        Mistake(
            "error-type-mismatch",
            "Audits",
            "error_type",
            _cell("Audits", "error_type", b),
            "FalsePositive",
            "error_type FalsePositive on an audit where both decisions agree",
        )
    )
    aud.at[c, "audit_id"] = str(aud.at[c - 1, "audit_id"])
    out.append(
        Mistake(
            "duplicate-key",
            "Audits",
            "audit_id",
            _cell("Audits", "audit_id", c),
            aud.at[c, "audit_id"],
            "audit_id copied from the row above",
        )
    )
    original = str(aud.at[d, "item_id"])
    aud.at[d, "item_id"] = None
    out.append(
        Mistake(
            "required-blank",
            "Audits",
            "item_id",
            _cell("Audits", "item_id", d),
            None,
            f"item_id left blank (was {original})",
        )
    )

    # bad-type: a due date typed as text that is no date (30 February).
    req = frames["Requirements"]
    row = int(rng.integers(0, len(req)))
    req["due_date"] = req["due_date"].astype(object)
    bad = f"30/02/{gen.end.year}"
    req.at[row, "due_date"] = bad
    out.append(
        Mistake(
            "bad-type",
            "Requirements",
            "due_date",
            _cell("Requirements", "due_date", row),
            bad,
            "due_date typed as text that is not a date (30 February)",
        )
    )
    return sorted(out, key=lambda mk: (list(SHEETS).index(mk.sheet), mk.code))
