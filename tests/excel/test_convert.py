"""Range shapes ↔ Python values."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.excel import convert as cv
from labelxl.model.schema import SHEETS


def test_cells_flattens_every_shape_row_by_row() -> None:
    assert cv.cells(3.0) == [3.0]
    assert cv.cells([1.0, None]) == [1.0, None]
    assert cv.cells([[1.0, 2.0], [3.0, None]]) == [1.0, 2.0, 3.0, None]
    assert cv.table([1.0, 2.0]) == [[1.0, 2.0]]
    assert cv.table(5.0) == [[5.0]]
    with pytest.raises(MetricInputError, match="rectangle"):
        cv.table([[1.0], [1.0, 2.0]])


def test_numbers_accept_excel_text_and_refuse_dates_and_bools() -> None:
    assert cv.number("95%", "confidence") == 0.95
    assert cv.number(" 1,200 ", "volume") == 1200.0
    assert cv.number(None, "sigma", 3.0) == 3.0
    assert cv.whole(80.0, "lot_size") == 80
    for bad in (True, dt.datetime(2025, 1, 1), "abc", math.inf):
        with pytest.raises(MetricInputError):
            cv.number(bad, "x")
    with pytest.raises(MetricInputError, match="required"):
        cv.number(None, "margin")
    with pytest.raises(MetricInputError, match="one cell"):
        cv.number([1.0, 2.0], "margin")


def test_paired_numbers_drop_rows_blank_in_both_and_name_half_blank_rows() -> None:
    x, _y, keep = cv.paired_numbers([[1.0], [None], [3.0]], [[2.0], [None], [4.0]], ("a", "b"))
    assert x.tolist() == [1.0, 3.0] and keep.tolist() == [True, False, True]
    with pytest.raises(MetricInputError, match="b is blank in row 2"):
        cv.paired_numbers([1.0, 2.0], [1.0, None], ("a", "b"))
    with pytest.raises(MetricInputError, match=r"ranges differ in length \(3 vs 2\)"):
        cv.paired_numbers([1.0, 2.0, 3.0], [1.0, 2.0], ("a", "b"))


def test_excel_error_is_short_and_marks_bugs() -> None:
    assert cv.excel_error(MetricInputError("x" * 300)).endswith("…")
    assert len(cv.excel_error(MetricInputError("x" * 300))) == cv.MAX_ERROR
    assert cv.excel_error(KeyError("k")).startswith("#LX! unexpected KeyError")


def test_scalar_and_rows_of_give_plain_cell_values() -> None:
    frame = pd.DataFrame(
        {
            "a": [np.int64(1), None],
            "d": pd.to_datetime(pd.Series(["2025-01-02", None])),
            "x": [np.nan, 0.5],
        }
    )
    rows = cv.rows_of(frame)
    assert rows[0] == ["a", "d", "x"]
    assert rows[1] == [1.0, dt.datetime(2025, 1, 2), None]
    assert rows[2] == [None, None, 0.5]


def test_header_found_below_title_rows() -> None:
    rows: list[list[object]] = [
        ["Team tracker", None, None],
        [None, None, None],
        ["date", "person_id", "hours"],
        [dt.datetime(2025, 1, 2), "p1", 8.0],
    ]
    raw, header_row, numbers = cv.raw_block(rows, SHEETS["Timesheet"], top_row=5)
    assert header_row == 7 and numbers.tolist() == [8]
    assert list(raw.columns) == ["date", "person_id", "hours"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=3, max_size=3), max_size=8
    )
)
def test_cells_keeps_every_value_in_order(block) -> None:
    flat = cv.cells(block)
    assert len(flat) == 3 * len(block)
    assert flat == [v for row in block for v in row]
