"""The SQL behind the analytics page: counts, buckets and ranks gathered in one read transaction.

Every figure starts from :func:`figure_posts`, the one select that says which posts count
(it leaves out rehearsal posts). Times are whole epoch seconds (``wallserver.db.epoch``) and
minutes are ``seconds / 60`` in integer arithmetic, so SQLite and PostgreSQL agree to the post.

What SQL does not do here: joining an author's identities across networks into one person
(a union-find over the distinct (handle, name) pairs this gathers, ``wallserver.analytics.people``)
and reading hashtags out of texts (a regular expression over the texts that contain ``#``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Text,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.sql import Subquery
from sqlmodel import col

from wallserver.analytics.swarm import Ambassadors, Author, ambassador_people
from wallserver.db.epoch import epoch
from wallserver.db.models import Ambassador, Decision, Post, Screen, WallEntry
from wallserver.protocol import POST_SHOW
from wallserver.store.database import Database

BUSIEST = 5  # minutes listed as the busiest
PERCENTILES = (50, 90)
DECIDING = ("approve", "reject", "hide")
# media kinds a screen's "photos" filter counts (custom emoji are media too, but not these). The
# media column holds JSON as SQLAlchemy's json.dumps wrote it, so a kind reads '"kind": "image"';
# an alt text cannot fake it (its quotes are escaped).
VISUAL = ("image", "video")  # actions that decide a post (pin and undo do not)


@dataclass(frozen=True, slots=True)
class Gathered:
    """What SQL counted; ``wallserver.analytics.report`` turns it into the figures."""

    per_minute: list[tuple[int, str, int]]  # (minute, source, posts)
    busiest: list[tuple[int, int]]  # (minute, posts), most first
    statuses: dict[str, int]
    decisions: int  # posts with a moderator's decision
    percentiles: dict[int, int | None]  # {50: seconds, 90: seconds}
    found: Ambassadors  # everyone who posted, as people
    tagged_texts: list[str]
    shown: list[tuple[str, bool, bool, int]]  # posts sent to the walls: (source, has a photo or
    # video, has text, how many)
    screens: list[tuple[str, dict[str, Any]]]  # (name, config)
    ambassador_posts: list[tuple[str, str, int]]  # (handle, name, epoch seconds)


def figure_posts(event_id: int) -> Subquery:
    """The posts the figures are made of: this event's, without the test posts of its rehearsal
    (which the moderators' figures leave out too). The one place to leave posts out."""
    return (
        select(
            col(Post.id).label("id"),
            col(Post.source).label("source"),
            col(Post.author_handle).label("handle"),
            col(Post.author_name).label("name"),
            col(Post.text).label("text"),
            col(Post.media).label("media"),
            col(Post.status).label("status"),
            epoch(col(Post.received_at)).label("t"),
        )
        .where(col(Post.event_id) == event_id, col(Post.rehearsal).is_(False))
        .subquery("p")
    )


def _first_decisions(event_id: int, p: Subquery) -> Subquery:
    """Each post's first decision by a person (rules and the system are instant, not counted):
    its seconds since the post arrived."""
    people = ~col(Decision.actor).startswith("rule:") & (col(Decision.actor) != "system")
    first = (
        select(
            col(Decision.post_id).label("post_id"),
            func.min(epoch(col(Decision.at))).label("at"),
        )
        .where(col(Decision.event_id) == event_id, people)
        .where(col(Decision.action).in_(DECIDING))
        .group_by(col(Decision.post_id))
        .subquery("d")
    )
    return (
        select((first.c.at - p.c.t).label("secs"))
        .select_from(first.join(p, p.c.id == first.c.post_id))
        .subquery("s")
    )


def _decision_times(secs: Subquery) -> Select[*tuple[Any, ...]]:
    """How many posts were decided, and the nearest-rank percentiles of their waits: the value
    at rank ceil(n · percent / 100), in integer arithmetic (one pass, both databases)."""
    ranked = select(
        secs.c.secs,
        func.row_number().over(order_by=secs.c.secs).label("rank"),
        func.count().over().label("n"),
    ).subquery("r")
    at = [
        func.min(case((ranked.c.rank == (ranked.c.n * pc + 99) // 100, ranked.c.secs)))
        for pc in PERCENTILES
    ]
    return select(func.count(), *at).select_from(ranked)


def gather(conn: Connection, event_id: int, listed: list[str]) -> Gathered:
    """Every count of the figures; ``listed``: the ambassadors' handles."""
    p = figure_posts(event_id)
    minute = (p.c.t // 60).label("minute")
    per_minute = conn.execute(
        select(minute, p.c.source, func.count())
        .group_by(minute, p.c.source)
        .order_by(minute, p.c.source)
    ).all()
    posts = func.count().label("posts")
    busiest = conn.execute(
        select(minute, posts).group_by(minute).order_by(posts.desc(), minute).limit(BUSIEST)
    ).all()
    statuses: dict[str, int] = dict(
        conn.execute(select(p.c.status, func.count()).group_by(p.c.status)).all()
    )
    secs = _first_decisions(event_id, p)
    decisions, *ranks = conn.execute(_decision_times(secs)).one()
    percentiles = dict(zip(PERCENTILES, ranks, strict=True))
    authors = conn.execute(
        select(p.c.handle, p.c.name, func.count(), func.min(p.c.t)).group_by(p.c.handle, p.c.name)
    ).all()
    found = ambassador_people((Author(h, n, int(c), int(f)) for h, n, c, f in authors), listed)
    pairs = [(i.handle, i.name) for i in found.identities()]
    ambassador_posts = (
        conn.execute(
            select(p.c.handle, p.c.name, p.c.t).where(tuple_(p.c.handle, p.c.name).in_(pairs))
        ).all()
        if pairs
        else []
    )
    tagged = conn.execute(select(p.c.text).where(p.c.text.contains("#"))).scalars().all()
    shown_ids = select(col(WallEntry.post_id)).where(
        col(WallEntry.event_id) == event_id, col(WallEntry.type) == POST_SHOW
    )
    visual = or_(*(cast(p.c.media, Text).like(f'%"kind": "{kind}"%') for kind in VISUAL))
    kinds = (
        select(
            p.c.source,
            visual.label("visual"),
            (p.c.text != literal("")).label("has_text"),
        )
        .where(p.c.id.in_(shown_ids))
        .subquery("k")
    )
    shown = conn.execute(
        select(kinds.c.source, kinds.c.visual, kinds.c.has_text, func.count()).group_by(
            kinds.c.source, kinds.c.visual, kinds.c.has_text
        )
    ).all()
    screens = conn.execute(
        select(col(Screen.name), col(Screen.config))
        .where(col(Screen.event_id) == event_id)
        .order_by(col(Screen.name))
    ).all()
    return Gathered(
        [(int(m), s, int(c)) for m, s, c in per_minute],
        [(int(m), int(c)) for m, c in busiest],
        {str(k): int(v) for k, v in statuses.items()},
        int(decisions),
        {k: None if v is None else int(v) for k, v in percentiles.items()},
        found,
        list(tagged),
        [(s, bool(v), bool(t), int(n)) for s, v, t, n in shown],
        [(n, dict(c)) for n, c in screens],
        [(h, n, int(t)) for h, n, t in ambassador_posts],
    )


class AnalyticsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def gather(self, event_id: int, listed: list[str]) -> Gathered:
        """Every count of the event's figures, from one consistent read."""
        return await self.db.batch_read(lambda conn: gather(conn, event_id, listed))

    async def ambassadors(self, event_id: int) -> list[str]:
        """The handles the team listed as ambassadors (besides the trusted authors' rule)."""
        query = (
            select(col(Ambassador.handle))
            .where(col(Ambassador.event_id) == event_id)
            .order_by(col(Ambassador.handle))
        )
        return list(await self.db.batch_read(lambda conn: conn.execute(query).scalars().all()))

    async def set_ambassadors(self, event_id: int, handles: list[str]) -> list[str]:
        def work(conn: Connection) -> None:
            conn.execute(delete(Ambassador).where(col(Ambassador.event_id) == event_id))
            if handles:
                conn.execute(
                    insert(Ambassador), [{"event_id": event_id, "handle": h} for h in handles]
                )

        await self.db.batch_write(work)
        return sorted(handles)
