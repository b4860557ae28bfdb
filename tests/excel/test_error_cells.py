"""Error cells (#N/A, #DIV/0!, …) reach the LX_ functions and are named, never dropped.

Every argument is registered with ``err_to_str=True``, so xlwings hands an error cell over
as its text (``'#N/A'``, see ``xlwings._xlwindows._clean_value_data_element``); errors its
map lacks (``#SPILL!``, ``#CALC!``) still arrive as the raw COM code, a negative int. The
shapes below are what xlwings passes: a scalar for one cell, a flat list for a row or a
column, a list of rows for a block (``ndim=2``).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

import labelxl.excel.udfs as udfs
from labelxl.excel import convert as cv

ROOT = Path(__file__).resolve().parents[2]
SPILL_COM = -2146828288 + 2045  # VT_ERROR scode of #SPILL! (xlErrSpill = 2045)


def _xw_arg_calls(path: Path, decorator: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Function → argument → keywords of its ``arg(...)`` decorators, read from the source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("LX_")):
            continue
        found: dict[str, dict[str, Any]] = {}
        for d in node.decorator_list:
            func = d.func if isinstance(d, ast.Call) else None
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if isinstance(d, ast.Call) and name == decorator:
                found[d.args[0].value] = {  # type: ignore[attr-defined]
                    k.arg: ast.literal_eval(k.value) for k in d.keywords if k.arg != "doc"
                }
        out[node.name] = found
        assert set(found) == {a.arg for a in node.args.args}, node.name
    return out


@pytest.mark.parametrize("path", [ROOT / "labelxl/excel/udfs.py", ROOT / "lite/main.py"])
def test_every_argument_asks_xlwings_for_error_text(path: Path) -> None:
    registered = _xw_arg_calls(path, "arg")
    assert set(registered) == set(udfs.__all__)
    for name, args in registered.items():
        for arg, options in args.items():
            assert options.get("err_to_str") is True, (name, arg)


def test_options_are_what_xlwings_arg_accepts() -> None:
    # xlwings' Windows decorator stores every keyword as a conversion option of the argument
    # (xlwings.udfs.xlarg, not importable without pywin32); err_to_str is a documented
    # option of Range.options since 0.28.
    import xlwings.main

    assert "err_to_str" in inspect.getdoc(xlwings.main.Range.options)  # type: ignore[operator]


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#REF!", SPILL_COM])
@pytest.mark.parametrize("shape", ["column", "row", "block"])
def test_kappa_names_the_error_cell_instead_of_dropping_it(error, shape) -> None:
    a: list[Any] = ["spam", "ok", "ok", error, "spam", "ok"]
    b: list[Any] = ["spam", "ok", "spam", "ok", "spam", "ok"]
    shown = error if isinstance(error, str) else "#SPILL!"
    if shape == "column":
        got = udfs.LX_KAPPA([[v] for v in a], [[v] for v in b])
        assert got == f"#LX! rater1: cell 4 is {shown}"
    elif shape == "row":
        got = udfs.LX_KAPPA(a, b)
        assert got == f"#LX! rater1: cell 4 is {shown}"
    else:
        got = udfs.LX_KAPPA([a[:3], a[3:]], [b[:3], b[3:]])
        assert got == f"#LX! rater1: cell 4 (row 2, column 1) is {shown}"
    # the same data with the item dropped is a number: the error must not become that number
    assert isinstance(udfs.LX_KAPPA(a[:3] + a[4:], b[:3] + b[4:]), float)


@pytest.mark.parametrize(
    ("func", "args", "expected"),
    [
        (udfs.LX_WILSON, ("#N/A", 50.0), "#LX! successes is #N/A"),
        (udfs.LX_WILSON, ([9.0, 8.0], [10.0, "#VALUE!"]), "#LX! n: cell 2 is #VALUE!"),
        (udfs.LX_ACCURACY, ([9.0, "#N/A", 7.0], 30.0), "#LX! correct: cell 2 is #N/A"),
        (udfs.LX_AC1, (["a", "b"], ["a", "#NAME?"]), "#LX! rater2: cell 2 is #NAME?"),
        (udfs.LX_FLEISS, ([[1.0, 2.0], [3.0, "#DIV/0!"]],), "#LX! counts: cell 4"),
        (udfs.LX_ALPHA, ([[1.0, 2.0], ["#N/A", 1.0]],), "#LX! ratings: cell 3 (row 2"),
        (udfs.LX_SAMPLE_SIZE, (0.03, "#N/A"), "#LX! confidence is #N/A"),
        (udfs.LX_AHT, ([10.0, 20.0], [5.0, SPILL_COM]), "#LX! items: cell 2 is #SPILL!"),
        (udfs.LX_PCHART, ([1.0, "#NUM!"], [10.0, 10.0]), "#LX! defects: cell 2 is #NUM!"),
        (udfs.LX_FTE, (1e4, 60.0, 160.0, "#REF!", 0.85), "#LX! shrinkage is #REF!"),
    ],
)
def test_every_function_refuses_error_cells(func, args, expected) -> None:
    assert str(func(*args)).startswith(expected)


def test_text_that_only_looks_like_an_error_is_data() -> None:
    assert cv.error_value("#N/A") == "#N/A"
    assert cv.error_value(" #n/a ") == "#N/A"
    assert cv.error_value("N/A") is None  # typed text, not an error value
    assert cv.error_value(-5.0) is None and cv.error_value(42) is None
    assert cv.error_value(True) is None
    assert cv.error_value(-2146826246) == "#N/A"  # COM code, as without err_to_str
    assert udfs.LX_KAPPA(["N/A", "x"], ["N/A", "x"]) == 1.0
