"""CLI glue for the Excel door: ``labelxl excel install|ready|selftest`` and ``labelxl doctor``.

The lead registers them in ``labelxl/cli.py``::

    from labelxl.excel.cli import doctor, excel
    cli.add_command(excel)
    cli.add_command(doctor)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from labelxl.errors import LabelxlError

EXIT_OK, EXIT_FAILED, EXIT_UNSUPPORTED = 0, 1, 2


@click.group()
def excel() -> None:
    """Set up Excel: the xlwings add-in, the config, the ready workbooks, a self-test."""


@excel.command()
@click.option(
    "--no-addin",
    is_flag=True,
    help="Only write the config; the ready workbooks carry their own macros.",
)
def install(no_addin: bool) -> None:
    """Install the xlwings add-in and point Excel at this Python and the LX_ functions.

    Needs Windows or macOS with desktop Excel (exit code 2 elsewhere). Run `labelxl doctor`
    afterwards.
    """
    from labelxl.excel.install import UnsupportedPlatformError
    from labelxl.excel.install import install as run_install

    try:
        done = run_install(addin_installer=None if no_addin else _addin)
    except UnsupportedPlatformError as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_UNSUPPORTED)
    except (LabelxlError, OSError) as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_FAILED)
    for line in done:
        click.echo(line)
    click.echo("Done. Restart Excel, then run: labelxl doctor")


def _addin() -> None:
    from labelxl.excel.install import xlwings_addin_install

    xlwings_addin_install()


@excel.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-demo", is_flag=True, help="Only the empty templates.")
@click.option(
    "--compile",
    "compile_",
    is_flag=True,
    help="Windows with Excel: import labelxl.bas (Subs LX_Validate/LX_Refresh/LX_Deck) into "
    "each workbook and bind the buttons to them.",
)
def ready(folder: Path, no_demo: bool, compile_: bool) -> None:
    """Build the macro-enabled workbooks (tracker/timesheet/audit, demo) into FOLDER.

    They embed the VBA of the xlwings installed here, so its DLL and helper versions always
    match, and files written on this computer carry no "downloaded" mark, so Windows does
    not block their macros. Rerun it after upgrading xlwings.
    """
    from labelxl.excel.install import Machine
    from labelxl.excel.ready import TESTED_XLWINGS, build_ready_workbooks, tested, workbook_version

    machine = Machine.current()
    if compile_ and not machine.windows:
        click.secho(
            "labelxl: --compile needs desktop Excel on Windows (it imports VBA through the "
            "VBA project object model). Without it the buttons call RunPython directly, "
            "which works on Windows and macOS.",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_UNSUPPORTED)
    try:
        paths = build_ready_workbooks(folder, demo=not no_demo)
    except (LabelxlError, OSError) as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_FAILED)
    for p in paths:
        click.echo(f"wrote {p} (xlwings VBA {workbook_version(p)})")
    if paths and not tested(workbook_version(paths[0])):
        click.secho(
            f"warning: xlwings {machine.xlwings_version} is outside the tested range "
            f"xlwings{TESTED_XLWINGS}; the workbooks match it, but were not tested with it.",
            fg="yellow",
            err=True,
        )
    if compile_:
        from labelxl.excel.compile import compile_workbooks

        try:
            for line in compile_workbooks(paths):
                click.echo(line)
        except (LabelxlError, OSError) as exc:
            click.secho(f"labelxl: {exc}", fg="red", err=True)
            sys.exit(EXIT_FAILED)


@excel.command()
@click.option(
    "--workbook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Test this ready workbook (a copy of it) instead of the ready demo.",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Work in this folder and keep the copy, its LX sheets and the deck to look at.",
)
def selftest(workbook: Path | None, keep: Path | None) -> None:
    """Prove the Excel door on this computer: LX_ functions, buttons, LX sheets, deck.

    Opens a copy of the ready demo in a hidden Excel, types every LX_ function and compares
    it with labelxl's core, runs each button's macro and checks what it wrote. One
    PASS/FAIL line per step, with the fix for each failure. Exit code 0 when all pass, 1
    when a step fails, 2 when there is no desktop Excel here (nothing could be tested).
    """
    from labelxl.excel.install import Machine
    from labelxl.excel.selftest import report_lines
    from labelxl.excel.selftest import selftest as run_selftest

    machine = Machine.current()
    if not machine.excel:
        click.secho(
            f"labelxl: no Excel found on this computer ({machine.platform}): the self-test "
            "needs desktop Excel on Windows or macOS. Nothing was tested. (labelxl's own "
            "tests run the same steps against a stand-in of Excel.)",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_UNSUPPORTED)
    steps = run_selftest(workbook=workbook, mac=machine.mac, keep=keep)
    for line in report_lines(steps):
        click.echo(line)
    failed = [s for s in steps if s.status == "FAIL"]
    click.echo(f"{len(steps) - len(failed)} passed, {len(failed)} failed")
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


MARKS = {"ok": ("ok  ", "green"), "info": ("info", "blue"), "warn": ("warn", "yellow")}


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def doctor(folder: Path | None) -> None:
    """Check Python, xlwings, Excel's settings and FOLDER's workbooks; say how to fix each.

    One line per check: ok, info (a fact), warn (works, may bite) or FAIL, each not-ok
    line followed by a fix. Exit code 1 when a check fails; 0 otherwise, also on a system
    without desktop Excel (Linux), where everything is information.
    """
    from labelxl.excel.doctor import doctor as run_doctor

    books = sorted(folder.glob("*.xlsm")) if folder and folder.is_dir() else []
    checks = run_doctor(folder=folder, workbooks=books)
    for c in checks:
        text, colour = MARKS.get(c.status, ("FAIL", "red"))
        click.echo(f"{click.style(text, fg=colour)} {c.name}: {c.message}")
        if c.status != "ok" and c.fix:
            click.echo(f"     {'tip' if c.status == 'info' else 'fix'}: {c.fix}")
    count = {s: sum(c.status == s for c in checks) for s in ("ok", "info", "warn", "fail")}
    click.echo(
        f"{count['ok']} ok, {count['info']} info, {count['warn']} warning(s), "
        f"{count['fail']} to fix"
    )
    failed = count["fail"]
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
