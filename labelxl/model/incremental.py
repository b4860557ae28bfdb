"""Reuse a rule's or a metric's result while the sheets it read are unchanged.

A warm refresh after one sheet was edited should not recompute what only other sheets
feed (an edited Timesheet leaves the accuracy tables alone). ``reuse(ws, fn, *args)``
runs ``fn(ws, *args)`` while ``TrackedSheets`` records every sheet it reads (present or
absent; a memoized table replays the reads that built it), and keeps the result in the
workspace's ``results`` store under those sheets' fingerprints. The next run gives the
stored result back when every one of them is the same, and computes it otherwise.

A sheet's fingerprint (``SheetData.fingerprint``) names its cells and the reading code;
the reader sets it (``labelxl.io.cache``), so a sheet built from a DataFrame has none and
nothing that reads it is stored. ``effective_fingerprint`` adds the sheets whose lists
rewrite its spellings (``canonical.inputs``). Reading ``ws.today`` or ``ws.settings``
counts as reading TODAY or SETTINGS, so a result that reads neither is reused on another
day or after a setting changed. Every key holds the reading conventions, the workspace
root and the code (``code_version``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from labelxl.model.canonical import inputs

if TYPE_CHECKING:
    from labelxl.model.sheet import SheetData
    from labelxl.model.workspace import Workspace

ABSENT = "absent"  # the fingerprint of a sheet the workspace does not have


class ResultStore(Protocol):
    """Where results outlive a run (``labelxl.io.results.FileResults``)."""

    def get(self, key: str) -> tuple[dict[str, str], Callable[[], Any]] | None:
        """The fingerprints an entry was made from, and how to load its value."""

    def put(self, key: str, deps: dict[str, str], value: Any) -> None: ...


class TrackedSheets(dict[str, "SheetData"]):
    """``Workspace.sheets``: a dict that records which sheets are read while tracking.

    Every way to read it records: one name (``[]``, ``get``, ``in``) or, for anything that
    walks it (iteration, ``items``, ``values``, ``keys``, ``len``, ``copy``), all of them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trackers: list[set[str]] = []

    def record(self, names: Any) -> None:
        for tracker in self.trackers:
            tracker.update(names)

    @contextlib.contextmanager
    def tracking(self) -> Iterator[set[str]]:
        read: set[str] = set()
        self.trackers.append(read)
        try:
            yield read
        finally:
            popped = self.trackers.pop()
            assert popped is read

    def _all(self) -> None:
        if self.trackers:
            self.record(dict.keys(self))
            self.record([WALKED])

    def __getitem__(self, name: str) -> SheetData:
        if self.trackers:
            self.record((name,))
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if self.trackers:
            self.record((name,))
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        if self.trackers:
            self.record((name,))
        return super().__contains__(name)

    def __iter__(self) -> Iterator[str]:
        self._all()
        return super().__iter__()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def keys(self) -> Any:
        self._all()
        return super().keys()

    def values(self) -> Any:
        self._all()
        return super().values()

    def items(self) -> Any:
        self._all()
        return super().items()

    def copy(self) -> dict[str, SheetData]:  # type: ignore[override]
        self._all()
        return dict(super().items())


# A computation that walked the whole dict depends on which sheets exist at all.
WALKED = "*"
# Reading ``ws.today`` or ``ws.settings`` (properties of the Workspace) counts as these.
TODAY = "@today"
SETTINGS = "@settings"


def effective_fingerprint(ws: Workspace, name: str) -> str | None:
    """What ``name``'s typed frame depends on: its own cells and the sheets whose lists
    rewrite its spellings; ABSENT for a missing sheet; None when any has no fingerprint."""
    sheets = ws.sheets
    if name == WALKED:
        return hashlib.sha256("\x00".join(dict.keys(sheets)).encode()).hexdigest()
    if name == TODAY:
        return str(ws.__dict__["today"].isoformat())
    if name == SETTINGS:
        return hashlib.sha256(repr(astuple(ws.__dict__["settings"])).encode()).hexdigest()
    if not dict.__contains__(sheets, name):
        return ABSENT
    parts = []
    for source in sorted(inputs(name)):
        if not dict.__contains__(sheets, source):
            parts.append(f"{source}:{ABSENT}")
            continue
        fp = dict.__getitem__(sheets, source).fingerprint
        if fp is None:
            return None
        parts.append(f"{source}:{fp}")
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def reuse(ws: Workspace, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(ws, *args, **kwargs)``, or its stored result if the sheets it read are unchanged.

    Only plain arguments (text, numbers, dates, None and tuples of them) make a key; a call
    with any other argument, or without a store, is simply computed.
    """
    store: ResultStore | None = ws.results
    sheets = ws.sheets
    if store is None or not isinstance(sheets, TrackedSheets) or not _plain((args, kwargs)):
        return fn(ws, *args, **kwargs)
    key = _key(ws, fn, args, kwargs)
    seen = ws.cache.get(f"reuse:{key}")  # asked before in this run
    if seen is not None:
        sheets.record(seen[0])
        return _own(seen[1])
    entry = store.get(key)
    if entry is not None:
        deps, load = entry
        if all(effective_fingerprint(ws, n) == fp for n, fp in deps.items()):
            with contextlib.suppress(Exception):  # an unreadable entry is recomputed
                value = load()
                sheets.record(deps)
                ws.cache[f"reuse:{key}"] = (set(deps), value)
                return _own(value)
    with sheets.tracking() as read:
        value = fn(ws, *args, **kwargs)
    ws.cache[f"reuse:{key}"] = (read, value)
    now = {n: effective_fingerprint(ws, n) for n in sorted(read)}
    if all(fp is not None for fp in now.values()):
        store.put(key, {n: str(fp) for n, fp in now.items()}, value)
    return _own(value)


def _own(value: Any) -> Any:
    """A frame the caller may edit without editing the one kept for this run's next caller
    (as ``memoized`` gives)."""
    return value.copy() if isinstance(value, pd.DataFrame) else value


def _plain(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or isinstance(value, (str, int, float, bool, dt.date))


def _key(ws: Workspace, fn: Callable[..., Any], args: Any, kwargs: Any) -> str:
    payload = json.dumps(
        [
            code_version(),
            f"{fn.__module__}.{fn.__qualname__}",
            repr(args),
            repr(sorted(kwargs.items())),
            [ws.conventions.decimal, ws.conventions.date_order],
            ws.root,
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@functools.cache
def code_version() -> str:
    """The code a result was computed by: labelxl's version and every module's size and
    modification time (an edited checkout never reuses an older result), and the versions
    of the libraries the metrics compute with (a new ``holidays`` moves a capacity plan)."""
    from importlib import metadata

    import labelxl

    root = Path(labelxl.__file__).parent
    h = hashlib.sha256(labelxl.__version__.encode())
    for name in ("pandas", "numpy", "scipy", "holidays", "pyarrow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"{name}={metadata.version(name)}".encode())
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()
