"""Where labelxl's shipped files live (deck templates, narrative templates, workbooks)."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # labelxl/


def templates_dir() -> Path:
    """The deck and narrative templates: ``templates/`` of a checkout, else the installed copy."""
    for candidate in (_PKG.parent / "templates", _PKG / "data" / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("labelxl's templates folder is missing from this installation")


def workbooks_dir() -> Path:
    """The shipped template workbooks: ``workbooks/`` of a checkout, else the installed copy."""
    for candidate in (_PKG.parent / "workbooks", _PKG / "data" / "workbooks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("labelxl's workbooks folder is missing from this installation")
