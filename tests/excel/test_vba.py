"""The minimal VBA project reader: module sources and procedure names."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlwings

from labelxl.excel import vba

XLWINGS = Path(xlwings.__file__).resolve().parent


def test_reads_the_standalone_quickstart_project() -> None:
    project = vba.project_of(XLWINGS / "quickstart_standalone.xlsm")
    sources = vba.module_sources(project)
    assert {"ThisWorkbook", "Sheet1", "Module1", "xlwings"} <= set(sources)
    assert 'RunPython "import " & mymodule' in sources["Module1"]
    names = {(p.module, p.name, p.kind) for p in vba.procedures(project)}
    assert ("xlwings", "RunPython", "Function") in names
    assert ("Module1", "SampleCall", "Sub") in names
    assert vba.xlwings_version(project) == xlwings.__version__


def test_addin_version_matches_package() -> None:
    project = vba.project_of(XLWINGS / "addin" / "xlwings.xlam")
    assert vba.xlwings_version(project) == xlwings.__version__


def test_decompress_literal_and_copy_tokens() -> None:
    # [MS-OVBA] 3.2.3 "Example 2" (mixed literal and copy tokens).
    compressed = bytes.fromhex(
        "012FB00023616161626364658266007061676869"
        "6A013808616B6C00306D6E6F7006710270041072"
        "737475761077787 97A003C".replace(" ", "")
    )
    assert vba.decompress(compressed) == b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"


def test_rejects_non_projects(tmp_path) -> None:
    with pytest.raises(vba.VbaError):
        vba.cfb_streams(b"PK\x03\x04 not ole")
    with pytest.raises(vba.VbaError):
        vba.decompress(b"\x00abc")
    plain = tmp_path / "plain.xlsx"
    import zipfile

    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(vba.VbaError, match="no VBA project"):
        vba.project_of(plain)
