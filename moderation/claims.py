"""Claims: a post shown to one moderator is not offered to another until released or expired.

Pure bookkeeping with the clock passed in; the server keeps one :class:`ClaimBook` per process
and tells every console about claims over the moderation feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Claim:
    post_id: int
    holder: str
    until: float


@dataclass
class ClaimBook:
    ttl: float = 60.0
    _claims: dict[int, Claim] = field(default_factory=dict)

    def holder(self, post_id: int, now: float) -> str | None:
        claim = self._claims.get(post_id)
        if claim is None or claim.until <= now:
            self._claims.pop(post_id, None)
            return None
        return claim.holder

    def claim(
        self, post_ids: list[int], holder: str, now: float
    ) -> tuple[list[Claim], list[Claim]]:
        """Claim (or renew) each post; returns what ``holder`` got and what others hold."""
        got: list[Claim] = []
        taken: list[Claim] = []
        for post_id in post_ids:
            current = self.holder(post_id, now)
            if current is not None and current != holder:
                taken.append(self._claims[post_id])
                continue
            claim = Claim(post_id, holder, now + self.ttl)
            self._claims[post_id] = claim
            got.append(claim)
        return got, taken

    def release(self, post_ids: list[int], holder: str, now: float) -> list[int]:
        """Drop ``holder``'s claims on these posts; returns the ones released."""
        released = []
        for post_id in post_ids:
            if self.holder(post_id, now) == holder:
                del self._claims[post_id]
                released.append(post_id)
        return released

    def active(self, now: float) -> dict[int, Claim]:
        for post_id in [p for p, c in self._claims.items() if c.until <= now]:
            del self._claims[post_id]
        return dict(self._claims)
