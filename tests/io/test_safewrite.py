"""Tests for labelxl.io.safewrite: lock files, atomic replace, backups and their retention."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from labelxl.errors import WorkbookError, WorkbookLockedError
from labelxl.io import ooxml, safewrite
from labelxl.io.ooxml import OutputSheet, write_lx_sheets
from labelxl.io.safewrite import atomic_write, backup_files, check_not_locked, lock_files

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


def make_book(path: Path, text: str = "hello") -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Data").write("A1", text)
    book.close()
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".labelxl.tmp"))


SHEET = OutputSheet("LX Summary", pd.DataFrame({"kpi": ["accuracy"], "value": [0.9]}))


# ---------------------------------------------------------------- locks


@pytest.mark.parametrize(
    "name, lock",
    [
        ("book.xlsx", "~$book.xlsx"),  # Excel, short name: prefixed
        ("tracker2024.xlsx", "~$acker2024.xlsx"),  # Office, long name: first two replaced
        ("tracker.xlsm", ".~lock.tracker.xlsm#"),  # LibreOffice
        ("Book.xlsx", "~$BOOK.XLSX"),  # case-insensitive file systems
    ],
)
def test_lock_files_are_found(tmp_path, name, lock):
    book = make_book(tmp_path / name)
    assert lock_files(book) == []
    (tmp_path / lock).write_bytes(b"")
    assert [p.name for p in lock_files(book)] == [lock]
    with pytest.raises(WorkbookLockedError, match="open in") as info:
        check_not_locked(book)
    assert isinstance(info.value, PermissionError) and isinstance(info.value, WorkbookError)
    check_not_locked(book, force=True)  # a stale lock can be overridden


def test_a_lock_of_another_workbook_does_not_count(tmp_path):
    book = make_book(tmp_path / "a.xlsx")
    (tmp_path / "~$b.xlsx").write_bytes(b"")
    (tmp_path / ".~lock.a.xlsm#").write_bytes(b"")
    check_not_locked(book)


def test_the_lock_holder_is_named(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    (tmp_path / ".~lock.t.xlsx#").write_text(",Dana Ops,host1,26.11.2025 09:00,file:///u;")
    with pytest.raises(WorkbookLockedError, match="LibreOffice by Dana Ops"):
        check_not_locked(book)
    (tmp_path / ".~lock.t.xlsx#").unlink()
    (tmp_path / "~$t.xlsx").write_bytes(bytes([4]) + b"Sami" + b"\x00" * 50)
    with pytest.raises(WorkbookLockedError, match="Excel by Sami"):
        check_not_locked(book)


def test_locked_workbook_is_left_untouched_unless_forced(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()
    (tmp_path / "~$t.xlsx").write_bytes(b"")
    with pytest.raises(WorkbookLockedError):
        write_lx_sheets(book, [SHEET])
    assert book.read_bytes() == original
    assert not (tmp_path / ".labelxl").exists()
    result = write_lx_sheets(book, [SHEET], force=True)
    assert result.added == ("LX Summary",) and book.read_bytes() != original


# ---------------------------------------------------------------- atomicity


def test_writer_failure_half_way_leaves_the_original(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()

    def writer(tmp: Path) -> None:
        tmp.write_bytes(b"PK\x03\x04 half a zip")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(book, writer)
    assert book.read_bytes() == original
    assert leftovers(tmp_path) == [] and backup_files(book, tmp_path / ".labelxl/backups") == []


def test_failure_inside_the_sheet_writer_leaves_the_original(tmp_path, monkeypatch):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()

    def boom(self, start, stop):
        raise MemoryError("injected in the middle of sheetData")

    monkeypatch.setattr(ooxml.sheet.SheetWriter, "_rows", boom)
    with pytest.raises(MemoryError):
        write_lx_sheets(book, [SHEET])
    assert book.read_bytes() == original and leftovers(tmp_path) == []


def test_a_file_that_does_not_verify_never_replaces_the_original(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()
    with pytest.raises(WorkbookError, match=r"does not reopen|zip check"):
        atomic_write(book, lambda tmp: tmp.write_bytes(b"garbage"))
    with pytest.raises(WorkbookError, match="no sheet 'LX Missing'"):
        atomic_write(book, lambda tmp: make_book(tmp), expect_sheets=["LX Missing"])
    assert book.read_bytes() == original and leftovers(tmp_path) == []


def test_a_corrupt_zip_member_fails_verification(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()

    def corrupt(tmp: Path) -> None:
        make_book(tmp, text="x" * 5000)
        data = bytearray(tmp.read_bytes())
        at = data.index(b"xl/worksheets/sheet1.xml") + 60  # inside the member's data
        data[at] ^= 0xFF
        tmp.write_bytes(bytes(data))

    with pytest.raises(WorkbookError):
        atomic_write(book, corrupt)
    assert book.read_bytes() == original and leftovers(tmp_path) == []


def test_failed_rename_leaves_the_original(tmp_path, monkeypatch):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()

    def refuse(src, dst):
        raise PermissionError("the file is in use")

    monkeypatch.setattr(safewrite.os, "replace", refuse)
    with pytest.raises(WorkbookLockedError, match="in use"):
        write_lx_sheets(book, [SHEET])
    assert book.read_bytes() == original and leftovers(tmp_path) == []


@POSIX
def test_mode_bits_are_kept(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    os.chmod(book, 0o640)
    write_lx_sheets(book, [SHEET])
    assert stat.S_IMODE(book.stat().st_mode) == 0o640


@POSIX
def test_a_new_file_gets_the_umask_mode_not_the_temp_file_mode(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "new.xlsx"
        assert atomic_write(target, make_book) is None  # nothing to back up
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


# ---------------------------------------------------------------- backups


def test_backups_keep_the_newest_versions(tmp_path):
    book = make_book(tmp_path / "t.xlsx", text="v0")
    versions = [book.read_bytes()]
    backups = []
    for i in range(1, 6):
        backups.append(atomic_write(book, lambda tmp, i=i: make_book(tmp, text=f"v{i}"), keep=3))
        versions.append(book.read_bytes())
    kept = backup_files(book, tmp_path / ".labelxl" / "backups")
    assert kept == backups[-3:]
    # each backup is the version that the write replaced
    assert [p.read_bytes() for p in kept] == versions[2:5]
    other = make_book(tmp_path / "other.xlsx")
    atomic_write(other, make_book, keep=1)
    assert len(backup_files(book, tmp_path / ".labelxl" / "backups")) == 3  # per workbook


def test_keep_zero_makes_no_backup_and_negative_is_refused(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    assert atomic_write(book, make_book, keep=0) is None
    assert not (tmp_path / ".labelxl").exists()
    with pytest.raises(ValueError, match="keep"):
        atomic_write(book, make_book, keep=-1)


def test_write_result_names_the_backup(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    original = book.read_bytes()
    result = write_lx_sheets(book, [SHEET], keep_backups=2)
    assert result.backup is not None and result.backup.read_bytes() == original
    assert result.backup.parent == tmp_path / ".labelxl" / "backups"


def test_custom_backup_folder(tmp_path):
    book = make_book(tmp_path / "t.xlsx")
    folder = tmp_path / "elsewhere"
    backup = atomic_write(book, make_book, backup_dir=folder)
    assert backup is not None and backup.parent == folder


# ---------------------------------------------------------------- leftovers of killed writes

_KILLED_WRITE = """
import os, sys
from pathlib import Path
import pandas as pd
from labelxl.io import history, ooxml
from labelxl.io.ooxml import OutputSheet, write_lx_sheets

def die(*args, **kwargs):
    os._exit(9)  # like a crash or a closed laptop: no finally clause runs

os.replace = die
if sys.argv[1] == "workbook":
    frame = pd.DataFrame({"kpi": ["accuracy"] * 5000, "value": [0.9] * 5000})
    write_lx_sheets(sys.argv[2], [OutputSheet("LX Summary", frame)])
else:
    history.save(Path(sys.argv[2]), "trend", pd.DataFrame({"period": ["2026-01"], "items": [1]}))
"""


def _kill_mid_write(kind: str, target: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITE, kind, str(target)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 9, proc.stderr.decode()


def _age(path: Path, seconds: float) -> None:
    old = path.stat().st_mtime - seconds
    os.utime(path, (old, old))


def test_a_killed_write_leaves_a_temp_file_that_the_next_write_removes(tmp_path):
    book = make_book(tmp_path / "tracker.xlsx")
    _kill_mid_write("workbook", book)
    (left,) = leftovers(tmp_path)
    assert left.startswith(".tracker.") and (tmp_path / left).stat().st_size > 10_000
    user_file = tmp_path / ".notes.labelxl.tmp.bak"
    user_file.write_text("mine")
    write_lx_sheets(book, [SHEET])  # within the grace period: may be a live write elsewhere
    assert leftovers(tmp_path) == [left]
    _age(tmp_path / left, safewrite.LEFTOVER_GRACE_SECONDS + 60)
    write_lx_sheets(book, [SHEET])
    assert leftovers(tmp_path) == []
    assert user_file.read_text() == "mine"


def test_a_killed_history_save_is_cleaned_by_the_next_save(tmp_path):
    from labelxl.io import history

    _kill_mid_write("history", tmp_path)
    folder = history.history_dir(tmp_path)
    (left,) = [p for p in folder.iterdir() if p.name.endswith(".parquet.tmp")]
    _age(left, safewrite.LEFTOVER_GRACE_SECONDS + 60)
    history.save(tmp_path, "trend", pd.DataFrame({"period": ["2026-02"], "items": [2]}))
    assert sorted(p.name for p in folder.iterdir()) == ["trend.parquet"]


def test_clean_leftovers_touches_only_its_own_names(tmp_path):
    names = [
        ".tracker.ab12cd_9.labelxl.tmp",  # atomic_write
        ".~lx-0a1b2c3d.pptx",  # write_new_file
        "tracker.xlsx",
        "~$tracker.xlsx",
        ".tracker.labelxl.tmp",  # no random part: not a name labelxl makes
        "notes.tmp",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        _age(tmp_path / name, 3600)
    removed = safewrite.clean_leftovers(tmp_path)
    assert sorted(p.name for p in removed) == [
        ".tracker.ab12cd_9.labelxl.tmp",
        ".~lx-0a1b2c3d.pptx",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
