"""A seeded, realistic demo workspace (a labeling organisation) with planted data-entry mistakes.

The organisation: labelers, QA, leads and trainers in three markets (US/en, BR/pt, ID/id),
in-house and at two vendors; a dozen projects over policy areas, some on graphic queues;
daily Production on weekdays, Timesheets consistent with it, Queue statistics, audits
sampled from production, two calibration sessions, requirements and a hiring pipeline.
Everything is clean under every validation rule with margin, except the planted
``Demo.mistakes``, each of which produces exactly one finding at the cell it names.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError, WorkbookError
from labelxl.model.findings import col_letter
from labelxl.model.schema import SHEETS, WORKBOOKS
from labelxl.model.settings import Settings
from labelxl.outputs.templates import settings_frame, write_workbook

DEMO_TITLE = "labelxl demo workspace"  # stamped in each demo workbook's properties


@dataclass(frozen=True)
class Mistake:
    """One planted mistake: the finding code validation must report, and where."""

    code: str
    sheet: str
    column: str
    cell: str  # as the user sees it: header is row 1, data start at row 2
    value: object
    description: str


@dataclass
class Demo:
    """The demo workspace as frames (canonical columns, every known sheet) plus its mistakes."""

    frames: dict[str, pd.DataFrame]
    mistakes: list[Mistake]
    start: dt.date
    end: dt.date


@dataclass
class DemoResult:
    """What ``write_demo`` wrote: the workbook paths, the planted mistakes and sheet sizes."""

    folder: Path
    paths: list[Path]
    mistakes: list[Mistake]
    rows: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# The organisation's fixed parts

MARKETS = ("US", "BR", "ID")
LANGUAGE = {"US": "en", "BR": "pt", "ID": "id"}
CITY = {"US": "Austin", "BR": "São Paulo", "ID": "Jakarta"}
MARKET_SHARE = np.array([0.4, 0.3, 0.3])
# market → (vendor, vendor site, share of the market's people at the vendor)
VENDOR = {
    "US": ("Acme BPO", "Manila", 0.4),
    "BR": ("Acme BPO", "Recife", 0.5),
    "ID": ("Nusantara Digital", "Yogyakarta", 0.5),
}

# fmt: off
# id, name, market, policy_area, queue_type, graphic, target AHT s, target accuracy, SLA h,
# priority, share of the market's labelers who work it as their main project.
_PROJECTS = (
    ("P-US-HATE", "US Hate Speech review", "US", "Hate Speech", "batch", "no", 45, 0.95, 24, 2,
     .30),
    ("P-US-VIOL", "US Violent & Graphic live", "US", "Violent & Graphic", "realtime", "yes", 55,
     0.96, 2, 1, .25),
    ("P-US-MINOR", "US Minor Safety escalations", "US", "Minor Safety", "realtime", "yes", 70,
     0.98, 1, 1, .20),
    ("P-US-SPAM", "US Spam & Scams", "US", "Spam", "batch", "no", 18, 0.93, 48, 4, .25),
    ("P-BR-HATE", "BR Discurso de ódio", "BR", "Hate Speech", "batch", "no", 50, 0.95, 24, 2, .30),
    ("P-BR-NUDE", "BR Adult Nudity live", "BR", "Adult Nudity", "realtime", "yes", 28, 0.95, 2,
     2, .25),
    ("P-BR-MISINFO", "BR Election Misinformation", "BR", "Misinformation", "batch", "no", 110,
     0.92, 48, 1, .25),
    ("P-BR-VIOL", "BR Violent & Graphic live", "BR", "Violent & Graphic", "realtime", "yes", 60,
     0.96, 2, 2, .20),
    ("P-ID-SPAM", "ID Spam & Scams", "ID", "Spam", "batch", "no", 20, 0.93, 48, 4, .30),
    ("P-ID-NUDE", "ID Adult Nudity live", "ID", "Adult Nudity", "realtime", "yes", 30, 0.95, 2,
     2, .25),
    ("P-ID-HATE", "ID Ujaran kebencian", "ID", "Hate Speech", "batch", "no", 55, 0.95, 24, 2, .25),
    ("P-ID-MISINFO", "ID Health Misinformation", "ID", "Misinformation", "batch", "no", 120, 0.92,
     48, 3, .20),
)
# Not worked in the window: one launching after it, one pilot that closed before it.
_PLANNED = ("P-US-MISINFO", "US Misinformation pilot", "US", "Misinformation", "batch", "no",
            100, 0.92, 48, 3)
_CLOSED = ("P-BR-SPAM", "BR Spam pilot", "BR", "Spam", "batch", "no", 20, 0.93, 48, 5)

# policy area → (decision, description, default severity, share of items); first = Approve.
TAXONOMY = {
    "Hate Speech": (
        ("Approve", "No violation.", "Minor", .78),
        ("Remove - Hateful Conduct", "Attacks a protected group.", "Major", .12),
        ("Remove - Slur", "Uses a slur against a protected group.", "Major", .05),
        ("Reduce - Borderline", "Borderline; limit distribution.", "Minor", .05)),
    "Violent & Graphic": (
        ("Approve", "No violation.", "Minor", .70),
        ("Remove - Graphic Violence", "Gore or graphic injury.", "Major", .15),
        ("Age-restrict - Graphic", "Graphic but newsworthy; 18+ only.", "Minor", .12),
        ("Escalate - Credible Threat", "Real-world threat; escalate to law enforcement.",
         "Critical", .03)),
    "Adult Nudity": (
        ("Approve", "No violation.", "Minor", .72),
        ("Remove - Nudity", "Nudity outside allowed contexts.", "Major", .15),
        ("Remove - Sexual Activity", "Sexual activity.", "Major", .05),
        ("Age-restrict - Suggestive", "Suggestive; 18+ only.", "Minor", .08)),
    "Minor Safety": (
        ("Approve", "No violation.", "Minor", .80),
        ("Remove - Minor Endangerment", "Puts a minor at risk.", "Critical", .10),
        ("Escalate - Child Safety Report", "Report to the child-safety team.", "Critical", .03),
        ("Age-restrict - Minor Risk", "Risky for young viewers.", "Major", .07)),
    "Spam": (
        ("Approve", "No violation.", "Minor", .75),
        ("Remove - Spam", "Repetitive or commercial spam.", "Minor", .18),
        ("Remove - Scam", "Fraud or scam.", "Major", .07)),
    "Misinformation": (
        ("Approve", "No violation.", "Minor", .74),
        ("Label - Misleading", "Add a context label.", "Minor", .15),
        ("Remove - Harmful Misinformation", "False claim likely to cause harm.", "Major", .07),
        ("Reduce - Unverified", "Unverified claim; limit distribution.", "Minor", .04)),
}
_DIFFICULTY = {"Misinformation": -0.02, "Minor Safety": -0.01, "Spam": 0.01}

_FIRST = {
    "US": ("James", "Maria", "Ashley", "Michael", "Jessica", "David", "Emily", "Daniel",
           "Sarah", "Chris", "Amanda", "Kevin", "Megan", "Brian", "Nicole", "Jason"),
    "BR": ("Ana", "João", "Mariana", "Pedro", "Juliana", "Lucas", "Camila", "Rafael",
           "Beatriz", "Gabriel", "Larissa", "Thiago", "Fernanda", "Bruno", "Letícia", "Diego"),
    "ID": ("Putri", "Budi", "Siti", "Agus", "Dewi", "Rizky", "Ayu", "Andi", "Wulan", "Eko",
           "Intan", "Fajar", "Rina", "Hendra", "Nur", "Dimas"),
}
_LAST = {
    "US": ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
           "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Lee", "Harris", "Clark"),
    "BR": ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira",
           "Almeida", "Ribeiro", "Carvalho", "Gomes", "Martins", "Rocha", "Barbosa", "Dias"),
    "ID": ("Santoso", "Wijaya", "Pratama", "Saputra", "Lestari", "Hidayat", "Nugroho",
           "Kurniawan", "Setiawan", "Rahayu", "Susanto", "Utami", "Gunawan", "Permana",
           "Siregar", "Halim"),
}
_SPECIALISTS = ("Helena Strand", "Omar Haddad", "Priya Raman", "Tomás Ruiz")
_REQUESTERS = ("Policy - Hate Speech", "Policy - Child Safety", "Trust & Safety Ops",
               "Ads Integrity", "Search Quality", "Legal - Elections", "Product - Live")
_REQ_SUMMARIES = (
    "Add examples for coded hate symbols", "Clarify newsworthy exception for violent footage",
    "New scam pattern: fake giveaway links", "Label election claims ahead of the vote",
    "Escalation path for credible threats", "Update nudity policy for art and education",
    "Reduce reach for unverified health claims", "Double review for live streams after 22:00",
    "Age-restrict risky challenges", "Spam wave: repeated comment links",
)
_COMMENTS = {
    "FalsePositive": ("Context makes it acceptable", "Satire, not an attack",
                      "Educational context missed"),
    "FalseNegative": ("Missed violating caption", "Slur in the audio", "Missed link in bio"),
    "WrongPolicy": ("Right action, wrong policy", "Should be age-restricted, not removed"),
    "Technical": ("Video did not load; decided on thumbnail",),
}

# fmt: on

PAID_HOURS = 8.0  # paid hours of a full-time day
GRAPHIC_DAY_MAX = 3.5  # graphic hours a day, well under graphic_hours_per_day (5)
AUDITS_PER_LABELING_HOUR = 0.7  # ~30k audits for 120 people over 3 months
MIN_PEOPLE = 20


def default_end(today: dt.date | None = None) -> dt.date:
    """The last day of the month before ``today``."""
    today = today or dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


def generate_demo(
    people: int = 120, months: int = 3, seed: int = 7, end: dt.date | None = None
) -> Demo:
    """Generate the demo organisation: every known sheet as a frame, plus the planted mistakes.

    The data cover ``months`` whole months ending at ``end`` (default: the last day of the
    month before today). Same arguments, same data.
    """
    if int(people) != people or people < MIN_PEOPLE:
        raise MetricInputError(
            f"people must be a whole number of at least {MIN_PEOPLE} (got {people!r})"
        )
    if int(months) != months or not 1 <= months <= 60:
        raise MetricInputError(f"months must be a whole number from 1 to 60 (got {months!r})")
    end = end or default_end()
    if isinstance(end, dt.datetime):
        end = end.date()
    start = (pd.Timestamp(end) + pd.Timedelta(days=1) - pd.DateOffset(months=int(months))).date()
    gen = _Generator(int(people), start, end, np.random.default_rng(seed))
    frames = gen.build()
    mistakes = _plant(frames, gen)
    for name, frame in frames.items():
        # reindex: optional columns the demo does not fill (e.g. Roster.email) stay blank
        frames[name] = frame.reset_index(drop=True).reindex(columns=list(SHEETS[name].column_names))
    return Demo(frames=frames, mistakes=mistakes, start=start, end=end)


def write_demo(
    folder: str | os.PathLike[str],
    people: int = 120,
    months: int = 3,
    seed: int = 7,
    end: dt.date | None = None,
) -> DemoResult:
    """Generate the demo and write tracker/timesheet/audit workbooks into ``folder``.

    A workbook already in the folder is replaced only when an earlier demo wrote it; any
    other file of that name is refused (it may be the user's own tracker).
    """
    out = Path(folder)
    targets = {book: out / f"{book}.xlsx" for book in WORKBOOKS}
    for path in targets.values():
        if path.exists() and not _is_demo_workbook(path):
            raise WorkbookError(
                path, "already exists and was not written by labelxl demo; choose an empty folder"
            )
    demo = generate_demo(people=people, months=months, seed=seed, end=end)
    paths = [
        write_workbook(targets[book], {name: demo.frames[name] for name in names}, title=DEMO_TITLE)
        for book, names in WORKBOOKS.items()
    ]
    return DemoResult(
        folder=out,
        paths=paths,
        mistakes=demo.mistakes,
        rows={name: len(f) for name, f in demo.frames.items()},
    )


def _is_demo_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 65536:
                return False
            return f"<dc:title>{DEMO_TITLE}</dc:title>" in zf.read(info).decode("utf-8", "ignore")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


# ---------------------------------------------------------------------------------------
# Generation


@dataclass(frozen=True)
class _Session:
    """A planned calibration session: who rates which policy area on which day."""

    id: str
    date: np.datetime64
    area: str
    raters: np.ndarray  # roster positions


def _quarters(x: np.ndarray) -> np.ndarray:
    """Round hours to the quarter hour people type into timesheets."""
    return np.round(np.asarray(x, dtype="float64") * 4) / 4


class _Generator:
    """Builds the frames step by step; keeps the arrays the mistake planter needs."""

    def __init__(self, people: int, start: dt.date, end: dt.date, rng: np.random.Generator) -> None:
        self.n = people
        self.start = pd.Timestamp(start)
        self.end = pd.Timestamp(end)
        self.rng = rng
        self.days = pd.bdate_range(self.start, self.end)
        if len(self.days) == 0:
            raise MetricInputError(f"no weekday between {start} and {end}")

    def build(self) -> dict[str, pd.DataFrame]:
        self._taxonomy()
        self._projects()
        self._roster()
        self._person_days()
        self._timesheet_and_production()
        self._queue()
        self._audits()
        self._calibration()
        self._requirements()
        self._hiring()
        self._finish_projects()
        secret = "demo-" + "".join(self.rng.choice(list("0123456789abcdef"), 16))
        return {
            "Projects": self.projects,
            "Roster": self.roster,
            "Production": self.production,
            "Queue": self.queue,
            "Requirements": self.requirements,
            "Hiring": self.hiring,
            "Settings": settings_frame(Settings(pseudonym_secret=secret)),
            "Timesheet": self.timesheet,
            "Audits": self.audits,
            "Calibration": self.calibration,
            "Taxonomy": self.taxonomy,
        }

    # -- dimensions ---------------------------------------------------------------------

    def _taxonomy(self) -> None:
        rows = [(area, d, desc, sev) for area, ds in TAXONOMY.items() for d, desc, sev, _ in ds]
        self.taxonomy = pd.DataFrame(
            rows, columns=["policy_area", "decision", "description", "default_severity"]
        )

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

    # -- daily facts --------------------------------------------------------------------

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
                    "interviewer": np.where(
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
        leads = r[r["role"] == "Lead"]
        owners = {m: leads.loc[leads["market"] == m, "name"].tolist() for m in MARKETS}
        proj["owner"] = [
            owners[m][i % len(owners[m])] if owners[m] else None
            for i, m in enumerate(proj["market"])
        ]
        self.projects = proj.reindex(columns=list(SHEETS["Projects"].column_names))


def _weekday_on_or_before(value: object) -> pd.Timestamp:
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return ts - pd.Timedelta(days=max(0, ts.weekday() - 4))


# ---------------------------------------------------------------------------------------
# Planted mistakes


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
