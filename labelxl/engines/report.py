"""One report from any source on any engine: scan and compact, check, then the usual metrics.

1. Each fact table (Production, Timesheet, Audits) is compacted on the engine in one scan
   that also flags the per-row checks (``facts``); unique ids are one more group-by.
2. The small sheets come back whole and are typed by ``model.workspace`` exactly as a
   workbook's cells are.
3. The workspace built from those tables goes through the ordinary ``validate`` (each
   compacted row counting n times, findings re-addressed to file and row) and through
   ``Pipeline`` for every metric and LX sheet, so a report has the sheets and columns of
   ``refresh`` and the same numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelxl.engines import aggregates, checks, facts
from labelxl.engines.backends import FILE, ROW, Backend
from labelxl.engines.backends import backend as make_backend
from labelxl.engines.sources import Source, TableRef, open_source
from labelxl.errors import LabelxlError
from labelxl.io.ooxml import new_workbook
from labelxl.io.reader import WORKBOOK_SUFFIXES, read_workspace
from labelxl.metrics.bundle import Metrics
from labelxl.model.conventions import Conventions
from labelxl.model.findings import Finding, Report, col_letter, sheet_ref
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import ROW as WS_ROW
from labelxl.model.workspace import (
    SheetData,
    Workspace,
    assemble,
    sheet_from_raw,
)
from labelxl.pipeline import CACHE_DIR, Pipeline
from labelxl.validate import validate

FACTS = tuple(aggregates.COMPACTIONS)
# validate() codes whose rule spans rows (a person's day, week, project norm, policy area):
# on the engine path they run on the compacted tables.
SPANNING = {
    "hours-over-cap",
    "hours-over-week-cap",
    "leave-and-work",
    "graphic-over-cap",
    "timesheet-production-mismatch",
    "date-outside-period",
    "implausible-speed",
}
# Found by the engine scan (see ``facts`` and ``checks``), not on the compacted tables.
ENGINE_CODES = {"bad-type", "duplicate-key", "missing-column", "unknown-column"}


@dataclass
class Loaded:
    """What an engine made of a source: the workspace for the metrics and every finding.

    ``load(defer=True)`` returns before the id checks end (they run alongside on their own
    engine session): ``report`` and ``scale`` are complete once ``finish()`` returns.
    """

    workspace: Workspace  # compacted facts (audits with their count n), whole small sheets
    report: Report
    scale: checks.ScaleReport
    source: Source
    engine: str
    seconds: dict[str, float] = field(default_factory=dict)
    pending: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def finish(self) -> Loaded:
        """Wait for the checks still running, add their findings, release the engine."""
        while self.pending:
            self.pending.pop(0)()
        return self


class EnginePipeline(Pipeline):
    """A Pipeline over an engine-built workspace whose findings the engine already made."""

    def __init__(self, loaded: Loaded, **options: Any) -> None:
        super().__init__(loaded.workspace, **options)
        self.loaded = loaded
        self._computing = False

    def validate(self) -> Report:
        if self._computing and self.loaded.pending:
            return Report([])  # not read by the metrics; the final one is attached after
        return self.loaded.finish().report

    def compute(self, month: str | None = None) -> Metrics:
        """The metrics never read the findings (they carry them to LX Issues and LX Log):
        they are computed while the engine's id checks still run, then given the findings."""
        self._computing = True
        try:
            m = super().compute(month)
        finally:
            self._computing = False
        final = self.validate()
        if m.report is not final:
            m = dataclasses.replace(m, report=final)
            self._metrics[m.month] = m
        return m

    def outputs(self, started: dt.datetime | None = None, seconds: float = 0.0) -> list[Any]:
        """The LX sheets; a finding in a table file has no cell for LX Issues to link to."""
        sheets = super().outputs(started, seconds)
        for sheet in sheets:
            if sheet.name == "LX Issues" and "link" in sheet.frame:
                book = sheet.frame["workbook"].astype(str).str.lower()
                in_table = ~book.str.endswith(WORKBOOK_SUFFIXES) & (book != "")
                sheet.frame.loc[in_table.to_numpy(), "link"] = ""
        return sheets

    def inputs(self) -> list[Path]:
        src = self.loaded.source
        if src.kind == "workbooks":
            return super().inputs()
        return [p for ref in src.tables.values() for p in ref.paths if p.is_file()][:50]


# ------------------------------------------------------------------------- loading


def load(
    location: str | Path | Source,
    engine: str = "duckdb",
    *,
    catalog: str | None = None,
    today: dt.date | None = None,
    backend: Backend | None = None,
    first: int = checks.FIRST,
    use_cache: bool = True,
    defer: bool = False,
) -> Loaded:
    """Check and compact ``location`` on ``engine``; the workspace the metrics run on.

    ``defer``: return while the id checks still run (``Loaded.finish`` waits for them).
    """
    source = location if isinstance(location, Source) else open_source(location, catalog=catalog)
    if source.kind == "catalog" and engine != "spark":
        raise LabelxlError("--catalog reads Spark catalog tables: add --engine spark")
    be = backend or make_backend(engine)
    try:
        if source.kind == "workbooks":
            loaded = _from_workbooks(source, be, today, use_cache)
        else:
            loaded = _from_tables(source, be, today or dt.date.today(), first)
    except BaseException:
        if backend is None:
            be.close()
        raise
    if backend is None:
        loaded.pending.append(be.close)
    return loaded if defer else loaded.finish()


Origin = dict[str, tuple[np.ndarray, np.ndarray]]  # sheet → (file, first row) per compacted row


def _sheet_data(c: facts.Compacted, workbook: str, origin: Origin) -> SheetData:
    """A compacted fact table as a workspace sheet (row k+2 = compacted row k)."""
    schema = SHEETS[c.sheet]
    letters = {col.name: col_letter(i) for i, col in enumerate(schema.columns)}
    letters = {k: v for k, v in letters.items() if k in c.present}
    data = c.frame[[col.name for col in schema.columns]].copy()
    data[aggregates.COUNT] = c.frame[aggregates.COUNT].to_numpy()
    data[WS_ROW] = np.arange(2, len(data) + 2, dtype=np.int64)
    # Not in DataFrame.attrs: pandas copies attrs into every derived frame.
    origin[c.sheet] = (c.frame[FILE].to_numpy(), c.frame[ROW].to_numpy())
    return SheetData(c.sheet, data, workbook=workbook, sheet_name=c.sheet, letters=letters)


# sheet → its step-1 frame, column names, unknown columns and flags
Scanned = dict[str, tuple[pd.DataFrame, dict[str, str], list[str], list[facts.Flag]]]


def _from_tables(source: Source, be: Backend, today: dt.date, first: int) -> Loaded:
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    raws: dict[str, Any] = {}
    for name, ref in source.tables.items():
        try:
            raws[name] = be.scan(ref)
        except Exception as exc:  # a catalog without that table: the sheet is absent
            if ref.format == "catalog" and "TABLE_OR_VIEW_NOT_FOUND" in str(exc):
                continue
            raise LabelxlError(f"{ref.label}: cannot read the table ({exc})") from exc
    small: dict[str, tuple[pd.DataFrame, np.ndarray | None, str]] = {}
    for name, raw in raws.items():
        if name in FACTS:
            continue
        frame = be.collect(raw)
        rows = frame[ROW].to_numpy() if ROW in frame else None
        files: list[Any] = list(frame[FILE].dropna().unique()) if FILE in frame else []
        frame = frame.drop(columns=[c for c in (FILE, ROW) if c in frame])
        rows_arr = None
        if rows is not None and not pd.isna(rows).any():
            rows_arr = rows.astype(np.int64)
        small[name] = (frame, rows_arr, str(files[0]) if files else source.tables[name].label)
    seconds["small sheets"] = time.perf_counter() - t0

    # Step 1 of each fact table on the engine (independent of the reading conventions).
    scanned: Scanned = {}
    for name in FACTS:
        if name not in raws:
            continue
        t = time.perf_counter()
        spec = aggregates.COMPACTIONS[name]
        many = len(source.tables[name].paths) > 1
        query, columns, unknown, flags = facts.scan_step(raws[name], SHEETS[name], spec, many)
        scanned[name] = (facts.collect_scan(be, raws[name], query, many), columns, unknown, flags)
        seconds[f"{name} scan"] = time.perf_counter() - t

    # After the scans (two engine queries at once only share the cores), alongside the
    # typing, the rules and the metrics, which are Python.
    ids = checks.IdChecks(be, source.tables, raws, partial(_labeller, source), first, seconds)
    try:
        return _type_and_check(source, be, today, first, small, scanned, ids, seconds)
    except BaseException:
        ids.close()
        raise


def _type_and_check(
    source: Source,
    be: Backend,
    today: dt.date,
    first: int,
    small: dict[str, tuple[pd.DataFrame, np.ndarray | None, str]],
    scanned: Scanned,
    ids: checks.IdChecks,
    seconds: dict[str, float],
) -> Loaded:
    """Type the small sheets and the compacted facts, run the rules on them; the id checks
    join the findings in ``Loaded.finish``."""
    origin: Origin = {}
    compacted: dict[str, facts.Compacted] = {}

    def parse(kind: str, conventions: Conventions) -> tuple[SheetData, list[Finding]]:
        """Type a sheet as the workbook reader would (Settings, then Roster, then the rest)."""
        if kind in scanned:
            ref = source.tables[kind]
            file = str(ref.paths[0]) if len(ref.paths) == 1 else ref.label
            frame, columns, unknown, flags = scanned[kind]
            spec = aggregates.COMPACTIONS[kind]
            c = facts.type_step(frame, SHEETS[kind], spec, columns, unknown, flags, conventions)
            compacted[kind] = c
            return _sheet_data(c, file, origin), []
        frame, rows, workbook = small[kind]
        return sheet_from_raw(
            SHEETS[kind],
            frame,
            header_row=1,
            workbook=workbook,
            sheet_name=kind,
            rows=rows,
            conventions=conventions,
        )

    t = time.perf_counter()
    ws = Workspace(sheets={}, today=today)
    assemble(ws, [k for k in SHEETS if k in small or k in scanned], parse)
    seconds["typing"] = time.perf_counter() - t
    small_findings = [
        _relocate(f, ws.sheets[f.sheet], source.tables[f.sheet])
        if f.sheet in ws.sheets and f.sheet in source.tables
        else f
        for f in ws.findings
        if f.sheet not in FACTS
    ]
    early: list[checks.ScaleReport] = []  # per fact table, before its id checks
    key_bad: list[Finding] = []
    for name, c in compacted.items():
        ref = source.tables[name]
        file = str(ref.paths[0]) if len(ref.paths) == 1 else ref.label
        label = _labeller(source, name)
        part = checks.missing_columns(name, c.present, c.unknown, ref.label, file)
        part.extend(checks.flagged(c, label, first))
        if SHEETS[name].key and set(SHEETS[name].key) <= set(aggregates.COMPACTIONS[name].keys):
            part.extend(checks.compacted_duplicates(c, label, first))
        early.append(part)
        key_bad.extend(_key_bad_cells(c, ws.sheets[name]))
    t = time.perf_counter()
    # The key cells that could not be typed are known to validate as bad-type, so it does
    # not call them required-blank as well (as for a workbook's cells).
    fact_found = [f for f in ws.findings if f.sheet in FACTS]
    ws.findings = [*small_findings, *fact_found, *key_bad]
    found = validate(_kept_columns(ws)).findings
    later = _fact_findings(ws, found, source, origin, first)
    small_all = [*small_findings, *_small_sheet_findings(ws, found, source)]
    seconds["rules on the compacted tables"] = time.perf_counter() - t
    ws.findings = small_findings
    loaded = Loaded(ws, Report([]), checks.ScaleReport(), source, be.name, seconds)

    def finish() -> None:
        scale = checks.ScaleReport()
        t = time.perf_counter()
        try:
            results = [ids.result(name) for name in compacted]
        finally:
            ids.close()
        seconds["id checks (after the rest)"] = time.perf_counter() - t
        for part, result in zip(early, results, strict=True):
            scale.extend(part)
            scale.extend(result)
        scale.extend(later)
        for f in small_all:
            scale.counts.append(checks.RuleCount(f.code, f.sheet, f.column, 1, f.sheet))
        loaded.report = Report(_ordered([*small_all, *scale.findings]))
        scale.findings = list(loaded.report.findings)
        loaded.scale = scale

    loaded.pending.append(finish)
    return loaded


def _kept_columns(ws: Workspace) -> Workspace:
    """``ws`` as ``validate`` should see it: the fact sheets with only the columns their
    compaction keeps. The dropped ones (ids, notes) are blank in every compacted row, and
    the engine has judged them (``checks.id_checks``): shown to validate they only made a
    required-blank finding per compacted row to throw away (46,000 on 10M audits, 1.6 s)."""
    sheets = dict(ws.sheets)
    for name, spec in aggregates.COMPACTIONS.items():
        if name in sheets:
            sd, kept = sheets[name], {*spec.keys, *spec.sums}
            letters = {k: v for k, v in sd.letters.items() if k in kept}
            sheets[name] = dataclasses.replace(sd, letters=letters)
    return dataclasses.replace(ws, sheets=sheets)


def _labeller(source: Source, sheet: str) -> Callable[[str], str]:
    return lambda file: _table_label(source, sheet, file)


def _key_bad_cells(c: facts.Compacted, sd: SheetData) -> list[Finding]:
    out = []
    for column, flag in c.key_bad.items():
        for k in np.flatnonzero(c.frame[flag].to_numpy()):
            cell = f"{sd.letters.get(column, 'A')}{k + 2}"
            out.append(Finding("bad-type", c.sheet, cell, "", column=column))
    return out


def _reference_values(sheets: dict[str, SheetData]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for schema in SHEETS.values():
        for col in schema.columns:
            if col.references and col.references[0] in sheets:
                ref_sheet, ref_col = col.references
                values = sheets[ref_sheet].frame[ref_col].dropna()
                out[col.references] = [str(v) for v in pd.unique(values)]
    return out


_CELL = re.compile(r"^[A-Z]+(\d+)$")
_ROW_IN_TEXT = re.compile(r"\brow (\d+)\b")


def _original_row(m: re.Match[str], origin: tuple[np.ndarray, np.ndarray]) -> str:
    """``row k`` in a message about a compacted table → the first original row it stands for."""
    k = int(m.group(1)) - 2
    rows = origin[1]
    if not 0 <= k < len(rows) or pd.isna(rows[k]):
        return m.group(0)
    return f"row {int(rows[k]):,}"


def _relocate(f: Finding, sd: SheetData, ref: TableRef) -> Finding:
    """A finding made on a table's rows, re-addressed to the table file and row."""
    m = _CELL.match(f.cell or "")
    if not m:
        return f
    row = int(m.group(1))
    prefix = f"{sheet_ref(f.sheet)}!{f.cell}: "
    text = f.message[len(prefix) :] if f.message.startswith(prefix) else f.message
    if row == sd.header_row:  # a header finding (unknown-column)
        return dataclasses.replace(f, cell="", message=f"{ref.label}: {text}")
    message = f"{checks.where(ref.label, row)}, {f.column}: {text}"
    return dataclasses.replace(f, cell=f"row {row}", message=message[:254])


def _small_sheet_findings(ws: Workspace, found: list[Finding], source: Source) -> list[Finding]:
    """``validate``'s findings on the small sheets, re-addressed to their table rows."""
    out = []
    for f in found:
        if f.sheet in FACTS:
            continue
        if f in ws.findings:
            continue
        ref = source.tables.get(f.sheet)
        out.append(_relocate(f, ws.sheets[f.sheet], ref) if ref and f.sheet in ws.sheets else f)
    return out


def _fact_findings(
    ws: Workspace, found: list[Finding], source: Source | None, origin: Origin, first: int
) -> checks.ScaleReport:
    """``validate``'s findings on the compacted fact tables, re-addressed and counted.

    A finding names a compacted row; it is re-addressed to the first original row that
    row stands for. Rules over a person's day or week count once per finding; rules on one
    row's compacted values count once per original row (n). Per-row checks on values the
    compaction does not keep (ids, measures) and duplicates come from the engine instead.
    """
    out = checks.ScaleReport()
    counts: Counter[tuple[str, str, str]] = Counter()
    for f in found:
        if f.sheet not in FACTS:
            continue
        if f.code == "missing-sheet":
            out.findings.append(f)
            counts[(f.code, f.sheet, "")] += 1
            continue
        spanning = f.code in SPANNING
        keyed = f.column in aggregates.COMPACTIONS[f.sheet].keys and f.code not in ENGINE_CODES
        if not (spanning or keyed):
            continue
        sd = ws.sheets[f.sheet]
        m = _CELL.match(f.cell or "")
        if not m:
            continue
        k = int(m.group(1)) - 2
        file, row = origin[f.sheet][0][k], origin[f.sheet][1][k]
        counts[(f.code, f.sheet, f.column)] += (
            1 if spanning else int(sd.frame[aggregates.COUNT].iloc[k])
        )
        prefix = f"{sheet_ref(f.sheet)}!{f.cell}: "
        text = f.message[len(prefix) :] if f.message.startswith(prefix) else f.message
        text = _ROW_IN_TEXT.sub(partial(_original_row, origin=origin[f.sheet]), text)
        table = _table_label(source, f.sheet, str(file))
        row_value = None if pd.isna(row) else int(row)
        out.findings.append(
            checks.finding(f.code, f.sheet, table, str(file), row_value, f.column, text, f.value)
        )
    for (code, sheet, column), n in counts.items():
        out.counts.append(checks.RuleCount(code, sheet, column, n, sheet))
    per: Counter[tuple[str, str, str]] = Counter()
    kept = []
    for f in out.findings:
        per[(f.code, f.sheet, f.column)] += 1
        if per[(f.code, f.sheet, f.column)] <= first:
            kept.append(f)
    out.findings = kept
    return out


def _table_label(source: Source | None, sheet: str, file: str) -> str:
    if source is not None and source.kind == "workbooks":
        return Path(file).name
    ref = source.tables.get(sheet) if source is not None else None
    if ref is not None and len(ref.paths) > 1:
        return f"{ref.label}{Path(file).name}"
    return ref.label if ref is not None else Path(file).name


def _ordered(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> tuple[Any, ...]:
        m = re.match(r"row (\d+)", f.cell or "")
        return (f.sheet, f.workbook, int(m.group(1)) if m else 0, f.code)

    return sorted(findings, key=key)


def _from_workbooks(source: Source, be: Backend, today: dt.date | None, use_cache: bool) -> Loaded:
    """Workbooks: read and validated as ``refresh`` does; the facts compacted on the engine."""
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    path = Path(source.location)
    root = path if path.is_dir() else path.parent
    full = read_workspace(path, today=today, cache_dir=root / CACHE_DIR if use_cache else None)
    seconds["read"] = time.perf_counter() - t
    t = time.perf_counter()
    report = validate(full)
    seconds["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    sheets = dict(full.sheets)
    for name in FACTS:
        if name not in full.sheets:
            continue
        sd = full.sheets[name]
        frame = sd.frame.rename(columns={WS_ROW: ROW}).assign(**{FILE: sd.workbook})
        raw = be.from_pandas(frame[[*sd.letters, FILE, ROW]])
        spec = aggregates.COMPACTIONS[name]
        c = facts.compact_fact(be, raw, SHEETS[name], spec, False, full.conventions)
        compacted = _sheet_data(c, sd.workbook, {})
        compacted.sheet_name, compacted.letters = sd.sheet_name, dict(sd.letters)
        sheets[name] = compacted
    seconds["compaction"] = time.perf_counter() - t
    ws = dataclasses.replace(full, sheets=sheets, cache={})
    scale = checks.ScaleReport(
        counts=[checks.RuleCount(code, "", "", n) for code, n in sorted(report.counts().items())],
        findings=list(report.findings),
    )
    return Loaded(ws, report, scale, source, be.name, seconds)


# ------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class ReportResult:
    out: Path
    deck: Path | None
    month: str
    engine: str
    sheets: tuple[str, ...]
    errors: int
    warnings: int
    counts: dict[str, int]
    seconds: dict[str, float]


def report(
    location: str | Path | Source,
    *,
    out: Path,
    engine: str = "duckdb",
    month: str | None = None,
    deck: Path | None = None,
    catalog: str | None = None,
    today: dt.date | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Load ``location`` on ``engine`` and write the LX workbook (and deck) for ``month``."""
    say = progress or (lambda _m: None)
    started = dt.datetime.now()
    t0 = time.perf_counter()
    loaded = load(location, engine, catalog=catalog, today=today, defer=True)
    say(f"  read and compacted on {engine} in {time.perf_counter() - t0:.1f} s")
    try:
        pipe = EnginePipeline(loaded, month=month, today=today)
        t = time.perf_counter()
        sheets = pipe.outputs(started, time.perf_counter() - t0)
    finally:
        loaded.finish()  # the checks alongside end and the engine is released, come what may
    seconds = dict(loaded.seconds)
    seconds["metrics"] = time.perf_counter() - t
    t = time.perf_counter()
    dest = new_workbook(out, sheets, force=force)
    seconds["write"] = time.perf_counter() - t
    deck_path = pipe.deck(deck) if deck is not None else None
    rep = loaded.report
    return ReportResult(
        out=dest,
        deck=deck_path,
        month=pipe.month,
        engine=engine,
        sheets=tuple(s.name for s in sheets),
        errors=len(rep.errors),
        warnings=len(rep.warnings),
        counts=loaded.scale.totals() if loaded.source.kind != "workbooks" else dict(rep.counts()),
        seconds=seconds,
    )
