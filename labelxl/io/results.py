"""Results kept between runs (``model.incremental``): one signed file per rule or metric call.

A workspace folder is often shared (a team drive, a synced SharePoint library), so a file
in its ``.labelxl`` folder may have been written by someone else. Results are pickled
(frames, findings and plans come back exactly), and a pickle must never be loaded from a
stranger: each file carries an HMAC made with a key kept in the user's own cache folder
(``~/.cache/labelxl/results.key``, readable by the user only: ``key_file``). A file whose signature
does not match (foreign, truncated, edited) is ignored and replaced.

Layout of a file: 32-byte HMAC-SHA256 of the rest, 4-byte length of the JSON that lists
the sheets' fingerprints, that JSON, then the pickled value (loaded only once the
fingerprints match).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pickle
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labelxl.io.safewrite import clean_leftovers, write_new_file

KEEP_DAYS = 3
SUFFIX = ".pkl"  # short: write_new_file's leftovers keep the suffix (safewrite)
_HEAD = 32 + 4


def key_file() -> Path:
    """Where this user's key lives: the user's cache folder (XDG_CACHE_HOME or ~/.cache;
    %LOCALAPPDATA% on Windows), never the workspace."""
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labelxl" / "results.key"


def user_key(path: Path | None = None) -> bytes | None:
    """This user's signing key, made on first use; None if it cannot be kept."""
    path = path if path is not None else key_file()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    except FileExistsError:
        pass  # another run made it first: use theirs
    except OSError:
        return None
    try:
        return _read_key(path)
    except OSError:
        return None


def _read_key(path: Path) -> bytes | None:
    key = path.read_bytes()
    return key if len(key) == 32 else None


class FileResults:
    """A ``ResultStore`` in a folder (``.labelxl/cache/results``)."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self.key = key

    @classmethod
    def open(cls, folder: Path, key: Path | None = None) -> FileResults | None:
        """The store in ``folder``, after removing what a crashed run left and entries
        unused for KEEP_DAYS (a result used is touched: see ``get``); None when this user
        has no signing key."""
        secret = user_key(key)
        if secret is None:
            return None
        clean_leftovers(folder)
        cutoff = time.time() - KEEP_DAYS * 86400
        with contextlib.suppress(OSError):
            for entry in folder.glob(f"*{SUFFIX}"):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        entry.unlink()
        return cls(folder, secret)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> tuple[dict[str, str], Callable[[], Any]] | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        if len(data) < _HEAD:
            return None
        mac, body = data[:32], memoryview(data)[32:]
        if not hmac.compare_digest(mac, hmac.new(self.key, body, hashlib.sha256).digest()):
            return None
        size = int.from_bytes(body[:4], "big")
        try:
            deps = json.loads(bytes(body[4 : 4 + size]))
        except ValueError:
            return None
        if not isinstance(deps, dict):
            return None
        payload = body[4 + size :]

        def load() -> Any:
            value = pickle.loads(payload)
            with contextlib.suppress(OSError):
                os.utime(self._path(key))  # in use: not pruned after KEEP_DAYS
            return value

        return deps, load

    def put(self, key: str, deps: dict[str, str], value: Any) -> None:
        """Write the entry whole or not at all (``write_new_file``); a failure only means
        no reuse."""
        with contextlib.suppress(Exception):  # unwritable folder, a value pickle refuses
            head = json.dumps(deps, sort_keys=True).encode()
            body = len(head).to_bytes(4, "big") + head + pickle.dumps(value, protocol=5)
            mac = hmac.new(self.key, body, hashlib.sha256).digest()
            write_new_file(self._path(key), lambda tmp: tmp.write_bytes(mac + body))
