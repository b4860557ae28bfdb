"""``labelxl doctor``: what stands between this computer and working Excel buttons, with fixes.

Each check is a value (``Check``) with a level: ``ok``, ``info`` (a fact, nothing to do),
``warn`` (works, but something may bite) or ``fail`` (a feature will not work; the ``fix``
says how to repair it). The CLI exits 1 only on a failure, so on Linux or a Mac without
Excel, where the command line is the door, doctor is informational and exits 0.

Windows checks follow what xlwings' VBA really does (``xlwings.bas``, ``XLPyLoadDLL``):
the UDF DLL ``xlwings64-<version>.dll`` is loaded from the interpreter's folder or the one
above it (conda: the environment folder), where ``<version>`` is the workbook's embedded
VBA version; downloaded workbooks carry a ``Zone.Identifier`` stream and Office blocks
their macros; "Import LX_ functions" needs the ``AccessVBOM`` registry value.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from labelxl.excel.install import ONEDRIVE_VARS, UDF_MODULE, Machine, read_config

MIN_PYTHON = (3, 10)
OFFICE_VERSIONS = ("16.0", "15.0")  # 16.0: Excel 2016/2019/2021/2024/365; 15.0: Excel 2013
BLOCKED_ZONES = {3: "Internet", 4: "Restricted sites"}


@dataclass(frozen=True)
class Check:
    """One doctor check: ``fix`` says what to do when it is not ``ok``."""

    name: str
    ok: bool
    message: str
    fix: str = ""
    level: str = ""  # ok | info | warn | fail; empty: ok or fail from ``ok``

    @property
    def status(self) -> str:
        return self.level or ("ok" if self.ok else "fail")


def _ok(name: str, message: str) -> Check:
    return Check(name, True, message)


def _info(name: str, message: str, fix: str = "") -> Check:
    return Check(name, True, message, fix, "info")


def _warn(name: str, message: str, fix: str) -> Check:
    return Check(name, True, message, fix, "warn")


def _fail(name: str, message: str, fix: str) -> Check:
    return Check(name, False, message, fix, "fail")


def rebuild_command(folder: Path | None) -> str:
    return f'labelxl excel ready "{folder}"' if folder else "labelxl excel ready FOLDER"


# --------------------------------------------------------------------------- the checks


def python_checks(m: Machine) -> list[Check]:
    version = f"Python {m.python[0]}.{m.python[1]} at {m.executable}"
    checks = [
        _ok("python", version)
        if m.python >= MIN_PYTHON
        else _fail("python", version, "Install Python 3.10 or newer from python.org.")
    ]
    if m.windows:
        low = m.executable.replace("/", "\\").lower()
        if "\\windowsapps\\" in low or "pythonsoftwarefoundation.python" in low:
            checks.append(
                _fail(
                    "store-python",
                    "Microsoft Store Python: Excel cannot start it reliably",
                    "Install Python from python.org, then run labelxl excel install with it.",
                )
            )
        else:
            checks.append(_ok("store-python", "not the Microsoft Store Python"))
    return checks


def xlwings_check(m: Machine) -> Check:
    from labelxl.excel.ready import TESTED_XLWINGS, tested

    if m.xlwings_version is None:
        return _fail(
            "xlwings", "the xlwings package is not installed", 'pip install "labelxl[excel]"'
        )
    if not tested(m.xlwings_version):
        return _warn(
            "xlwings",
            f"xlwings {m.xlwings_version} is outside the tested range xlwings{TESTED_XLWINGS}",
            f'pip install "xlwings{TESTED_XLWINGS}", then rebuild the workbooks',
        )
    return _ok("xlwings", f"xlwings {m.xlwings_version} is installed (tested range)")


def addin_check(m: Machine) -> Check:
    from labelxl.excel.ready import workbook_version

    if not m.addin_file.is_file():
        return _ok("addin", "xlwings add-in not installed (the ready workbooks do not need it)")
    found = workbook_version(m.addin_file)
    if found is not None and found == m.xlwings_version:
        return _ok("addin", f"add-in {found} matches the package")
    return _fail(
        "addin",
        f"add-in {found or 'of unknown version'} vs package {m.xlwings_version}",
        "Run labelxl excel install to copy the matching add-in.",
    )


def interpreter_checks(m: Machine, config: dict[str, str]) -> list[Check]:
    """INTERPRETER_WIN/MAC, or on Windows in a conda environment the CONDA keys."""
    conda = m.conda if m.windows else None
    if conda is not None:
        path, env = conda
        have = (config.get("CONDA PATH", ""), config.get("CONDA ENV", ""))
        if have != (path, env):
            return [
                _fail(
                    "conda",
                    f"this Python runs in conda environment {env!r}, but {m.config_file} has "
                    f"CONDA PATH = {have[0] or '(not set)'}, CONDA ENV = {have[1] or '(not set)'}",
                    "Run labelxl excel install inside the environment (conda activate "
                    f"{env}): it writes the conda keys as xlwings config does.",
                )
            ]
        if config.get(m.interpreter_key):
            return [
                _warn(
                    "conda",
                    f"{m.interpreter_key} is set as well as the conda keys: the cell functions "
                    "then start Python without conda activate (numpy/scipy DLLs can fail)",
                    f"Remove the {m.interpreter_key} line from {m.config_file} "
                    "(labelxl excel install does).",
                )
            ]
        return [_ok("conda", f"CONDA PATH = {path}, CONDA ENV = {env}: conda activate runs first")]
    interpreter = config.get(m.interpreter_key, "")
    if interpreter and Path(interpreter).is_file():
        return [_ok("config-interpreter", f"{m.interpreter_key} = {interpreter}")]
    return [
        _fail(
            "config-interpreter",
            f"{m.interpreter_key} = {interpreter or '(not set)'} in {m.config_file}",
            "Run labelxl excel install with the Python that has labelxl.",
        )
    ]


def _sep(path: str) -> str:
    """Windows paths use backslashes; the tests build the same layout under a POSIX tmp dir."""
    return "/" if "/" in path and "\\" not in path else "\\"


def _parent(path: str) -> str:
    """xlwings' VBA ParentFolder: everything before the last path separator."""
    cut = max(path.rfind("\\"), path.rfind("/"))
    return path[:cut] if cut > 0 else path


def dll_folders(m: Machine, config: dict[str, str]) -> list[str]:
    """Where xlwings' VBA (XLPyLoadDLL) looks for xlwings64-<version>.dll, in order."""
    python = config.get("INTERPRETER_WIN") or config.get("INTERPRETER") or "pythonw"
    conda_path, conda_env = config.get("CONDA PATH", ""), config.get("CONDA ENV", "")
    if python in ("python", "pythonw") and conda_path and conda_env:
        s = _sep(conda_path)
        if conda_env == "base":
            python = f"{conda_path}{s}{python}"
        elif s in conda_env:
            python = f"{conda_env}{s}{python}"
        else:
            python = f"{conda_path}{s}envs{s}{conda_env}{s}{python}"
    if python in ("python", "pythonw"):
        return []  # no explicit folder: Windows' DLL search (PATH) decides
    return [_parent(python), _parent(_parent(python))]


def dll_check(m: Machine, config: dict[str, str], versions: Iterable[str]) -> list[Check]:
    checks = []
    folders = dll_folders(m, config)
    for version in sorted(set(versions)):
        names = [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]
        if not folders:
            checks.append(
                _warn(
                    "dll",
                    f"no interpreter configured: Excel looks for {names[0]} on PATH only",
                    "Run labelxl excel install.",
                )
            )
            continue
        found = [f"{d}{_sep(d)}{n}" for d in folders for n in names if Path(d, n).is_file()]
        if found:
            checks.append(_ok("dll", f"{found[0]} (where the VBA looks for it)"))
            continue
        user = Path(m.env.get("APPDATA", str(m.home / "AppData" / "Roaming")), "Python")
        stray = (
            sorted(str(p) for p in user.glob(f"xlwings*-{version}.dll")) if user.is_dir() else []
        )
        why = (
            f"it is in {stray[0]}: pip install --user put it where the VBA does not look"
            if stray
            else "antivirus quarantine, or xlwings installed with pip --user or from another Python"
        )
        checks.append(
            _fail(
                "dll",
                f"{names[0]} is in neither {' nor '.join(folders)} ({why}); the LX_ cell "
                "functions cannot load",
                f'"{m.executable}" -m pip install --force-reinstall --no-user '
                f'"xlwings=={version}"  (then check your antivirus did not remove the DLL)',
            )
        )
    return checks


def access_vbom_check(m: Machine) -> Check:
    """'Trust access to the VBA project object model' (needed by Import LX_ functions)."""
    for office in OFFICE_VERSIONS:
        policy = m.registry(
            "HKCU", rf"Software\Policies\Microsoft\Office\{office}\Excel\Security", "AccessVBOM"
        )
        if policy is not None and int(str(policy)) != 1:
            return _fail(
                "access-vbom",
                "your organisation's policy turns off access to the VBA project, so 'Import "
                "LX_ functions' cannot work (the buttons still do)",
                "Ask IT to allow 'Trust access to the VBA project object model', or use the "
                "labelxl command line / xlwings Lite for the cell functions.",
            )
        value = m.registry(
            "HKCU", rf"Software\Microsoft\Office\{office}\Excel\Security", "AccessVBOM"
        )
        if value is not None:
            if int(str(value)) == 1:
                return _ok("access-vbom", "Trust access to the VBA project object model is on")
            break
    key = rf"HKCU\Software\Microsoft\Office\{OFFICE_VERSIONS[0]}\Excel\Security"
    return _warn(
        "access-vbom",
        "'Trust access to the VBA project object model' is off: 'Import LX_ functions' and "
        "labelxl excel ready --compile will fail (the buttons work)",
        "Excel: File › Options › Trust Center › Trust Center Settings › Macro Settings › "
        f"tick 'Trust access to the VBA project object model' (or: reg add {key} /v "
        "AccessVBOM /t REG_DWORD /d 1 /f), then restart Excel.",
    )


def zone_check(m: Machine, book: Path) -> Check | None:
    """The mark of the web: Office blocks macros of files from the Internet zone."""
    text = m.zone(book)
    if not text:
        return None
    match = re.search(r"ZoneId\s*=\s*(\d+)", text)
    zone = int(match.group(1)) if match else 3
    if zone not in BLOCKED_ZONES:
        return _info(f"blocked {book.name}", f"marked as from zone {zone} (not blocked)")
    return _fail(
        f"blocked {book.name}",
        f"downloaded from the {BLOCKED_ZONES[zone]} zone: Office blocks its macros (red bar "
        "'Microsoft has blocked macros', no Enable Content button)",
        f'Close it, then in PowerShell: Unblock-File -Path "{book}"  (or right-click › '
        "Properties › tick Unblock). Better: build your own with labelxl excel ready.",
    )


def workbook_checks(m: Machine, books: list[Path], folder: Path | None) -> list[Check]:
    from labelxl.excel.ready import workbook_version

    checks: list[Check] = []
    for book in books:
        if m.windows:
            zone = zone_check(m, book)
            if zone is not None:
                checks.append(zone)
        found = workbook_version(book)
        name = f"workbook {book.name}"
        if found is None:
            checks.append(_info(name, "no xlwings VBA inside (not a labelxl ready workbook)"))
        elif found == m.xlwings_version:
            checks.append(_ok(name, f"its xlwings VBA {found} matches the installed xlwings"))
        else:
            checks.append(
                _fail(
                    name,
                    f"its xlwings VBA is {found}, the installed xlwings is {m.xlwings_version}: "
                    f"it loads xlwings64-{found}.dll"
                    + (f" and xlwings-{found}.applescript" if m.mac else ""),
                    f"Rebuild it: {rebuild_command(folder or book.parent)}  "
                    f'(or pip install "xlwings=={found}")',
                )
            )
    return checks


def runpython_checks(m: Machine, versions: Iterable[str]) -> list[Check]:
    """macOS: RunPython calls xlwings-<VBA version>.applescript, one per workbook version."""
    checks = []
    for version in sorted(set(versions)):
        script = m.applescript_file(version)
        if script.is_file():
            checks.append(_ok("runpython", f"RunPython helper {script.name}"))
        else:
            checks.append(
                _fail(
                    "runpython",
                    f"RunPython helper {script.name} is missing (workbooks with xlwings VBA "
                    f"{version} call it)",
                    "Run: xlwings runpython install"
                    + ("" if version == m.xlwings_version else f" with xlwings=={version}"),
                )
            )
    return checks


def global_udf_check(config: dict[str, str]) -> Check:
    modules = [p.strip() for p in config.get("UDF MODULES", "").split(";")]
    if UDF_MODULE in modules:
        return _warn(
            "global-udf-modules",
            f"your user xlwings.conf lists {UDF_MODULE} in UDF MODULES, so every other "
            "xlwings workbook imports it too",
            "Run labelxl excel install (it removes it; the ready workbooks carry it).",
        )
    return _ok("global-udf-modules", "UDF MODULES of your user config is left to you")


def onedrive_check(m: Machine, folder: Path, config: dict[str, str]) -> Check | None:
    roots = {var: Path(m.env[var]) for var in ONEDRIVE_VARS if m.env.get(var)}
    inside = [var for var, root in roots.items() if _is_under(folder, root)]
    if not inside:
        return None
    key = "ONEDRIVE_COMMERCIAL" if "Commercial" in inside[0] else "ONEDRIVE_CONSUMER"
    key += "_MAC" if m.mac else "_WIN"
    if config.get(key):
        return _ok("onedrive", f"{folder} is inside OneDrive; {key} is set")
    return _warn(
        "onedrive",
        f"{folder} is inside OneDrive ({inside[0]}): Excel may report its files as https:// "
        "addresses, so Refresh cannot read the sibling workbooks",
        f'Add "{key}","{roots[inside[0]]}" to {m.config_file}, or keep the workbooks in a '
        "folder outside OneDrive.",
    )


def import_check(importer: Callable[[str], object], level_on_error: str) -> Check:
    try:
        importer(UDF_MODULE)
    except Exception as exc:
        fix = 'pip install --upgrade "labelxl[excel]"'
        message = f"{UDF_MODULE} fails to import: {exc}"
        return (
            _fail("udfs-import", message, fix)
            if level_on_error == "fail"
            else _info("udfs-import", message, fix)
        )
    return _ok("udfs-import", f"{UDF_MODULE} imports")


# --------------------------------------------------------------------------- doctor


def doctor(
    machine: Machine | None = None,
    *,
    folder: Path | None = None,
    workbooks: list[Path] | None = None,
    importer: Callable[[str], object] = importlib.import_module,
) -> list[Check]:
    """Check what makes Excel + labelxl work; every check that is not ok says how to fix it."""
    from labelxl.excel.ready import workbook_version

    m = machine or Machine.current()
    books = list(workbooks or [])
    if not (m.windows or m.mac) or not m.excel:
        where = (
            "no desktop Excel on this system"
            if not (m.windows or m.mac)
            else ("desktop Excel was not found")
        )
        checks = [
            _info(
                "platform",
                f"{m.platform}: {where}; the labelxl command line works here, and xlwings "
                "Lite runs inside Excel anywhere",
                "Run labelxl validate/refresh/deck in a terminal, or use xlwings Lite "
                "(lite/README.md).",
            ),
            *python_checks(m),
            _info(
                "xlwings", f"xlwings {m.xlwings_version or 'not installed'} (used in Excel only)"
            ),
            import_check(importer, "info"),
        ]
        checks += [
            _info(f"workbook {b.name}", f"xlwings VBA {workbook_version(b) or 'none'}")
            for b in books
        ]
        return checks
    checks = [_ok("platform", f"{m.platform}: desktop Excel is installed")]
    checks += python_checks(m)
    checks.append(xlwings_check(m))
    checks.append(addin_check(m))
    config = read_config(m.config_file)
    checks += interpreter_checks(m, config)
    versions = [v for v in (workbook_version(b) for b in books) if v]
    if m.windows and m.xlwings_version:
        # the installed xlwings' DLL; a workbook of another version is reported (with the
        # rebuild command) by its own check below, not twice
        checks += dll_check(m, config, [m.xlwings_version])
        checks.append(access_vbom_check(m))
        checks.append(global_udf_check(config))
    if m.mac:
        checks += runpython_checks(m, versions or [m.xlwings_version or ""])
    checks += workbook_checks(m, books, folder)
    if folder is not None:
        one = onedrive_check(m, folder, config)
        if one is not None:
            checks.append(one)
    checks.append(import_check(importer, "fail"))
    return checks


def _is_under(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return False
    return True
