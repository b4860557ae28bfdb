"""Validation at scale: counts per rule and the first offending rows, by file and row.

The contracts (``model.schema``) and the catalogue codes (``model.findings``) are the
workbook path's; only the address differs: a finding names the table file and the row
there (``audits.parquet row 1,234,567``) instead of a cell. The per-row checks on values
the compaction does not keep (a measure that is not a number or out of range)
are flags of the engine scan (``facts``); blank and duplicate ids are one more pass that
reads only them (``id_checks``, alongside on DuckDB: ``IdChecks``); every other
rule runs on the compacted tables and counts each compacted row n times (``report``).
A rule shows the first rows of its first offending value combinations (in file order).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import narwhals as nw
import numpy as np
import pandas as pd

from labelxl.engines.aggregates import COMPACTIONS, COUNT
from labelxl.engines.backends import FILE, ROW, Backend
from labelxl.engines.facts import Compacted, Flag, blank_expr, blank_flags, match_columns
from labelxl.engines.sources import TableRef
from labelxl.model.findings import CATALOGUE, Finding, Report
from labelxl.model.schema import SHEETS, Column
from labelxl.validate._common import plain, show  # one spelling of a value in messages

FIRST = 20  # offending rows kept per rule (the count covers all of them)
KEY = "_key"  # a one-column key's values in ``id_checks``

Say = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class RuleCount:
    """How many rows of one table break one rule (all of them, not only those shown)."""

    code: str
    sheet: str
    column: str
    count: int
    table: str = ""

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code].severity


@dataclass
class ScaleReport:
    """Counts per rule plus the first offending rows of each, as findings."""

    counts: list[RuleCount] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def report(self) -> Report:
        return Report(list(self.findings))

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.counts:
            out[c.code] = out.get(c.code, 0) + c.count
        return out

    def extend(self, other: ScaleReport) -> None:
        self.counts.extend(other.counts)
        self.findings.extend(other.findings)


def choices(names: tuple[str, ...] | list[str], cap: int = 6) -> str:
    names = list(names)
    return ", ".join(names[:cap]) + (f" (+{len(names) - cap} more)" if len(names) > cap else "")


def row_number(value: object) -> int | None:
    """A row number from an engine value (None when the engine keeps none)."""
    value = plain(value)
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload]  # DuckDB sums come back as Decimal
    except (TypeError, ValueError):
        return None


def where(table: str, row: object) -> str:
    n = row_number(row)
    return f"{table} row {n:,}" if n is not None else table


def finding(
    code: str, sheet: str, table: str, file: str, row: object, column: str, text: str, value: object
) -> Finding:
    message = f"{where(table, row)}, {column}: {text}" if column else f"{where(table, row)}: {text}"
    n = row_number(row)
    cell = f"row {n}" if n is not None else ""
    return Finding(
        code,
        sheet,
        cell,
        message if len(message) <= 254 else message[:253] + "…",
        column=column,
        value=plain(value),
        workbook=file,
    )


_TYPE = {
    "date": "a date",
    "number": "a number",
    "integer": "a whole number",
    "yesno": "yes or no",
    "text": "text",
}


def _range(col: Column) -> str:
    if col.minimum is not None and col.maximum is not None:
        return f"between {col.minimum:.4g} and {col.maximum:.4g}"
    if col.minimum is not None:
        return f"at least {col.minimum:.4g}"
    return f"at most {col.maximum or 0:.4g}"


def _say(code: str, col: Column, rec: dict[str, Any]) -> str:
    # A compacted row's measure is the sum of its rows: shown only when it is one row.
    got = show(rec.get(col.name)) if rec.get("n", 1) == 1 else "such values"
    if code == "bad-type":
        return f"{col.name} must be {_TYPE[col.type]} (got a value that is not). Retype it."
    if code == "required-blank":
        return (
            f"{col.name} is required (expected {_TYPE[col.type]}; got blank). "
            "Fill it in or delete the row."
        )
    if code == "out-of-range":
        return f"{col.name} must be {_range(col)} (got {got}). Enter a value in that range."
    return f"hours must be more than 0 (got {got}). Enter the hours worked or delete the entry."


def _shown(
    frame: pd.DataFrame,
    mask: np.ndarray,
    code: str,
    sheet: str,
    column: str,
    label: Callable[[str], str],
    say: Say,
    first: int,
    value: Callable[[dict[str, Any]], object] | None = None,
) -> ScaleReport:
    out = ScaleReport()
    hits = frame.loc[mask]
    if hits.empty:
        return out
    count = int(hits[COUNT].sum())
    out.counts.append(RuleCount(code, sheet, column, count, label(str(hits[FILE].iloc[0]))))
    for rec in cast("list[dict[str, Any]]", hits.head(first).to_dict("records")):
        file = str(rec[FILE])
        got = value(rec) if value else rec.get(column)
        out.findings.append(
            finding(code, sheet, label(file), file, rec[ROW], column, say(rec), got)
        )
    return out


def flagged(c: Compacted, label: Callable[[str], str], first: int = FIRST) -> ScaleReport:
    """The scan's per-row flags and the key values that could not be typed."""
    schema = SHEETS[c.sheet]
    out = ScaleReport()
    for flag in c.flags:
        col = schema.column(flag.column)
        mask = c.frame[flag.name].to_numpy(dtype=bool)
        if flag.code == "required-blank" and f"_bad_{col.name}" in c.frame:
            mask = mask & ~c.frame[f"_bad_{col.name}"].to_numpy(dtype=bool)
        say = partial(_say, flag.code, col)
        out.extend(_shown(c.frame, mask, flag.code, c.sheet, col.name, label, say, first))
    for column, name in c.key_bad.items():
        col = schema.column(column)
        mask = c.frame[name].to_numpy(dtype=bool)
        out.extend(
            _shown(
                c.frame,
                mask,
                "bad-type",
                c.sheet,
                column,
                label,
                partial(_say, "bad-type", col),
                first,
                value=lambda r: None,
            )
        )
    return out


def id_checks(
    backend: Backend,
    raw: nw.LazyFrame[Any],
    sheet: str,
    flags: list[Flag],
    unique: str | None,
    label: Callable[[str], str],
    first: int = FIRST,
    lean: nw.LazyFrame[Any] | None = None,
) -> ScaleReport:
    """Blank required ids (``flags``) and the duplicates of ``unique``, a one-column key
    the compaction drops (audit_id), in one pass over those columns only.

    The pass counts each id's blanks, the key's non-blank rows and its distinct non-blank
    values: their difference is the number of duplicate rows (Σ rows of an id − 1), so a
    table without duplicates (the usual case) never groups its millions of ids. The first
    rows of a rule are fetched only when its count is not zero. ``lean`` (the same table
    without file and row columns: ``Backend.lean_scan``) is counted on when given.
    """
    out = ScaleReport()
    names, _unknown = match_columns(SHEETS[sheet], list(raw.collect_schema()))
    if unique is not None and unique not in names:
        unique = None
    if not flags and unique is None:
        return out
    exprs = [blank_expr(raw, f.name).alias(f"_b{i}") for i, f in enumerate(flags)]
    sums = [nw.col(f"_b{i}").cast(nw.Int64).sum().alias(f"_b{i}") for i in range(len(flags))]
    blank_key = "_bk"
    if unique is not None:
        exprs.append(nw.col(names[unique]).alias(KEY))
        own = [i for i, f in enumerate(flags) if f.column == unique]  # its blanks' flag
        if own:
            blank_key = f"_b{own[0]}"
        else:
            exprs.append(blank_expr(raw, names[unique]).alias(blank_key))
            sums.append(nw.col(blank_key).cast(nw.Int64).sum().alias(blank_key))
        sums += [
            nw.len().alias("_rows"),
            # n_unique counts null (every blank, made null here) as one value: taken off below
            nw.when(~nw.col(blank_key)).then(nw.col(KEY)).n_unique().alias("_ids"),
        ]
    marked = raw.select(*exprs, nw.col(FILE), nw.col(ROW))
    counted = marked if lean is None else lean.select(*exprs)
    got = backend.collect(counted.select(*sums))

    def total(name: str) -> int:
        return (row_number(got[name].iloc[0]) or 0) if len(got) else 0

    for i, flag in enumerate(flags):
        count = total(f"_b{i}")
        if count:
            hits = marked.filter(nw.col(f"_b{i}"))
            out.extend(_blank_rows(backend, hits, sheet, flag, count, label, first))
    if unique is not None:
        blanks = total(blank_key)
        dups = (total("_rows") - blanks) - (total("_ids") - (1 if blanks else 0))
        if dups > 0:
            kept = marked.filter(~nw.col(blank_key)).select(KEY, FILE, ROW)
            out.extend(_duplicate_rows(kept, backend, sheet, unique, dups, label, first))
    return out


def _blank_rows(
    backend: Backend,
    hits: nw.LazyFrame[Any],
    sheet: str,
    flag: Flag,
    count: int,
    label: Callable[[str], str],
    first: int,
) -> ScaleReport:
    out = ScaleReport()
    col = SHEETS[sheet].column(flag.column)
    rows = backend.collect(hits.select(FILE, ROW).sort([FILE, ROW]).head(first))
    out.counts.append(RuleCount("required-blank", sheet, col.name, count, label("")))
    for rec in cast("list[dict[str, Any]]", rows.to_dict("records")):
        file = str(rec[FILE])
        text = _say("required-blank", col, {})
        out.findings.append(
            finding("required-blank", sheet, label(file), file, rec[ROW], col.name, text, None)
        )
    return out


def compacted_duplicates(
    c: Compacted, label: Callable[[str], str], first: int = FIRST
) -> ScaleReport:
    """Duplicates of a key the compaction keeps: the key's rows beyond its first (Σn − 1)."""
    schema = SHEETS[c.sheet]
    key = list(schema.key)
    required = [k for k in key if schema.column(k).required]
    frame = c.frame.loc[c.frame[required].notna().all(axis=1).to_numpy()]
    if frame.empty:
        return ScaleReport()
    total = frame.groupby(key, dropna=False, sort=False)[COUNT].transform("sum")
    firsts = ~frame.duplicated(key, keep="first")  # the frame is in file order
    dup = frame.assign(**{COUNT: total - 1}).loc[firsts & (total > 1)]
    label_key = ", ".join(key)

    def shown(r: dict[str, Any]) -> str:
        return " / ".join(str(plain(r[k])) for k in key)

    def say(r: dict[str, Any]) -> str:
        return (
            f"each ({label_key}) must appear once (got {shown(r)} in {int(r[COUNT]) + 1} rows, "
            "the first here). Merge the rows or delete the duplicates."
        )

    mask = np.ones(len(dup), dtype=bool)
    return _shown(dup, mask, "duplicate-key", c.sheet, key[0], label, say, first, value=shown)


def _duplicate_rows(
    keyed: nw.LazyFrame[Any],
    backend: Backend,
    sheet: str,
    key: str,
    dups: int,
    label: Callable[[str], str],
    first: int,
) -> ScaleReport:
    """The first rows whose id an earlier row already has (``keyed``: KEY, file, row)."""
    out = ScaleReport()
    out.counts.append(RuleCount("duplicate-key", sheet, key, dups, label("")))
    groups = keyed.group_by(KEY).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1)
    rows_shown = backend.collect(
        keyed.join(groups.select(KEY), on=KEY, how="inner").sort([FILE, ROW]).head(first * 4)
    )
    seen: dict[object, tuple[str, object]] = {}
    for rec in cast("list[dict[str, Any]]", rows_shown.to_dict("records")):
        value = rec[KEY]
        if value not in seen:
            seen[value] = (str(rec[FILE]), rec[ROW])
            continue
        if len(out.findings) >= first:
            break
        file, row = str(rec[FILE]), rec[ROW]
        before = seen[value]
        where_before = f"row {row_number(before[1]) or 0:,}"
        if before[0] != file:
            where_before += f" of {label(before[0])}"
        out.findings.append(
            finding(
                "duplicate-key",
                sheet,
                label(file),
                file,
                row,
                key,
                f"{key} must be unique (got {show(value)}, already in {where_before}). "
                f"Give this row its own {key} or delete the duplicate.",
                value,
            )
        )
    return out


def missing_columns(
    sheet: str, present: tuple[str, ...], unknown: tuple[str, ...], table: str, file: str
) -> ScaleReport:
    out = ScaleReport()
    schema = SHEETS[sheet]
    for name in schema.required_columns:
        if name in present:
            continue
        out.counts.append(RuleCount("missing-column", sheet, name, 1, table))
        out.findings.append(
            Finding(
                "missing-column",
                sheet,
                "",
                f"{table}: required column {name} is missing (found "
                f"{choices(list(present)) or 'no known columns'}). Add a column {name}, "
                "or rename the column that holds it.",
                column=name,
                workbook=file,
            )
        )
    for name in unknown:
        out.counts.append(RuleCount("unknown-column", sheet, name, 1, table))
        out.findings.append(
            Finding(
                "unknown-column",
                sheet,
                "",
                f"{table}: column {name[:40]!r} is not part of the {sheet} contract and is "
                f"ignored. Rename it to one of {choices(list(schema.column_names))} or leave it.",
                column=name,
                value=name,
                workbook=file,
            )
        )
    return out


class IdChecks:
    """Each fact table's blank ids and engine-side duplicates (``id_checks``).

    On DuckDB they run in a thread on a session of their own (a cursor of the same
    database), alongside the compaction, the typing, the rules and the metrics of the main
    thread: DuckDB releases the GIL while it works. Other engines run them in turn when
    asked (``result``).
    """

    def __init__(
        self,
        be: Backend,
        refs: dict[str, TableRef],
        raws: dict[str, Any],
        labeller: Callable[[str], Callable[[str], str]],
        first: int,
        seconds: dict[str, float],
    ) -> None:
        self.be, self.raws, self.labeller = be, raws, labeller
        self.first, self.seconds = first, seconds
        self.side = be.side_session()
        self.futures: dict[str, Future[ScaleReport]] = {}
        if self.side is not None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="labelxl-ids")
            for name in COMPACTIONS:
                if name in raws:
                    self.futures[name] = self.pool.submit(self._alongside, name, refs[name])

    def _alongside(self, name: str, ref: TableRef) -> ScaleReport:
        assert self.side is not None
        side = self.side
        return self._run(side, side.scan(ref), name, " (alongside)", side.lean_scan(ref))

    def _run(
        self, be: Backend, raw: Any, name: str, how: str = "", lean: Any = None
    ) -> ScaleReport:
        t = time.perf_counter()
        schema, spec = SHEETS[name], COMPACTIONS[name]
        dropped = len(schema.key) == 1 and schema.key[0] not in spec.keys
        blanks = blank_flags(raw, schema, spec)
        unique = schema.key[0] if dropped else None
        label = self.labeller(name)
        out = id_checks(be, raw, name, blanks, unique, label, self.first, lean)
        self.seconds[f"{name} ids{how}"] = time.perf_counter() - t
        return out

    def result(self, name: str) -> ScaleReport:
        if name in self.futures:
            return self.futures.pop(name).result()
        return self._run(self.be, self.raws[name], name)

    def close(self) -> None:
        """Wait for what still runs (its errors are the caller's to see) and release it."""
        if self.side is None:
            return
        for future in self.futures.values():
            future.exception()  # waits; the result is dropped
        self.pool.shutdown()
        self.side.close()
        self.side = None
