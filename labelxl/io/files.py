"""Small reads and writes of labelxl's own files (catalogues, hashes, generated docs)."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from labelxl.io.safewrite import write_new_file


def read_text(path: Path) -> str:
    """A UTF-8 text file (a message catalogue, a template)."""
    return Path(path).read_text(encoding="utf-8")


def write_text(path: Path, text: str) -> Path:
    """Write a generated UTF-8 text file atomically (docs generated from the schema)."""
    return write_new_file(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks (the LX Log's input hashes); the one
    ``prefetch_sha256`` started if the file is unchanged since."""
    key = _hash_key(path)
    future = _HASHES.get(key) if key is not None else None
    if future is not None:
        with contextlib.suppress(OSError):
            return future.result()
    return _sha256(path)


def prefetch_sha256(paths: Iterable[Path]) -> None:
    """Start hashing ``paths`` in a thread (hashlib releases the GIL), so the LX Log's
    hashes are ready when the metrics are (0.1-0.2 s of a refresh on 60-110 MB of
    workbooks)."""
    global _POOL
    for path in paths:
        key = _hash_key(Path(path))
        if key is None or key in _HASHES:
            continue
        if _POOL is None:
            _POOL = ThreadPoolExecutor(1, thread_name_prefix="labelxl-hash")
        _HASHES[key] = _POOL.submit(_sha256, Path(path))


_HASHES: dict[tuple[str, int, int], Future[str]] = {}
_POOL: ThreadPoolExecutor | None = None


def _hash_key(path: Path) -> tuple[str, int, int] | None:
    """The file as it is now: path, size and modification time (None if it is gone)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
