"""Small reads and writes of labelxl's own files (catalogues, hashes, generated docs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from labelxl.io.safewrite import write_new_file


def read_text(path: Path) -> str:
    """A UTF-8 text file (a message catalogue, a template)."""
    return Path(path).read_text(encoding="utf-8")


def write_text(path: Path, text: str) -> Path:
    """Write a generated UTF-8 text file atomically (docs generated from the schema)."""
    return write_new_file(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks (the LX Log's input hashes)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
