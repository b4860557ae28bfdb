"""The ``labelxl`` command line: parse, call the library, render, set the exit code."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from labelxl import __version__
from labelxl.errors import LabelxlError, RefreshBlocked
from labelxl.model.findings import Finding, Report

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn labelxl's exceptions (and a few OS ones) into one clear line and exit code 2."""
    try:
        yield
    except RefreshBlocked as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_FINDINGS)
    except LabelxlError as exc:
        click.secho(f"labelxl: {exc}", fg="red", err=True)
        sys.exit(EXIT_INPUT)
    except PermissionError as exc:
        click.secho(
            f"labelxl: cannot open {exc.filename or ''}: permission denied. Close the "
            "file in other programs or check its permissions.",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_INPUT)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        click.secho(f"labelxl: {exc.strerror or exc}: {exc.filename or ''}", fg="red", err=True)
        sys.exit(EXIT_INPUT)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-03-31, got {value!r}") from None


def _month(value: str | None) -> str | None:
    from labelxl.model.periods import parse_month

    if value is None:
        return None
    try:
        return parse_month(value)
    except LabelxlError:
        raise click.BadParameter(f"expected a month like 2026-03, got {value!r}") from None


REPORT_MONTH = click.option(
    "--month",
    callback=lambda _c, _p, v: _month(v),
    help="Month to report, YYYY-MM (default: last complete month).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labelxl")
def cli() -> None:
    """labelxl: smart workbooks and automatic monthly reporting for labeling teams.

    Start with `labelxl demo demo/` to see everything on generated data, or
    `labelxl init my-team/` for empty template workbooks.
    """


# ---------------------------------------------------------------- init / demo


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace template workbooks already there.")
def init(folder: Path, overwrite: bool) -> None:
    """Write empty template workbooks (tracker, timesheet, audit) into FOLDER."""
    from labelxl.model.schema import WORKBOOKS
    from labelxl.outputs.templates import write_templates

    with _user_errors():
        existing = [
            folder / f"{name}.xlsx" for name in WORKBOOKS if (folder / f"{name}.xlsx").exists()
        ]
        if existing and not overwrite:
            raise click.ClickException(
                f"{existing[0]} already exists; labelxl will not overwrite your workbook. "
                "Choose an empty folder or pass --overwrite."
            )
        folder.mkdir(parents=True, exist_ok=True)
        paths = write_templates(folder, overwrite=overwrite)
    for p in paths:
        click.echo(f"wrote {p}")
    click.echo(f"Fill them in, then run: labelxl validate {folder}")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="demo")
@click.option(
    "--people", default=120, show_default=True, type=click.IntRange(10, 5000), help="Team size."
)
@click.option(
    "--months", default=3, show_default=True, type=click.IntRange(1, 36), help="Months of history."
)
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--end", "end", default=None, help="Last day of the data (default: end of last month)."
)
@click.option("--no-refresh", is_flag=True, help="Only write and validate the workbooks.")
@click.option("--no-deck", is_flag=True, help="Skip building the deck.")
def demo(
    folder: Path,
    people: int,
    months: int,
    seed: int,
    end: str | None,
    no_refresh: bool,
    no_deck: bool,
) -> None:
    """Generate a realistic demo workspace in FOLDER and run the whole monthly job on it.

    Writes tracker/timesheet/audit workbooks (with a few deliberate data-entry mistakes),
    validates them, refreshes the LX result sheets and builds the monthly deck.
    """
    from labelxl.demo import write_demo
    from labelxl.pipeline import Pipeline

    with _user_errors():
        folder.mkdir(parents=True, exist_ok=True)
        click.echo(f"Generating a demo team of {people} people over {months} month(s)…")
        result = write_demo(folder, people=people, months=months, seed=seed, end=_date(end))
        for p in result.paths:
            click.echo(f"  wrote {p}")
        click.echo(f"  planted {len(result.mistakes)} deliberate mistakes for validation to find")
        # One pipeline for the whole job: the workbooks are read, validated and computed once.
        pipeline = Pipeline(folder)
        report = pipeline.validate()
        _render_human(report, max_per_rule=3)
        if not no_refresh:
            pipeline.write(echo=click.echo)
            if not no_deck:
                click.echo(f"  wrote {pipeline.deck()}")
    click.echo(
        f"Done. {len(report.errors)} error(s) and {len(report.warnings)} warning(s) "
        f"found in {folder}; open {folder}/tracker.xlsx to see them."
    )


# ---------------------------------------------------------------- validate


def _render_human(report: Report, max_per_rule: int) -> None:
    by_code: dict[str, list[Finding]] = {}
    for f in report:
        by_code.setdefault(f.code, []).append(f)
    for code, items in sorted(
        by_code.items(), key=lambda kv: (kv[1][0].severity != "error", kv[0])
    ):
        colour = "red" if items[0].severity == "error" else "yellow"
        click.secho(f"{items[0].severity.upper()} {code} ({len(items)})", fg=colour, bold=True)
        for f in items[:max_per_rule]:
            click.echo(f"  {f.message}")
        if len(items) > max_per_rule:
            click.echo(f"  … and {len(items) - max_per_rule} more {code} finding(s)")
    summary = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    click.secho(summary, fg="red" if report.errors else "green", bold=True)


def _run_validate(path: Path, fmt: str, max_per_rule: int, today: dt.date | None) -> Report:
    from labelxl.pipeline import Pipeline

    report = Pipeline(path, today=today).validate()
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in report], indent=2, default=str))
    else:
        _render_human(report, max_per_rule)
    return report


@cli.command(name="validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "json"]),
    default="human",
    show_default=True,
    help="human: grouped and coloured; json: an array of findings.",
)
@click.option(
    "--max-per-rule",
    default=10,
    show_default=True,
    type=click.IntRange(1),
    help="Findings shown per rule in human output.",
)
@click.option("--today", default=None, help="Treat this date as today (for future-date checks).")
def validate_cmd(path: Path, fmt: str, max_per_rule: int, today: str | None) -> None:
    """Check the workbooks at PATH (a folder or one workbook) and list every finding.

    Exit code 0: no errors; 1: errors found; 2: the input could not be read.
    """
    with _user_errors():
        report = _run_validate(path, fmt, max_per_rule, _date(today))
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


# ---------------------------------------------------------------- refresh / deck / capacity


class _StageBar:
    """A one-line progress bar over refresh stages on a terminal; silent in pipes and CI."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.started = False

    def __call__(self, stage: str) -> None:
        from labelxl.pipeline import STAGES

        if not self.enabled:
            return
        done = STAGES.index(stage) if stage in STAGES else 0
        bar = "#" * (done * 5) + "." * ((len(STAGES) - done) * 5)
        click.echo(f"\r[{bar}] {stage:<12}", nl=False, err=True)
        self.started = True

    def close(self) -> None:
        if self.started:
            click.echo("\r" + " " * 40 + "\r", nl=False, err=True)


def _run_refresh(
    path: Path,
    month: str | None,
    out: Path | None,
    force: bool,
    quiet: bool,
    verbose: bool,
    strict: bool = False,
) -> Any:
    from labelxl.pipeline import refresh

    bar = _StageBar(enabled=not quiet)
    try:
        res = refresh(
            path,
            month=month,
            out=out,
            force=force,
            strict=strict,
            echo=None if quiet else click.echo,
            verbose=verbose,
            stage=bar,
        )
    finally:
        bar.close()
    if not quiet and res.metrics is not None and len(res.metrics.report):
        _render_findings_after_write(res, path)
    return res


def _render_findings_after_write(res: Any, path: Path) -> None:
    """The first findings with their cells, and where the whole list is (refresh wrote it)."""
    report = res.metrics.report
    _render_human(report, max_per_rule=3)
    click.echo(
        f"  The full list is on the LX Issues sheet of {res.target.name} "
        f"(or run: labelxl validate {path})."
    )


@cli.command(name="refresh")
@click.argument("path", type=click.Path(path_type=Path))
@REPORT_MONTH
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a separate report workbook into this folder instead.",
)
@click.option("--force", is_flag=True, help="Write even if the workbook looks open elsewhere.")
@click.option("--strict", is_flag=True, help="Write nothing (exit 1) when validation finds errors.")
@click.option("--recursive", is_flag=True, help="PATH holds several workspaces: refresh each.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--verbose", "-v", is_flag=True, help="Say what is read, sheet by sheet.")
def refresh_cmd(
    path: Path,
    month: str | None,
    out: Path | None,
    force: bool,
    strict: bool,
    recursive: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Validate PATH, compute every metric and write the LX result sheets.

    By default the sheets go into the workbook holding the Projects sheet (a backup of the
    previous version is kept in .labelxl/backups/). Findings never block the write unless
    --strict; they are listed in the LX Issues sheet.
    """
    from labelxl.pipeline import RefreshResult, find_workspaces

    if not recursive:
        with _user_errors():
            _run_refresh(path, month, out, force, quiet, verbose, strict)
        return
    failed = 0
    rows = []
    for ws_path in find_workspaces(path, recursive=True):
        try:
            res: RefreshResult = _run_refresh(ws_path, month, out, force, True, False, strict)
        except (LabelxlError, OSError) as exc:
            failed += 1
            rows.append((str(ws_path), "FAILED", "", "", str(exc)[:80]))
            continue
        rows.append(
            (str(ws_path), "ok", res.month, f"{res.errors}/{res.warnings}", f"{res.seconds:.1f}s")
        )
    if not rows:
        click.echo(f"labelxl: no workbooks found under {path}", err=True)
        sys.exit(EXIT_INPUT)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    header = ("workspace", "result", "month", "err/warn", "time / reason")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for r in (header, *rows):
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    click.echo(f"{len(rows) - failed} refreshed, {failed} failed")
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


def _run_deck(
    path: Path,
    month: str | None,
    output: Path | None,
    template: Path | None,
    lang: str | None,
    pseudonymise: bool,
    audience: str,
) -> Path:
    from labelxl.pipeline import Pipeline

    out = Pipeline(path, month=month).deck(
        output, template=template, lang=lang, pseudonymise=pseudonymise, audience=audience
    )
    click.echo(f"  wrote {out}")
    return Path(out)


@cli.command(name="deck")
@click.argument("path", type=click.Path(path_type=Path))
@REPORT_MONTH
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the .pptx (default: beside the workbooks).",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your company's .pptx master; slides map onto its layouts by name.",
)
@click.option(
    "--lang", default=None, help="Language: en, zh, … (default: the language setting, else en)."
)
@click.option("--pseudonymise", is_flag=True, help="Show every person by a stable pseudonym.")
@click.option(
    "--audience",
    type=click.Choice(["management", "business", "team"]),
    default="management",
    show_default=True,
    help="management: counts not names; business: no people slides; team: names.",
)
def deck_cmd(
    path: Path,
    month: str | None,
    output: Path | None,
    template: Path | None,
    lang: str | None,
    pseudonymise: bool,
    audience: str,
) -> None:
    """Build the monthly management deck (.pptx) from the workbooks at PATH."""
    with _user_errors():
        _run_deck(path, month, output, template, lang, pseudonymise, audience)


@cli.command(name="capacity")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--month",
    callback=lambda _c, _p, v: _month(v),
    help="Base month, YYYY-MM; the plan is for the month after it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--by-project", is_flag=True, help="Show the per-project plan instead.")
def capacity_cmd(path: Path, month: str | None, fmt: str, by_project: bool) -> None:
    """Plan next month's headcount: required vs available FTE per market and language."""
    from labelxl.metrics.capacity import capacity_plan
    from labelxl.pipeline import Pipeline

    with _user_errors():
        pipeline = Pipeline(path, month=month)
        plan = capacity_plan(pipeline.read(), pipeline.month)
    frame = plan.by_project if by_project else plan.by_market_language
    if fmt == "json":
        click.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        click.secho(f"Capacity plan for {plan.month}", bold=True)
        click.echo(frame.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
        for note in plan.notes:
            click.echo(f"note: {note}")


def _register_commands() -> None:
    from labelxl.engines.cli import report
    from labelxl.excel.cli import doctor, excel
    from labelxl.imports.cli import import_group

    cli.add_command(excel)
    cli.add_command(doctor)
    cli.add_command(import_group, name="import")
    cli.add_command(report)


_register_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
