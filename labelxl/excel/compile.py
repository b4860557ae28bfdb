"""``labelxl excel ready --compile``: give the ready workbooks real VBA macros for the buttons.

Without Excel the buttons call ``RunPython`` directly from their OnAction
(``'RunPython "import labelxl.excel.macros as lx; lx.validate()"'``), a form Excel accepts
but does not document. On a machine with Excel this step opens each workbook through
xlwings, imports ``labelxl.bas`` (``Sub LX_Validate()`` / ``LX_Refresh()`` / ``LX_Deck()``,
each one ``RunPython`` line) with ``VBProject.VBComponents.Import``, points every button
at its Sub and saves. It needs "Trust access to the VBA project object model" (Windows;
``labelxl doctor`` reads it from the registry). Every COM call goes through
``com.retry_busy``.
"""

from __future__ import annotations

import importlib
import re
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from labelxl.errors import LabelxlError
from labelxl.excel.com import is_busy, retry_busy
from labelxl.excel.ready import BUTTONS, MACROS_MODULE

BAS_MODULE = "labelxl"
TRUST_FIX = (
    "In Excel: File › Options › Trust Center › Trust Center Settings › Macro Settings › "
    "tick 'Trust access to the VBA project object model', then run this again."
)


def sub_name(entry: str) -> str:
    """``validate`` → ``LX_Validate`` (the VBA Sub a compiled button calls)."""
    return "LX_" + entry[:1].upper() + entry[1:]


def bas_source() -> str:
    """The ``labelxl.bas`` module: one public Sub per button, each a single RunPython call."""
    lines = [
        f'Attribute VB_Name = "{BAS_MODULE}"',
        "' labelxl buttons: each runs one function of labelxl.excel.macros through xlwings'",
        "' RunPython (the xlwings module of this workbook). Rebuild: labelxl excel ready --compile",
        "Option Explicit",
        "",
    ]
    for button in BUTTONS:
        if not button.entry:
            continue
        lines += [
            f"Public Sub {sub_name(button.entry)}()",
            f'    RunPython "import {MACROS_MODULE} as lx; lx.{button.entry}()"',
            "End Sub",
            "",
        ]
    return "\r\n".join(lines)  # VBA modules are CRLF text


def _entry_of(on_action: str) -> str | None:
    """The macros entry a button's OnAction runs, in either form (RunPython or compiled)."""
    text = on_action.split("!", 1)[-1].strip("'\" ")
    for button in BUTTONS:
        if button.entry and (
            text.endswith(f"lx.{button.entry}()") or text.lower() == sub_name(button.entry).lower()
        ):
            return button.entry
    return None


def _components(book: Any) -> Any:
    try:
        return book.api.VBProject.VBComponents
    except Exception as exc:
        if is_busy(exc):
            raise
        raise LabelxlError(
            f"{book.name}: Excel refused access to the workbook's VBA project. {TRUST_FIX}"
        ) from exc


def _remove_old(components: Any) -> None:
    for i in range(components.Count, 0, -1):
        component = components.Item(i)
        if component.Name == BAS_MODULE:
            components.Remove(component)


def _on_action(shape: Any) -> Any:
    return shape.api.OnAction


def _bind(shape: Any, macro: str) -> None:
    shape.api.OnAction = macro


def compile_book(book: Any, bas: Path) -> list[str]:
    """Import ``bas`` into an open book and bind its buttons; return the Subs now bound."""
    components = retry_busy(lambda: _components(book), "opening the VBA project")
    retry_busy(lambda: _remove_old(components), "removing an old labelxl module")
    try:
        retry_busy(lambda: components.Import(str(bas)), "importing labelxl.bas")
    except LabelxlError:
        raise
    except Exception as exc:
        raise LabelxlError(
            f"{book.name}: importing labelxl.bas failed ({exc}). {TRUST_FIX}"
        ) from exc
    bound: list[str] = []
    for sheet in book.sheets:
        for shape in sheet.shapes:
            action = str(retry_busy(partial(_on_action, shape), "reading a button") or "")
            entry = _entry_of(action)
            if entry is None:
                continue
            retry_busy(partial(_bind, shape, sub_name(entry)), "binding a button")
            bound.append(sub_name(entry))
    wanted = [sub_name(b.entry) for b in BUTTONS if b.entry]
    if sorted(bound) != sorted(wanted):
        raise LabelxlError(
            f"{book.name}: found buttons for {', '.join(bound) or 'nothing'}, expected "
            f"{', '.join(wanted)}; rebuild it with labelxl excel ready FOLDER"
        )
    return bound


def compile_workbooks(paths: Sequence[Path], xw: ModuleType | Any | None = None) -> list[str]:
    """Open each workbook in a hidden Excel, import labelxl.bas, rebind the buttons, save."""
    excel: Any = xw if xw is not None else importlib.import_module("xlwings")
    done: list[str] = []
    with tempfile.TemporaryDirectory(prefix="labelxl-bas-") as tmp:
        bas = Path(tmp) / f"{BAS_MODULE}.bas"
        bas.write_bytes(bas_source().encode("latin-1"))
        app = retry_busy(partial(excel.App, visible=False, add_book=False), "starting Excel")
        try:
            app.display_alerts = False
            for path in paths:
                book = retry_busy(
                    partial(app.books.open, str(Path(path).resolve())), f"opening {path}"
                )
                try:
                    bound = compile_book(book, bas)
                    retry_busy(book.save, f"saving {path}")
                finally:
                    retry_busy(book.close, f"closing {path}")
                done.append(f"compiled {path}: buttons call {', '.join(bound)}")
        finally:
            retry_busy(app.quit, "closing Excel")
    return done


def compiled_subs(project_sources: dict[str, str]) -> set[str]:
    """Names of the LX_ Subs a workbook's VBA holds (to check a compiled workbook)."""
    source = project_sources.get(BAS_MODULE, "")
    return set(re.findall(r"^Public Sub (LX_\w+)\(\)", source, re.MULTILINE))
