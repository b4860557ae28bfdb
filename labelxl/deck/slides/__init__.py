"""The slides of the monthly deck: one builder per slide, each from the Metrics bundle.

A builder adds its slide(s) through ``Deck`` (which owns layouts, language, narrative and
who may be named) and never raises on empty data: a slide without data says so in a
sentence. Slide order is ``SLIDES``; which audience sees which slide is ``AUDIENCE_SLIDES``
(documented in docs/deck.md). After the build every slide but the title gets its number.

Modules: ``base`` (Deck, notes, helpers), ``summary`` (title, KPIs, volume), ``quality``
(trend, policy + Pareto, calibration), ``operations`` (projects, capacity, requirements),
``team`` (labelers, wellbeing), ``closing`` (risks, appendix, definitions, closing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from labelxl.deck import charts
from labelxl.deck.slides.base import SLIDE_NUMBER, Deck
from labelxl.deck.slides.closing import (
    appendix_slides,
    closing_slide,
    definitions_slides,
    risks_slide,
)
from labelxl.deck.slides.operations import capacity_slide, project_slide, requirements_slide
from labelxl.deck.slides.quality import (
    calibration_slide,
    quality_policy_slide,
    quality_trend_slide,
)
from labelxl.deck.slides.summary import kpi_cells, kpi_slide, title_slide, volume_slide
from labelxl.deck.slides.team import labeler_slide, wellbeing_slide

ALL = ("management", "business", "team")


@dataclass(frozen=True)
class SlideSpec:
    key: str
    build: Callable[[Deck], None]
    audiences: tuple[str, ...] = ALL


SLIDES: tuple[SlideSpec, ...] = (
    SlideSpec("title", title_slide),
    SlideSpec("kpis", kpi_slide),
    SlideSpec("volume", volume_slide, ("management", "business", "team")),
    SlideSpec("quality_trend", quality_trend_slide),
    SlideSpec("quality_policy", quality_policy_slide),
    SlideSpec("calibration", calibration_slide, ("management", "team")),
    SlideSpec("projects", project_slide, ("management", "business")),
    SlideSpec("requirements", requirements_slide, ("business",)),
    SlideSpec("labelers", labeler_slide, ("management", "team")),
    SlideSpec("capacity", capacity_slide, ("management",)),
    SlideSpec("wellbeing", wellbeing_slide, ("management", "team")),
    SlideSpec("risks", risks_slide),
    SlideSpec("appendix", appendix_slides),
    SlideSpec("definitions", definitions_slides),
    SlideSpec("closing", closing_slide),
)

AUDIENCE_SLIDES: dict[str, tuple[str, ...]] = {
    a: tuple(s.key for s in SLIDES if a in s.audiences) for a in ALL
}


def build_slides(deck: Deck, only: Sequence[str] | None = None) -> list[str]:
    for spec in SLIDES:
        if deck.audience in spec.audiences and (only is None or spec.key in only):
            spec.build(deck)
    number_slides(deck)
    return deck.built


def number_slides(deck: Deck) -> None:
    """A slide-number field at the bottom right of every slide but the title."""
    width, height = int(deck.prs.slide_width), int(deck.prs.slide_height)
    w, h = int(Emu(914400)), int(Emu(274320))
    for i, (slide, key) in enumerate(zip(deck.prs.slides, deck.built, strict=True), start=1):
        if key == "title":
            continue
        box = slide.shapes.add_textbox(
            width - w - int(Emu(365760)), height - h - int(Emu(91440)), w, h
        )
        box.name = SLIDE_NUMBER
        frame = box.text_frame
        frame.margin_top = frame.margin_bottom = 0
        p = frame.paragraphs[0]
        p.alignment = PP_ALIGN.RIGHT
        fld = etree.Element(
            qn("a:fld"), id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}", type="slidenum"
        )
        end = p._p.find(qn("a:endParaRPr"))
        if end is None:
            p._p.append(fld)
        else:
            end.addprevious(fld)
        rpr = etree.SubElement(fld, qn("a:rPr"), lang="en-US", sz=str(int(Pt(10).pt * 100)))
        fill_ = etree.SubElement(rpr, qn("a:solidFill"))
        etree.SubElement(fill_, qn("a:srgbClr"), val=str(charts.GREY))
        etree.SubElement(fld, qn("a:t")).text = str(i)


__all__ = ["AUDIENCE_SLIDES", "SLIDES", "Deck", "SlideSpec", "build_slides", "kpi_cells"]
