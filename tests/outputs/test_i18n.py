"""Message catalogues and Babel formatting (labelxl.outputs.i18n)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import TemplateError
from labelxl.outputs import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("lang", i18n.languages())
def test_every_shipped_language_has_every_key(lang):
    assert i18n.missing_keys(lang) == []
    en, own = i18n.catalogue("en"), i18n.catalogue(lang)
    wrong = [k for k in en if i18n.placeholders(en[k]) != i18n.placeholders(own[k])]
    assert wrong == [], f"{lang}: placeholders differ from English in {wrong}"


def test_shipped_languages_include_english_and_chinese():
    assert i18n.languages()[:1] == ["en"]
    assert "zh" in i18n.languages()


@pytest.fixture
def tiny_catalogues(tmp_path, monkeypatch):
    folder = tmp_path / "i18n"
    folder.mkdir()
    (folder / "en.json").write_text(json.dumps({"a": "Hello {name}", "b": "Only English"}))
    (folder / "xx.json").write_text(json.dumps({"a": "Salut {name}"}))
    monkeypatch.setattr(i18n, "catalogue_dir", lambda: folder)
    i18n.catalogue.cache_clear()
    yield folder
    i18n.catalogue.cache_clear()


def test_missing_key_falls_back_to_english(tiny_catalogues):
    assert i18n.translate("a", "xx", name="Ana") == "Salut Ana"
    assert i18n.translate("b", "xx") == "Only English"
    assert i18n.missing_keys("xx") == ["b"]


def test_unknown_key_and_missing_value_raise(tiny_catalogues):
    with pytest.raises(TemplateError, match="'nope'"):
        i18n.translate("nope", "en")
    with pytest.raises(TemplateError, match="name"):
        i18n.translate("a", "en")


def test_bad_catalogue_is_a_template_error(tiny_catalogues):
    (tiny_catalogues / "yy.json").write_text("[1, 2]")
    with pytest.raises(TemplateError, match=r"yy\.json"):
        i18n.catalogue("yy")


def test_unknown_language_names_the_shipped_ones():
    with pytest.raises(TemplateError, match="en, zh"):
        i18n.check_lang("tlh")


# Expected strings follow CLDR (Unicode Common Locale Data Repository) patterns, the data
# Babel ships: en "#,##0.###" / "#,##0%", zh the same symbols, de "." grouping "," decimal;
# zh long date "y年M月d日", zh year-month "y年M月".
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: i18n.format_percent(0.961, "en"), "96.1%"),
        (lambda: i18n.format_percent(0.961, "zh"), "96.1%"),
        (lambda: i18n.format_percent(0.9, "en", 0), "90%"),
        (lambda: i18n.format_number(1234567, "en"), "1,234,567"),
        (lambda: i18n.format_number(1234.5, "de", 1), "1.234,5"),
        (lambda: i18n.format_number(1234.56, "zh", 1), "1,234.6"),
        (lambda: i18n.format_date(dt.date(2026, 3, 5), "zh", "long"), "2026年3月5日"),
        (lambda: i18n.format_date(dt.date(2026, 3, 5), "en", "long"), "March 5, 2026"),
        (lambda: i18n.format_month("2026-03", "en"), "March 2026"),
        (lambda: i18n.format_month("2026-03", "zh"), "2026年3月"),
        (lambda: i18n.format_month("2026-03", "en", short=True), "Mar 2026"),
        (lambda: i18n.format_week("2026-W09", "en"), "Feb 23"),
        (lambda: i18n.format_measure(38.456, "rate", "en"), "38.5/h"),
        (lambda: i18n.format_measure(312.4, "seconds", "zh"), "312 秒"),
        (lambda: i18n.format_change(0.004, "pct", "en"), "+0.4 pp"),
        (lambda: i18n.format_change(-12, "count", "en"), "−12"),
        (lambda: i18n.format_change(0.0001, "count", "en"), "±0"),
    ],
)
def test_formatting_examples(call, expected):
    assert call() == expected


@pytest.mark.parametrize("blank", [None, math.nan, float("inf"), "x"])
def test_blank_values_show_a_dash_never_nan(blank):
    assert i18n.format_percent(blank) == i18n.MISSING
    assert i18n.format_number(blank) == i18n.MISSING
    assert i18n.format_measure(blank, "pct") == i18n.MISSING
    assert i18n.format_change(blank, "count") == i18n.MISSING


def test_blank_dates_show_a_dash():
    import pandas as pd

    assert i18n.format_date(pd.NaT) == i18n.MISSING
    assert i18n.format_date(None) == i18n.MISSING
    assert i18n.format_date(math.nan) == i18n.MISSING


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=0, max_value=1), st.sampled_from(["en", "zh"]))
def test_percent_round_trips_within_rounding(x, lang):
    shown = i18n.format_percent(x, lang, 1)
    assert shown.endswith("%")
    assert abs(float(shown[:-1].replace(",", "")) / 100 - x) <= 0.0005 + 1e-12


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9), st.integers(0, 2))
def test_number_round_trips_within_rounding(x, digits):
    shown = i18n.format_number(x, "en", digits)
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?", shown)
    assert abs(float(shown.replace(",", "")) - x) <= 0.5 * 10**-digits + 1e-6 * abs(x)


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1, max_value=1, allow_nan=False))
def test_change_sign_matches_value(x):
    shown = i18n.format_change(x, "pct", "en")
    points = round(x * 100, 1)
    assert shown[0] == ("+" if points > 0 else "−" if points < 0 else "±")


@pytest.mark.parametrize("lang", i18n.languages())
def test_every_definition_has_term_text_and_source(lang):
    defs = i18n.definitions(lang)
    assert [d.key for d in defs] == list(i18n.DEFINITION_KEYS)
    assert all(d.term and d.text and d.source for d in defs)


def test_docs_print_the_same_definitions_as_the_deck():
    docs = (ROOT / "docs" / "deck.md").read_text(encoding="utf-8")
    assert i18n.definitions_markdown("en") in docs, (
        "docs/deck.md is out of date: paste labelxl.outputs.i18n.definitions_markdown('en')"
    )
