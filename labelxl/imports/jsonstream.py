"""Read a JSON array (or NDJSON lines) element by element, so a 1 GB export is never one string.

The standard library's ``json.JSONDecoder.raw_decode`` parses one value from a position in a
string; fed with chunks of the file, it yields the array's elements one at a time while only
one chunk (plus the element that straddles it) is in memory. No extra dependency is needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

CHUNK = 1 << 20  # characters read at a time
_WS = " \t\r\n"
_NUMBER_TAIL = frozenset("0123456789.eE+-")  # what a number cut at "1.5e" continues with
_DECODER = json.JSONDecoder()


class JSONStreamError(ValueError):
    """The text is not a well-formed JSON array (or NDJSON); the message says where."""


def iter_array(stream: IO[str], chunk: int = CHUNK) -> Iterator[Any]:
    """Yield the elements of the JSON array that fills ``stream``.

    Raises ``JSONStreamError`` when the text is not an array, is cut off (a truncated
    download) or has a syntax error; the elements before the fault have been yielded.
    """
    buf = stream.read(chunk)
    pos = _skip(buf, 0)
    if pos < len(buf) and buf[pos] == "\ufeff":  # a byte-order mark read as text
        pos = _skip(buf, pos + 1)
    if pos >= len(buf):
        raise JSONStreamError("the file is empty")
    if buf[pos] != "[":
        raise JSONStreamError(f"expected a JSON array starting with '[', found {buf[pos]!r}")
    pos += 1
    consumed = 0  # characters dropped from the front of buf, for error offsets
    eof = False
    first = True
    while True:
        pos = _skip(buf, pos)
        while pos >= len(buf) and not eof:
            buf, pos, consumed, eof = _more(stream, buf, pos, consumed, chunk)
            pos = _skip(buf, pos)
        if pos >= len(buf):
            raise JSONStreamError(
                f"the file ends inside the array (truncated at character {consumed + pos:,})"
            )
        if buf[pos] == "]":
            _expect_end(stream, buf, pos + 1, consumed, chunk)
            return
        if not first:
            if buf[pos] != ",":
                raise JSONStreamError(f"expected ',' or ']' at character {consumed + pos:,}")
            pos = _skip(buf, pos + 1)
            while pos >= len(buf) and not eof:
                buf, pos, consumed, eof = _more(stream, buf, pos, consumed, chunk)
                pos = _skip(buf, pos)
        first = False
        while True:
            try:
                value, end = _DECODER.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if eof:
                    raise _fault(exc, consumed, truncated=_cut_off(exc, buf)) from None
                buf, pos, consumed, eof = _more(stream, buf, pos, consumed, chunk)
                continue
            if not isinstance(value, (dict, list, str)) and _open_ended(buf, end):
                # A number (or literal) cut by the chunk boundary may continue in the next;
                # at the end of the file it may be the cut-off start of a longer one.
                after = buf[end : end + 1]  # a number goes on only right after itself
                if eof and after and after not in _NUMBER_TAIL:
                    break  # something else follows: the loop names what is wrong with it
                if eof:
                    raise JSONStreamError(
                        f"the file is cut off at character {consumed + end:,} (truncated export?)"
                    )
                buf, pos, consumed, eof = _more(stream, buf, pos, consumed, chunk)
                continue
            break
        pos = end
        yield value


def iter_lines(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, value)`` for each non-blank line of an NDJSON stream."""
    for number, line in enumerate(stream, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as exc:
            cut = "the line is cut off (truncated file?)" if _cut_off(exc, text) else exc.msg
            raise JSONStreamError(f"line {number} is not valid JSON: {cut}") from None


def _open_ended(buf: str, end: int) -> bool:
    rest = buf[end:].lstrip(_WS)
    return not rest or rest[0] not in ",]"


def _skip(buf: str, pos: int) -> int:
    n = len(buf)
    while pos < n and buf[pos] in _WS:
        pos += 1
    return pos


def _more(
    stream: IO[str], buf: str, pos: int, consumed: int, chunk: int
) -> tuple[str, int, int, bool]:
    """Drop what is parsed, append the next chunk; the bool says the stream is exhausted."""
    extra = stream.read(chunk)
    return buf[pos:] + extra, 0, consumed + pos, not extra


def _expect_end(stream: IO[str], buf: str, pos: int, consumed: int, chunk: int) -> None:
    rest = buf[pos:]
    while True:
        if rest.strip(_WS):
            raise JSONStreamError(
                f"unexpected text after the closing ']' at character {consumed + pos:,}"
            )
        rest = stream.read(chunk)
        if not rest:
            return


def _cut_off(exc: json.JSONDecodeError, buf: str) -> bool:
    # An unterminated string reports where the string starts, everything else where it stopped.
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(buf.rstrip(_WS)) - 1


def _fault(exc: json.JSONDecodeError, consumed: int, *, truncated: bool) -> JSONStreamError:
    where = consumed + exc.pos
    if truncated:
        return JSONStreamError(f"the file is cut off at character {where:,} (truncated export?)")
    return JSONStreamError(f"invalid JSON at character {where:,}: {exc.msg}")
