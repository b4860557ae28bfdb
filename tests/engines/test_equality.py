"""Same numbers everywhere: the demo through pandas and DuckDB equals `refresh` to 1e-9."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from labelxl.engines import EnginePipeline, export_tables, load
from labelxl.io.reader import read_workspace
from tests.engines.conftest import TODAY, assert_same_tables


def _tables(location: Path | str, engine: str) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    loaded = load(location, engine, today=TODAY)
    pipe = EnginePipeline(loaded, today=TODAY)
    return {s.name: s.frame for s in pipe.outputs()}, loaded.scale.totals()


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_tables_give_the_lx_tables_of_refresh(engine, demo_tables, refreshed):
    expected, expected_counts = refreshed
    got, counts = _tables(demo_tables, engine)
    assert_same_tables(expected, got)
    # The findings, counted per rule, are the workbook path's. The exported tables are
    # typed, so the one cell the workbook could not type is blank there (no bad-type).
    assert counts == {k: v for k, v in expected_counts.items() if k != "bad-type"}
    assert expected_counts.get("bad-type", 0) >= 1


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_workbooks_on_an_engine_give_the_lx_tables_of_refresh(engine, demo_root, refreshed):
    expected, expected_counts = refreshed
    copy = demo_root.parent / f"wb-{engine}"
    shutil.copytree(demo_root, copy)
    loaded = load(copy, engine, today=TODAY, use_cache=False)
    got = {s.name: s.frame for s in EnginePipeline(loaded, today=TODAY).outputs()}
    assert_same_tables(expected, got)
    assert dict(loaded.report.counts()) == expected_counts


def test_part_files_hive_partitions_and_csv_give_the_same_tables(tmp_path, demo_root, refreshed):
    ws = read_workspace(demo_root, today=TODAY)
    parts = tmp_path / "parts"
    export_tables(ws, parts, parts={"Audits": 3, "Production": 2})
    # a Hive-style layout: audits/month=…/part.parquet
    audits = parts / "audits"
    for i, part in enumerate(sorted(audits.glob("*.parquet"))):
        (audits / f"batch={i}").mkdir()
        part.rename(audits / f"batch={i}" / part.name)
    expected, _ = refreshed
    got, _ = _tables(parts, "duckdb")
    assert_same_tables(expected, got)
    csv = tmp_path / "csv"
    export_tables(ws, csv, format="csv")
    got, _ = _tables(csv, "duckdb")
    assert_same_tables(expected, got)


def test_compaction_shrinks_the_facts_and_keeps_their_totals(demo_tables):
    loaded = load(demo_tables, "duckdb", today=TODAY)
    raw = read_workspace(demo_tables.parent / "demo", today=TODAY)
    for sheet, measure in (("Production", "items"), ("Timesheet", "hours")):
        frame = loaded.workspace.frame(sheet)
        assert len(frame) <= len(raw.frame(sheet))
        assert frame[measure].sum() == pytest.approx(raw.frame(sheet)[measure].sum(), rel=1e-12)
    # Audits come back with their count n, and some stand for several audits: the LX
    # tables above were equal with the metrics counting Σn.
    n = loaded.workspace.frame("Audits")["n"]
    assert n.max() > 1
    assert n.sum() == len(raw.frame("Audits").dropna(subset=["audit_date"]))


def test_findings_name_the_records_and_say_what_the_workbook_says(demo_root, demo_tables):
    """Each finding on a fact table is the workbook's, moved from its cell to the table row
    (a Parquet row is the Excel row minus the header), with any row it cites moved too."""
    from labelxl.validate import validate

    workbook = validate(read_workspace(demo_root, today=TODAY))
    expected = set()
    for f in workbook:
        if f.sheet not in ("Production", "Timesheet", "Audits") or f.code == "bad-type":
            continue
        row = int("".join(ch for ch in f.cell if ch.isdigit())) - 1
        text = f.message.split(": ", 1)[1]
        text = re.sub(r"row (\d+)", lambda m: f"row {int(m.group(1)) - 1:,}", text)
        expected.add((f.code, f"{f.sheet.lower()}.parquet row {row:,}, {f.column}: {text}"))
    loaded = load(demo_tables, "duckdb", today=TODAY)
    got = {
        (f.code, f.message)
        for f in loaded.report
        if f.sheet in ("Production", "Timesheet", "Audits")
    }
    assert len(expected) >= 6
    assert got == expected
