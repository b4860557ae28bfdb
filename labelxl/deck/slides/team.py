"""People-level slides: labelers' throughput vs accuracy (coaching) and wellbeing exposure."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from labelxl.deck import charts
from labelxl.deck.slides.base import Deck, col, frame, in_month, num
from labelxl.deck.tables import Cell


def labeler_slide(deck: Deck) -> None:
    m = deck.metrics
    lab = in_month(frame(m.labelers), m.month)
    flags = col(lab, "flag").astype(str)
    below = int((flags == "below").sum())
    topic = deck.t("slide.labelers")
    title = deck.t("takeaway.labelers", below=below, total=len(lab)) if len(lab) else topic
    slide, rects = deck.slide("labelers", "content", title, topic, timed=True)
    visuals, band = deck.split(rects)
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
    below_rows = lab[flags == "below"]
    names = deck.people.names(col(below_rows, "person_id")) if deck.people.show_names else []
    counts = {f: int((flags == f).sum()) for f in ("below", "above", "within", "insufficient")}
    deck.say(
        slide,
        band,
        "labelers",
        total=len(lab),
        **counts,
        min_sample=m.settings.min_audit_sample,
        names=names,
        confidence=m.settings.confidence,
    )
    numbers = [deck.t("notes.flag", flag=deck.t(f"flag.{f}"), n=n) for f, n in counts.items()]
    thr = pd.to_numeric(col(lab, "throughput"), errors="coerce").dropna()
    if not thr.empty:
        numbers.append(
            deck.t(
                "notes.throughput_spread",
                low=deck.num(thr.quantile(0.1), 1),
                median=deck.num(thr.median(), 1),
                high=deck.num(thr.quantile(0.9), 1),
            )
        )
    if deck.people.show_names:
        numbers += [
            deck.t(
                "notes.labeler",
                name=deck.people.name(r["person_id"]),
                accuracy=deck.pct(r.get("accuracy"), 1),
                low=deck.pct(r.get("ci_low"), 1),
                high=deck.pct(r.get("ci_high"), 1),
                audited=deck.num(r.get("audited")),
            )
            for _, r in below_rows.iterrows()
        ]
    deck.notes(
        slide,
        numbers,
        ("accuracy", "wilson", "coaching_flag", "insufficient_sample", "throughput"),
        ("Production", "Timesheet", "Audits", "Roster"),
    )


def wellbeing_slide(deck: Deck) -> None:
    m = deck.metrics
    s = m.settings
    ex = in_month(frame(m.exposure), m.month)
    ex = (
        ex[pd.to_numeric(col(ex, "graphic_hours"), errors="coerce").fillna(0) > 0]
        if not ex.empty
        else ex
    )
    over = in_month(frame(m.over_caps), m.month)
    wellness = pd.to_numeric(col(ex, "wellness_hours"), errors="coerce").sum()
    expected = pd.to_numeric(col(ex, "wellness_expected_hours"), errors="coerce").sum()
    below_policy = int(col(ex, "wellness_below_policy", False).fillna(False).astype(bool).sum())

    def positive(name: str) -> pd.Series:
        return pd.to_numeric(col(ex, name), errors="coerce").fillna(0)

    summary = {
        "on_graphic": len(ex),
        "over_daily": int((positive("days_over_daily_cap") > 0).sum()),
        "over_weekly": int((positive("weeks_over_weekly_cap") > 0).sum()),
        "over_streak": int(
            (positive("longest_streak_full") > s.graphic_max_consecutive_days).sum()
        ),
        "over_any": len(over)
        if not over.empty
        else int(col(ex, "over_cap", False).fillna(False).astype(bool).sum()),
        "below_wellness": below_policy,
    }
    topic = deck.t("slide.wellbeing")
    if ex.empty:
        title = topic
    elif summary["over_any"]:
        title = deck.t("takeaway.wellbeing_over", n=summary["over_any"], total=len(ex))
    else:
        title = deck.t("takeaway.wellbeing_ok", total=len(ex))
    slide, rects = deck.slide("wellbeing", "two", title, topic, timed=True)
    visuals, band = deck.split(rects)
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
        deck.table(
            slide,
            visuals[1],
            header,
            rows,
            topic=topic,
            weights=[2.2, 1.1, 1.1, 1.1, 2.2],
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
        deck.table(
            slide,
            visuals[1],
            [deck.t("wellbeing.measure"), deck.t("wellbeing.people")],
            rows,
            topic=topic,
            weights=[4, 1.3],
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
    numbers = [f"{deck.t(f'wellbeing.{k}')}: {deck.num(v)}" for k, v in summary.items()]
    numbers.append(
        deck.t("notes.wellness", taken=deck.num(wellness, 1), expected=deck.num(expected, 1))
    )
    numbers.append(
        deck.t(
            "notes.caps",
            daily=deck.num(s.graphic_hours_per_day),
            weekly=deck.num(s.graphic_hours_per_week),
            streak=s.graphic_max_consecutive_days,
        )
    )
    deck.notes(slide, numbers, ("graphic_exposure", "wellness"), ("Timesheet", "Projects"))
