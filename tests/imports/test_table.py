"""Generic tables (CSV, Parquet, xlsx) into a sheet contract with a TOML column map."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from labelxl.imports import read_table
from labelxl.imports.common import ExportError
from labelxl.imports.table import read_map
from labelxl.model.schema import PRODUCTION

MAP = """
[columns]
date = "Work Date"
person_id = "Agent"
handle_minutes = { column = "Handle sec", scale = 0.0166666666666666666 }

[constants]
project_id = "P-EN-HATE"
"""


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Work Date": ["2026-03-02", "2026-03-03"],
            "Agent": ["L001", "L002"],
            "Items": ["120", "95"],
            "Handle sec": ["3600", "5400"],
        }
    )


@pytest.fixture
def map_file(tmp_path: Path) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(MAP, encoding="utf-8")
    return path


def _write(kind: str, folder: Path) -> Path:
    frame = _frame()
    if kind == "csv":
        path = folder / "prod.csv"
        frame.to_csv(path, index=False)
    elif kind == "parquet":
        path = folder / "prod.parquet"
        frame.to_parquet(path)
    else:
        path = folder / "prod.xlsx"
        book = xlsxwriter.Workbook(str(path))
        ws = book.add_worksheet("Export")
        for j, name in enumerate(frame.columns):
            ws.write_string(0, j, name)
            for i, v in enumerate(frame[name], start=1):
                ws.write_string(i, j, v)
        book.close()
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx"])
def test_a_mapped_table_gives_contract_columns(tmp_path: Path, map_file: Path, kind: str):
    out = read_table(_write(kind, tmp_path), "production", map_file)
    assert list(out.columns) == list(PRODUCTION.column_names)
    assert out["person_id"].tolist() == ["L001", "L002"]
    assert out["project_id"].tolist() == ["P-EN-HATE", "P-EN-HATE"]
    assert out["items"].astype(int).tolist() == [120, 95]  # matched by header name
    assert [round(float(v), 6) for v in out["handle_minutes"]] == [60.0, 90.0]


def test_a_missing_required_column_names_the_file_columns(tmp_path: Path):
    with pytest.raises(ExportError, match=r"lacks required Production column\(s\) date, person_id"):
        read_table(_write("csv", tmp_path), "Production")


def test_a_mapped_column_missing_from_the_file_is_named(tmp_path: Path):
    mapping = {"columns": {"date": "Day"}}
    with pytest.raises(ExportError, match="has no column 'Day' \\(mapped to date\\)"):
        read_table(_write("csv", tmp_path), "Production", mapping)


def test_unknown_contract_columns_and_bad_toml_are_refused(tmp_path: Path):
    with pytest.raises(ExportError, match="maps unknown Production column"):
        read_table(_write("csv", tmp_path), "Production", {"columns": {"minutes": "x"}})
    bad = tmp_path / "bad.toml"
    bad.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(ExportError, match="is not valid TOML"):
        read_map(bad)


def test_an_unknown_file_type_is_refused(tmp_path: Path):
    path = tmp_path / "prod.ods"
    path.write_bytes(b"x")
    with pytest.raises(ExportError, match="unknown file type"):
        read_table(path, "Production")
