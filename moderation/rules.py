"""The rule chain: ordered rules, each with a verdict and a reason a moderator can read.

The first decisive verdict wins; when no rule decides, the event's mode does (pre-moderation holds
every post for review, post-moderation puts it on the wall at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from moderation.normalise import fold, squeeze_repeats, stretches, words
from moderation.queue import Status


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the rules see of an incoming post."""

    source: str
    author_name: str
    author_handle: str
    text: str
    has_media: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict | None
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    """An event's rules, as stored with the event."""

    trusted_authors: frozenset[str] = field(default_factory=frozenset)
    banned_authors: frozenset[str] = field(default_factory=frozenset)
    blocklist: frozenset[str] = field(default_factory=frozenset)  # folded, repeats kept
    _by_squeezed: dict[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for entry in sorted(self.blocklist):
            key = squeeze_repeats(entry)
            self._by_squeezed[key] = (*self._by_squeezed.get(key, ()), entry)

    def blocked(self, word: str) -> str | None:
        """The blocklist entry ``word`` spells, if any (``word`` as :func:`words` gives it)."""
        for entry in self._by_squeezed.get(squeeze_repeats(word), ()):
            if stretches(word, entry):
                return entry
        return None

    @classmethod
    def from_dict(cls, data: dict[str, list[str]] | None) -> RuleSet:
        """The rules as stored; parsed once per distinct rule set (folding a long blocklist takes
        long enough to stall the event loop if it were done for every post)."""
        data = data or {}
        return _parse(
            tuple(data.get("trusted_authors", ())),
            tuple(data.get("banned_authors", ())),
            tuple(data.get("blocklist", ())),
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "trusted_authors": sorted(self.trusted_authors),
            "banned_authors": sorted(self.banned_authors),
            "blocklist": sorted(self.blocklist),
        }


@lru_cache(maxsize=32)
def _parse(
    trusted: tuple[str, ...], banned: tuple[str, ...], blocklist: tuple[str, ...]
) -> RuleSet:
    return RuleSet(
        trusted_authors=frozenset(_handle(a) for a in trusted),
        banned_authors=frozenset(_handle(a) for a in banned),
        blocklist=frozenset(fold(w, squeeze=False) for w in blocklist if w.strip()),
    )


def _handle(value: str) -> str:
    return value.strip().lstrip("@").casefold()


def evaluate(rules: RuleSet, post: Candidate) -> Decision | None:
    """The first decisive rule's decision, or ``None`` when no rule has an opinion."""
    handle = _handle(post.author_handle or post.author_name)
    if handle and handle in rules.banned_authors:
        return Decision(Verdict.REJECT, "banned_author", f"@{handle} is banned for this event")
    if rules.blocklist:
        found = (rules.blocked(w) for w in words(post.text + " " + post.author_name))
        hits = sorted({entry for entry in found if entry is not None})
        if hits:
            return Decision(Verdict.REJECT, "blocklist", f"blocked word: {', '.join(hits)}")
    if handle and handle in rules.trusted_authors:
        return Decision(Verdict.APPROVE, "trusted_author", f"@{handle} is a trusted ambassador")
    return None


def initial_status(decision: Decision | None, mode: str) -> Status:
    """Where a new post starts in the queue."""
    if decision is None or decision.verdict is Verdict.HOLD:
        if decision is None and mode == "post":
            return Status.APPROVED
        return Status.PENDING
    return Status.APPROVED if decision.verdict is Verdict.APPROVE else Status.REJECTED
