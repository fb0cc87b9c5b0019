"""The rule chain's vocabulary: what a rule sees, what it answers, and how the chain decides.

A chain is an ordered list of rules. Each rule looks at a :class:`Candidate` and answers
approve, reject or hold (with a reason a moderator can read), or ``None`` for "no opinion".
The first decisive answer wins; when no rule decides, the event's mode does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the rules see of an incoming post.

    ``now``, ``recent_times`` (POSIX seconds of the same author's earlier posts in this event) and
    ``recent_texts`` (their texts, newest first) are supplied by the caller, so rules stay pure.
    """

    source: str
    author_name: str
    author_handle: str
    text: str
    has_media: bool = False
    url: str = ""
    media_urls: tuple[str, ...] = ()
    now: float = 0.0
    recent_times: tuple[float, ...] = ()
    recent_texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict | None
    rule: str
    reason: str


class RuleError(ValueError):
    """A rule's configuration is invalid; the message says what to fix."""


class Rule(Protocol):
    kind: ClassVar[str]

    def check(self, post: Candidate) -> Decision | None: ...

    def to_dict(self) -> dict[str, Any]: ...


def run(rules: Iterable[Rule], post: Candidate) -> Decision | None:
    """The first decisive rule's decision, or ``None`` when no rule has an opinion."""
    for rule in rules:
        decision = rule.check(post)
        if decision is not None and decision.verdict is not None:
            return decision
    return None


def handle_of(value: str) -> str:
    """An author key as rules compare it: no leading ``@``, case-folded."""
    return value.strip().lstrip("@").casefold()


def author_key(post: Candidate) -> str:
    return handle_of(post.author_handle or post.author_name)
