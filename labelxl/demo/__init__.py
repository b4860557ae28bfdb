"""A seeded, realistic demo workspace (a labeling organisation) with planted data-entry mistakes.

The organisation: labelers, QA, leads and trainers in three markets (US/en, BR/pt, ID/id),
in-house and at two vendors; a dozen projects over policy areas, some on graphic queues;
daily Production on weekdays, Timesheets consistent with it, Queue statistics, audits
sampled from production, two calibration sessions, requirements and a hiring pipeline.
Everything is clean under every validation rule with margin, except the planted
``Demo.mistakes``, each of which produces exactly one finding at the cell it names.

Modules: ``catalogue`` (markets, projects, taxonomy, names), ``people`` (Roster, hiring),
``work`` (projects, timesheets, production, queues, requirements), ``quality`` (audits,
calibration), ``generator`` (the steps in order), ``mistakes`` (the planted mistakes),
``types`` (the result values).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from labelxl.demo.catalogue import GRAPHIC_DAY_MAX, MIN_PEOPLE
from labelxl.demo.generator import _Generator
from labelxl.demo.mistakes import _plant
from labelxl.demo.types import Demo, DemoResult, Mistake
from labelxl.errors import MetricInputError, WorkbookError
from labelxl.model.schema import SHEETS, WORKBOOKS
from labelxl.outputs.templates import write_workbook

DEMO_TITLE = "labelxl demo workspace"  # stamped in each demo workbook's properties

__all__ = [
    "DEMO_TITLE",
    "GRAPHIC_DAY_MAX",
    "Demo",
    "DemoResult",
    "Mistake",
    "default_end",
    "generate_demo",
    "write_demo",
]


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
        columns = list(SHEETS[name].column_names)
        frames[name] = frame.reset_index(drop=True).reindex(columns=columns)
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
