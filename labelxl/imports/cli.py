"""``labelxl import``: read a labeling-platform export and write its rows into the workspace.

The lead registers the group in ``labelxl/cli.py``::

    from labelxl.imports.cli import import_group
    cli.add_command(import_group, name="import")
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from labelxl.errors import LabelxlError

EXIT_OK, EXIT_INPUT = 0, 2

TO = click.option(
    "--to",
    "workspace",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Workspace folder; rows go to <workspace>/imports/<source>.xlsx.",
)
FORCE = click.option(
    "--force", is_flag=True, help="Write even if a lock file says the workbook is open."
)
DRY_RUN = click.option("--dry-run", is_flag=True, help="Read and summarise; write nothing.")
TIMEZONE = click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="Time zone whose calendar days Production uses (IANA name, e.g. Asia/Jakarta).",
)
NEGATIVE = click.option(
    "--negative-label",
    help="The decision that means 'no violation' (tells FalsePositive from FalseNegative).",
)
PROJECT_ID = click.option(
    "--project-id", help="project_id for the rows (default: Projects.platform_project match)."
)


@contextmanager
def _user_errors() -> Iterator[None]:
    """labelxl's exceptions and missing files become one red line and exit code 2."""
    try:
        yield
    except LabelxlError as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_INPUT)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        click.secho(f"labelxl: {exc.strerror or exc}: {exc.filename or ''}", fg="red", err=True)
        sys.exit(EXIT_INPUT)


@click.group(name="import")
def import_group() -> None:
    """Import labeling-platform exports (Label Studio, Labelbox, any table) into a workspace.

    Rows land in <workspace>/imports/<source>.xlsx (sheets Production, Audits,
    Calibration); importing the same source again replaces its workbook. The mapping is
    in docs/imports.md.
    """


@import_group.command("label-studio")
@click.argument("export", type=click.Path(path_type=Path, dir_okay=False))
@TO
@click.option(
    "--users",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Users list saved from the server's /api/users (maps user ids to e-mails).",
)
@click.option("--field", help="Choices control (from_name) that holds the decision.")
@PROJECT_ID
@click.option(
    "--item-field",
    default="item_id",
    show_default=True,
    help="Task data field that is the content item id (else the task id).",
)
@TIMEZONE
@NEGATIVE
@DRY_RUN
@FORCE
def label_studio(export: Path, workspace: Path, dry_run: bool, force: bool, **options: Any) -> None:
    """Import a Label Studio export (JSON, JSON_MIN or CSV; the format is detected).

    JSON gives Production, Audits (gold answers) and Calibration; JSON_MIN and CSV have no
    skipped annotations and no gold flag, so they give Production and Calibration.
    """
    from labelxl.imports.label_studio import read_label_studio

    with _user_errors():
        _run(read_label_studio, export, workspace, dry_run, force, options)


@import_group.command("labelbox")
@click.argument("export", type=click.Path(path_type=Path, dir_okay=False))
@TO
@click.option("--field", help="Radio or checklist classification that holds the decision.")
@PROJECT_ID
@click.option(
    "--platform-project", help="Labelbox project id, when a Catalog export holds several."
)
@TIMEZONE
@NEGATIVE
@DRY_RUN
@FORCE
def labelbox(export: Path, workspace: Path, dry_run: bool, force: bool, **options: Any) -> None:
    """Import a Labelbox export v2 (NDJSON, one data row per line)."""
    from labelxl.imports.labelbox import read_labelbox

    with _user_errors():
        _run(read_labelbox, export, workspace, dry_run, force, options)


@import_group.command("table")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@TO
@click.option(
    "--sheet",
    required=True,
    help="Sheet the rows belong to: Production, Audits, Timesheet, Calibration, Queue, ...",
)
@click.option(
    "--map",
    "mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML column map ([columns] contract = file column, [constants]).",
)
@click.option("--excel-sheet", help="Worksheet of an .xlsx file to read (default: the first).")
@click.option("--name", help="Source name for imports/table-<name>.xlsx (default: file name).")
@DRY_RUN
@FORCE
def table(
    file: Path,
    workspace: Path,
    sheet: str,
    mapping: Path | None,
    excel_sheet: str | None,
    name: str | None,
    dry_run: bool,
    force: bool,
) -> None:
    """Import a CSV, Parquet or xlsx table as rows of one sheet (e.g. a vendor timesheet)."""
    from labelxl.imports.table import _schema, read_table
    from labelxl.imports.writing import workspace_folder, write_table

    with _user_errors():
        workspace_folder(workspace)
        schema = _schema(sheet)
        frame = read_table(file, schema.name, mapping, excel_sheet=excel_sheet)
        if dry_run:
            click.echo(f"Read {len(frame):,} {schema.name} row(s) from {file.name}; wrote nothing.")
            return
        path = write_table(frame, schema.name, workspace, name or file.stem, force=force)
        click.echo(f"Wrote {len(frame):,} {schema.name} row(s) to {_shown(path, workspace)}.")


def _run(
    reader: Any, export: Path, workspace: Path, dry_run: bool, force: bool, options: Any
) -> None:
    from labelxl.imports.writing import lookups_for, write_result

    lookups = lookups_for(workspace)
    result = reader(export, lookups=lookups, **options)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in result.sheets.items())
    n = int(result.annotators["annotations"].sum())
    click.echo(
        f"{result.platform} {result.export_format} export, project {result.platform_project} "
        f"-> project_id {result.project_id}: {n:,} annotation(s); rows: {counts}; "
        f"{result.items_multi:,} item(s) with two or more annotators."
    )
    _print_annotators(result.annotators)
    for note in result.notices:
        click.secho(f"note: {note}", fg="yellow")
    if dry_run:
        click.echo("Dry run: wrote nothing.")
        return
    path = write_result(result, workspace, source=export.name, force=force)
    click.echo(f"Wrote {_shown(path, workspace)}.")


def _print_annotators(frame: Any) -> None:
    header = ("person_id", "items", "skipped", "gold", "lead time (s)")
    rows = [
        (
            str(r.person_id),
            f"{int(r.items):,}",
            f"{int(r.skipped):,}",
            f"{int(r.gold):,}",
            f"{r.lead_time_sec:,.3f}",
        )
        for r in frame.itertuples()
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    click.echo("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        click.echo("  " + "  ".join(cells))


def _shown(path: Path, workspace: Path) -> str:
    try:
        return str(path.relative_to(workspace))
    except ValueError:
        return str(path)
