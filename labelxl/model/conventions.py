"""How a workspace writes numbers and dates as text: decimal separator and day/month order.

Settings decide (``decimal_separator``, ``date_order``); when they are blank the Roster
markets do, through their locale (Babel's CLDR data: BR → pt_BR → decimal comma, dd/MM/y).
Markets that disagree decide nothing: the decimal point is then assumed and dd/mm vs
mm/dd dates stay ambiguous (a finding), never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labelxl.model.cells import DateOrder, date_order_of

if TYPE_CHECKING:
    from babel import Locale


@dataclass(frozen=True)
class Conventions:
    """The decimal separator and date order used to read text cells, and where they came from."""

    decimal: str = "."
    date_order: DateOrder | None = None
    source: str = "default"


def market_locale(market: str) -> Locale | None:
    """The Babel locale of a market code (``BR``, ``pt-BR``, ``pt_BR``), or None."""
    from babel import Locale, UnknownLocaleError

    text = str(market).strip().replace("-", "_")
    if not text:
        return None
    if "_" not in text and not (len(text) == 2 and text.isalpha()):
        return None  # "LATAM", "Brazil": not a territory code, so no locale is assumed
    candidate = text if "_" in text else f"und_{text.upper()}"
    try:
        locale = Locale.parse(candidate)
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return locale if locale.territory else None  # Babel falls back to bare "en" for unknowns


def from_markets(markets: Iterable[object]) -> tuple[str | None, DateOrder | None, str]:
    """(decimal, date order, the markets consulted): each None when the markets disagree."""
    from babel.numbers import get_decimal_symbol

    decimals: set[str] = set()
    orders: set[DateOrder | None] = set()
    seen: list[str] = []
    for market in sorted({str(m).strip() for m in markets if m is not None and m == m}):
        locale = market_locale(market)
        if locale is None:
            continue
        seen.append(market)
        decimals.add(get_decimal_symbol(locale))
        orders.add(date_order_of(locale.date_formats["short"].pattern))
    decimal = decimals.pop() if len(decimals) == 1 else None
    order = orders.pop() if len(orders) == 1 else None
    return (decimal if decimal in (".", ",") else None), order, ", ".join(seen)


def resolve(
    decimal_setting: str = "", order_setting: str = "", markets: Iterable[object] = ()
) -> Conventions:
    """Settings first, then the markets' locales, then the decimal point and no date order.

    A setting of "" or "auto" is no setting.
    """
    decimal_setting = "" if decimal_setting == "auto" else decimal_setting
    order_setting = "" if order_setting == "auto" else order_setting
    decimal, order, seen = (
        from_markets(markets)
        if not (decimal_setting and order_setting)
        else (
            None,
            None,
            "",
        )
    )
    source = []
    if decimal_setting:
        source.append("decimal_separator in Settings")
    elif decimal:
        source.append(f"decimal separator of the Roster markets ({seen})")
    if order_setting:
        source.append("date_order in Settings")
    elif order:
        source.append(f"date order of the Roster markets ({seen})")
    return Conventions(
        decimal=decimal_setting or decimal or ".",
        date_order=order_setting or order,  # type: ignore[arg-type]
        source="; ".join(source) or "default",
    )
