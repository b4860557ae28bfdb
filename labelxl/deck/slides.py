"""The slides of the monthly deck: one builder per slide, each from the Metrics bundle.

A builder adds its slide(s) through ``Deck`` (which owns layouts, language, narrative and
who may be named) and never raises on empty data: a slide without data says so in a
sentence. Slide order and audiences are in ``SLIDES``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu

from labelxl.deck import charts
from labelxl.deck.charts import Rect
from labelxl.deck.narrative import Narrative
from labelxl.deck.people import People
from labelxl.deck.tables import Cell, add_table, column_widths, paginate
from labelxl.deck.template import Layouts, body_rects
from labelxl.deck.text import Para, fill, fit, parse_markdown, write_paras
from labelxl.metrics import Metrics, projects
from labelxl.outputs import i18n

NARRATIVE_H = Emu(1234440)  # 1.35 in: room for three short sentences at 14 pt
GAP = Emu(91440)
TREND_MONTHS = 12
QUALITY_WEEKS = 13
TOP_PROJECTS = 12
GREY_TEXT = RGBColor(0x59, 0x59, 0x59)


@dataclass
class Deck:
    """Everything a slide builder needs."""

    prs: Any
    layouts: Layouts
    metrics: Metrics
    lang: str
    audience: str
    people: People
    narrative: Narrative
    built: list[str] = field(default_factory=list)  # slide keys, in order

    # ---- text helpers
    def t(self, key: str, **values: Any) -> str:
        return i18n.translate(key, self.lang, **values)

    def name_of(self, kind: str, value: Any) -> str:
        """A data value's display name (``error.FalsePositive``), else the value itself."""
        key = f"{kind}.{value}"
        return self.t(key) if i18n.has(key, self.lang) else str(value)

    def pct(self, x: Any, digits: int = 1) -> str:
        return i18n.format_percent(x, self.lang, digits)

    def num(self, x: Any, digits: int = 0) -> str:
        return i18n.format_number(x, self.lang, digits)

    # ---- slide scaffolding
    def slide(self, key: str, role: str, title: str):
        """A new slide on the role's layout with its title set; body placeholders removed.

        Returns the slide and the visual rectangles (the layout's body boxes).
        """
        layout = getattr(self.layouts, role) or self.layouts.content
        slide = self.prs.slides.add_slide(layout)
        rects = body_rects(layout, self.prs)
        if role == "two" and self.layouts.two is None and len(rects) == 1:
            rects = list(rects[0].split_h(0.5))
        for ph in list(slide.placeholders):
            kind = ph.placeholder_format.type
            if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE):
                self._title(ph, title)
            elif not _keeps(role, kind):
                ph._element.getparent().remove(ph._element)
        self.built.append(key)
        return slide, rects

    def _title(self, ph, title: str) -> None:
        paras = [Para(title)]
        size, shown = fit(paras, int(ph.width), int(ph.height), 28, 18)
        if size >= 28 and shown == paras:
            ph.text_frame.text = title  # the template's own size and style
        else:
            write_paras(ph.text_frame, shown, size)

    def subtitle(self, slide, lines: list[str]) -> None:
        for ph in slide.placeholders:
            if ph.placeholder_format.type in (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY):
                fill(ph.text_frame, [Para(x) for x in lines], int(ph.width), int(ph.height), 20, 12)
                return

    def text(
        self, slide, rect: Rect, lines: list[str], max_pt: float = 14, min_pt: float = 10, **style
    ) -> None:
        box = slide.shapes.add_textbox(rect.left, rect.top, rect.width, rect.height)
        box.name = "LX Narrative"
        fill(
            box.text_frame, parse_markdown(lines), rect.width, rect.height, max_pt, min_pt, **style
        )

    def say(self, slide, rect: Rect, slide_key: str, **values: Any) -> None:
        self.text(slide, rect, self.narrative.render(slide_key, **values))

    def empty(self, slide, rect: Rect, message: str) -> None:
        """The sentence a slide shows instead of an empty chart."""
        box = slide.shapes.add_textbox(rect.left, rect.top, rect.width, rect.height)
        box.name = "LX Empty"
        frame = box.text_frame
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        fill(frame, [Para(message)], rect.width, rect.height, 16, 11, colour=GREY_TEXT)
        for p in frame.paragraphs:
            p.alignment = PP_ALIGN.CENTER

    def split(self, rects: list[Rect]) -> tuple[list[Rect], Rect]:
        """Visual rectangles above a narrative band spanning their full width."""
        left = min(r.left for r in rects)
        right = max(r.left + r.width for r in rects)
        bottom = max(r.top + r.height for r in rects)
        band = Rect(left, bottom - NARRATIVE_H, right - left, NARRATIVE_H)
        visuals = [Rect(r.left, r.top, r.width, r.height - NARRATIVE_H - GAP) for r in rects]
        return visuals, band


def _keeps(role: str, kind: PP_PLACEHOLDER) -> bool:
    """Placeholders a slide fills itself; every other one is removed (no empty prompts)."""
    if role in ("title", "closing"):
        return kind in (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY)
    return role == "section" and kind in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE)


# ---------------------------------------------------------------------------------------
# Data helpers


def frame(value: Any) -> pd.DataFrame:
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()


def col(f: pd.DataFrame, name: str, default: Any = np.nan) -> pd.Series:
    if name in f.columns:
        return f[name]
    return pd.Series([default] * len(f), index=f.index, dtype=object)


def num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def in_month(f: pd.DataFrame, month: str) -> pd.DataFrame:
    """Rows of ``month`` when the frame has periods; the frame itself otherwise."""
    if f.empty or "period" not in f.columns:
        return f
    periods = f["period"].astype(str)
    if periods.str.len().eq(7).all():
        return f[periods == month]
    return f


def up_to(f: pd.DataFrame, month: str, n: int) -> pd.DataFrame:
    """The last ``n`` monthly rows up to ``month``, in order."""
    if f.empty or "period" not in f.columns:
        return f
    f = f[f["period"].astype(str) <= month].sort_values("period")
    return f.tail(n)


def weeks_up_to(f: pd.DataFrame, month: str, n: int) -> pd.DataFrame:
    """The last ``n`` ISO weeks whose Monday is on or before the month's last day."""
    if f.empty or "period" not in f.columns:
        return f
    end = (pd.Period(month, "M").end_time).date()
    mondays = pd.to_datetime(f["period"].astype(str) + "-1", format="%G-W%V-%u", errors="coerce")
    keep = f[mondays.dt.date <= end].assign(_m=mondays).sort_values("_m").drop(columns="_m")
    return keep.tail(n)


def kpi_label(deck: Deck, key: str) -> str:
    return (
        deck.t(f"kpi.{key}")
        if i18n.has(f"kpi.{key}", deck.lang)
        else key.replace("_", " ").capitalize()
    )


def kpi_row(metrics: Metrics, key: str) -> dict[str, Any] | None:
    k = metrics.kpis
    if k.empty or "kpi" not in k.columns:
        return None
    rows = k[k["kpi"] == key]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return {
        c: (
            num(r[c])
            if c in ("value", "ci_low", "ci_high", "target", "previous", "change")
            else r[c]
        )
        for c in k.columns
    }


# ---------------------------------------------------------------------------------------
# Slides


def title_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, _ = deck.slide("title", "title", deck.t("deck.title"))
    lines = [
        deck.t("deck.subtitle", month=i18n.format_month(m.month, deck.lang)),
        deck.t(f"audience.{deck.audience}")
        + " · "
        + deck.t("deck.generated", date=i18n.format_date(pd.Timestamp.today(), deck.lang, "long")),
    ]
    deck.subtitle(slide, lines)


def kpi_cells(deck: Deck, r: pd.Series) -> list[Cell]:
    """One KPI table row, each number formatted as the table prints it (tests reuse this)."""
    unit = str(r.get("unit") or "count")
    lang = deck.lang
    status = str(r.get("status") or "none")
    status = status if status in charts.STATUS else "none"
    low, high = num(r.get("ci_low")), num(r.get("ci_high"))
    ci = (
        f"{i18n.format_measure(low, unit, lang)} – {i18n.format_measure(high, unit, lang)}"
        if low is not None and high is not None
        else i18n.MISSING
    )
    change = num(r.get("change"))
    better = bool(r.get("higher_is_better")) if r.get("higher_is_better") is not None else True
    shown_change = i18n.format_change(change, unit, lang)
    colour = None
    if change is not None and shown_change[:1] in ("+", "−"):  # "±0" after rounding: no colour
        colour = charts.GREEN if (change > 0) == better else charts.RED
    return [
        Cell(kpi_label(deck, str(r["kpi"]))),
        Cell(i18n.format_measure(r.get("value"), unit, lang), bold=True, align="r"),
        Cell(ci, align="r"),
        Cell(i18n.format_measure(r.get("target"), unit, lang), align="r"),
        Cell(
            deck.t(f"status.{status}"),
            fill=charts.STATUS[status],
            colour=RGBColor(0xFF, 0xFF, 0xFF),
            bold=True,
            align="c",
        ),
        Cell(shown_change, colour=colour, align="r"),
    ]


def kpi_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("kpis", "content", deck.t("slide.kpis"))
    visuals, band = deck.split(rects)
    k = m.kpis
    if k.empty or "kpi" not in k.columns:
        deck.empty(slide, visuals[0], deck.t("empty.kpis"))
    else:
        header = [deck.t(f"kpis.{c}") for c in ("kpi", "value", "ci", "target", "status", "change")]
        rows = [kpi_cells(deck, r) for _, r in k.iterrows()]
        add_table(
            slide,
            visuals[0],
            header,
            rows,
            weights=[3.2, 1.6, 2.4, 1.5, 1.3, 1.6],
            more=lambda n: deck.t("table.more", n=n),
            size_pt=14,
            min_pt=10,
            max_lines=1,
        )
    statuses = col(k, "status").astype(str).value_counts().to_dict() if not k.empty else {}
    deck.say(
        slide,
        band,
        "kpis",
        month=m.month,
        previous_month=m.previous_month,
        accuracy=kpi_row(m, "accuracy"),
        good=int(statuses.get("good", 0)),
        watch=int(statuses.get("watch", 0)),
        bad=int(statuses.get("bad", 0)),
        below=int((col(m.labelers, "flag") == "below").sum()),
        target=m.settings.accuracy_target,
        confidence=m.settings.confidence,
    )


def volume_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("volume", "two", deck.t("slide.volume"))
    visuals, band = deck.split(rects)
    tr = up_to(frame(m.trend), m.month, TREND_MONTHS)
    months = [i18n.format_month(p, deck.lang, short=True) for p in col(tr, "period")]
    if len(tr) < 2:
        deck.empty(slide, visuals[0], deck.t("empty.one_month"))
    else:
        charts.column_chart(
            slide,
            visuals[0],
            months,
            {deck.t("label.items"): col(tr, "items")},
            title=deck.t("chart.items"),
            number_format="#,##0",
        )
        charts.line_chart(
            slide,
            visuals[1],
            months,
            {deck.t("label.throughput"): col(tr, "throughput")},
            title=deck.t("chart.throughput"),
            number_format="0.0",
            axis_title=deck.t("label.items_per_hour"),
        )
    this = (
        tr[tr["period"] == m.month].iloc[-1]
        if "period" in tr and (tr["period"] == m.month).any()
        else None
    )
    prev = (
        tr[tr["period"] == m.previous_month].iloc[-1]
        if m.previous_month and "period" in tr and (tr["period"] == m.previous_month).any()
        else None
    )

    def get(row: pd.Series | None, name: str) -> float | None:
        return None if row is None or name not in row else num(row[name])

    items, items_prev = get(this, "items"), get(prev, "items")
    deck.say(
        slide,
        band,
        "volume",
        month=m.month,
        items=items,
        items_prev=items_prev,
        items_change=(items / items_prev - 1) if items and items_prev else None,
        throughput=get(this, "throughput"),
        throughput_prev=get(prev, "throughput"),
        aht=get(this, "aht_sec"),
        months=len(tr),
    )


def quality_trend_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("quality_trend", "content", deck.t("slide.quality_trend"))
    visuals, band = deck.split(rects)
    q = weeks_up_to(frame(m.quality_weekly), m.month, QUALITY_WEEKS)
    q = q[pd.to_numeric(col(q, "audited"), errors="coerce").fillna(0) > 0] if not q.empty else q
    target = m.settings.accuracy_target
    ooc: list[str] = []
    if q.empty:
        deck.empty(slide, visuals[0], deck.t("empty.audits"))
    else:
        acc = pd.to_numeric(col(q, "accuracy"), errors="coerce")
        p = pd.to_numeric(col(q, "p"), errors="coerce")
        acc = acc.where(acc.notna(), 1 - p)
        # The p-chart is on the error rate; 1 − limit puts it on the accuracy scale.
        upper = 1 - pd.to_numeric(col(q, "lcl"), errors="coerce")
        lower = 1 - pd.to_numeric(col(q, "ucl"), errors="coerce")
        flagged = col(q, "out_of_control", False).fillna(False).astype(bool).tolist()
        weeks = [i18n.format_week(w, deck.lang) for w in q["period"].astype(str)]
        ooc = [w for w, bad in zip(weeks, flagged, strict=True) if bad]
        lo, hi, fmt = charts.percent_range(
            [*acc, *col(q, "ci_low"), *col(q, "ci_high"), target, *lower.clip(lower=0)]
        )
        charts.band_chart(
            slide,
            visuals[0],
            weeks,
            low=col(q, "ci_low"),
            high=col(q, "ci_high"),
            band_name=deck.t("label.ci_band", level=deck.pct(m.settings.confidence, 0)),
            lines={
                deck.t("label.accuracy"): (acc, charts.NAVY, False),
                deck.t("label.target"): ([target] * len(q), charts.GREEN, True),
                deck.t("label.lcl"): (lower, charts.ORANGE, True),
                deck.t("label.ucl"): (upper.clip(upper=1), charts.ORANGE, True),
            },
            title=deck.t("chart.quality_weekly"),
            number_format=fmt,
            minimum=lo,
            maximum=hi,
            flagged=flagged,
            flag_series=deck.t("label.accuracy"),
        )
    deck.say(
        slide,
        band,
        "quality_trend",
        month=m.month,
        accuracy=kpi_row(m, "accuracy"),
        target=target,
        confidence=m.settings.confidence,
        weeks=len(q),
        out_of_control=ooc,
    )


def quality_policy_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("quality_policy", "two", deck.t("slide.quality_policy"))
    visuals, band = deck.split(rects)
    pol = in_month(frame(m.quality_by.get("policy_area")), m.month)
    if pol.empty or "policy_area" not in pol.columns:
        deck.empty(slide, visuals[0], deck.t("empty.audits"))
        pol = pd.DataFrame()
    else:
        pol = pol.sort_values("accuracy", kind="stable").head(10)
        lo, hi, fmt = charts.percent_range([*col(pol, "accuracy"), m.settings.accuracy_target])
        highs = pd.to_numeric(col(pol, "ci_high"), errors="coerce")
        colours = [
            charts.RED if h < m.settings.accuracy_target else charts.NAVY for h in highs
        ]  # NaN compares False: no interval, no red
        charts.column_chart(
            slide,
            visuals[0],
            [str(x) for x in pol["policy_area"]],
            {deck.t("label.accuracy"): col(pol, "accuracy")},
            title=deck.t("chart.policy"),
            number_format=fmt,
            horizontal=True,
            point_colours=colours,
            minimum=lo,
            maximum=hi,
            labels=True,
        )
    par = frame(m.pareto)
    if par.empty or "errors" not in par.columns or par["errors"].sum() == 0:
        deck.empty(slide, visuals[1], deck.t("empty.errors"))
        par = pd.DataFrame()
    else:
        names = [deck.name_of("error", e) for e in par["error_type"]]
        charts.column_chart(
            slide,
            visuals[1],
            names,
            {deck.t("label.errors"): par["errors"]},
            title=deck.t("chart.pareto"),
            number_format="#,##0",
            labels=True,
        )
    worst = pol.iloc[0] if not pol.empty else None
    top = par.iloc[0] if not par.empty else None
    deck.say(
        slide,
        band,
        "quality_policy",
        worst_policy=None if worst is None else str(worst["policy_area"]),
        worst_accuracy=None if worst is None else num(worst["accuracy"]),
        below_target=int(
            (pd.to_numeric(col(pol, "ci_high"), errors="coerce") < m.settings.accuracy_target).sum()
        ),
        top_error=None if top is None else deck.name_of("error", top["error_type"]),
        top_share=None if top is None else num(top.get("share")),
        error_types=len(par),
    )


_RAG_ORDER = {"Red": 0, "Amber": 1, "Green": 2}


def _reasons(deck: Deck, r: pd.Series) -> str:
    """The RAG reasons in the deck's language (the engine writes them in English)."""
    codes = [c for c in str(r.get("rag_codes") or "").split(",") if c]
    if deck.lang == i18n.DEFAULT_LANG or not codes:
        return str(r.get("reasons") or "")
    target_sla = r.get("sla_target")
    margin = projects.SLA_RED_MARGIN
    values = {
        "sla": deck.pct(r.get("sla"), 1),
        "accuracy": deck.pct(r.get("accuracy"), 1),
        "low": deck.pct(r.get("accuracy_low"), 1),
        "high": deck.pct(r.get("accuracy_high"), 1),
        "volume": deck.pct(r.get("volume_vs_plan"), 1),
        "end": i18n.format_date(r.get("end_date"), deck.lang),
    }
    parts = []
    for code in codes:
        extra: dict[str, str] = {}
        if code.startswith("sla"):
            extra = {
                "target": deck.pct(target_sla, 0),
                "limit": deck.pct(None if target_sla is None else target_sla - margin, 0),
            }
        elif code.startswith("accuracy"):
            extra = {"target": deck.pct(r.get("accuracy_target"), 1)}
        elif code.startswith("volume"):
            limit = projects.VOLUME_RED if code.endswith("red") else projects.VOLUME_AMBER
            extra = {"limit": deck.pct(limit, 0)}
        elif code.startswith("deadline"):
            when = r.get("forecast_low") if code.endswith("red") else r.get("forecast_finish")
            extra = {"forecast": i18n.format_date(when, deck.lang)}
        parts.append(deck.t(f"rag.reason.{code}", **values, **extra))
    return "；".join(parts) if deck.lang.startswith("zh") else "; ".join(parts)


def project_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("projects", "content", deck.t("slide.projects"))
    visuals, band = deck.split(rects)
    pr = frame(m.projects)
    counts = col(pr, "rag").astype(str).value_counts().to_dict() if not pr.empty else {}
    if pr.empty:
        deck.empty(slide, visuals[0], deck.t("empty.projects"))
    else:
        pr = pr.assign(_o=col(pr, "rag").map(_RAG_ORDER).fillna(3)).sort_values(
            ["_o", "project_id"], kind="stable"
        )
        rows = []
        white = RGBColor(0xFF, 0xFF, 0xFF)
        for _, r in pr.iterrows():
            rag = str(r.get("rag") or "")
            name = deck.people.scrub(r.get("project_name") or r.get("project_id"))
            reasons = deck.people.scrub(_reasons(deck, r)) or "–"
            rows.append(
                [
                    Cell(name),
                    Cell(
                        deck.t(f"rag.{rag}") if rag in _RAG_ORDER else "–",
                        fill=charts.RAG.get(rag),
                        colour=white if rag in _RAG_ORDER else None,
                        bold=True,
                        align="c",
                    ),
                    Cell(deck.pct(r.get("volume_vs_plan"), 0), align="r"),
                    Cell(deck.pct(r.get("sla"), 1), align="r"),
                    Cell(deck.pct(r.get("accuracy"), 1), align="r"),
                    Cell(i18n.format_date(r.get("forecast_finish"), deck.lang), align="r"),
                    Cell(reasons),
                ]
            )
        header = [
            deck.t(f"projects.{c}")
            for c in ("project", "rag", "volume", "sla", "accuracy", "forecast", "reasons")
        ]
        add_table(
            slide,
            visuals[0],
            header,
            rows[: max(TOP_PROJECTS * 4, 1)],
            weights=[2.6, 1.0, 1.1, 1.0, 1.1, 1.6, 4.6],
            more=lambda n: deck.t("table.more", n=n + max(0, len(rows) - TOP_PROJECTS * 4)),
            size_pt=12,
            min_pt=10,
            max_lines=2,
        )
    red = [deck.people.scrub(x) for x in col(pr, "project_name")[col(pr, "rag") == "Red"]]
    deck.say(
        slide,
        band,
        "projects",
        total=len(pr),
        red=int(counts.get("Red", 0)),
        amber=int(counts.get("Amber", 0)),
        green=int(counts.get("Green", 0)),
        red_names=red,
    )


def labeler_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("labelers", "content", deck.t("slide.labelers"))
    visuals, band = deck.split(rects)
    lab = in_month(frame(m.labelers), m.month)
    flags = col(lab, "flag").astype(str)
    if lab.empty or "throughput" not in lab.columns or "accuracy" not in lab.columns:
        deck.empty(slide, visuals[0], deck.t("empty.labelers"))
    else:
        groups = [
            (
                deck.t(f"flag.{f}"),
                lab.loc[flags == f, "throughput"],
                lab.loc[flags == f, "accuracy"],
                charts.FLAG[f],
            )
            for f in ("within", "insufficient", "above", "below")
        ]
        lo, hi, fmt = charts.percent_range(
            [*lab["accuracy"].dropna().clip(lower=float(lab["accuracy"].quantile(0.01)))]
        )
        charts.scatter_chart(
            slide,
            visuals[0],
            groups,
            title=deck.t("chart.labelers"),
            x_title=deck.t("label.items_per_hour"),
            y_title=deck.t("label.accuracy"),
            x_format="0",
            y_format=fmt,
            y_min=lo,
            y_max=hi,
        )
    below = lab[flags == "below"]
    names = deck.people.names(col(below, "person_id")) if deck.people.show_names else []
    deck.say(
        slide,
        band,
        "labelers",
        total=len(lab),
        below=int((flags == "below").sum()),
        above=int((flags == "above").sum()),
        within=int((flags == "within").sum()),
        insufficient=int((flags == "insufficient").sum()),
        min_sample=m.settings.min_audit_sample,
        names=names,
        confidence=m.settings.confidence,
    )


def capacity_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("capacity", "two", deck.t("slide.capacity"))
    visuals, band = deck.split(rects)
    plan = m.capacity
    by = frame(getattr(plan, "by_market_language", None))
    gap_markets: list[str] = []
    if by.empty or "market" not in by.columns:
        deck.empty(slide, visuals[0], deck.t("empty.capacity"))
        need = have = None
    else:
        agg = by.groupby("market", sort=True)[["required_fte", "available_fte"]].sum(min_count=1)
        charts.column_chart(
            slide,
            visuals[0],
            [str(x) for x in agg.index],
            {
                deck.t("label.required_fte"): agg["required_fte"],
                deck.t("label.available_fte"): agg["available_fte"],
            },
            title=deck.t("chart.capacity", month=i18n.format_month(plan.month, deck.lang)),
            number_format="0",
            colours=(charts.NAVY, charts.TEAL),
            axis_title=deck.t("label.fte"),
        )
        need, have = num(agg["required_fte"].sum()), num(agg["available_fte"].sum())
        gap = agg["required_fte"] - agg["available_fte"]
        gap_markets = [str(x) for x in gap[gap > 0.5].index]
    fun = frame(m.funnel)
    if fun.empty or "reached" not in fun.columns or fun["reached"].sum() == 0:
        deck.empty(slide, visuals[1], deck.t("empty.hiring"))
        fun = pd.DataFrame()
    else:
        stages = [deck.name_of("stage", s) for s in fun["stage"]]
        charts.column_chart(
            slide,
            visuals[1],
            stages,
            {deck.t("label.candidates"): fun["reached"]},
            title=deck.t("chart.funnel"),
            number_format="#,##0",
            horizontal=True,
            colours=(charts.TEAL,),
            labels=True,
        )
    hires = num(col(by, "hires_needed").sum(min_count=1)) if not by.empty else None
    applied = int(fun["reached"].iloc[0]) if not fun.empty else 0
    hired = int(fun["reached"].iloc[-1]) if not fun.empty else 0
    deck.say(
        slide,
        band,
        "capacity",
        plan_month=getattr(plan, "month", None),
        required=need,
        available=have,
        gap=None if need is None or have is None else need - have,
        gap_markets=gap_markets,
        hires=hires,
        applied=applied,
        hired=hired,
        conversion=hired / applied if applied else None,
    )


def wellbeing_slide(deck: Deck) -> None:
    m = deck.metrics
    s = m.settings
    slide, rects = deck.slide("wellbeing", "two", deck.t("slide.wellbeing"))
    visuals, band = deck.split(rects)
    ex = in_month(frame(m.exposure), m.month)
    ex = (
        ex[pd.to_numeric(col(ex, "graphic_hours"), errors="coerce").fillna(0) > 0]
        if not ex.empty
        else ex
    )
    over = in_month(frame(m.over_caps), m.month)
    if ex.empty:
        deck.empty(slide, visuals[0], deck.t("empty.graphic"))
    else:
        cap = s.graphic_hours_per_week
        weekly = pd.to_numeric(col(ex, "max_weekly_graphic_hours"), errors="coerce").fillna(0)
        edges = [cap * f for f in (0.25, 0.5, 0.75, 1.0)]
        labels = [deck.t("label.hours_upto", hours=deck.num(edges[0]))]
        labels += [
            deck.t("label.hours_range", low=deck.num(a), high=deck.num(b))
            for a, b in itertools.pairwise(edges)
        ]
        labels.append(deck.t("label.hours_over_cap", hours=deck.num(cap)))
        counts = np.histogram(
            weekly.clip(upper=cap * 10), bins=[-1e-9, *edges[:-1], cap + 1e-9, cap * 10 + 1]
        )[0]
        charts.column_chart(
            slide,
            visuals[0],
            labels,
            {deck.t("label.people"): counts.tolist()},
            title=deck.t("chart.exposure"),
            number_format="0",
            point_colours=[charts.TEAL] * 4 + [charts.RED],
            labels=True,
            axis_title=deck.t("label.people"),
        )
    wellness = pd.to_numeric(col(ex, "wellness_hours"), errors="coerce").sum()
    expected = pd.to_numeric(col(ex, "wellness_expected_hours"), errors="coerce").sum()
    below_policy = int(col(ex, "wellness_below_policy", False).fillna(False).astype(bool).sum())
    summary = {
        "on_graphic": len(ex),
        "over_daily": int(
            (pd.to_numeric(col(ex, "days_over_daily_cap"), errors="coerce").fillna(0) > 0).sum()
        ),
        "over_weekly": int(
            (pd.to_numeric(col(ex, "weeks_over_weekly_cap"), errors="coerce").fillna(0) > 0).sum()
        ),
        "over_streak": int(
            (
                pd.to_numeric(col(ex, "longest_streak_full"), errors="coerce").fillna(0)
                > s.graphic_max_consecutive_days
            ).sum()
        ),
        "over_any": len(over)
        if not over.empty
        else int(col(ex, "over_cap", False).fillna(False).astype(bool).sum()),
        "below_wellness": below_policy,
    }
    if deck.people.show_names and not over.empty:
        rows = [
            [
                Cell(deck.people.name(r["person_id"])),
                Cell(deck.num(r.get("graphic_hours"), 1), align="r"),
                Cell(deck.num(r.get("max_daily_graphic_hours"), 1), align="r"),
                Cell(deck.num(r.get("max_weekly_graphic_hours"), 1), align="r"),
                Cell(str(r.get("caps_exceeded") or "")),
            ]
            for _, r in over.iterrows()
        ]
        header = [
            deck.t(f"wellbeing.{c}") for c in ("person", "hours", "max_day", "max_week", "caps")
        ]
        add_table(
            slide,
            visuals[1],
            header,
            rows,
            weights=[2.2, 1.1, 1.1, 1.1, 2.2],
            more=lambda n: deck.t("table.more", n=n),
            size_pt=12,
            max_lines=1,
        )
    elif ex.empty:
        deck.empty(slide, visuals[1], deck.t("empty.graphic_short"))
    else:
        rows = [
            [Cell(deck.t(f"wellbeing.{k}")), Cell(deck.num(v), align="r")]
            for k, v in summary.items()
        ]
        rows.append(
            [
                Cell(deck.t("wellbeing.wellness_taken")),
                Cell(deck.pct(wellness / expected if expected else None, 0), align="r"),
            ]
        )
        add_table(
            slide,
            visuals[1],
            [deck.t("wellbeing.measure"), deck.t("wellbeing.people")],
            rows,
            weights=[4, 1.3],
            more=lambda n: deck.t("table.more", n=n),
            size_pt=13,
            max_lines=2,
        )
    deck.say(
        slide,
        band,
        "wellbeing",
        **summary,
        wellness_hours=num(wellness),
        wellness_expected=num(expected),
        wellness_share=(wellness / expected) if expected else None,
        daily_cap=s.graphic_hours_per_day,
        weekly_cap=s.graphic_hours_per_week,
        streak_cap=s.graphic_max_consecutive_days,
        names=deck.people.names(col(over, "person_id")) if deck.people.show_names else [],
    )


def risks_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, rects = deck.slide("risks", "content", deck.t("slide.risks"))
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
    values = dict(
        red=[deck.people.scrub(x) for x in name[rag == "Red"]],
        amber=[deck.people.scrub(x) for x in name[rag == "Amber"]],
        over_caps=len(over) if people_level else 0,
        over_names=deck.people.names(col(over, "person_id")) if deck.people.show_names else [],
        insufficient=int((col(lab, "flag") == "insufficient").sum()),
        below=int((col(lab, "flag") == "below").sum()) if people_level else 0,
        min_sample=m.settings.min_audit_sample,
        out_of_control=ooc,
        gap_markets=[
            str(x) for x in col(by, "market")[pd.to_numeric(gap, errors="coerce").fillna(0) > 0.5]
        ],
        hires=num(col(by, "hires_needed").sum(min_count=1)) if not by.empty else None,
        errors=len(m.report.errors) if hasattr(m.report, "errors") else 0,
        people_level=people_level,
    )
    lines = deck.narrative.render("risks", **values)
    deck.text(slide, rects[0], lines, max_pt=18, min_pt=11)


def section_slide(deck: Deck, key: str, title: str, subtitle: str) -> None:
    slide, _ = deck.slide(key, "section", title)
    for ph in slide.placeholders:
        if ph.placeholder_format.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE):
            fill(ph.text_frame, [Para(subtitle)], int(ph.width), int(ph.height), 18, 11)


def definitions_slides(deck: Deck) -> None:
    defs = i18n.definitions(deck.lang)
    header = [deck.t("defs.term"), deck.t("defs.text"), deck.t("defs.source")]
    rows = [[Cell(d.term, bold=True), Cell(d.text), Cell(d.source)] for d in defs]
    layout = deck.layouts.content
    rect = body_rects(layout, deck.prs)[0]
    size = 11
    widths = column_widths(header, rows, rect.width, [2.0, 6.5, 2.6])
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
            page,
            weights=[2.0, 6.5, 2.6],
            more=lambda n: deck.t("table.more", n=n),
            size_pt=size,
            min_pt=size,
            max_lines=8,
        )


def closing_slide(deck: Deck) -> None:
    m = deck.metrics
    slide, _ = deck.slide("closing", "closing", deck.t("slide.closing"))
    lines = [deck.t("closing.note", month=i18n.format_month(m.month, deck.lang))]
    if deck.people.pseudonymise:
        lines.append(deck.t("closing.pseudonymised"))
    deck.subtitle(slide, lines)


@dataclass(frozen=True)
class SlideSpec:
    key: str
    build: Callable[[Deck], None]
    audiences: tuple[str, ...] = ("management", "business", "team")


SLIDES: tuple[SlideSpec, ...] = (
    SlideSpec("title", title_slide),
    SlideSpec("kpis", kpi_slide),
    SlideSpec("volume", volume_slide),
    SlideSpec("quality_trend", quality_trend_slide),
    SlideSpec("quality_policy", quality_policy_slide),
    SlideSpec("projects", project_slide),
    SlideSpec("labelers", labeler_slide, ("management", "team")),
    SlideSpec("capacity", capacity_slide),
    SlideSpec("wellbeing", wellbeing_slide, ("management", "team")),
    SlideSpec("risks", risks_slide),
    SlideSpec(
        "appendix",
        lambda d: section_slide(d, "appendix", d.t("slide.appendix"), d.t("appendix.subtitle")),
    ),
    SlideSpec("definitions", definitions_slides),
    SlideSpec("closing", closing_slide),
)


def build_slides(deck: Deck, only: Sequence[str] | None = None) -> list[str]:
    for spec in SLIDES:
        if deck.audience in spec.audiences and (only is None or spec.key in only):
            spec.build(deck)
    return deck.built
