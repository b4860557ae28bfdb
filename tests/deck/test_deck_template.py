"""Deck templates: named layouts, fallback by placeholder types, sample slides, clear errors."""

from __future__ import annotations

import zipfile

import pytest
from pptx import Presentation

from labelxl.deck import build_deck
from labelxl.deck.make_template import build as build_template
from labelxl.deck.template import ROLE_NAMES, default_template, open_template
from labelxl.errors import TemplateError

from .conftest import make_metrics


def test_default_template_is_16_9_with_the_named_layouts():
    prs = Presentation(str(default_template()))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    names = {layout.name for layout in prs.slide_layouts}
    assert set(ROLE_NAMES.values()) <= names
    assert len(prs.slides) == 0


def test_the_shipped_template_matches_its_generator(tmp_path):
    fresh = Presentation(str(build_template(tmp_path / "t.pptx")))
    shipped = Presentation(str(default_template()))
    assert [lay.name for lay in fresh.slide_layouts] == [lay.name for lay in shipped.slide_layouts]


def test_named_layouts_are_used(tmp_path):
    _, layouts = open_template()
    assert layouts.title.name == "LX Title" and layouts.content.name == "LX Title and Content"
    assert layouts.two.name == "LX Two Content" and layouts.closing.name == "LX Closing"


@pytest.fixture
def company_template(tmp_path):
    """python-pptx's plain Office template with two sample slides: no LX names."""
    prs = Presentation()
    for text in ("SAMPLE SLIDE ONE", "SAMPLE SLIDE TWO"):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = text
    path = tmp_path / "company.pptx"
    prs.save(str(path))
    return path


def test_company_template_maps_by_placeholder_types(company_template):
    _, layouts = open_template(company_template)
    assert layouts.title.name == "Title Slide"
    assert layouts.content.name in ("Title and Content", "Title and Vertical Text")
    assert layouts.two.name in ("Two Content", "Comparison")
    assert layouts.section.name == "Section Header"


def test_company_template_builds_without_its_sample_slides(company_template, tmp_path):
    out = build_deck(make_metrics(people=30), tmp_path / "deck.pptx", template=company_template)
    with zipfile.ZipFile(out) as zf:
        text = "".join(zf.read(n).decode("utf-8", "ignore") for n in zf.namelist())
    assert "SAMPLE SLIDE" not in text
    prs = Presentation(str(out))
    assert prs.slides[0].slide_layout.name == "Title Slide"
    assert prs.slides[1].slide_layout.name in ("Title and Content", "Title and Vertical Text")


def test_missing_layout_lists_what_the_template_has(tmp_path):
    prs = Presentation()
    for layout in list(prs.slide_layouts):
        if layout.name != "Blank":
            prs.slide_layouts.remove(layout)
    path = tmp_path / "blank-only.pptx"
    prs.save(str(path))
    with pytest.raises(TemplateError) as err:
        open_template(path)
    message = str(err.value)
    assert "'Blank'" in message and "'LX Title'" in message
    assert "'LX Title and Content'" in message


def test_not_a_template_is_a_template_error(tmp_path):
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a zip")
    with pytest.raises(TemplateError, match=r"bad\.pptx"):
        open_template(bad)
    with pytest.raises(TemplateError, match="does not exist"):
        open_template(tmp_path / "missing.pptx")
