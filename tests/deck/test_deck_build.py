"""The built deck, inspected as a package: slides, native charts, KPI numbers, fit, privacy."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from labelxl.deck import build_deck
from labelxl.deck.slides import AUDIENCE_SLIDES, SLIDES
from labelxl.deck.slides.base import KICKER, honest_digits
from labelxl.deck.text import Para, fits
from labelxl.model.pseudonym import pseudonym_map
from labelxl.outputs import i18n
from tests import soffice

from .conftest import make_metrics

BASE_KEYS = [s.key for s in SLIDES]


@pytest.fixture(scope="module")
def built(tmp_path_factory, metrics):
    folder = tmp_path_factory.mktemp("decks")
    return {
        "management": build_deck(metrics, folder / "management.pptx"),
        "business": build_deck(metrics, folder / "business.pptx", audience="business"),
        "team": build_deck(metrics, folder / "team.pptx", audience="team"),
        "team_pseudo": build_deck(
            metrics, folder / "team_pseudo.pptx", audience="team", pseudonymise=True
        ),
        "zh": build_deck(metrics, folder / "zh.pptx", lang="zh"),
    }


def titles(path: Path) -> list[str]:
    """Each slide's topic: the kicker above a takeaway title, else the title itself."""
    out = []
    for slide in Presentation(str(path)).slides:
        kicker = [s for s in slide.shapes if s.name == KICKER]
        t = slide.shapes.title
        if kicker:
            out.append(kicker[0].text_frame.text)
        else:
            out.append(t.text_frame.text if t is not None else "")
    return out


def main_titles(path: Path) -> list[str]:
    """Topics in order, a run of equal topics once (the appendix divider and the tables
    continued after it all read "Appendix")."""
    out: list[str] = []
    for t in titles(path):
        if not out or out[-1] != t:
            out.append(t)
    return out


def all_text(path: Path) -> str:
    """Every part of the package as text, embedded chart workbooks opened and read too."""
    chunks = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            chunks.append(data.decode("utf-8", "ignore"))
            if name.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(data)) as inner:
                    chunks.extend(inner.read(n).decode("utf-8", "ignore") for n in inner.namelist())
    return "\n".join(chunks)


def test_management_deck_has_every_slide_in_order(built):
    t = titles(built["management"])
    en = i18n.catalogue("en")
    assert t[1] == en["slide.kpis"] and t[-1] == en["slide.closing"]
    keys = AUDIENCE_SLIDES["management"]
    expected_titles = [en[f"slide.{k}"] for k in keys if k not in ("title", "definitions")]
    assert [x for x in main_titles(built["management"]) if x in expected_titles] == (
        expected_titles
    )
    assert any(x.startswith(en["slide.definitions"]) for x in t)


def test_business_drops_people_level_slides(built):
    en = i18n.catalogue("en")
    t = titles(built["business"])
    assert en["slide.labelers"] not in t and en["slide.wellbeing"] not in t
    people_level = {"labelers", "wellbeing", "calibration", "capacity"}
    assert not people_level & set(AUDIENCE_SLIDES["business"])
    assert en["slide.requirements"] in t and en["slide.calibration"] not in t


def test_every_chart_is_a_native_chart_part_with_its_workbook(built):
    prs = Presentation(str(built["management"]))
    charts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            assert shape.shape_type != MSO_SHAPE_TYPE.PICTURE, "charts must not be pictures"
            if shape.has_chart:
                charts.append(shape.chart)
    assert len(charts) >= 9
    for chart in charts:
        assert chart.part.partname.startswith("/ppt/charts/chart")
        assert chart.part.chart_workbook.xlsx_part is not None  # editable in PowerPoint
        assert chart.has_title and chart.chart_title.text_frame.text
        if chart.chart_type is not None and hasattr(chart, "value_axis"):
            assert chart.value_axis.tick_labels.number_format != "General"
    with zipfile.ZipFile(built["management"]) as zf:
        assert len(
            [n for n in zf.namelist() if re.fullmatch(r"ppt/charts/chart\d+\.xml", n)]
        ) == len(charts)


def _kpi_table(path: Path):
    prs = Presentation(str(path))
    for shape in prs.slides[1].shapes:
        if shape.has_table:
            return shape.table
    raise AssertionError("no table on the KPI slide")


@pytest.mark.parametrize("which,lang", [("management", "en"), ("zh", "zh")])
def test_every_number_on_the_kpi_slide_equals_the_kpi_table(built, metrics, which, lang):
    table = _kpi_table(built[which])
    rows = [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    k = metrics.kpis
    assert len(rows) == len(k)
    for row, (_, kpi) in zip(rows, k.iterrows(), strict=True):
        unit = kpi["unit"]
        if honest_digits(unit, kpi["value"], kpi["target"]) == honest_digits(unit, 0.0):
            assert row[1] == i18n.format_measure(kpi["value"], unit, lang)
            assert row[3] == i18n.format_measure(kpi["target"], unit, lang)
            change = i18n.format_change(kpi["change"], unit, lang)
            if change.startswith("±"):  # below the shown precision
                change = i18n.translate("change.none", lang)
            assert row[5] == change
        assert row[4] == i18n.translate(f"status.{kpi['status']}", lang)
        if unit == "pct":  # and independently of the formatter: the printed number is right
            assert abs(float(row[1].rstrip("%")) / 100 - kpi["value"]) <= 0.0005
            if kpi["ci_low"] == kpi["ci_low"]:  # not NaN
                low, high = (float(x.strip().rstrip("%")) / 100 for x in row[2].split(" – "))
                assert abs(low - kpi["ci_low"]) <= 0.0005
                assert abs(high - kpi["ci_high"]) <= 0.0005
            else:
                assert row[2] == i18n.MISSING
        if unit == "count":
            assert float(row[1].replace(",", "")) == round(kpi["value"])


@pytest.mark.parametrize("which", ["management", "zh", "team"])
def test_no_text_overflows_its_box(built, which):
    prs = Presentation(str(built[which]))
    width, height = prs.slide_width, prs.slide_height
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, f"slide {number}: {shape.name}"
            assert shape.left + shape.width <= width, f"slide {number}: {shape.name}"
            assert shape.top + shape.height <= height, f"slide {number}: {shape.name}"
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            sizes = [
                r.font.size.pt
                for p in shape.text_frame.paragraphs
                for r in p.runs
                if r.font.size is not None
            ]
            if not sizes:
                continue  # the template's own style (titles that fit at its size)
            paras = [
                Para(p.text, bullet=p._p.pPr is not None and p._p.pPr.find("{*}buChar") is not None)
                for p in shape.text_frame.paragraphs
                if p.text.strip()
            ]
            assert fits(paras, shape.width, shape.height, max(sizes)), (
                f"slide {number}: {shape.name} overflows: {shape.text_frame.text[:60]!r}"
            )


def test_long_tables_show_top_n_with_n_more(tmp_path):
    m = make_metrics(people=40)
    many = m.projects.sample(n=60, replace=True, random_state=1).reset_index(drop=True)
    many["project_id"] = [f"X{i:03d}" for i in range(60)]
    many["project_name"] = [f"Queue {i:03d}" for i in range(60)]
    m.projects = many
    prs = Presentation(str(build_deck(m, tmp_path / "long.pptx")))
    slide = prs.slides[titles(tmp_path / "long.pptx").index(i18n.translate("slide.projects"))]
    table = next(s.table for s in slide.shapes if s.has_table)
    last = table.rows[len(table.rows) - 1].cells[0].text
    shown = len(table.rows) - 2
    assert last == i18n.translate("table.continued", n=60 - shown)
    # ... and no row is hidden: the rest continue on appendix slides, each project once.
    cont = i18n.translate("slide.continued", topic=i18n.translate("slide.projects"))
    names = [r.cells[0].text for r in list(table.rows)[1:-1]]
    for s in prs.slides:
        if s.shapes.title is not None and s.shapes.title.text_frame.text.startswith(cont):
            t = next(x.table for x in s.shapes if x.has_table)
            names += [r.cells[0].text for r in list(t.rows)[1:]]
    assert sorted(names) == sorted(many["project_name"])


def _people_words(metrics) -> list[str]:
    return sorted({*metrics.names, *metrics.names.values()}, key=len, reverse=True)


@pytest.mark.parametrize("which", ["team_pseudo", "management", "business", "zh"])
def test_no_name_or_person_id_anywhere_in_the_package(built, metrics, which):
    text = all_text(built[which])
    leaks = [w for w in _people_words(metrics) if w in text]
    assert leaks == []


def test_pseudonymised_team_deck_shows_pseudonyms(built, metrics):
    text = all_text(built["team_pseudo"])
    pseudo = pseudonym_map(metrics.names, metrics.settings.pseudonym_secret)
    over = metrics.over_caps["person_id"]
    assert all(pseudo[p] in text for p in over)


def test_team_deck_without_pseudonymise_may_name_people(built, metrics):
    text = all_text(built["team"])
    assert any(metrics.names[p] in text for p in metrics.over_caps["person_id"])


def test_pseudonyms_are_stable_across_months(tmp_path):
    a = make_metrics(month="2026-03")
    b = make_metrics(month="2026-04", seed=9)
    pa = build_deck(a, tmp_path / "a.pptx", audience="team", pseudonymise=True)
    pb = build_deck(b, tmp_path / "b.pptx", audience="team", pseudonymise=True)
    secret = a.settings.pseudonym_secret
    pid = sorted(set(a.over_caps["person_id"]) & set(b.over_caps["person_id"]))[0]
    name = pseudonym_map([pid], secret)[pid]
    assert name in all_text(pa) and name in all_text(pb)


def test_pseudonymise_without_a_secret_is_refused(tmp_path):
    from labelxl.errors import SettingsError

    m = make_metrics()
    m.settings = m.settings.replace(pseudonym_secret="")
    with pytest.raises(SettingsError, match="pseudonym_secret"):
        build_deck(m, tmp_path / "x.pptx", pseudonymise=True)


def test_metadata_says_labelxl_and_nothing_else(built):
    prs = Presentation(str(built["team_pseudo"]))
    props = prs.core_properties
    assert props.author == "labelxl" and props.last_modified_by == "labelxl"
    assert props.comments == "" and props.keywords == ""
    with zipfile.ZipFile(built["team_pseudo"]) as zf:
        app = zf.read("docProps/app.xml").decode()
        assert "<Application>labelxl</Application>" in app
        assert "docProps/thumbnail.jpeg" not in zf.namelist()


def test_chinese_deck_uses_the_catalogue_and_chinese_dates(built):
    zh = i18n.catalogue("zh")
    t = titles(built["zh"])
    assert t[0] == zh["deck.title"] and t[1] == zh["slide.kpis"]
    assert "2026年3月" in all_text(built["zh"])


def test_empty_data_gives_sentences_not_charts(tmp_path):
    path = build_deck(make_metrics(empty=True), tmp_path / "empty.pptx")
    prs = Presentation(str(path))
    assert not any(s.has_chart for slide in prs.slides for s in slide.shapes)
    text = all_text(path)
    for key in (
        "empty.kpis",
        "empty.one_month",
        "empty.audits",
        "empty.projects",
        "empty.labelers",
        "empty.capacity",
        "empty.hiring",
        "empty.graphic",
    ):
        assert i18n.translate(key).replace("'", "&apos;") in text or i18n.translate(key) in text


def test_one_month_only_says_so_on_the_trend_slide(tmp_path):
    path = build_deck(make_metrics(months=1), tmp_path / "one.pptx")
    assert i18n.translate("empty.one_month") in all_text(path)


def test_libreoffice_renders_one_page_per_slide(built, tmp_path):
    if soffice.SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed; the render check needs it")
    deck = built["management"]
    soffice.convert(deck, "pdf", tmp_path)
    pdf = tmp_path / (deck.stem + ".pdf")
    assert pdf.is_file() and pdf.stat().st_size > 10_000
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    else:
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages == len(Presentation(str(deck)).slides)
