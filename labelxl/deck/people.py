"""Who may be named on a slide: real names, stable pseudonyms, or counts only (by audience).

``team`` decks may name people; ``management`` and ``business`` decks show counts. With
pseudonymise, every person shown is a pseudonym keyed by the workspace secret, and any
free text from the data (project names, RAG reasons, engine notes) is scrubbed of every
person id and name before it reaches a slide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from labelxl.errors import SettingsError
from labelxl.metrics import Metrics
from labelxl.model.pseudonym import pseudonym_map

AUDIENCES = ("management", "business", "team")


def person_ids(metrics: Metrics) -> set[str]:
    """Every person id the bundle mentions (Roster names and every people-level table)."""
    ids = {str(k) for k in metrics.names}
    frames: list[pd.DataFrame] = [
        metrics.labelers,
        metrics.over_caps,
        metrics.exposure,
        metrics.rotation,
        metrics.auditors,
        metrics.hours,
    ]
    for frame in frames:
        for col in ("person_id", "auditor_id", "rater_id"):
            if isinstance(frame, pd.DataFrame) and col in frame.columns:
                ids.update(str(v) for v in frame[col].dropna().unique())
    calibration = getattr(metrics.calibration, "raters", None)
    if isinstance(calibration, pd.DataFrame) and "rater_id" in calibration.columns:
        ids.update(str(v) for v in calibration["rater_id"].dropna().unique())
    return ids


def person_names(metrics: Metrics) -> set[str]:
    names = {str(v) for v in metrics.names.values() if v}
    for frame in (metrics.labelers, metrics.over_caps, metrics.rotation):
        if isinstance(frame, pd.DataFrame) and "name" in frame.columns:
            names.update(str(v) for v in frame["name"].dropna().unique())
    return {n for n in names if n.strip()}


class People:
    """Display names for one deck and a scrubber for free text."""

    def __init__(
        self, metrics: Metrics, audience: str, pseudonymise: bool, someone: str = "a team member"
    ) -> None:
        if audience not in AUDIENCES:
            raise SettingsError(
                f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})"
            )
        self.audience = audience
        self.pseudonymise = pseudonymise
        self.show_names = audience == "team"
        ids = person_ids(metrics)
        if pseudonymise:
            secret = metrics.settings.pseudonym_secret
            if not secret:
                raise SettingsError(
                    "pseudonymise needs a secret: set pseudonym_secret in the Settings sheet "
                    "(build_deck_for_workspace creates one in <workspace>/.labelxl/secret)"
                )
            self.map = pseudonym_map(ids, secret)
        else:
            self.map = {pid: str(metrics.names.get(pid) or pid) for pid in ids}
        # Free text is scrubbed of ids and real names; each becomes what this deck shows.
        by_name = {}
        for pid, real in metrics.names.items():
            if real and str(real).strip():
                by_name[str(real)] = self.map.get(str(pid), someone)
        replace: dict[str, str] = {}
        for real in person_names(metrics):
            replace[real] = by_name.get(real, someone) if pseudonymise else someone
        for pid in ids:
            replace[pid] = self.map[pid] if pseudonymise else someone
        if self.show_names and not pseudonymise:
            replace = {}
        self._replace = replace
        self._pattern = _alternation(replace)

    def name(self, person_id: object) -> str:
        pid = str(person_id)
        return self.map.get(pid, pid if not self.pseudonymise else "?")

    def names(self, person_ids: Iterable[object]) -> list[str]:
        return [self.name(p) for p in person_ids]

    def scrub(self, text: object) -> str:
        """``text`` with every person id and name replaced as this deck shows people."""
        s = "" if text is None or (isinstance(text, float) and text != text) else str(text)
        if not s or self._pattern is None:
            return s
        return self._pattern.sub(lambda m: self._replace[m.group(0)], s)


def _alternation(words: dict[str, str]) -> re.Pattern[str] | None:
    if not words:
        return None
    keys = sorted(words, key=len, reverse=True)  # longest first: P0012 before P001
    body = "|".join(re.escape(k) for k in keys)
    # ASCII boundaries: "P001" must not match inside "P0012", while a CJK name still
    # matches between CJK characters.
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{body})(?![A-Za-z0-9_])")
