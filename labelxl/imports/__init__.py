"""Import labeling-platform exports (Label Studio, Labelbox, any table) into a workspace.

Library use::

    from labelxl.imports import read_label_studio, import_label_studio
    result = read_label_studio("project-3-at-2026-03-31.json", users="users.json")
    result.sheets["Production"]          # DataFrame in the Production contract's columns
    import_label_studio("export.json", "workspace/", users="users.json")  # writes the workbook

The mapping from annotations to sheet rows is documented in docs/imports.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labelxl.imports.common import ExportError, ImportResult, Lookups
from labelxl.imports.label_studio import read_label_studio
from labelxl.imports.labelbox import read_labelbox
from labelxl.imports.table import read_table
from labelxl.imports.writing import lookups_for, target_path, write_result

__all__ = [
    "ExportError",
    "ImportResult",
    "Lookups",
    "import_label_studio",
    "import_labelbox",
    "read_label_studio",
    "read_labelbox",
    "read_table",
    "target_path",
    "write_result",
]


def import_label_studio(
    export: str | Path, workspace: str | Path, *, force: bool = False, **options: Any
) -> tuple[ImportResult, Path]:
    """Read a Label Studio export against the workspace's Roster/Projects and write its workbook.

    ``options`` are those of ``read_label_studio`` (users, field, project_id, timezone,
    negative_label, item_field). Nothing is written when reading fails.
    """
    result = read_label_studio(export, lookups=lookups_for(workspace), **options)
    return result, write_result(result, workspace, source=Path(export).name, force=force)


def import_labelbox(
    export: str | Path, workspace: str | Path, *, force: bool = False, **options: Any
) -> tuple[ImportResult, Path]:
    """Read a Labelbox export v2 (NDJSON) against the workspace and write its workbook."""
    result = read_labelbox(export, lookups=lookups_for(workspace), **options)
    return result, write_result(result, workspace, source=Path(export).name, force=force)
