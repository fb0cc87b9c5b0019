"""Rules about a post's form: hashtags, links, media."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from moderation.chain import Candidate, Decision, Verdict
from moderation.normalise import fold
from moderation.rulebook.authors import domain_of, matches
from moderation.rulebook.config import Config

_HASHTAG = re.compile(r"(?<![\w#])[#\uff03]([^\W_][\w]*)")
_LINK = re.compile(r"(?:https?://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)


def hashtags(text: str) -> list[str]:
    """The post's hashtags, folded so a look-alike letter cannot dodge the foreign tag list."""
    return list(dict.fromkeys(fold(t, squeeze=False) for t in _HASHTAG.findall(text)))


def tag_key(tag: str) -> str:
    """A hashtag as the rule compares it: without ``#``, folded like the post's tags."""
    return fold(tag.strip().lstrip("#\uff03"), squeeze=False)


def spelled(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags without ``#``, one spelling (the first) per folded tag, in the folded tags' order."""
    first: dict[str, str] = {}
    for tag in tags:
        key = tag_key(tag)
        if key:
            first.setdefault(key, tag.strip().lstrip("#\uff03"))
    return tuple(first[key] for key in sorted(first))


def foreign_tags(own: Iterable[str], others: Iterable[str]) -> list[str]:
    """Other events' hashtags that are not also one of this event's, for the foreign list."""
    mine = {tag_key(t) for t in own}
    return [t for t in spelled(others) if tag_key(t) not in mine]


@dataclass(frozen=True, slots=True)
class Hashtags:
    """Hijacked hashtags: another event's tag, or more tags than a real guest would use."""

    kind: ClassVar[str] = "hashtags"
    foreign: tuple[str, ...]  # as written, without "#"; see ``spelled``
    max_tags: int = 0  # 0: no limit
    verdict: Verdict = Verdict.HOLD
    keys: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", {tag_key(t): t for t in self.foreign})

    @classmethod
    def from_config(cls, c: Config) -> Hashtags:
        foreign = spelled(c.strings("foreign"))
        limit = int(c.number("max_tags", 0, low=0, high=100))
        return cls(foreign, limit, c.verdict(Verdict.HOLD))

    def adding(self, tags: Iterable[str]) -> Hashtags:
        """The same rule with ``tags`` among the foreign ones."""
        return Hashtags(spelled([*self.foreign, *tags]), self.max_tags, self.verdict)

    def check(self, post: Candidate) -> Decision | None:
        tags = hashtags(post.text)
        alien = [self.keys[t] for t in tags if t in self.keys]
        if alien:
            return Decision(self.verdict, "foreign_hashtag", f"another event's tag: #{alien[0]}")
        if self.max_tags and len(tags) > self.max_tags:
            reason = f"{len(tags)} hashtags (at most {self.max_tags})"
            return Decision(self.verdict, "too_many_hashtags", reason)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "foreign": list(self.foreign),
            "max_tags": self.max_tags,
            "verdict": self.verdict.value,
        }


@dataclass(frozen=True, slots=True)
class Links:
    """Links in the text: allowed domains pass without an opinion; any other link gets
    ``other`` (hold or reject); ``other: "allow"`` turns the rule off."""

    kind: ClassVar[str] = "links"
    allow: frozenset[str]
    other: str = "hold"

    @classmethod
    def from_config(cls, c: Config) -> Links:
        allow = frozenset(domain_of(d) for d in c.strings("allow") if domain_of(d))
        return cls(allow, c.choice("other", "hold", ("allow", "hold", "reject")))

    def check(self, post: Candidate) -> Decision | None:
        if self.other == "allow":
            return None
        for link in _LINK.findall(post.text):
            host = domain_of(link if "://" in link else "http://" + link)
            if not matches(host, self.allow):
                return Decision(Verdict(self.other), "link", f"links to {host}")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "allow": sorted(self.allow), "other": self.other}


@dataclass(frozen=True, slots=True)
class MediaRule:
    """``require: "media"``: posts without a photo are refused; ``"text_only"``: with one."""

    kind: ClassVar[str] = "media"
    require: str
    verdict: Verdict = Verdict.REJECT

    @classmethod
    def from_config(cls, c: Config) -> MediaRule:
        require = c.choice("require", "media", ("media", "text_only"))
        return cls(require, c.verdict(Verdict.REJECT, (Verdict.REJECT, Verdict.HOLD)))

    def check(self, post: Candidate) -> Decision | None:
        if self.require == "media" and not post.has_media:
            return Decision(self.verdict, "media_required", "this wall shows photo posts only")
        if self.require == "text_only" and post.has_media:
            return Decision(self.verdict, "text_only", "this wall shows text posts only")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "require": self.require, "verdict": self.verdict.value}
