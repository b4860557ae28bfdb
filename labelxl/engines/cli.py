"""``labelxl report``: the LX workbook (and deck) from workbooks or tables on any engine.

Self-contained click command; ``labelxl.cli`` registers it with ``cli.add_command(report)``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from labelxl.engines.backends import ENGINES
from labelxl.errors import LabelxlError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
SHOWN = 10  # findings printed; the LX Issues sheet has the first rows of every rule


def _month(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from labelxl.model.periods import parse_month

    if value is None:
        return None
    try:
        return parse_month(value)
    except LabelxlError:
        raise click.BadParameter(f"expected a month like 2026-03, got {value!r}") from None


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-03-31, got {value!r}") from None


@click.command("report")
@click.argument("source", required=False)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="Where the aggregations run: pandas (in memory), duckdb (embedded; default for "
    "tables) or spark (local, a cluster or Databricks). Default: pandas for workbooks.",
)
@click.option("--month", callback=_month, help="Month to report, YYYY-MM (default: last complete).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The LX workbook to write (.xlsx).",
)
@click.option(
    "--deck", type=click.Path(dir_okay=False, path_type=Path), help="Also build the deck (.pptx)."
)
@click.option("--catalog", help="Spark catalog database holding the tables (with --engine spark).")
@click.option("--today", callback=_date, help="Treat this date as today (YYYY-MM-DD).")
@click.option("--force", is_flag=True, help="Replace --out even if it exists.")
def report(
    source: str | None,
    engine: str | None,
    month: str | None,
    out: Path,
    deck: Path | None,
    catalog: str | None,
    today: dt.date | None,
    force: bool,
) -> None:
    """Write the LX sheets for SOURCE: a folder of workbooks or of tables.

    Tables are named after the sheets (audits.parquet, Audits.csv, or an audits/ folder of
    part files, Hive partitions allowed); with --engine spark --catalog DB they are
    DB.audits, DB.production, ... The sheets and columns are those of `labelxl refresh`,
    and so are the numbers. Validation runs on the engine: each rule's count and its first
    rows, named by file and row.
    """
    from labelxl.engines.report import report as run
    from labelxl.engines.sources import open_source

    if source is None and catalog is None:
        raise click.UsageError("give SOURCE (a folder) or --catalog DB with --engine spark")
    if out.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"expected a .xlsx file, got {out.name!r}", param_hint="--out")
    if out.exists() and not force:
        raise click.BadParameter(f"{out} exists; add --force to replace it", param_hint="--out")
    try:
        src = open_source(source or "", catalog=catalog)
        chosen = engine or ("pandas" if src.kind == "workbooks" else "duckdb")
        if src.kind == "catalog":
            chosen = engine or "spark"
        res = run(
            src,
            out=out,
            engine=chosen,
            month=month,
            deck=deck,
            catalog=catalog,
            today=today,
            force=force,
            progress=click.echo,
        )
    except LabelxlError as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(
        f"  {len(res.sheets)} LX sheets for {res.month} on {res.engine} in {res.out} "
        f"({res.errors} error(s), {res.warnings} warning(s) shown; "
        f"{sum(res.counts.values()):,} finding(s) in all)"
    )
    for code, n in sorted(res.counts.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"    {code}: {n:,}")
    if res.deck is not None:
        click.echo(f"  deck: {res.deck}")
    sys.exit(EXIT_OK)
