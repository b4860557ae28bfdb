"""What a cell's text means: numbers, dates, Excel errors and spellings, read strictly.

Text cells are how real teams type (decimal commas, dd/mm dates, ``approve`` for
``Approve``, ids pasted with full-width or invisible characters). Every reader here either
returns one meaning or says why it cannot (``Problem``); none guesses silently.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from labelxl.model.findings import AMBIGUOUS_DATE, BAD_TYPE

DateOrder = Literal["DMY", "MDY", "YMD"]
DATE_ORDERS: tuple[DateOrder, ...] = ("DMY", "MDY", "YMD")
DECIMAL_SEPARATORS = (".", ",")

# Characters that show as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
# Group separators besides the comma and the point: spaces (fr, ru) and the Swiss apostrophe.
_SPACE_GROUPS = "[ \u00a0\u202f\u2009'\u2019]"
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-"})


@dataclass(frozen=True)
class CellError:
    """A cell with no value: an Excel error (``#N/A``) or a formula never calculated."""

    text: str  # "#N/A", "#DIV/0!", …; "" for a formula without a cached value
    formula: str = ""

    def __str__(self) -> str:
        return self.text or f"={self.formula}"

    @property
    def uncalculated(self) -> bool:
        return not self.text


@dataclass(frozen=True)
class Problem:
    """Why a cell has no typed value: the finding code and the message's middle part."""

    code: str
    says: str = ""  # "" = the generic "must be <type> (got …)" message


# ---------------------------------------------------------------------------------- spellings


def clean(text: str) -> str:
    """NFKC (full-width → ASCII), invisible characters removed, outer spaces trimmed."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def fold(text: str) -> str:
    """The matching key of a categorical value: ``clean`` and case-folded."""
    return clean(text).casefold()


def visible(text: str) -> str:
    """``text`` with every character that hides a difference spelled out as <U+XXXX>.

    Full-width letters, invisible characters and unusual spaces would make a message look
    as if it quoted a valid id; spelled out, the difference is seen.
    """
    out = []
    for char in text:
        hidden = (
            ord(char) in _INVISIBLE
            or (unicodedata.category(char) in ("Cf", "Zs", "Zl", "Zp", "Cc") and char != " ")
            or (not char.isascii() and unicodedata.normalize("NFKC", char) != char)
        )
        out.append(f"<U+{ord(char):04X}>" if hidden else char)
    return "".join(out)


# ------------------------------------------------------------------------------------ numbers


def _grouped(sep: str) -> str:
    return rf"[1-9]\d{{0,2}}(?:{sep}\d{{3}})+"


def _reading(text: str, decimal: str) -> float | None:
    """The number ``text`` means when ``decimal`` is its decimal mark, or None."""
    group = re.escape("," if decimal == "." else ".")
    dec = re.escape(decimal)
    for sep in (group, _SPACE_GROUPS):
        if re.fullmatch(rf"{_grouped(sep)}(?:{dec}\d*)?", text):
            whole, _, frac = re.sub(sep, "", text).partition(decimal)
            return float(f"{whole}.{frac or 0}")
    if re.fullmatch(rf"\d+(?:{dec}\d*)?|{dec}\d+", text):
        whole, _, frac = text.partition(decimal)
        return float(f"{whole or 0}.{frac or 0}")
    return None


def parse_number(
    text: str, decimal: str = ".", *, percent: bool = False, integer: bool = False
) -> float | Problem | None:
    """A number typed as text, read by its pattern; None when the text is not a number.

    ``1,234.5`` and ``1.234,5`` have one reading each. A text with two readings
    (``1,234`` is 1234 with point decimals, 1.234 with comma decimals) takes the point
    reading when ``decimal`` is ``.`` (the team's convention and every export agree); with
    comma decimals it is a ``bad-type`` Problem, because exports pasted into such a
    workspace write ``1,234`` for a thousand. ``percent`` accepts ``95%`` as 0.95;
    ``integer`` drops readings with a fraction (items ``1.234`` is 1234 in any locale).
    """
    body = clean(text).translate(_MINUS).replace(" %", "%")
    scale = 1.0
    if body.endswith("%"):
        if not percent:
            return None
        body, scale = body[:-1].strip(), 0.01
    sign = -1.0 if body.startswith("-") else 1.0
    body = body[1:] if body[:1] in "+-" else body
    if re.fullmatch(r"\d+(?:\.\d+)?[eE][+-]?\d+", body):
        return sign * float(body) * scale
    point, comma = _reading(body, "."), _reading(body, ",")
    if integer:
        point = point if point is not None and point.is_integer() else None
        comma = comma if comma is not None and comma.is_integer() else None
    if point is None and comma is None:
        return None
    if point is None or comma is None or point == comma:
        value = point if point is not None else comma
    elif decimal == ".":
        value = point
    else:
        return Problem(
            BAD_TYPE,
            f"'{text}' reads as {_short(comma)} with decimal_separator ',' but as "
            f"{_short(point)} in an export that writes ',' between thousands",
        )
    assert value is not None
    if scale != 1.0:  # 95% is 0.95 exactly as typed, not 0.9500000000000001
        return float(Decimal(repr(sign * value)) / 100)
    return sign * value


def _short(value: float) -> str:
    return f"{value:,.10g}".replace(",", "") if value != int(value) else str(int(value))


# -------------------------------------------------------------------------------------- dates

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        dt.date(2000, number, 1).strftime("%b").lower(),
        dt.date(2000, number, 1).strftime("%B").lower(),
    )
}
_NUMERIC_DATE = re.compile(r"(\d{1,4})([./\-])(\d{1,2})\2(\d{1,4})")
_NAMED_DATE = re.compile(
    r"(?:(\d{1,2})[ \-.]*([A-Za-z]{3,9})\.?,?[ \-]*(\d{4})"
    r"|([A-Za-z]{3,9})\.?[ \-]*(\d{1,2}),?[ \-]+(\d{4}))"
)
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year(text: str) -> int | None:
    # Two-digit years are refused: '26/03/02' could be any of three days.
    return int(text) if len(text) == 4 else None


def parse_text_date(text: str, order: str | None = None) -> dt.date | Problem | None:
    """A date typed as text; None when it is not a date, a Problem when it reads two ways.

    ISO (``2026-03-02``, with or without a time), year-first forms and dates with a month
    name are unambiguous. ``03/02/2026`` is 3 February (DMY) or 2 March (MDY): ``order``
    decides; without one it is an ``ambiguous-date`` Problem. A day above 12
    (``25/03/2026``) leaves one reading, which is taken whatever the order.
    """
    body = _TIME_TAIL.sub("", clean(text))
    if re.fullmatch(r"(?:19|20)\d{6}", body):  # ISO basic: 20260302
        return _day(int(body[:4]), int(body[4:6]), int(body[6:]))
    match = _NUMERIC_DATE.fullmatch(body)
    if match:
        a, _, b, c = match.groups()
        if len(a) == 4:  # year first: y-m-d (no team types y-d-m)
            return _day(int(a), int(b), int(c))
        year = _year(c)
        if year is None:
            return None
        dmy = _day(year, int(b), int(a))
        mdy = _day(year, int(a), int(b))
        if dmy is None or mdy is None or dmy == mdy:
            return dmy or mdy
        if order == "DMY":
            return dmy
        if order == "MDY":
            return mdy
        return Problem(
            AMBIGUOUS_DATE,
            f"'{text}' can be {dmy:%Y-%m-%d} or {mdy:%Y-%m-%d}",
        )
    match = _NAMED_DATE.fullmatch(body)
    if match:
        d1, m1, y1, m2, d2, y2 = match.groups()
        day_text, name, year_text = (d1, m1, y1) if d1 else (d2, m2, y2)
        month = _MONTHS.get(name.lower()) or _MONTHS.get(name.lower()[:3])
        return _day(int(year_text), month, int(day_text)) if month else None
    return None


def date_order_of(pattern: str) -> DateOrder | None:
    """DMY, MDY or YMD from a CLDR date pattern such as ``dd/MM/y``."""
    positions = {k: pattern.find(k) for k in "dMy"}
    if min(positions.values()) < 0:
        return None
    ordered = "".join(sorted(positions, key=positions.__getitem__)).upper()
    return ordered if ordered in DATE_ORDERS else None  # type: ignore[return-value]
