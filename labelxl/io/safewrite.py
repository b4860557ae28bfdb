"""Write workbooks safely: refuse open (locked) files, replace atomically, keep backups."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from labelxl.errors import WorkbookError, WorkbookLockedError

BACKUP_DIR = Path(".labelxl") / "backups"  # relative to the workbook's folder
DEFAULT_KEEP = 5
_STAMP = "%Y%m%dT%H%M%S_%f"
# Temporary files labelxl makes next to the files it writes. tempfile's random part is 8
# characters of [a-z0-9_]; the patterns match labelxl's own names and nothing a user names.
TEMP_SUFFIX = ".labelxl.tmp"
LEFTOVER_PATTERNS = (
    re.compile(r"\..+\.[a-z0-9_]{8}\.labelxl\.tmp", re.IGNORECASE),  # atomic_write
    re.compile(r"\.~lx-[a-z0-9_]{8}\.[a-z0-9]{1,5}", re.IGNORECASE),  # write_new_file
    re.compile(r"\.lx-[a-z0-9_]{8}\.parquet\.tmp", re.IGNORECASE),  # history.save
    re.compile(r"tmp[a-z0-9_]{8}\.parquet\.tmp", re.IGNORECASE),  # history.save, older versions
)
# A temporary file untouched this long belongs to a write that died (a crash, a closed
# laptop): a live write streams into its file and finishes in seconds to a few minutes.
LEFTOVER_GRACE_SECONDS = 15 * 60


def lock_files(path: str | os.PathLike[str]) -> list[Path]:
    """The owner/lock files that say another program has ``path`` open (empty if none).

    Excel writes ``~$`` + the file name next to the workbook; for longer names Office
    replaces the first character (7-character stems) or two (8 or more) instead of
    prefixing, so those spellings are checked too.
    LibreOffice writes ``.~lock.<name>#``. Names are compared case-insensitively because the
    folder may live on a case-insensitive file system (Windows, macOS, a network share).
    """
    p = Path(path)
    name = p.name
    wanted = {f"~${name}".casefold(), f".~lock.{name}#".casefold()}
    if len(p.stem) == 7:
        wanted.add(f"~${name[1:]}".casefold())
    if len(p.stem) >= 8:
        wanted.add(f"~${name[2:]}".casefold())
    try:
        entries = list(p.parent.iterdir())
    except OSError:
        return []
    return sorted(e for e in entries if e.name.casefold() in wanted and e.name != name)


def _holder(lock: Path) -> str:
    """Best-effort name of who holds a lock file ('' when it cannot be read)."""
    try:
        data = lock.read_bytes()[:512]
    except OSError:
        return ""
    if lock.name.startswith(".~lock."):
        # LibreOffice: "<ooo user>,<user>,<host>,<date>,<profile>;" in UTF-8.
        fields = data.decode("utf-8", "replace").split(",")
        return fields[1].strip() if len(fields) > 1 else ""
    # Excel owner file: first byte is the length of the user name, which follows in ASCII.
    if data:
        size = data[0]
        return data[1 : 1 + size].decode("latin-1", "replace").strip("\x00 ").strip()
    return ""


def check_not_locked(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Raise ``WorkbookLockedError`` if ``path`` is open in Excel or LibreOffice.

    ``force=True`` skips the check (for stale lock files left by a crashed program).
    """
    if force:
        return
    locks = lock_files(path)
    if not locks:
        return
    lock = locks[0]
    app = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
    who = _holder(lock)
    by = f" by {who}" if who else ""
    raise WorkbookLockedError(
        path,
        f"the workbook is open in {app}{by} (lock file {lock.name}). Close it and run again, "
        "or use --force if the lock file is stale.",
    )


def verify_workbook(path: str | os.PathLike[str], expect_sheets: Sequence[str] = ()) -> None:
    """Raise ``WorkbookError`` unless ``path`` is a sound package that a reader can open.

    Checks every zip member's CRC, then lists the sheets with python-calamine and reads
    each sheet named in ``expect_sheets`` completely.
    """
    from python_calamine import CalamineWorkbook

    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            bad = zf.testzip()
        if bad is not None:
            raise WorkbookError(p, f"the written file failed its zip check at {bad}")
        book = CalamineWorkbook.from_path(str(p))
        names = set(book.sheet_names)
        for sheet in expect_sheets:
            if sheet not in names:
                raise WorkbookError(p, f"the written file has no sheet {sheet!r}")
            if not book.get_sheet_by_name(sheet).to_python():
                raise WorkbookError(p, f"sheet {sheet!r} of the written file reads as empty")
    except WorkbookError:
        raise
    except Exception as exc:  # any reader failure means the file must not replace the original
        raise WorkbookError(p, f"the written file does not reopen: {exc}") from exc


def clean_leftovers(
    folder: str | os.PathLike[str], *, grace: float = LEFTOVER_GRACE_SECONDS
) -> list[Path]:
    """Delete temporary files of earlier writes that died; returns what was removed.

    Only names labelxl itself makes (``LEFTOVER_PATTERNS``) and only when not modified for
    ``grace`` seconds, so a write running right now in another process is left alone. A
    file another program still holds open (Windows refuses to delete it) is skipped.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not any(p.fullmatch(entry.name) for p in LEFTOVER_PATTERNS):
            continue
        try:
            info = entry.lstat()
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < grace:
                continue
            entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed


def backup_files(path: str | os.PathLike[str], backup_dir: str | os.PathLike[str]) -> list[Path]:
    """The backups of ``path`` in ``backup_dir``, oldest first."""
    p = Path(path)
    pattern = re.compile(
        re.escape(p.stem) + r"\.(\d{8}T\d{6}_\d{6})(?:-\d+)?" + re.escape(p.suffix) + r"$",
        re.IGNORECASE,
    )
    folder = Path(backup_dir)
    if not folder.is_dir():
        return []
    found = [(m.group(1), e) for e in folder.iterdir() if (m := pattern.fullmatch(e.name))]
    return [e for _, e in sorted(found)]


def _make_backup(path: Path, backup_dir: Path, keep: int) -> Path:
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime(_STAMP)
    target = backup_dir / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while target.exists():  # two writes within one microsecond
        n += 1
        target = backup_dir / f"{path.stem}.{stamp}-{n}{path.suffix}"
    shutil.copy2(path, target)
    for old in backup_files(path, backup_dir)[:-keep]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def write_new_file(path: str | os.PathLike[str], writer_fn: Callable[[Path], object]) -> Path:
    """Produce a file labelxl owns (a new template, demo workbook or deck) whole or not at all.

    ``writer_fn`` writes a temporary file in the same folder, which then replaces ``path``.
    No backup and no workbook check: use ``atomic_write`` for the user's workbooks. A target
    held open by another program (Windows) raises ``WorkbookLockedError``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".~lx-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer_fn(tmp)
        os.chmod(tmp, _new_file_mode())  # mkstemp makes it private; these files are not
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: the file is open in Excel or PowerPoint
            raise WorkbookLockedError(
                target, "is open in another program; close it and run again"
            ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable on POSIX; directories cannot be opened on Windows.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: str | os.PathLike[str],
    writer_fn: Callable[[Path], object],
    *,
    backup_dir: str | os.PathLike[str] | None = None,
    keep: int = DEFAULT_KEEP,
    expect_sheets: Sequence[str] = (),
) -> Path | None:
    """Produce ``path`` with ``writer_fn(temp_path)`` so that it is replaced whole or not at all.

    ``writer_fn`` writes the new workbook to a temporary file in the same folder; the file is
    verified (zip CRCs, python-calamine opens it and reads ``expect_sheets``), the previous
    version of ``path`` is copied to ``backup_dir`` (default ``<folder>/.labelxl/backups``),
    only the newest ``keep`` backups of this workbook are kept, and the temporary file is
    renamed over ``path`` with ``os.replace``. The original's permission bits are kept.
    Any failure leaves ``path`` untouched and removes the temporary file. ``keep=0`` makes
    no backup and prunes nothing. Returns the backup's path, or None when none was made.
    Temporary files of earlier writes that died are removed first (``clean_leftovers``).
    """
    if keep < 0:
        raise ValueError(f"keep must be 0 or more (got {keep})")
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    backups = Path(backup_dir) if backup_dir is not None else folder / BACKUP_DIR
    existed = target.exists()
    if existed and not target.is_file():
        raise WorkbookError(target, "is not a regular file")
    mode = stat.S_IMODE(target.stat().st_mode) if existed else _new_file_mode()
    clean_leftovers(folder)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=TEMP_SUFFIX, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer_fn(tmp)
        verify_workbook(tmp, expect_sheets)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        backup = _make_backup(target, backups, keep) if existed and keep > 0 else None
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: Excel holds the file open
            raise WorkbookLockedError(target, f"cannot replace the workbook: {exc}") from exc
        _fsync_dir(folder)
        return backup
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
