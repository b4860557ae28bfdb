"""``labelxl excel selftest`` against the fake Excel (the same steps a real Excel runs)."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
import xlwings
from click.testing import CliRunner

import labelxl.excel.udfs as udfs
from labelxl.excel import install as inst
from labelxl.excel import macros
from labelxl.excel import selftest as st
from labelxl.excel.cli import excel as excel_group

from . import fake_xlwings
from .fake_xlwings import FakeApp

pytestmark = pytest.mark.filterwarnings(
    "ignore:Data Validation extension is not supported:UserWarning",
    "ignore:Conditional Formatting extension is not supported:UserWarning",
)


def fake_xw() -> types.SimpleNamespace:
    return types.SimpleNamespace(App=FakeApp, __version__=xlwings.__version__)


def statuses(steps: list[st.Step]) -> dict[str, str]:
    return {s.name: s.status for s in steps}


@pytest.fixture(scope="module")
def passing(tmp_path_factory) -> tuple[list[st.Step], Path]:
    keep = tmp_path_factory.mktemp("selftest")
    return st.selftest(fake_xw(), keep=keep), keep


def test_every_step_passes_against_the_fake(passing) -> None:
    steps, keep = passing
    assert [s for s in steps if s.status != "PASS"] == []
    names = [s.name for s in steps]
    assert names[:4] == ["workbook", "excel", "open", "import-udfs"]
    assert names[-3:] == ["button Validate", "button Refresh", "button Build deck"]
    assert list((keep / "selftest").glob("*.pptx"))  # the deck the button built


def test_every_lx_function_is_evaluated_and_compared(passing) -> None:
    steps, _ = passing
    checked = {s.name for s in steps if s.name.startswith("LX_")}
    assert checked == set(udfs.__all__)
    assert "error cell" in statuses(steps)  # err_to_str end to end
    kappa = next(s for s in steps if s.name == "LX_KAPPA")
    assert "=LX_KAPPA(H1:H8,I1:I8)" in kappa.message


def test_buttons_are_run_as_they_are_stored_in_the_file(tmp_path) -> None:
    calls: list[str] = []
    original_close = fake_xlwings.FakeBook.close

    def close(self) -> None:
        calls.extend(self.calls)
        original_close(self)

    xw = fake_xw()
    fake_xlwings.FakeBook.close = close  # type: ignore[method-assign]
    try:
        st.selftest(xw, keep=tmp_path)
    finally:
        fake_xlwings.FakeBook.close = original_close  # type: ignore[method-assign]
    assert calls == [
        "ImportPythonUDFs",
        "RunPython import labelxl.excel.macros as lx; lx.validate()",
        "RunPython import labelxl.excel.macros as lx; lx.refresh()",
        "RunPython import labelxl.excel.macros as lx; lx.deck()",
    ]


def test_failures_are_named_with_their_fix(monkeypatch, tmp_path) -> None:
    def refuse_udfs(self, *args):
        if self.macro == "ImportPythonUDFs":
            raise RuntimeError("Programmatic access to Visual Basic Project is not trusted")
        return original_run(self, *args)

    original_run = fake_xlwings.FakeMacro.run
    monkeypatch.setattr(fake_xlwings.FakeMacro, "run", refuse_udfs)
    monkeypatch.setattr(fake_xlwings.FakeMacro, "__call__", refuse_udfs)

    def broken_refresh(book, **kw):
        raise RuntimeError("COM object has no attribute tables")

    monkeypatch.setattr(macros, "refresh_book", broken_refresh)
    steps = {s.name: s for s in st.selftest(fake_xw(), keep=tmp_path)}
    assert steps["import-udfs"].status == "FAIL"
    assert "Trust access to the VBA project object model" in steps["import-udfs"].fix
    assert not any(n.startswith("LX_") for n in steps)  # nothing to evaluate without them
    refresh = steps["button Refresh"]
    assert refresh.status == "FAIL" and "COM object has no attribute tables" in refresh.message
    assert "doctor" in refresh.fix
    assert steps["button Validate"].status == "PASS"  # one failure does not stop the rest


def test_a_wrong_result_fails_its_step(monkeypatch, tmp_path) -> None:
    # Excel delivering #N/A as None (no err_to_str) would make LX_KAPPA a number again
    real = fake_xlwings._evaluate

    def no_err_to_str(sheet, formula):
        return None if formula.strip().upper() == "=NA()" else real(sheet, formula)

    monkeypatch.setattr(fake_xlwings, "_evaluate", no_err_to_str)
    monkeypatch.setattr(macros, "refresh_book", lambda book, **kw: [])  # keep it quick
    monkeypatch.setattr(macros, "deck_book", lambda book, **kw: None)
    steps = {s.name: s for s in st.selftest(fake_xw(), keep=tmp_path)}
    assert steps["error cell"].status == "FAIL"
    assert "#LX! rater1: cell 2 is #N/A" in steps["error cell"].message
    assert steps["LX_KAPPA"].status == "PASS"
    assert steps["button Refresh"].status == "FAIL"  # no LX sheets appeared
    assert steps["button Build deck"].status == "FAIL"


def test_mac_skips_the_cell_functions(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(macros, "refresh_book", lambda book, **kw: [])
    steps = st.selftest(fake_xw(), mac=True, keep=tmp_path)
    assert statuses(steps)["import-udfs"] == "SKIP"
    assert not any(s.name.startswith("LX_") for s in steps)


def test_no_excel_cannot_start(tmp_path) -> None:
    def no_excel(**kw):
        raise OSError("Excel is not installed")

    steps = st.selftest(types.SimpleNamespace(App=no_excel, __version__="0.37.8"), keep=tmp_path)
    assert statuses(steps)["excel"] == "FAIL"


def test_cli_without_excel_says_so_and_exits_2(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(
        inst.Machine,
        "current",
        classmethod(lambda cls: inst.Machine("linux", "/usr/bin/python3", tmp_path)),
    )
    result = CliRunner().invoke(excel_group, ["selftest"])
    assert result.exit_code == 2
    assert "no Excel found" in result.output and "Nothing was tested" in result.output


def test_cli_prints_pass_fail_and_exits_by_result(monkeypatch, tmp_path) -> None:
    app = tmp_path / "Microsoft Excel.app"
    app.mkdir()
    monkeypatch.setattr(
        inst.Machine,
        "current",
        classmethod(
            lambda cls: inst.Machine("darwin", "/usr/bin/python3", tmp_path, excel_app=app)
        ),
    )
    canned = [st.Step("excel", "PASS", "started"), st.Step("button Refresh", "FAIL", "x", "do y")]
    monkeypatch.setattr(st, "selftest", lambda **kw: canned)
    result = CliRunner().invoke(excel_group, ["selftest"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "PASS excel: started",
        "FAIL button Refresh: x",
        "     fix: do y",
    ]
    monkeypatch.setattr(st, "selftest", lambda **kw: canned[:1])
    assert CliRunner().invoke(excel_group, ["selftest"]).exit_code == 0


def test_formulas_are_entered_as_dynamic_arrays_with_a_fallback() -> None:
    class Excel365:
        formula2 = formula = ""

    class Excel2016:
        formula = ""

        @property
        def formula2(self) -> str:
            raise AttributeError("Formula2")

        @formula2.setter
        def formula2(self, value: str) -> None:
            raise RuntimeError("Object doesn't support this property or method")

    new, old = Excel365(), Excel2016()
    st.set_formula(new, "=LX_WILSON(45,50)")
    st.set_formula(old, "=LX_WILSON(45,50)")
    assert (new.formula2, new.formula) == ("=LX_WILSON(45,50)", "")
    assert old.formula == "=LX_WILSON(45,50)"
