"""Validation at scale: each row rule is a query returning its count and first offending rows.

The contracts (``model.schema``) and the catalogue codes (``model.findings``) are the
workbook path's; only the address differs: a finding names the table file and the row
there (``audits.parquet row 1,234,567``) instead of a cell. Rules that look at one row
run here on the engine, all flags in one pass for the counts and one small query per rule
that fired for its first rows. Rules over a person's day or week (hours caps, leave and
work, timesheet vs Production, ...) run on the compacted tables (see ``report``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import narwhals as nw
import pandas as pd

from labelxl.engines.backends import FILE, ROW, Backend
from labelxl.engines.contracts import Typed, bad_flag
from labelxl.model.findings import CATALOGUE, Finding, Report
from labelxl.model.schema import PRODUCTIVE_ACTIVITIES, SHEETS, Column

FIRST = 20  # offending rows kept per rule (the count covers all of them)
# Facts the engine checks row by row; the other sheets are small and checked in pandas.
FACT_DATES = {"Production": "date", "Timesheet": "date", "Audits": "audit_date"}
DECISIONS = ("labeler_decision", "auditor_decision")  # checked per policy area, compacted

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


@dataclass(frozen=True)
class RowRule:
    code: str
    column: str
    flag: nw.Expr
    say: Say


def plain(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        value = value.item()  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def show(value: object) -> str:
    value = plain(value)
    if value is None:
        return "blank"
    if isinstance(value, float):
        return f"{value:.4g}"
    text = f"'{value}'" if isinstance(value, str) else str(value)
    return text if len(text) <= 42 else text[:40] + "…'"


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


def row_rules(
    typed: Typed, refs: dict[tuple[str, str], list[str]], today: dt.date, max_hours: float
) -> list[RowRule]:
    """Every one-row rule of ``typed``'s sheet, built from its contract."""
    schema = SHEETS[typed.sheet]
    rules: list[RowRule] = []
    c = nw.col
    for col in schema.columns:
        if col.name not in typed.present:
            continue
        name, bad = col.name, c(bad_flag(col.name))

        def say_bad(r: dict[str, Any], col: Column = col) -> str:
            return f"{col.name} must be {_TYPE[col.type]} (got a value that is not). Retype it."

        rules.append(RowRule("bad-type", name, bad, say_bad))
        if col.required:

            def say_blank(r: dict[str, Any], col: Column = col) -> str:
                return (
                    f"{col.name} is required (expected {_TYPE[col.type]}; got blank). "
                    "Fill it in or delete the row."
                )

            rules.append(RowRule("required-blank", name, c(name).is_null() & ~bad, say_blank))
        if col.allowed and col.type == "text":

            def say_allowed(r: dict[str, Any], col: Column = col) -> str:
                return (
                    f"{col.name} must be one of {choices(col.allowed or ())} "
                    f"(got {show(r[col.name])}). Pick a value from the list."
                )

            flag = ~c(name).is_null() & ~c(name).is_in(list(col.allowed))
            rules.append(RowRule("not-allowed", name, flag, say_allowed))
        if col.type in ("number", "integer") and (col.minimum, col.maximum) != (None, None):
            lo = float("-inf") if col.minimum is None else col.minimum
            hi = float("inf") if col.maximum is None else col.maximum

            def say_range(r: dict[str, Any], col: Column = col) -> str:
                return (
                    f"{col.name} must be {_range(col)} (got {show(r[col.name])}). "
                    "Enter a value in that range."
                )

            flag = ~c(name).is_null() & ((c(name) < lo) | (c(name) > hi))
            rules.append(RowRule("out-of-range", name, flag, say_range))
        if col.references is not None and not (typed.sheet == "Audits" and name in DECISIONS):
            valid = refs.get(col.references)
            if valid is not None:
                ref_sheet, ref_col = col.references

                def say_ref(
                    r: dict[str, Any], col: Column = col, s: str = ref_sheet, rc: str = ref_col
                ) -> str:
                    return (
                        f"{col.name} must be a {rc} listed in {s} (got {show(r[col.name])}). "
                        f"Add it to {s} or correct the value."
                    )

                flag = ~c(name).is_null() & ~c(name).is_in(valid)
                rules.append(RowRule("unknown-reference", name, flag, say_ref))
    date_col = FACT_DATES.get(typed.sheet)
    if date_col in typed.present:
        day = pd.Timestamp(today).date()

        def say_future(r: dict[str, Any], col: str = date_col) -> str:
            return (
                f"{col} must be on or before today, {day:%Y-%m-%d} (got {show(r[col])}). "
                "Correct the date; a future day cannot have happened yet."
            )

        rules.append(RowRule("future-date", date_col, c(date_col) > nw.lit(day), say_future))
    rules.extend(_sheet_rules(typed))
    return rules


def _sheet_rules(typed: Typed) -> list[RowRule]:
    c, has = nw.col, set(typed.present)
    out: list[RowRule] = []
    if typed.sheet == "Timesheet" and "hours" in has:
        out.append(
            RowRule(
                "hours-not-positive",
                "hours",
                c("hours") <= 0,
                lambda r: (
                    f"hours must be more than 0 (got {show(r['hours'])}). Delete the entry "
                    "or enter the hours worked."
                ),
            )
        )
    if typed.sheet == "Timesheet" and {"activity", "project_id"} <= has:
        out.append(
            RowRule(
                "project-required",
                "project_id",
                c("activity").is_in(list(PRODUCTIVE_ACTIVITIES)) & c("project_id").is_null(),
                lambda r: (
                    f"project_id is required for {r['activity']} entries (got blank). Enter "
                    "the project worked on, or change the activity."
                ),
            )
        )
    if typed.sheet != "Audits":
        return out
    if {"person_id", "auditor_id"} <= has:
        out.append(
            RowRule(
                "self-audit",
                "auditor_id",
                ~c("auditor_id").is_null() & (c("auditor_id") == c("person_id")),
                lambda r: (
                    f"auditor_id must differ from the labeler person_id (got "
                    f"{show(r['auditor_id'])} for both). Have another auditor re-audit the item."
                ),
            )
        )
    if {"labeler_decision", "auditor_decision", "error_type"} <= has:
        lab, aud, err = c("labeler_decision"), c("auditor_decision"), c("error_type")
        both = ~lab.is_null() & ~aud.is_null()
        agree = both & (lab == aud)
        overturned = (c("dispute_outcome") == "Overturned").fill_null(False)
        out.append(
            RowRule(
                "error-type-mismatch",
                "error_type",
                agree & ~err.is_null(),
                lambda r: (
                    f"error_type must be blank when the decisions agree (both "
                    f"{show(r['labeler_decision'])}; got {show(r['error_type'])}). Clear "
                    "error_type or correct a decision."
                ),
            )
        )
        out.append(
            RowRule(
                "error-type-mismatch",
                "error_type",
                both & ~agree & err.is_null() & ~overturned,
                lambda r: (
                    f"error_type is required when the decisions differ (labeler "
                    f"{show(r['labeler_decision'])}, auditor {show(r['auditor_decision'])}; "
                    "got blank). Enter FalsePositive, FalseNegative, WrongPolicy or Technical."
                ),
            )
        )
    if {"disputed", "dispute_outcome"} <= has:
        disputed = (c("disputed") == "yes").fill_null(False)
        outcome = c("dispute_outcome")
        out.append(
            RowRule(
                "dispute-outcome-mismatch",
                "dispute_outcome",
                ~disputed & ~outcome.is_null(),
                lambda r: (
                    f"dispute_outcome must be blank when disputed is not yes (got "
                    f"{show(r['dispute_outcome'])}). Set disputed to yes or clear the outcome."
                ),
            )
        )
        out.append(
            RowRule(
                "dispute-outcome-mismatch",
                "dispute_outcome",
                disputed & outcome.is_null(),
                lambda r: (
                    "dispute_outcome is required when disputed is yes (got blank). Enter "
                    "Upheld, Overturned or Pending."
                ),
            )
        )
    return out


def run_rules(
    backend: Backend, typed: Typed, table: str, rules: list[RowRule], first: int = FIRST
) -> ScaleReport:
    """All flags in one pass for the counts, then the first rows of each rule that fired."""
    out = ScaleReport()
    if not rules:
        return out
    flags = [r.flag.fill_null(False).alias(f"_f{i}") for i, r in enumerate(rules)]
    flagged = typed.frame.with_columns(*flags)
    sums = backend.collect(
        flagged.select(*(nw.col(f"_f{i}").cast(nw.Int64).sum() for i in range(len(rules))))
    )
    counts = [(row_number(sums.iloc[0, i]) or 0) if len(sums) else 0 for i in range(len(rules))]
    for i, (rule, count) in enumerate(zip(rules, counts, strict=True)):
        if not count:
            continue
        out.counts.append(RuleCount(rule.code, typed.sheet, rule.column, count, table))
        rows = backend.collect(
            flagged.filter(nw.col(f"_f{i}"))
            .sort([FILE, ROW])
            .head(first)
            .drop(*[f"_f{j}" for j in range(len(rules))])
        )
        for rec in cast("list[dict[str, Any]]", rows.to_dict("records")):
            out.findings.append(
                finding(
                    rule.code,
                    typed.sheet,
                    table,
                    _file(rec),
                    rec[ROW],
                    rule.column,
                    rule.say(rec),
                    rec.get(rule.column),
                )
            )
    return out


def _file(rec: dict[str, Any]) -> str:
    return str(plain(rec.get(FILE)) or "")


def duplicate_keys(backend: Backend, typed: Typed, table: str, first: int = FIRST) -> ScaleReport:
    """Rows whose key another, earlier row already has (a group-by on the key)."""
    schema = SHEETS[typed.sheet]
    key = list(schema.key)
    out = ScaleReport()
    if not key or not all(k in typed.present or not schema.column(k).required for k in key):
        return out
    required = [k for k in key if schema.column(k).required]
    rows = typed.frame.filter(*(~nw.col(k).is_null() for k in required))
    groups = (
        rows.group_by(key, drop_null_keys=False)
        .agg(nw.len().alias("_n"), nw.col(ROW).min().alias("_first"))
        .filter(nw.col("_n") > 1)
    )
    total = backend.collect(groups.select((nw.col("_n") - 1).sum().alias("dups")))
    count = (row_number(total.iloc[0, 0]) or 0) if len(total) else 0
    if not count:
        return out
    out.counts.append(RuleCount("duplicate-key", typed.sheet, key[0], count, table))
    dup = backend.collect(
        rows.join(groups.select(*key, "_first"), on=key, how="inner")
        .filter(nw.col(ROW) != nw.col("_first"))
        .sort([FILE, ROW])
        .head(first)
    )
    label = ", ".join(key)
    for rec in cast("list[dict[str, Any]]", dup.to_dict("records")):
        got = " / ".join(str(show(rec[k])).strip("'") for k in key)
        out.findings.append(
            finding(
                "duplicate-key",
                typed.sheet,
                table,
                _file(rec),
                rec[ROW],
                key[0],
                f"each ({label}) must appear once (got {got}, already in row "
                f"{int(rec['_first']):,}). Merge the two rows or delete the duplicate.",
                got,
            )
        )
    return out


def missing_columns(typed: Typed, table: str, file: str) -> ScaleReport:
    out = ScaleReport()
    schema = SHEETS[typed.sheet]
    for name in schema.required_columns:
        if name in typed.present:
            continue
        out.counts.append(RuleCount("missing-column", typed.sheet, name, 1, table))
        out.findings.append(
            Finding(
                "missing-column",
                typed.sheet,
                "",
                f"{table}: required column {name} is missing (found "
                f"{choices(list(typed.present)) or 'no known columns'}). Add a column {name}, "
                "or rename the column that holds it.",
                column=name,
                workbook=file,
            )
        )
    return out


def label_of(path: str | Path) -> str:
    return Path(str(path)).name
