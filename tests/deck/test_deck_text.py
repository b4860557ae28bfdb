"""Text fitting: wrap, shrink and ellipsis truncation (labelxl.deck.text)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.deck.text import (
    ELLIPSIS,
    Para,
    char_em,
    fit,
    fits,
    parse_markdown,
    truncate_to_width,
    wrap,
)

INCH = 914400
words = st.lists(
    st.text(alphabet="abcdefghij KLMNOP 0123456789 标注质量", min_size=1, max_size=14),
    min_size=1,
    max_size=60,
).map(" ".join)


def test_cjk_characters_are_twice_as_wide_as_latin():
    assert char_em("质") == 1.0 and char_em("a") < 0.6


def test_wrap_breaks_at_spaces_and_between_cjk_characters():
    assert wrap("aaa bbb ccc", 3.0) == ["aaa", "bbb", "ccc"]
    assert wrap("aaa bbb ccc", 4.0) == ["aaa bbb", "ccc"]
    assert wrap("标注质量", 2.0) == ["标注", "质量"]


def test_short_text_keeps_the_largest_size():
    size, shown = fit([Para("Accuracy was 96.1%.")], 6 * INCH, INCH, 16, 10)
    assert size == 16 and shown == [Para("Accuracy was 96.1%.")]


def test_too_long_text_is_shrunk_then_cut_with_an_ellipsis():
    paras = [Para("word " * 400, bullet=True)]
    size, shown = fit(paras, 4 * INCH, INCH, 16, 10)
    assert size == 10
    assert shown[-1].text.endswith(ELLIPSIS)
    assert fits(shown, 4 * INCH, INCH, size)


def test_markdown_lite_bullets_and_levels():
    assert parse_markdown(["- one", "  - two", "plain", ""]) == [
        Para("one", True, 0),
        Para("two", True, 1),
        Para("plain"),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(words, min_size=1, max_size=6),
    st.floats(min_value=1.5, max_value=12),
    st.floats(min_value=0.4, max_value=5),
)
def test_whatever_the_text_the_result_fits(texts, width_in, height_in):
    paras = [Para(t, bullet=i % 2 == 1) for i, t in enumerate(texts)]
    width, height = int(width_in * INCH), int(height_in * INCH)
    size, shown = fit(paras, width, height, 16, 9)
    assert 9 <= size <= 16
    if shown != paras:  # truncated: what is left fits and says it was cut
        assert size == 9
        assert not shown or shown[-1].text.endswith(ELLIPSIS)
    assert not shown or fits(shown, width, height, size) or len(shown) == 1


@settings(max_examples=60, deadline=None)
@given(words, st.floats(min_value=3, max_value=40), st.integers(1, 3))
def test_cell_truncation_fits_its_lines(text, width_em, lines):
    cut = truncate_to_width(text, width_em, lines)
    assert len(wrap(cut, width_em)) <= lines or len(cut) <= 2
    assert cut == text or cut.endswith(ELLIPSIS)
