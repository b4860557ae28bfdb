"""Stable pseudonyms for people: same person → same pseudonym, not guessable without the secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

# Short, pronounceable, culture-neutral tokens; two of them give 2,500 combinations and a
# 2-digit suffix removes collisions in teams of thousands.
_WORDS = [
    "Amber",
    "Aspen",
    "Birch",
    "Brook",
    "Cedar",
    "Cloud",
    "Coral",
    "Dawn",
    "Delta",
    "Ember",
    "Fern",
    "Flint",
    "Frost",
    "Grove",
    "Harbor",
    "Hazel",
    "Heath",
    "Indigo",
    "Iris",
    "Ivy",
    "Jade",
    "Juniper",
    "Kestrel",
    "Lake",
    "Linden",
    "Lotus",
    "Maple",
    "Marsh",
    "Meadow",
    "Mesa",
    "Moss",
    "Nova",
    "Oak",
    "Olive",
    "Onyx",
    "Opal",
    "Orchid",
    "Pebble",
    "Pine",
    "Quartz",
    "Rain",
    "Reed",
    "Ridge",
    "River",
    "Sage",
    "Slate",
    "Sparrow",
    "Spruce",
    "Stone",
    "Tide",
]


def new_secret() -> str:
    """A fresh random secret (store it in Settings ``pseudonym_secret``)."""
    return secrets.token_hex(16)


def pseudonym(person_id: str, secret: str) -> str:
    """The pseudonym of one person id under a secret (HMAC-SHA256, so not reversible)."""
    if not secret:
        raise ValueError("a pseudonym secret is required; see Settings pseudonym_secret")
    digest = hmac.new(secret.encode(), str(person_id).encode(), hashlib.sha256).digest()
    a = _WORDS[digest[0] % len(_WORDS)]
    b = _WORDS[digest[1] % len(_WORDS)]
    number = int.from_bytes(digest[2:4], "big") % 100
    return f"{a} {b} {number:02d}"


def pseudonym_map(person_ids: Iterable[str], secret: str) -> dict[str, str]:
    """person_id → pseudonym for many ids; collisions (rare) get a distinguishing suffix."""
    out: dict[str, str] = {}
    used: dict[str, str] = {}
    for pid in sorted({str(p) for p in person_ids}):
        name = pseudonym(pid, secret)
        base, k = name, 1
        while name in used and used[name] != pid:
            k += 1
            name = f"{base}-{k}"
        used[name] = pid
        out[pid] = name
    return out
