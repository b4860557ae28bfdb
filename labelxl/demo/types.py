"""The demo's result values: the generated frames and the planted mistakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


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
