"""The fake xlwings objects implement only names that exist, with compatible signatures."""

from __future__ import annotations

import inspect

import pytest
import xlwings.main as xwm

from .fake_xlwings import (
    FakeApp,
    FakeBook,
    FakeBooks,
    FakeMacro,
    FakeRange,
    FakeShape,
    FakeShapes,
    FakeSheet,
    FakeSheets,
    FakeTable,
    FakeTables,
)

PAIRS = [
    (FakeApp, xwm.App),
    (FakeBook, xwm.Book),
    (FakeSheet, xwm.Sheet),
    (FakeSheets, xwm.Sheets),
    (FakeRange, xwm.Range),
    (FakeTables, xwm.Tables),
    (FakeTable, xwm.Table),
    (FakeBooks, xwm.Books),
    (FakeShapes, xwm.Shapes),
    (FakeShape, xwm.Shape),
    (FakeMacro, xwm.Macro),
]
# Names the fakes add for the tests themselves (never called by labelxl code).
TEST_ONLY = {
    *("add_frame", "alerts", "status_log", "reads", "writes", "cells_", "colors", "formats"),
    *("recalculate", "formulas", "quit_called", "udfs_imported", "saved", "closed", "calls"),
    "opened",
}


def _public(cls: type) -> set[str]:
    names = {n for n in vars(cls) if not n.startswith("_")}
    instance_attrs: set[str] = set()
    init = vars(cls).get("__init__")
    if init is not None:
        src = inspect.getsource(init)
        instance_attrs = {
            line.split("self.", 1)[1].split(" ")[0].split(":")[0]
            for line in src.splitlines()
            if "self." in line and "=" in line
        }
    return {n for n in names | instance_attrs if not n.startswith("_")} - TEST_ONLY


@pytest.mark.parametrize(("fake", "real"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_fake_names_exist_in_xlwings(fake: type, real: type) -> None:
    real_names = set(dir(real)) | _public(real)  # members, and attributes set in __init__
    missing = sorted(n for n in _public(fake) if n not in real_names)
    assert missing == []


@pytest.mark.parametrize(("fake", "real"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_fake_members_have_the_real_kind_and_parameters(fake: type, real: type) -> None:
    for name, member in vars(fake).items():
        if name.startswith("_") or name in TEST_ONLY:
            continue
        real_member = inspect.getattr_static(real, name)
        assert isinstance(member, property) == isinstance(real_member, property), name
        if callable(member) and not isinstance(member, property):
            fake_params = list(inspect.signature(member).parameters)[1:]
            real_sig = inspect.signature(real_member)
            real_params = list(real_sig.parameters)[1:]
            assert fake_params == real_params[: len(fake_params)], name
            required = [
                p
                for p, v in list(real_sig.parameters.items())[1:]
                if v.default is inspect.Parameter.empty
                and v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)
            ]
            assert set(required) <= set(fake_params), name


def test_properties_the_macros_set_are_settable_in_xlwings() -> None:
    for cls, name in [
        (xwm.App, "status_bar"),
        (xwm.App, "screen_updating"),
        (xwm.Range, "value"),
        (xwm.Range, "color"),
        (xwm.Range, "number_format"),
        (xwm.Sheet, "visible"),
        (xwm.App, "display_alerts"),
        (xwm.Range, "formula"),
        (xwm.Range, "formula2"),
    ]:
        assert inspect.getattr_static(cls, name).fset is not None, name
