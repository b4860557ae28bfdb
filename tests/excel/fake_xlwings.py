"""An in-memory stand-in for the subset of xlwings' App/Book/Sheet/Range API the macros use.

test_fake.py checks every public name here against ``xlwings.main`` (same kind: property
or method; compatible parameters), so the stand-in cannot drift from the real API.
"""

from __future__ import annotations

import re
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
    def __init__(self) -> None:
        self.status_bar: str | bool = False
        self.screen_updating = True
        self.alerts: list[str] = []
        self.status_log: list[str | bool] = []

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
