"""The monthly management deck: native charts and tables, editable narrative, localised, private.

``build_deck(metrics, output)`` turns a ``labelxl.metrics.Metrics`` bundle into a .pptx;
``build_deck_for_workspace(path)`` reads, validates and computes a workspace first. See
``docs/deck.md`` for the slides, templates, languages and pseudonymisation.
"""

from __future__ import annotations

import os
from pathlib import Path

from labelxl.deck.narrative import Narrative
from labelxl.deck.people import AUDIENCES, People
from labelxl.deck.slides import AUDIENCE_SLIDES, SLIDES, Deck, build_slides
from labelxl.deck.template import open_template, set_metadata
from labelxl.errors import SettingsError
from labelxl.io.safewrite import write_new_file
from labelxl.metrics import Metrics
from labelxl.outputs import i18n

SECRET_FILE = Path(".labelxl") / "secret"

__all__ = [
    "AUDIENCES",
    "AUDIENCE_SLIDES",
    "SLIDES",
    "build_deck",
    "build_deck_for_workspace",
    "check_deck_options",
    "workspace_secret",
]


def build_deck(
    metrics: Metrics,
    output: str | os.PathLike[str],
    *,
    template: str | os.PathLike[str] | None = None,
    lang: str = "en",
    pseudonymise: bool = False,
    audience: str = "management",
    sources: dict[str, str] | None = None,
) -> Path:
    """Write the deck for ``metrics.month`` to ``output`` (atomically); returns its path.

    ``template``: the company's .pptx master (layouts found by name, see docs/deck.md);
    ``lang``: a catalogue language (en, zh, …); ``pseudonymise``: show every person by a
    stable pseudonym keyed by ``metrics.settings.pseudonym_secret`` (required then);
    ``audience``: management (counts, no names), business (no people-level slides) or
    team (names allowed); ``sources``: sheet name → where it was read (``tracker.xlsx ›
    Projects``), printed in the speaker notes.
    """
    check_deck_options(lang, audience)
    prs, layouts = open_template(None if template is None else Path(template))
    people = People(metrics, audience, pseudonymise, someone=i18n.translate("person.someone", lang))
    deck = Deck(
        prs=prs,
        layouts=layouts,
        metrics=metrics,
        lang=lang,
        audience=audience,
        people=people,
        narrative=Narrative(lang),
        sources=dict(sources or {}),
    )
    build_slides(deck)
    set_metadata(
        prs, i18n.translate("deck.file_title", lang, month=i18n.format_month(metrics.month, lang))
    )
    return _save(prs, Path(output))


def _save(prs, target: Path) -> Path:
    return write_new_file(target, lambda tmp: prs.save(str(tmp)))


def workspace_secret(root: str | os.PathLike[str]) -> str:
    """The pseudonym secret kept in ``<workspace>/.labelxl/secret``, created (0600) if absent.

    Used when the Settings sheet has no ``pseudonym_secret``; kept so next month's deck
    gives every person the same pseudonym.
    """
    from labelxl.model.pseudonym import new_secret

    path = Path(root) / SECRET_FILE
    if path.is_file():
        secret = path.read_text(encoding="utf-8").strip()
        if secret:
            return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = new_secret()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    os.chmod(path, 0o600)
    return secret


def check_deck_options(lang: str, audience: str) -> None:
    """Refuse an unknown language or audience before any work is done."""
    i18n.check_lang(lang)
    if audience not in AUDIENCES:
        raise SettingsError(f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})")


def build_deck_for_workspace(
    path: str | os.PathLike[str],
    *,
    month: str | None = None,
    output: str | os.PathLike[str] | None = None,
    template: str | os.PathLike[str] | None = None,
    lang: str | None = None,
    pseudonymise: bool = False,
    audience: str = "management",
) -> Path:
    """Read → validate → compute → build the deck of a workspace folder (or workbook).

    The same as ``labelxl.pipeline.Pipeline(path, month=month).deck(...)``: ``month``
    defaults to ``periods.default_month``; ``output`` to ``<workspace>/labelxl-deck-<month>.pptx``.
    """
    from labelxl.pipeline import Pipeline

    return Pipeline(path, month=month).deck(
        output, template=template, lang=lang, pseudonymise=pseudonymise, audience=audience
    )
