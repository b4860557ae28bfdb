"""Open a deck template (default or the company's), find its layouts by name, clear its samples.

Each slide kind has a role; a role is found by the layout NAME first (``LX Title``,
``LX Title and Content``, ``LX Two Content``, ``LX Section``, ``LX Closing``), then by the
placeholders a layout has (see ``docs/deck.md``):

- title: a centre title and a subtitle (or a title and a subtitle);
- content: a title and exactly one body/content placeholder (the largest such layout);
- two: a title and two body/content placeholders side by side;
- section: a layout whose name contains "section", else the title role;
- closing: a layout whose name contains "closing" or "end", else the title role.

title and content are required; two falls back to content (its body split in two).
A template with no layout for a required role raises ``TemplateError`` listing its
layouts and the names expected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError

from labelxl.deck.charts import Rect
from labelxl.errors import TemplateError
from labelxl.io.paths import templates_dir

ROLE_NAMES = {
    "title": "LX Title",
    "content": "LX Title and Content",
    "two": "LX Two Content",
    "section": "LX Section",
    "closing": "LX Closing",
}
REQUIRED = ("title", "content")
_BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
_TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)


def default_template() -> Path:
    return templates_dir() / "deck" / "default.pptx"


@dataclass
class Layouts:
    """The slide layouts the deck uses, by role."""

    title: object
    content: object
    two: object | None
    section: object
    closing: object


def open_template(path: str | Path | None = None):
    """The template as a Presentation with its sample slides removed, and its layouts."""
    source = Path(path) if path is not None else default_template()
    if not source.is_file():
        raise TemplateError(f"deck template {source} does not exist")
    try:
        prs = Presentation(str(source))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise TemplateError(f"{source}: not a PowerPoint template ({exc})") from None
    except Exception as exc:  # zipfile/lxml errors of a damaged file
        raise TemplateError(f"{source}: not a readable .pptx ({type(exc).__name__})") from None
    remove_slides(prs)
    return prs, resolve_layouts(prs, source.name)


def remove_slides(prs) -> None:
    """Drop every slide the template brings (sample slides are the template's, not ours)."""
    ids = prs.slides._sldIdLst
    for sld_id in list(ids):
        prs.part.drop_rel(sld_id.rId)
        ids.remove(sld_id)


def _placeholders(layout) -> list:
    return list(layout.placeholders)


def _bodies(layout) -> list:
    return [p for p in _placeholders(layout) if p.placeholder_format.type in _BODY_TYPES]


def _has(layout, *types) -> bool:
    return any(p.placeholder_format.type in types for p in _placeholders(layout))


def _area(p) -> int:
    return int(p.width or 0) * int(p.height or 0)


def _by_types(prs, role: str):
    layouts = list(prs.slide_layouts)
    if role == "title":
        for layout in layouts:
            if _has(layout, PP_PLACEHOLDER.CENTER_TITLE) and _has(layout, PP_PLACEHOLDER.SUBTITLE):
                return layout
        for layout in layouts:
            if _has(layout, *_TITLE_TYPES) and _has(layout, PP_PLACEHOLDER.SUBTITLE):
                return layout
        return None
    if role == "content":
        fits = [
            lay for lay in layouts if _has(lay, PP_PLACEHOLDER.TITLE) and len(_bodies(lay)) == 1
        ]
        return max(fits, key=lambda lay: _area(_bodies(lay)[0]), default=None)
    if role == "two":
        for layout in layouts:
            bodies = _bodies(layout)
            if _has(layout, PP_PLACEHOLDER.TITLE) and len(bodies) == 2:
                a, b = sorted(bodies, key=lambda p: p.left or 0)
                if (a.left or 0) + (a.width or 0) <= (b.left or 0):
                    return layout
        return None
    words = {"section": ("section",), "closing": ("closing", "end", "thank")}[role]
    for layout in layouts:
        if any(w in layout.name.lower() for w in words) and _has(layout, *_TITLE_TYPES):
            return layout
    return None


def resolve_layouts(prs, source: str = "template") -> Layouts:
    named = {layout.name: layout for layout in prs.slide_layouts}
    found = {role: named.get(name) or _by_types(prs, role) for role, name in ROLE_NAMES.items()}
    missing = [role for role in REQUIRED if found[role] is None]
    if missing:
        expected = ", ".join(repr(ROLE_NAMES[r]) for r in missing)
        has = ", ".join(repr(n) for n in named) or "none"
        raise TemplateError(
            f"{source} has no layout for the deck's {' and '.join(missing)} slides: expected a "
            f"layout named {expected} (or one with the placeholders described in docs/deck.md). "
            f"Its layouts are: {has}. Rename a layout in PowerPoint (View > Slide Master) and "
            f"try again."
        )
    return Layouts(
        title=found["title"],
        content=found["content"],
        two=found["two"],
        section=found["section"] or found["title"],
        closing=found["closing"] or found["title"],
    )


def body_rects(layout, prs) -> list[Rect]:
    """The layout's body/content placeholder boxes, left to right (the visual area)."""
    bodies = sorted(_bodies(layout), key=lambda p: (p.left or 0, p.top or 0))
    rects = [
        Rect(int(p.left), int(p.top), int(p.width), int(p.height))
        for p in bodies
        if p.width and p.height
    ]
    if rects:
        return rects
    # A layout without a body: everything under the title, with half-inch margins.
    margin = 457200
    title = [p for p in _placeholders(layout) if p.placeholder_format.type in _TITLE_TYPES]
    top = int(title[0].top + title[0].height) + margin // 2 if title else margin
    return [
        Rect(margin, top, int(prs.slide_width) - 2 * margin, int(prs.slide_height) - top - margin)
    ]


_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>labelxl</Application><Slides>{slides}</Slides></Properties>"
)


def set_metadata(prs, title: str, now: dt.datetime | None = None) -> None:
    """Properties that say what the file is and nothing about who is in it or who made it."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    props = prs.core_properties
    props.title = title
    props.author = "labelxl"
    props.last_modified_by = "labelxl"
    for name in (
        "subject",
        "keywords",
        "comments",
        "category",
        "content_status",
        "identifier",
        "language",
        "version",
    ):
        setattr(props, name, "")
    props.revision = 1
    props.created = props.modified = now
    props.last_printed = now
    package = prs.part.package
    for rel in list(package._rels.values()):
        if rel.reltype.endswith("/extended-properties"):
            rel.target_part._blob = _APP_XML.format(slides=len(prs.slides)).encode()
        elif rel.reltype.endswith("/thumbnail"):
            package.drop_rel(rel.rId)  # the template's picture of its own first slide
