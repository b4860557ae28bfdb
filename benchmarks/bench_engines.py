"""Benchmark the engines: DuckDB on 10 million audit rows against one raw DuckDB group-by.

    python benchmarks/bench_engines.py                    # 10M audits + the demo's tables
    python benchmarks/bench_engines.py --audits 1000000   # quick
    python benchmarks/bench_engines.py --workbooks        # also warm vs cold refresh (bench.py)

The audits are the demo's, resampled to the size asked with fresh audit ids, in Parquet.
In one run (one fresh subprocess, so its peak memory is its own) it times the raw group-by
of those rows by person and month, then the full `labelxl report` (validation on the
engine, compaction, every metric, the LX workbook), and prints both, their ratio (target
<= 15x) and the peak memory (target < 3 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's labelxl, not an installed one
END = dt.date(2026, 6, 30)


def make_tables(folder: Path, audits: int, people: int, months: int, seed: int) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from labelxl.demo import generate_demo
    from labelxl.engines import export_tables
    from labelxl.engines.export import arrow_table
    from labelxl.model.workspace import Workspace

    t = time.perf_counter()
    demo = generate_demo(people=people, months=months, seed=seed, end=END)
    ws = Workspace.from_frames(demo.frames, today=END + dt.timedelta(days=15))
    base = ws.sheets["Audits"]
    ws.sheets.pop("Audits")
    export_tables(ws, folder)
    columns = [c for c in base.letters]
    table = arrow_table(base.frame[columns], "Audits")
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    with pq.ParquetWriter(folder / "audits.parquet", table.schema) as writer:
        for start in range(0, audits, chunk):
            n = min(chunk, audits - start)
            part = table.take(pa.array(rng.integers(0, table.num_rows, n)))
            ids = pc.binary_join_element_wise(
                "A", pc.cast(pa.array(np.arange(start, start + n)), pa.string()), ""
            )
            ids = pc.cast(ids, table.schema.field("audit_id").type)
            part = part.set_column(part.schema.get_field_index("audit_id"), "audit_id", ids)
            writer.write_table(part, row_group_size=chunk)
    size = (folder / "audits.parquet").stat().st_size
    return {"make_s": time.perf_counter() - t, "audits": audits, "parquet_mb": size / 2**20}


def run_duckdb(folder: Path, out: Path, today: str) -> dict:
    import duckdb

    from labelxl.engines import report

    audits = str(folder / "audits.parquet")
    con = duckdb.connect()
    t = time.perf_counter()
    groups = con.sql(
        f"SELECT person_id, date_trunc('month', audit_date) AS month, count(*) AS n "
        f"FROM read_parquet('{audits}') GROUP BY ALL"
    ).fetchall()
    raw = time.perf_counter() - t
    con.close()
    t = time.perf_counter()
    res = report(folder, out=out, engine="duckdb", today=dt.date.fromisoformat(today), force=True)
    full = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "raw_groupby_s": raw,
        "raw_groups": len(groups),
        "report_s": full,
        "ratio": full / raw,
        "peak_mb": peak,
        "stages_s": {k: round(v, 2) for k, v in res.seconds.items()},
        "findings": sum(res.counts.values()),
        "month": res.month,
    }


def run_workbooks(folder: Path, step: str) -> dict:
    """One step of the workbook comparison (each in its own process, as a user runs it)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench

    if step == "make":
        return bench.phase_make(folder, 500, 12, 1_000_000, 7)  # as benchmarks/bench.py
    if step == "touch":
        return bench.phase_touch(folder)
    if step == "refresh":
        return bench.phase_refresh(folder)
    from labelxl.engines import report

    t = time.perf_counter()
    res = report(folder, out=folder / "lx-report.xlsx", engine=step, force=True)
    return {"seconds": time.perf_counter() - t, "stages_s": res.seconds}


def _child(args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--audits", type=int, default=10_000_000)
    ap.add_argument("--people", type=int, default=120)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--workbooks",
        action="store_true",
        help="also time the 500 x 12 demo workbooks: cold refresh, then one sheet edited: "
        "warm refresh and warm report --engine pandas",
    )
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "make":
        print(
            json.dumps(
                make_tables(Path(args.folder), args.audits, args.people, args.months, args.seed)
            )
        )
        return
    if args.phase and args.phase.startswith("wb-"):
        print(json.dumps(run_workbooks(Path(args.folder), args.phase[3:]), default=str))
        return
    if args.phase == "duckdb":
        folder = Path(args.folder)
        print(json.dumps(run_duckdb(folder, folder / "lx.xlsx", "2026-07-15")))
        return
    with tempfile.TemporaryDirectory(prefix="labelxl-bench-engines-") as tmp:
        common = [
            "--folder",
            tmp,
            "--audits",
            str(args.audits),
            "--people",
            str(args.people),
            "--months",
            str(args.months),
            "--seed",
            str(args.seed),
        ]
        made = _child(["--phase", "make", *common])
        print(
            f"tables: {made['audits']:,} audit rows ({made['parquet_mb']:.0f} MB Parquet) + "
            f"the {args.people} x {args.months} demo's other tables, made in "
            f"{made['make_s']:.1f} s"
        )
        r = _child(["--phase", "duckdb", *common])
    print(
        f"raw DuckDB group-by (person x month, {r['raw_groups']:,} groups): "
        f"{r['raw_groupby_s']:.2f} s"
    )
    print(
        f"full labelxl report on DuckDB ({r['month']}, {r['findings']:,} findings): "
        f"{r['report_s']:.2f} s"
    )
    print(f"  stages: {r['stages_s']}")
    print(f"report / raw group-by = {r['ratio']:.1f}x (target <= 15x)")
    print(f"peak memory = {r['peak_mb']:.0f} MB (target < 3072 MB)")
    if args.workbooks:
        with tempfile.TemporaryDirectory(prefix="labelxl-bench-wb-") as tmp:
            wb = ["--folder", tmp]
            _child(["--phase", "wb-make", *wb])
            cold = _child(["--phase", "wb-refresh", *wb])["seconds"]
            _child(["--phase", "wb-touch", *wb])
            warm = _child(["--phase", "wb-refresh", *wb])["seconds"]
            _child(["--phase", "wb-touch", *wb])
            engine = _child(["--phase", "wb-pandas", *wb])
        print(
            f"workbooks 500 x 12: cold refresh {cold:.1f} s; after editing one sheet: "
            f"refresh {warm:.1f} s ({warm / cold:.0%} of cold), report --engine pandas "
            f"{engine['seconds']:.1f} s ({engine['seconds'] / cold:.0%}; target <= 25%)"
        )
        print(f"  report stages: { {k: round(v, 2) for k, v in engine['stages_s'].items()} }")


if __name__ == "__main__":
    main()
