"""Run LibreOffice (the second, stricter reader) deterministically from tests.

Each call gets its own fresh profile directory, calls are serialised across processes with
a file lock (two headless instances sharing a machine can abort each other), and a crash
exit (LibreOffice sometimes aborts with 134 on start-up) is retried once with a new
profile. A real conversion failure still fails the test.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice")
LOCK = Path(tempfile.gettempdir()) / "labelxl-tests-soffice.lock"


def run(args: list[str], *, timeout: int = 240, attempts: int = 2) -> subprocess.CompletedProcess:
    """``soffice --headless --norestore <args>`` with a private profile; retried on a crash."""
    assert SOFFICE is not None, "LibreOffice (soffice) is not installed"
    result: subprocess.CompletedProcess | None = None
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for _ in range(attempts):
            with tempfile.TemporaryDirectory(prefix="lx-soffice-") as profile:
                result = subprocess.run(
                    [
                        SOFFICE,
                        "--headless",
                        "--norestore",
                        f"-env:UserInstallation=file://{profile}",
                        *args,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            if result.returncode == 0:
                break
    assert result is not None
    return result


def convert(path: Path, to: str, outdir: Path) -> Path:
    """Convert ``path`` with ``--convert-to to``; returns the output file (asserts it exists)."""
    result = run(["--convert-to", to, "--outdir", str(outdir), str(path)])
    out = outdir / f"{path.stem}.{to.split(':')[0]}"
    assert result.returncode == 0 and out.is_file(), result.stderr
    return out
