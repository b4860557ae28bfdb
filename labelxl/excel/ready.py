"""Build the macro-enabled ready workbooks (``workbooks/ready/*.xlsm``) with buttons.

No VBA can be authored here, so each workbook embeds the VBA project of xlwings'
BSD-licensed ``quickstart_standalone.xlsm`` (the standalone ``xlwings`` module with
``RunPython`` and ``ImportPythonUDFs``, plus the sample ``SampleCall`` macro) and its
buttons reach Python through an ``OnAction`` string that *calls* ``RunPython`` with the
command as argument: ``'RunPython "import labelxl.excel.macros as lx; lx.validate()"'``.
Excel accepts ``'Macro "argument"'`` as a button's macro and stores it in the drawing as
``[0]!'Macro "argument"'``, which is exactly what xlsxwriter writes for that macro name.
See docs/excel.md ("How the buttons reach Python") for the alternatives and what could not
be verified without Excel.

Regenerate with ``python -m labelxl.excel.ready [folder]`` (default: the checkout's
``workbooks/``).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import os
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from labelxl.errors import TemplateError
from labelxl.excel.vba import VbaError, procedures, project_of, xlwings_version
from labelxl.io.safewrite import write_new_file
from labelxl.model.schema import SHEETS, WORKBOOKS

START_SHEET = "Start"
WRAP_CHARS = 95  # characters per line of the Start sheet's 90-wide text column
CONF_SHEET = "xlwings.conf"
MACROS_MODULE = "labelxl.excel.macros"
UDF_MODULE = "labelxl.excel.udfs"
IMPORT_UDFS_MACRO = "ImportPythonUDFs"  # a Sub of the standalone xlwings VBA module
DEMO_END = dt.date(2025, 12, 31)  # fixed, so regenerating the demo gives the same data
DEMO_PEOPLE, DEMO_MONTHS = 20, 2
# xlwings versions whose VBA the ready workbooks were tested with; pyproject's [excel]
# extra pins the same range (tests/excel/test_ready.py keeps the two equal).
TESTED_XLWINGS = ">=0.33,<0.38"
_FMLA_MACRO = re.compile(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", re.S)


@dataclass(frozen=True)
class Button:
    caption: str
    entry: str  # function of labelxl.excel.macros the button runs ("" = macro only)
    help: str
    macro: str = ""  # an existing VBA macro to bind instead of a RunPython call


BUTTONS: tuple[Button, ...] = (
    Button(
        "Validate",
        "validate",
        "Checks every sheet, colours the bad cells and lists each problem in LX Issues.",
    ),
    Button("Refresh", "refresh", "Recomputes the metrics and rewrites the LX sheets."),
    Button("Build deck", "deck", "Writes the monthly PowerPoint deck beside this workbook."),
    Button(
        "Import LX_ functions",
        "",
        "Windows only: makes =LX_WILSON(…) and the other cell functions available.",
        macro=IMPORT_UDFS_MACRO,
    ),
)

# The active block of the xlwings.conf sheet: xlwings reads A1 down to the first blank
# cell, and a key present there with a blank value *hides* the user's config file value.
# So only keys with a value are in the block; Interpreter_Win/Mac are shown below the gap.
CONF_ROWS: tuple[tuple[str, str], ...] = (("UDF Modules", UDF_MODULE),)
CONF_OPTIONAL: tuple[tuple[str, str], ...] = (
    ("Interpreter_Win", r"e.g. C:\Users\you\AppData\Local\Programs\Python\Python312\python.exe"),
    ("Interpreter_Mac", "e.g. /Users/you/.venv/bin/python"),
)


def runpython_macro(entry: str) -> str:
    """The OnAction string that runs ``labelxl.excel.macros.<entry>()`` through RunPython.

    RunPython pastes the command inside double quotes on a ``python -c`` command line
    (Windows) or an AppleScript parameter (macOS), so it must not contain a double quote.
    """
    command = f"import {MACROS_MODULE} as lx; lx.{entry}()"
    if '"' in command or "'" in command:
        raise TemplateError(f"a RunPython command cannot contain quotes: {command}")
    return f"'RunPython \"{command}\"'"


def button_macro(button: Button) -> str:
    return button.macro or runpython_macro(button.entry)


def standalone_vba() -> bytes:
    """The VBA project of xlwings' quickstart_standalone.xlsm (BSD-3-Clause, Zoomer Analytics)."""
    try:
        import xlwings
    except ImportError:
        raise TemplateError("building ready workbooks needs xlwings: pip install xlwings") from None
    source = Path(xlwings.__file__).resolve().parent / "quickstart_standalone.xlsm"
    if not source.is_file():
        raise TemplateError(f"xlwings {xlwings.__version__} does not ship {source.name}")
    return project_of(source)


def workbook_version(path: str | os.PathLike[str]) -> str | None:
    """The xlwings version of a workbook's embedded VBA (``XLWINGS_VERSION``), or None."""
    try:
        return xlwings_version(project_of(Path(path)))
    except (OSError, zipfile.BadZipFile, VbaError):
        return None


def tested(version: str | None) -> bool:
    """Whether an xlwings version is in the range the ready workbooks are tested with."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return version is not None and Version(version) in SpecifierSet(TESTED_XLWINGS)
    except InvalidVersion:
        return False


def button_macros(path: str | os.PathLike[str]) -> list[str]:
    """Every form button's macro as stored in the file (``[0]!'RunPython "…"'``, ``[0]!LX_…``)."""
    with zipfile.ZipFile(path) as zf:
        vml = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".vml")]
    return [html.unescape(m).strip() for v in vml for m in _FMLA_MACRO.findall(v)]


def check_project(project: bytes) -> None:
    """Refuse a VBA project that lacks the procedures the buttons call."""
    names = {p.name.lower() for p in procedures(project) if p.public}
    for needed in ("RunPython", IMPORT_UDFS_MACRO):
        if needed.lower() not in names:
            raise TemplateError(f"the xlwings VBA project has no public {needed}")


def build_ready_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame | None],
    *,
    title: str,
    project: bytes | None = None,
) -> Path:
    """Write one .xlsm: Start sheet with buttons, the known sheets, the xlwings.conf sheet."""
    from labelxl.outputs import (
        templates,
    )  # private helpers reused so tables look like `labelxl init`

    target = Path(path)
    if target.suffix.lower() != ".xlsm":
        raise TemplateError(f"a macro-enabled workbook must end in .xlsm (got {target.name})")
    project = project if project is not None else standalone_vba()
    check_project(project)
    version = xlwings_version(project) or "unknown"

    def write(tmp: Path) -> None:
        book = templates._Book(tmp, title)
        book.wb.add_vba_project(io.BytesIO(project), is_stream=True)
        book.wb.set_vba_name("ThisWorkbook")  # the project's workbook module is ThisWorkbook
        _start_sheet(book.wb, title, [n for n in SHEETS if n in sheets], version, target.name)
        for name in SHEETS:
            if name in sheets:
                frame = sheets[name]
                if name == "Settings" and frame is None:
                    frame = templates.settings_frame()
                templates._write_sheet(book, SHEETS[name], frame)
        _conf_sheet(book.wb)
        book.close()

    return write_new_file(target, write)


def _start_sheet(
    wb: Any, title: str, sheet_names: Sequence[str], version: str, filename: str
) -> None:
    ws = wb.add_worksheet(START_SHEET)
    ws.activate()
    ws.set_column(0, 0, 3)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 90)
    big = wb.add_format({"bold": True, "font_size": 16})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write_string(0, 1, title, big)
    ws.write_string(1, 1, "Sheets in this workbook: " + ", ".join(sheet_names))
    row = 3
    for button in BUTTONS:
        ws.set_row(row, 30)
        ws.insert_button(
            row,
            1,
            {"macro": button_macro(button), "caption": button.caption, "width": 160, "height": 26},
        )
        ws.write_string(row, 2, button.help, wrap)
        row += 1
    row += 1
    ws.write_string(row, 1, "Set up once", bold)
    steps = (
        "1. Install Python 3.10+ from python.org (not the Microsoft Store).",
        '2. In a terminal: pip install "labelxl[excel]"   then   labelxl excel install',
        "3. Best: make your own copies with   labelxl excel ready FOLDER   — files made on "
        "your computer are never blocked and their macros match your xlwings "
        f"(this one was built with xlwings {version}).",
        "4. Downloaded this file (e-mail, Teams, browser)? Windows blocks its macros: a red "
        "bar says 'Microsoft has blocked macros from running' and there is no Enable "
        "Content button. Close the workbook, right-click the file › Properties › tick "
        "Unblock › OK (or in PowerShell: Unblock-File -Path .\\" + filename + "), open it again.",
        "5. When the yellow bar asks, click Enable Content. Then run labelxl doctor FOLDER "
        "and fix anything it reports.",
        "macOS: step 2 also runs 'xlwings runpython install'; LX_ cell functions need "
        "Windows (use the buttons, the labelxl command line or xlwings Lite instead).",
        "Nothing works? See docs/excel.md (Troubleshooting), run labelxl doctor FOLDER, or "
        "labelxl excel selftest on a computer with Excel.",
    )
    for step in steps:
        row += 1
        # wrapped text does not grow its row by itself in every reader: size it here
        ws.set_row(row, 15 * max(1, math.ceil(len(step) / WRAP_CHARS)))
        ws.write_string(row, 2, step, wrap)
    row += 2
    ws.write_string(row, 1, "Cell functions", bold)
    for example in (
        "=LX_WILSON(45, 50)  → interval low | high",
        "=LX_KAPPA(B2:B101, C2:C101)",
        "=LX_SAMPLE_SIZE(0.03)",
        "=LX_Z14(1000, 1)  → letter | n | Ac | Re",
    ):
        row += 1
        ws.write_string(row, 2, example)
    row += 2
    ws.write_string(row, 1, "Credits", bold)
    ws.write_string(
        row + 1,
        2,
        "The VBA module in this workbook is xlwings' standalone module, "
        "© Zoomer Analytics, BSD 3-Clause License (see docs/excel.md).",
        wrap,
    )


def _conf_sheet(wb: Any) -> None:
    ws = wb.add_worksheet(CONF_SHEET)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 60)
    italic = wb.add_format({"italic": True, "font_color": "#595959"})
    for r, (key, value) in enumerate(CONF_ROWS):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    row = len(CONF_ROWS) + 1  # the blank row ends the block xlwings reads
    notes = (
        "xlwings reads the settings from A1 down to the first blank row; rows below are notes.",
        "The interpreter comes from ~/.xlwings/xlwings.conf, written by 'labelxl excel "
        "install'. To pin one for this workbook only, move a row below up into the block.",
        "Do not leave a key in the block with a blank value: it would hide the config file.",
    )
    for note in notes:
        ws.write_string(row, 0, note, italic)
        row += 1
    for key, example in CONF_OPTIONAL:
        ws.write_string(row, 0, key, italic)
        ws.write_string(row, 1, example, italic)
        row += 1


def build_ready_workbooks(folder: str | os.PathLike[str], demo: bool = True) -> list[Path]:
    """tracker/timesheet/audit .xlsm templates, plus demo.xlsm (every sheet, generated data)."""
    from labelxl.demo import DEMO_TITLE, generate_demo

    out = Path(folder)
    project = standalone_vba()
    paths = [
        build_ready_workbook(
            out / f"{name}.xlsm", dict.fromkeys(names), title=f"labelxl {name}", project=project
        )
        for name, names in WORKBOOKS.items()
    ]
    if demo:
        data = generate_demo(people=DEMO_PEOPLE, months=DEMO_MONTHS, end=DEMO_END)
        paths.append(
            build_ready_workbook(
                out / "demo.xlsm", dict(data.frames), title=DEMO_TITLE, project=project
            )
        )
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        folder = Path(args[0])
    else:
        from labelxl.io.paths import workbooks_dir

        folder = workbooks_dir() / "ready"
    for path in build_ready_workbooks(folder):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
