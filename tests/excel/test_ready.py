"""Ready workbooks: VBA project present, buttons bound to real macros, xlwings.conf, LibreOffice."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings

from labelxl.excel import ready
from labelxl.excel.vba import procedures, xlwings_version
from labelxl.io.paths import workbooks_dir
from labelxl.io.reader import read_workspace
from labelxl.model.schema import WORKBOOKS
from tests import soffice

pytestmark = pytest.mark.filterwarnings(
    # openpyxl warns that it drops VBA/form controls it cannot read; we only read cells.
    "ignore:Data Validation extension is not supported:UserWarning",
    "ignore:Conditional Formatting extension is not supported:UserWarning",
)

_MACRO = re.compile(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", re.S)
_RUNPYTHON = re.compile(r"^'RunPython \"import ([\w.]+) as (\w+); \2\.(\w+)\(\)\"'$")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    return ready.build_ready_workbooks(tmp_path_factory.mktemp("ready"), demo=False)


def _shipped() -> list[Path]:
    return sorted((workbooks_dir() / "ready").glob("*.xlsm"))


def _macros(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        vml = [zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml")]
    return [m.replace("&quot;", '"').replace("&apos;", "'") for v in vml for m in _MACRO.findall(v)]


def test_shipped_ready_workbooks_exist() -> None:
    names = {p.stem for p in _shipped()}
    assert names >= {*WORKBOOKS, "demo"}


@pytest.mark.parametrize("source", ["built", "shipped"])
def test_vba_project_present_and_buttons_bound_to_real_macros(source, built) -> None:
    books = built if source == "built" else _shipped()
    assert books
    for book in books:
        with zipfile.ZipFile(book) as zf:
            assert "xl/vbaProject.bin" in zf.namelist()
            types = zf.read("[Content_Types].xml").decode()
            assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
            assert 'codeName="ThisWorkbook"' in zf.read("xl/workbook.xml").decode()
            project = zf.read("xl/vbaProject.bin")
        public = {p.name for p in procedures(project) if p.public}
        assert xlwings_version(project)
        macros = _macros(book)
        assert len(macros) == len(ready.BUTTONS)
        entries = []
        for macro in macros:
            assert macro.startswith("[0]!")
            name = macro[4:]
            m = _RUNPYTHON.match(name)
            if m:
                assert "RunPython" in public
                module = importlib.import_module(m.group(1))
                assert callable(getattr(module, m.group(3)))
                entries.append(m.group(3))
            else:
                assert name in public, name
        assert entries == ["validate", "refresh", "deck"]


def test_runpython_command_has_no_quotes_to_break_the_command_line() -> None:
    for button in ready.BUTTONS:
        macro = ready.button_macro(button)
        inner = macro[len("'RunPython \"") : -2] if button.entry else macro
        assert '"' not in inner and "'" not in inner


def test_xlwings_conf_sheet(built) -> None:
    wb = openpyxl.load_workbook(built[0], read_only=True)
    assert wb.sheetnames[0] == ready.START_SHEET
    rows = [r for r in wb[ready.CONF_SHEET].iter_rows(values_only=True)]
    block = []
    for row in rows:  # what xlwings reads: A1 down to the first blank A cell
        if not row or row[0] in (None, ""):
            break
        block.append(row[:2])
    assert ("UDF Modules", "labelxl.excel.udfs") in block
    assert all(value not in (None, "") for _, value in block)  # a blank would mask the config
    keys = [r[0] for r in rows if r and r[0]]
    assert "Interpreter_Win" in keys and "Interpreter_Mac" in keys
    wb.close()


def test_start_sheet_explains_setup(built) -> None:
    wb = openpyxl.load_workbook(built[0], read_only=True)
    text = " ".join(
        str(v) for row in wb[ready.START_SHEET].iter_rows(values_only=True) for v in row if v
    )
    wb.close()
    for needle in ("labelxl excel install", "labelxl doctor", "Enable Content", "BSD"):
        assert needle in text


def test_ready_workbooks_are_labelxl_workspaces() -> None:
    demo = workbooks_dir() / "ready" / "demo.xlsm"
    ws = read_workspace(demo)
    assert set(ws.sheets) >= {"Audits", "Timesheet", "Projects"}
    assert len(ws.frame("Audits")) > 100


def test_a_project_without_runpython_is_refused() -> None:
    from labelxl.errors import TemplateError

    with pytest.raises((TemplateError, ValueError)):
        ready.check_project(b"not a vba project")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_opens_in_libreoffice(built, tmp_path) -> None:
    result = soffice.run(["--convert-to", "pdf", "--outdir", str(tmp_path), str(built[0])])
    pdf = tmp_path / (built[0].stem + ".pdf")
    assert pdf.is_file() and pdf.stat().st_size > 1000, result.stderr


# --------------------------------------------------------------------------- xlwings versions

ROOT = Path(__file__).resolve().parents[2]
SECOND_XLWINGS = Path(os.environ.get("LABELXL_SECOND_XLWINGS", "/tmp/xw-old"))


def test_excel_extra_pins_the_tested_range() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pin = f"xlwings{ready.TESTED_XLWINGS}"
    assert project["optional-dependencies"]["excel"] == [pin]
    assert pin in project["optional-dependencies"]["dev"]


def test_shipped_workbooks_embed_an_xlwings_vba_inside_the_pin() -> None:
    versions = {p.name: ready.workbook_version(p) for p in _shipped()}
    assert versions and all(ready.tested(v) for v in versions.values()), versions
    assert len(set(versions.values())) == 1  # one build, one version
    assert not ready.tested("0.32.2") and not ready.tested("0.38.0") and not ready.tested(None)


def test_button_macros_reads_what_the_tests_read(built) -> None:
    assert ready.button_macros(built[0]) == _macros(built[0])


def test_start_sheet_explains_blocked_downloads_with_the_files_own_name(built) -> None:
    wb = openpyxl.load_workbook(built[0], read_only=True)
    text = " ".join(
        str(v) for row in wb[ready.START_SHEET].iter_rows(values_only=True) for v in row if v
    )
    wb.close()
    assert f"Unblock-File -Path .\\{built[0].name}" in text
    assert "Properties" in text and "tick Unblock" in text
    assert "labelxl excel ready FOLDER" in text
    assert f"built with xlwings {xlwings.__version__}" in text


def _build_with(pythonpath: list[Path], out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath)}
    return subprocess.run(
        [sys.executable, "-m", "labelxl.cli", "excel", "ready", str(out), "--no-demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.skipif(
    not (SECOND_XLWINGS / "xlwings" / "__init__.py").is_file(),
    reason=f"a second xlwings is not installed in {SECOND_XLWINGS} "
    "(pip install --no-deps --target /tmp/xw-old xlwings==0.33.15)",
)
def test_ready_embeds_the_vba_of_whichever_xlwings_is_installed(tmp_path) -> None:
    from labelxl.excel.vba import module_sources, project_of

    other = subprocess.run(
        [sys.executable, "-c", "import xlwings; print(xlwings.__version__)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SECOND_XLWINGS)},
        check=True,
    ).stdout.strip()
    assert other != xlwings.__version__
    for pythonpath, version in [([SECOND_XLWINGS, ROOT], other), ([ROOT], xlwings.__version__)]:
        out = tmp_path / version
        result = _build_with(pythonpath, out)
        assert result.returncode == 0, result.stderr
        books = sorted(out.glob("*.xlsm"))
        assert len(books) == 3
        for book in books:
            assert ready.workbook_version(book) == version
            source = module_sources(project_of(book))["xlwings"]
            assert f'Lib "xlwings64-{version}.dll"' in source  # the DLL its VBA loads
            assert f"(xlwings VBA {version})" in result.stdout
