"""Demo people: the Roster, who works on which project, person-days, the hiring pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelxl.demo.catalogue import _FIRST, _LAST, CITY, LANGUAGE, MARKET_SHARE, MARKETS, VENDOR
from labelxl.demo.state import _State, _weekday_on_or_before


class _PeopleSteps(_State):
    def _roster(self) -> None:
        rng, n = self.rng, self.n
        n_qa = max(3, round(n * 0.08))
        n_lead = max(3, round(n * 0.05))
        n_trainer = max(1, round(n * 0.015))
        n_lab = n - n_qa - n_lead - n_trainer
        role = np.array(
            ["QA"] * n_qa + ["Lead"] * n_lead + ["Trainer"] * n_trainer + ["Labeler"] * n_lab,
            dtype=object,
        )
        # Support roles round-robin over markets so each market has QA and a lead.
        market = np.empty(n, dtype=object)
        support = n - n_lab
        market[:support] = (
            [MARKETS[i % 3] for i in range(n_qa)]
            + [MARKETS[i % 3] for i in range(n_lead)]
            + [MARKETS[i % 3] for i in range(n_trainer)]
        )
        market[support:] = rng.choice(MARKETS, size=n_lab, p=MARKET_SHARE)
        vendor = np.full(n, None, dtype=object)
        site = np.array([CITY[m] for m in market], dtype=object)
        at_vendor = rng.random(n) < np.array([VENDOR[m][2] for m in market])
        at_vendor[:n_qa] = False  # QA stays in-house: they audit the vendors
        for i in np.flatnonzero(at_vendor):
            vendor[i], site[i] = VENDOR[market[i]][0], VENDOR[market[i]][1]
        fte = np.where(
            role == "Labeler", rng.choice([1.0, 0.75, 0.5], n, p=[0.86, 0.09, 0.05]), 1.0
        )
        # Tenure: most joined well before the window; some join or leave inside it.
        start_date = np.array(
            [self.start - pd.Timedelta(days=int(d)) for d in rng.integers(45, 1600, n)],
            dtype=object,
        )
        end_date = np.full(n, pd.NaT, dtype=object)
        labelers = np.flatnonzero(role == "Labeler")
        months = len(pd.period_range(self.start, self.end, freq="M"))
        n_join = min(len(labelers) // 4, round(len(labelers) * 0.025 * months))
        n_leave = min(len(labelers) // 4, round(len(labelers) * 0.015 * months))
        picked = rng.choice(labelers, size=n_join + n_leave, replace=False)
        joiners, leavers = picked[:n_join], picked[n_join:]
        window = self.days
        late = window[min(5, len(window) - 1) :]  # nobody joins on the very first day
        for i in joiners:
            start_date[i] = late[int(rng.integers(0, len(late)))]
        for i in leavers:
            end_date[i] = window[int(rng.integers(0, len(window)))]
        start_date = np.array([_weekday_on_or_before(d) for d in start_date], dtype=object)
        # Teams of about 15 within a market and employer.
        employer = np.array([v.split()[0] if v else "Core" for v in vendor], dtype=object)
        team = np.empty(n, dtype=object)
        for key in sorted({(m, e) for m, e in zip(market, employer, strict=True)}):
            members = np.flatnonzero((market == key[0]) & (employer == key[1]))
            for k, i in enumerate(members):
                team[i] = f"{key[0]} {key[1]} {k // 15 + 1}"
        first = np.array([_FIRST[m][rng.integers(0, 16)] for m in market], dtype=object)
        last = np.array([_LAST[m][rng.integers(0, 16)] for m in market], dtype=object)
        languages = np.array(
            [LANGUAGE[m] + (", en" if m != "US" and rng.random() < 0.25 else "") for m in market],
            dtype=object,
        )
        roster = pd.DataFrame(
            {
                "name": first + " " + last,
                "role": role,
                "team": team,
                "site": site,
                "market": market,
                "languages": languages,
                "vendor": vendor,
                "fte": fte,
                "contracted_hours_week": fte * 40.0,
                "start_date": pd.to_datetime(pd.Series(start_date)),
                "end_date": pd.to_datetime(pd.Series(end_date)),
            }
        )
        roster["status"] = np.where(roster["end_date"].notna(), "Left", "Active")
        # Ids follow hiring order, like an HR system's.
        roster = roster.sort_values(["start_date", "name"], kind="stable").reset_index(drop=True)
        roster.insert(0, "person_id", [f"L{i + 1:04d}" for i in range(n)])
        self.roster = roster
        self._assign_projects()

    def _assign_projects(self) -> None:
        rng, r, act = self.rng, self.roster, self.active
        n = len(r)
        primary = np.full(n, -1)
        secondary = np.full(n, -1)
        for m in MARKETS:
            idx = np.flatnonzero(((r["market"] == m) & (r["role"] == "Labeler")).to_numpy())
            pids = np.flatnonzero((act["market"] == m).to_numpy())
            share = act["share"].to_numpy()[pids]
            primary[idx] = rng.choice(pids, size=len(idx), p=share / share.sum())
            safe = pids[(act["graphic"].to_numpy()[pids] == "no")]
            for i in idx:
                graphic = act["graphic"].iat[primary[i]] == "yes"
                # Graphic workers always have a non-graphic queue to rotate to; a third of
                # the others split their day over two queues.
                if graphic or rng.random() < 0.35:
                    options = safe[safe != primary[i]]
                    secondary[i] = rng.choice(options)
        self.primary, self.secondary = primary, secondary
        self.rotation_day = rng.integers(0, 5, n)  # weekday without graphic work
        self.person_factor = np.clip(rng.lognormal(0.0, 0.15, n), 0.75, 1.5)  # AHT multiplier
        base = 0.93 + 0.06 * rng.beta(2.5, 2.0, n)
        weak = rng.random(n) < 0.06
        base[weak] = rng.uniform(0.80, 0.89, weak.sum())
        self.accuracy = base

    def _person_days(self) -> None:
        """One row per person and weekday they were on the team, sorted by date and person."""
        r = self.roster
        n, days = len(r), self.days
        person = np.tile(np.arange(n), len(days))
        day = np.repeat(np.arange(len(days)), n)
        date = days.values[day]
        on = (date >= r["start_date"].values[person]) & (
            r["end_date"].isna().values[person] | (date <= r["end_date"].values[person])
        )
        self.pd_person = person[on]
        self.pd_date = date[on]
        self.pd_weekday = days.day_of_week.to_numpy()[day[on]]
        tenure = (self.pd_date - r["start_date"].values[self.pd_person]) / np.timedelta64(1, "D")
        self.pd_tenure = tenure.astype("float64")

    def _hiring(self) -> None:
        rng, r = self.rng, self.roster
        months = len(pd.period_range(self.start, self.end, freq="M"))
        n = 10 + round(self.n * 0.08 * months)
        span = (self.end - self.start).days
        applied = self.start + pd.to_timedelta(rng.integers(0, span + 1, n), unit="D")
        interview = applied + pd.to_timedelta(rng.integers(5, 16, n), unit="D")
        decision = interview + pd.to_timedelta(rng.integers(2, 8, n), unit="D")
        start = decision + pd.to_timedelta(rng.integers(14, 29, n), unit="D")
        # Where each candidate's process ends, then cut by what has happened by `end`.
        u = rng.random(n)
        outcome = np.select(
            [u < 0.25, u < 0.35, u < 0.55, u < 0.62, u < 0.70],
            ["Rejected", "Withdrawn", "Rejected", "Withdrawn", "Offer"],
            "Hired",
        ).astype(object)
        reached = np.select([u < 0.35, u < 0.55, u < 0.62], [0, 2, 1], 2)  # 0 screen,
        # 1 interviewed then withdrew, 2 interviewed and decided
        end = self.end
        stage = outcome.copy()
        stage[(reached >= 1) & (interview > end)] = "Screen"
        stage[(reached == 2) & (interview <= end) & (decision > end)] = "Interview"
        stage[(outcome == "Hired") & (decision <= end) & (start > end)] = "Offer"
        stage[(reached >= 1) & (applied > end - pd.Timedelta(days=3))] = "Applied"
        interviewed = (reached >= 1) & (interview <= end) & (stage != "Applied")
        decided = (reached == 2) & (decision <= end) & interviewed
        market = rng.choice(MARKETS, n, p=MARKET_SHARE)
        leads = r.loc[r["role"] == "Lead", "person_id"].to_numpy()
        self.hiring = (
            pd.DataFrame(
                {
                    "candidate_id": [f"C{self.start:%y}-{i + 1:04d}" for i in range(n)],
                    "role": rng.choice(["Labeler", "QA"], n, p=[0.9, 0.1]),
                    "market": market,
                    "language": [LANGUAGE[m] for m in market],
                    "stage": stage,
                    "applied_date": applied,
                    "interview_date": interview.where(interviewed),
                    "interviewer": np.where(  # type: ignore[call-overload]
                        interviewed, leads[rng.integers(0, len(leads), n)], None
                    ),
                    "score": np.where(interviewed, np.round(rng.uniform(2.0, 5.0, n), 1), np.nan),
                    "decision_date": decision.where(decided),
                    "start_date": start.where(stage == "Hired"),
                }
            )
            .sort_values("applied_date", kind="stable")
            .reset_index(drop=True)
        )
