"""Rules about one author's pace: a rate cap and near-duplicates of their own recent posts.

Both read what the caller supplies in the candidate (``now``, ``recent_times``,
``recent_texts``), so they stay pure and the store decides how far back to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, ClassVar

from moderation.chain import Candidate, Decision, Verdict
from moderation.normalise import fold
from moderation.rulebook.config import Config


@dataclass(frozen=True, slots=True)
class RateCap:
    """At most ``posts`` posts per author in any ``seconds`` window (e.g. 1 per 120 s)."""

    kind: ClassVar[str] = "rate"
    posts: int = 1
    seconds: float = 120.0
    verdict: Verdict = Verdict.HOLD

    @classmethod
    def from_config(cls, c: Config) -> RateCap:
        posts = int(c.number("posts", 1, low=1, high=1000))
        seconds = c.number("seconds", 120, low=1, high=86_400)
        return cls(posts, seconds, c.verdict(Verdict.HOLD, (Verdict.HOLD, Verdict.REJECT)))

    def check(self, post: Candidate) -> Decision | None:
        since = post.now - self.seconds
        earlier = sum(1 for t in post.recent_times if since < t <= post.now)
        if earlier >= self.posts:
            reason = f"{earlier + 1} posts within {self.seconds:g} s (at most {self.posts})"
            return Decision(self.verdict, "rate_cap", reason)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "posts": self.posts,
            "seconds": self.seconds,
            "verdict": self.verdict.value,
        }


def similarity(a: str, b: str) -> float:
    """How alike two texts are once folded, from 0 to 1."""
    fa, fb = " ".join(fold(a).split()), " ".join(fold(b).split())
    if not fa or not fb:
        return 0.0
    return SequenceMatcher(None, fa, fb, autojunk=False).ratio()


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """The author already posted (nearly) the same text."""

    kind: ClassVar[str] = "duplicates"
    threshold: float = 0.9
    verdict: Verdict = Verdict.REJECT

    @classmethod
    def from_config(cls, c: Config) -> NearDuplicate:
        threshold = c.number("threshold", 0.9, low=0.5, high=1.0)
        return cls(threshold, c.verdict(Verdict.REJECT, (Verdict.HOLD, Verdict.REJECT)))

    def check(self, post: Candidate) -> Decision | None:
        if len(post.text.strip()) < 3:
            return None
        for earlier in post.recent_texts:
            score = similarity(post.text, earlier)
            if score >= self.threshold:
                reason = f"{score:.0%} like an earlier post by the same author"
                return Decision(self.verdict, "near_duplicate", reason)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "threshold": self.threshold, "verdict": self.verdict.value}
