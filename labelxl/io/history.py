"""Metric history: each refresh's monthly tables kept in Parquet beside the workspace.

Workbooks get archived and trimmed; the history keeps the monthly metric rows so trends in
the deck still span a year. One Parquet file per table; rows are keyed by ``period`` (a
month) and a refresh replaces the periods it recomputed and keeps the others.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from labelxl.io.safewrite import clean_leftovers

HISTORY_DIR = Path(".labelxl") / "history"


def history_dir(root: Path) -> Path:
    root = Path(root)
    return (root if root.is_dir() else root.parent) / HISTORY_DIR


def save(root: Path, table: str, frame: pd.DataFrame, period_col: str = "period") -> Path:
    """Upsert ``frame``'s periods into the stored table (atomic file replace)."""
    folder = history_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.parquet"
    merged = frame
    if path.exists():
        try:
            old = pd.read_parquet(path)
        except Exception:  # a damaged history file is rebuilt rather than blocking a refresh
            old = pd.DataFrame()
        if period_col in old.columns and period_col in frame.columns:
            old = old[~old[period_col].isin(set(frame[period_col]))]
            merged = pd.concat([old, frame], ignore_index=True)
    if period_col in merged.columns:
        merged = merged.sort_values(period_col, kind="stable").reset_index(drop=True)
    clean_leftovers(folder)  # a refresh killed mid-save leaves its temporary file
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lx-", suffix=".parquet.tmp")
    os.close(fd)
    try:
        _for_parquet(merged).to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load(root: Path, table: str) -> pd.DataFrame:
    """The stored table, or an empty frame when there is none (or it cannot be read)."""
    path = history_dir(root) / f"{table}.parquet"
    if not path.exists():
        return pd.DataFrame()
    try:
        return pd.read_parquet(path)
    except Exception:
        return pd.DataFrame()


def _for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            # Mixed objects (e.g. dates beside text) are stored as text rather than failing.
            kinds = {type(v) for v in out[col].dropna()}
            if len(kinds) > 1:
                out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out
