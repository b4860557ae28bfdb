"""The workspace value: every known sheet as a typed DataFrame, where it came from, and settings.

Reading files is ``labelxl.io.reader``'s job; this module turns raw cell values (as any reader
or a library user supplies them) into typed frames, recording ``bad-type`` findings with
the exact cell, so the same rules apply to workbooks and to DataFrames.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pandas as pd

from labelxl.model.coerce import coerce_column, sheet_from_raw
from labelxl.model.conventions import Conventions, resolve
from labelxl.model.findings import Finding
from labelxl.model.incremental import SETTINGS, TODAY, ResultStore, TrackedSheets
from labelxl.model.schema import SHEETS
from labelxl.model.settings import Settings, convention_settings, read_settings
from labelxl.model.sheet import EXCEL_EPOCH, ROW, SRC, SheetData, empty_frame, union

__all__ = [
    "EXCEL_EPOCH",
    "ROW",
    "SRC",
    "SheetData",
    "Workspace",
    "assemble",
    "coerce_column",
    "empty_frame",
    "memoized",
    "read_settings",
    "sheet_from_raw",
    "union",
]

# Parses one sheet kind with the given conventions: its (possibly unioned) data and findings.
ParseKind = Callable[[str, Conventions], tuple[SheetData, list[Finding]]]


@dataclass
class Workspace:
    """A workspace: typed sheets, the Settings in force, and findings made while reading."""

    sheets: dict[str, SheetData]
    settings: Settings = field(default_factory=Settings)
    findings: list[Finding] = field(default_factory=list)
    root: str = ""
    workbooks: list[str] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)
    # Derived tables shared by several metrics (e.g. audit facts), computed once per
    # workspace. Frames are treated as read-only once the workspace is built.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    conventions: Conventions = field(default_factory=Conventions)
    # Results kept between runs (see model.incremental); None: every result is computed.
    results: ResultStore | None = field(default=None, repr=False, compare=False)
    _read_by: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sheets" and not isinstance(value, TrackedSheets):
            value = TrackedSheets(value)
        object.__setattr__(self, name, value)

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()`` once per workspace and key; later calls return the same value (and
        count as reading the sheets the first call read)."""
        sheets = cast(TrackedSheets, self.sheets)  # made so by __setattr__
        if key not in self.cache:
            with sheets.tracking() as read:
                self.cache[key] = build()
            self._read_by[key] = read
        else:
            sheets.record(self._read_by.get(key, ()))
        return self.cache[key]

    def has(self, name: str) -> bool:
        return name in self.sheets

    def frame(self, name: str) -> pd.DataFrame:
        """The typed frame of a sheet, or an empty frame with the schema's columns."""
        if name in self.sheets:
            return self.sheets[name].frame
        return empty_frame(SHEETS[name])

    @classmethod
    def from_frames(
        cls,
        frames: dict[str, pd.DataFrame],
        settings: Settings | None = None,
        today: dt.date | None = None,
    ) -> Workspace:
        """Build a workspace from DataFrames (library use and tests).

        Columns are matched like workbook headers; row numbers are as if each frame were a
        sheet whose header is row 1 and data start at A2. A ``Settings`` frame is read
        unless ``settings`` is given.
        """

        def parse(name: str, conventions: Conventions) -> tuple[SheetData, list[Finding]]:
            return sheet_from_raw(SHEETS[name], frames[name], header_row=1, conventions=conventions)

        ws = cls(sheets={}, today=today or dt.date.today())
        assemble(ws, list(frames), parse, settings)
        return ws


def _tracked(name: str, dep: str) -> property:
    """``Workspace.<name>`` as a property whose reads count as reading ``dep`` (TODAY or
    SETTINGS in model.incremental), so a result that never reads it outlives a change."""

    def get(ws: Workspace) -> Any:
        sheets = ws.__dict__.get("sheets")
        if isinstance(sheets, TrackedSheets) and sheets.trackers:
            sheets.record((dep,))
        return ws.__dict__[name]

    def set_(ws: Workspace, value: Any) -> None:
        ws.__dict__[name] = value

    return property(get, set_)


# After @dataclass made __init__, replace and repr, which all go through these.
Workspace.today = _tracked("today", TODAY)  # type: ignore[assignment]
Workspace.settings = _tracked("settings", SETTINGS)  # type: ignore[assignment]


def assemble(
    ws: Workspace, kinds: list[str], parse: ParseKind, settings: Settings | None = None
) -> None:
    """Type every sheet kind into ``ws`` in the order their meaning depends on.

    Settings first (all text), then Roster (its markets give the default decimal
    separator and date order), then the rest with those conventions; Roster is typed
    again if the markets changed them. Then spellings are made canonical (``canonical``).
    ``settings``, when given, replaces the Settings sheet.
    """
    from labelxl.model.canonical import canonicalise

    found: dict[str, list[Finding]] = {}
    if "Settings" in kinds:
        ws.sheets["Settings"], found["Settings"] = parse("Settings", Conventions())
    if settings is not None:
        decimal, order = settings.decimal_separator, settings.date_order
    else:
        decimal, order = convention_settings(ws.sheets.get("Settings"))
    conventions = resolve(decimal, order)
    if "Roster" in kinds:
        ws.sheets["Roster"], found["Roster"] = parse("Roster", conventions)
        markets = ws.sheets["Roster"].frame["market"].dropna().unique()
        by_markets = resolve(decimal, order, markets)
        if (by_markets.decimal, by_markets.date_order) != (
            conventions.decimal,
            conventions.date_order,
        ):
            ws.sheets["Roster"], found["Roster"] = parse("Roster", by_markets)
        conventions = by_markets
    for kind in kinds:
        if kind not in ("Settings", "Roster"):
            ws.sheets[kind], found[kind] = parse(kind, conventions)
    ws.sheets = {kind: ws.sheets[kind] for kind in kinds}  # keep the caller's order
    ws.conventions = conventions
    ws.findings.extend(f for kind in kinds for f in found[kind])
    if settings is not None:
        ws.settings = settings
    elif "Settings" in ws.sheets:
        ws.settings, more = read_settings(ws.sheets["Settings"], conventions.decimal)
        ws.findings.extend(more)
    ws.findings.extend(canonicalise(ws))


F = TypeVar("F", bound=Callable[..., Any])


def memoized(fn: F) -> F:
    """Compute a metric once per workspace and arguments; later calls get a copy.

    A refresh asks for the same tables several times (the deck's wellbeing slide and the
    over-cap list both need exposure); copies keep callers from editing the shared one.
    """

    @functools.wraps(fn)
    def wrapper(ws: Workspace, *args: Any, **kwargs: Any) -> Any:
        key = f"{fn.__module__}.{fn.__qualname__}:{args!r}:{sorted(kwargs.items())!r}"
        value = ws.cached(key, lambda: fn(ws, *args, **kwargs))
        return value.copy() if isinstance(value, pd.DataFrame) else value

    return wrapper  # type: ignore[return-value]
