"""The streaming JSON reader gives what json.loads gives, whatever the chunk size."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelxl.imports.jsonstream import CHUNK, JSONStreamError, iter_array, iter_lines

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.lists(values, max_size=8), st.integers(1, 40), st.sampled_from([None, 0, 2]))
def test_elements_equal_json_loads(data, chunk, indent):
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    assert list(iter_array(io.StringIO(text), chunk)) == json.loads(text)


@given(st.lists(values, min_size=1, max_size=6), st.integers(1, 30), st.data())
def test_a_cut_file_raises_after_the_whole_elements(data, chunk, draw):
    text = json.dumps(data)
    cut = draw.draw(st.integers(1, len(text) - 1))
    got: list[object] = []
    with pytest.raises(JSONStreamError):
        got.extend(iter_array(io.StringIO(text[:cut]), chunk))
    assert got == data[: len(got)]


class _Counting(io.StringIO):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.largest = 0

    def read(self, size: int | None = -1) -> str:
        out = super().read(size)
        self.largest = max(self.largest, len(out))
        return out


def test_a_big_array_is_read_in_chunks():
    text = json.dumps([{"id": i, "text": "x" * 100} for i in range(30_000)])
    stream = _Counting(text)
    assert sum(1 for _ in iter_array(stream)) == 30_000
    assert len(text) > 2 * CHUNK and stream.largest <= CHUNK


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("{}", "expected a JSON array"),
        ("[1,,2]", "invalid JSON at character 3"),
        ("[1 2]", "expected ',' or ']'"),
        ("[1] tail", "unexpected text after the closing"),
        ('[{"a": "unterminated', "cut off"),
    ],
)
def test_faults_are_named(text, message):
    with pytest.raises(JSONStreamError, match=message):
        list(iter_array(io.StringIO(text), 4))


def test_ndjson_lines_skip_blanks_and_name_the_bad_line():
    assert list(iter_lines(io.StringIO('{"a": 1}\n\n[2]\n'))) == [(1, {"a": 1}), (3, [2])]
    with pytest.raises(JSONStreamError, match="line 2 is not valid JSON"):
        list(iter_lines(io.StringIO('{"a": 1}\n{"a": x}\n')))
