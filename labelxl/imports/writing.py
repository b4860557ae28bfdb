"""Put imported rows where the workspace reader finds them: ``<workspace>/imports/<source>.xlsx``.

One workbook per source (platform and project), written whole and atomically, so importing
the same export again replaces its rows instead of adding duplicates, and a newer export of
the same project replaces the older one. The user's own workbooks are only read (for the
Roster e-mails and the Projects ``platform_project`` keys), never written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from labelxl.errors import WorkbookError
from labelxl.imports.common import ExportError, ImportResult, Lookups
from labelxl.io.reader import WORKBOOK_SUFFIXES, read_workspace
from labelxl.io.safewrite import check_not_locked
from labelxl.outputs.templates import write_workbook

IMPORTS_DIR = "imports"


def workspace_folder(path: str | Path) -> Path:
    """The workspace folder, which must exist (an import never invents a workspace elsewhere)."""
    root = Path(path)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise ExportError(root, f"{what}; --to must be a workspace folder (create it first)")
    return root


def lookups_for(workspace: str | Path) -> Lookups:
    """Roster e-mails and Projects platform keys; empty when the folder has no workbooks."""
    root = workspace_folder(workspace)
    has_books = any(
        p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", "."))
        for p in root.iterdir()
    )
    if not has_books:
        return Lookups()
    ws = read_workspace(root)
    roster = ws.frame("Roster") if ws.has("Roster") else None
    projects = ws.frame("Projects") if ws.has("Projects") else None
    return Lookups.from_frames(roster, projects)


def target_path(result: ImportResult, workspace: str | Path) -> Path:
    return Path(workspace) / IMPORTS_DIR / f"{result.source_name}.xlsx"


def write_result(
    result: ImportResult, workspace: str | Path, *, source: str = "", force: bool = False
) -> Path:
    """Write (or replace) the source's workbook; returns its path."""
    target = target_path(result, workspace_folder(workspace))
    check_not_locked(target, force=force)
    sheets: dict[str, pd.DataFrame | None] = {
        name: (frame if len(frame) else None) for name, frame in result.sheets.items()
    }
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = (
        f"Imported from {result.platform} project {result.platform_project} "
        f"({result.export_format}{', ' + source if source else ''}) on {stamp}"
    )
    try:
        return write_workbook(target, sheets, title=title)
    except WorkbookError:
        raise
    except OSError as exc:
        raise ExportError(target, f"cannot be written ({exc.strerror or exc})") from None


def write_table(
    frame: pd.DataFrame, sheet: str, workspace: str | Path, name: str, *, force: bool = False
) -> Path:
    """Write rows of one sheet kind read from a table as ``imports/table-<name>.xlsx``."""
    from labelxl.imports.common import safe_name

    target = workspace_folder(workspace) / IMPORTS_DIR / f"table-{safe_name(name)}.xlsx"
    check_not_locked(target, force=force)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return write_workbook(target, {sheet: frame}, title=f"Imported from {name} on {stamp}")
