"""Tests for labelxl.io.ooxml: LX sheets go in, every user part comes out unchanged."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from python_calamine import CalamineWorkbook

from labelxl.errors import WorkbookError
from labelxl.io import ooxml
from labelxl.io.ooxml import OutputSheet, new_workbook, write_lx_sheets
from tests import soffice

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# The only parts the writer may edit in place; everything else must be byte-identical.
EDITABLE = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not on PATH; it is the second, stricter reader",
)
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"


# ---------------------------------------------------------------- fixture workbooks


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _vba_project(folder: Path) -> Path:
    """vbaProject.bin from the BSD-licensed quickstart workbook shipped inside xlwings."""
    xlwings = pytest.importorskip("xlwings", reason="xlwings ships the VBA project used here")
    src = Path(xlwings.__file__).parent / "quickstart.xlsm"
    target = folder / "vbaProject.bin"
    with zipfile.ZipFile(src) as zf:
        target.write_bytes(zf.read("xl/vbaProject.bin"))
    return target


def _rezip(path: Path, edit) -> None:
    """Rewrite a package through ``edit(parts: dict[name, bytes])``, keeping entry order."""
    with zipfile.ZipFile(path) as zf:
        order = [i.filename for i in zf.infolist()]
        parts = {n: zf.read(n) for n in order}
    edit(parts)
    order = [n for n in order if n in parts] + [n for n in parts if n not in order]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in order:
            zf.writestr(n, parts[n])


def _add_custom_xml(parts: dict[str, bytes]) -> None:
    parts["customXml/item1.xml"] = (
        b'<?xml version="1.0"?><labelxl-test xmlns="urn:x">kept</labelxl-test>'
    )
    parts["customXml/itemProps1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><ds:datastoreItem '
        b'ds:itemID="{6A4E8F2D-1B3C-4D5E-9F60-718293A4B5C6}" '
        b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        b"<ds:schemaRefs/></ds:datastoreItem>"
    )
    parts["customXml/_rels/item1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
        b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
        b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'customXmlProps" Target="itemProps1.xml"/></Relationships>'
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/customXml" Target="../customXml/item1.xml"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/customXml/itemProps1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.customXmlProperties+xml"/></Types>',
    )


def build_user_workbook(path: Path, *, vba: Path | None = None, lx_middle: bool = False) -> Path:
    """A workbook holding every kind of user content the writer must not lose."""
    book = xlsxwriter.Workbook(str(path))
    book.set_custom_property("Owner", "Trust & Safety ops")
    book.set_custom_property("Reviewed", True)
    book.set_properties({"title": "Tracker", "author": "A manager"})
    data = book.add_worksheet("Data")
    bold = book.add_format({"bold": True, "bg_color": "#FFFF00"})
    data.write_row(0, 0, ["project", "items", "share"], bold)
    for r, (p, n) in enumerate([("P1", 10), ("P2", 25), ("P3", 7), ("P4", 31)], start=1):
        data.write_row(r, 0, [p, n])
        data.write_formula(r, 2, f"=B{r + 1}/SUM($B$2:$B$5)")
    data.add_table("E1:F4", {"name": "UserTable", "columns": [{"header": "k"}, {"header": "v"}]})
    data.write_column("E2", ["a", "b", "c"])
    data.conditional_format("B2:B5", {"type": "cell", "criteria": ">", "value": 20, "format": bold})
    data.data_validation("A2:A5", {"validate": "list", "source": ["P1", "P2", "P3", "P4"]})
    data.write_comment("A1", "Project codes come from the planning tool.")
    data.write_formula("H1", "='LX Labelers'!A1")
    chart = book.add_chart({"type": "column"})
    chart.add_series({"categories": "=Data!$A$2:$A$5", "values": "=Data!$B$2:$B$5"})
    data.insert_chart("H3", chart)
    data.insert_image("D10", "logo.png", {"image_data": io.BytesIO(_png())})
    if lx_middle:
        # A user-edited LX sheet in the middle of the tabs, owning a comment and a table.
        lx = book.add_worksheet("LX Labelers")
        lx.write_row(0, 0, ["stale", "columns"])
        lx.write_comment("A2", "a user note on an LX sheet")
        lx.add_table("D1:E3", {"name": "UserOnLx"})
        lx.write_formula("A3", "=1+1")
    notes = book.add_worksheet("Notes")
    notes.write("A1", "Do not delete")
    notes.set_tab_color("#00AA00")
    book.define_name("TotalItems", "=Data!$B$2:$B$5")
    book.define_name("Notes!LocalName", "=Notes!$A$1")
    if vba is not None:
        book.add_vba_project(str(vba))
        book.set_vba_name("ThisWorkbook")
        data.set_vba_name("Sheet1")
        data.insert_button("J20", {"macro": "say_hello", "caption": "Press"})
    book.close()
    _rezip(path, _add_custom_xml)
    return path


def lx_labelers(n: int = 6, seed: int = 0) -> OutputSheet:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "person_id": [f"L{i:03d}" for i in range(n)],
            "period": ["2024-05"] * n,
            "items": rng.integers(0, 500, n),
            "productive_hours": rng.uniform(0, 160, n).round(2),
            "accuracy": rng.uniform(0.8, 1, n),
            "start": pd.date_range("2024-05-01", periods=n, freq="D"),
            "flag": rng.choice(["below", "above", "ok"], n),
            "rag": rng.choice(["Red", "Amber", "Green"], n),
            "cell": [f"Data!A{i + 2}" for i in range(n)],
        }
    )
    return OutputSheet(
        "LX Labelers",
        frame,
        formats={"accuracy": "pct", "productive_hours": "hours", "items": "int"},
        rag_columns=("rag",),
        flag_columns={"flag": {"below": "bad", "above": "good"}},
        links={"person_id": "cell"},
        title="Labelers, May 2024",
    )


def lx_summary(value: float = 0.93) -> OutputSheet:
    frame = pd.DataFrame({"kpi": ["accuracy", "note"], "value": [value, None]})
    return OutputSheet("LX Summary", frame)


def parts_of(path: Path) -> dict[str, tuple[bytes, int]]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: (zf.read(i), i.compress_type) for i in zf.infolist()}


def xml(path: Path, part: str) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(part))


def c14n(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """Originals and written copies, built once for the module (each is only read)."""
    root = tmp_path_factory.mktemp("books")
    out: dict[str, Path] = {}
    out["xlsx"] = build_user_workbook(root / "tracker.xlsx")
    out["xlsm"] = build_user_workbook(root / "macro.xlsm", vba=_vba_project(root))
    for kind in ("xlsx", "xlsm"):
        result = root / f"result.{kind}"
        write_lx_sheets(out[kind], [lx_labelers(), lx_summary()], out_path=result, keep_backups=0)
        out[f"{kind}-result"] = result
    return out


# ---------------------------------------------------------------- preservation


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_every_user_part_is_byte_identical(books, kind):
    before, after = parts_of(books[kind]), parts_of(books[f"{kind}-result"])
    # The fixture really contains what the test claims to protect.
    for needed in ("xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "xl/media/image1.png",
                   "xl/comments1.xml", "xl/tables/table1.xml", "docProps/custom.xml",
                   "customXml/item1.xml", "xl/sharedStrings.xml"):  # fmt: skip
        assert needed in before
    if kind == "xlsm":
        assert "xl/vbaProject.bin" in before
        assert any(n.endswith(".vml") for n in before)  # the form button's VML shape
    changed = {n for n in before if n not in after or after[n] != before[n]}
    assert changed <= EDITABLE, changed
    assert set(after) - set(before)  # the LX parts are new


def test_user_parts_keep_their_stored_bytes_and_the_zip_checks(books, tmp_path):
    """Not inflated and deflated again: each copied part keeps its compressed bytes (here
    deflated at level 1, as no default deflate would store them again)."""
    source = tmp_path / "fast.xlsm"
    with zipfile.ZipFile(books["xlsm"]) as a, zipfile.ZipFile(source, "w") as b:
        for info in a.infolist():
            b.writestr(info, a.read(info), zipfile.ZIP_DEFLATED, compresslevel=1)
    result = tmp_path / "result.xlsm"
    write_lx_sheets(source, [lx_summary()], out_path=result, keep_backups=0)
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(result) as b:
        assert b.testzip() is None  # every entry's CRC matches its data
        kept = [i for i in a.infolist() if i.filename not in EDITABLE]
        assert len(kept) > 10
        for info in kept:
            got = b.getinfo(info.filename)
            stored = (got.compress_type, got.compress_size, got.CRC)
            assert stored == (info.compress_type, info.compress_size, info.CRC), info.filename
            assert b.read(info.filename) == a.read(info.filename)


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_edited_parts_keep_everything_they_had(books, kind):
    src, res = books[kind], books[f"{kind}-result"]
    wb0, wb1 = xml(src, "xl/workbook.xml"), xml(res, "xl/workbook.xml")
    s0 = [dict(e.attrib) for e in wb0.iter(f"{NS}sheet")]
    s1 = [dict(e.attrib) for e in wb1.iter(f"{NS}sheet")]
    assert s1[: len(s0)] == s0
    assert [s["name"] for s in s1[len(s0) :]] == ["LX Labelers", "LX Summary"]
    assert len({s["sheetId"] for s in s1}) == len(s1)
    # The user's defined names are all kept; the only ones added are the LX sheets' print
    # titles (row 1 repeats on every printed page).
    names0 = [c14n(e) for e in wb0.iter(f"{NS}definedName")]
    names1 = [c14n(e) for e in wb1.iter(f"{NS}definedName")]
    assert [n for n in names1 if n in names0] == names0
    added = [(e.get("name"), e.text) for e in wb1.iter(f"{NS}definedName") if c14n(e) not in names0]
    assert added == [
        ("_xlnm.Print_Titles", "'LX Labelers'!$1:$1"),
        ("_xlnm.Print_Titles", "'LX Summary'!$1:$1"),
    ]
    for local in ("workbookPr", "bookViews"):
        assert c14n(wb0.find(f"{NS}{local}")) == c14n(wb1.find(f"{NS}{local}"))
    assert wb1.find(f"{NS}calcPr").get("fullCalcOnLoad") == "1"
    rels0 = {c14n(e) for e in xml(src, "xl/_rels/workbook.xml.rels")}
    assert rels0 <= {c14n(e) for e in xml(res, "xl/_rels/workbook.xml.rels")}
    ct0 = {c14n(e) for e in xml(src, "[Content_Types].xml")}
    assert ct0 <= {c14n(e) for e in xml(res, "[Content_Types].xml")}
    st0, st1 = xml(src, "xl/styles.xml"), xml(res, "xl/styles.xml")
    for container in st0:
        new = st1.find(container.tag)
        old_items = [c14n(e) for e in container]
        assert [c14n(e) for e in new][: len(old_items)] == old_items  # same entry, same index
        if new.get("count") is not None:
            assert int(new.get("count")) == len(new)
    ids = [int(e.get("numFmtId")) for e in st1.iter(f"{NS}numFmt")]
    assert len(ids) == len(set(ids)) and all(i >= 164 for i in ids)


def test_rerun_replaces_in_place_and_touches_only_lx_parts(books, tmp_path):
    first = tmp_path / "first.xlsx"
    shutil.copy(books["xlsx-result"], first)
    second = tmp_path / "second.xlsx"
    result = write_lx_sheets(
        first, [lx_summary(0.5), lx_labelers(9, seed=3)], out_path=second, keep_backups=0
    )
    assert result.replaced == ("LX Summary", "LX Labelers") and result.added == ()
    names = CalamineWorkbook.from_path(str(second)).sheet_names
    assert names == ["Data", "Notes", "LX Labelers", "LX Summary"]  # positions kept
    ids0 = [e.get("sheetId") for e in xml(first, "xl/workbook.xml").iter(f"{NS}sheet")]
    ids1 = [e.get("sheetId") for e in xml(second, "xl/workbook.xml").iter(f"{NS}sheet")]
    assert ids0 == ids1
    a, b = parts_of(first), parts_of(second)
    lx_owned = re.compile(
        r"xl/(worksheets/(_rels/)?sheet[34]\.xml(\.rels)?|tables/table[23]\.xml)$"
    )
    assert {n for n in a.keys() | b.keys() if a.get(n) != b.get(n)} == {
        n for n in a if lx_owned.match(n) and a[n] != b[n]
    }
    assert set(a) == set(b)  # old tables went, new tables took their names: no growth
    tables = [xml(second, n) for n in b if n.startswith("xl/tables/")]
    assert sorted(t.get("name") for t in tables) == ["LX_Labelers", "LX_Summary", "UserTable"]
    assert len({t.get("id") for t in tables}) == 3
    rows = CalamineWorkbook.from_path(str(second)).get_sheet_by_name("LX Labelers").to_python()
    assert len(rows) == 10  # header + 9: the new data, not the old


def test_user_edited_lx_sheet_in_the_middle_is_replaced_and_its_parts_removed(tmp_path):
    src = build_user_workbook(tmp_path / "mid.xlsx", lx_middle=True)
    before = parts_of(src)
    result = write_lx_sheets(src, [lx_labelers()], keep_backups=0)
    after = parts_of(src)
    assert result.replaced == ("LX Labelers",)
    assert CalamineWorkbook.from_path(str(src)).sheet_names == ["Data", "LX Labelers", "Notes"]
    # The comment, its VML and the table the user put on the LX sheet are gone with it...
    assert set(result.removed_parts) == {"xl/comments2.xml", "xl/drawings/vmlDrawing2.vml",
                                         "xl/tables/table2.xml"}  # fmt: skip
    ct = parts_of(src)["[Content_Types].xml"][0]
    assert b"/xl/comments2.xml" not in ct
    # ...while every part of the other sheets is untouched, including their comments.
    lx_part = "xl/worksheets/sheet2.xml"
    untouched = {n for n in before if n not in EDITABLE and n not in result.removed_parts}
    untouched -= {lx_part, "xl/worksheets/_rels/sheet2.xml.rels", "xl/tables/table2.xml"}
    assert all(after[n] == before[n] for n in untouched)
    wb = xml(src, "xl/workbook.xml")
    local = [e for e in wb.iter(f"{NS}definedName") if e.get("name") == "LocalName"]
    assert local[0].get("localSheetId") == "2"  # Notes is still the third sheet
    assert b"UserOnLx" not in b"".join(v[0] for n, v in after.items() if "tables" in n)


def test_other_lx_sheets_are_kept(books, tmp_path):
    out = tmp_path / "kept.xlsx"
    result = write_lx_sheets(books["xlsx-result"], [lx_summary(0.1)], out_path=out, keep_backups=0)
    assert result.kept == ("LX Labelers",)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("LX Labelers").to_python()
    assert len(rows) == 7


def test_calc_chain_dropped_only_when_it_lists_a_replaced_sheet(tmp_path):
    calc_rel = (
        b'<Relationship Id="rId98" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/calcChain" Target="calcChain.xml"/></Relationships>'
    )
    calc_ct = (
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'
    )

    def with_chain(sheet_ids):
        def edit(parts):
            cells = "".join(f'<c r="A3" i="{i}"/>' for i in sheet_ids)
            parts["xl/calcChain.xml"] = (
                f'<calcChain xmlns="{NS[1:-1]}"><c r="C2" i="1"/><c r="C3"/>{cells}</calcChain>'
            ).encode()
            rels = parts["xl/_rels/workbook.xml.rels"]
            parts["xl/_rels/workbook.xml.rels"] = rels.replace(b"</Relationships>", calc_rel)
            parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
                b"</Types>", calc_ct
            )

        return edit

    keep = build_user_workbook(tmp_path / "keep.xlsx", lx_middle=True)
    _rezip(keep, with_chain([]))
    write_lx_sheets(keep, [lx_labelers()], keep_backups=0)
    assert "xl/calcChain.xml" in parts_of(keep)
    drop = build_user_workbook(tmp_path / "drop.xlsx", lx_middle=True)
    _rezip(drop, with_chain([2]))  # sheetId 2 is the LX sheet, which had a formula
    write_lx_sheets(drop, [lx_labelers()], keep_backups=0)
    after = parts_of(drop)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"][0]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"][0]


# ---------------------------------------------------------------- readers


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_calamine_and_openpyxl_read_the_lx_data_with_types(books, kind):
    res = books[f"{kind}-result"]
    expected = lx_labelers().frame
    rows = CalamineWorkbook.from_path(str(res)).get_sheet_by_name("LX Labelers").to_python()
    assert rows[0] == [c for c in expected.columns if c != "cell"]
    assert [r[0] for r in rows[1:]] == list(expected["person_id"])
    assert [r[2] for r in rows[1:]] == [float(v) for v in expected["items"]]
    assert [r[4] for r in rows[1:]] == pytest.approx(list(expected["accuracy"]), abs=0)
    assert [r[5] for r in rows[1:]] == [d.date() for d in expected["start"]]
    book = openpyxl.load_workbook(res, keep_vba=kind == "xlsm")
    ws = book["LX Labelers"]
    assert ws.freeze_panes == "A2"
    assert ws["E2"].number_format == "0.0%" and ws["D2"].number_format == "0.0"
    assert ws["F2"].is_date and ws["F2"].value == dt.datetime(2024, 5, 1)
    assert ws["A2"].hyperlink.location == "Data!A2"
    assert ws.tables["LX_Labelers"].ref == "A1:H7"
    assert ws["A1"].font.b
    rules = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    assert set(rules) == {'"Red"', '"Amber"', '"Green"', '"No data"', '"below"', '"above"'}
    assert book["Data"]["B2"].value == 10 and book.defined_names["TotalItems"] is not None


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    texts = ["=SUM(A1:A9)", "+44 20 1234", "-minus", "@mention", "=cmd|'/c calc'!A0", "plain"]
    path = new_workbook(tmp_path / "f.xlsx", [OutputSheet("LX F", pd.DataFrame({"t": texts}))])
    ws = openpyxl.load_workbook(path)["LX F"]
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [(t, "s") for t in texts]
    assert [c.quotePrefix for c in (ws[f"A{i}"] for i in range(2, 8))] == [True] * 5 + [False]
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


def test_illegal_xml_characters_are_stripped_and_escapes_kept(tmp_path):
    texts = ["a\x00b\x01c\x0bd", "tab\tand\nnewline", "<tag> & \"q\" 'a'", "_x0041_", "é€𝄞"]
    frame = pd.DataFrame({"bad\x02 header": texts})
    path = new_workbook(tmp_path / "x.xlsx", [OutputSheet("LX X", frame)])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("LX X").to_python()
    assert rows[0] == ["bad header"]
    assert [r[0] for r in rows[1:]] == ["abcd", *texts[1:]]


def test_values_of_every_kind(tmp_path):
    frame = pd.DataFrame(
        {
            "int": pd.array([1, None, -3], dtype="Int64"),
            "float": [0.1 + 0.2, np.nan, np.inf],
            "bool": [True, False, None],
            "when": pd.to_datetime(["2024-02-29 13:30", None, "1900-01-01 00:00"]),
            "mixed": [1, "two", dt.date(2024, 1, 2)],
            "cat": pd.Categorical(["x", "y", None]),
            "old": [dt.date(1850, 1, 1), dt.date(1900, 3, 1), None],
        }
    )
    path = new_workbook(tmp_path / "v.xlsx", [OutputSheet("LX V", frame)])
    ws = openpyxl.load_workbook(path)["LX V"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got[0] == [1, 0.30000000000000004, True, dt.datetime(2024, 2, 29, 13, 30), 1, "x",
                      "1850-01-01"]  # fmt: skip
    assert got[1] == [None, None, False, None, "two", "y", dt.datetime(1900, 3, 1)]
    assert got[2][:4] == [-3, None, None, dt.datetime(1900, 1, 1)]  # inf has no Excel value
    assert got[2][4] == dt.datetime(2024, 1, 2)


def test_date1904_workbooks_get_1904_serials(tmp_path):
    src = tmp_path / "mac.xlsx"
    book = xlsxwriter.Workbook(str(src), {"date_1904": True})
    book.add_worksheet("Data").write("A1", 1)
    book.close()
    when = pd.to_datetime(["2024-05-01"])
    write_lx_sheets(src, [OutputSheet("LX D", pd.DataFrame({"d": when}))], keep_backups=0)
    assert openpyxl.load_workbook(src)["LX D"]["A2"].value == dt.datetime(2024, 5, 1)
    sheet = parts_of(src)["xl/worksheets/sheet2.xml"][0]
    assert b"<v>43951</v>" in sheet  # 45413 (1900 system) − 1462 days


def test_headers_are_unique_and_tables_named_apart_from_user_names(tmp_path):
    src = tmp_path / "clash.xlsx"
    book = xlsxwriter.Workbook(str(src))
    ws = book.add_worksheet("Data")
    ws.add_table("A1:B3", {"name": "LX_Labelers"})
    book.define_name("LX_Labelers_2", "=Data!$A$1")
    book.close()
    frame = pd.DataFrame([[1, 2, 3, 4]], columns=["a", "A", "", None])
    write_lx_sheets(src, [OutputSheet("LX Labelers", frame)], keep_backups=0)
    ws = openpyxl.load_workbook(src)["LX Labelers"]
    assert [c.value for c in ws[1]] == ["a", "A_2", "Column3", "Column4"]
    assert list(ws.tables) == ["LX_Labelers_3"]


def test_empty_frame_writes_a_header_and_an_empty_table_row(tmp_path):
    frame = pd.DataFrame(
        {"person_id": pd.Series([], dtype=object), "n": pd.Series([], dtype=float)}
    )
    path = new_workbook(tmp_path / "e.xlsx", [OutputSheet("LX Empty", frame)])
    ws = openpyxl.load_workbook(path)["LX Empty"]
    assert ws.tables["LX_Empty"].ref == "A1:B2" and [c.value for c in ws[1]] == ["person_id", "n"]


def test_links_to_another_workbook_and_urls_are_external(tmp_path):
    frame = pd.DataFrame(
        {
            "cell": ["Timesheet!E17", "E3", "Web"],
            "target": [
                "timesheet 2024.xlsx#'Timesheet'!E17",
                "LX Issues!A1",
                "https://ex.com/a?b=1",
            ],
        }
    )
    sheet = OutputSheet("LX Issues", frame, links={"cell": "target"})
    path = new_workbook(tmp_path / "l.xlsx", [sheet])
    ws = openpyxl.load_workbook(path)["LX Issues"]
    assert [c.value for c in ws[1]] == ["cell"]  # the target column is plumbing, not shown
    assert ws["A2"].hyperlink.target == "timesheet%202024.xlsx"
    assert ws["A2"].hyperlink.location == "'Timesheet'!E17"
    assert ws["A3"].hyperlink.location == "'LX Issues'!A1"
    assert ws["A4"].hyperlink.target == "https://ex.com/a?b=1"


def test_new_workbook_holds_only_lx_sheets_in_order(tmp_path):
    path = new_workbook(tmp_path / "report.xlsx", [lx_summary(), lx_labelers()])
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["LX Summary", "LX Labelers"]
    with pytest.raises(ValueError, match="at least one"):
        new_workbook(tmp_path / "none.xlsx", [])


def test_workbooks_written_by_openpyxl_take_lx_sheets(tmp_path):
    src = tmp_path / "opx.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Projects"
    book.active.append(["project_id", "target"])
    book.active.append(["P1", 0.95])
    book.save(src)
    before = parts_of(src)
    write_lx_sheets(src, [lx_labelers(), lx_summary()], keep_backups=0)
    after = parts_of(src)
    assert all(after[n] == before[n] for n in before if n not in EDITABLE)
    reread = openpyxl.load_workbook(src)
    assert reread.sheetnames == ["Projects", "LX Labelers", "LX Summary"]
    assert reread["LX Summary"]["B2"].value == 0.93


@pytest.mark.parametrize(
    "name, message",
    [
        ("Labelers", "must start with"),
        ("LX " + "x" * 29, "31 characters"),
        ("LX a/b", "forbids"),
        ("LX [x]", "forbids"),
    ],
)
def test_bad_sheet_names_are_refused(name, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        OutputSheet(name, pd.DataFrame({"a": [1]}))


def test_31_character_names_work(tmp_path):
    name = "LX " + "y" * 28
    path = new_workbook(tmp_path / "n.xlsx", [OutputSheet(name, pd.DataFrame({"a": [1]}))])
    assert CalamineWorkbook.from_path(str(path)).sheet_names == [name]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"formats": {"a": "money"}}, "not one of"),
        ({"formats": {"zz": "int"}}, "not in the frame"),
        ({"links": {"a": "nope"}}, "not in the frame"),
        ({"flag_columns": {"a": {"x": "awful"}}}, "not one of"),
    ],
)
def test_bad_sheet_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        OutputSheet("LX A", pd.DataFrame({"a": [1]}), **kwargs)


def test_not_a_workbook_is_a_workbook_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(WorkbookError, match=r"not an \.xlsx"):
        write_lx_sheets(bad, [lx_summary()])
    with pytest.raises(WorkbookError, match=r"only \.xlsx and \.xlsm"):
        write_lx_sheets(tmp_path / "old.xls", [lx_summary()])
    assert bad.read_bytes() == b"not a zip at all"


def test_a_dtd_in_a_part_is_refused(tmp_path):
    src = build_user_workbook(tmp_path / "dtd.xlsx")

    def edit(parts):
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            b"?>", b'?><!DOCTYPE w [<!ENTITY e "x">]>', 1
        )

    _rezip(src, edit)
    original = src.read_bytes()
    with pytest.raises(WorkbookError, match="DTD"):
        write_lx_sheets(src, [lx_summary()])
    assert src.read_bytes() == original


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(st.text(max_size=30), min_size=1, max_size=8),
    numbers=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8),
)
def test_round_trip_property(tmp_path, texts, numbers):
    """Any text comes back minus XML-illegal characters; any finite float comes back exactly."""
    n = max(len(texts), len(numbers))
    texts = (texts * n)[:n]
    numbers = (numbers * n)[:n]
    path = tmp_path / "p.xlsx"
    new_workbook(
        path, [OutputSheet("LX P", pd.DataFrame({"t": texts, "x": numbers}))], keep_backups=0
    )
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("LX P").to_python()
    illegal = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
    # calamine, like Excel, turns a lone CR into LF when reading XML text (XML end-of-line rule)
    expect = [illegal.sub("", t).replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    assert [r[0] for r in rows[1:]] == expect
    assert [r[1] for r in rows[1:]] == [float(x) for x in numbers]


def test_rows_are_written_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(ooxml.sheet, "_CHUNK_ROWS", 7)
    frame = pd.DataFrame({"i": np.arange(50), "s": [f"r{i}" for i in range(50)]})
    path = new_workbook(tmp_path / "c.xlsx", [OutputSheet("LX C", frame)])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("LX C").to_python()
    assert [r[0] for r in rows[1:]] == list(range(50)) and rows[-1][1] == "r49"


# ---------------------------------------------------------------- LibreOffice as second reader


def _soffice(args: list[str], profile: Path) -> None:
    # a private profile per call, serialised, one retry on a crash exit: tests/soffice.py
    result = soffice.run(args)
    assert result.returncode == 0, result.stderr


@needs_soffice
def test_libreoffice_reads_every_result(books, tmp_path):
    # A workbook written by LibreOffice itself (its own styles and quirks) takes LX sheets too.
    profile = tmp_path / "profile"
    lo_dir = tmp_path / "lo"
    _soffice(["--convert-to", "xlsx", "--outdir", str(lo_dir), str(books["xlsx"])], profile)
    lo_src = lo_dir / "tracker.xlsx"
    lo_before = parts_of(lo_src)
    lo_result = tmp_path / "lo-result.xlsx"
    write_lx_sheets(lo_src, [lx_labelers()], out_path=lo_result, keep_backups=0)
    lo_after = parts_of(lo_result)
    assert all(lo_after[n] == lo_before[n] for n in lo_before if n not in EDITABLE)
    report = new_workbook(tmp_path / "report.xlsx", [lx_summary(), lx_labelers()])
    csv_dir = tmp_path / "csv"
    files = [books["xlsx-result"], books["xlsm-result"], lo_result, report]
    _soffice(["--convert-to", CSV_ALL_SHEETS, "--outdir", str(csv_dir), *map(str, files)], profile)
    expected_ids = list(lx_labelers().frame["person_id"])
    for stem in ("result", "lo-result", "report"):
        table = pd.read_csv(csv_dir / f"{stem}-LX Labelers.csv", dtype=str)
        assert list(table["person_id"]) == expected_ids
        assert table["start"].iloc[0] == "2024-05-01"
    data = pd.read_csv(csv_dir / "result-Data.csv", dtype=str)
    assert list(data["project"]) == ["P1", "P2", "P3", "P4"]
    notes = (csv_dir / "result-Notes.csv").read_text()
    assert "Do not delete" in notes
    summary = pd.read_csv(csv_dir / "report-LX Summary.csv")
    assert summary["value"].iloc[0] == pytest.approx(0.93)


# ---------------------------------------------------------------- dashboards: charts, printing

NS_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
NS_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def lx_trend(months: int = 15) -> OutputSheet:
    periods = pd.period_range("2025-01", periods=months, freq="M").astype(str)
    accuracy = np.linspace(0.93, 0.96, months)
    frame = pd.DataFrame(
        {
            "Month": periods,
            "Items": np.arange(months) * 1000 + 50_000,
            "Accuracy": accuracy,
            "CI low": accuracy - 0.01,
            "CI width": np.full(months, 0.02),
            "Throughput": np.linspace(80, 84, months),
        }
    )
    return OutputSheet("LX Trend", frame, formats={"Accuracy": "pct"})


def dashboard(last: int = 13) -> OutputSheet:
    from labelxl.io.ooxml.chart import Chart, Ref, Series

    def ref(col: str) -> Ref:
        return Ref("LX Trend", col, last=last)

    accuracy = Chart(
        "Accuracy",
        ref("Month"),
        (
            Series("95% interval", ref("CI low"), kind="band", width=ref("CI width")),
            Series("Accuracy", ref("Accuracy")),
        ),
        anchor=(4, 0),
        y_format="0.0%",
    )
    volume = Chart(
        "Volume",
        ref("Month"),
        (
            Series("Items", ref("Items"), kind="column"),
            Series("Throughput", ref("Throughput"), secondary=True),
        ),
        anchor=(4, 15),
    )
    frame = pd.DataFrame({"Measure": ["Accuracy"], "This month": ["95.5%"], "Status": ["Watch"]})
    return OutputSheet(
        "LX Summary",
        frame,
        charts=(accuracy, volume),
        fit_one_page=True,
        print_header=("Team A", "Summary · May 2026", "Data through 10 May"),
        notes=("Data through 10 May (7 of 21 working days)",),
    )


def _rels(path: Path, part: str) -> dict[str, tuple[str, str]]:
    folder, name = part.rsplit("/", 1)
    root = xml(path, f"{folder}/_rels/{name}.rels")
    return {e.get("Id"): (e.get("Type").rsplit("/", 1)[1], e.get("Target")) for e in root}


def _sheet_part(path: Path, name: str) -> str:
    wb = xml(path, "xl/workbook.xml")
    rid = next(e.get(f"{NS_R}id") for e in wb.iter(f"{NS}sheet") if e.get("name") == name)
    return "xl/" + _rels(path, "xl/workbook.xml")[rid][1]


def test_charts_are_native_parts_with_cached_values(tmp_path):
    src = build_user_workbook(tmp_path / "tracker.xlsx")
    before = parts_of(src)
    write_lx_sheets(src, [dashboard(), lx_trend()], keep_backups=0)
    after = parts_of(src)
    assert {n for n in before if after.get(n) != before[n]} <= EDITABLE  # the user's chart too
    sheet = _sheet_part(src, "LX Summary")
    (drawing_rel,) = [t for kind, t in _rels(src, sheet).values() if kind == "drawing"]
    drawing = posixpath_join(sheet, drawing_rel)
    charts = [posixpath_join(drawing, t) for _, t in sorted(_rels(src, drawing).values())]
    assert len(charts) == 2 and not set(charts) & set(before)  # new parts beside the user's
    types = {e.get("PartName"): e.get("ContentType") for e in xml(src, "[Content_Types].xml")}
    assert types["/" + drawing].endswith("drawing+xml")
    assert all(types["/" + c].endswith("drawingml.chart+xml") for c in charts)
    chart = xml(src, charts[0])
    trend = lx_trend().frame.tail(13)
    formulas = [f.text for f in chart.iter(f"{NS_C}f")]
    assert "'LX Trend'!$C$4:$C$16" in formulas  # Accuracy, the last 13 of 15 months
    caches = {}
    for ref in chart.iter(f"{NS_C}numRef"):
        pts = ref.find(f"{NS_C}numCache").findall(f"{NS_C}pt")
        caches[ref.find(f"{NS_C}f").text] = [float(p.find(f"{NS_C}v").text) for p in pts]
    assert caches["'LX Trend'!$C$4:$C$16"] == pytest.approx(list(trend["Accuracy"]))
    assert caches["'LX Trend'!$E$4:$E$16"] == pytest.approx(list(trend["CI width"]))
    labels = [v.text for v in chart.find(f".//{NS_C}strCache").iter(f"{NS_C}v")]
    assert labels == list(trend["Month"])
    volume = xml(src, charts[1])
    assert volume.find(f".//{NS_C}barChart") is not None
    assert len(volume.findall(f".//{NS_C}valAx")) == 2  # throughput on its own axis
    openpyxl.load_workbook(src)  # a second reader opens the package


def posixpath_join(source: str, target: str) -> str:
    import posixpath

    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def test_rewriting_a_dashboard_reuses_its_part_names(tmp_path):
    src = build_user_workbook(tmp_path / "tracker.xlsx")
    write_lx_sheets(src, [dashboard(), lx_trend()], keep_backups=0)
    first = parts_of(src)
    write_lx_sheets(src, [dashboard(), lx_trend()], keep_backups=0)
    second = parts_of(src)
    assert set(first) == set(second)  # the old drawing and charts went, new ones took names
    charts = [n for n in first if n.startswith("xl/charts/")]
    assert all(first[n] == second[n] for n in charts)


def test_a_chart_reading_a_sheet_not_written_is_refused(tmp_path):
    src = build_user_workbook(tmp_path / "tracker.xlsx")
    original = src.read_bytes()
    with pytest.raises(ValueError, match="LX Trend"):
        write_lx_sheets(src, [dashboard()], keep_backups=0)
    assert src.read_bytes() == original


def test_every_lx_sheet_prints_landscape_one_page_wide_with_titles(tmp_path):
    src = build_user_workbook(tmp_path / "tracker.xlsx")
    write_lx_sheets(src, [dashboard(), lx_trend()], keep_backups=0)
    titles = {
        e.get("localSheetId"): e.text
        for e in xml(src, "xl/workbook.xml").iter(f"{NS}definedName")
        if e.get("name") == "_xlnm.Print_Titles"
    }
    names = [e.get("name") for e in xml(src, "xl/workbook.xml").iter(f"{NS}sheet")]
    for name, tall in (("LX Summary", "1"), ("LX Trend", "0")):
        ws = xml(src, _sheet_part(src, name))
        setup = ws.find(f"{NS}pageSetup")
        assert (setup.get("orientation"), setup.get("fitToWidth")) == ("landscape", "1")
        assert setup.get("fitToHeight") == tall  # LX Summary fits one page
        assert ws.find(f"{NS}sheetPr/{NS}pageSetUpPr").get("fitToPage") == "1"
        pane = ws.find(f".//{NS}pane")
        assert (pane.get("ySplit"), pane.get("state")) == ("1", "frozen")
        assert titles[str(names.index(name))] == f"'{name}'!$1:$1"
    ws = xml(src, _sheet_part(src, "LX Summary"))
    header = ws.find(f"{NS}headerFooter/{NS}oddHeader").text
    assert header == "&LTeam A&CSummary · May 2026&RData through 10 May"
    book = openpyxl.load_workbook(src)
    assert book["LX Summary"]["A3"].value is None  # one empty row under the table
    assert book["LX Summary"]["A4"].value == "Data through 10 May (7 of 21 working days)"
    assert book["LX Trend"].print_title_rows == "$1:$1"  # openpyxl reads the titles back
    table = xml(src, [n for n in parts_of(src) if n.startswith("xl/tables/table")][-1])
    assert table.find(f"{NS}autoFilter") is not None
