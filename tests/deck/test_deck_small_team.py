"""A 10-person team with one week of data (2–6 Nov 2026) gets a sensible deck: the month
is marked incomplete, no trend is drawn from one point, nothing overflows or raises."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pptx import Presentation

from labelxl.deck.slides.base import STAMP
from labelxl.demo import generate_demo
from labelxl.model.schema import WORKBOOKS
from labelxl.outputs import i18n
from labelxl.outputs.templates import write_workbook
from labelxl.pipeline import Pipeline

from .test_deck_build import main_titles
from .test_deck_director import CODE_NAME, notes_of, visible_text

START, END = dt.date(2026, 11, 2), dt.date(2026, 11, 6)


def write_small_team(folder, people: int = 10) -> None:
    """The demo organisation cut to ``people`` people and one week, written as workbooks."""
    frames = {
        k: v.copy() for k, v in generate_demo(people=20, months=1, end=END, seed=11).frames.items()
    }
    keep = set(frames["Roster"]["person_id"].iloc[:people])
    frames["Roster"] = frames["Roster"][frames["Roster"]["person_id"].isin(keep)]
    lo, hi = pd.Timestamp(START), pd.Timestamp(END)

    def week(df: pd.DataFrame, column: str) -> pd.DataFrame:
        d = pd.to_datetime(df[column], errors="coerce")
        return df[(d >= lo) & (d <= hi)]

    for sheet, person, date in (
        ("Production", "person_id", "date"),
        ("Timesheet", "person_id", "date"),
        ("Audits", "person_id", "audit_date"),
        ("Calibration", "rater_id", "date"),
    ):
        df = frames[sheet][frames[sheet][person].isin(keep)]
        if sheet == "Audits":
            df = df[df["auditor_id"].isin(keep)]
        frames[sheet] = week(df, date)
    frames["Queue"] = week(frames["Queue"], "date")
    for book, names in WORKBOOKS.items():
        write_workbook(folder / f"{book}.xlsx", {n: frames[n] for n in names}, title="small team")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    write_small_team(folder)
    p = Pipeline(folder, month="2026-11")
    return {
        a: p.deck(folder / f"{a}.pptx", audience=a, lang=lang)
        for a, lang in (("management", "en"), ("team", "en"), ("business", "zh"))
    }


def test_the_incomplete_month_is_said_on_the_title_and_the_time_based_slides(small):
    line = i18n.translate(
        "window.through", "en", date=i18n.format_date(END, "en"), days=5, total=21
    )
    prs = Presentation(str(small["management"]))
    assert any(line in s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    stamped = sum(any(s.name == STAMP for s in slide.shapes) for slide in prs.slides)
    assert stamped >= 8


def test_one_week_draws_no_trend_from_single_points(small):
    prs = Presentation(str(small["management"]))
    topics = main_titles(small["management"])
    for key in ("volume", "quality_trend"):
        slide = prs.slides[topics.index(i18n.translate(f"slide.{key}"))]
        assert not any(s.has_chart for s in slide.shapes), key
    quality = prs.slides[topics.index(i18n.translate("slide.quality_trend"))]
    assert i18n.translate("empty.few_weeks", n=1, min=3) in "\n".join(
        s.text_frame.text for s in quality.shapes if s.has_text_frame
    )


def test_labelers_are_the_ten_people_at_most(small):
    prs = Presentation(str(small["team"]))
    title = prs.slides[main_titles(small["team"]).index(i18n.translate("slide.labelers"))]
    total = int(title.shapes.title.text_frame.text.split(" of ")[1].split()[0])
    assert 1 <= total <= 10


@pytest.mark.parametrize("which", ["management", "team", "business"])
def test_small_team_deck_has_numbers_notes_and_no_code_names(small, which):
    prs = Presentation(str(small[which]))
    assert len(prs.slides) >= 8
    notes = notes_of(small[which])
    assert all(n for n in notes[1:])
    # the notes name the workbook and sheet each number was read from
    assert "tracker.xlsx › Projects" in "\n".join(notes)
    # Visible text only: the notes may quote the engine's notes for the manager, which name
    # the workbook columns to fill ("Fill target_volume in Projects").
    texts = visible_text(small[which])
    assert not {m.group(0) for t in texts for m in CODE_NAME.finditer(t)}
