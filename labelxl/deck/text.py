"""Text that fits its box: width estimates, font shrinking, ellipsis truncation, Markdown-lite runs.

PowerPoint does not tell a program how much room text takes, so the deck estimates it:
each character is given a width in ems (CJK and full-width characters 1 em, capitals and
digits 0.62, other Latin 0.55 — slightly wider than Calibri so LibreOffice's wider
fallback fonts fit too) and lines are wrapped greedily at spaces (anywhere between CJK
characters). A text is shrunk from its preferred size down to a floor; if it still does
not fit, its last visible line is cut with an ellipsis. Tests use the same estimate to
check that nothing on a slide overflows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

ELLIPSIS = "…"
LINE_SPACING = 1.2  # line height as a multiple of the font size
PARA_GAP = 0.35  # extra space after a paragraph, in lines
INSET_X = Emu(91440)  # PowerPoint's default left/right text inset (0.1 in)
INSET_Y = Emu(45720)  # default top/bottom inset (0.05 in)
EMU_PER_PT = 12700


def char_em(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch.isupper() or ch.isdigit() or ch in "%@#&mwMW—":
        return 0.62
    if ch in "ilI.,;:'|!":
        return 0.3
    return 0.55


def text_em(text: str) -> float:
    return sum(char_em(c) for c in text)


_TOKEN = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+")


def wrap(text: str, width_em: float) -> list[str]:
    """Greedy word wrap of one paragraph into lines no wider than ``width_em``."""
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(text):
        candidate = current + token
        if text_em(candidate.rstrip()) <= width_em or not current.strip():
            if not current.strip() and text_em(token.rstrip()) > width_em:
                # One word wider than the box: break it by characters.
                for ch in token:
                    if text_em(current + ch) > width_em and current:
                        lines.append(current)
                        current = ""
                    current += ch
                continue
            current = candidate
        else:
            lines.append(current.rstrip())
            current = token.lstrip()
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


@dataclass(frozen=True)
class Para:
    """One paragraph: its text (``**bold**`` allowed), bullet or not, indent level."""

    text: str
    bullet: bool = False
    level: int = 0


def parse_markdown(lines: list[str]) -> list[Para]:
    """Lines of Markdown-lite (``- `` bullets, ``  - `` sub-bullets) as paragraphs."""
    out: list[Para] = []
    for raw in lines:
        if not raw.strip():
            continue
        stripped = raw.lstrip()
        indent = len(raw) - len(stripped)
        if stripped.startswith(("- ", "* ", "• ")):
            out.append(Para(stripped[2:].strip(), True, 1 if indent >= 2 else 0))
        else:
            out.append(Para(stripped.strip()))
    return out


def plain(text: str) -> str:
    return text.replace("**", "")


def box_lines(paras: list[Para], width: int, size_pt: float) -> list[list[str]]:
    """Each paragraph's wrapped lines in a box ``width`` EMU wide at ``size_pt``."""
    usable_pt = max(1.0, (width - 2 * INSET_X) / EMU_PER_PT)
    out = []
    for p in paras:
        indent_em = (1.2 if p.bullet else 0) + 1.2 * p.level
        out.append(wrap(plain(p.text), usable_pt / size_pt - indent_em))
    return out


def height_pt(lines: list[list[str]], size_pt: float) -> float:
    n = sum(len(x) for x in lines)
    gaps = max(0, len(lines) - 1) * PARA_GAP
    return (n + gaps) * size_pt * LINE_SPACING


def fits(paras: list[Para], width: int, height: int, size_pt: float) -> bool:
    avail = (height - 2 * INSET_Y) / EMU_PER_PT
    return height_pt(box_lines(paras, width, size_pt), size_pt) <= avail


def fit(
    paras: list[Para], width: int, height: int, max_pt: float, min_pt: float
) -> tuple[float, list[Para]]:
    """The largest size (half-point steps) at which the paragraphs fit, else truncated ones.

    Truncation keeps whole paragraphs while they fit at ``min_pt`` and cuts the first one
    that does not at its last visible line, ending it with an ellipsis.
    """
    size = max_pt
    while size >= min_pt:
        if fits(paras, width, height, size):
            return size, paras
        size -= 0.5
    return min_pt, truncate(paras, width, height, min_pt)


def truncate(paras: list[Para], width: int, height: int, size_pt: float) -> list[Para]:
    avail = (height - 2 * INSET_Y) / EMU_PER_PT
    kept: list[Para] = []
    for p in paras:
        if fits([*kept, p], width, height, size_pt):
            kept.append(p)
            continue
        used = height_pt(box_lines(kept, width, size_pt), size_pt) if kept else 0.0
        gap = PARA_GAP * size_pt * LINE_SPACING if kept else 0.0
        room = int((avail - used - gap) // (size_pt * LINE_SPACING))
        if room >= 1:
            lines = box_lines([p], width, size_pt)[0][:room]
            text = " ".join(lines) if not _cjk(p.text) else "".join(lines)
            kept.append(Para(_cut(text, width, size_pt, p, room, force=True), p.bullet, p.level))
        elif kept:
            last = kept[-1]
            n = len(box_lines([last], width, size_pt)[0])
            kept[-1] = Para(
                _cut(last.text, width, size_pt, last, n, force=True), last.bullet, last.level
            )
        break
    return kept


def _cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


def _cut(
    text: str, width: int, size_pt: float, p: Para, max_lines: int, force: bool = False
) -> str:
    """``text`` shortened with an ellipsis until it wraps into ``max_lines`` lines.

    ``force`` adds the ellipsis even when the text already fits (a later paragraph was
    dropped, and the reader must see that something is missing)."""
    text = plain(text)

    def lines(t: str) -> int:
        return len(box_lines([Para(t, p.bullet, p.level)], width, size_pt)[0])

    if not force and lines(text) <= max_lines:
        return text
    text = text.rstrip(ELLIPSIS)
    while text and lines(text.rstrip(" ,;:.–-") + ELLIPSIS) > max_lines:
        text = text[:-1]
    return text.rstrip(" ,;:.–-") + ELLIPSIS


def truncate_to_width(text: str, width_em: float, max_lines: int = 1) -> str:
    """A single cell's text cut with an ellipsis to fit ``max_lines`` lines of ``width_em``."""
    if len(wrap(text, width_em)) <= max_lines:
        return text
    cut = text
    while cut and len(wrap(cut + ELLIPSIS, width_em)) > max_lines:
        cut = cut[:-1]
    return cut.rstrip(" ,;:.–-") + ELLIPSIS


# ---------------------------------------------------------------------------------------
# Writing into a text frame


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def write_paras(
    frame, paras: list[Para], size_pt: float, *, colour=None, bold: bool | None = None
) -> None:
    """Replace a text frame's content with ``paras`` at ``size_pt`` (no autofit)."""
    from pptx.enum.text import MSO_AUTO_SIZE

    frame.clear()
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    for i, p in enumerate(paras):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        _bullet(para, p)
        if i:
            para.space_before = Pt(round(size_pt * LINE_SPACING * PARA_GAP, 1))
        pieces = _BOLD.split(p.text)
        for k, piece in enumerate(pieces):
            if not piece:
                continue
            run = para.add_run()
            run.text = piece
            run.font.size = Pt(size_pt)
            if k % 2 == 1 or bold:
                run.font.bold = True
            elif bold is False:
                run.font.bold = False
            if colour is not None:
                run.font.color.rgb = colour


def _bullet(para, p: Para) -> None:
    ppr = para._p.get_or_add_pPr()
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum", "a:buFont"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)
    if p.bullet:
        indent = 228600  # 0.25 in
        ppr.set("marL", str(indent * (p.level + 1)))
        ppr.set("indent", str(-indent))
        ppr.set("lvl", "0")
        from lxml import etree

        etree.SubElement(ppr, qn("a:buChar"), char="•")
    else:
        ppr.set("marL", "0")
        ppr.set("indent", "0")
        from lxml import etree

        etree.SubElement(ppr, qn("a:buNone"))


def fill(
    frame,
    paras: list[Para],
    width: int,
    height: int,
    max_pt: float = 16,
    min_pt: float = 10,
    **style,
) -> float:
    """Fit ``paras`` into a frame of the given size and write them; returns the size used."""
    size, shown = fit(paras, width, height, max_pt, min_pt)
    write_paras(frame, shown, size, **style)
    return size
