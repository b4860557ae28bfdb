"""``labelxl excel ready --compile`` against the fake Excel: the real call sequence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from labelxl.errors import LabelxlError
from labelxl.excel import compile as comp
from labelxl.excel import install as inst
from labelxl.excel import ready
from labelxl.excel.cli import excel as excel_group

from .fake_xlwings import FakeApp

pytestmark = pytest.mark.filterwarnings(
    "ignore:Data Validation extension is not supported:UserWarning",
    "ignore:Conditional Formatting extension is not supported:UserWarning",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    return ready.build_ready_workbooks(tmp_path_factory.mktemp("ready"), demo=False)


class Excel:
    """A fake ``xlwings`` module whose App records every instance started."""

    def __init__(self) -> None:
        self.apps: list[FakeApp] = []

    def App(self, visible=None, spec=None, add_book=True):
        app = FakeApp(visible=visible, spec=spec, add_book=add_book)
        self.apps.append(app)
        return app


def test_bas_module_has_one_sub_per_button_each_a_runpython_line() -> None:
    source = comp.bas_source()
    assert source.startswith('Attribute VB_Name = "labelxl"\r\n')
    subs = re.findall(r'Public Sub (\w+)\(\)\r\n    RunPython "([^"]+)"\r\nEnd Sub', source)
    assert subs == [
        ("LX_Validate", "import labelxl.excel.macros as lx; lx.validate()"),
        ("LX_Refresh", "import labelxl.excel.macros as lx; lx.refresh()"),
        ("LX_Deck", "import labelxl.excel.macros as lx; lx.deck()"),
    ]
    # each RunPython command is the one the uncompiled button runs
    for button, (_, command) in zip([b for b in ready.BUTTONS if b.entry], subs, strict=True):
        assert ready.runpython_macro(button.entry) == f"'RunPython \"{command}\"'"


def test_compile_imports_the_module_rebinds_buttons_and_saves(built) -> None:
    xw = Excel()
    done = comp.compile_workbooks(built, xw=xw)
    assert len(done) == len(built) and all("LX_Validate" in line for line in done)
    [app] = xw.apps
    assert app.visible is False and app.display_alerts is False and app.quit_called
    assert [Path(p).name for p in app.books.opened] == [p.name for p in built]
    assert len(app.books) == 0  # every book closed


def test_compiled_buttons_run_the_imported_subs(tmp_path) -> None:
    demo = ready.build_ready_workbooks(tmp_path, demo=True)[-1]
    app = FakeApp(visible=False, add_book=False)
    book = app.books.open(str(demo))
    bas = tmp_path / "labelxl.bas"
    bas.write_bytes(comp.bas_source().encode("latin-1"))
    assert comp.compile_book(book, bas) == ["LX_Validate", "LX_Refresh", "LX_Deck"]
    actions = [s.api.OnAction for s in book.sheets["Start"].shapes]
    assert actions == ["LX_Validate", "LX_Refresh", "LX_Deck", "[0]!ImportPythonUDFs"]
    components = book.api.VBProject.VBComponents
    assert components.log == [f"Import {bas}"]
    # the imported Sub runs the same Python as the RunPython button did
    book.macro("LX_Validate")()
    assert book.calls == ["LX_Validate"]
    issues = book.sheets["LX Issues"].used_range.options(ndim=2).value
    assert issues[0][:3] == ["severity", "code", "cell"] and len(issues) > 1
    # compiling again replaces the module instead of adding labelxl1
    assert comp.compile_book(book, bas) == ["LX_Validate", "LX_Refresh", "LX_Deck"]
    assert components.log[1:] == ["Remove labelxl", f"Import {bas}"]
    assert [c.Name for c in components._items].count("labelxl") == 1


def test_untrusted_vba_project_says_how_to_trust_it(built, tmp_path) -> None:
    app = FakeApp(visible=False, add_book=False)
    book = app.books.open(str(built[0]))
    book.api.VBProject.VBComponents.trusted = False
    bas = tmp_path / "labelxl.bas"
    bas.write_bytes(comp.bas_source().encode("latin-1"))
    with pytest.raises(LabelxlError, match="Trust access to the VBA project object model"):
        comp.compile_book(book, bas)


def test_a_workbook_without_the_buttons_is_refused(built, tmp_path) -> None:
    app = FakeApp(visible=False, add_book=False)
    book = app.books.open(str(built[0]))
    book.sheets["Start"].shapes._items.clear()
    bas = tmp_path / "labelxl.bas"
    bas.write_bytes(comp.bas_source().encode("latin-1"))
    with pytest.raises(LabelxlError, match="rebuild it with labelxl excel ready"):
        comp.compile_book(book, bas)


@pytest.mark.parametrize(
    ("on_action", "entry"),
    [
        ("[0]!'RunPython \"import labelxl.excel.macros as lx; lx.refresh()\"'", "refresh"),
        ("'tracker.xlsm'!'RunPython \"import labelxl.excel.macros as lx; lx.deck()\"'", "deck"),
        ("'tracker.xlsm'!LX_Validate", "validate"),
        ("ImportPythonUDFs", None),
    ],
)
def test_button_entry_is_found_in_each_form_excel_reports(on_action, entry) -> None:
    assert comp._entry_of(on_action) == entry


def test_cli_compile_is_windows_only(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(
        inst.Machine,
        "current",
        classmethod(lambda cls: inst.Machine("linux", "/usr/bin/python3", tmp_path)),
    )
    result = CliRunner().invoke(excel_group, ["ready", str(tmp_path / "out"), "--compile"])
    assert result.exit_code == 2 and "Windows" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_compile_on_windows_runs_after_building(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(
        inst.Machine,
        "current",
        classmethod(lambda cls: inst.Machine("win32", "C:\\Python312\\python.exe", tmp_path)),
    )
    seen: list[list[Path]] = []
    monkeypatch.setattr(comp, "compile_workbooks", lambda paths: seen.append(paths) or ["ok"])
    result = CliRunner().invoke(
        excel_group, ["ready", str(tmp_path / "out"), "--no-demo", "--compile"]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in seen[0]] == ["tracker.xlsm", "timesheet.xlsm", "audit.xlsm"]
    assert "xlwings VBA" in result.output
