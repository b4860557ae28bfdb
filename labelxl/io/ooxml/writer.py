"""The two entry points: LX sheets into a user's workbook, or a new report workbook."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

from labelxl.errors import WorkbookError
from labelxl.io.ooxml.rewrite import WriteResult, rewrite
from labelxl.io.ooxml.sheet import OutputSheet
from labelxl.io.safewrite import DEFAULT_KEEP, atomic_write, check_not_locked


def write_lx_sheets(
    path: str | os.PathLike[str],
    sheets: Sequence[OutputSheet],
    *,
    out_path: str | os.PathLike[str] | None = None,
    force: bool = False,
    keep_backups: int = DEFAULT_KEEP,
) -> WriteResult:
    """Write ``sheets`` into the workbook at ``path`` (or into a copy at ``out_path``).

    Existing sheets of the same name (compared case-insensitively, as Excel does) are
    replaced in place, keeping their tab position and sheetId; others are appended after
    the last sheet. ``LX`` sheets not in ``sheets`` are left as they are. The write is
    atomic with a backup of the file it replaces (see ``labelxl.io.safewrite.atomic_write``);
    a workbook open in Excel/LibreOffice raises ``WorkbookLockedError`` unless ``force``.
    """
    src = Path(path)
    dst = Path(out_path) if out_path is not None else src
    _check_suffix(src)
    _check_suffix(dst)
    if src.suffix.lower() != dst.suffix.lower():
        raise ValueError(f"{dst.name}: must have the same extension as {src.name}")
    _check_unique(sheets)
    if not src.is_file():
        raise WorkbookError(src, "file not found")
    check_not_locked(dst, force=force)
    outcome: list[WriteResult] = []

    def writer(tmp: Path) -> None:
        outcome.append(_rewrite_file(src, tmp, sheets, label=src))

    backup = atomic_write(dst, writer, keep=keep_backups, expect_sheets=[s.name for s in sheets])
    result = outcome[0]
    return WriteResult(
        path=dst,
        written=result.written,
        replaced=result.replaced,
        added=result.added,
        kept=result.kept,
        removed_parts=result.removed_parts,
        rows=result.rows,
        backup=backup,
    )


def new_workbook(
    path: str | os.PathLike[str],
    sheets: Sequence[OutputSheet],
    *,
    force: bool = False,
    keep_backups: int = DEFAULT_KEEP,
) -> Path:
    """Create (or atomically replace) a separate report workbook holding only ``sheets``."""
    dst = Path(path)
    if dst.suffix.lower() != ".xlsx":
        raise ValueError(f"{dst.name}: a report workbook must be an .xlsx file")
    if not sheets:
        raise ValueError("a report workbook needs at least one sheet")
    _check_unique(sheets)
    check_not_locked(dst, force=force)
    skeleton = _skeleton([s.name for s in sheets])

    def writer(tmp: Path) -> None:
        with zipfile.ZipFile(io.BytesIO(skeleton)) as zf:
            rewrite(zf, tmp, sheets, label=dst)

    atomic_write(dst, writer, keep=keep_backups, expect_sheets=[s.name for s in sheets])
    return dst


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(path, "labelxl writes only .xlsx and .xlsm workbooks")


def _check_unique(sheets: Sequence[OutputSheet]) -> None:
    seen: set[str] = set()
    for s in sheets:
        if not isinstance(s, OutputSheet):
            raise TypeError(f"expected OutputSheet, got {type(s).__name__}")
        if s.name.casefold() in seen:
            raise ValueError(f"sheet {s.name!r} is listed twice")
        seen.add(s.name.casefold())


def _rewrite_file(
    src: Path, dst: Path, sheets: Sequence[OutputSheet], label: object
) -> WriteResult:
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(src, f"not an .xlsx/.xlsm package ({exc})") from exc
    with zf:
        return rewrite(zf, dst, sheets, label=label)


def _skeleton(names: Sequence[str]) -> bytes:
    """A new workbook package whose (empty) sheets have these names, made by xlsxwriter."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name in names:
        book.add_worksheet(name)
    book.close()
    return buf.getvalue()
