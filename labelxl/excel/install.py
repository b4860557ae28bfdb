"""Set up Excel for labelxl (``labelxl excel install``); the facts of this computer (``Machine``).

Install does what ``xlwings addin install`` does (through xlwings' own CLI function) and
then writes the user config (``~/.xlwings/xlwings.conf``; on macOS the sandboxed
``~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf``) so that Excel finds this
Python, the way ``xlwings config create`` does: in a conda environment on Windows the
``CONDA PATH`` / ``CONDA ENV`` keys instead of the interpreter (so ``conda activate`` runs
and numpy/scipy find their DLLs). It never touches ``UDF MODULES``: that setting is global
to every xlwings workbook of the user, and the ready workbooks carry it on their own
``xlwings.conf`` sheet. Everything machine-specific (platform, paths, environment,
registry, versions) is passed in through ``Machine`` so the tests run anywhere;
``labelxl.excel.doctor`` checks the result.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labelxl.errors import LabelxlError

RegistryReader = Callable[[str, str, str], object]  # (hive, key, value name) → value or None
ZoneReader = Callable[[Path], "str | None"]  # a file's Zone.Identifier stream, or None

UDF_MODULE = "labelxl.excel.udfs"
ONEDRIVE_VARS = ("OneDriveCommercial", "OneDriveConsumer", "OneDrive")


class UnsupportedPlatformError(LabelxlError):
    """Excel desktop integration needs Windows or macOS."""


@dataclass(frozen=True)
class Machine:
    """The facts install/doctor depend on; ``Machine.current()`` reads this computer."""

    platform: str
    executable: str
    home: Path
    env: Mapping[str, str] = field(default_factory=dict)
    python: tuple[int, int] = (3, 10)
    xlwings_version: str | None = None
    registry: RegistryReader = field(default=lambda hive, key, name: None, compare=False)
    zone: ZoneReader = field(default=lambda path: None, compare=False)
    excel_app: Path | None = None  # macOS: where Excel.app is looked for

    @classmethod
    def current(cls) -> Machine:
        try:
            import xlwings

            version: str | None = xlwings.__version__
        except ImportError:
            version = None
        windows = sys.platform.startswith("win")
        return cls(
            sys.platform,
            sys.executable,
            Path.home(),
            dict(os.environ),
            sys.version_info[:2],
            version,
            registry=read_registry if windows else (lambda hive, key, name: None),
            zone=read_zone if windows else (lambda path: None),
        )

    @property
    def excel(self) -> bool:
        """Whether desktop Excel is installed (registry on Windows, the app on macOS)."""
        if self.windows:
            return self.registry("HKCR", r"Excel.Application\CurVer", "") is not None
        if self.mac:
            return (self.excel_app or Path("/Applications/Microsoft Excel.app")).is_dir()
        return False

    @property
    def conda(self) -> tuple[str, str] | None:
        """(CONDA PATH, CONDA ENV) of the active conda environment, as ``xlwings config``."""
        env, exe = self.env.get("CONDA_DEFAULT_ENV"), self.env.get("CONDA_EXE")
        if not (env and exe):
            return None
        sep = "\\" if "\\" in exe else "/"
        # xlwings.cli.get_conda_settings: the path without the trailing \Scripts\conda.exe
        return sep.join(exe.split(sep)[:-2]), env

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def mac(self) -> bool:
        return self.platform == "darwin"

    @property
    def config_file(self) -> Path:
        """Where xlwings' VBA looks for the user config (xlwings.USER_CONFIG_FILE)."""
        if self.mac:
            return (
                self.home
                / "Library"
                / "Containers"
                / "com.microsoft.Excel"
                / "Data"
                / "xlwings.conf"
            )
        return self.home / ".xlwings" / "xlwings.conf"

    @property
    def addin_file(self) -> Path:
        """The xlwings add-in in the user's XLSTART (startup) folder."""
        if self.mac:
            return (
                self.home
                / "Library"
                / "Group Containers"
                / "UBF8T346G9.Office"
                / "User Content.localized"
                / "Startup.localized"
                / "Excel"
                / "xlwings.xlam"
            )
        appdata = Path(self.env.get("APPDATA", str(self.home / "AppData" / "Roaming")))
        return appdata / "Microsoft" / "Excel" / "XLSTART" / "xlwings.xlam"

    def applescript_file(self, version: str) -> Path:
        return (
            self.home
            / "Library"
            / "Application Scripts"
            / "com.microsoft.Excel"
            / f"xlwings-{version}.applescript"
        )

    @property
    def interpreter_key(self) -> str:
        return "INTERPRETER_MAC" if self.mac else "INTERPRETER_WIN"


@dataclass(frozen=True)
class Check:
    """One doctor check: ``fix`` says what to do when ``ok`` is false."""

    name: str
    ok: bool
    message: str
    fix: str = ""


# --------------------------------------------------------------------------- config file


def read_config(path: Path) -> dict[str, str]:
    """xlwings.conf as {UPPER KEY: value}; lines look like ``"KEY","value"``."""
    config: dict[str, str] = {}
    if not path.is_file():
        return config
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        values = re.findall(r'"([^"]*)"', line)
        if len(values) >= 2:
            config[values[0].strip().upper()] = values[1]
    return config


def write_config(path: Path, updates: Mapping[str, str | None]) -> None:
    """Set (or, with None, remove) keys in xlwings.conf, keeping every other line."""
    keys = {k.upper() for k in updates}
    kept: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            first = re.findall(r'"([^"]*)"', line)
            if line.strip() and not (first and first[0].strip().upper() in keys):
                kept.append(line)
    for key, value in updates.items():
        if value is None:  # a key to remove
            continue
        if '"' in value:
            raise LabelxlError(f"a path with a double quote cannot go into xlwings.conf: {value}")
        kept.append(f'"{key.upper()}","{value}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def without_our_udfs(current: str) -> str:
    """``UDF MODULES`` minus labelxl's module (an older labelxl install put it there)."""
    return ";".join(p for p in (s.strip() for s in current.split(";")) if p and p != UDF_MODULE)


def read_registry(hive: str, key: str, name: str) -> object:
    """A registry value on Windows (``winreg``), or None when the key or value is absent."""
    import winreg  # type: ignore[import-not-found,unused-ignore]  # Windows only

    root = {
        "HKCU": winreg.HKEY_CURRENT_USER,  # type: ignore[attr-defined,unused-ignore]
        "HKLM": winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
        "HKCR": winreg.HKEY_CLASSES_ROOT,  # type: ignore[attr-defined,unused-ignore]
    }[hive]
    try:
        with winreg.OpenKey(root, key) as handle:  # type: ignore[attr-defined,unused-ignore]
            return winreg.QueryValueEx(handle, name)[0]  # type: ignore[attr-defined,unused-ignore]
    except OSError:
        return None


def read_zone(path: Path) -> str | None:
    """The ``Zone.Identifier`` alternate data stream Windows adds to downloaded files."""
    try:
        with open(f"{path}:Zone.Identifier", encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return None


# --------------------------------------------------------------------------- install


def xlwings_addin_install() -> None:
    """xlwings' own ``xlwings addin install`` (copies the add-in to XLSTART; macOS: RunPython)."""
    import argparse

    from xlwings import cli

    cli.addin_install(argparse.Namespace(glob=False, dir=None, file=None))


def install(
    machine: Machine | None = None,
    addin_installer: Callable[[], None] | None = xlwings_addin_install,
) -> list[str]:
    """Install the xlwings add-in and point the user config at this Python.

    Returns what was done, one line each. Raises ``UnsupportedPlatformError`` off
    Windows/macOS. ``addin_installer=None`` skips the add-in (the ready workbooks carry
    their own VBA and do not need it). In a conda environment on Windows it writes
    ``CONDA PATH``/``CONDA ENV`` and removes ``INTERPRETER_WIN``, as ``xlwings config
    create`` does. ``UDF MODULES`` is left alone, except that labelxl's own module is taken
    out of it if an older labelxl put it there.
    """
    m = machine or Machine.current()
    if not (m.windows or m.mac):
        raise UnsupportedPlatformError(
            "Excel integration needs Windows or macOS with desktop Excel; on this system use "
            "the labelxl command line, or xlwings Lite inside Excel (see docs/excel.md)."
        )
    done: list[str] = []
    if addin_installer is not None:
        addin_installer()
        done.append("installed the xlwings add-in (xlwings addin install)")
    config = read_config(m.config_file)
    updates: dict[str, str | None]
    conda = m.conda if m.windows else None
    if conda is not None:
        updates = {"CONDA PATH": conda[0], "CONDA ENV": conda[1], m.interpreter_key: None}
        said = f"CONDA PATH = {conda[0]}, CONDA ENV = {conda[1]} (conda activate runs first)"
    else:
        updates = {m.interpreter_key: m.executable}
        said = f"{m.interpreter_key} = {m.executable}"
    if UDF_MODULE in config.get("UDF MODULES", ""):
        rest = without_our_udfs(config["UDF MODULES"])
        updates["UDF MODULES"] = rest or None
        said += f"; removed {UDF_MODULE} from UDF MODULES (the ready workbooks carry it)"
    write_config(m.config_file, updates)
    done.append(f"wrote {m.config_file}: {said}")
    return done
