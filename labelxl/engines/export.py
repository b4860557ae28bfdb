"""Write a workspace's sheets as tables (``audits.parquet`` …) for the engines to read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from labelxl.model.schema import SHEETS
from labelxl.model.workspace import Workspace


def export_tables(
    ws: Workspace,
    folder: str | os.PathLike[str],
    *,
    format: Literal["parquet", "csv"] = "parquet",
    parts: dict[str, int] | None = None,
) -> list[Path]:
    """Each sheet of ``ws`` as ``<sheet>.parquet`` (or ``.csv``) with its contract columns.

    ``parts`` splits a sheet into that many part files under a ``<sheet>/`` folder (how
    a warehouse export looks). Values are the typed ones the workbook reader produced.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, sd in ws.sheets.items():
        columns = [c.name for c in SHEETS[name].columns if c.name in sd.letters]
        table = arrow_table(sd.frame[columns], name)
        n = (parts or {}).get(name, 1)
        stem = name.lower()
        if n <= 1:
            path = out / f"{stem}.{format}"
            _write(table, path, format)
            written.append(path)
            continue
        (out / stem).mkdir(exist_ok=True)
        step = -(-table.num_rows // n)
        for i in range(n):
            path = out / stem / f"part-{i:05d}.{format}"
            _write(table.slice(i * step, step), path, format)
            written.append(path)
    return written


def arrow_table(frame: pd.DataFrame, sheet: str | None = None) -> pa.Table:
    """``frame`` as Arrow with the contract's date columns as DATE (Spark reads no ns times)."""
    if sheet:
        text = [c.name for c in SHEETS[sheet].columns if c.type in ("text", "yesno")]
        frame = frame.assign(
            **{
                c: frame[c].map(lambda v: v if v is None or isinstance(v, str) else str(v))
                for c in text
                if c in frame and frame[c].dtype == object
            }
        )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    dates = {c.name for c in SHEETS[sheet].columns if c.type == "date"} if sheet else set()
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            kind = pa.date32() if f.name in dates else pa.timestamp("us")
            table = table.set_column(i, f.name, table.column(i).cast(kind))
    return table


def _write(table: pa.Table, path: Path, format: str) -> None:
    if format == "parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)
