"""Demo work: projects, timesheets and production, queues, requirements, project targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.demo.catalogue import (
    _CLOSED,
    _PLANNED,
    _PROJECTS,
    _REQ_SUMMARIES,
    _REQUESTERS,
    _SPECIALISTS,
    FIXED_SCOPE,
    GRAPHIC_DAY_MAX,
    LANGUAGE,
    MARKETS,
    PAID_HOURS,
)
from labelxl.demo.state import _quarters, _State
from labelxl.model.schema import SHEETS


class _WorkSteps(_State):
    def _projects(self) -> None:
        rng = self.rng
        active = pd.DataFrame(
            [p[:10] for p in _PROJECTS],
            columns=[
                "project_id",
                "project_name",
                "market",
                "policy_area",
                "queue_type",
                "graphic",
                "target_aht_sec",
                "target_accuracy",
                "sla_hours",
                "priority",
            ],
        )
        active["share"] = [p[10] for p in _PROJECTS]
        active["status"] = "Active"
        active["start_date"] = [
            self.start - pd.Timedelta(days=int(d)) for d in rng.integers(60, 900, len(active))
        ]
        active["end_date"] = pd.NaT
        extra = pd.DataFrame([_PLANNED, _CLOSED], columns=list(active.columns[:10]))
        extra["share"] = 0.0
        extra["status"] = ["Planned", "Closed"]
        extra["start_date"] = [
            self.end + pd.Timedelta(days=21),
            self.start - pd.Timedelta(days=240),
        ]
        extra["end_date"] = [self.end + pd.Timedelta(days=200), self.start - pd.Timedelta(days=45)]
        proj = pd.concat([active, extra], ignore_index=True)
        proj["language"] = proj["market"].map(LANGUAGE)
        proj["safety_specialist"] = [_SPECIALISTS[i % len(_SPECIALISTS)] for i in range(len(proj))]
        proj["target_aht_sec"] = proj["target_aht_sec"].astype("float64")
        proj["sla_hours"] = proj["sla_hours"].astype("float64")
        proj["priority"] = proj["priority"].astype("float64")
        self.projects = proj
        self.active = active  # worked in the window, row order = _PROJECTS
        self.project_index = {pid: i for i, pid in enumerate(active["project_id"])}

    def _timesheet_and_production(self) -> None:
        rng = self.rng
        r, act = self.roster, self.active
        p = self.pd_person
        m = len(p)
        role = r["role"].to_numpy()[p]
        fte = r["fte"].to_numpy()[p]
        paid = PAID_HOURS * fte
        labeler, qa = role == "Labeler", role == "QA"
        lead, trainer = role == "Lead", role == "Trainer"
        new = self.pd_tenure < 28
        self._plan_calibration()
        rater_day = np.zeros(m, dtype=bool)
        for session in self.sessions:
            rater_day |= (self.pd_date == session.date) & np.isin(p, session.raters)
        leave = (rng.random(m) < 0.035) & ~rater_day & (self.pd_tenure > 0)
        graphic_project = act["graphic"].to_numpy() == "yes"
        prim = self.primary[p]
        graphic_worker = labeler & (prim >= 0) & graphic_project[np.maximum(prim, 0)]
        graphic_day = graphic_worker & (self.pd_weekday != self.rotation_day[p])
        qa_graphic_day = qa & (self.pd_weekday != self.rotation_day[p])

        def pick(prob: float, hours: float) -> np.ndarray:
            return np.where(rng.random(m) < prob, hours, 0.0)

        meeting = np.where(lead, 2.0, pick(0.35, 0.5))
        training = np.where(trainer, 0.0, np.where(new, _quarters(2.0 * fte), pick(0.06, 1.0)))
        admin = np.where(lead, 1.5, np.where(trainer, 1.0, pick(0.5, 0.25)))
        idle = np.where(lead | trainer, 0.0, pick(0.25, 0.25))
        wellness = np.where(graphic_day | qa_graphic_day, 0.5, 0.0)
        calibration = np.where(rater_day, 1.5, 0.0)
        other = meeting + training + admin + idle + wellness + calibration
        work = paid - other  # Labeling for labelers, QA for QA/leads, Training for trainers
        training = np.where(trainer, work, training)
        # Labelers: graphic workers spend <= 3.5 h on the graphic queue, the rest elsewhere.
        sec = self.secondary[p]
        g_hours = np.minimum(work, _quarters(rng.uniform(2.5, GRAPHIC_DAY_MAX, m)))
        split = _quarters(work * rng.uniform(0.3, 0.5, m))
        lab1 = np.where(
            graphic_worker,
            np.where(graphic_day, g_hours, 0.0),
            np.where(sec >= 0, work - split, work),
        )
        lab2 = np.where(graphic_worker, work - lab1, np.where(sec >= 0, split, 0.0))
        lab1 = np.where(labeler, lab1, 0.0)
        lab2 = np.where(labeler & (sec >= 0), lab2, 0.0)
        # QA: a graphic queue (<= 3 h) on most days, the rest on the market's other queues.
        qa_g_hours = np.where(qa_graphic_day, _quarters(rng.uniform(2.0, 3.0, m)), 0.0)
        qa1 = np.where(qa, qa_g_hours, 0.0)
        qa2 = np.where(qa, work - qa1, np.where(lead, work, 0.0))
        market = r["market"].to_numpy()[p]
        qa1_proj = self._random_project(market, graphic=True)
        qa2_proj = self._random_project(market, graphic=False)
        leave_hours = np.where(leave, paid, 0.0)
        zero = ~leave
        slots = [  # (activity, hours, project index or -1); the order within a day
            ("Labeling", lab1 * zero, np.where(lab1 > 0, prim, -1)),
            ("Labeling", lab2 * zero, np.where(lab2 > 0, sec, -1)),
            ("QA", qa1 * zero, qa1_proj),
            ("QA", qa2 * zero, qa2_proj),
            ("Calibration", calibration * zero, np.full(m, -1)),
            ("Training", training * zero, np.full(m, -1)),
            ("Meeting", meeting * zero, np.full(m, -1)),
            ("Wellness", wellness * zero, np.full(m, -1)),
            ("Admin", admin * zero, np.full(m, -1)),
            ("Idle", idle * zero, np.full(m, -1)),
            ("Leave", leave_hours, np.full(m, -1)),
        ]
        hours = np.column_stack([s[1] for s in slots])
        proj = np.column_stack([s[2] for s in slots])
        activity = np.array([s[0] for s in slots], dtype=object)
        keep = hours > 0
        pday_of_entry = np.repeat(np.arange(m), keep.sum(axis=1))
        slot_of_entry = np.nonzero(keep)[1]
        ids = np.array([*act["project_id"].tolist(), None], dtype=object)  # -1 → None
        entry_proj = proj[keep]
        notes = np.full(len(entry_proj), None, dtype=object)
        act_of_entry = activity[slot_of_entry]
        notes[(act_of_entry == "Training") & (self.pd_tenure[pday_of_entry] < 28)] = (
            "New-hire onboarding"
        )
        notes[(act_of_entry == "Calibration")] = "Calibration session"
        self.timesheet = pd.DataFrame(
            {
                "date": self.pd_date[pday_of_entry],
                "person_id": r["person_id"].to_numpy()[p][pday_of_entry],
                "activity": act_of_entry,
                "hours": hours[keep],
                "project_id": ids[entry_proj],  # -1 → None
                "note": notes,
            }
        )
        self.ts_pday, self.ts_slot = pday_of_entry, slot_of_entry
        self.pd_leave, self.pd_graphic_worker = leave, graphic_worker
        self.pd_rater = rater_day
        self._production(lab1 * zero, lab2 * zero, prim, sec)

    def _random_project(self, market: np.ndarray, graphic: bool) -> np.ndarray:
        act = self.active
        out = np.full(len(market), -1)
        for mk in MARKETS:
            options = np.flatnonzero(
                (
                    (act["market"] == mk) & (act["graphic"] == ("yes" if graphic else "no"))
                ).to_numpy()
            )
            rows = np.flatnonzero(market == mk)
            if len(options) and len(rows):
                out[rows] = self.rng.choice(options, size=len(rows))
        return out

    def _production(
        self, lab1: np.ndarray, lab2: np.ndarray, prim: np.ndarray, sec: np.ndarray
    ) -> None:
        rng, act = self.rng, self.active
        m = len(lab1)
        pday = np.concatenate([np.arange(m), np.arange(m)])
        hours = np.concatenate([lab1, lab2])
        proj = np.concatenate([prim, sec])
        keep = hours > 0
        pday, hours, proj = pday[keep], hours[keep], proj[keep]
        order = np.lexsort((proj, pday))  # by date, person (pday order), then project
        pday, hours, proj = pday[order], hours[order], proj[order]
        person = self.pd_person[pday]
        # Handle time is a little under the logged hours (breaks between items), so the
        # timesheet is always within a few minutes per hour of production.
        handle = np.maximum(1.0, np.round(hours * 60 * rng.uniform(0.96, 1.0, len(hours))))
        aht = (
            act["target_aht_sec"].to_numpy()[proj]
            * self.person_factor[person]
            * (1 + 0.45 * np.exp(-self.pd_tenure[pday] / 40))
            * np.clip(rng.lognormal(0.0, 0.07, len(hours)), 0.85, 1.2)
        )
        items = np.maximum(1.0, np.round(handle * 60 / aht))
        self.production = pd.DataFrame(
            {
                "date": self.pd_date[pday],
                "person_id": self.roster["person_id"].to_numpy()[person],
                "project_id": act["project_id"].to_numpy()[proj],
                "items": items,
                "handle_minutes": handle,
            }
        )
        self.prod_pday, self.prod_proj, self.prod_hours = pday, proj, hours

    def _queue(self) -> None:
        rng, act = self.rng, self.active
        done = self.production.groupby(["project_id", "date"])["items"].sum()
        grid = pd.MultiIndex.from_product(
            [act["project_id"], self.days], names=["project_id", "date"]
        )
        q = done.reindex(grid, fill_value=0.0).reset_index()
        q = q.rename(columns={"items": "items_done"})
        q["items_in"] = np.round(q["items_done"] * rng.lognormal(0.01, 0.08, len(q)))
        net = (q["items_in"] - q["items_done"]).groupby(q["project_id"]).cumsum()
        floor = (-net).groupby(q["project_id"]).transform("max").clip(lower=0)
        opening = np.round(q.groupby("project_id")["items_done"].transform("mean") * 0.4)
        q["backlog_end"] = net + floor + opening
        info = act.set_index("project_id")
        realtime = q["project_id"].map(info["queue_type"]).eq("realtime").to_numpy()
        rate = np.where(realtime, rng.normal(0.965, 0.015, len(q)), rng.normal(0.93, 0.03, len(q)))
        q["done_within_sla"] = np.floor(q["items_done"] * np.clip(rate, 0.8, 1.0))
        sla = q["project_id"].map(info["sla_hours"]).to_numpy()
        q["median_tat_hours"] = np.round(sla * rng.uniform(0.2, 0.6, len(q)), 2)
        self.queue = q.sort_values(["date", "project_id"], kind="stable")[
            list(SHEETS["Queue"].column_names)
        ].reset_index(drop=True)

    def _requirements(self) -> None:
        rng = self.rng
        months = len(pd.period_range(self.start, self.end, freq="M"))
        n = 6 + 4 * months
        span = (self.end - self.start).days
        received = self.start + pd.to_timedelta(np.sort(rng.integers(0, span + 1, n)), unit="D")
        age = (self.end - received).days.to_numpy()
        status = np.where(
            age > 45,
            rng.choice(["Done", "Rejected"], n, p=[0.85, 0.15]),
            rng.choice(["New", "In progress", "Done"], n, p=[0.3, 0.5, 0.2]),
        )
        pid = self.active["project_id"].to_numpy()[rng.integers(0, len(self.active), n)]
        pid = np.where(rng.random(n) < 0.1, None, pid)
        rows = pd.DataFrame(
            {
                "req_id": [f"REQ-{self.start:%y}{i + 1:03d}" for i in range(n)],
                "project_id": pid,
                "requested_by": rng.choice(_REQUESTERS, n),
                "received_date": received,
                "summary": rng.choice(_REQ_SUMMARIES, n),
                "status": status,
                "due_date": received + pd.to_timedelta(rng.integers(7, 35, n), unit="D"),
                "version": 1.0,
            }
        )
        # A quarter of requirements were revised: a version 2 received a little later.
        again = rows[(rng.random(n) < 0.25) & (age > 10)].copy()
        again["version"] = 2.0
        bump = pd.to_timedelta(rng.integers(1, 10, len(again)), unit="D")
        again["received_date"] = (again["received_date"] + bump).clip(upper=self.end)
        again["due_date"] = again["due_date"] + bump
        again["summary"] = again["summary"] + " (revised)"
        self.requirements = (
            pd.concat([rows, again])
            .sort_values(["received_date", "req_id"], kind="stable")
            .reset_index(drop=True)
        )

    def _finish_projects(self) -> None:
        proj, r = self.projects, self.roster
        monthly = (
            self.production.assign(month=self.production["date"].dt.to_period("M"))
            .groupby(["project_id", "month"])["items"]
            .sum()
            .groupby("project_id")
            .mean()
        )
        target = (monthly * self.rng.uniform(0.95, 1.1, len(monthly)) / 1000).round() * 1000
        proj["target_volume"] = proj["project_id"].map(target)
        planned = proj["status"] == "Planned"
        proj.loc[planned, "target_volume"] = 60000.0
        for pid, months in FIXED_SCOPE.items():
            row = proj["project_id"] == pid
            proj.loc[row, "start_date"] = self.start
            proj.loc[row, "end_date"] = self.end + pd.offsets.MonthEnd(months)
        leads = r[r["role"] == "Lead"]
        owners = {m: leads.loc[leads["market"] == m, "name"].tolist() for m in MARKETS}
        proj["owner"] = [
            owners[m][i % len(owners[m])] if owners[m] else None
            for i, m in enumerate(proj["market"])
        ]
        self.projects = proj.reindex(columns=list(SHEETS["Projects"].column_names))
