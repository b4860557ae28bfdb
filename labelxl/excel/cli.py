"""CLI glue for the Excel door: ``labelxl excel install`` / ``ready`` and ``labelxl doctor``.

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
    """Set up Excel: the xlwings add-in, the config, the ready workbooks."""


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
def ready(folder: Path, no_demo: bool) -> None:
    """Write the macro-enabled ready workbooks (tracker/timesheet/audit, demo) into FOLDER."""
    from labelxl.excel.ready import build_ready_workbooks

    try:
        paths = build_ready_workbooks(folder, demo=not no_demo)
    except (LabelxlError, OSError) as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_FAILED)
    for p in paths:
        click.echo(f"wrote {p}")


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def doctor(folder: Path | None) -> None:
    """Check Python, xlwings, the add-in, the config and FOLDER's ready workbooks.

    Prints one line per check with how to fix what failed; exit code 1 when any fails.
    """
    from labelxl.excel.install import doctor as run_doctor

    books = sorted(folder.glob("*.xlsm")) if folder and folder.is_dir() else []
    checks = run_doctor(folder=folder, workbooks=books)
    for c in checks:
        mark = click.style("ok  ", fg="green") if c.ok else click.style("FAIL", fg="red")
        click.echo(f"{mark} {c.name}: {c.message}")
        if not c.ok and c.fix:
            click.echo(f"     fix: {c.fix}")
    failed = [c for c in checks if not c.ok]
    click.echo(f"{len(checks) - len(failed)} ok, {len(failed)} to fix")
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
