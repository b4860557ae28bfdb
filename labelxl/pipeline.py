"""One pipeline behind every door: root, cache, history, settings and month resolved once.

``Pipeline(path)`` is what the CLI, the Excel buttons, xlwings Lite, the deck and the demo
all build; each then calls ``read()``, ``validate()``, ``compute()``, ``write()`` or
``deck()``. Every step is computed once per pipeline and reused by the next, so the doors
cannot disagree on the target workbook, the month or the history::

    p = Pipeline("my-team/")
    p.validate()  # Report
    p.write()  # RefreshResult: LX sheets written into the tracker
    p.deck(lang="zh")  # Path of the .pptx
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelxl.errors import LabelxlError, MetricInputError, RefreshBlocked, WorkbookError
from labelxl.io import history
from labelxl.io.files import prefetch_sha256
from labelxl.io.ooxml import new_workbook, write_lx_sheets
from labelxl.io.reader import WORKBOOK_SUFFIXES, read_workspace
from labelxl.io.results import FileResults
from labelxl.io.safewrite import check_not_locked
from labelxl.metrics import Metrics, compute
from labelxl.model.findings import Report
from labelxl.model.periods import default_month, parse_month
from labelxl.model.workspace import Workspace
from labelxl.outputs.sheets import output_sheets
from labelxl.validate import validate

CACHE_DIR = Path(".labelxl") / "cache"
STAGES = ("reading", "validating", "computing", "writing")
# The sheets that make a workbook the tracker (the one receiving the LX sheets), in order.
TARGET_SHEETS = ("Projects", "Roster", "Production")
HISTORY_TABLES = ("trend", "labelers", "projects")


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
    """The workspace folder of ``path`` (a folder, or one workbook inside it)."""
    path = Path(path)
    return path if path.is_dir() else path.parent


def target_workbook(ws: Workspace) -> Path:
    """The workbook that receives the LX sheets: the one holding Projects (the tracker).

    Falls back to the one holding Roster, then Production, then the first workbook.
    """
    root = Path(ws.root)
    for name in TARGET_SHEETS:
        if name in ws.sheets and ws.sheets[name].workbook:
            return root / ws.sheets[name].workbook
    if ws.workbooks:
        return root / ws.workbooks[0]
    raise WorkbookError(ws.root, "no workbook to write the result sheets into")


class Pipeline:
    """One run over one workspace; every step runs at most once and is reused.

    ``source`` is a workspace folder, one workbook, or an already-read ``Workspace`` (the
    Excel door passes the open workbook's live values). ``month`` (``YYYY-MM``) fixes the
    reporting month; otherwise it is ``periods.default_month`` of the data. ``progress``
    receives one line per sheet read (verbose output); ``stage`` is told each of STAGES.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | Workspace,
        *,
        month: str | None = None,
        today: dt.date | None = None,
        use_cache: bool = True,
        progress: Callable[[str], None] | None = None,
        stage: Callable[[str], None] | None = None,
    ) -> None:
        self._ws: Workspace | None = None
        if isinstance(source, Workspace):
            self._ws = source
            self.path: Path | None = None
            self.root: Path | None = Path(source.root) if source.root else None
        else:
            self.path = Path(source)
            self.root = workspace_root(self.path).resolve()
        self._month = parse_month(month) if month is not None else None
        self.today = today
        self.use_cache = use_cache
        self._progress = progress
        self._stage = stage or (lambda _s: None)
        self._report: Report | None = None
        self._metrics: dict[str, Metrics] = {}

    # ------------------------------------------------------------------ steps

    @property
    def cache_dir(self) -> Path | None:
        return self.root / CACHE_DIR if (self.root is not None and self.use_cache) else None

    def read(self) -> Workspace:
        """The workspace's typed sheets (read once; the parsed-sheet cache is reused)."""
        if self._ws is None:
            assert self.path is not None
            self._stage("reading")
            self._ws = read_workspace(
                self.path, today=self.today, cache_dir=self.cache_dir, progress=self._progress
            )
            if self.cache_dir is not None:
                self._ws.results = FileResults.open(self.cache_dir / "results")
        return self._ws

    def validate(self) -> Report:
        """Every finding of the workspace (computed once)."""
        if self._report is None:
            ws = self.read()
            self._stage("validating")
            self._report = validate(ws)
        return self._report

    @property
    def month(self) -> str:
        """The reporting month: the one asked for, else the default rule of ``periods``."""
        if self._month is None:
            month = default_month(self.read())
            if month is None:
                raise MetricInputError(
                    "the workspace has no dated Production, Audits or Timesheet rows, "
                    "so there is no month to report on"
                )
            self._month = month
        return self._month

    def compute(self, month: str | None = None) -> Metrics:
        """Every metric for ``month`` (default: ``self.month``), with the stored history."""
        month = parse_month(month) if month is not None else self.month
        if month not in self._metrics:
            ws = self.read()
            report = self.validate()
            self._stage("computing")
            stored = history.load(self.root, "trend") if self.root is not None else None
            self._metrics[month] = compute(ws, month=month, report=report, stored_trend=stored)
        return self._metrics[month]

    @property
    def target(self) -> Path:
        """The workbook that receives the LX sheets (one rule for every door)."""
        return target_workbook(self.read())

    def inputs(self) -> list[Path]:
        """The workbooks the workspace was read from (hashed into LX Log)."""
        ws = self.read()
        return [Path(ws.root) / p for p in ws.workbooks] if ws.root else []

    def outputs(self, started: dt.datetime | None = None, seconds: float = 0.0) -> list[Any]:
        """The LX sheets ``write`` puts into the tracker (``outputs.sheets.Sheet`` values)."""
        prefetch_sha256(self.inputs())  # LX Log's hashes, made while the metrics run
        m = self.compute()
        target = self.target if self.read().root else None
        started = started or dt.datetime.now()
        return output_sheets(m, self.inputs(), target, started, seconds, lang=self.language)

    @property
    def language(self) -> str:
        """The workspace's language (Settings ``language``) for LX sheets and the deck."""
        return self.read().settings.language

    def record_history(self, metrics: Metrics | None = None) -> None:
        """Keep this month's tables in ``.labelxl/history`` (the only writer of history)."""
        if self.root is None:
            return
        m = metrics or self.compute()
        history.save(self.root, "trend", m.trend)
        for table in HISTORY_TABLES[1:]:
            frame = getattr(m, table)
            if not frame.empty:
                history.save(self.root, table, frame)

    def write(
        self,
        *,
        out: Path | None = None,
        force: bool = False,
        strict: bool = False,
        echo: Callable[[str], None] | None = None,
    ) -> RefreshResult:
        """Validate, compute and write the LX sheets (into the tracker, or a new file in ``out``).

        Findings never block the write (they go to ``LX Issues``) unless ``strict``, in
        which case nothing is written when there are errors. A locked target is reported
        before any metric is computed.
        """
        say = echo or (lambda _m: None)
        started = dt.datetime.now()
        t0 = time.perf_counter()
        ws = self.read()
        target = self.target
        if out is None:
            check_not_locked(target, force=force)  # say so now, not after all the computing
        report = self.validate()
        if strict and report.errors:
            raise RefreshBlocked(
                f"{len(report.errors)} validation error(s) and --strict: nothing was written. "
                f"Run `labelxl validate {self.path or ws.root}` to see them."
            )
        metrics = self.compute()
        self._stage("writing")
        self.record_history(metrics)
        sheets = output_sheets(
            metrics, self.inputs(), target, started, time.perf_counter() - t0, lang=self.language
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
            root=self.root or Path(ws.root),
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

    def deck(
        self,
        output: str | os.PathLike[str] | None = None,
        *,
        template: str | os.PathLike[str] | None = None,
        lang: str | None = None,
        pseudonymise: bool = False,
        audience: str = "management",
    ) -> Path:
        """Build the monthly deck; ``output`` defaults to ``<root>/labelxl-deck-<month>.pptx``.

        ``lang`` defaults to the workspace's ``language`` setting.
        """
        from labelxl.deck import build_deck, check_deck_options, workspace_secret

        if lang is not None:
            check_deck_options(lang, audience)  # bad options fail before any reading
        lang = lang or self.language
        check_deck_options(lang, audience)
        metrics = self.compute()
        if pseudonymise and not metrics.settings.pseudonym_secret:
            if self.root is None:
                raise LabelxlError(
                    "--pseudonymise needs a pseudonym_secret in Settings for a workbook "
                    "that is not saved in a folder"
                )
            secret = workspace_secret(self.root)
            metrics = dataclasses.replace(
                metrics, settings=metrics.settings.replace(pseudonym_secret=secret)
            )
        if output is None:
            if self.root is None:
                raise LabelxlError("say where to write the deck (output=...)")
            output = self.root / f"labelxl-deck-{metrics.month}.pptx"
        sources = {
            name: f"{Path(sheet.workbook).name} › {sheet.sheet_name or name}"
            for name, sheet in self.read().sheets.items()
            if sheet.workbook
        }
        return build_deck(
            metrics,
            output,
            template=template,
            lang=lang,
            pseudonymise=pseudonymise,
            audience=audience,
            sources=sources,
        )


# ---------------------------------------------------------------------- many workspaces


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
    """``Pipeline(path).write()`` in one call (what ``labelxl refresh`` runs)."""
    say = echo or (lambda _m: None)
    pipeline = Pipeline(
        path, month=month, today=today, progress=say if verbose else None, stage=stage
    )
    return pipeline.write(out=out, force=force, strict=strict, echo=echo)


def find_workspaces(folder: Path, recursive: bool) -> list[Path]:
    """Folders under ``folder`` that hold workbooks (each is one workspace)."""
    if not recursive:
        return [folder]

    def has_workbooks(d: Path) -> bool:
        return any(
            f.suffix.lower() in WORKBOOK_SUFFIXES and not f.name.startswith(("~$", "."))
            for f in d.iterdir()
        )

    found = []
    for sub in sorted(p for p in folder.rglob("*") if p.is_dir()):
        parts = sub.relative_to(folder).parts
        # hidden folders are labelxl's own; imports/ belongs to the workspace above it
        if any(part.startswith(".") for part in parts) or parts[-1] == "imports":
            continue
        if has_workbooks(sub):
            found.append(sub)
    if has_workbooks(folder):
        found.insert(0, folder)
    return found


def refresh_many(folder: Path, **options: Any) -> list[tuple[Path, RefreshResult | str]]:
    """Refresh every workspace under ``folder``; one broken workspace does not stop the rest."""
    results: list[tuple[Path, RefreshResult | str]] = []
    for ws_path in find_workspaces(folder, recursive=True):
        try:
            results.append((ws_path, refresh(ws_path, **options)))
        except LabelxlError as exc:
            results.append((ws_path, str(exc)))
    return results
