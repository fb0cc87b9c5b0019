"""Rules about what a post says: blocklists (robust to disguise) and regular expressions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from moderation.blocklists import AVAILABLE, load
from moderation.chain import Candidate, Decision, RuleError, Verdict
from moderation.normalise import (
    MASK,
    fold,
    masked,
    spaced,
    squeeze_repeats,
    stretches,
    unmasks,
    words,
)
from moderation.rulebook.config import Config
from moderation.rulebook.patterns import MAX_PATTERN, Pattern, compile_pattern


@dataclass(frozen=True, slots=True)
class Blocklist:
    """Whole words, compared after folding (case, diacritics, leetspeak, look-alikes, invisibles);
    a word matches an entry when it is the entry with letters held longer ("craaap"), spelled a
    letter at a time ("f u c k", "f.u.c.k"), or with some letters masked ("f*ck", "sh*t")."""

    kind: ClassVar[str] = "blocklist"
    words: frozenset[str]  # the admin's own entries, folded without squeezing
    lists: tuple[str, ...] = ()  # shipped default lists, by language
    verdict: Verdict = Verdict.REJECT
    _by_squeezed: dict[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _by_length: dict[int, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        entries = set(self.words)
        for name in self.lists:
            entries |= {fold(w, squeeze=False) for w in load(name)}
        for entry in sorted(entries):
            key = squeeze_repeats(entry)
            self._by_squeezed[key] = (*self._by_squeezed.get(key, ()), entry)
            self._by_length[len(entry)] = (*self._by_length.get(len(entry), ()), entry)

    @classmethod
    def from_config(cls, c: Config) -> Blocklist:
        lists = c.strings("lists")
        for name in lists:
            if name not in AVAILABLE:
                raise RuleError(
                    f"blocklist.lists: no shipped list {name!r} ({', '.join(AVAILABLE)})"
                )
        own = frozenset(fold(w, squeeze=False) for w in c.strings("words", max_len=100))
        return cls(own, tuple(dict.fromkeys(lists)), c.verdict(Verdict.REJECT))

    def blocked(self, word: str) -> str | None:
        """The entry ``word`` spells, if any (``word`` as :func:`words`, :func:`spaced` or
        :func:`masked` give it)."""
        if MASK in word:
            return next((e for e in self._by_length.get(len(word), ()) if unmasks(word, e)), None)
        for entry in self._by_squeezed.get(squeeze_repeats(word), ()):
            if stretches(word, entry):
                return entry
        return None

    def check(self, post: Candidate) -> Decision | None:
        if not self._by_squeezed:
            return None
        text = post.text + " " + post.author_name
        found = (self.blocked(w) for w in (*words(text), *spaced(text), *masked(text)))
        hits = sorted({entry for entry in found if entry is not None})
        if hits:
            return Decision(self.verdict, self.kind, f"blocked word: {', '.join(hits)}")
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "words": sorted(self.words)}
        if self.lists:
            out["lists"] = list(self.lists)
        if self.verdict is not Verdict.REJECT:
            out["verdict"] = self.verdict.value
        return out


@dataclass(frozen=True, slots=True)
class Regex:
    """Regular expressions (RE2, see ``patterns.py``), case-insensitive, searched in the text
    and the author name."""

    kind: ClassVar[str] = "regex"
    patterns: tuple[str, ...]
    verdict: Verdict = Verdict.HOLD
    _compiled: tuple[Pattern, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple(compile_pattern(p) for p in self.patterns))

    @classmethod
    def from_config(cls, c: Config) -> Regex:
        patterns = c.strings("patterns", max_len=MAX_PATTERN)
        if len(patterns) > 200:
            raise RuleError("regex: at most 200 patterns")
        return cls(tuple(patterns), c.verdict(Verdict.HOLD))

    def check(self, post: Candidate) -> Decision | None:
        for pattern, compiled in zip(self.patterns, self._compiled, strict=True):
            if compiled.search(post.text) or compiled.search(post.author_name):
                return Decision(self.verdict, self.kind, f"matches /{pattern}/")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "patterns": list(self.patterns), "verdict": self.verdict.value}
