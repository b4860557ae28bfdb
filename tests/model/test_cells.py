"""Reading text cells strictly: numbers by pattern, dates by order, spellings made visible."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelxl.model.cells import (
    Problem,
    clean,
    date_order_of,
    fold,
    parse_number,
    parse_text_date,
    visible,
)
from labelxl.model.conventions import from_markets, resolve


@pytest.mark.parametrize(
    ("text", "point", "comma"),
    [
        ("1,234.5", 1234.5, 1234.5),  # one reading whatever the setting
        ("1.234,5", 1234.5, 1234.5),
        ("0,5", 0.5, 0.5),  # a comma before one digit is no thousands separator
        ("420,5", 420.5, 420.5),
        ("12.5", 12.5, 12.5),
        ("0,500", 0.5, 0.5),  # a group never starts with 0
        ("1 234,5", 1234.5, 1234.5),
        ("1\u202f234,5", 1234.5, 1234.5),  # narrow no-break space (fr)
        ("-3,5", -3.5, -3.5),
        ("\u22122.5", -2.5, -2.5),  # the minus sign U+2212
        ("１２，５", 12.5, 12.5),  # full-width digits
        ("1.234.567", 1234567.0, 1234567.0),
        ("1,234", 1234.0, None),  # two readings: only the point convention settles it
        ("1.234", 1.234, None),
        ("7", 7.0, 7.0),
    ],
)
def test_numbers_read_by_pattern(text, point, comma):
    assert parse_number(text, ".") == point
    got = parse_number(text, ",")
    if comma is None:
        assert isinstance(got, Problem) and got.code == "bad-type" and f"'{text}'" in got.says
    else:
        assert got == comma


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12..5", "1,23,456", "5 items", "", "inf", "nan"])
def test_text_that_is_no_number(text):
    assert parse_number(text, ".") is None and parse_number(text, ",") is None


def test_percent_only_where_asked_and_exact():
    assert parse_number("95%", percent=True) == 0.95
    assert parse_number("95 %", percent=True) == 0.95
    assert parse_number("12,5%", ",", percent=True) == 0.125
    assert parse_number("95%") is None


def test_integer_columns_drop_readings_with_a_fraction():
    # items '1.234' typed in a comma-decimal team can only be 1234.
    assert parse_number("1.234", ",", integer=True) == 1234.0
    assert parse_number("1,234", ",", integer=True) == 1234.0
    assert parse_number("1,5", ",", integer=True) is None


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_formatted_numbers_round_trip(whole, cents):
    value = whole + cents / 100
    us = f"{whole:,}.{cents:02d}"
    eu = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_number(us, ".") == pytest.approx(value)
    assert parse_number(eu, ",") == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "dmy", "mdy", "none"),
    [
        ("2026-03-02", "2026-03-02", "2026-03-02", "2026-03-02"),
        ("2026-03-02T08:30:00Z", "2026-03-02", "2026-03-02", "2026-03-02"),
        ("2026/3/2", "2026-03-02", "2026-03-02", "2026-03-02"),
        ("20260302", "2026-03-02", "2026-03-02", "2026-03-02"),
        ("25/03/2026", "2026-03-25", "2026-03-25", "2026-03-25"),
        ("03/25/2026", "2026-03-25", "2026-03-25", "2026-03-25"),
        ("03/02/2026", "2026-02-03", "2026-03-02", None),
        ("02.03.2026", "2026-03-02", "2026-02-03", None),
        ("04/04/2026", "2026-04-04", "2026-04-04", "2026-04-04"),
        ("3 Feb 2026", "2026-02-03", "2026-02-03", "2026-02-03"),
        ("Feb 3, 2026", "2026-02-03", "2026-02-03", "2026-02-03"),
    ],
)
def test_text_dates(text, dmy, mdy, none):
    assert str(parse_text_date(text, "DMY")) == dmy
    assert str(parse_text_date(text, "MDY")) == mdy
    got = parse_text_date(text, None)
    if none is None:
        assert isinstance(got, Problem) and got.code == "ambiguous-date"
        assert f"'{text}'" in got.says and dmy in got.says and mdy in got.says
    else:
        assert str(got) == none


@pytest.mark.parametrize("text", ["31/02/2026", "03/02/26", "soon", "2026-13-01", "Smarch 3 2026"])
def test_text_that_is_no_date(text):
    assert parse_text_date(text, "DMY") is None


def test_date_order_of_cldr_patterns():
    assert [date_order_of(p) for p in ("dd/MM/y", "M/d/yy", "y/MM/dd", "d\u200f/M\u200f/y")] == [
        "DMY",
        "MDY",
        "YMD",
        "DMY",
    ]


def test_spellings_fold_and_show_what_is_hidden():
    assert clean(" Ｌ０００５\u200b ") == "L0005"
    assert fold("ＡＰＰＲＯＶＥ") == "approve" == fold("Approve")
    assert visible("Ｌ０００５") == "<U+FF2C><U+FF10><U+FF10><U+FF10><U+FF15>"
    assert visible("L0005\u200b") == "L0005<U+200B>"
    assert visible("São Paulo 2") == "São Paulo 2"  # ordinary accents stay as they are


def test_conventions_from_markets_settings_first():
    assert from_markets(["BR", "ID"])[:2] == (",", "DMY")
    assert from_markets(["US"])[:2] == (".", "MDY")
    assert from_markets(["US", "BR"])[:2] == (None, None)  # they disagree: nothing decided
    assert from_markets(["LATAM", "pt-BR"])[:2] == (",", "DMY")  # unknown names are skipped
    assert resolve("", "", ["US", "BR"]).decimal == "."
    assert resolve("", "", ["US", "BR"]).date_order is None
    chosen = resolve(",", "YMD", ["US"])
    assert (chosen.decimal, chosen.date_order) == (",", "YMD")
    assert "Settings" in chosen.source


def test_dates_typed_as_date_objects_are_not_text():
    assert parse_text_date("2026-03-02") == dt.date(2026, 3, 2)
