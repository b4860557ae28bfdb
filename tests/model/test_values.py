"""``is_blank`` against an independent reading of a blank cell, on random values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from labelxl.model.values import is_blank

SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000"]
VALUES = st.one_of(
    st.none(),
    st.just(np.nan),
    st.just(pd.NaT),
    st.floats(allow_nan=False),
    st.integers(),
    st.booleans(),
    st.text(alphabet=st.sampled_from([*SPACES, "a", "B", "0", "é"]), max_size=5),
)


def reference(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


@given(st.lists(VALUES, max_size=40))
def test_blank_is_missing_or_only_whitespace(values: list[object]) -> None:
    series = pd.Series(values, dtype=object, index=range(10, 10 + len(values)))
    got = is_blank(series)
    assert got.dtype == bool and list(got.index) == list(series.index)
    assert got.tolist() == [reference(v) for v in values]


def test_numbers_and_dates_are_blank_only_when_missing() -> None:
    assert is_blank(pd.Series([1.0, np.nan, 0.0])).tolist() == [False, True, False]
    days = pd.Series(pd.to_datetime(["2026-01-02", None]))
    assert is_blank(days).tolist() == [False, True]
    assert is_blank(pd.Series([" x", "", None], dtype="str")).tolist() == [False, True, True]
