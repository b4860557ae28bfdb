"""Slide narrative from editable Jinja2 templates (``templates/narrative/<lang>/<slide>.md.j2``).

Templates run in Jinja2's sandbox with ``StrictUndefined``: a typo in a manager's edit
(an unknown variable or filter) raises ``labelxl.errors.TemplateError`` naming the file and
line instead of printing a blank. Filters format values for the deck's language:
``pct``, ``num``, ``date``, ``month``, ``week``, ``measure(unit)``, ``change(unit)``,
``pp`` (a percentage-point difference); ``t(key, **values)`` reads the message catalogue.
A language without its own template folder (or file) uses the English template.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from labelxl.errors import TemplateError
from labelxl.io.paths import templates_dir
from labelxl.outputs import i18n

SUFFIXES = (".md.j2", ".txt.j2")


def narrative_dir() -> Path:
    return templates_dir() / "narrative"


class Narrative:
    """Renders one slide's template to lines of Markdown-lite text."""

    def __init__(self, lang: str = "en", folder: Path | None = None) -> None:
        self.lang = lang
        self.folder = Path(folder) if folder is not None else narrative_dir()
        search = [str(self.folder / lang)]
        if lang != i18n.DEFAULT_LANG:
            search.append(str(self.folder / i18n.DEFAULT_LANG))
        env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(search, encoding="utf-8"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text for slides, never HTML
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            pct=lambda x, digits=1: i18n.format_percent(x, lang, digits),
            num=lambda x, digits=0: i18n.format_number(x, lang, digits),
            date=lambda x, style="medium": i18n.format_date(x, lang, style),
            month=lambda x, short=False: i18n.format_month(x, lang, short),
            week=lambda x: i18n.format_week(x, lang),
            measure=lambda x, unit: i18n.format_measure(x, unit, lang),
            change=lambda x, unit: i18n.format_change(x, unit, lang),
            pp=lambda x: i18n.format_change(x, "pct", lang),
            join_list=lambda xs, limit=5: _join(list(xs), limit, lang),
        )
        env.globals["t"] = lambda key, **values: i18n.translate(key, lang, **values)
        self.env = env

    def template_name(self, slide: str) -> str:
        for suffix in SUFFIXES:
            for base in (self.lang, i18n.DEFAULT_LANG):
                if (self.folder / base / f"{slide}{suffix}").is_file():
                    return f"{slide}{suffix}"
        raise TemplateError(
            f"no narrative template for slide {slide!r} in {self.folder / self.lang} "
            f"(expected {slide}.md.j2)"
        )

    def render(self, slide: str, **values: Any) -> list[str]:
        """The slide's narrative as lines (blank lines dropped)."""
        name = self.template_name(slide)
        try:
            template = self.env.get_template(name)
            text = template.render(**values)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{exc.filename or name}, line {exc.lineno}: {exc.message}"
            ) from None
        except (jinja2.UndefinedError, jinja2.TemplateError, TypeError, ValueError) as exc:
            where = _template_line(exc.__traceback__)
            filename = where[0] if where else name
            line = f", line {where[1]}" if where else ""
            raise TemplateError(f"{filename}{line}: {exc}") from None
        return [line.rstrip() for line in text.splitlines() if line.strip()]


def _template_line(tb: types.TracebackType | None) -> tuple[str, int] | None:
    """The last traceback frame inside a template file (Jinja2 maps them to template lines)."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(SUFFIXES):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _join(items: list[Any], limit: int, lang: str) -> str:
    """``a, b and 3 more`` in the language's words."""
    items = [str(x) for x in items]
    if not items:
        return ""
    sep = i18n.translate("list.sep", lang)
    if len(items) > limit:
        rest = len(items) - limit
        return sep.join(items[:limit]) + i18n.translate("list.more", lang, n=rest)
    if len(items) == 1:
        return items[0]
    return sep.join(items[:-1]) + i18n.translate("list.and", lang) + items[-1]
