"""Quality slides: the weekly trend with control limits, quality by policy with the error
Pareto, and calibration agreement (who drifts from the consensus answer)."""

from __future__ import annotations

import pandas as pd

from labelxl.deck import charts
from labelxl.deck.slides.base import (
    Deck,
    col,
    frame,
    in_month,
    kpi_row,
    num,
    week_days_with_data,
    weeks_up_to,
)
from labelxl.deck.tables import Cell
from labelxl.outputs import i18n
from labelxl.stats.intervals import wilson_interval

QUALITY_WEEKS = 13
MIN_WEEKS = 3  # fewer weekly points make no trend and no meaningful control limits
TOP_DRIFT = 8
RECENT_SESSIONS = 8


def quality_trend_slide(deck: Deck) -> None:
    m = deck.metrics
    q = weeks_up_to(frame(m.quality_weekly), m.month, QUALITY_WEEKS)
    q = q[pd.to_numeric(col(q, "audited"), errors="coerce").fillna(0) > 0] if not q.empty else q
    # A last week with fewer than five working days of data is left out and named instead.
    left_out = None
    end = deck.through or (pd.Period(m.month, "M").end_time.date())
    if not q.empty:
        days = week_days_with_data(str(q["period"].iloc[-1]), end)
        if days < 5:
            left_out = (q.iloc[-1], days)
            q = q.iloc[:-1]
    target = m.settings.accuracy_target
    weeks = [i18n.format_week(w, deck.lang) for w in col(q, "period").astype(str)]
    flagged = col(q, "out_of_control", False).fillna(False).astype(bool).tolist()
    ooc = [w for w, bad in zip(weeks, flagged, strict=True) if bad]
    topic = deck.t("slide.quality_trend")
    few = 0 < len(q) < MIN_WEEKS
    if q.empty:
        title = topic
    elif few:
        title = deck.t(
            "takeaway.quality_few", n=len(q), accuracy=deck.pct(col(q, "accuracy").iloc[-1])
        )
    elif ooc:
        title = deck.t("takeaway.quality_ooc", n=len(ooc), weeks=len(q))
    else:
        title = deck.t("takeaway.quality_stable", weeks=len(q))
    slide, rects = deck.slide("quality_trend", "content", title, topic, timed=True)
    visuals, band = deck.split(rects)
    if q.empty:
        deck.empty(slide, visuals[0], deck.t("empty.audits"))
    elif few:
        deck.empty(slide, visuals[0], deck.t("empty.few_weeks", n=len(q), min=MIN_WEEKS))
    else:
        acc = pd.to_numeric(col(q, "accuracy"), errors="coerce")
        p = pd.to_numeric(col(q, "p"), errors="coerce")
        acc = acc.where(acc.notna(), 1 - p)
        # The p-chart is on the error rate; 1 − limit puts it on the accuracy scale.
        upper = 1 - pd.to_numeric(col(q, "lcl"), errors="coerce")
        lower = 1 - pd.to_numeric(col(q, "ucl"), errors="coerce")
        lo, hi, fmt = charts.percent_range(
            [*acc, *col(q, "ci_low"), *col(q, "ci_high"), target, *lower.clip(lower=0)]
        )
        chart_rect = visuals[0]
        if left_out is not None:
            chart_rect = charts.Rect(
                chart_rect.left, chart_rect.top, chart_rect.width, chart_rect.height - 228600
            )
        charts.band_chart(
            slide,
            chart_rect,
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
    partial_note = None
    if left_out is not None:
        r, days = left_out
        partial_note = deck.t(
            "caption.partial_week",
            week=i18n.format_week(str(r["period"]), deck.lang),
            days=days,
            audited=deck.num(r.get("audited")),
            accuracy=deck.pct(r.get("accuracy")),
        )
        deck.caption(slide, visuals[0], partial_note)
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
        few=few,
        min_weeks=MIN_WEEKS,
    )
    numbers = [
        deck.t(
            "notes.week",
            week=w,
            accuracy=deck.pct(a, 2),
            low=deck.pct(lo_, 2),
            high=deck.pct(hi_, 2),
            audited=deck.num(n),
            ooc=deck.t("notes.out_of_control") if bad else "",
        )
        for w, a, lo_, hi_, n, bad in zip(
            weeks,
            col(q, "accuracy"),
            col(q, "ci_low"),
            col(q, "ci_high"),
            col(q, "audited"),
            flagged,
            strict=True,
        )
    ]
    deck.notes(slide, numbers, ("accuracy", "wilson", "p_chart"), ("Audits",), [partial_note or ""])


def quality_policy_slide(deck: Deck) -> None:
    m = deck.metrics
    pol = in_month(frame(m.quality_by.get("policy_area")), m.month)
    pol = pol.sort_values("accuracy", kind="stable").head(10) if "accuracy" in pol else pol
    par = frame(m.pareto)
    if par.empty or "errors" not in par.columns or par["errors"].sum() == 0:
        par = pd.DataFrame()
    else:
        par = par.sort_values("errors", ascending=False, kind="stable")
    worst = pol.iloc[0] if not pol.empty and "policy_area" in pol else None
    top = par.iloc[0] if not par.empty else None
    total_errors = float(par["errors"].sum()) if not par.empty else 0.0
    topic = deck.t("slide.quality_policy")
    if worst is not None and top is not None:
        title = deck.t(
            "takeaway.policy",
            policy=str(worst["policy_area"]),
            accuracy=deck.pct(worst["accuracy"]),
            error=deck.name_of("error", top["error_type"]),
            share=deck.pct(float(top["errors"]) / total_errors, 0),
        )
    elif worst is not None:
        title = deck.t(
            "takeaway.policy_only",
            policy=str(worst["policy_area"]),
            accuracy=deck.pct(worst["accuracy"]),
        )
    else:
        title = topic
    slide, rects = deck.slide("quality_policy", "two", title, topic, timed=True)
    visuals, band = deck.split(rects)
    target = m.settings.accuracy_target
    if worst is None:
        deck.empty(slide, visuals[0], deck.t("empty.audits"))
    else:
        lo, hi, fmt = charts.percent_range([*col(pol, "accuracy"), target])
        highs = pd.to_numeric(col(pol, "ci_high"), errors="coerce")
        colours = [charts.RED if h < target else charts.NAVY for h in highs]  # NaN: no red
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
    cumulative: list[float] = []
    if par.empty:
        deck.empty(slide, visuals[1], deck.t("empty.errors"))
    else:
        cumulative = (par["errors"].cumsum() / total_errors).tolist()
        charts.pareto_chart(
            slide,
            visuals[1],
            [deck.name_of("error", e) for e in par["error_type"]],
            par["errors"],
            cumulative,
            title=deck.t("chart.pareto"),
            count_name=deck.t("label.errors"),
            cumulative_name=deck.t("label.cumulative"),
        )
    deck.say(
        slide,
        band,
        "quality_policy",
        worst_policy=None if worst is None else str(worst["policy_area"]),
        worst_accuracy=None if worst is None else num(worst["accuracy"]),
        below_target=int((pd.to_numeric(col(pol, "ci_high"), errors="coerce") < target).sum()),
        top_error=None if top is None else deck.name_of("error", top["error_type"]),
        top_share=None if top is None else float(top["errors"]) / total_errors,
        error_types=len(par),
    )
    numbers = [
        deck.t(
            "notes.policy",
            policy=str(p),
            accuracy=deck.pct(a, 2),
            low=deck.pct(lo_, 2),
            high=deck.pct(hi_, 2),
            audited=deck.num(n),
        )
        for p, a, lo_, hi_, n in zip(
            col(pol, "policy_area"),
            col(pol, "accuracy"),
            col(pol, "ci_low"),
            col(pol, "ci_high"),
            col(pol, "audited"),
            strict=True,
        )
    ]
    numbers += [
        deck.t(
            "notes.pareto",
            error=deck.name_of("error", e),
            errors=deck.num(n),
            cumulative=deck.pct(c, 1),
        )
        for e, n, c in zip(col(par, "error_type"), col(par, "errors"), cumulative, strict=True)
    ]
    deck.notes(slide, numbers, ("accuracy", "wilson", "precision_recall"), ("Audits", "Projects"))


# ---------------------------------------------------------------------------------------
# Calibration


def session_agreement(sessions: pd.DataFrame, raters: pd.DataFrame, confidence: float):
    """Per session: agreement with the consensus answer and its Wilson interval.

    Ratings of one item are not independent, so the interval counts items, not ratings
    (the conservative effective sample size of a cluster sample)."""
    rows = []
    for _, s in sessions.iterrows():
        r = raters[raters["session_id"] == s["session_id"]] if "session_id" in raters else raters
        n_cmp = pd.to_numeric(col(r, "items_vs_consensus"), errors="coerce").fillna(0)
        agree = pd.to_numeric(col(r, "agree_consensus"), errors="coerce")
        total = float(n_cmp.sum())
        hits = float((agree.fillna(0) * n_cmp).sum())
        share = hits / total if total else None
        items = num(s.get("items")) or 0.0
        low = high = None
        if share is not None and items >= 1:
            low, high = wilson_interval(share * items, items, confidence)
        rows.append(
            {
                "session_id": str(s["session_id"]),
                "date": s.get("date"),
                "items": items,
                "raters": num(s.get("raters")),
                "agreement": share,
                "ci_low": low,
                "ci_high": high,
                "kappa": num(s.get("fleiss_kappa")),
                "alpha": num(s.get("krippendorff_alpha")),
            }
        )
    return pd.DataFrame(rows)


def drifting_raters(raters: pd.DataFrame, pooled: dict[str, float], confidence: float):
    """Raters whose interval of agreement with the consensus lies wholly below their
    session's pooled agreement: they drift from the expert answer, not by noise."""
    out = []
    for _, r in raters.iterrows():
        n = num(r.get("items_vs_consensus")) or 0.0
        a = num(r.get("agree_consensus"))
        ref = pooled.get(str(r.get("session_id")))
        if a is None or n < 1 or ref is None:
            continue
        low, high = wilson_interval(a * n, n, confidence)
        if high < ref:
            out.append({**r.to_dict(), "ci_low": low, "ci_high": high, "reference": ref})
    return pd.DataFrame(out)


def calibration_slide(deck: Deck) -> None:
    m = deck.metrics
    cal = m.calibration
    sessions = frame(getattr(cal, "sessions", None))
    raters = frame(getattr(cal, "raters", None))
    conf = m.settings.confidence
    # The latest sessions up to the month's end; agreement and drift are judged on the
    # month's own sessions (or, when there is none, the latest one, said on the slide).
    month_end = pd.Period(m.month, "M").end_time
    shown = sessions
    this_month = False
    if not sessions.empty:
        dates = pd.to_datetime(col(sessions, "date"), errors="coerce")
        shown = sessions[dates.isna() | (dates <= month_end)].assign(_d=dates)
        shown = shown.sort_values("_d", kind="stable").drop(columns="_d").tail(RECENT_SESSIONS)
        this_month = bool((dates.dt.strftime("%Y-%m") == m.month).any())
    table = session_agreement(shown, raters, conf) if not shown.empty else pd.DataFrame()
    table = table[table["agreement"].notna()] if not table.empty else table
    if not table.empty:
        in_month_ = pd.to_datetime(table["date"], errors="coerce").dt.strftime("%Y-%m") == m.month
        judged = table[in_month_] if in_month_.any() else table.tail(1)
    else:
        judged = table
    pooled = dict(zip(col(judged, "session_id"), col(judged, "agreement"), strict=True))
    r_in = (
        raters[raters["session_id"].astype(str).isin(pooled)] if "session_id" in raters else raters
    )
    drift = drifting_raters(r_in, pooled, conf) if pooled else pd.DataFrame()
    n_raters = int(col(r_in, "rater_id").nunique()) if not r_in.empty else 0
    topic = deck.t("slide.calibration")
    if table.empty:
        title = topic
    else:
        items = col(judged, "items").astype(float)
        mean = float((col(judged, "agreement").astype(float) * items).sum() / items.sum())
        title = deck.t("takeaway.calibration", agreement=deck.pct(mean, 0), drift=len(drift))
    slide, rects = deck.slide("calibration", "two", title, topic, timed=True)
    visuals, band = deck.split(rects)
    if table.empty:
        deck.empty(slide, visuals[0], deck.t("empty.calibration"))
    elif len(table) == 1:  # one point draws no band: the numbers, as a table
        r = table.iloc[0]
        rows = [
            [Cell(deck.t("calibration.items")), Cell(deck.num(r["items"]), align="r")],
            [Cell(deck.t("calibration.raters")), Cell(deck.num(r["raters"]), align="r")],
            [Cell(deck.t("label.agreement")), Cell(deck.pct(r["agreement"], 0), align="r")],
            [
                Cell(deck.t("label.ci_band", level=deck.pct(conf, 0))),
                Cell(f"{deck.pct(r['ci_low'], 0)} – {deck.pct(r['ci_high'], 0)}", align="r"),
            ],
            [Cell(deck.t("calibration.kappa")), Cell(deck.num(r["kappa"], 2), align="r")],
        ]
        deck.table(
            slide,
            visuals[0],
            [deck.t("calibration.session") + " " + str(r["session_id"]), ""],
            rows,
            topic=topic,
            weights=[3, 1.5],
            size_pt=13,
            max_lines=1,
        )
    else:
        lo, hi, fmt = charts.percent_range([*table["ci_low"], *table["ci_high"]])
        charts.band_chart(
            slide,
            visuals[0],
            [str(s) for s in table["session_id"]],
            low=table["ci_low"],
            high=table["ci_high"],
            band_name=deck.t("label.ci_band", level=deck.pct(conf, 0)),
            lines={deck.t("label.agreement"): (table["agreement"], charts.NAVY, False)},
            title=deck.t("chart.calibration"),
            number_format=fmt,
            minimum=lo,
            maximum=hi,
        )
    if table.empty:
        deck.empty(slide, visuals[1], deck.t("empty.calibration_short"))
    elif drift.empty:
        deck.empty(slide, visuals[1], deck.t("calibration.no_drift", raters=n_raters))
    elif deck.people.show_names:
        drift = drift.sort_values("agree_consensus").head(TOP_DRIFT * 3)
        one = len(pooled) == 1  # one session judged: its name is in the notes, not a column
        cols = (
            ["rater", "agree", "ci", "group"]
            if one
            else ["rater", "session", "agree", "ci", "group"]
        )
        rows = []
        for _, r in drift.iterrows():
            cells = {
                "rater": Cell(deck.people.name(r["rater_id"])),
                "session": Cell(str(r["session_id"])),
                "agree": Cell(deck.pct(r["agree_consensus"], 0), align="r"),
                "ci": Cell(f"{deck.pct(r['ci_low'], 0)} – {deck.pct(r['ci_high'], 0)}", align="r"),
                "group": Cell(deck.pct(r["reference"], 0), align="r"),
            }
            rows.append([cells[c] for c in cols])
        widths = {"rater": 2.3, "session": 1.8, "agree": 1.9, "ci": 1.9, "group": 1.9}
        deck.table(
            slide,
            visuals[1],
            [deck.t(f"calibration.{c}") for c in cols],
            rows,
            topic=topic,
            weights=[widths[c] for c in cols],
            size_pt=12,
            max_lines=2,
        )
    else:
        per = drift.groupby(drift["session_id"].astype(str)).size()
        rows = [
            [
                Cell(str(s)),
                Cell(deck.num(per.get(s, 0)), align="r"),
                Cell(deck.num(len(raters[raters["session_id"].astype(str) == s])), align="r"),
            ]
            for s in judged["session_id"]
        ]
        header = [
            deck.t("calibration.session"),
            deck.t("calibration.drifting"),
            deck.t("calibration.raters"),
        ]
        deck.table(
            slide,
            visuals[1],
            header,
            rows,
            topic=topic,
            weights=[2, 1.5, 1.5],
            size_pt=12,
            max_lines=1,
        )
    deck.say(
        slide,
        band,
        "calibration",
        sessions=len(judged),
        raters=n_raters,
        drift=len(drift),
        names=deck.people.names(col(drift, "rater_id")) if deck.people.show_names else [],
        kappa=num(col(judged, "kappa").astype(float).mean()) if not judged.empty else None,
        confidence=conf,
        this_month=this_month,
    )
    numbers = [
        deck.t(
            "notes.session",
            session=r["session_id"],
            items=deck.num(r["items"]),
            raters=deck.num(r["raters"]),
            agreement=deck.pct(r["agreement"], 1),
            low=deck.pct(r["ci_low"], 1),
            high=deck.pct(r["ci_high"], 1),
            kappa=deck.num(r["kappa"], 3),
            alpha=deck.num(r["alpha"], 3),
        )
        for _, r in table.iterrows()
    ]
    deck.notes(
        slide,
        numbers,
        ("calibration_agreement", "consensus", "wilson", "kappa", "krippendorff_alpha"),
        ("Calibration",),
    )
