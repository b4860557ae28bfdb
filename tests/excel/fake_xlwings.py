"""An in-memory stand-in for the subset of xlwings' App/Book/Sheet/Range API the macros use.

test_fake.py checks every public name here against ``xlwings.main`` (same kind: property
or method; compatible parameters), so the stand-in cannot drift from the real API.

Below the xlwings layer, ``.api`` objects stand in for the Excel COM objects that
``labelxl excel ready --compile`` and ``labelxl excel selftest`` use, with the names of
Excel's object model: ``Workbook.VBProject.VBComponents`` (``Count``, ``Item(i)``,
``Import(path)``, ``Remove(component)``; ``VBComponent.Name``) and ``Shape.OnAction``.
``FakeBook.macro`` plays the VBA side: ``RunPython "cmd"`` runs ``cmd`` with
``xw.Book.caller()`` returning the book (what xlwings' RunPython does in a new process),
``ImportPythonUDFs`` makes the LX_ formulas evaluate, and a Sub imported from a ``.bas``
file runs the ``RunPython`` line of its body. Formulas ``=LX_NAME(args)`` and ``=NA()``
are evaluated on ``app.calculate()`` by calling ``labelxl.excel.udfs`` with the values
xlwings would pass (range arguments with ``err_to_str=True``: error cells as text).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _parse(cell: Any) -> tuple[int, int]:
    if isinstance(cell, tuple):
        return int(cell[0]), int(cell[1])
    if isinstance(cell, FakeRange):
        return cell.row, cell.column
    m = _CELL.match(str(cell).strip())
    if not m:
        raise ValueError(f"fake xlwings understands single cells only, got {cell!r}")
    return int(m.group(2)), _col_number(m.group(1))


class FakeApp:
    def __init__(
        self,
        visible: bool | None = None,
        spec: str | None = None,
        add_book: bool = True,
        impl: Any = None,
    ) -> None:
        self.status_bar: str | bool = False
        self.screen_updating = True
        self.display_alerts = True
        self.visible = visible
        self.alerts: list[str] = []
        self.status_log: list[str | bool] = []
        self.books = FakeBooks(self)
        self.quit_called = False

    def quit(self) -> None:
        self.quit_called = True

    def calculate(self) -> None:
        for book in self.books:
            for sheet in book.sheets:
                sheet.recalculate()

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "status_bar" and hasattr(self, "status_log"):
            self.status_log.append(value)
        object.__setattr__(self, name, value)

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str | None:
        self.alerts.append(prompt)
        return None


class FakeTable:
    def __init__(self, name: str, rng: FakeRange) -> None:
        self.name = name
        self.range = rng

    def resize(self, range: FakeRange) -> None:
        self.range = range


class FakeTables:
    def __init__(self) -> None:
        self._items: list[FakeTable] = []

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def count(self) -> int:
        return len(self._items)

    def add(
        self,
        source: FakeRange | None = None,
        name: str | None = None,
        source_type: str | None = None,
        link_source: bool | None = None,
        has_headers: bool = True,
        destination: FakeRange | None = None,
        table_style_name: str = "TableStyleMedium2",
    ) -> FakeTable:
        if any(t.name == name for t in self._items):
            raise ValueError(f"a table named {name} exists")
        table = FakeTable(str(name), source)  # type: ignore[arg-type]
        self._items.append(table)
        return table


class FakeRange:
    def __init__(
        self,
        sheet: FakeSheet,
        top: tuple[int, int],
        bottom: tuple[int, int],
        ndim: int | None = None,
    ) -> None:
        self.sheet = sheet
        self._top, self._bottom, self._ndim = top, bottom, ndim

    @property
    def row(self) -> int:
        return self._top[0]

    @property
    def column(self) -> int:
        return self._top[1]

    @property
    def shape(self) -> tuple[int, int]:
        return (self._bottom[0] - self._top[0] + 1, self._bottom[1] - self._top[1] + 1)

    @property
    def address(self) -> str:
        a = f"${_letters(self._top[1])}${self._top[0]}"
        if self._top == self._bottom:
            return a
        return a + f":${_letters(self._bottom[1])}${self._bottom[0]}"

    def options(self, convert: Any = None, **options: Any) -> FakeRange:
        if convert is not None:
            raise NotImplementedError("the fake only reads plain values")
        return FakeRange(self.sheet, self._top, self._bottom, options.get("ndim"))

    def _cells(self) -> list[list[tuple[int, int]]]:
        return [
            [(r, c) for c in range(self._top[1], self._bottom[1] + 1)]
            for r in range(self._top[0], self._bottom[0] + 1)
        ]

    @property
    def value(self) -> Any:
        self.sheet.book.reads += 1
        grid = [[self.sheet.cells_.get(rc, None) for rc in row] for row in self._cells()]
        if self._ndim == 2:
            return grid
        rows, cols = self.shape
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [r[0] for r in grid]
        return grid

    @value.setter
    def value(self, data: Any) -> None:
        self.sheet.book.writes += 1
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [list(data)]
        r0, c0 = self._top
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                if v is None or v == "":
                    self.sheet.cells_.pop((r0 + i, c0 + j), None)
                else:
                    self.sheet.cells_[(r0 + i, c0 + j)] = v

    @property
    def color(self) -> tuple[int, int, int] | None:
        self.sheet.book.reads += 1
        return self.sheet.colors.get(self._top)

    @color.setter
    def color(self, value: Any) -> None:
        self.sheet.book.writes += 1
        for row in self._cells():
            for rc in row:
                if value is None:
                    self.sheet.colors.pop(rc, None)
                elif isinstance(value, str):
                    h = value.lstrip("#")
                    self.sheet.colors[rc] = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
                else:
                    self.sheet.colors[rc] = tuple(value)

    @property
    def formula(self) -> str:
        return self.sheet.formulas.get(self._top, "")

    @formula.setter
    def formula(self, value: Any) -> None:
        self.sheet.book.writes += 1
        self.sheet.formulas[self._top] = str(value)
        self.sheet.cells_.pop(self._top, None)  # not calculated yet

    @property
    def formula2(self) -> str:
        return self.formula

    @formula2.setter
    def formula2(self, value: Any) -> None:
        self.formula = value

    @property
    def number_format(self) -> str:
        return self.sheet.formats.get(self._top, "General")

    @number_format.setter
    def number_format(self, value: str) -> None:
        for row in self._cells():
            for rc in row:
                self.sheet.formats[rc] = value


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book = book
        self.name = name
        self.cells_: dict[tuple[int, int], Any] = {}
        self.colors: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.visible = True
        self.tables = FakeTables()
        self.formulas: dict[tuple[int, int], str] = {}
        self.shapes = FakeShapes()

    def recalculate(self) -> None:
        """Test helper (not xlwings API): evaluate the sheet's formulas as Excel would."""
        for (r, c), formula in sorted(self.formulas.items()):
            result = _evaluate(self, formula)
            rows = result if isinstance(result, list) else [[result]]
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    if v is None or v == "":
                        self.cells_.pop((r + i, c + j), None)
                    else:
                        self.cells_[(r + i, c + j)] = v

    def range(self, cell1: Any, cell2: Any = None) -> FakeRange:
        top = _parse(cell1)
        return FakeRange(self, top, _parse(cell2) if cell2 is not None else top)

    @property
    def used_range(self) -> FakeRange:
        if not self.cells_:
            return self.range("A1")
        rows = [r for r, _ in self.cells_]
        cols = [c for _, c in self.cells_]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def clear_contents(self) -> None:
        self.cells_.clear()

    def autofit(self, axis: str | None = None) -> None:
        pass


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self._book = book
        self._items: list[FakeSheet] = []

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def count(self) -> int:
        return len(self._items)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self._items[key]
        for s in self._items:
            if s.name.lower() == key.lower():
                return s
        raise KeyError(key)

    def add(
        self,
        name: str | None = None,
        before: FakeSheet | None = None,
        after: FakeSheet | None = None,
    ) -> FakeSheet:
        sheet = FakeSheet(self._book, name or f"Sheet{len(self._items) + 1}")
        if any(s.name.lower() == sheet.name.lower() for s in self._items):
            raise ValueError(f"sheet {sheet.name} exists")
        pos = len(self._items) if after is None else self._items.index(after) + 1
        if before is not None:
            pos = self._items.index(before)
        self._items.insert(pos, sheet)
        return sheet


class FakeBook:
    def __init__(self, fullname: str, app: FakeApp | None = None) -> None:
        self.fullname = fullname
        self.name = re.split(r"[\\/]", fullname)[-1]
        self.app = app or FakeApp()
        self.sheets = FakeSheets(self)
        self.reads = 0
        self.writes = 0
        self.api = FakeWorkbookApi()
        self.udfs_imported = False
        self.saved = 0
        self.closed = False
        self.calls: list[str] = []  # every macro run, in order

    def macro(self, name: str) -> FakeMacro:
        return FakeMacro(self, name)

    def save(self, path: str | None = None, password: str | None = None) -> None:
        self.saved += 1

    def close(self) -> None:
        self.closed = True
        self.app.books._items.remove(self)

    def add_frame(self, name: str, frame: Any, at: str = "A1") -> FakeSheet:
        """Test helper (not xlwings API): a sheet holding a DataFrame's header and rows."""
        import pandas as pd

        sheet = self.sheets.add(name)
        rows = [list(frame.columns)]
        for rec in frame.itertuples(index=False, name=None):
            rows.append(
                [
                    None
                    if (v is None or (not isinstance(v, str) and pd.isna(v)))
                    else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                    for v in rec
                ]
            )
        sheet.range(at).value = rows
        return sheet


# --------------------------------------------------------------------------- workbooks on disk


class FakeBooks:
    def __init__(self, app: FakeApp) -> None:
        self._app = app
        self._items: list[FakeBook] = []
        self.opened: list[str] = []

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def count(self) -> int:
        return len(self._items)

    def open(
        self,
        fullname: str | None = None,
        update_links: bool | None = None,
        read_only: bool | None = None,
    ) -> FakeBook:
        """Load a workbook's cell values and its form buttons (OnAction from the drawing)."""
        import openpyxl

        from labelxl.excel.ready import button_macros

        path = str(fullname)
        self.opened.append(path)
        book = FakeBook(path, self._app)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # VBA/controls openpyxl cannot read
            wb = openpyxl.load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            sheet = book.sheets.add(ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and cell.value != "":
                        sheet.cells_[(cell.row, cell.column)] = cell.value
        wb.close()
        for i, macro in enumerate(button_macros(path), start=1):
            # the ready workbooks carry their buttons on the first (Start) sheet
            book.sheets[0].shapes._add(f"Button {i}", macro)
        from labelxl.excel.vba import module_sources, project_of

        for name in module_sources(project_of(path)):
            book.api.VBProject.VBComponents._items.append(FakeVBComponent(name, ""))
        self._items.append(book)
        return book


class FakeShapeApi:
    """Excel's Shape COM object: only ``OnAction`` (the button's macro)."""

    def __init__(self, on_action: str) -> None:
        self.OnAction = on_action


class FakeShape:
    def __init__(self, name: str, on_action: str) -> None:
        self.name = name
        self.api = FakeShapeApi(on_action)


class FakeShapes:
    def __init__(self) -> None:
        self._items: list[FakeShape] = []

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def count(self) -> int:
        return len(self._items)

    def _add(self, name: str, on_action: str) -> FakeShape:
        """Test helper (xlwings has no Shapes.add for form buttons)."""
        shape = FakeShape(name, on_action)
        self._items.append(shape)
        return shape


class FakeVBComponent:
    def __init__(self, name: str, code: str) -> None:
        self.Name = name
        self.code = code


class FakeVBComponents:
    """``VBProject.VBComponents``: 1-based ``Item``, ``Import`` of a .bas file, ``Remove``."""

    def __init__(self) -> None:
        self._items: list[FakeVBComponent] = []
        self.trusted = True  # Trust access to the VBA project object model
        self.log: list[str] = []

    @property
    def Count(self) -> int:
        return len(self._items)

    def Item(self, index: int) -> FakeVBComponent:
        return self._items[index - 1]

    def Import(self, filename: str) -> FakeVBComponent:
        if not self.trusted:
            raise RuntimeError(
                -2146827284,
                "Programmatic access to Visual Basic Project is not trusted",
            )
        text = Path(filename).read_text(encoding="latin-1")
        m = re.search(r'^Attribute VB_Name = "(\w+)"', text, re.M)
        if not m:
            raise RuntimeError("not a VBA module file")
        component = FakeVBComponent(m.group(1), text)
        self._items.append(component)
        self.log.append(f"Import {filename}")
        return component

    def Remove(self, component: FakeVBComponent) -> None:
        self._items.remove(component)
        self.log.append(f"Remove {component.Name}")


class FakeVBProject:
    def __init__(self) -> None:
        self.VBComponents = FakeVBComponents()


class FakeWorkbookApi:
    def __init__(self) -> None:
        self.VBProject = FakeVBProject()


class FakeMacro:
    """``book.macro(name)``: runs the VBA the fake knows (see the module docstring)."""

    def __init__(self, book: FakeBook, name: str) -> None:
        self._book = book
        self.app = book.app
        self.macro = name

    def run(self, *args: Any) -> Any:
        book, name = self._book, self.macro
        book.calls.append(name if not args else f"{name} {args[0]}")
        if name == "RunPython":
            return _run_python(book, str(args[0]))
        if name == "ImportPythonUDFs":
            book.udfs_imported = True
            return None
        for component in book.api.VBProject.VBComponents._items:
            m = re.search(
                rf'^Public Sub {re.escape(name)}\(\)\s*\r?\n\s*RunPython "([^"]+)"',
                component.code,
                re.M,
            )
            if m:
                return _run_python(book, m.group(1))
        raise RuntimeError(f"Cannot run the macro '{name}'")  # Excel's error 1004 text

    __call__ = run


def _run_python(book: FakeBook, command: str) -> None:
    import xlwings as xw

    original = xw.Book.__dict__["caller"]
    xw.Book.caller = staticmethod(lambda: book)  # type: ignore[method-assign]
    try:
        exec(command, {})
    finally:
        xw.Book.caller = original  # type: ignore[method-assign]


# --------------------------------------------------------------------------- formulas

_CALL = re.compile(r"^=(\w+)\((.*)\)$", re.S)
_AREA = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")


def _split_args(text: str) -> list[str]:
    out, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += ch == "(" and not quoted
        depth -= ch == ")" and not quoted
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _argument(sheet: FakeSheet, text: str) -> Any:
    if text.startswith('"'):
        return text.strip('"')
    m = _AREA.match(text.upper())
    if m:
        top = (int(m.group(2)), _col_number(m.group(1)))
        bottom = (int(m.group(4)), _col_number(m.group(3)))
        return FakeRange(sheet, top, bottom).value  # the shape xlwings passes
    if _CELL.match(text):
        return sheet.range(text).value
    return float(text)


def _evaluate(sheet: FakeSheet, formula: str) -> Any:
    if formula.strip().upper() == "=NA()":
        return "#N/A"  # what a range argument registered with err_to_str=True receives
    m = _CALL.match(formula.strip())
    if not m:
        raise ValueError(f"the fake evaluates LX_ calls and =NA() only, got {formula!r}")
    name = m.group(1).upper()
    if not sheet.book.udfs_imported:
        return "#NAME?"
    import labelxl.excel.udfs as udfs

    func = getattr(udfs, name, None)
    if func is None:
        return "#NAME?"
    return func(*[_argument(sheet, a) for a in _split_args(m.group(2))])
