"""Setup and doctor on simulated Windows/macOS/Linux machines (no Excel, nothing installed)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import xlwings
from click.testing import CliRunner

from labelxl.excel import install as inst
from labelxl.excel.cli import doctor as doctor_cmd
from labelxl.excel.cli import excel as excel_group

ADDIN = Path(xlwings.__file__).resolve().parent / "addin" / "xlwings.xlam"


def machine(tmp_path: Path, platform: str = "win32", **kw: Any) -> inst.Machine:
    python = tmp_path / "Python312" / "python.exe"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.touch()
    base = dict(
        platform=platform,
        executable=str(python),
        home=tmp_path / "home",
        env={"APPDATA": str(tmp_path / "home" / "AppData" / "Roaming")},
        python=(3, 12),
        xlwings_version=xlwings.__version__,
    )
    base.update(kw)
    return inst.Machine(**base)  # type: ignore[arg-type]


def by_name(checks: list[inst.Check]) -> dict[str, inst.Check]:
    return {c.name: c for c in checks}


def test_install_refuses_linux_with_a_plain_reason(tmp_path) -> None:
    with pytest.raises(inst.UnsupportedPlatformError, match="Windows or macOS"):
        inst.install(machine(tmp_path, "linux"), addin_installer=None)


def test_install_writes_config_keeping_other_lines(tmp_path) -> None:
    m = machine(tmp_path)
    m.config_file.parent.mkdir(parents=True)
    m.config_file.write_text(
        '"CONDA PATH","C:\\conda"\n"UDF MODULES","mymodule"\n'
        '"INTERPRETER_WIN","C:\\old\\python.exe"\n'
    )
    calls: list[str] = []
    done = inst.install(m, addin_installer=lambda: calls.append("addin"))
    assert calls == ["addin"] and len(done) == 2
    config = inst.read_config(m.config_file)
    assert config == {
        "CONDA PATH": "C:\\conda",
        "INTERPRETER_WIN": m.executable,
        "UDF MODULES": "mymodule;labelxl.excel.udfs",
    }
    inst.install(m, addin_installer=None)  # idempotent
    assert inst.read_config(m.config_file)["UDF MODULES"] == "mymodule;labelxl.excel.udfs"


def test_mac_config_goes_to_the_excel_sandbox(tmp_path) -> None:
    m = machine(tmp_path, "darwin")
    inst.install(m, addin_installer=None)
    assert "com.microsoft.Excel" in str(m.config_file)
    assert inst.read_config(m.config_file)["INTERPRETER_MAC"] == m.executable


def test_doctor_all_green_after_install(tmp_path) -> None:
    m = machine(tmp_path)
    inst.install(m, addin_installer=None)
    m.addin_file.parent.mkdir(parents=True)
    shutil.copy(ADDIN, m.addin_file)
    checks = inst.doctor(m, importer=lambda name: None)
    assert [c.name for c in checks if not c.ok] == []
    assert {
        "platform",
        "python",
        "store-python",
        "xlwings",
        "addin",
        "config-interpreter",
        "config-udf-modules",
        "udfs-import",
    } <= set(by_name(checks))


def test_doctor_names_each_problem_and_its_fix(tmp_path) -> None:
    store = str(
        tmp_path / "AppData/Local/Microsoft/WindowsApps/PythonSoftwareFoundation.Python"
        ".3.12_qbz5n2kfra8p0/python.exe"
    )
    m = machine(tmp_path, executable=store, xlwings_version="0.30.0")
    m.addin_file.parent.mkdir(parents=True)
    shutil.copy(ADDIN, m.addin_file)

    def broken(name: str) -> None:
        raise ImportError("No module named 'scipy'")

    checks = by_name(inst.doctor(m, importer=broken))
    failed = {n for n, c in checks.items() if not c.ok}
    assert failed == {
        "store-python",
        "addin",
        "config-interpreter",
        "config-udf-modules",
        "udfs-import",
    }
    assert "python.org" in checks["store-python"].fix
    assert xlwings.__version__ in checks["addin"].message
    assert all(checks[n].fix for n in failed)


def test_doctor_checks_ready_workbooks_against_the_package(tmp_path) -> None:
    from labelxl.io.paths import workbooks_dir

    books = sorted((workbooks_dir() / "ready").glob("*.xlsm"))[:1]
    ok = by_name(inst.doctor(machine(tmp_path), workbooks=books, importer=lambda n: None))
    assert ok[f"workbook {books[0].name}"].ok
    old = by_name(
        inst.doctor(
            machine(tmp_path, xlwings_version="0.31.0"), workbooks=books, importer=lambda n: None
        )
    )
    assert not old[f"workbook {books[0].name}"].ok
    assert f"xlwings=={xlwings.__version__}" in old[f"workbook {books[0].name}"].fix


def test_doctor_mac_runpython_helper_and_onedrive(tmp_path) -> None:
    onedrive = tmp_path / "OneDrive - Contoso"
    team = onedrive / "team"
    team.mkdir(parents=True)
    m = machine(tmp_path, "darwin", env={"OneDriveCommercial": str(onedrive)})
    checks = by_name(inst.doctor(m, folder=team, importer=lambda n: None))
    assert not checks["runpython"].ok and "runpython install" in checks["runpython"].fix
    assert not checks["onedrive"].ok and "ONEDRIVE_COMMERCIAL_MAC" in checks["onedrive"].fix
    assert checks["config-udf-modules"].ok  # UDFs do not exist on macOS: nothing to fix


def test_doctor_on_linux_points_to_cli_and_lite(tmp_path) -> None:
    checks = by_name(inst.doctor(machine(tmp_path, "linux"), importer=lambda n: None))
    assert not checks["platform"].ok and "Lite" in checks["platform"].fix
    assert "addin" not in checks


def test_cli_install_exit_code_2_off_windows_and_mac(monkeypatch) -> None:
    monkeypatch.setattr(
        inst.Machine,
        "current",
        classmethod(lambda cls: inst.Machine("linux", "/usr/bin/python3", Path("/nonexistent"))),
    )
    result = CliRunner().invoke(excel_group, ["install", "--no-addin"])
    assert result.exit_code == 2
    assert "Windows or macOS" in result.output


def test_cli_doctor_prints_checks_and_fails_here() -> None:
    result = CliRunner().invoke(doctor_cmd, [])
    assert "udfs-import" in result.output and "to fix" in result.output
    assert result.exit_code == (0 if "FAIL" not in result.output else 1)


def test_cli_commands_have_help() -> None:
    for args in (["install", "--help"], ["ready", "--help"]):
        result = CliRunner().invoke(excel_group, args)
        assert result.exit_code == 0 and len(result.output) > 80
    assert CliRunner().invoke(doctor_cmd, ["--help"]).exit_code == 0


def test_commands_are_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")
    for command in ("labelxl excel install", "labelxl excel ready", "labelxl doctor"):
        assert command in docs
