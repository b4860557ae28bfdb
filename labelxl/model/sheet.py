"""One typed sheet (``SheetData``): its frame, where its rows came from, and its empty shape."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from labelxl.model.schema import SheetSchema

ROW = "_row"  # column holding the Excel row number the user sees for each record
# Column holding each row's index into SheetData.sources; only present when one sheet kind
# was read from several workbooks (a frame from one sheet has no such column).
SRC = "_src"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class SheetData:
    """One known sheet: typed frame with canonical columns plus ``_row``, and its origin.

    A sheet kind found in several workbooks is one SheetData whose frame holds every row;
    ``sources`` lists each workbook's sheet and the ``_src`` column says which one each row
    came from. ``workbook``, ``sheet_name``, ``letters`` and ``header_row`` are the first
    source's.
    """

    name: str
    frame: pd.DataFrame
    workbook: str = ""
    sheet_name: str = ""
    letters: dict[str, str] = field(default_factory=dict)  # canonical column → "E"
    header_row: int = 1
    errors: dict[str, str] = field(default_factory=dict)  # cell → "#N/A" (Excel error cells)
    sources: list[SheetData] = field(default_factory=list, repr=False)
    # Names the cells and the reading code (set by the reader; see model.incremental).
    fingerprint: str | None = field(default=None, repr=False, compare=False)

    def cell(self, column: str, row: int) -> str:
        return f"{self.letters.get(column, '')}{row}"

    def source(self, index: object = 0) -> SheetData:
        """The single-workbook sheet a row came from (its ``_src`` value); self if one."""
        if not self.sources or index is None or index != index:  # NaN: no _src column
            return self
        return self.sources[int(index)]  # type: ignore[call-overload]


def union(parts: list[SheetData]) -> SheetData:
    """One SheetData holding the rows of several sheets of one kind, each row keeping its origin."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    frames = [p.frame.assign(**{SRC: i}) for i, p in enumerate(parts)]
    frame = pd.concat(frames, ignore_index=True)
    for column in first.frame.columns:  # concat of an empty datetime column gives object
        if frame[column].dtype != first.frame[column].dtype and len(first.frame):
            with contextlib.suppress(TypeError, ValueError):
                frame[column] = frame[column].astype(first.frame[column].dtype)
    letters = dict(first.letters)
    for part in parts[1:]:
        for column, letter in part.letters.items():
            letters.setdefault(column, letter)
    return SheetData(
        first.name,
        frame,
        workbook=first.workbook,
        sheet_name=first.sheet_name,
        letters=letters,
        header_row=first.header_row,
        sources=list(parts),
        fingerprint=_combined([p.fingerprint for p in parts]),
    )


def _combined(fingerprints: list[str | None]) -> str | None:
    if any(fp is None for fp in fingerprints):
        return None
    return hashlib.sha256("\x00".join(fp or "" for fp in fingerprints).encode()).hexdigest()


def empty_frame(schema: SheetSchema) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for col in schema.columns:
        if col.type == "date":
            cols[col.name] = pd.Series([], dtype="datetime64[ns]")
        elif col.type in ("number", "integer"):
            cols[col.name] = pd.Series([], dtype="float64")
        else:
            cols[col.name] = pd.Series([], dtype=object)
    cols[ROW] = pd.Series([], dtype="int64")
    return pd.DataFrame(cols)
