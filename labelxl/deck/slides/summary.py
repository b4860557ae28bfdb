"""The opening slides: title, summary KPIs against target, volume and throughput."""

from __future__ import annotations

import pandas as pd
from pptx.dml.color import RGBColor

from labelxl.deck import charts
from labelxl.deck.slides.base import (
    Deck,
    change_text,
    col,
    frame,
    honest_digits,
    kpi_label,
    kpi_row,
    measure,
    num,
    up_to,
)
from labelxl.deck.tables import Cell
from labelxl.outputs import i18n

TREND_MONTHS = 12
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
# KPIs about people: not for the business audience.
PEOPLE_KPIS = frozenset(
    {
        "headcount",
        "fte",
        "attrition",
        "labelers_below",
        "over_caps",
        "people_over_caps",
        "utilization",
        "shrinkage",
        "fte_gap",
    }
)
KPI_SHEETS = ("Production", "Timesheet", "Audits", "Queue", "Projects", "Roster")


def title_slide(deck: Deck) -> None:
    slide, _ = deck.slide("title", "title", deck.t("deck.title"))
    lines = [
        deck.t("deck.subtitle", month=deck.month()),
        deck.t(f"audience.{deck.audience}")
        + " · "
        + deck.t("deck.generated", date=deck.date(pd.Timestamp.today(), "long")),
    ]
    through = deck.through_line()
    if through:
        lines.insert(1, through)
    deck.subtitle(slide, lines)


def kpi_frame(deck: Deck) -> pd.DataFrame:
    k = deck.metrics.kpis
    if k.empty or "kpi" not in k.columns or deck.audience != "business":
        return k
    return k[~k["kpi"].astype(str).isin(PEOPLE_KPIS)]


def kpi_digits(r: pd.Series) -> int:
    unit = str(r.get("unit") or "count")
    return honest_digits(unit, r.get("value"), r.get("target"))


def kpi_cells(deck: Deck, r: pd.Series) -> list[Cell]:
    """One KPI table row, each number at the precision that keeps comparisons honest."""
    unit = str(r.get("unit") or "count")
    status = str(r.get("status") or "none")
    status = status if status in charts.STATUS else "none"
    d = kpi_digits(r)
    low, high = num(r.get("ci_low")), num(r.get("ci_high"))
    ci = (
        f"{measure(deck, low, unit, d)} – {measure(deck, high, unit, d)}"
        if low is not None and high is not None
        else i18n.MISSING
    )
    change = num(r.get("change"))
    better = bool(r.get("higher_is_better")) if r.get("higher_is_better") is not None else True
    shown_change = change_text(deck, change, unit, d)
    colour = None
    if change is not None and shown_change[:1] in ("+", "−"):
        colour = charts.GREEN if (change > 0) == better else charts.RED
    return [
        Cell(kpi_label(deck, str(r["kpi"]))),
        Cell(measure(deck, r.get("value"), unit, d), bold=True, align="r"),
        Cell(ci, align="r"),
        Cell(measure(deck, r.get("target"), unit, d), align="r"),
        Cell(
            deck.t(f"status.{status}"),
            fill=charts.STATUS[status],
            colour=WHITE,
            bold=True,
            align="c",
        ),
        Cell(shown_change, colour=colour, align="r"),
    ]


def kpi_note(deck: Deck, r: pd.Series) -> str:
    """One KPI in words for the speaker notes, one digit finer than the table."""
    unit = str(r.get("unit") or "count")
    d = kpi_digits(r) + 1
    parts = [f"{kpi_label(deck, str(r['kpi']))}: {measure(deck, r.get('value'), unit, d)}"]
    if num(r.get("ci_low")) is not None:
        parts.append(
            deck.t(
                "notes.ci",
                low=measure(deck, r.get("ci_low"), unit, d),
                high=measure(deck, r.get("ci_high"), unit, d),
            )
        )
    if num(r.get("target")) is not None:
        parts.append(deck.t("notes.target", value=measure(deck, r.get("target"), unit, d)))
    if num(r.get("previous")) is not None:
        parts.append(deck.t("notes.previous", value=measure(deck, r.get("previous"), unit, d)))
    status = str(r.get("status") or "none")
    if status in charts.STATUS and status != "none":
        parts.append(deck.t(f"status.{status}"))
    return deck.t("list.sep").join(parts)


def kpi_slide(deck: Deck) -> None:
    m = deck.metrics
    k = kpi_frame(deck)
    statuses = col(k, "status").astype(str).value_counts().to_dict() if not k.empty else {}
    below = int((col(m.labelers, "flag") == "below").sum())
    acc = kpi_row(m, "accuracy")
    topic = deck.t("slide.kpis")
    if acc and acc.get("value") is not None:
        on = str(acc.get("status")) == "good"
        title = deck.t(
            "takeaway.kpis",
            accuracy=deck.pct(acc["value"]),
            status=deck.t("takeaway.on_target" if on else "takeaway.off_target"),
        )
        if below and deck.audience != "business":
            title += deck.t(
                "takeaway.kpis_below_one" if below == 1 else "takeaway.kpis_below", n=below
            )
    elif not k.empty:
        title = deck.t("takeaway.kpis_counts", good=int(statuses.get("good", 0)), total=len(k))
    else:
        title = topic
    slide, rects = deck.slide("kpis", "content", title, topic, timed=True)
    visuals, band = deck.split(rects)
    if k.empty or "kpi" not in k.columns:
        deck.empty(slide, visuals[0], deck.t("empty.kpis"))
    else:
        header = [deck.t(f"kpis.{c}") for c in ("kpi", "value", "ci", "target", "status", "change")]
        rows = [kpi_cells(deck, r) for _, r in k.iterrows()]
        deck.table(
            slide,
            visuals[0],
            header,
            rows,
            topic=topic,
            weights=[3.2, 1.6, 2.4, 1.5, 1.3, 1.6],
            size_pt=14,
            min_pt=10,
            max_lines=1,
        )
    deck.say(
        slide,
        band,
        "kpis",
        month=m.month,
        # nothing is compared with a month that has no data
        previous_month=m.previous_month if getattr(m, "previous_has_data", True) else None,
        accuracy=acc,
        good=int(statuses.get("good", 0)),
        watch=int(statuses.get("watch", 0)),
        bad=int(statuses.get("bad", 0)),
        below=below if deck.audience != "business" else 0,
        target=m.settings.accuracy_target,
        confidence=m.settings.confidence,
    )
    deck.notes(
        slide,
        [kpi_note(deck, r) for _, r in k.iterrows()] if not k.empty else [],
        (
            "accuracy",
            "wilson",
            "coaching_flag",
            "throughput",
            "aht",
            "sla",
            "utilization",
            "shrinkage",
            "attrition",
        ),
        KPI_SHEETS,
        [deck.t("notes.previous_month", month=deck.month(m.previous_month))]
        if m.previous_month and getattr(m, "previous_has_data", True)
        else [deck.t("notes.no_previous")],
    )


def volume_slide(deck: Deck) -> None:
    m = deck.metrics
    tr = up_to(frame(m.trend), m.month, TREND_MONTHS)

    def row(month: str | None) -> pd.Series | None:
        if not month or "period" not in tr or not (tr["period"] == month).any():
            return None
        return tr[tr["period"] == month].iloc[-1]

    def get(r: pd.Series | None, name: str) -> float | None:
        return None if r is None or name not in r else num(r[name])

    this, prev = row(m.month), row(m.previous_month)
    items, items_prev = get(this, "items"), get(prev, "items")
    change = (items / items_prev - 1) if items and items_prev else None
    topic = deck.t("slide.volume")
    if items is None:
        title = topic
    elif deck.partial:
        title = deck.t(
            "takeaway.volume_partial",
            items=deck.num(items),
            days=int(getattr(m, "working_days_with_data", 0) or 0),
            total=int(getattr(m, "working_days", 0) or 0),
        )
    elif change is not None:
        title = deck.t(
            "takeaway.volume_change",
            items=deck.num(items),
            change=deck.pct(abs(change)),
            direction=deck.t("takeaway.more" if change >= 0 else "takeaway.fewer"),
            previous=deck.month(m.previous_month),
        )
    else:
        title = deck.t("takeaway.volume", items=deck.num(items), month=deck.month())
    slide, rects = deck.slide("volume", "two", title, topic, timed=True)
    visuals, band = deck.split(rects)
    months = [i18n.format_month(p, deck.lang, short=True) for p in col(tr, "period")]
    if len(tr) < 2:
        deck.empty(slide, visuals[0], deck.t("empty.one_month"))
        if this is not None:  # the month's own numbers instead of a one-point chart
            rows = [
                [Cell(deck.t("label.items")), Cell(deck.num(items), align="r")],
                [
                    Cell(deck.t("volume.productive_hours")),
                    Cell(deck.num(get(this, "productive_hours"), 1), align="r"),
                ],
                [
                    Cell(deck.t("label.throughput")),
                    Cell(deck.num(get(this, "throughput"), 1), align="r"),
                ],
                [
                    Cell(deck.t("kpi.aht_sec")),
                    Cell(measure(deck, get(this, "aht_sec"), "seconds", 1), align="r"),
                ],
            ]
            deck.table(
                slide,
                visuals[1],
                [deck.month(), ""],
                rows,
                topic=topic,
                weights=[3, 1.5],
                size_pt=14,
                max_lines=1,
            )
    else:
        chart = charts.column_chart(
            slide,
            visuals[0],
            months,
            {deck.t("label.items"): col(tr, "items")},
            title=deck.t("chart.items"),
            number_format="#,##0",
        )
        if deck.partial and str(tr["period"].iloc[-1]) == m.month:
            charts.fade_points(chart, [len(tr) - 1])
        charts.line_chart(
            slide,
            visuals[1],
            months,
            {deck.t("label.throughput"): col(tr, "throughput")},
            title=deck.t("chart.throughput"),
            number_format="0.0",
            axis_title=deck.t("label.items_per_hour"),
        )
    deck.say(
        slide,
        band,
        "volume",
        month=m.month,
        items=items,
        items_prev=items_prev,
        items_change=None if deck.partial else change,
        throughput=get(this, "throughput"),
        throughput_prev=get(prev, "throughput"),
        aht=get(this, "aht_sec"),
        months=len(tr),
        partial=deck.partial and len(tr) >= 2,  # the pale column the text refers to
    )
    numbers = [
        deck.t(
            "notes.volume_month",
            month=deck.month(p),
            items=deck.num(i),
            throughput=deck.num(t, 2),
            aht=deck.num(a, 1),
        )
        for p, i, t, a in zip(
            col(tr, "period"),
            col(tr, "items"),
            col(tr, "throughput"),
            col(tr, "aht_sec"),
            strict=True,
        )
    ]
    extra = [deck.t("notes.faded_month")] if deck.partial and len(tr) >= 2 else []
    deck.notes(slide, numbers, ("throughput", "aht"), ("Production", "Timesheet"), extra)
