"""The demo as workbooks and as tables, and the LX tables `refresh` makes of it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from labelxl.demo import write_demo
from labelxl.engines import export_tables
from labelxl.io.reader import read_workspace
from labelxl.pipeline import Pipeline

END = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 15)
# Not numbers: the run's log and the findings' addresses (a cell vs a table row).
NOT_COMPARED = ("LX Log", "LX Issues")


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engines") / "demo"
    write_demo(root, people=30, months=2, seed=5, end=END)
    return root


@pytest.fixture(scope="session")
def demo_tables(demo_root: Path) -> Path:
    folder = demo_root.parent / "tables"
    export_tables(read_workspace(demo_root, today=TODAY), folder)
    return folder


@pytest.fixture(scope="session")
def refreshed(demo_root: Path) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """What `labelxl refresh` computes: every LX table, and the findings per code."""
    copy = demo_root.parent / "refresh"
    shutil.copytree(demo_root, copy)
    pipe = Pipeline(copy, today=TODAY, use_cache=False)
    return {s.name: s.frame for s in pipe.outputs()}, dict(pipe.validate().counts())


def assert_same_tables(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame]) -> None:
    """Every LX table of ``expected`` is in ``got`` with the same columns and values (1e-9)."""
    assert sorted(got) == sorted(expected)
    compared = 0
    for name, frame in expected.items():
        if name in NOT_COMPARED:
            continue
        pd.testing.assert_frame_equal(
            got[name].reset_index(drop=True),
            frame.reset_index(drop=True),
            check_exact=False,
            rtol=1e-9,
            atol=1e-9,
            check_dtype=False,
            obj=name,
        )
        compared += 1
    assert compared >= 20  # the comparison saw the whole report, not an empty one
