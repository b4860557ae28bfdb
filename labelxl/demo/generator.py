"""The demo generator: builds every sheet step by step (people, work, quality)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from labelxl.demo.people import _PeopleSteps
from labelxl.demo.quality import _QualitySteps
from labelxl.demo.work import _WorkSteps
from labelxl.errors import MetricInputError
from labelxl.model.settings import Settings
from labelxl.outputs.templates import settings_frame


class _Generator(_PeopleSteps, _WorkSteps, _QualitySteps):
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
