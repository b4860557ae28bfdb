"""LX_ cell functions: worked examples, agreement with independent libraries, properties.

Inputs are given in the shapes Excel hands to xlwings: a scalar for one cell, a flat list
for one row or column, a list of rows for a block, None for blanks, floats for integers,
datetimes for dates.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labelxl.excel.udfs as udfs
from labelxl.stats.agreement import cohen_kappa, fleiss_kappa
from labelxl.stats.sampling import z14_plan


def col(values):  # a column range as xlwings passes it with ndim=2
    return [[v] for v in values]


# --------------------------------------------------------------------------- the module


def test_module_imports_without_excel_and_exports_every_function() -> None:
    names = {n for n in dir(udfs) if n.startswith("LX_")}
    assert names == set(udfs.__all__)
    assert len(names) >= 13


def _decorated() -> list[ast.FunctionDef]:
    tree = ast.parse(Path(udfs.__file__).read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("LX_")]


def test_xlwings_registration_metadata_matches_each_signature() -> None:
    # On Windows xlwings reads the signature, @xw.arg names and docstrings; a mismatch
    # raises "Invalid argument name" only when Excel imports the module, so check here.
    for node in _decorated():
        params = [a.arg for a in node.args.args]
        documented = [
            d.args[0].value
            for d in node.decorator_list
            if isinstance(d, ast.Call)
            and getattr(d.func, "attr", "") == "arg"
            and isinstance(d.args[0], ast.Constant)
        ]
        assert documented == params, node.name
        assert all(a.annotation is None for a in node.args.args), node.name  # no converters
        assert node.returns is None and not node.args.kwonlyargs, node.name
        func = getattr(udfs, node.name)
        assert (
            inspect.signature(func).parameters.keys() == set(params)
            or list(inspect.signature(func).parameters) == params
        )
        assert func.__doc__ and len(func.__doc__) <= 255, node.name
        innermost = node.decorator_list[-1]
        assert isinstance(innermost, ast.Name) and innermost.id == "cell_errors", node.name


# --------------------------------------------------------------------------- worked examples


def test_wilson_newcombe_1998_example() -> None:
    # Newcombe (1998) Stat Med 17:857, Table I, method 3: 81/263 → 0.2553 to 0.3662.
    low, high = udfs.LX_WILSON(81.0, 263.0)[0]
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    # 15/148 → 0.0624 to 0.1605 (same table).
    low, high = udfs.LX_WILSON([[15.0]], [[148.0]], 0.95)[0]
    assert (round(low, 4), round(high, 4)) == (0.0624, 0.1605)


def test_fleiss_wikipedia_example() -> None:
    # Fleiss (1971) as worked on Wikipedia "Fleiss' kappa": 10 subjects, 14 raters → 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    as_excel = [[float(v) if v else None for v in row] for row in table]  # blanks for zeros
    assert round(udfs.LX_FLEISS([*as_excel, [None] * 5]), 3) == 0.210


def test_sample_size_and_z14_textbook_values() -> None:
    # Cochran (1977): ±5 points at 95% with p = 0.5 needs 385 (384.16 rounded up).
    assert udfs.LX_SAMPLE_SIZE(0.05) == 385
    assert udfs.LX_SAMPLE_SIZE(0.05, 0.95, 0.5, 1000.0) == 278
    # ANSI/ASQ Z1.4 Table I/II-A: lot 1000, level II → J, n = 80; AQL 1.0 → Ac 2, Re 3.
    assert udfs.LX_Z14(1000.0, 1.0) == [["J", 80, 2, 3]]
    assert udfs.LX_Z14(1000.0, 1.0, 2.0) == udfs.LX_Z14(1000.0, 1.0, "ii")


def test_erlang_and_fte_worked_examples() -> None:
    # 100 items/h × 180 s = 5 Erlangs; 80% answered in 20 s needs 8 agents (Erlang C table).
    assert udfs.LX_ERLANG_AGENTS(100.0, 180.0, 0.8, 20.0) == 8
    # 10,000 items × 60 s = 166.7 h; / (160 × 0.7 × 0.85) = 1.7507 FTE.
    assert udfs.LX_FTE(10000.0, 60.0, 160.0, 0.3, 0.85) == pytest.approx(1.7507, abs=1e-4)


def test_aht_throughput_accuracy_on_ranges_with_blank_rows() -> None:
    minutes, items = col([10.0, 20.0, None]), col([5.0, 5.0, None])
    assert udfs.LX_AHT(minutes, items) == 180.0
    assert udfs.LX_THROUGHPUT([10.0, 20.0, None], [1.0, 2.0, None]) == 10.0
    assert udfs.LX_ACCURACY(col([9.0, 8.0, None]), col([10.0, 10.0, None])) == 0.85


def test_pchart_spills_rows_aligned_with_input() -> None:
    rows = udfs.LX_PCHART(col([3.0, 5.0, None, 20.0]), col([100.0, 120.0, None, 100.0]))
    assert len(rows) == 4 and rows[2] == [""] * 5
    p, center, lcl, ucl, flag = rows[3]
    assert center == pytest.approx(28 / 320)
    assert p == 0.2 and flag is True and lcl < center < ucl


# --------------------------------------------------------------------------- shapes and errors


@pytest.mark.parametrize("shape", ["flat", "column", "row2d"])
def test_kappa_accepts_every_range_shape(shape) -> None:
    a = ["spam", "ok", "spam", None, "ok", 1.0]
    b = ["spam", "ok", "ok", "ok", "ok", 1.0]
    wrap = {"flat": lambda v: v, "column": col, "row2d": lambda v: [v]}[shape]
    assert udfs.LX_KAPPA(wrap(a), wrap(b)) == pytest.approx(
        cohen_kappa(["spam", "ok", "spam", "ok", 1], ["spam", "ok", "ok", "ok", 1])
    )


def test_labels_treat_whole_floats_as_integers_and_dates_as_days() -> None:
    d = dt.datetime(2025, 1, 2, 0, 0)
    assert udfs.LX_KAPPA([1.0, 2.0, d], [1, 2, dt.date(2025, 1, 2)]) == 1.0


def test_bad_arguments_are_short_excel_errors() -> None:
    cases = [
        (
            udfs.LX_KAPPA,
            (list("abcdefghijkl"), list("abcdefghijk")),
            "#LX! ranges differ in length (12 vs 11)",
        ),
        (udfs.LX_WILSON, (5.0, None), "#LX! n is blank in row 1 of the range"),
        (udfs.LX_ACCURACY, (0.0, 0.0), "#LX! no audits: audited is 0"),
        (
            udfs.LX_KAPPA,
            (["a"], ["a"], "cubic"),
            "#LX! weights must be one of none, linear, quadratic (got 'cubic')",
        ),
        (udfs.LX_Z14, (1000.5, 1.0), "#LX! lot_size must be a whole number (got 1000.5)"),
        (
            udfs.LX_FTE,
            (dt.datetime(2025, 1, 1), 60.0, 160.0, 0.3, 0.85),
            "#LX! volume must be a number (got 2025-01-01 00:00:00)",
        ),
    ]
    for func, args, expected in cases:
        assert func(*args) == expected  # type: ignore[operator]


def test_wizard_call_with_unexpected_object_is_still_a_cell_string() -> None:
    out = udfs.LX_SAMPLE_SIZE(object())
    assert isinstance(out, str) and out.startswith("#LX! ") and len(out) <= 100


# --------------------------------------------------------------------------- independent libraries


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["a", "b", "c"])),
        min_size=2,
        max_size=60,
    )
)
def test_kappa_agrees_with_sklearn(pairs) -> None:
    from sklearn.metrics import cohen_kappa_score

    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    got = udfs.LX_KAPPA(col(a), col(b))
    if len(set(a) | set(b)) == 1:
        assert got == 1.0
        return
    with np.errstate(all="ignore"):
        ref = cohen_kappa_score(a, b)
    if np.isnan(ref):
        return
    assert got == pytest.approx(ref, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1, 500)), min_size=1, max_size=20))
def test_wilson_agrees_with_statsmodels(pairs) -> None:
    from statsmodels.stats.proportion import proportion_confint

    s = [float(min(a, n)) for a, n in pairs]
    n = [float(n) for _, n in pairs]
    got = udfs.LX_WILSON(col(s), col(n))
    low, high = proportion_confint(np.array(s), np.array(n), alpha=0.05, method="wilson")
    assert np.allclose(np.array(got), np.column_stack([low, high]), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(3, 25), st.integers(0, 2**32 - 1))
def test_alpha_agrees_with_krippendorff_package(raters, items, seed) -> None:
    import krippendorff

    rng = np.random.default_rng(seed)
    data = rng.integers(1, 5, size=(items, raters)).astype(float)
    data[rng.random(size=data.shape) < 0.2] = np.nan
    if (np.isfinite(data).sum(axis=1) >= 2).sum() < 1 or len(
        np.unique(data[np.isfinite(data)])
    ) < 2:
        return
    excel = [[None if np.isnan(v) else float(v) for v in row] for row in data]
    for level in ("nominal", "interval"):
        got = udfs.LX_ALPHA(excel, level)
        with np.errstate(all="ignore"):  # the package divides 0/0 when one value is paired
            ref = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
        if np.isnan(ref):
            continue
        assert got == pytest.approx(ref, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 8), st.integers(2, 4), st.integers(0, 2**32 - 1))
def test_fleiss_agrees_with_statsmodels(raters, categories, seed) -> None:
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    rng = np.random.default_rng(seed)
    table = np.array([rng.multinomial(raters, [1 / categories] * categories) for _ in range(12)])
    if np.count_nonzero(table.sum(axis=0)) <= 1:
        return
    got = udfs.LX_FLEISS(table.astype(float).tolist())
    assert got == pytest.approx(sm_fleiss(table), abs=1e-9)
    assert got == pytest.approx(fleiss_kappa(table))


# --------------------------------------------------------------------------- properties

cell = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 10**6).map(float),
    st.text(max_size=8),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1990, 1, 1)),
)
shape = st.one_of(
    cell, st.lists(cell, max_size=6), st.lists(st.lists(cell, min_size=2, max_size=2), max_size=4)
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(udfs.__all__), st.lists(shape, min_size=1, max_size=5))
def test_no_input_raises_or_leaks_a_traceback(name, args) -> None:
    func: Any = getattr(udfs, name)
    n = len(inspect.signature(func).parameters)
    args = (args + [None] * n)[:n]
    out = func(*args)
    if isinstance(out, str):
        assert out.startswith("#LX! ") and len(out) <= 100 and "Traceback" not in out
        assert "unexpected" not in out, out  # bad input is an expected error, not a bug


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000), st.floats(0.5, 0.999))
def test_wilson_bounds_ordered_inside_unit_interval(a, b, confidence) -> None:
    s, n = min(a, b), max(a, b)
    [[low, high]] = udfs.LX_WILSON(float(s), float(n), confidence)
    assert 0.0 <= low <= high <= 1.0
    if n:
        assert low <= s / n <= high


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 500_000), st.sampled_from([0.65, 1.0, 2.5, 4.0, 10.0]))
def test_z14_spill_matches_the_plan(lot, aql) -> None:
    plan = z14_plan(lot, aql)
    assert udfs.LX_Z14(float(lot), aql) == [
        [plan.code_letter, plan.sample_size, plan.accept, plan.reject]
    ]


def test_every_function_is_documented_with_its_signature() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")
    for name in udfs.__all__:
        params = list(inspect.signature(getattr(udfs, name)).parameters)
        assert f"`{name}(" in docs, name
        for p in params:
            assert p in docs.split(f"`{name}(", 1)[1].split(")`", 1)[0], (name, p)


def test_lite_main_exposes_the_same_functions() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "lite" / "main.py"
    spec = importlib.util.spec_from_file_location("lite_main", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in udfs.__all__:
        lite_func = getattr(module, name)
        assert list(inspect.signature(lite_func).parameters) == list(
            inspect.signature(getattr(udfs, name)).parameters
        )
    assert module.LX_WILSON(45.0, 50.0) == udfs.LX_WILSON(45.0, 50.0)
    assert {"validate", "refresh", "deck"} <= set(vars(module))
