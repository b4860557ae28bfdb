"""Benchmark ``labelxl import label-studio`` on a 200,000-annotation export: time and peak memory.

    python benchmarks/bench_imports.py                      # 200k annotations, 3 formats
    python benchmarks/bench_imports.py --annotations 20000  # quick

The export is synthetic but in the shape of the real Label Studio 1.23 export under
tests/imports/fixtures (same keys, pretty-printed like the server writes JSON_MIN): tasks
with 1-3 annotators, ~8 % skipped, a gold answer on every tenth task, lead times, three
weeks of created_at. Each phase runs in a fresh subprocess so its peak memory (max RSS) is
its own; the baseline phase is ``json.load`` of the whole file, what a naive reader does.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHOICES = ("Violating", "Not violating", "Borderline")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_exports(folder: Path, annotations: int, seed: int = 7) -> dict:
    """Write JSON, JSON_MIN and CSV exports with about ``annotations`` annotations."""
    rnd = random.Random(seed)
    users = [{"id": i, "email": f"labeler{i:03d}@vendor.example"} for i in range(1, 121)]
    (folder / "users.json").write_text(json.dumps(users), encoding="utf-8")
    json_path = folder / "project-7-at-2026-04-01-00-00-bench.json"
    min_path = folder / "project-7-at-2026-04-01-00-00-bench-min.json"
    csv_path = folder / "project-7-at-2026-04-01-00-00-bench.csv"
    made = 0
    task = 0
    ann_id = 0
    header = ["annotation_id", "annotator", "created_at", "decision", "id", "item_id"]
    header += ["lead_time", "market", "text", "updated_at"]
    with (
        json_path.open("w", encoding="utf-8") as fj,
        min_path.open("w", encoding="utf-8") as fm,
        csv_path.open("w", encoding="utf-8", newline="") as fc,
    ):
        writer = csv.DictWriter(fc, fieldnames=header, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        fj.write("[")
        fm.write("[\n")
        first_min = True
        while made < annotations:
            task += 1
            data = {
                "item_id": f"V-{task:07d}",
                "market": rnd.choice(("US", "BR", "ID")),
                "text": f"comment {task} " + "lorem ipsum " * rnd.randint(2, 20),
            }
            truth = rnd.choice(CHOICES)
            anns = []
            raters = rnd.sample(range(2, 121), rnd.choice((1, 2, 2, 3)))
            if task % 10 == 0:
                raters.append(1)  # the QA lead's gold answer
            for who in raters:
                ann_id += 1
                made += 1
                gold = who == 1
                skipped = not gold and rnd.random() < 0.08
                day = 1 + rnd.randrange(21)
                stamp = f"2026-03-{day:02d}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:07.5Z"
                label = truth if gold or rnd.random() < 0.85 else rnd.choice(CHOICES)
                result = (
                    []
                    if skipped
                    else [
                        {
                            "value": {"choices": [label]},
                            "id": f"r{ann_id}",
                            "from_name": "decision",
                            "to_name": "text",
                            "type": "choices",
                            "origin": "manual",
                        }
                    ]
                )
                lead = round(rnd.uniform(3, 180), 3)
                anns.append(
                    {
                        "id": ann_id,
                        "completed_by": who,
                        "result": result,
                        "was_cancelled": skipped,
                        "ground_truth": gold,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "draft_created_at": None,
                        "lead_time": lead,
                        "prediction": {},
                        "result_count": len(result),
                        "unique_id": f"u-{ann_id}",
                        "import_id": None,
                        "last_action": None,
                        "bulk_created": False,
                        "task": task,
                        "project": 7,
                        "updated_by": who,
                        "parent_prediction": None,
                        "parent_annotation": None,
                        "last_created_by": None,
                    }
                )
                if not skipped:
                    row = {**data, "id": task, "decision": label, "annotator": who}
                    row |= {"annotation_id": ann_id, "created_at": stamp}
                    row |= {"updated_at": stamp, "lead_time": lead}
                    fm.write(("" if first_min else ",\n") + json.dumps(row, indent=2))
                    first_min = False
                    writer.writerow(row | {"annotator": str(who)})
            obj = {"id": task, "annotations": anns, "drafts": [], "predictions": [], "data": data}
            obj |= {"meta": {}, "created_at": "2026-02-28T10:00:00Z", "project": 7}
            fj.write(("," if task > 1 else "") + json.dumps(obj))
        fj.write("]")
        fm.write("\n]")
    return {
        "annotations": made,
        "tasks": task,
        "json_mb": json_path.stat().st_size / 2**20,
        "min_mb": min_path.stat().st_size / 2**20,
        "csv_mb": csv_path.stat().st_size / 2**20,
    }


def phase(name: str, folder: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from labelxl.imports import read_label_studio
    from labelxl.imports.writing import write_result

    files = {
        "json": "project-7-at-2026-04-01-00-00-bench.json",
        "json_min": "project-7-at-2026-04-01-00-00-bench-min.json",
        "csv": "project-7-at-2026-04-01-00-00-bench.csv",
    }
    t = time.perf_counter()
    if name == "baseline":
        with (folder / files["json"]).open(encoding="utf-8") as fh:
            n = sum(len(task["annotations"]) for task in json.load(fh))
        return {"seconds": time.perf_counter() - t, "peak_mb": _peak_mb(), "rows": n}
    result = read_label_studio(folder / files[name], users=folder / "users.json")
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    ws = folder / f"ws-{name}"
    ws.mkdir(exist_ok=True)
    write_result(result, ws)
    rows = {k: len(v) for k, v in result.sheets.items()}
    return {
        "seconds": read_s,
        "write_seconds": time.perf_counter() - t,
        "peak_mb": _peak_mb(),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=200_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.folder))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        made = make_exports(folder, args.annotations)
        print(
            f"export: {made['annotations']:,} annotations on {made['tasks']:,} tasks; "
            f"JSON {made['json_mb']:.0f} MB, JSON_MIN {made['min_mb']:.0f} MB, "
            f"CSV {made['csv_mb']:.0f} MB (made in {time.perf_counter() - t:.1f} s)"
        )
        print(f"{'phase':<10} {'read s':>8} {'write s':>8} {'peak MB':>8}  rows")
        for name in ("json", "json_min", "csv", "baseline"):
            cmd = [sys.executable, __file__, "--phase", name, "--folder", str(folder)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode:
                print(f"{name}: failed\n{proc.stderr[-2000:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            write = f"{r['write_seconds']:8.1f}" if "write_seconds" in r else f"{'-':>8}"
            print(f"{name:<10} {r['seconds']:8.1f} {write} {r['peak_mb']:8.0f}  {r['rows']}")


if __name__ == "__main__":
    main()
