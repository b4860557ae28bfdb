"""Demo quality: the taxonomy, audits sampled from production, calibration sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.demo.catalogue import (
    _COMMENTS,
    _DIFFICULTY,
    AUDITS_PER_LABELING_HOUR,
    MARKETS,
    TAXONOMY,
)
from labelxl.demo.state import _Session, _State


class _QualitySteps(_State):
    def _taxonomy(self) -> None:
        rows = [(area, d, desc, sev) for area, ds in TAXONOMY.items() for d, desc, sev, _ in ds]
        self.taxonomy = pd.DataFrame(
            rows, columns=["policy_area", "decision", "description", "default_severity"]
        )

    def _audits(self) -> None:
        rng, act, r = self.rng, self.active, self.roster
        lam = self.prod_hours * AUDITS_PER_LABELING_HOUR
        k = rng.poisson(lam)
        src = np.repeat(np.arange(len(k)), k)
        n = len(src)
        pday, proj = self.prod_pday[src], self.prod_proj[src]
        person = self.pd_person[pday]
        prod_date = self.pd_date[pday]
        lag = rng.choice([0, 1, 2], size=n, p=[0.5, 0.35, 0.15])
        audit_date = np.busday_offset(prod_date.astype("datetime64[D]"), lag, roll="forward")
        audit_date = np.minimum(audit_date, np.datetime64(self.end.date(), "D"))
        market = act["market"].to_numpy()[proj]
        auditor = np.empty(n, dtype=object)
        for mk in MARKETS:
            qa_ids = r.loc[(r["role"] == "QA") & (r["market"] == mk), "person_id"].to_numpy()
            rows = np.flatnonzero(market == mk)
            auditor[rows] = qa_ids[rng.integers(0, len(qa_ids), len(rows))]
        area = act["policy_area"].to_numpy()[proj]
        p_ok = (
            self.accuracy[person]
            - 0.06 * np.exp(-self.pd_tenure[pday] / 40)
            + np.array([_DIFFICULTY.get(a, 0.0) for a in area])
        )
        correct = rng.random(n) < np.clip(p_ok, 0.5, 0.995)
        lab_dec = np.empty(n, dtype=object)
        aud_dec = np.empty(n, dtype=object)
        error = np.full(n, None, dtype=object)
        severity = np.full(n, None, dtype=object)
        for a, decisions in TAXONOMY.items():
            rows = np.flatnonzero(area == a)
            if not len(rows):
                continue
            names = np.array([d[0] for d in decisions], dtype=object)
            sev = np.array([d[2] for d in decisions], dtype=object)
            prior = np.array([d[3] for d in decisions])
            truth = rng.choice(len(names), size=len(rows), p=prior / prior.sum())
            offset = rng.integers(1, len(names), len(rows))
            given = np.where(correct[rows], truth, (truth + offset) % len(names))
            aud_dec[rows], lab_dec[rows] = names[truth], names[given]
            wrong = given != truth
            kind = np.where(
                truth == 0, "FalsePositive", np.where(given == 0, "FalseNegative", "WrongPolicy")
            )
            kind = np.where(rng.random(len(rows)) < 0.03, "Technical", kind)
            error[rows[wrong]] = kind[wrong]
            severity[rows[wrong]] = np.where(truth[wrong] == 0, "Minor", sev[truth[wrong]])
        wrong = pd.Series(error).notna().to_numpy()
        disputed = wrong & (rng.random(n) < 0.12)
        outcome = np.full(n, None, dtype=object)
        outcome[disputed] = rng.choice(
            ["Upheld", "Overturned", "Pending"], disputed.sum(), p=[0.6, 0.28, 0.12]
        )
        comment = np.full(n, None, dtype=object)
        talk = wrong & (rng.random(n) < 0.25)
        for i in np.flatnonzero(talk):
            options = _COMMENTS[error[i]]
            comment[i] = options[rng.integers(0, len(options))]
        item_no = 7_300_000_000 + np.cumsum(rng.integers(1, 4000, n))
        audits = pd.DataFrame(
            {
                "audit_date": audit_date.astype("datetime64[ns]"),
                "item_id": rng.permutation(item_no).astype(str),
                "project_id": act["project_id"].to_numpy()[proj],
                "person_id": r["person_id"].to_numpy()[person],
                "auditor_id": auditor,
                "labeler_decision": lab_dec,
                "auditor_decision": aud_dec,
                "error_type": error,
                "severity": severity,
                "disputed": np.where(disputed, "yes", "no"),
                "dispute_outcome": outcome,
                "comment": comment,
            }
        )
        audits = audits.sort_values(["audit_date", "project_id", "person_id"], kind="stable")
        audits.insert(0, "audit_id", [f"AU{i + 1:07d}" for i in range(n)])
        self.audits = audits.reset_index(drop=True)

    def _plan_calibration(self) -> None:
        """Two sessions (dates and raters) chosen before the timesheet, which logs them."""
        rng, r = self.rng, self.roster
        days = self.days
        picks = sorted({int(len(days) * 0.45), int(len(days) * 0.85)})
        if len(picks) < 2:
            picks = [0, len(days) - 1] if len(days) > 1 else [0, 0]
        areas = (("US", "Hate Speech"), ("BR", "Adult Nudity"))
        self.sessions: list[_Session] = []
        for k, (pos, (mk, area)) in enumerate(zip(picks, areas, strict=False)):
            date = days[pos]
            on = (
                (r["start_date"] <= date)
                & (r["end_date"].isna() | (r["end_date"] > date))
                & (r["market"] == mk)
                & (r["fte"] == 1.0)
                & (r["role"] != "Trainer")
                & ((date - r["start_date"]).dt.days > 60)
            )
            support = np.flatnonzero((on & (r["role"] != "Labeler")).to_numpy())[:3]
            labs = np.flatnonzero((on & (r["role"] == "Labeler")).to_numpy())
            labs = rng.choice(labs, size=min(len(labs), 8 - len(support)), replace=False)
            raters = np.sort(np.concatenate([support, labs]).astype(int))
            self.sessions.append(
                _Session(f"CAL-{date:%Y-%m}-{'AB'[k]}", date.to_datetime64(), area, raters)
            )

    def _calibration(self) -> None:
        rng, r = self.rng, self.roster
        rows = []
        for s in self.sessions:
            decisions = TAXONOMY[s.area]
            names = [d[0] for d in decisions]
            truth = rng.integers(0, len(names), 40)  # calibration sets are enriched
            for rater in s.raters:
                skill = rng.uniform(0.72, 0.95)
                ok = rng.random(40) < skill
                given = np.where(ok, truth, (truth + rng.integers(1, len(names), 40)) % len(names))
                for item in range(40):
                    rows.append(
                        (
                            s.id,
                            s.date,
                            f"{s.id}-{item + 1:02d}",
                            r["person_id"].iat[rater],
                            names[given[item]],
                        )
                    )
        self.calibration = pd.DataFrame(
            rows, columns=["session_id", "date", "item_id", "rater_id", "label"]
        )
        self.calibration["date"] = pd.to_datetime(self.calibration["date"])
