"""Ambassadors against the crowd: which guests' first posts followed an ambassador's post.

- An ambassador is a person (``people``) one of whose identities has a handle key (or, without a
  handle, a name read as a handle, as the trusted-authors rule reads it) on the event's list.
- Everyone else who posted is a guest. A guest's *first post* is their earliest post.
- A first post is *set off* by an ambassador when that ambassador posted at most ``window``
  seconds before it (at the same second counts). It is credited to the ambassador whose post is
  the latest one before it, so each first post is credited once.
- The *multiplier* at a minute is the guests who have posted by the end of that minute divided by
  the ambassadors who have posted by then (no value while no ambassador has posted).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from wallserver.analytics.people import Identity, handle_key, people

TOP = 10


@dataclass(frozen=True, slots=True)
class Person:
    number: int
    label: str  # "@handle", else the display name
    first: int  # epoch seconds of their first post
    posts: int
    ambassador: bool


@dataclass(frozen=True, slots=True)
class Point:
    minute: int
    ambassadors: int
    guests: int


@dataclass(frozen=True, slots=True)
class Swarm:
    people: list[Person]
    set_off: int  # guests whose first post an ambassador set off
    credits: list[tuple[str, int]]  # (ambassador label, first posts set off), most first
    multiplier: list[Point] = field(default_factory=list)


def ambassador_key(ident: Identity) -> str:
    return handle_key(ident.handle or ident.name)


def label_of(ident: Identity) -> str:
    handle = ident.handle.strip().lstrip("@").strip()
    return f"@{handle}" if handle else ident.name.strip()


@dataclass(frozen=True, slots=True)
class Author:
    """One distinct (handle, name) as posts give it: its posts and its first post's time."""

    handle: str
    name: str
    posts: int
    first: int  # epoch seconds

    @property
    def identity(self) -> Identity:
        return Identity(self.handle, self.name)


@dataclass(frozen=True, slots=True)
class Ambassadors:
    """Everyone who posted, as people, and which people are ambassadors."""

    authors: list[Author]
    number: dict[Identity, int]
    people: set[int]

    def identities(self) -> list[Identity]:
        """Every (handle, name) an ambassador posted under: whose posts' times are needed."""
        return [i for i, who in self.number.items() if who in self.people]


def ambassador_people(authors: Iterable[Author], listed: Iterable[str]) -> Ambassadors:
    authors = list(authors)
    number = people(a.identity for a in authors)
    keys = {handle_key(h) for h in listed} - {""}
    chosen = {who for ident, who in number.items() if ambassador_key(ident) in keys}
    return Ambassadors(authors, number, chosen)


def swarm(
    found: Ambassadors, ambassador_posts: Iterable[tuple[str, str, int]], window: int
) -> Swarm:
    """The swarm from the people (``ambassador_people``), every ambassador post's (handle, name,
    epoch seconds) and the window in seconds."""
    first: dict[int, int] = {}
    count: Counter[int] = Counter()
    by_ident: dict[int, Counter[Identity]] = {}
    for a in found.authors:
        who = found.number.get(a.identity)
        if who is None:
            continue
        first[who] = min(first.get(who, a.first), a.first)
        count[who] += a.posts
        by_ident.setdefault(who, Counter())[a.identity] += a.posts
    persons = [
        Person(who, label_of(_main(by_ident[who])), first[who], count[who], who in found.people)
        for who in sorted(first)
    ]
    amb_posts = sorted(
        (t, found.number[Identity(h, n)])
        for h, n, t in ambassador_posts
        if found.number.get(Identity(h, n)) in found.people
    )
    times = [t for t, _ in amb_posts]
    labels = {p.number: p.label for p in persons}
    credited: Counter[int] = Counter()
    for p in persons:
        if p.ambassador:
            continue
        at = bisect.bisect_right(times, p.first) - 1
        if at >= 0 and p.first - times[at] <= window:
            same = amb_posts[bisect.bisect_left(times, times[at]) : at + 1]
            credited[min((labels[w], w) for _, w in same)[1]] += 1
    credits = sorted(((labels[w], n) for w, n in credited.items()), key=lambda c: (-c[1], c[0]))
    return Swarm(persons, sum(credited.values()), credits[:TOP], multiplier(persons))


def _main(used: Counter[Identity]) -> Identity:
    """The identity a person posted under most (ties: the first by handle, then name)."""
    return min(used.items(), key=lambda kv: (-kv[1], kv[0].handle, kv[0].name))[0]


def multiplier(persons: list[Person]) -> list[Point]:
    """The running count of ambassadors and guests who have posted, at each minute it changes."""
    minutes = sorted({p.first // 60 for p in persons})
    out = []
    ambassadors = guests = 0
    arrivals = Counter((p.first // 60, p.ambassador) for p in persons)
    for m in minutes:
        ambassadors += arrivals[(m, True)]
        guests += arrivals[(m, False)]
        out.append(Point(m, ambassadors, guests))
    return out
