"""What every slide builder shares: the ``Deck`` (layouts, language, people, narrative), the
kicker and takeaway title, the data-through stamp, speaker notes, appendix continuations and
the small data helpers that never raise on missing columns."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
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
from labelxl.deck.tables import Cell, add_table, column_widths, fit_rows
from labelxl.deck.template import Layouts, body_rects
from labelxl.deck.text import Para, box_lines, fill, fit, parse_markdown, write_paras
from labelxl.metrics import Metrics
from labelxl.outputs import i18n

NARRATIVE_H = Emu(1234440)  # 1.35 in: room for three short sentences at 14 pt
GAP = Emu(91440)
KICKER_H = Emu(246888)  # 0.27 in: one line at 11 pt
GREY_TEXT = RGBColor(0x59, 0x59, 0x59)
KICKER = "LX Kicker"
SLIDE_NUMBER = "LX Slide number"
STAMP = "LX Data through"


@dataclass
class Continuation:
    """Rows of a table that did not fit its slide, shown on appendix pages instead."""

    topic: str
    header: list[str]
    rows: list[list[Cell]]
    weights: list[float]
    size_pt: float
    max_lines: int
    notes: list[str]


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
    sources: dict[str, str] = field(default_factory=dict)  # sheet → "tracker.xlsx › Projects"
    built: list[str] = field(default_factory=list)  # slide keys, in order
    continued: list[Continuation] = field(default_factory=list)

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

    def date(self, x: Any, style: str = "medium") -> str:
        return i18n.format_date(x, self.lang, style)

    def month(self, m: Any = None, short: bool = False) -> str:
        return i18n.format_month(self.metrics.month if m is None else m, self.lang, short)

    # ---- the data window
    @property
    def partial(self) -> bool:
        """The month's data stop before its last working day (or there are none)."""
        return bool(getattr(self.metrics, "partial", False)) and self.through is not None

    @property
    def through(self) -> dt.date | None:
        return _as_date(getattr(self.metrics, "data_through", None))

    def window(self) -> str:
        """``1 Nov 2026 – 6 Nov 2026 (5 of 21 working days)`` or why there is none."""
        m = self.metrics
        start = _as_date(getattr(m, "data_from", None))
        if start is None or self.through is None:
            return self.t("window.none", month=self.month())
        return self.t(
            "window.range",
            start=self.date(start),
            end=self.date(self.through),
            days=int(getattr(m, "working_days_with_data", 0) or 0),
            total=int(getattr(m, "working_days", 0) or 0),
        )

    def through_line(self) -> str | None:
        """``Data through 6 Nov 2026 (5 of 21 working days)`` when the month is incomplete."""
        if not self.partial:
            return None
        return self.t(
            "window.through",
            date=self.date(self.through),
            days=int(getattr(self.metrics, "working_days_with_data", 0) or 0),
            total=int(getattr(self.metrics, "working_days", 0) or 0),
        )

    # ---- slide scaffolding
    def slide(self, key: str, role: str, title: str, topic: str | None = None, timed: bool = False):
        """A new slide on the role's layout with its (takeaway) title and topic kicker.

        ``timed`` slides show the data-through stamp when the month is incomplete. Returns
        the slide and the visual rectangles (the layout's body boxes).
        """
        layout = getattr(self.layouts, role) or self.layouts.content
        slide = self.prs.slides.add_slide(layout)
        rects = body_rects(layout, self.prs)
        if role == "two" and self.layouts.two is None and len(rects) == 1:
            rects = list(rects[0].split_h(0.5))
        title_ph = None
        for ph in list(slide.placeholders):
            kind = ph.placeholder_format.type
            if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE):
                self._title(ph, title, takeaway=bool(topic) and title != topic)
                title_ph = ph
            elif not _keeps(role, kind):
                ph._element.getparent().remove(ph._element)
        if topic and title_ph is not None:
            stamp = self.through_line() if timed else None
            self._kicker(slide, title_ph, topic, stamp)
        self.built.append(key)
        return slide, rects

    def _title(self, ph, title: str, takeaway: bool = False) -> None:
        paras = [Para(title)]
        if takeaway:
            # A takeaway is a sentence: on one line from 24 pt down to 18 pt, else wrapped.
            size = 24.0
            while size >= 18 and len(box_lines(paras, int(ph.width), size)[0]) > 1:
                size -= 1
            if size >= 18:
                write_paras(ph.text_frame, paras, size)
                return
            size, shown = fit(paras, int(ph.width), int(ph.height), 20, 14)
            write_paras(ph.text_frame, shown, size)
            return
        size, shown = fit(paras, int(ph.width), int(ph.height), 28, 16)
        if size >= 28 and shown == paras:
            ph.text_frame.text = title  # the template's own size and style
        else:
            write_paras(ph.text_frame, shown, size)

    def _kicker(self, slide, title_ph, topic: str, stamp: str | None) -> None:
        """The topic in small capitals above the title; the data-through stamp at its right."""
        top = max(0, int(title_ph.top) - int(KICKER_H) + int(Emu(45720)))
        width = int(title_ph.width)
        left = int(title_ph.left)
        kick_w = width if stamp is None else int(width * 0.45)
        box = slide.shapes.add_textbox(left, top, kick_w, KICKER_H)
        box.name = KICKER
        fill(
            box.text_frame,
            [Para(topic)],
            kick_w,
            int(KICKER_H),
            11,
            9,
            colour=charts.TEAL,
            bold=True,
        )
        _tight(box.text_frame)
        for run in box.text_frame.paragraphs[0].runs:
            run.font._rPr.set("cap", "all")  # shown in capitals, stored as written
        if stamp is not None:
            box = slide.shapes.add_textbox(left + kick_w, top, width - kick_w, KICKER_H)
            box.name = STAMP
            fill(
                box.text_frame,
                [Para(stamp)],
                width - kick_w,
                int(KICKER_H),
                11,
                8,
                colour=charts.ORANGE,
                bold=True,
            )
            _tight(box.text_frame)
            box.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT

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

    def caption(self, slide, rect: Rect, text: str) -> None:
        """A one-line grey note under a chart (a left-out partial week, a faded month)."""
        h = int(Emu(228600))
        box = slide.shapes.add_textbox(rect.left, rect.top + rect.height - h, rect.width, h)
        box.name = "LX Caption"
        fill(box.text_frame, [Para(text)], rect.width, h, 10, 8, colour=GREY_TEXT)
        _tight(box.text_frame)

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

    # ---- speaker notes
    def notes(
        self,
        slide,
        numbers: Iterable[str],
        definitions: Sequence[str] = (),
        sheets: Sequence[str] = (),
        extra: Iterable[str] = (),
    ) -> None:
        """Speaker notes: the numbers behind the slide, their definitions, window, sources."""
        lines = [self.t("notes.numbers")]
        lines += [f"- {x}" for x in numbers if x]
        defs = {d.key: d for d in all_definitions(self.lang)}
        chosen = [defs[k] for k in definitions if k in defs]
        if chosen:
            lines += ["", self.t("notes.definitions")]
            lines += [f"- {d.term}: {d.text} ({d.source})" for d in chosen]
        lines += ["", self.t("notes.window", window=self.window())]
        if self.partial:
            lines.append(self.through_line() or "")
        if sheets:
            where = [self.sources.get(s) or self.t("notes.sheet", sheet=s) for s in sheets]
            lines.append(self.t("notes.sources", sources=", ".join(where)))
        lines += [x for x in extra if x]
        slide.notes_slide.notes_text_frame.text = "\n".join(lines)

    # ---- tables that continue in the appendix
    def table(
        self,
        slide,
        rect: Rect,
        header: list[str],
        rows: list[list[Cell]],
        *,
        topic: str,
        weights: list[float],
        size_pt: float = 12,
        min_pt: float = 10,
        max_lines: int = 2,
        notes: Sequence[str] = (),
    ):
        """A table whose rows that do not fit continue on an appendix slide (never hidden)."""
        widths = column_widths(header, rows, rect.width, weights)
        head = [Cell(h, bold=True) for h in header]
        size = size_pt
        while True:
            _, hidden = fit_rows(head, rows, widths, rect.height, size, max_lines)
            if hidden == 0 or size <= min_pt:
                break
            size -= 1
        shape = add_table(
            slide,
            rect,
            header,
            rows,
            weights=weights,
            more=lambda n: self.t("table.continued", n=n),
            size_pt=size,
            min_pt=size,
            max_lines=max_lines,
        )
        hidden = int(getattr(shape, "lx_hidden", 0))
        if hidden:
            self.continued.append(
                Continuation(
                    topic, header, rows[len(rows) - hidden :], weights, size, max_lines, list(notes)
                )
            )
        return shape


def _tight(frame) -> None:
    frame.margin_top = frame.margin_bottom = 0
    frame.margin_left = frame.margin_right = 0
    frame.vertical_anchor = MSO_ANCHOR.BOTTOM


def _keeps(role: str, kind: PP_PLACEHOLDER) -> bool:
    """Placeholders a slide fills itself; every other one is removed (no empty prompts)."""
    if role in ("title", "closing"):
        return kind in (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY)
    return role == "section" and kind in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE)


# ---------------------------------------------------------------------------------------
# Definitions: the shared catalogue ones plus those only the deck prints

DECK_DEFINITION_KEYS = ("calibration_agreement", "consensus", "requirements", "data_window")


def all_definitions(lang: str) -> list[i18n.Definition]:
    extra = [
        i18n.Definition(
            key,
            i18n.translate(f"def.{key}.term", lang),
            i18n.translate(f"def.{key}.text", lang),
            i18n.translate(f"def.{key}.source", lang),
        )
        for key in DECK_DEFINITION_KEYS
    ]
    return [*i18n.definitions(lang), *extra]


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


def _as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts.date()


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


def week_monday(period: str) -> dt.date | None:
    d = pd.to_datetime(str(period) + "-1", format="%G-W%V-%u", errors="coerce")
    return None if pd.isna(d) else d.date()


def weeks_up_to(f: pd.DataFrame, month: str, n: int) -> pd.DataFrame:
    """The last ``n`` ISO weeks whose Monday is on or before the month's last day."""
    if f.empty or "period" not in f.columns:
        return f
    end = (pd.Period(month, "M").end_time).date()
    mondays = pd.to_datetime(f["period"].astype(str) + "-1", format="%G-W%V-%u", errors="coerce")
    keep = f[mondays.dt.date <= end].assign(_m=mondays).sort_values("_m").drop(columns="_m")
    return keep.tail(n)


def week_days_with_data(period: str, through: dt.date) -> int:
    """Working days (Mon–Fri) of an ISO week on or before ``through``."""
    monday = week_monday(period)
    if monday is None:
        return 5
    last = min(monday + dt.timedelta(days=4), through)
    return max(0, int(np.busday_count(monday, last + dt.timedelta(days=1))))


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


def kpi_label(deck: Deck, key: str) -> str:
    return (
        deck.t(f"kpi.{key}")
        if i18n.has(f"kpi.{key}", deck.lang)
        else key.replace("_", " ").capitalize()
    )


# ---------------------------------------------------------------------------------------
# Honest precision

DIGITS = {"count": 0, "rate": 1, "seconds": 0, "hours": 0, "fte": 1, "pct": 1}


def honest_digits(unit: str, value: Any, *others: Any, extra: int = 1) -> int:
    """The default digits of ``unit``, plus up to ``extra`` more while a comparison of
    ``value`` with one of ``others`` (its target) would read wrong: two different numbers
    shown equal, or a shown gap more than a tenth off the true one (37.7 s vs 36.9 s, not
    38 s vs 37 s). Changes are not compared here: below the shown precision they read
    "no change"."""
    base = DIGITS.get(unit, 1)
    scale = 100.0 if unit == "pct" else 1.0
    v = num(value)
    if v is None:
        return base
    for d in range(base, base + extra + 1):
        honest = True
        for o in others:
            w = num(o)
            if w is None or w == v:
                continue
            true = (v - w) * scale
            shown = round(v * scale, d) - round(w * scale, d)
            if shown == 0 or abs(shown - true) > 0.1 * abs(true) + 1e-9:
                honest = False
        if honest:
            return d
    return base + extra


def measure(deck: Deck, value: Any, unit: str, digits: int | None = None) -> str:
    """A value in its unit at ``digits`` (default: the catalogue's own format)."""
    if digits is None or digits == DIGITS.get(unit, 1):
        return i18n.format_measure(value, unit, deck.lang)
    if num(value) is None:
        return i18n.MISSING
    if unit == "pct":
        return i18n.format_percent(value, deck.lang, digits)
    shown = i18n.format_number(value, deck.lang, digits)
    key = f"unit.{unit}"
    return deck.t(key, value=shown) if i18n.has(key, deck.lang) else shown


def change_text(deck: Deck, change: Any, unit: str, digits: int | None = None) -> str:
    """A signed change, or "no change" when it rounds to zero at the shown precision."""
    c = num(change)
    if c is None:
        return i18n.MISSING
    d = DIGITS.get(unit, 1) if digits is None else digits
    scale = 100.0 if unit == "pct" else 1.0
    shown = round(c * scale, d)
    if shown == 0:
        return deck.t("change.none")
    if unit == "pct":
        body = deck.t("unit.pp", value=i18n.format_number(abs(shown), deck.lang, d))
    else:
        body = measure(deck, abs(shown), unit, d)
    return ("+" if shown > 0 else "−") + body


def count_list(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if v is not None and str(v) != "nan"]


Builder = Callable[[Deck], None]
