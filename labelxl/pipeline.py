"""Refresh: read a workspace, validate, compute every metric and write the LX result sheets."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from labelxl.errors import LabelxlError, RefreshBlocked, WorkbookError
from labelxl.io import history
from labelxl.io.ooxml import new_workbook, write_lx_sheets
from labelxl.io.reader import read_workspace
from labelxl.io.safewrite import check_not_locked
from labelxl.metrics import Metrics, compute
from labelxl.model.workspace import Workspace
from labelxl.outputs.sheets import output_sheets
from labelxl.validate import validate

CACHE_DIR = Path(".labelxl") / "cache"
STAGES = ("reading", "validating", "computing", "writing")


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did."""

    root: Path
    target: Path
    month: str
    sheets: tuple[str, ...]
    errors: int
    warnings: int
    seconds: float
    backup: Path | None = None
    metrics: Metrics | None = field(default=None, repr=False, compare=False)  # for the deck


def workspace_root(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def target_workbook(ws: Workspace) -> Path:
    """The workbook that receives the LX sheets: the one holding Projects (the tracker)."""
    root = Path(ws.root)
    for name in ("Projects", "Roster", "Production"):
        if name in ws.sheets and ws.sheets[name].workbook:
            return root / ws.sheets[name].workbook
    if ws.workbooks:
        return root / ws.workbooks[0]
    raise WorkbookError(ws.root, "no workbook to write the result sheets into")


def refresh(
    path: Path,
    *,
    month: str | None = None,
    out: Path | None = None,
    force: bool = False,
    strict: bool = False,
    echo: Callable[[str], None] | None = None,
    verbose: bool = False,
    stage: Callable[[str], None] | None = None,
    today: dt.date | None = None,
) -> RefreshResult:
    """Refresh one workspace; ``stage`` is told each of STAGES as it starts (progress bars).

    Validation findings never block the write (they go to ``LX Issues``) unless ``strict``,
    in which case nothing is written when there are errors.
    """
    say = echo or (lambda _m: None)
    step = stage or (lambda _s: None)
    started = dt.datetime.now()
    t0 = time.perf_counter()
    path = Path(path)
    root = workspace_root(path)
    step("reading")
    ws = read_workspace(
        path, today=today, cache_dir=root / CACHE_DIR, progress=say if verbose else None
    )
    target = target_workbook(ws)
    if out is None:
        check_not_locked(target, force=force)  # say so now, not after all the computing
    step("validating")
    report = validate(ws)
    if strict and report.errors:
        raise RefreshBlocked(
            f"{len(report.errors)} validation error(s) and --strict: nothing was written. "
            f"Run `labelxl validate {path}` to see them."
        )
    step("computing")
    metrics = compute(ws, month=month, report=report, history_root=root)
    step("writing")
    _save_history(root, metrics)
    sheets = output_sheets(
        metrics,
        [Path(ws.root) / p for p in ws.workbooks],
        target,
        started,
        time.perf_counter() - t0,
    )
    backup = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        dest = out / f"labelxl-report-{metrics.month}.xlsx"
        new_workbook(dest, sheets, force=force)
    else:
        result = write_lx_sheets(target, sheets, force=force)
        dest, backup = result.path, result.backup
    seconds = time.perf_counter() - t0
    res = RefreshResult(
        root=root,
        target=dest,
        month=metrics.month,
        sheets=tuple(s.name for s in sheets),
        errors=len(report.errors),
        warnings=len(report.warnings),
        seconds=seconds,
        backup=backup,
        metrics=metrics,
    )
    say(
        f"  refreshed {len(res.sheets)} LX sheets for {res.month} in {dest} "
        f"({res.errors} error(s), {res.warnings} warning(s), {seconds:.1f} s)"
    )
    return res


def _save_history(root: Path, m: Metrics) -> None:
    history.save(root, "trend", m.trend)
    if not m.labelers.empty:
        history.save(root, "labelers", m.labelers)
    if not m.projects.empty:
        history.save(root, "projects", m.projects)


def find_workspaces(folder: Path, recursive: bool) -> list[Path]:
    """Folders under ``folder`` that hold workbooks (each is one workspace)."""
    if not recursive:
        return [folder]
    found = []
    for sub in sorted(p for p in folder.rglob("*") if p.is_dir()):
        if any(part.startswith(".") for part in sub.relative_to(folder).parts):
            continue
        if any(
            f.suffix.lower() in (".xlsx", ".xlsm") and not f.name.startswith(("~$", "."))
            for f in sub.iterdir()
        ):
            found.append(sub)
    if any(f.suffix.lower() in (".xlsx", ".xlsm") for f in folder.iterdir()):
        found.insert(0, folder)
    return found


def refresh_many(folder: Path, **options: object) -> list[tuple[Path, RefreshResult | str]]:
    """Refresh every workspace under ``folder``; one broken workspace does not stop the rest."""
    results: list[tuple[Path, RefreshResult | str]] = []
    for ws_path in find_workspaces(folder, recursive=True):
        try:
            results.append((ws_path, refresh(ws_path, **options)))  # type: ignore[arg-type]
        except LabelxlError as exc:
            results.append((ws_path, str(exc)))
    return results
