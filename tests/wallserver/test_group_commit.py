"""Group commit: concurrent posts share transactions, each answered only after its batch
committed; seqs stay gap-free, repeats exact, and a post that cannot be stored fails alone."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy.exc import IntegrityError

from moderation import Status
from tests.conftest import Wall
from wallserver.posts.records import NewPost
from wallserver.store import arrivals
from wallserver.store.arrivals import Arrival

TRUSTED = {"trusted_authors": ["@crowd"], "banned_authors": [], "blocklist": []}


async def burst(wall: Wall, count: int) -> list[tuple[int, dict[str, object]]]:
    async def one(n: int) -> tuple[int, dict[str, object]]:
        reply = await wall.ingest(f"burst-{n}", f"post {n}", author={"handle": "@crowd"})
        return reply.status_code, reply.json()

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def test_a_burst_of_500_posts_shares_transactions_with_gap_free_seqs(wall: Wall) -> None:
    """500 posts sent at once commit in far fewer transactions than posts (a quarter at most);
    every one is on the wall exactly once under seqs 1..500; sent again, each is a 200."""
    reply = await wall.client.put(
        f"/api/events/{wall.event.slug}/rules", json=TRUSTED, headers=wall.auth("admin")
    )
    assert reply.status_code == 200
    writes = wall.app.state.services.pipeline.writes
    before = writes.batches
    first = await burst(wall, 500)
    transactions = writes.batches - before
    assert [status for status, _ in first] == [202] * 500
    assert transactions <= 125, f"{transactions} transactions for 500 posts"
    ids = [body["id"] for _, body in first]
    assert len(set(ids)) == 500
    log = [json.loads(m.text) for m in await wall.store.wall.after(wall.event.id, 0, limit=1000)]
    assert [m["seq"] for m in log] == list(range(1, 501))
    assert sorted(m["post"]["id"] for m in log) == sorted(ids)
    again = await burst(wall, 500)
    assert [status for status, _ in again] == [200] * 500
    assert [body["id"] for _, body in again] == ids
    assert await wall.store.wall.current_seq(wall.event.id) == 500


async def test_the_same_post_twice_in_one_batch_is_stored_once(wall: Wall) -> None:
    """A bridge retrying before its first answer: both requests land in one batch; one is
    created (202), the other answered with the same post (200)."""
    replies = await asyncio.gather(*(wall.ingest("twin", "same post") for _ in range(10)))
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] * 9 + [202]
    assert len({r.json()["id"] for r in replies}) == 1


async def test_a_poisoned_post_fails_alone_and_its_batch_is_stored(wall: Wall) -> None:
    """A post the database refuses (here: its event does not exist, a foreign key) fails with
    its own error; the posts that shared its batch are stored and answered."""
    pipeline = wall.app.state.services.pipeline
    good = [NewPost("test", f"good-{n}", f"good {n}") for n in range(20)]
    poison = NewPost("test", "poison", "for an event that is not there")
    results = await asyncio.gather(
        *(pipeline.record(wall.event.id, post, Status.APPROVED) for post in good[:10]),
        pipeline.record(2**31 - 1, poison, Status.APPROVED),
        *(pipeline.record(wall.event.id, post, Status.APPROVED) for post in good[10:]),
        return_exceptions=True,
    )
    failed = results.pop(10)
    assert isinstance(failed, IntegrityError)
    assert all(not isinstance(r, BaseException) and r.created for r in results)
    log = [json.loads(m.text) for m in await wall.store.wall.after(wall.event.id, 0)]
    assert [m["seq"] for m in log] == list(range(1, 21))
    assert sorted(m["post"]["text"] for m in log) == sorted(p.text for p in good)


async def test_looking_up_repeats_seeks_the_unique_index_whatever_the_event_size(
    any_wall: Wall,
) -> None:
    """A batch's repeat lookup reads the posts it asks for, not the event's every post: in an
    event of 5,000 posts SQLite's plan seeks ``uq_post_source`` on all three columns. (With
    ``source`` left out, SQLite read the whole event instead, and ingest slowed down as the
    event grew.) Only the repeats are found."""
    wall = any_wall
    crowd = [
        Arrival(wall.event.id, NewPost("test", f"id-{n}", "hi"), Status.PENDING)
        for n in range(5000)
    ]
    stored = await wall.store.db.batch_write(lambda conn: arrivals.add(conn, crowd))
    keys = [(wall.event.id, "test", f"id-{n}") for n in range(4990, 5054)]
    dialect = wall.store.db.sync_engine.dialect
    if dialect.name == "sqlite":  # PostgreSQL's plan depends on its statistics; SQLite's not
        literal = arrivals.lookup(set(keys)).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        rows = await wall.store.db.batch_read(
            lambda conn: list(conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {literal}"))
        )
        steps = "\n".join(str(row[-1]) for row in rows)
        assert "sqlite_autoindex_post_1 (event_id=? AND source=? AND source_id=?)" in steps
        assert "SCAN post" not in steps, steps
    found = await wall.store.db.batch_read(lambda conn: arrivals.find(conn, keys))
    assert sorted(post.id for post in found.values()) == [r.id for r, _ in stored[4990:]]
