"""One person across networks: identities (handle, display name) joined where either matches.

A post names its author by a handle (``@anna`` on one network, ``anna`` on another, none on the
posting page) and a display name. Two identities are the same person when their handle keys are
equal or their name keys are equal (both non-empty); "same person" is then closed transitively
(``anna``/"Anna B." and ``anna_b``/"Anna B." and ``anna_b``/"" are one person).

- handle key: Unicode NFKC, case-folded, surrounding space and leading ``@`` removed (so it
  matches how the trusted-authors rule compares handles, ``moderation.chain.handle_of``).
- name key: accents removed (NFKD without combining marks), case-folded, every run of
  characters that are not letters or digits read as one space, trimmed. "  José  Ñúñez!" and
  "jose nunez" have the same key. A name key of fewer than 3 characters is ignored (too many
  people are "JB").

The cost of this rule is that two different people with the same display name are counted once;
docs/analytics.md says so.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MIN_NAME_KEY = 3


def handle_key(handle: str) -> str:
    return unicodedata.normalize("NFKC", handle).strip().lstrip("@").strip().casefold()


def name_key(name: str) -> str:
    if name.isascii():  # most names: no normalisation to do, only case and punctuation
        key = " ".join("".join(c if c.isalnum() else " " for c in name.casefold()).split())
        return key if len(key) >= MIN_NAME_KEY else ""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        kept.append(ch if ch.isalnum() else " ")
    key = " ".join("".join(kept).casefold().split())
    # casefold can produce combining marks again (e.g. "İ"): drop those as well
    key = "".join(ch for ch in unicodedata.normalize("NFKD", key) if not unicodedata.combining(ch))
    return key if len(key) >= MIN_NAME_KEY else ""


@dataclass(frozen=True, slots=True)
class Identity:
    """An author as posts name them: the raw handle and display name."""

    handle: str
    name: str


class _Sets:
    """Union-find over identity indexes."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def people(identities: Iterable[Identity]) -> dict[Identity, int]:
    """Each identity's person number (0, 1, …, in order of first appearance). Identities with
    neither a handle key nor a name key name nobody and are left out."""
    keyed = ((i, handle_key(i.handle), name_key(i.name)) for i in dict.fromkeys(identities))
    known = [(i, h, n) for i, h, n in keyed if h or n]
    sets = _Sets(len(known))
    first_of: dict[tuple[str, str], int] = {}
    for index, (_, handle, name) in enumerate(known):
        for key in (("h", handle), ("n", name)):
            if not key[1]:
                continue
            if key in first_of:
                sets.join(first_of[key], index)
            else:
                first_of[key] = index
    numbers: dict[int, int] = {}
    out: dict[Identity, int] = {}
    for index, (ident, _, _) in enumerate(known):
        root = sets.find(index)
        out[ident] = numbers.setdefault(root, len(numbers))
    return out
