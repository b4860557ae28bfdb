"""One spelling per id and decision across sheets, so counts and joins see one value.

Ids (person_id, project_id) match after NFKC (full-width ``Ｌ０００５`` → ``L0005``) and with
invisible characters removed; categorical values (Taxonomy decisions and policy areas,
Calibration labels) also ignore case (``approve`` = ``Approve``). A value that matches
only that way is stored in the listed spelling with a ``not-canonical`` warning that
spells out what was typed; one that matches nothing is left for the reference rules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from labelxl.model.cells import clean, fold
from labelxl.model.coerce import not_canonical
from labelxl.model.findings import Finding
from labelxl.model.schema import SHEETS
from labelxl.model.sheet import ROW, SRC, SheetData

# Key columns whose own spelling is cleaned (an id with a zero-width space is no new id).
KEYS: tuple[tuple[str, str], ...] = (("Roster", "person_id"), ("Projects", "project_id"))
# (sheet, column, listed sheet, listed column) beyond the schema's declared references.
EXTRA: tuple[tuple[str, str, str, str], ...] = (
    ("Projects", "policy_area", "Taxonomy", "policy_area"),
    ("Calibration", "label", "Taxonomy", "decision"),
)
IDS = {("Roster", "person_id"), ("Projects", "project_id")}
# Categorical columns compared with each other (accuracy, agreement): spellings no list
# settles (a decision missing from Taxonomy, no Taxonomy at all) still become one, the
# spelling most used in these columns, so 'approve' and 'Approve' never count as two labels.
COMPARED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Audits", ("labeler_decision", "auditor_decision")),
    ("Calibration", ("label",)),
)
_CLEANED = "the id without full-width or invisible characters"


@functools.cache
def inputs(sheet: str) -> frozenset[str]:
    """The sheets ``canonicalise`` reads to settle ``sheet``'s spellings: itself and the
    sheets its columns are listed in, and theirs in turn (their ids are cleaned first)."""
    pairs = [
        (name, col.references[0])
        for name, schema in SHEETS.items()
        for col in schema.columns
        if col.references is not None
    ]
    pairs += [(name, listed) for name, _, listed, _ in EXTRA]
    found = {sheet}
    todo = [sheet]
    while todo:
        current = todo.pop()
        for name, listed in pairs:
            if name == current and listed not in found:
                found.add(listed)
                todo.append(listed)
    return frozenset(found)


def canonicalise(ws: object) -> list[Finding]:
    """Rewrite near-miss spellings in ``ws``'s frames to the listed ones; the warnings."""
    sheets: dict[str, SheetData] = ws.sheets  # type: ignore[attr-defined]
    out: list[Finding] = []
    for sheet, column in KEYS:
        sd = sheets.get(sheet)
        if sd is not None and column in sd.letters:
            out.extend(_rewrite(sd, column, _self_cleaning(sd.frame[column]), _CLEANED))
    pairs = [
        (name, col.name, *col.references)
        for name, schema in SHEETS.items()
        for col in schema.columns
        if col.references is not None
    ]
    for sheet, column, ref_sheet, ref_column in (*pairs, *EXTRA):
        sd, ref = sheets.get(sheet), sheets.get(ref_sheet)
        if sd is None or ref is None or column not in sd.letters or ref_column not in ref.letters:
            continue
        key = clean if (ref_sheet, ref_column) in IDS else fold
        listed = ref.frame[ref_column].dropna().unique()
        where = f"the {'id' if key is clean else 'spelling'} in {ref_sheet}"
        out.extend(_rewrite(sd, column, _matcher(listed, key), where))
    for sheet, columns in COMPARED:
        sd = sheets.get(sheet)
        present = [c for c in columns if sd is not None and c in sd.letters]
        if sd is None or not present:
            continue
        mapping = _most_used(pd.concat([sd.frame[c] for c in present], ignore_index=True))
        for column in present:
            out.extend(_rewrite(sd, column, mapping, f"the spelling most used in {sheet}"))
    return out


def _most_used(values: pd.Series) -> dict[str, str]:
    """Spelling → the most used spelling with the same folded key (ties: first seen)."""
    counts = values.value_counts(sort=False)  # blanks are not counted (dropna)
    best: dict[str, tuple[int, int, str]] = {}
    for order, (value, count) in enumerate(counts.items()):
        if isinstance(value, str):
            key = fold(value)
            if key not in best or count > best[key][0]:
                best[key] = (int(count), order, value)
    return {
        str(value): best[fold(value)][2]
        for value in counts.index
        if isinstance(value, str) and best[fold(value)][2] != value
    }


def _self_cleaning(values: pd.Series) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in pd.unique(values):  # blanks are not text: skipped below
        if isinstance(value, str) and clean(value) != value and clean(value):
            mapping[value] = clean(value)
    return mapping


def _matcher(listed: Iterable[object], key: Callable[[str], str]) -> Callable[[pd.Series], dict]:
    known = {str(v) for v in listed}
    by_key: dict[str, set[str]] = {}
    for value in known:
        by_key.setdefault(key(value), set()).add(value)

    def match(values: pd.Series) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for value in pd.unique(values):  # a blank is not text: skipped
            if not isinstance(value, str) or value in known:
                continue
            hits = by_key.get(key(value), set())
            if len(hits) == 1:  # two listed spellings with one key: leave it to the rules
                mapping[value] = next(iter(hits))
        return mapping

    return lambda values: match(values)  # type: ignore[return-value]


def _rewrite(
    sd: SheetData,
    column: str,
    mapping: dict[str, str] | Callable[[pd.Series], dict[str, str]],
    listed: str,
) -> list[Finding]:
    if callable(mapping):
        mapping = mapping(sd.frame[column])
    if not mapping:
        return []  # the usual case: nothing to copy or rewrite
    values = sd.frame[column].copy()
    hit = values.isin(list(mapping)).to_numpy()
    sd.frame.loc[hit, column] = values[hit].map(mapping)
    out: list[Finding] = []
    typed = values.where(pd.Series(hit, index=values.index))
    for text, canonical in mapping.items():
        rows = np.flatnonzero((typed == text).to_numpy())
        if not len(rows):
            continue
        first = sd.frame.iloc[rows[0]]
        src = sd.source(first.get(SRC)) if SRC in sd.frame.columns else sd
        cell = src.cell(column, int(first[ROW]))
        out.append(
            not_canonical(
                src.sheet_name, cell, column, text, canonical, listed, len(rows), src.workbook
            )
        )
    return out
