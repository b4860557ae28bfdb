"""Where labelxl's shipped files live (deck templates, narrative templates, workbooks)."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # labelxl/


def templates_dir() -> Path:
    """The deck and narrative templates: the installed copy, else ``templates/`` of a checkout."""
    for candidate in (_PKG / "data" / "templates", _PKG.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("labelxl's templates folder is missing from this installation")


def workbooks_dir() -> Path:
    """The shipped template workbooks: the installed copy, else ``workbooks/`` of a checkout."""
    for candidate in (_PKG / "data" / "workbooks", _PKG.parent / "workbooks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("labelxl's workbooks folder is missing from this installation")
