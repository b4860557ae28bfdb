"""The closing part: risks and actions, the appendix (continued tables, definitions) and the
closing slide."""

from __future__ import annotations

import pandas as pd
from pptx.enum.shapes import PP_PLACEHOLDER

from labelxl.deck.slides.base import (
    Deck,
    all_definitions,
    col,
    frame,
    in_month,
    num,
    weeks_up_to,
)
from labelxl.deck.slides.quality import QUALITY_WEEKS
from labelxl.deck.tables import Cell, add_table, column_widths, paginate
from labelxl.deck.template import body_rects
from labelxl.deck.text import Para, fill
from labelxl.outputs import i18n


def risks_slide(deck: Deck) -> None:
    m = deck.metrics
    pr = frame(m.projects)
    rag = col(pr, "rag")
    name = col(pr, "project_name").where(col(pr, "project_name").notna(), col(pr, "project_id"))
    q = weeks_up_to(frame(m.quality_weekly), m.month, QUALITY_WEEKS)
    ooc = [
        i18n.format_week(w, deck.lang)
        for w in col(q, "period")[
            col(q, "out_of_control", False).fillna(False).astype(bool)
        ].astype(str)
    ]
    lab = in_month(frame(m.labelers), m.month)
    over = in_month(frame(m.over_caps), m.month)
    by = frame(getattr(m.capacity, "by_market_language", None))
    gap = col(by, "gap_fte")
    people_level = deck.audience != "business"
    req = m.requirements
    overdue = frame(getattr(req, "overdue", None))
    values = dict(
        red=[deck.people.scrub(x) for x in name[rag == "Red"]],
        amber=[deck.people.scrub(x) for x in name[rag == "Amber"]],
        no_data=[deck.people.scrub(x) for x in name[rag == "No data"]],
        over_caps=len(over) if people_level else 0,
        over_names=deck.people.names(col(over, "person_id")) if deck.people.show_names else [],
        insufficient=int((col(lab, "flag") == "insufficient").sum()) if people_level else 0,
        below=int((col(lab, "flag") == "below").sum()) if people_level else 0,
        min_sample=m.settings.min_audit_sample,
        out_of_control=ooc,
        gap_markets=[
            str(x) for x in col(by, "market")[pd.to_numeric(gap, errors="coerce").fillna(0) > 0.5]
        ]
        if deck.audience == "management"
        else [],
        hires=num(col(by, "hires_needed").sum(min_count=1)) if not by.empty else None,
        errors=len(m.report.errors) if hasattr(m.report, "errors") else 0,
        people_level=people_level,
        overdue=len(overdue) if deck.audience == "business" else 0,
        partial=deck.partial,
        through=deck.date(deck.through) if deck.through else "",
    )
    lines = deck.narrative.render("risks", **values)
    actions = sum(1 for x in lines if x.lstrip().startswith("- "))
    topic = deck.t("slide.risks")
    title = deck.t("takeaway.risks", n=actions) if actions else deck.t("takeaway.risks_none")
    slide, rects = deck.slide("risks", "content", title, topic, timed=True)
    deck.text(slide, rects[0], lines, max_pt=18, min_pt=11)
    deck.notes(
        slide,
        [x.lstrip("- ").replace("**", "") for x in lines],
        ("rag", "coaching_flag", "insufficient_sample", "p_chart", "graphic_exposure"),
        ("Projects", "Audits", "Timesheet", "Roster"),
    )


def section_slide(deck: Deck, key: str, title: str, subtitle: str) -> None:
    slide, _ = deck.slide(key, "section", title)
    for ph in slide.placeholders:
        if ph.placeholder_format.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE):
            fill(ph.text_frame, [Para(subtitle)], int(ph.width), int(ph.height), 18, 11)
    deck.notes(slide, [subtitle])


def appendix_slides(deck: Deck) -> None:
    """The appendix divider, then every table row that did not fit its slide."""
    section_slide(deck, "appendix", deck.t("slide.appendix"), deck.t("appendix.subtitle"))
    rect = body_rects(deck.layouts.content, deck.prs)[0]
    for part in deck.continued:
        widths = column_widths(part.header, part.rows, rect.width, part.weights)
        pages = paginate(part.rows, widths, rect.height, part.size_pt, part.header)
        for i, page in enumerate(pages, start=1):
            title = deck.t("slide.continued", topic=part.topic)
            if len(pages) > 1:
                title += f" ({i}/{len(pages)})"
            slide, rects = deck.slide("continued", "content", title, deck.t("slide.appendix"))
            add_table(
                slide,
                rects[0],
                part.header,
                list(page),
                weights=part.weights,
                more=lambda n: deck.t("table.more", n=n),
                size_pt=part.size_pt,
                min_pt=part.size_pt,
                max_lines=part.max_lines,
            )
            deck.notes(slide, [deck.t("notes.continued", topic=part.topic, n=len(page))])


# Definitions an audience's slides never use (business: no people data; team: no plans).
NOT_SHOWN = {
    "management": frozenset({"requirements"}),
    "business": frozenset(
        {
            "coaching_flag",
            "insufficient_sample",
            "utilization",
            "shrinkage",
            "capacity_batch",
            "capacity_realtime",
            "hiring_funnel",
            "attrition",
            "graphic_exposure",
            "wellness",
            "kappa",
            "krippendorff_alpha",
            "calibration_agreement",
            "consensus",
        }
    ),
    "team": frozenset(
        {"capacity_batch", "capacity_realtime", "hiring_funnel", "attrition", "requirements"}
    ),
}


def definitions_slides(deck: Deck) -> None:
    hidden = NOT_SHOWN.get(deck.audience, frozenset())
    defs = [d for d in all_definitions(deck.lang) if d.key not in hidden]
    header = [deck.t("defs.term"), deck.t("defs.text"), deck.t("defs.source")]
    rows = [[Cell(d.term, bold=True), Cell(d.text), Cell(d.source)] for d in defs]
    rect = body_rects(deck.layouts.content, deck.prs)[0]
    size = 11
    weights = [2.0, 6.5, 2.6]
    widths = column_widths(header, rows, rect.width, weights)
    pages = paginate(rows, widths, rect.height, size, header)
    for i, page in enumerate(pages, start=1):
        title = deck.t("slide.definitions")
        if len(pages) > 1:
            title += f" ({i}/{len(pages)})"
        slide, rects = deck.slide("definitions", "content", title)
        add_table(
            slide,
            rects[0],
            header,
            list(page),
            weights=weights,
            more=lambda n: deck.t("table.more", n=n),
            size_pt=size,
            min_pt=size,
            max_lines=8,
        )
        deck.notes(slide, [deck.t("notes.definitions_page")])


def closing_slide(deck: Deck) -> None:
    slide, _ = deck.slide("closing", "closing", deck.t("slide.closing"))
    lines = [deck.t("closing.note", month=deck.month())]
    through = deck.through_line()
    if through:
        lines.append(through)
    if deck.people.pseudonymise:
        lines.append(deck.t("closing.pseudonymised"))
    deck.subtitle(slide, lines)
    deck.notes(slide, [deck.t("notes.closing")])
