"""Operations slides: project status (RAG), capacity and hiring with the plan's assumptions,
and the requirements from upstream teams (open, overdue, changed)."""

from __future__ import annotations

import pandas as pd
from pptx.dml.color import RGBColor

from labelxl.deck import charts
from labelxl.deck.slides.base import Deck, col, frame, num
from labelxl.deck.tables import Cell
from labelxl.metrics import projects
from labelxl.outputs import i18n

WHITE = RGBColor(0xFF, 0xFF, 0xFF)
RAG_ORDER = {"Red": 0, "Amber": 1, "No data": 2, "Green": 3}
RAG_KEYS = {"Red": "rag.Red", "Amber": "rag.Amber", "Green": "rag.Green", "No data": "rag.no_data"}


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
        key = f"rag.reason.{code}"
        if i18n.has(key, deck.lang):
            parts.append(deck.t(key, **values, **extra))
        else:  # a rule the engine added later: its English text rather than nothing
            return str(r.get("reasons") or "")
    return "；".join(parts) if deck.lang.startswith("zh") else "; ".join(parts)


def project_slide(deck: Deck) -> None:
    m = deck.metrics
    pr = frame(m.projects)
    rag = col(pr, "rag").astype(str)
    counts = rag.value_counts().to_dict() if not pr.empty else {}
    red, amber = int(counts.get("Red", 0)), int(counts.get("Amber", 0))
    green, nodata = int(counts.get("Green", 0)), int(counts.get("No data", 0))
    topic = deck.t("slide.projects")
    if pr.empty:
        title = topic
    elif red or amber:
        title = deck.t("takeaway.projects", red=red, amber=amber, total=len(pr))
    else:
        title = deck.t("takeaway.projects_ok", green=green, total=len(pr))
    if nodata:
        title += deck.t("takeaway.projects_nodata", n=nodata)
    slide, rects = deck.slide("projects", "content", title, topic, timed=True)
    visuals, band = deck.split(rects)
    numbers: list[str] = []
    if pr.empty:
        deck.empty(slide, visuals[0], deck.t("empty.projects"))
    else:
        pr = pr.assign(_o=rag.map(RAG_ORDER).fillna(4)).sort_values(
            ["_o", "project_id"], kind="stable"
        )
        rows = []
        for _, r in pr.iterrows():
            status = str(r.get("rag") or "")
            name = deck.people.scrub(r.get("project_name") or r.get("project_id"))
            reasons = deck.people.scrub(_reasons(deck, r)) or "–"
            if status == "No data" and reasons == "–":
                reasons = deck.t("projects.no_data_reason")
            rows.append(
                [
                    Cell(name),
                    Cell(
                        deck.t(RAG_KEYS[status]) if status in RAG_KEYS else "–",
                        fill=charts.RAG.get(status),
                        colour=WHITE if status in RAG_KEYS else None,
                        bold=True,
                        align="c",
                    ),
                    Cell(deck.pct(r.get("volume_vs_plan"), 0), align="r"),
                    Cell(deck.pct(r.get("sla"), 1), align="r"),
                    Cell(deck.pct(r.get("accuracy"), 1), align="r"),
                    Cell(deck.date(r.get("forecast_finish")), align="r"),
                    Cell(reasons),
                ]
            )
            numbers.append(
                deck.t(
                    "notes.project",
                    project=name,
                    rag=deck.t(RAG_KEYS[status]) if status in RAG_KEYS else "–",
                    items=deck.num(r.get("items")),
                    plan=deck.num(r.get("target_volume")),
                    volume=deck.pct(r.get("volume_vs_plan"), 1),
                    sla=deck.pct(r.get("sla"), 2),
                    accuracy=deck.pct(r.get("accuracy"), 2),
                )
            )
        header = [
            deck.t(f"projects.{c}")
            for c in ("project", "rag", "volume", "sla", "accuracy", "forecast", "reasons")
        ]
        deck.table(
            slide,
            visuals[0],
            header,
            rows,
            topic=topic,
            weights=[2.6, 1.0, 1.1, 1.0, 1.1, 1.6, 4.6],
            size_pt=12,
            min_pt=10,
            max_lines=2,
        )
    red_names = [deck.people.scrub(x) for x in col(pr, "project_name")[rag == "Red"]]
    deck.say(
        slide,
        band,
        "projects",
        total=len(pr),
        red=red,
        amber=amber,
        green=green,
        no_data=nodata,
        red_names=red_names,
        partial=deck.partial,
    )
    deck.notes(
        slide,
        numbers,
        ("rag", "sla", "accuracy", "forecast_finish"),
        ("Projects", "Production", "Queue", "Audits"),
    )


def capacity_slide(deck: Deck) -> None:
    m = deck.metrics
    plan = m.capacity
    by = frame(getattr(plan, "by_market_language", None))
    assumptions = frame(getattr(plan, "assumptions", None))
    plan_month = getattr(plan, "month", None)
    need = have = None
    gap_markets: list[str] = []
    agg = pd.DataFrame()
    if not by.empty and "market" in by.columns:
        agg = by.groupby("market", sort=True)[["required_fte", "available_fte"]].sum(min_count=1)
        need, have = num(agg["required_fte"].sum()), num(agg["available_fte"].sum())
        gap = agg["required_fte"] - agg["available_fte"]
        gap_markets = [str(x) for x in gap[gap > 0.5].index]
    hires = num(col(by, "hires_needed").sum(min_count=1)) if not by.empty else None
    topic = deck.t("slide.capacity")
    # a market whose need cannot be computed (a project without AHT) is not "covered"
    unknown = not by.empty and bool(col(by, "required_fte").isna().any())
    if need is None or have is None:
        title = topic
    elif unknown:
        title = deck.t("takeaway.capacity_unknown", month=deck.month(plan_month))
    elif need - have > 0.05:
        title = deck.t(
            "takeaway.capacity_gap",
            month=deck.month(plan_month),
            need=deck.num(need, 1),
            gap=deck.num(need - have, 1),
        )
    else:
        title = deck.t("takeaway.capacity_ok", month=deck.month(plan_month), need=deck.num(need, 1))
    slide, rects = deck.slide("capacity", "two", title, topic, timed=True)
    visuals, band = deck.split(rects)
    if agg.empty:
        deck.empty(slide, visuals[0], deck.t("empty.capacity"))
    else:
        charts.column_chart(
            slide,
            visuals[0],
            [str(x) for x in agg.index],
            {
                deck.t("label.required_fte"): agg["required_fte"],
                deck.t("label.available_fte"): agg["available_fte"],
            },
            title=deck.t("chart.capacity", month=deck.month(plan_month)),
            number_format="0",
            colours=(charts.NAVY, charts.TEAL),
            axis_title=deck.t("label.fte"),
        )
    fun = frame(m.funnel)
    if fun.empty or "reached" not in fun.columns or fun["reached"].sum() == 0:
        fun = pd.DataFrame()
    numbers = [
        deck.t(
            "notes.capacity_market",
            market=str(k),
            need=deck.num(r["required_fte"], 2),
            have=deck.num(r["available_fte"], 2),
        )
        for k, r in agg.iterrows()
    ]
    if not assumptions.empty:
        rows = []
        for _, r in assumptions.iterrows():
            shown = assumption_value(deck, r.get("value"), r.get("unit"))
            rows.append(
                [
                    Cell(deck.name_of("assumption", r.get("assumption") or "")),
                    Cell(shown, align="r"),
                    Cell(deck.people.scrub(r.get("source") or "")),
                ]
            )
            numbers.append(f"{rows[-1][0].text}: {shown} ({rows[-1][2].text or '–'})")
        header = [
            deck.t("capacity.assumption"),
            deck.t("capacity.value"),
            deck.t("capacity.source"),
        ]
        deck.table(
            slide,
            visuals[1],
            header,
            rows,
            topic=deck.t("capacity.assumptions"),
            weights=[3.0, 1.4, 2.6],
            size_pt=12,
            min_pt=9,
            max_lines=2,
        )
    elif fun.empty:
        deck.empty(slide, visuals[1], deck.t("empty.hiring"))
    else:
        charts.column_chart(
            slide,
            visuals[1],
            [deck.name_of("stage", s) for s in fun["stage"]],
            {deck.t("label.candidates"): fun["reached"]},
            title=deck.t("chart.funnel"),
            number_format="#,##0",
            horizontal=True,
            colours=(charts.TEAL,),
            labels=True,
        )
    applied = int(fun["reached"].iloc[0]) if not fun.empty else 0
    hired = int(fun["reached"].iloc[-1]) if not fun.empty else 0
    numbers += [
        deck.t("notes.funnel", stage=deck.name_of("stage", s), n=deck.num(n))
        for s, n in zip(col(fun, "stage"), col(fun, "reached"), strict=True)
    ]
    deck.say(
        slide,
        band,
        "capacity",
        plan_month=plan_month,
        required=None if unknown else need,
        available=have,
        gap=None if need is None or have is None else need - have,
        gap_markets=gap_markets,
        hires=hires,
        applied=applied,
        hired=hired,
        conversion=hired / applied if applied else None,
        partial=deck.partial,
    )
    deck.notes(
        slide,
        numbers,
        ("capacity_batch", "capacity_realtime", "shrinkage", "hiring_funnel"),
        ("Production", "Roster", "Projects", "Hiring"),
        [str(n) for n in getattr(plan, "notes", []) or []],
    )


_UNITS = {
    "s": ("seconds", 1),
    "sec": ("seconds", 1),
    "seconds": ("seconds", 1),
    "h": ("hours", 1),
    "hours": ("hours", 1),
    "fte": ("fte", 1),
    "share": ("pct", 1),
    "pct": ("pct", 1),
    "%": ("pct", 1),
    "items": ("count", 0),
    "count": ("count", 0),
    "people": ("count", 0),
    "days": ("days", 0),
}


def assumption_value(deck: Deck, value: object, unit: object) -> str:
    """A capacity assumption in the deck's words: known units formatted, others kept."""
    x = num(value)
    if x is None:
        return str(value) if value not in (None, "") and str(value) != "nan" else "–"
    u = str(unit or "").strip()
    kind, digits = _UNITS.get(u.lower(), ("", 2))
    if kind == "pct":
        return deck.pct(x, digits)
    if kind == "count":
        return deck.num(x, digits)
    if kind:
        key = f"unit.{kind}"
        return deck.t(key, value=deck.num(x, digits))
    return f"{deck.num(x, 2)} {u}".strip()


def requirements_slide(deck: Deck) -> None:
    m = deck.metrics
    req = m.requirements
    items = frame(getattr(req, "items", None))
    by = frame(getattr(req, "by_status_age", None))
    open_items = (
        items[col(items, "open", False).fillna(False).astype(bool)] if not items.empty else items
    )
    overdue = (
        open_items[col(open_items, "overdue", False).fillna(False).astype(bool)]
        if not open_items.empty
        else open_items
    )
    received = pd.to_datetime(col(items, "received_date"), errors="coerce")
    new_this = int((received.dt.strftime("%Y-%m") == m.month).sum()) if not items.empty else 0
    topic = deck.t("slide.requirements")
    title = (
        deck.t("takeaway.requirements", open=len(open_items), overdue=len(overdue), new=new_this)
        if not items.empty
        else topic
    )
    slide, rects = deck.slide("requirements", "two", title, topic)
    visuals, band = deck.split(rects)
    # The list needs the room: a narrow chart on the left, the table on the right.
    whole = charts.Rect(
        visuals[0].left,
        visuals[0].top,
        visuals[-1].left + visuals[-1].width - visuals[0].left,
        visuals[0].height,
    )
    visuals = list(whole.split_h(0.34))
    if by.empty or "count" not in by.columns or by["count"].sum() == 0:
        deck.empty(slide, visuals[0], deck.t("empty.requirements"))
    else:
        pivot = by.pivot_table(
            index="age_band", columns="status", values="count", aggfunc="sum", sort=False
        ).fillna(0)
        charts.column_chart(
            slide,
            visuals[0],
            [deck.t("requirements.age", band=str(b)) for b in pivot.index],
            {deck.name_of("req_status", s): pivot[s] for s in pivot.columns},
            title=deck.t("chart.requirements"),
            number_format="0",
            colours=(charts.NAVY, charts.TEAL, charts.ORANGE, charts.BLUE),
            axis_title=deck.t("label.requirements"),
        )
    shown = (
        open_items.assign(
            _o=~col(open_items, "overdue", False).fillna(False).astype(bool),
            _a=-pd.to_numeric(col(open_items, "age_days"), errors="coerce").fillna(0),
        ).sort_values(["_o", "_a"], kind="stable")
        if not open_items.empty
        else open_items
    )
    numbers = []
    if shown.empty:
        deck.empty(slide, visuals[1], deck.t("empty.requirements_open"))
    else:
        rows = []
        for _, r in shown.iterrows():
            late = bool(r.get("overdue"))
            rows.append(
                [
                    Cell(deck.people.scrub(r.get("summary") or r.get("req_id"))),
                    Cell(deck.people.scrub(r.get("project_id") or "–")),
                    Cell(deck.people.scrub(r.get("requested_by") or "–")),
                    Cell(deck.date(r.get("due_date")), align="r"),
                    Cell(
                        deck.num(r.get("days_overdue")) if late else "–",
                        align="r",
                        colour=charts.RED if late else None,
                        bold=late,
                    ),
                ]
            )
            numbers.append(
                deck.t(
                    "notes.requirement",
                    req=deck.people.scrub(r.get("req_id")),
                    status=deck.name_of("req_status", r.get("status")),
                    age=deck.num(r.get("age_days")),
                    versions=deck.num(r.get("versions")),
                )
            )
        header = [
            deck.t(f"requirements.{c}")
            for c in ("summary", "project", "requested_by", "due", "days_overdue")
        ]
        deck.table(
            slide,
            visuals[1],
            header,
            rows,
            topic=topic,
            weights=[3.4, 1.5, 1.7, 1.3, 1.0],
            size_pt=11,
            min_pt=9,
            max_lines=2,
        )
    changed = int((pd.to_numeric(col(items, "versions"), errors="coerce").fillna(1) > 1).sum())
    deck.say(
        slide,
        band,
        "requirements",
        open=len(open_items),
        overdue=len(overdue),
        new=new_this,
        changed=changed,
        total=len(items),
    )
    deck.notes(
        slide,
        numbers,
        ("requirements",),
        ("Requirements",),
        [deck.t("notes.as_of", date=deck.date(getattr(req, "as_of", None)))],
    )
