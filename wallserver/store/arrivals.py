"""New posts stored in batches: one read to recognise repeats, one insert per table.

These run on a worker thread inside :meth:`Database.batch_write` / :meth:`Database.batch_read`
with a synchronous connection, so a whole batch costs the event loop one await instead of one per
statement (each of which waited a full turn of a loop busy with requests). Core statements, no
ORM: rows become records directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from moderation import Status
from wallserver.db.models import Decision, Event, Post, WallEntry, utcnow
from wallserver.posts.records import NewPost, PostRecord
from wallserver.protocol import encode
from wallserver.store.rows import post_from_mapping
from wallserver.store.wall import WallMessage

Key = tuple[int, str, str]  # (event_id, source, source_id)
INGEST = "ingest"
REHEARSAL = "rehearsal"  # the event state whose posts are test posts (wallserver/lifecycle.py)
POSTS = Post.__table__  # type: ignore[attr-defined]
DECISIONS = Decision.__table__  # type: ignore[attr-defined]
EVENTS = Event.__table__  # type: ignore[attr-defined]
WALL = WallEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Arrival:
    """A new post with the status the rules gave it, on its way into the store."""

    event_id: int
    new: NewPost
    status: Status
    rule: str = ""
    reason: str = ""

    @property
    def key(self) -> Key:
        return (self.event_id, self.new.source, self.new.source_id)


def find(conn: Connection, keys: list[Key]) -> dict[Key, PostRecord]:
    """The stored posts for these keys."""
    if not keys:
        return {}
    wanted = set(keys)
    records = (post_from_mapping(row._mapping) for row in conn.execute(lookup(wanted)))
    return {k: r for r in records if (k := (r.event_id, r.source, r.source_id)) in wanted}


def lookup(keys: set[Key]) -> Select[Any]:
    """The posts that may have these keys: one seek on ``uq_post_source`` per key. All three
    columns are constrained so the unique index is used in full; with ``source`` left out it
    could only seek on ``event_id`` and read every post of the event, per batch, which made
    ingest slower as an event grew (docs/performance.md, issue #11)."""
    return select(POSTS).where(
        POSTS.c.event_id.in_({k[0] for k in keys}),
        POSTS.c.source.in_({k[1] for k in keys}),
        POSTS.c.source_id.in_({k[2] for k in keys}),
    )


def add(conn: Connection, arrivals: list[Arrival]) -> list[tuple[PostRecord, bool]]:
    """Store new posts and their audit rows in the caller's transaction. A key stored already,
    or twice in ``arrivals``, gives the stored post and ``False``."""
    found = find(conn, [a.key for a in arrivals])
    now = utcnow()
    fresh: dict[Key, int] = {}
    rows: list[dict[str, Any]] = []
    rehearsing = _rehearsing(conn, {a.event_id for a in arrivals if a.key not in found})
    for arrival in arrivals:
        if arrival.key not in found and arrival.key not in fresh:
            fresh[arrival.key] = len(rows)
            rows.append(_row(arrival, now, arrival.event_id in rehearsing))
    ids: list[int] = []
    if rows:
        statement = insert(POSTS).returning(POSTS.c.id, sort_by_parameter_order=True)
        ids = [int(i) for i in conn.execute(statement, rows).scalars()]
        conn.execute(
            insert(DECISIONS), [_audit(i, row, now) for i, row in zip(ids, rows, strict=True)]
        )
    out: list[tuple[PostRecord, bool]] = []
    made: set[int] = set()
    for arrival in arrivals:
        if arrival.key in found:
            out.append((found[arrival.key], False))
            continue
        index = fresh[arrival.key]
        out.append((post_from_mapping({**rows[index], "id": ids[index]}), index not in made))
        made.add(index)
    return out


def append_wall(
    conn: Connection, event_id: int, bodies: list[dict[str, Any]], post_ids: list[int | None]
) -> list[WallMessage]:
    """Wall events with consecutive seqs, in the caller's transaction: one bump of the event's
    counter (its row lock orders writers, as in :meth:`WallLog.append`) and one insert."""
    if not bodies:
        return []
    bump = (
        update(EVENTS)
        .where(EVENTS.c.id == event_id)
        .values(wall_seq=EVENTS.c.wall_seq + len(bodies))
        .returning(EVENTS.c.wall_seq)
    )
    last = int(conn.execute(bump).scalar_one())
    now = utcnow()
    messages, rows = [], []
    for seq, body, post_id in zip(
        range(last - len(bodies) + 1, last + 1), bodies, post_ids, strict=True
    ):
        text = encode(body, seq)
        messages.append(WallMessage(event_id, seq, text))
        rows.append(
            {"event_id": event_id, "seq": seq, "type": body["type"], "post_id": post_id,
             "message": text, "at": now}
        )  # fmt: skip
    conn.execute(insert(WALL), rows)
    return messages


def _rehearsing(conn: Connection, event_ids: set[int]) -> set[int]:
    """Those of the events in rehearsal, read in the write's transaction: a post is a test post
    when its event rehearses as it is stored, whatever the event was when the post arrived.

    On PostgreSQL the rehearsing events' rows stay locked FOR UPDATE until the batch commits.
    Unlocked, a go-live could commit between this read and the batch's commit, and the test
    posts it withdraws would miss this batch's (not visible to it yet): a test post left on the
    live event. Locked, the go-live (``change_state`` locks the row too) waits for the batch, or
    the batch waits for it and reads the event live. FOR UPDATE, not FOR SHARE: two batches
    each holding FOR SHARE deadlock on the wall counter's UPDATE (``append_wall``). It queues
    the batches of a rehearsing event one after another (rows taken in id order, so batches of
    several events queue too); live events match no row and take no lock. SQLite renders no
    lock: its writers queue anyway."""
    if not event_ids:
        return set()
    query = (
        select(EVENTS.c.id)
        .where(EVENTS.c.id.in_(event_ids), EVENTS.c.state == REHEARSAL)
        .order_by(EVENTS.c.id)
        .with_for_update()
    )
    return {int(i) for i in conn.execute(query).scalars()}


def _row(arrival: Arrival, now: datetime, rehearsal: bool = False) -> dict[str, Any]:
    new = arrival.new
    return {
        "event_id": arrival.event_id,
        "source": new.source,
        "source_id": new.source_id,
        "author_name": new.author_name,
        "author_handle": new.author_handle,
        "author_avatar_url": new.author_avatar_url,
        "text": new.text,
        "media": new.media,
        "url": new.url,
        "created_at": _utc(new.created_at) if new.created_at else now,
        "received_at": now,
        "status": arrival.status.value,
        "pinned": False,
        "version": 1,
        "rule": arrival.rule,
        "rule_reason": arrival.reason,
        "manage_token_hash": new.manage_token_hash,
        "consent": new.consent,
        "contact": new.contact,
        "original": None,
        "rehearsal": rehearsal,
    }


def _audit(post_id: int, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "event_id": row["event_id"],
        "actor": f"rule:{row['rule']}" if row["rule"] else "system",
        "action": INGEST,
        "from_status": "",
        "from_pinned": False,
        "to_status": row["status"],
        "to_pinned": False,
        "reason": row["rule_reason"],
        "at": now,
    }


def _utc(value: datetime) -> datetime:
    """Bridges send any offset, or none (taken as UTC); an offset that would leave the calendar
    (year 1 at +23:59) keeps the date as it reads rather than failing the post."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return value.replace(tzinfo=UTC)
