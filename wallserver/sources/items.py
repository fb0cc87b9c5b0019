"""What a parser finds in a network's payload: a post to show, an edit, or a deletion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from wallserver.dates import sane_utc
from wallserver.posts.records import NewPost


@dataclass(frozen=True, slots=True)
class Candidate:
    """A post as the network sent it, with the hashtags it carries (lower-cased, no ``#``)."""

    post: NewPost
    tags: frozenset[str] = field(default_factory=frozenset)

    def matches(self, hashtags: list[str]) -> bool:
        return bool(self.tags & {t.casefold() for t in hashtags})


@dataclass(frozen=True, slots=True)
class Update:
    """The author edited a post the wall may show already."""

    candidate: Candidate


@dataclass(frozen=True, slots=True)
class Deletion:
    """The author deleted a post at the source; the wall must retract it."""

    source_id: str


Item = Candidate | Update | Deletion


class MalformedPayload(ValueError):
    """The network sent something that does not follow its documented format."""


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 with ``Z`` or an offset (``+0000`` too), in UTC; None when absent, unreadable
    or not a sane date (:func:`wallserver.dates.sane_utc`): the arrival time stands in."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return sane_utc(parsed)


def tagset(tags: object) -> frozenset[str]:
    if not isinstance(tags, list):
        return frozenset()
    return frozenset(str(t).lstrip("#").casefold() for t in tags if isinstance(t, str) and t)
