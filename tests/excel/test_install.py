"""Setup and doctor on simulated Windows/macOS/Linux machines (no Excel, nothing installed).

The Windows facts come through the ``Machine`` seams: a registry reader, a Zone.Identifier
reader, the environment, and folders under tmp_path laid out as on Windows.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import xlwings
from click.testing import CliRunner

from labelxl.excel import doctor as doc
from labelxl.excel import install as inst
from labelxl.excel.cli import doctor as doctor_cmd
from labelxl.excel.cli import excel as excel_group

ADDIN = Path(xlwings.__file__).resolve().parent / "addin" / "xlwings.xlam"


TRUSTED = {("HKCU", r"Software\Microsoft\Office\16.0\Excel\Security", "AccessVBOM"): 1}
EXCEL = {("HKCR", r"Excel.Application\CurVer", ""): "Excel.Application.16"}


def registry(values: dict[tuple[str, str, str], object]):
    return lambda hive, key, name: values.get((hive, key, name))


def machine(tmp_path: Path, platform: str = "win32", **kw: Any) -> inst.Machine:
    python = tmp_path / "Python312" / "python.exe"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.touch()
    (python.parent / f"xlwings64-{xlwings.__version__}.dll").touch()  # where pip puts it
    app = tmp_path / "Applications" / "Microsoft Excel.app"
    app.mkdir(parents=True, exist_ok=True)
    base = dict(
        platform=platform,
        executable=str(python),
        home=tmp_path / "home",
        env={"APPDATA": str(tmp_path / "home" / "AppData" / "Roaming")},
        python=(3, 12),
        xlwings_version=xlwings.__version__,
        registry=registry({**TRUSTED, **EXCEL}),
        excel_app=app,
    )
    base.update(kw)
    return inst.Machine(**base)  # type: ignore[arg-type]


def by_name(checks: list[doc.Check]) -> dict[str, doc.Check]:
    return {c.name: c for c in checks}


def not_ok(checks: list[doc.Check]) -> dict[str, str]:
    return {c.name: c.status for c in checks if c.status != "ok"}


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
        "UDF MODULES": "mymodule",  # the user's global setting is not touched
    }
    inst.install(m, addin_installer=None)  # idempotent
    assert inst.read_config(m.config_file) == config


def test_install_takes_back_the_global_udf_module_an_older_labelxl_wrote(tmp_path) -> None:
    m = machine(tmp_path)
    m.config_file.parent.mkdir(parents=True)
    m.config_file.write_text('"UDF MODULES","mymodule;labelxl.excel.udfs"\n')
    done = inst.install(m, addin_installer=None)
    assert inst.read_config(m.config_file)["UDF MODULES"] == "mymodule"
    assert "removed labelxl.excel.udfs" in done[0]
    m.config_file.write_text('"UDF MODULES","labelxl.excel.udfs"\n')
    inst.install(m, addin_installer=None)
    assert "UDF MODULES" not in inst.read_config(m.config_file)


def test_install_in_conda_writes_the_conda_keys_as_xlwings_config_does(tmp_path) -> None:
    env = {
        "CONDA_DEFAULT_ENV": "team",
        "CONDA_EXE": "C:\\Users\\ana\\miniconda3\\Scripts\\conda.exe",
    }
    m = machine(tmp_path, env=env)
    m.config_file.parent.mkdir(parents=True)
    m.config_file.write_text('"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    inst.install(m, addin_installer=None)
    # xlwings.cli.config_create: the conda keys *instead of* the interpreter
    assert inst.read_config(m.config_file) == {
        "CONDA PATH": "C:\\Users\\ana\\miniconda3",
        "CONDA ENV": "team",
    }
    checks = by_name(doc.doctor(m, importer=lambda n: None))
    assert checks["conda"].ok and "conda activate" in checks["conda"].message
    # a stale interpreter line next to the conda keys is named
    m.config_file.write_text(m.config_file.read_text() + f'"INTERPRETER_WIN","{m.executable}"\n')
    assert by_name(doc.doctor(m, importer=lambda n: None))["conda"].status == "warn"
    # no conda keys at all: fail with the command that writes them
    m.config_file.write_text("")
    conda = by_name(doc.doctor(m, importer=lambda n: None))["conda"]
    assert conda.status == "fail" and "conda activate team" in conda.fix


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
    checks = doc.doctor(m, importer=lambda name: None)
    assert not_ok(checks) == {}
    assert {
        "platform",
        "python",
        "store-python",
        "xlwings",
        "addin",
        "config-interpreter",
        "dll",
        "access-vbom",
        "global-udf-modules",
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

    checks = by_name(doc.doctor(m, importer=broken))
    failed = {n for n, c in checks.items() if not c.ok}
    assert failed == {
        "store-python",
        "addin",
        "config-interpreter",
        "udfs-import",
    }
    assert "python.org" in checks["store-python"].fix
    assert xlwings.__version__ in checks["addin"].message
    assert all(checks[n].fix for n in failed)


def test_doctor_checks_ready_workbooks_against_the_package(tmp_path) -> None:
    from labelxl.io.paths import workbooks_dir

    books = sorted((workbooks_dir() / "ready").glob("*.xlsm"))[:1]
    ok = by_name(doc.doctor(machine(tmp_path), workbooks=books, importer=lambda n: None))
    assert ok[f"workbook {books[0].name}"].ok
    old = by_name(
        doc.doctor(
            machine(tmp_path, xlwings_version="0.31.0"),
            folder=books[0].parent,
            workbooks=books,
            importer=lambda n: None,
        )
    )
    assert not old[f"workbook {books[0].name}"].ok
    assert f"xlwings=={xlwings.__version__}" in old[f"workbook {books[0].name}"].fix
    # …and the command that rebuilds it from the installed xlwings
    assert f'labelxl excel ready "{books[0].parent}"' in old[f"workbook {books[0].name}"].fix


def test_doctor_mac_runpython_helper_and_onedrive(tmp_path) -> None:
    onedrive = tmp_path / "OneDrive - Contoso"
    team = onedrive / "team"
    team.mkdir(parents=True)
    m = machine(tmp_path, "darwin", env={"OneDriveCommercial": str(onedrive)})
    checks = by_name(doc.doctor(m, folder=team, importer=lambda n: None))
    assert not checks["runpython"].ok and "runpython install" in checks["runpython"].fix
    # OneDrive is a warning (things may work), not a failure
    assert checks["onedrive"].status == "warn"
    assert "ONEDRIVE_COMMERCIAL_MAC" in checks["onedrive"].fix
    assert "global-udf-modules" not in checks and "dll" not in checks  # Windows only


def test_doctor_on_linux_points_to_cli_and_lite(tmp_path) -> None:
    checks = by_name(doc.doctor(machine(tmp_path, "linux"), importer=lambda n: None))
    assert checks["platform"].status == "info" and "Lite" in checks["platform"].fix
    assert "addin" not in checks
    assert all(c.status in ("ok", "info") for c in checks.values())


def test_doctor_on_a_mac_without_excel_is_information(tmp_path) -> None:
    m = machine(tmp_path, "darwin", excel_app=tmp_path / "nowhere" / "Microsoft Excel.app")
    checks = doc.doctor(m, importer=lambda n: (_ for _ in ()).throw(ImportError("no xlwings")))
    assert not_ok(checks) == {"platform": "info", "xlwings": "info", "udfs-import": "info"}
    assert "not found" in by_name(checks)["platform"].message


def test_cli_install_exit_code_2_off_windows_and_mac(monkeypatch) -> None:
    monkeypatch.setattr(
        inst.Machine,
        "current",
        classmethod(lambda cls: inst.Machine("linux", "/usr/bin/python3", Path("/nonexistent"))),
    )
    result = CliRunner().invoke(excel_group, ["install", "--no-addin"])
    assert result.exit_code == 2
    assert "Windows or macOS" in result.output


def test_cli_doctor_on_linux_is_informational_and_exits_0(monkeypatch, tmp_path) -> None:
    # issue 12 item 13: a platform without Excel is information, not a failure
    monkeypatch.setattr(
        inst.Machine, "current", classmethod(lambda cls: machine(tmp_path, "linux"))
    )
    result = CliRunner().invoke(doctor_cmd, [])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert "info platform: linux" in result.output and "0 to fix" in result.output


def test_cli_doctor_exits_1_when_a_check_fails(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(
        inst.Machine, "current", classmethod(lambda cls: machine(tmp_path, python=(3, 9)))
    )
    result = CliRunner().invoke(doctor_cmd, [])
    assert result.exit_code == 1
    assert "FAIL python" in result.output and "fix: Install Python 3.10" in result.output


def test_cli_commands_have_help() -> None:
    for args in (["install", "--help"], ["ready", "--help"], ["selftest", "--help"]):
        result = CliRunner().invoke(excel_group, args)
        assert result.exit_code == 0 and len(result.output) > 80
    assert CliRunner().invoke(doctor_cmd, ["--help"]).exit_code == 0


def test_commands_are_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")
    for command in (
        "labelxl excel install",
        "labelxl excel ready",
        "labelxl excel selftest",
        "labelxl doctor",
        "--compile",
        "Unblock-File",
    ):
        assert command in docs


# --------------------------------------------------------------------------- Windows seams

VERSION = xlwings.__version__


def write_conf(m: inst.Machine, **keys: str) -> None:
    inst.write_config(
        m.config_file,
        {k.replace("_", " ") if k.startswith("CONDA") else k: v for k, v in keys.items()},
    )


def test_dll_next_to_python_or_one_folder_up_as_the_vba_looks(tmp_path) -> None:
    m = machine(tmp_path)
    write_conf(m, INTERPRETER_WIN=m.executable)
    assert by_name(doc.doctor(m, importer=lambda n: None))["dll"].ok
    # a virtualenv: python.exe in Scripts, the DLL in the venv root (one folder up)
    venv = tmp_path / "venv"
    (venv / "Scripts").mkdir(parents=True)
    (venv / "Scripts" / "python.exe").touch()
    (venv / f"xlwings64-{VERSION}.dll").touch()
    write_conf(m, INTERPRETER_WIN=str(venv / "Scripts" / "python.exe"))
    dll = by_name(doc.doctor(m, importer=lambda n: None))["dll"]
    assert dll.ok and str(venv / f"xlwings64-{VERSION}.dll") in dll.message


def test_dll_missing_after_pip_user_install_is_explained(tmp_path) -> None:
    m = machine(tmp_path)
    (Path(m.executable).parent / f"xlwings64-{VERSION}.dll").unlink()
    user = Path(m.env["APPDATA"]) / "Python"
    user.mkdir(parents=True)
    (user / f"xlwings64-{VERSION}.dll").touch()  # where pip --user puts the data files
    write_conf(m, INTERPRETER_WIN=m.executable)
    dll = by_name(doc.doctor(m, importer=lambda n: None))["dll"]
    assert dll.status == "fail"
    assert "pip install --user" in dll.message and str(user) in dll.message
    assert f'--no-user "xlwings=={VERSION}"' in dll.fix


def test_a_workbook_of_another_version_is_reported_once_with_the_rebuild(tmp_path) -> None:
    from labelxl.io.paths import workbooks_dir

    m = machine(tmp_path, xlwings_version="0.33.15")  # pip installed 0.33.15 and its DLL
    (Path(m.executable).parent / f"xlwings64-{VERSION}.dll").unlink()
    (Path(m.executable).parent / "xlwings64-0.33.15.dll").touch()
    write_conf(m, INTERPRETER_WIN=m.executable)
    books = sorted((workbooks_dir() / "ready").glob("*.xlsm"))[:1]  # their VBA is VERSION
    checks = by_name(
        doc.doctor(m, folder=books[0].parent, workbooks=books, importer=lambda n: None)
    )
    assert checks["dll"].ok and "0.33.15" in checks["dll"].message
    book = checks[f"workbook {books[0].name}"]
    assert book.status == "fail" and f"xlwings64-{VERSION}.dll" in book.message
    assert book.fix.startswith(f'Rebuild it: labelxl excel ready "{books[0].parent}"')


def test_dll_in_the_conda_environment(tmp_path) -> None:
    conda = tmp_path / "miniconda3"
    env = conda / "envs" / "team"
    env.mkdir(parents=True)
    (env / f"xlwings64-{VERSION}.dll").touch()
    m = machine(
        tmp_path,
        env={"CONDA_DEFAULT_ENV": "team", "CONDA_EXE": str(conda / "Scripts" / "conda.exe")},
    )
    inst.install(m, addin_installer=None)
    checks = by_name(doc.doctor(m, importer=lambda n: None))
    assert checks["conda"].ok
    assert checks["dll"].ok and str(env) in checks["dll"].message
    assert doc.dll_folders(m, {"CONDA PATH": "C:\\c", "CONDA ENV": "base"}) == ["C:\\c", "C:"]


def test_access_vbom_read_from_the_registry(tmp_path) -> None:
    key = r"Software\Microsoft\Office\16.0\Excel\Security"
    policy = r"Software\Policies\Microsoft\Office\16.0\Excel\Security"
    for values, status in [
        ({("HKCU", key, "AccessVBOM"): 1}, "ok"),
        ({("HKCU", key, "AccessVBOM"): 0}, "warn"),
        ({}, "warn"),  # never set: Excel's default is off
        ({("HKCU", key, "AccessVBOM"): 1, ("HKCU", policy, "AccessVBOM"): 0}, "fail"),
        ({("HKCU", r"Software\Microsoft\Office\15.0\Excel\Security", "AccessVBOM"): 1}, "ok"),
    ]:
        m = machine(tmp_path, registry=registry({**EXCEL, **values}))
        check = by_name(doc.doctor(m, importer=lambda n: None))["access-vbom"]
        assert check.status == status, values
    off = by_name(doc.doctor(machine(tmp_path, registry=registry(EXCEL)), importer=lambda n: None))
    assert "Trust access to the VBA project object model" in off["access-vbom"].fix
    assert "AccessVBOM /t REG_DWORD /d 1" in off["access-vbom"].fix


def test_downloaded_workbooks_are_named_with_the_unblock_command(tmp_path) -> None:
    from labelxl.excel.ready import build_ready_workbooks

    folder = tmp_path / "team folder"
    books = build_ready_workbooks(folder, demo=False)
    marks = {
        books[0]: "[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://mail.example.com/x\r\n",
        books[1]: "[ZoneTransfer]\r\nZoneId=1\r\n",  # local intranet: not blocked
    }
    m = machine(tmp_path, zone=lambda p: marks.get(p))
    checks = by_name(doc.doctor(m, folder=folder, workbooks=books, importer=lambda n: None))
    blocked = checks[f"blocked {books[0].name}"]
    assert blocked.status == "fail" and "Internet" in blocked.message
    assert f'Unblock-File -Path "{books[0]}"' in blocked.fix and "Properties" in blocked.fix
    assert checks[f"blocked {books[1].name}"].status == "info"
    assert f"blocked {books[2].name}" not in checks  # written here: no mark at all
    assert all(checks[f"workbook {b.name}"].ok for b in books)  # built from this xlwings


def test_no_excel_in_the_registry_is_information(tmp_path) -> None:
    m = machine(tmp_path, registry=registry(TRUSTED))
    checks = doc.doctor(m, importer=lambda n: None)
    assert by_name(checks)["platform"].status == "info"
    assert all(c.status in ("ok", "info") for c in checks)
