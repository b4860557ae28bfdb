"""Benchmark labelxl at realistic sizes and print a table of timings and peak memory.

    python benchmarks/bench.py                      # 500 people x 12 months + 1M audits
    python benchmarks/bench.py --people 120 --months 3 --audits 100000   # quick

Each phase runs in a fresh subprocess so its peak memory (max RSS) is its own. The naive
baseline reads the same sheets with pandas.read_excel(engine="openpyxl") and round-trips
the tracker through openpyxl load/save (which would also drop charts and images).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_make(folder: Path, people: int, months: int, audits: int, seed: int) -> dict:
    import numpy as np

    from labelxl.demo import generate_demo
    from labelxl.model.schema import WORKBOOKS
    from labelxl.outputs.templates import write_workbook

    t = time.perf_counter()
    demo = generate_demo(people=people, months=months, seed=seed)
    frames = dict(demo.frames)
    if audits and len(frames["Audits"]) < audits:
        base = frames["Audits"]
        rng = np.random.default_rng(seed)
        big = base.iloc[rng.integers(0, len(base), audits)].reset_index(drop=True)
        big["audit_id"] = [f"A{i:08d}" for i in range(audits)]
        frames["Audits"] = big
    gen = time.perf_counter() - t
    t = time.perf_counter()
    for book, names in WORKBOOKS.items():
        write_workbook(folder / f"{book}.xlsx", {n: frames.get(n) for n in names})
    rows = {k: len(v) for k, v in frames.items()}
    return {"generate_s": gen, "write_s": time.perf_counter() - t, "rows": rows}


def phase_calamine(folder: Path) -> dict:
    from python_calamine import CalamineWorkbook

    t = time.perf_counter()
    cells = 0
    for f in sorted(folder.glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            if name.startswith("LX "):
                continue
            rows = wb.get_sheet_by_name(name).to_python()
            cells += sum(len(r) for r in rows)
    return {"seconds": time.perf_counter() - t, "cells": cells}


def phase_read_validate(folder: Path) -> dict:
    from labelxl.io.reader import read_workspace
    from labelxl.validate import validate

    t = time.perf_counter()
    ws = read_workspace(folder)
    read = time.perf_counter() - t
    rows = sum(len(s.frame) for s in ws.sheets.values())
    t = time.perf_counter()
    report = validate(ws)
    val = time.perf_counter() - t
    t = time.perf_counter()
    from labelxl.metrics import compute

    m = compute(ws, report=report)
    comp = time.perf_counter() - t
    return {
        "read_s": read,
        "rows": rows,
        "rows_per_s": rows / read,
        "validate_s": val,
        "findings": len(report),
        "metrics_s": comp,
        "month": m.month,
    }


def phase_refresh(folder: Path) -> dict:
    from labelxl.pipeline import refresh

    t = time.perf_counter()
    res = refresh(folder, force=True)
    return {"seconds": time.perf_counter() - t, "sheets": len(res.sheets)}


def phase_refresh_tomorrow(folder: Path) -> dict:
    """The next morning's refresh: nothing edited since the last one, the date has moved."""
    import datetime as dt

    from labelxl.pipeline import refresh

    t = time.perf_counter()
    res = refresh(folder, force=True, today=dt.date.today() + dt.timedelta(days=1))
    return {"seconds": time.perf_counter() - t, "sheets": len(res.sheets)}


def phase_touch(folder: Path) -> dict:
    """Edit one sheet (the Timesheet workbook) the way a user would, then save."""
    from labelxl.io.reader import read_workspace
    from labelxl.outputs.templates import write_workbook

    ws = read_workspace(folder / "timesheet.xlsx")
    frame = ws.frame("Timesheet").drop(columns=["_row"])
    frame.loc[0, "note"] = f"edited {time.time_ns()}"  # new each time: a real edit
    write_workbook(folder / "timesheet.xlsx", {"Timesheet": frame})
    return {}


def phase_deck(folder: Path) -> dict:
    from labelxl.deck import build_deck
    from labelxl.io.reader import read_workspace
    from labelxl.metrics import compute

    ws = read_workspace(folder, cache_dir=folder / ".labelxl" / "cache")
    m = compute(ws)
    t = time.perf_counter()
    out = build_deck(m, folder / "bench-deck.pptx")
    return {"seconds": time.perf_counter() - t, "path": str(out)}


def phase_naive(folder: Path) -> dict:
    import openpyxl
    import pandas as pd

    t = time.perf_counter()
    rows = 0
    for f in sorted(folder.glob("*.xlsx")):
        sheets = pd.read_excel(f, sheet_name=None, engine="openpyxl")
        rows += sum(len(v) for k, v in sheets.items() if not k.startswith("LX "))
    read = time.perf_counter() - t
    t = time.perf_counter()
    wb = openpyxl.load_workbook(folder / "tracker.xlsx")
    wb.save(folder / "naive-tracker.xlsx")
    return {"read_s": read, "rows": rows, "save_s": time.perf_counter() - t}


PHASES = {
    "make": phase_make,
    "calamine": phase_calamine,
    "read_validate": phase_read_validate,
    "refresh": phase_refresh,
    "refresh_tomorrow": phase_refresh_tomorrow,
    "touch": phase_touch,
    "deck": phase_deck,
    "naive": phase_naive,
}


def run(phase: str, folder: Path, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--folder",
        str(folder),
        "--people",
        str(args.people),
        "--months",
        str(args.months),
        "--audits",
        str(args.audits),
        "--seed",
        str(args.seed),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--people", type=int, default=500)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--audits", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--phase", choices=sorted(PHASES))
    ap.add_argument("--folder", type=Path)
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    if args.phase:
        fn = PHASES[args.phase]
        extra = (args.people, args.months, args.audits, args.seed) if args.phase == "make" else ()
        out = fn(args.folder, *extra)
        out["peak_mb"] = _peak_mb()
        print(json.dumps(out, default=str))
        return

    folder = Path(tempfile.mkdtemp(prefix="labelxl-bench-"))
    try:
        print(
            f"labelxl benchmark: {args.people} people x {args.months} months, "
            f"audits >= {args.audits:,} (machine: {os.cpu_count()} cores)"
        )
        results = {}
        steps = [
            "make",
            "calamine",
            "read_validate",
            "refresh",
            "refresh",
            "touch",
            "refresh",
            "refresh_tomorrow",
            "deck",
        ] + ([] if args.skip_naive else ["naive"])
        names = [
            "make",
            "calamine",
            "read_validate",
            "refresh_cold",
            "refresh_unchanged",
            "touch",
            "refresh_warm_one_sheet_edited",
            "refresh_next_morning_no_edit",
            "deck",
            "naive",
        ]
        for step, name in zip(steps, names, strict=False):
            results[name] = run(step, folder, args)
            print(f"  {name:32s} {json.dumps(results[name], default=str)}", flush=True)
        cold = results["refresh_cold"].get("seconds")
        warm = results["refresh_warm_one_sheet_edited"].get("seconds")
        fastest = results["calamine"].get("seconds")
        if cold and fastest:
            print(f"cold refresh / calamine read alone = {cold / fastest:.2f}x (target <= 1.5x)")
        if cold and warm:
            print(f"warm refresh / cold refresh        = {warm / cold:.0%} (target <= 25%)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
