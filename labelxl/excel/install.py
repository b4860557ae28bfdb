"""Set up Excel for labelxl (``labelxl excel install``) and check the setup (``labelxl doctor``).

Install does what ``xlwings addin install`` does (through xlwings' own CLI function) and
then writes the user config (``~/.xlwings/xlwings.conf``; on macOS the sandboxed
``~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf``) so that Excel finds this
Python and imports ``labelxl.excel.udfs``. Doctor returns a list of checks (values); the
CLI prints them. Everything machine-specific (platform, paths, environment, versions) is
passed in through ``Machine`` so the tests run anywhere.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labelxl.errors import LabelxlError

UDF_MODULE = "labelxl.excel.udfs"
MIN_PYTHON = (3, 10)
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

    @classmethod
    def current(cls) -> Machine:
        try:
            import xlwings

            version: str | None = xlwings.__version__
        except ImportError:
            version = None
        return cls(
            sys.platform,
            sys.executable,
            Path.home(),
            dict(os.environ),
            sys.version_info[:2],
            version,
        )

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


def write_config(path: Path, updates: Mapping[str, str]) -> None:
    """Set keys in xlwings.conf, keeping every other line (same format as xlwings' CLI)."""
    keys = {k.upper() for k in updates}
    kept: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            first = re.findall(r'"([^"]*)"', line)
            if line.strip() and not (first and first[0].strip().upper() in keys):
                kept.append(line)
    for key, value in updates.items():
        if '"' in value:
            raise LabelxlError(f"a path with a double quote cannot go into xlwings.conf: {value}")
        kept.append(f'"{key.upper()}","{value}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def merged_udf_modules(current: str) -> str:
    parts = [p for p in (s.strip() for s in current.split(";")) if p]
    return ";".join(parts if UDF_MODULE in parts else [*parts, UDF_MODULE])


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
    """Install the xlwings add-in and point the user config at this Python and our UDFs.

    Returns what was done, one line each. Raises ``UnsupportedPlatformError`` off
    Windows/macOS. ``addin_installer=None`` skips the add-in (the ready workbooks carry
    their own VBA and do not need it).
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
    current = read_config(m.config_file).get("UDF MODULES", "")
    write_config(
        m.config_file, {m.interpreter_key: m.executable, "UDF MODULES": merged_udf_modules(current)}
    )
    done.append(
        f"wrote {m.config_file}: {m.interpreter_key} = {m.executable}, "
        f"UDF Modules includes {UDF_MODULE}"
    )
    return done


# --------------------------------------------------------------------------- doctor


def _store_python(executable: str) -> bool:
    low = executable.replace("/", "\\").lower()
    return "\\windowsapps\\" in low or "pythonsoftwarefoundation.python" in low


def _onedrive_roots(env: Mapping[str, str]) -> dict[str, Path]:
    return {var: Path(env[var]) for var in ONEDRIVE_VARS if env.get(var)}


def doctor(
    machine: Machine | None = None,
    *,
    folder: Path | None = None,
    workbooks: list[Path] | None = None,
    importer: Callable[[str], object] = importlib.import_module,
) -> list[Check]:
    """Check what makes Excel + labelxl work; every failed check says how to fix it."""
    from labelxl.excel.vba import VbaError, project_of, xlwings_version

    m = machine or Machine.current()
    checks: list[Check] = []
    desktop = m.windows or m.mac
    checks.append(
        Check(
            "platform",
            desktop,
            f"{m.platform}: "
            + (
                "desktop Excel is supported"
                if desktop
                else "no desktop Excel here (the CLI and xlwings Lite still work)"
            ),
            "" if desktop else "Run labelxl in a terminal, or use xlwings Lite (lite/README.md).",
        )
    )
    py_ok = m.python >= MIN_PYTHON
    checks.append(
        Check(
            "python",
            py_ok,
            f"Python {m.python[0]}.{m.python[1]} at {m.executable}",
            "" if py_ok else "Install Python 3.10 or newer from python.org.",
        )
    )
    if m.windows:
        store = _store_python(m.executable)
        checks.append(
            Check(
                "store-python",
                not store,
                "Microsoft Store Python: Excel cannot start it reliably"
                if store
                else "not the Microsoft Store Python",
                "Install Python from python.org, then run labelxl excel install with it."
                if store
                else "",
            )
        )
    if m.xlwings_version is None:
        checks.append(
            Check(
                "xlwings",
                False,
                "the xlwings package is not installed",
                'pip install "labelxl[excel]"',
            )
        )
    else:
        checks.append(Check("xlwings", True, f"xlwings {m.xlwings_version} is installed"))
    if desktop:
        addin = m.addin_file
        if not addin.is_file():
            checks.append(
                Check(
                    "addin",
                    True,
                    "xlwings add-in not installed (the ready workbooks do not need it)",
                )
            )
        else:
            try:
                found = xlwings_version(project_of(addin))
            except (OSError, ValueError, VbaError):
                found = None
            same = found is not None and found == m.xlwings_version
            checks.append(
                Check(
                    "addin",
                    same,
                    f"add-in {found or 'of unknown version'} vs package {m.xlwings_version}",
                    "" if same else "Run labelxl excel install to copy the matching add-in.",
                )
            )
    for book in workbooks or []:
        try:
            found = xlwings_version(project_of(book))
        except (OSError, ValueError, VbaError) as exc:
            checks.append(
                Check(
                    f"workbook {book.name}",
                    False,
                    f"cannot read its macros: {exc}",
                    "Use a ready workbook from labelxl's workbooks/ folder.",
                )
            )
            continue
        same = found == m.xlwings_version
        checks.append(
            Check(
                f"workbook {book.name}",
                same,
                f"its xlwings VBA is {found}, the package is {m.xlwings_version}",
                ""
                if same
                else f'pip install "xlwings=={found}" (its VBA loads that exact version), '
                "or regenerate: python -m labelxl.excel.ready",
            )
        )
    if m.mac and m.xlwings_version:
        script = m.applescript_file(m.xlwings_version)
        checks.append(
            Check(
                "runpython",
                script.is_file(),
                f"RunPython helper {script.name}",
                "" if script.is_file() else "Run: xlwings runpython install",
            )
        )
    if desktop:
        config = read_config(m.config_file)
        interpreter = config.get(m.interpreter_key, "")
        good = bool(interpreter) and Path(interpreter).is_file()
        checks.append(
            Check(
                "config-interpreter",
                good,
                f"{m.interpreter_key} = {interpreter or '(not set)'} in {m.config_file}",
                "" if good else "Run labelxl excel install with the Python that has labelxl.",
            )
        )
        modules = [p.strip() for p in config.get("UDF MODULES", "").split(";")]
        has = UDF_MODULE in modules
        checks.append(
            Check(
                "config-udf-modules",
                has or not m.windows,
                f"UDF Modules {'includes' if has else 'lacks'} {UDF_MODULE}",
                "" if has or not m.windows else "Run labelxl excel install.",
            )
        )
    target = folder or None
    if target is not None:
        roots = _onedrive_roots(m.env)
        inside = [var for var, root in roots.items() if _is_under(target, root)]
        if inside:
            key = "ONEDRIVE_COMMERCIAL" if "Commercial" in inside[0] else "ONEDRIVE_CONSUMER"
            key += "_MAC" if m.mac else "_WIN"
            config = read_config(m.config_file)
            ok = bool(config.get(key))
            checks.append(
                Check(
                    "onedrive",
                    ok,
                    f"{target} is inside OneDrive ({inside[0]})",
                    ""
                    if ok
                    else f'Add "{key}","{roots[inside[0]]}" to {m.config_file} so Excel '
                    "paths (URLs) map to local files.",
                )
            )
    try:
        importer(UDF_MODULE)
        checks.append(Check("udfs-import", True, f"{UDF_MODULE} imports"))
    except Exception as exc:
        checks.append(
            Check(
                "udfs-import",
                False,
                f"{UDF_MODULE} fails to import: {exc}",
                'pip install --upgrade "labelxl[excel]"',
            )
        )
    return checks


def _is_under(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return False
    return True
