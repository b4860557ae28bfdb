"""A deck a director accepts, checked on the saved files: slide numbers, speaker notes,
takeaway titles, the data-through line, no code names, a translated zh deck, audiences,
the Pareto's cumulative line, calibration, requirements, "no data" projects, honest
precision, appendix continuation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree
from pptx import Presentation

from labelxl.deck import build_deck
from labelxl.deck.slides import AUDIENCE_SLIDES
from labelxl.deck.slides.base import KICKER, SLIDE_NUMBER, STAMP, honest_digits
from labelxl.metrics.calibration import CalibrationReport
from labelxl.metrics.requirements import requirements_status
from labelxl.model.schema import SHEETS
from labelxl.model.workspace import Workspace
from labelxl.outputs import i18n

from .conftest import make_metrics
from .test_deck_build import main_titles

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
CODE_NAME = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|labelxl\.\w|\b\w+\.py\b|\w\(\)")


def calibration(ids: list[str]) -> CalibrationReport:
    """One session in the month: five raters, one far from the consensus."""
    sessions = pd.DataFrame(
        {
            "session_id": ["CAL-03", "CAL-02"],
            "date": pd.to_datetime(["2026-03-10", "2026-02-12"]),
            "items": [40, 30],
            "raters": [5, 5],
            "fleiss_kappa": [0.61, 0.7],
            "krippendorff_alpha": [0.6, 0.7],
            "gwet_ac1": [0.7, 0.75],
            "percent_agreement": [0.8, 0.85],
            "items_used_for_fleiss": [40, 30],
            "band": ["substantial", "substantial"],
            "note": [None, None],
        }
    )
    agree = [0.95, 0.9, 0.925, 0.5, 0.95]
    raters = pd.DataFrame(
        {
            "session_id": ["CAL-03"] * 5 + ["CAL-02"] * 5,
            "rater_id": ids[:5] * 2,
            "items": [40] * 5 + [30] * 5,
            "agree_majority": agree + [0.9] * 5,
            "agree_consensus": agree + [0.9] * 5,
            "ds_accuracy": agree + [0.9] * 5,
            "kappa_vs_consensus": agree + [0.8] * 5,
            "items_vs_majority": [40] * 5 + [30] * 5,
            "items_vs_consensus": [40] * 5 + [30] * 5,
            "rater_name": [None] * 10,
        }
    )
    return CalibrationReport(sessions, raters, pd.DataFrame(), pd.DataFrame())


def requirements():
    df = pd.DataFrame(
        {
            "req_id": ["R1", "R1", "R2", "R3"],
            "project_id": ["PRJ01", "PRJ01", "PRJ02", None],
            "requested_by": ["Ads team", "Ads team", "Search team", "Ads team"],
            "received_date": pd.to_datetime(
                ["2026-01-10", "2026-03-02", "2026-03-05", "2026-02-01"]
            ),
            "summary": ["Hate-speech labels", "Hate-speech labels v2", "Spam rules", "Minors"],
            "status": ["In progress", "In progress", "New", "Done"],
            "due_date": pd.to_datetime(["2026-03-15", "2026-03-15", "2026-04-30", "2026-02-20"]),
            "version": [1.0, 2.0, 1.0, 1.0],
        }
    )
    return requirements_status(
        Workspace.from_frames({"Requirements": df}, today=dt.date(2026, 3, 31))
    )


def partial_metrics():
    """March 2026 with data through Wednesday the 18th; one project without data."""
    m = make_metrics()
    through = dt.date(2026, 3, 18)
    mondays = pd.to_datetime(m.quality_weekly["period"] + "-1", format="%G-W%V-%u")
    m.quality_weekly = m.quality_weekly[mondays.dt.date <= through].reset_index(drop=True)
    projects = m.projects.copy()
    # The engine's rule codes, from which the deck words the reasons in its language.
    projects["rag_codes"] = projects["rag"].map({"Red": "volume-red", "Amber": "sla-amber"})
    projects["sla_target"] = 0.95
    projects.loc[0, ["rag", "reasons", "volume_vs_plan", "sla", "accuracy"]] = [
        "No data",
        "",
        np.nan,
        np.nan,
        np.nan,
    ]
    plan = m.capacity
    object.__setattr__(
        plan,
        "assumptions",
        pd.DataFrame(
            {
                "assumption": ["Planned volume", "Average handle time", "Shrinkage"],
                "value": [240000.0, 38.2, 0.31],
                "unit": ["items", "s", "share"],
                "source": ["Projects", "Production", "Timesheet"],
            }
        ),
    )
    ids = sorted(m.names)
    return dataclasses.replace(
        m,
        projects=projects,
        calibration=calibration(ids),
        requirements=requirements(),
        data_from=dt.date(2026, 3, 2),
        data_through=through,
        working_days=22,
        working_days_with_data=13,
        partial=True,
    )


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("director")
    m = partial_metrics()
    out = {a: build_deck(m, folder / f"{a}.pptx", audience=a) for a in AUDIENCE_SLIDES}
    out["zh"] = build_deck(m, folder / "zh.pptx", lang="zh")
    out["zh_business"] = build_deck(m, folder / "zh_b.pptx", lang="zh", audience="business")
    out["zh_team"] = build_deck(m, folder / "zh_t.pptx", lang="zh", audience="team")
    out["full"] = build_deck(make_metrics(), folder / "full.pptx")
    return out


def visible_text(path: Path) -> list[str]:
    """Every text an audience sees: shapes, table cells, chart titles, series, categories."""
    prs = Presentation(str(path))
    out: list[str] = []
    for slide in prs.slides:
        out += [t.text for t in slide._element.iter(f"{{{A}}}t") if t.text]
        for shape in slide.shapes:
            if shape.has_chart:
                space = shape.chart._chartSpace
                out += [t.text for t in space.iter(f"{{{A}}}t") if t.text]
                out += [
                    v.text
                    for v in space.iter(f"{{{C}}}v")
                    if v.getparent().getparent().tag == f"{{{C}}}strCache" and v.text
                ]
    return out


def notes_of(path: Path) -> list[str]:
    return [
        s.notes_slide.notes_text_frame.text if s.has_notes_slide else ""
        for s in Presentation(str(path)).slides
    ]


@pytest.mark.parametrize("which", ["management", "business", "team", "zh"])
def test_every_slide_but_the_title_has_its_number(decks, which):
    prs = Presentation(str(decks[which]))
    for n, slide in enumerate(prs.slides, start=1):
        boxes = [s for s in slide.shapes if s.name == SLIDE_NUMBER]
        if n == 1:
            assert not boxes
            continue
        assert len(boxes) == 1, n
        fld = boxes[0].text_frame.paragraphs[0]._p.find(f"{{{A}}}fld")
        assert fld is not None and fld.get("type") == "slidenum"
        assert boxes[0].text_frame.text == str(n)


@pytest.mark.parametrize("which", ["management", "business", "team", "zh"])
def test_every_content_slide_has_notes_with_numbers_window_and_source(decks, which):
    lang = "zh" if which.startswith("zh") else "en"
    notes = notes_of(decks[which])
    topics = main_titles(decks[which])
    assert notes[0] == ""  # the title slide
    numbers = i18n.translate("notes.numbers", lang)
    window = i18n.translate("notes.window", lang, window="").split("{")[0][:4]
    for n, text in enumerate(notes[1:], start=2):
        assert text.startswith(numbers), (n, text[:80])
        assert window in text, n
    kpis = notes[1]
    assert i18n.translate("notes.definitions", lang) in kpis
    assert "Wilson (1927)" in kpis  # a definition with its published source
    assert i18n.translate("notes.sheet", lang, sheet="Audits") in kpis
    assert len(topics) >= 5


def test_notes_hold_the_numbers_behind_the_kpi_slide(decks):
    m = partial_metrics()
    text = notes_of(decks["management"])[1]
    acc = m.kpis.set_index("kpi").loc["accuracy"]
    # One digit finer than the table: the presenter can answer "how close to target?".
    assert i18n.format_percent(acc["value"], "en", 2) in text
    assert i18n.format_percent(acc["ci_low"], "en", 2) in text


def test_titles_are_takeaways_with_the_topic_as_kicker(decks):
    prs = Presentation(str(decks["management"]))
    kpi = prs.slides[1]
    kicker = next(s for s in kpi.shapes if s.name == KICKER)
    assert kicker.text_frame.text == i18n.translate("slide.kpis")
    title = kpi.shapes.title.text_frame.text
    m = partial_metrics()
    acc = m.kpis.set_index("kpi").loc["accuracy", "value"]
    below = int((m.labelers["flag"] == "below").sum())
    assert title.startswith(f"Accuracy {i18n.format_percent(acc, 'en')}, ")
    assert (f"{below} labeler" in title) == (below > 0)
    zh_title = Presentation(str(decks["zh"])).slides[1].shapes.title.text_frame.text
    assert zh_title.startswith("准确率")


def test_the_data_through_line_is_on_the_title_and_every_time_based_slide(decks):
    line = i18n.translate(
        "window.through",
        "en",
        date=i18n.format_date(dt.date(2026, 3, 18), "en"),
        days=13,
        total=22,
    )
    prs = Presentation(str(decks["management"]))
    title_texts = [s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame]
    assert any(line in t for t in title_texts)
    stamped = {
        main_titles(decks["management"])[i]
        for i, slide in enumerate(prs.slides)
        if any(s.name == STAMP and s.text_frame.text == line for s in slide.shapes)
    }
    for key in ("kpis", "volume", "quality_trend", "projects", "labelers", "wellbeing"):
        assert i18n.translate(f"slide.{key}") in stamped, key
    # A complete month says nothing of the kind.
    full = Presentation(str(decks["full"]))
    assert not any(s.name == STAMP for slide in full.slides for s in slide.shapes)


def test_the_partial_last_week_is_left_out_and_named(decks):
    m = partial_metrics()
    last = m.quality_weekly.iloc[-1]
    prs = Presentation(str(decks["management"]))
    i = main_titles(decks["management"]).index(i18n.translate("slide.quality_trend"))
    slide = prs.slides[i]
    chart = next(s.chart for s in slide.shapes if s.has_chart)
    weeks = list(chart.plots[0].categories)
    assert i18n.format_week(last["period"], "en") not in weeks
    assert len(weeks) == min(len(m.quality_weekly), 13) - 1
    caption = " ".join(s.text_frame.text for s in slide.shapes if s.name == "LX Caption")
    assert i18n.format_week(last["period"], "en") in caption and "3 working day" in caption


@pytest.mark.parametrize("which", ["management", "business", "team", "zh", "zh_business"])
def test_no_code_names_in_visible_text_or_notes(decks, which):
    texts = visible_text(decks[which]) + notes_of(decks[which])
    found = sorted({m.group(0) for t in texts for m in CODE_NAME.finditer(t)})
    assert not found


def _english_chunks() -> dict[str, str]:
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    out = {}
    zh_text = "\n".join(zh.values())
    for key, text in en.items():
        if zh.get(key) == text:
            continue  # the same in both (SLA, FTE, a citation)
        if text in SHEETS:
            continue  # a sheet's own name ("Audits"), quoted as the source in the notes
        for chunk in re.split(r"\{[^}]*\}", text):
            chunk = chunk.strip(" ,.;:()…–-")
            # An English word the zh catalogue itself uses (a journal in a citation) is not
            # a leftover.
            if len(chunk) >= 4 and re.search(r"[A-Za-z]{3}", chunk) and chunk not in zh_text:
                out[chunk] = key
    return out


@pytest.mark.parametrize("which", ["zh", "zh_business", "zh_team"])
def test_the_zh_deck_has_no_english_catalogue_text_left(decks, which):
    texts = visible_text(decks[which]) + notes_of(decks[which])
    blob = "\n".join(texts)
    left = {
        k: chunk
        for chunk, k in _english_chunks().items()
        if re.search(rf"(?<![A-Za-z]){re.escape(chunk)}(?![A-Za-z])", blob)
    }
    assert not left


def test_each_audience_gets_its_documented_slide_list(decks):
    docs = (Path(__file__).parents[2] / "docs" / "deck.md").read_text(encoding="utf-8")
    for audience, keys in AUDIENCE_SLIDES.items():
        topics = main_titles(decks[audience])
        expected = [i18n.translate(f"slide.{k}") for k in keys if k not in ("title", "definitions")]
        assert [t for t in topics if t in expected] == expected, audience
        listed = re.search(rf"^- `{audience}`[^:]*: (.+)$", docs, re.M)
        assert listed, f"docs/deck.md lists no slides for {audience}"
        assert [x.strip(" `.") for x in listed.group(1).split(",")] == list(keys), audience
    business = set(AUDIENCE_SLIDES["business"])
    assert "requirements" in business and not {"labelers", "wellbeing", "calibration"} & business
    assert "labelers" in AUDIENCE_SLIDES["team"] and "capacity" not in AUDIENCE_SLIDES["team"]


def test_the_pareto_is_a_combo_chart_with_a_cumulative_line_on_a_percent_axis(decks):
    m = partial_metrics()
    prs = Presentation(str(decks["management"]))
    i = main_titles(decks["management"]).index(i18n.translate("slide.quality_policy"))
    charts = [s.chart for s in prs.slides[i].shapes if s.has_chart]
    pareto = next(c for c in charts if c._chartSpace.find(f".//{{{C}}}lineChart") is not None)
    space = pareto._chartSpace
    assert space.find(f".//{{{C}}}barChart") is not None
    line = space.find(f".//{{{C}}}lineChart")
    cached = [
        float(v.text)
        for v in line.iter(f"{{{C}}}v")
        if v.getparent().tag == f"{{{C}}}pt" and v.getparent().getparent().tag == f"{{{C}}}numCache"
    ]
    errors = m.pareto.sort_values("errors", ascending=False)["errors"]
    assert cached == pytest.approx((errors.cumsum() / errors.sum()).tolist())
    ax_ids = [a.get("val") for a in line.findall(f"{{{C}}}axId")]
    right = [
        ax for ax in space.iter(f"{{{C}}}valAx") if ax.find(f"{{{C}}}axId").get("val") in ax_ids
    ]
    assert right and right[0].find(f"{{{C}}}axPos").get("val") == "r"
    assert right[0].find(f"{{{C}}}numFmt").get("formatCode") == "0%"
    etree.fromstring(etree.tostring(space))  # well-formed


def test_calibration_names_the_drifting_rater_only_for_the_team(decks):
    m = partial_metrics()
    drifter = sorted(m.names)[3]  # agreed 20 of 40 with the consensus, the others ~93%
    for which in ("management", "team"):
        prs = Presentation(str(decks[which]))
        i = main_titles(decks[which]).index(i18n.translate("slide.calibration"))
        slide = prs.slides[i]
        assert slide.shapes.title.text_frame.text.endswith("raters drifting: 1")
        shown = "\n".join(visible_text_of_slide(slide))
        assert (m.names[drifter] in shown) == (which == "team")


def visible_text_of_slide(slide) -> list[str]:
    return [t.text for t in slide._element.iter(f"{{{A}}}t") if t.text]


def test_business_deck_has_requirements_and_no_people(decks):
    prs = Presentation(str(decks["business"]))
    topics = main_titles(decks["business"])
    slide = prs.slides[topics.index(i18n.translate("slide.requirements"))]
    assert slide.shapes.title.text_frame.text == i18n.translate(
        "takeaway.requirements", open=2, overdue=1, new=1
    )
    table = next(s.table for s in slide.shapes if s.has_table)
    first = [c.text for c in table.rows[1].cells]
    assert first[0] == "Hate-speech labels v2" and first[-1] == "16"  # overdue first
    m = partial_metrics()
    text = "\n".join(visible_text(decks["business"]) + notes_of(decks["business"]))
    assert not [w for w in [*m.names, *m.names.values()] if w in text]
    kpi_text = "\n".join(visible_text_of_slide(prs.slides[1]))
    assert i18n.translate("kpi.headcount") not in kpi_text  # a people KPI


def test_no_data_projects_are_grey_never_green(decks):
    prs = Presentation(str(decks["management"]))
    slide = prs.slides[main_titles(decks["management"]).index(i18n.translate("slide.projects"))]
    table = next(s.table for s in slide.shapes if s.has_table)
    cells = [r.cells[1] for r in list(table.rows)[1:] if r.cells[1].text == "No data"]
    assert len(cells) == 1
    assert str(cells[0].fill.fore_color.rgb) == "8C8C8C"
    assert slide.shapes.title.text_frame.text.endswith(
        i18n.translate("takeaway.projects_nodata", n=1)
    )


def test_capacity_slide_shows_the_plan_assumptions(decks):
    prs = Presentation(str(decks["management"]))
    slide = prs.slides[main_titles(decks["management"]).index(i18n.translate("slide.capacity"))]
    table = next(s.table for s in slide.shapes if s.has_table)
    rows = [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    assert [r[0] for r in rows] == ["Planned volume", "Average handle time", "Shrinkage"]
    assert rows[1][1] == "38.2 s" and rows[2][1] == "31.0%" and rows[0][1] == "240,000"
    assert rows[0][2] == "Projects"


@pytest.mark.parametrize(
    "unit,value,target,digits",
    [
        ("seconds", 37.5, 37.4, 1),  # "38 s vs 37 s" would overstate a 0.1 s gap
        ("seconds", 37.7, 36.9, 1),
        ("seconds", 52.0, 37.0, 0),
        ("pct", 0.9554, 0.95, 1),
        ("pct", 0.9504, 0.95, 2),
        ("count", 1200.0, 1340.0, 0),
    ],
)
def test_precision_keeps_the_comparison_with_target_honest(unit, value, target, digits):
    assert honest_digits(unit, value, target) == digits


def test_changes_below_the_shown_precision_read_no_change(tmp_path):
    m = make_metrics()
    k = m.kpis.copy()
    aht = k["kpi"] == "aht_sec"
    k.loc[aht, ["value", "previous", "change", "target"]] = [37.6, 37.4, 0.2, 30.0]
    path = build_deck(dataclasses.replace(m, kpis=k), tmp_path / "k.pptx")
    table = next(s.table for s in Presentation(str(path)).slides[1].shapes if s.has_table)
    row = next(
        [c.text for c in r.cells] for r in table.rows if r.cells[0].text == "Average handle time"
    )
    assert row[1] == "38 s" and row[5] == "no change"
    assert not any(c.text.startswith("±") for r in table.rows for c in r.cells)
