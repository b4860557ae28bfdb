"""``labelxl excel selftest``: prove the Excel door works on this computer, step by step.

On a machine with desktop Excel it opens a copy of the ready demo workbook in a hidden
Excel (through xlwings), then:

1. imports the LX_ functions (the workbook's ``ImportPythonUDFs``; Windows only);
2. types every ``LX_`` function into the ``LX Selftest`` sheet (with input ranges, and one
   range holding ``=NA()``), recalculates, reads the cells back and compares each with
   labelxl's core computed here (``labelxl.stats``), so a wrong conversion, a missing
   ``err_to_str`` or a failed spill shows as a FAIL;
3. runs each button's macro exactly as the button stores it (``RunPython "…"`` through
   ``book.macro("RunPython")``, or the compiled ``LX_Validate``…), and checks its effect:
   ``LX Issues`` lists as many findings as ``Pipeline.validate()`` finds, every LX sheet
   ``Pipeline.outputs()`` names appears with the same header, the deck file appears.

A button that fails writes its message to the ``LX Selftest`` sheet (``macros.alert``)
instead of a modal box, so the run never waits for a click. Each step is a ``Step``
value (PASS/FAIL/SKIP with the fix); the CLI prints them. The copy is thrown away.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from labelxl.excel.com import retry_busy
from labelxl.excel.macros import ISSUES_SHEET, MESSAGE_CELL, SELFTEST_SHEET, with_links
from labelxl.excel.ready import BUTTONS, button_macros, workbook_version

DEMO = "demo.xlsm"
SPILL_ROWS = 6  # rows between two formulas: the widest spill (LX_PCHART) is 4 rows
TOLERANCE = 1e-9  # relative: Excel stores the same float64 Python returns


@dataclass(frozen=True)
class Step:
    """One self-test step: ``status`` is PASS, FAIL or SKIP; ``fix`` says what to do."""

    name: str
    status: str
    message: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "FAIL"


# --------------------------------------------------------------------------- the cases

RATER1 = ["spam", "ok", "ok", "spam", "ok", "ok", "spam", "ok"]
RATER2 = ["spam", "ok", "spam", "spam", "ok", "ok", "ok", "ok"]
COUNTS = [[3.0, 0.0, 0.0], [1.0, 2.0, 0.0], [0.0, 2.0, 1.0], [1.0, 1.0, 1.0]]
MINUTES, ITEMS, HOURS = [30.0, 45.0, 60.0], [20.0, 25.0, 40.0], [1.0, 1.5, 2.0]
DEFECTS, SIZES = [3.0, 5.0, 2.0, 12.0], [100.0, 120.0, 90.0, 100.0]
# Input block: first cell → column of values (written once, referenced by the formulas).
INPUTS: dict[str, list[Any]] = {
    "H1": RATER1,
    "I1": RATER2,
    "O1": MINUTES,
    "P1": ITEMS,
    "Q1": HOURS,
    "R1": DEFECTS,
    "S1": SIZES,
    "V1": ["a", "b", "a", "b"],
}
NA_COLUMN = ("U", ["a", "=NA()", "a", "b"])  # an error cell among the labels


def _core(name: str) -> Any:
    """Expected results, computed with the core (``labelxl.stats``), never through udfs."""
    from labelxl.stats.agreement import cohen_kappa, fleiss_kappa, gwet_ac1, krippendorff_alpha
    from labelxl.stats.erlang import erlang_c_agents
    from labelxl.stats.intervals import wilson_arrays
    from labelxl.stats.sampling import cochran_sample_size, z14_plan
    from labelxl.stats.spc import p_chart
    from labelxl.stats.staffing import batch_fte

    if name == "LX_WILSON":
        low, high = wilson_arrays(np.array([45.0]), np.array([50.0]), 0.95)
        return [[float(low[0]), float(high[0])]]
    if name == "LX_ACCURACY":
        return 45.0 / 50.0
    if name == "LX_KAPPA":
        return cohen_kappa(RATER1, RATER2)
    if name == "LX_FLEISS":
        return fleiss_kappa(np.array(COUNTS))
    if name == "LX_ALPHA":
        return krippendorff_alpha([RATER1, RATER2], "nominal")
    if name == "LX_AC1":
        return gwet_ac1(RATER1, RATER2)
    if name == "LX_SAMPLE_SIZE":
        return cochran_sample_size(0.03, 0.95, 0.5, None)
    if name == "LX_Z14":
        plan = z14_plan(1000, 1.0, "II")
        return [[plan.code_letter, plan.sample_size, plan.accept, plan.reject]]
    if name == "LX_ERLANG_AGENTS":
        return erlang_c_agents(100.0, 180.0, 0.8, 20.0, 3600.0)
    if name == "LX_FTE":
        return batch_fte(10000.0, 60.0, 160.0, 0.3, 0.85)
    if name == "LX_AHT":
        return sum(MINUTES) * 60.0 / sum(ITEMS)
    if name == "LX_THROUGHPUT":
        return sum(ITEMS) / sum(HOURS)
    if name == "LX_PCHART":
        chart = p_chart(np.array(DEFECTS), np.array(SIZES), 3.0)
        return [[_plain(v) for v in row] for row in chart.itertuples(index=False, name=None)]
    if name == "error cell":
        return "#LX! rater1: cell 2 is #N/A"
    raise KeyError(name)


CASES: tuple[tuple[str, str], ...] = (
    ("LX_WILSON", "=LX_WILSON(45,50)"),
    ("LX_ACCURACY", "=LX_ACCURACY(45,50)"),
    ("LX_KAPPA", "=LX_KAPPA(H1:H8,I1:I8)"),
    ("LX_FLEISS", "=LX_FLEISS(K1:M4)"),
    ("LX_ALPHA", "=LX_ALPHA(H1:I8)"),
    ("LX_AC1", "=LX_AC1(H1:H8,I1:I8)"),
    ("LX_SAMPLE_SIZE", "=LX_SAMPLE_SIZE(0.03)"),
    ("LX_Z14", "=LX_Z14(1000,1)"),
    ("LX_ERLANG_AGENTS", "=LX_ERLANG_AGENTS(100,180,0.8,20)"),
    ("LX_FTE", "=LX_FTE(10000,60,160,0.3,0.85)"),
    ("LX_AHT", "=LX_AHT(O1:O3,P1:P3)"),
    ("LX_THROUGHPUT", "=LX_THROUGHPUT(P1:P3,Q1:Q3)"),
    ("LX_PCHART", "=LX_PCHART(R1:R4,S1:S4)"),
    ("error cell", "=LX_KAPPA(U1:U4,V1:V4)"),
)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _grid(value: Any) -> list[list[Any]]:
    return value if isinstance(value, list) else [[value]]


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(got) == bool(want) and isinstance(got, bool | int | float)
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(float(got), float(want), rel_tol=TOLERANCE, abs_tol=1e-12)
    return bool(got == want)


# --------------------------------------------------------------------------- the run


def demo_source(workdir: Path, installed: str | None) -> Path:
    """The shipped ready demo if its VBA matches the installed xlwings, else a fresh one."""
    from labelxl.excel.ready import build_ready_workbooks

    try:
        from labelxl.io.paths import workbooks_dir

        shipped = workbooks_dir() / "ready" / DEMO
        if shipped.is_file() and workbook_version(shipped) == installed:
            return shipped
    except FileNotFoundError:
        pass
    built = build_ready_workbooks(workdir / "built", demo=True)
    return next(p for p in built if p.name == DEMO)


class _Run:
    """One self-test: the steps found so far, and the live Excel objects."""

    def __init__(self, xw: Any, mac: bool) -> None:
        self.xw, self.mac = xw, mac
        self.steps: list[Step] = []

    def add(self, name: str, ok: bool, message: str, fix: str = "") -> bool:
        self.steps.append(Step(name, "PASS" if ok else "FAIL", message, "" if ok else fix))
        return ok


def _cells(sheet: Any, row: int, want: Any) -> list[list[Any]]:
    rows, cols = len(_grid(want)), len(_grid(want)[0])
    got = retry_busy(
        lambda: sheet.range((row, 1), (row + rows - 1, cols)).options(ndim=2).value,
        "reading a result",
    )
    return [list(r) for r in got]


def set_formula(cell: Any, formula: str) -> None:
    """A dynamic-array formula (``Formula2``: spills, no implicit ``@``); ``Formula`` before 2019.

    Through COM, ``Range.Formula`` in Excel 365 is the legacy form: Excel would add ``@`` and
    ``LX_WILSON`` would not spill.
    """
    try:
        cell.formula2 = formula
    except Exception:  # Excel 2016 and older have no Formula2
        cell.formula = formula


def udf_steps(run: _Run, book: Any, sheet: Any) -> None:
    """Import the LX_ functions, type each in a cell, compare with the core."""
    if run.mac:
        run.steps.append(Step("import-udfs", "SKIP", "LX_ cell functions need Windows"))
        return
    try:
        retry_busy(lambda: book.macro("ImportPythonUDFs")(), "importing the LX_ functions")
    except Exception as exc:
        run.add(
            "import-udfs",
            False,
            f"ImportPythonUDFs failed: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            "Turn on 'Trust access to the VBA project object model' and check the DLL: "
            "labelxl doctor (both are checked there).",
        )
        return
    run.add("import-udfs", True, "ImportPythonUDFs registered the LX_ functions")
    for first, values in INPUTS.items():
        sheet.range(first).value = [[v] for v in values]
    sheet.range("K1").value = COUNTS
    for i, v in enumerate(NA_COLUMN[1]):
        cell = sheet.range(f"{NA_COLUMN[0]}{i + 1}")
        if str(v).startswith("="):
            cell.formula = v
        else:
            cell.value = v
    for i, (_, formula) in enumerate(CASES):
        set_formula(sheet.range((1 + i * SPILL_ROWS, 1)), formula)
    retry_busy(lambda: sheet.book.app.calculate(), "recalculating")
    for i, (name, formula) in enumerate(CASES):
        want = _core(name)
        got = _cells(sheet, 1 + i * SPILL_ROWS, want)
        same = all(
            _same(g, w)
            for gr, wr in zip(got, _grid(want), strict=True)
            for g, w in zip(gr, wr, strict=True)
        )
        shown, core = (got[0][0], want) if not isinstance(want, list) else (got[0], want[0])
        if isinstance(want, list) and len(want) > 1:
            shown, core = f"{shown} … ({len(got)} rows)", f"{core} … ({len(want)} rows)"
        fix = (
            "A #NAME? means the functions are not registered: click Import LX_ functions and "
            "read labelxl doctor. A #LX! text names the argument Excel passed wrongly. Blank "
            "spill cells: Excel 2021/365 is needed for results over several cells."
        )
        run.add(name, same, f"{formula} → {shown} (core: {core})", fix)


def _entry_macro(macro: str) -> tuple[str, tuple[str, ...]]:
    """A stored button macro → (macro name, arguments) for ``book.macro(name)(*args)``."""
    name = macro.split("!", 1)[-1].strip()
    if name.startswith("'RunPython"):
        return "RunPython", (name[len("'RunPython ") :].strip("'").strip('"'),)
    return name.strip("'"), ()


def _run_macro(book: Any, name: str, args: tuple[str, ...]) -> Any:
    return book.macro(name)(*args)


def button_steps(run: _Run, book: Any, sheet: Any, copy: Path, expect: Any) -> None:
    """Run each button's macro as stored in the file and check what it left behind."""
    stored = [m for m in button_macros(copy) if "ImportPythonUDFs" not in m]
    entries = [b for b in BUTTONS if b.entry]
    if len(stored) != len(entries):
        run.add("buttons", False, f"found {len(stored)} buttons", "Rebuild: labelxl excel ready")
        return
    for button, macro in zip(entries, stored, strict=True):
        name, args = _entry_macro(macro)
        sheet.range(MESSAGE_CELL).value = None
        before = set(copy.parent.glob("*.pptx"))
        step = f"button {button.caption}"
        try:
            retry_busy(partial(_run_macro, book, name, args), f"running {button.caption}")
        except Exception as exc:
            run.add(
                step,
                False,
                f"{name} could not run: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                "Check the interpreter and the workbook's macros: labelxl doctor FOLDER.",
            )
            continue
        said = sheet.range(MESSAGE_CELL).value
        if said:
            run.add(step, False, f"the button said: {said}", "labelxl doctor; then docs/excel.md")
            continue
        run.add(step, *expect[button.entry](book, before))


def _expectations(copy: Path) -> dict[str, Callable[[Any, set[Path]], tuple[bool, str, str]]]:
    """What each button must leave behind, from ``Pipeline`` over the same file."""
    from labelxl.pipeline import Pipeline

    pipeline = Pipeline(copy, use_cache=False)
    findings = len(pipeline.validate())
    outputs = {  # the columns as the buttons write them: link targets folded into links
        s.name: [str(c) for c in with_links(s.frame, dict(s.links)).columns]
        for s in pipeline.outputs()
    }

    def names(book: Any) -> dict[str, Any]:
        return {s.name: s for s in book.sheets}

    def validated(book: Any, _: set[Path]) -> tuple[bool, str, str]:
        sheet = names(book).get(ISSUES_SHEET)
        rows = sheet.used_range.options(ndim=2).value if sheet is not None else []
        got = len(rows) - 1 if rows else 0
        return (
            got == findings,
            f"{ISSUES_SHEET} lists {got} finding(s); labelxl validate finds {findings}",
            "Compare with labelxl validate FILE; report the difference.",
        )

    def refreshed(book: Any, _: set[Path]) -> tuple[bool, str, str]:
        have = names(book)
        missing = [n for n in outputs if n not in have]
        wrong = [
            n
            for n, cols in outputs.items()
            if n in have and cols and have[n].range((1, 1), (1, len(cols))).value != cols
        ]
        ok = not missing and not wrong
        return (
            ok,
            f"{len(outputs) - len(missing)} of {len(outputs)} LX sheets written"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; other columns in {', '.join(wrong)}" if wrong else ""),
            "Compare with labelxl refresh FOLDER --out OTHER_FOLDER; report the difference.",
        )

    def decked(book: Any, before: set[Path]) -> tuple[bool, str, str]:
        new = sorted(set(copy.parent.glob("*.pptx")) - before)
        return (
            bool(new),
            f"wrote {new[0].name}" if new else "no .pptx appeared beside the workbook",
            "Run labelxl deck FOLDER to see the error in a terminal.",
        )

    return {"validate": validated, "refresh": refreshed, "deck": decked}


def selftest(
    xw: ModuleType | Any | None = None,
    *,
    workbook: Path | None = None,
    mac: bool = False,
    keep: Path | None = None,
) -> list[Step]:
    """Run every step against a copy of ``workbook`` (default: the ready demo)."""
    excel: Any = xw if xw is not None else importlib.import_module("xlwings")
    run = _Run(excel, mac)
    with _workdir(keep) as work:
        installed = getattr(excel, "__version__", None)
        source = workbook or demo_source(work, installed)
        copy = work / "selftest" / source.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)  # a fresh file: no mark of the web, never the original
        version = workbook_version(copy)
        run.add(
            "workbook",
            version is not None,
            f"copy of {source} (xlwings VBA {version}; installed xlwings {installed})",
            "Use a ready workbook: labelxl excel ready FOLDER.",
        )
        try:
            app = retry_busy(partial(excel.App, visible=False, add_book=False), "starting Excel")
        except Exception as exc:
            run.add("excel", False, f"Excel did not start: {exc}", "Install desktop Excel.")
            return run.steps
        run.add("excel", True, "started a hidden Excel")
        try:
            app.display_alerts = False
            book = retry_busy(lambda: app.books.open(str(copy)), "opening the copy")
            run.add("open", True, f"opened {copy.name}")
            sheet = book.sheets.add(SELFTEST_SHEET, after=book.sheets[book.sheets.count - 1])
            udf_steps(run, book, sheet)
            button_steps(run, book, sheet, copy, _expectations(copy))
            retry_busy(book.close, "closing the copy")
        except Exception as exc:
            run.add(
                "run",
                False,
                f"stopped: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                "labelxl doctor; then docs/excel.md (Troubleshooting).",
            )
        finally:
            retry_busy(app.quit, "closing Excel")
    return run.steps


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    """``keep`` (kept afterwards, to look at) or a temporary folder removed at the end."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix=f"labelxl-selftest-{dt.date.today()}-") as tmp:
        yield Path(tmp)


def report_lines(steps: list[Step]) -> Iterator[str]:
    for s in steps:
        yield f"{s.status} {s.name}: {s.message}"
        if s.fix:
            yield f"     fix: {s.fix}"
