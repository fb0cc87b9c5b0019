"""Writes racing a rehearsal's batches on PostgreSQL (READ COMMITTED, several writers at once):
going live while a batch is being written must not leave a test post on the live event, and two
batches of a rehearsing event must not deadlock. SQLite has one writer at a time: no race there."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from sqlalchemy import Connection

from moderation import Status
from tests.conftest import Wall, instance, start_wall
from tests.wallserver.test_lifecycle import ingest, move, replay
from wallserver.broker.postgres import libpq_url
from wallserver.posts.records import NewPost
from wallserver.store import arrivals

pytestmark = pytest.mark.postgres

WAIT = 10.0  # seconds; only ever reached when a test is failing
T = TypeVar("T")


class Held:
    """Holds the first batch that reads the event's state inside its transaction, just after
    the read, until released; knows that transaction's backend so a test can see who waits."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.pid = 0
        self._real = arrivals._rehearsing

    def __call__(self, conn: Connection, event_ids: set[int]) -> set[int]:
        found = self._real(conn, event_ids)
        if not self.reached.is_set():
            self.pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            self.reached.set()
            if not self.release.wait(WAIT):
                raise TimeoutError("the held batch was never released")
        return found

    async def meanwhile(self, admin: psycopg.AsyncConnection, other: Awaitable[T]) -> T:
        """Run ``other`` while the batch is held, until it is done or waits on a lock the
        batch holds; then release the batch and let ``other`` finish."""
        assert await asyncio.to_thread(self.reached.wait, WAIT)
        task = asyncio.ensure_future(other)
        query = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND %s = ANY(pg_blocking_pids(pid))"
        )
        try:
            async with asyncio.timeout(WAIT):
                while not task.done():
                    row = await (await admin.execute(query, (self.pid,))).fetchone()
                    if row is not None and row[0] > 0:
                        break
                    await asyncio.sleep(0.01)  # polling the server, not standing in for sync
        finally:
            self.release.set()
        return await task


@asynccontextmanager
async def rehearsing(
    tmp_path: Path, postgres_url: str, held: Held
) -> AsyncIterator[tuple[Wall, psycopg.AsyncConnection]]:
    """An app on PostgreSQL with a post-moderated event ``gala`` in rehearsal (its posts go
    straight to the wall), and a connection to watch the server's locks."""
    async with instance(tmp_path / "data", database_url=postgres_url) as app:
        w = await start_wall(app)
        async with (
            w.client,
            await psycopg.AsyncConnection.connect(
                libpq_url(postgres_url), autocommit=True
            ) as admin,
        ):
            events = w.store.events
            w.event = await events.create("gala", "Gala", ["gala"], "post", state="rehearsal")
            yield w, admin


async def test_a_post_stored_as_a_rehearsal_goes_live_is_withdrawn(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch reads "rehearsal" and, before it commits, an admin takes the event live: the
    test post it stores is still withdrawn with the rest (no wall, no replay shows it)."""
    held = Held()
    monkeypatch.setattr(arrivals, "_rehearsing", held)
    async with rehearsing(tmp_path, postgres_url, held) as (w, admin):
        sending = asyncio.create_task(ingest(w, "t1", "TEST POST from the rehearsal"))
        done = await held.meanwhile(admin, move(w, "live"))
        sent = await sending

        assert sent.status_code == 202, sent.text
        assert done.status_code == 200, done.text
        post = await w.store.posts.get(sent.json()["id"])
        assert post.rehearsal
        assert post.status == "withdrawn"
        assert done.json()["withdrawn"] == 1
        assert "TEST POST" not in json.dumps(await replay(w))


async def test_two_batches_of_a_rehearsal_at_once_both_reach_the_wall(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batches of a rehearsing event written at once (two instances, or a tool beside the
    server) both commit, one after the other: no deadlock fails either."""
    held = Held()
    monkeypatch.setattr(arrivals, "_rehearsing", held)
    async with rehearsing(tmp_path, postgres_url, held) as (w, admin):
        sending = asyncio.create_task(ingest(w, "t1", "first"))
        other = w.store.posts.insert(w.event, NewPost("test", "t2", "second"), Status.APPROVED)
        second = await held.meanwhile(admin, other)
        first = await sending

        assert first.status_code == 202, first.text
        assert second.created
        shows = [m for m in await replay(w) if m["type"] == "post.show"]
        assert sorted(m["post"]["text"] for m in shows) == ["first", "second"]
