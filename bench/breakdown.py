"""Where an ingest and an approval spend CPU: each store call they make, timed on its own.

``python -m bench.breakdown [--calls N]``: a diagnostic beside the benchmarks, not part of
``python -m bench all`` and without targets. In process, on a fresh SQLite data directory, no HTTP
and no server: the store calls the ``/ingest`` and ``/decision`` handlers make, one after another,
next to the same kind of lookup on the raw driver (aiosqlite), which shows what a session costs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event

from bench.loop import run
from moderation import Status
from wallserver.settings import Settings
from wallserver.store import NewPost, Store, arrivals
from wallserver.store.arrivals import Arrival
from wallserver.store.session import open_store

SLUG = "bench"
WARMUP = 10


@dataclass(frozen=True, slots=True)
class Timing:
    call: str
    cpu_ms: float
    wall_ms: float
    statements: float


class Statements:
    """Counts SQL statements sent by the engine (BEGIN included; COMMIT/ROLLBACK are not)."""

    def __init__(self, store: Store) -> None:
        self.count = 0
        event.listen(store.db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


async def timed(
    call: str, calls: int, fn: Callable[[int], Awaitable[object]], statements: Statements | None
) -> Timing:
    """Call ``fn(0..calls-1)`` after ``WARMUP`` calls with negative arguments."""
    for i in range(1, WARMUP + 1):
        await fn(-i)
    before = statements.count if statements else 0
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(calls):
        await fn(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sent = (statements.count - before) / calls if statements else float("nan")
    return Timing(call, cpu / calls * 1000, wall / calls * 1000, sent)


async def measure(calls: int, data_dir: Path) -> list[Timing]:
    settings = Settings(
        data_dir=data_dir,
        secret_key="bench-breakdown-secret-key",  # type: ignore[arg-type]
        database_url=None,
        broker_url="memory://",
    )
    async with open_store(settings) as store:
        wall = await store.events.create(SLUG, "Benchmark Party", ["BenchParty"], "pre")
        token = await store.auth.create_token("ingest", wall.id)
        sql = Statements(store)

        def post(i: int) -> NewPost:
            return NewPost(source="bench", source_id=f"p{i}", text="Greetings from table 12!")

        def post_id(i: int) -> int:  # ids 1..calls were measured, the warm-up made the rest
            return i + 1 if i >= 0 else calls - i

        timings = [
            await timed("events.get(slug)", calls, lambda i: store.events.get(SLUG), sql),
            await timed(
                "auth.token_principal(token)",
                calls,
                lambda i: store.auth.token_principal(token),
                sql,
            ),
            await timed(
                "arrivals.add (new post, batch of 1)",
                calls,
                lambda i: store.db.batch_write(
                    lambda c: arrivals.add(c, [Arrival(wall.id, post(i), Status.PENDING)])
                ),
                sql,
            ),
            await timed(
                "arrivals.find (repeat, batch of 1)",
                calls,
                lambda i: store.db.batch_read(
                    lambda c: arrivals.find(c, [(wall.id, post(i).source, post(i).source_id)])
                ),
                sql,
            ),
            await timed("posts.get(id)", calls, lambda i: store.posts.get(post_id(i)), sql),
            await timed(
                "events.get_by_id(id)", calls, lambda i: store.events.get_by_id(wall.id), sql
            ),
            await timed(
                "posts.decide(approve)",
                calls,
                lambda i: store.posts.decide(post_id(i), "approve", 1, "bench"),
                sql,
            ),
        ]
    async with aiosqlite.connect(data_dir / "wall.sqlite3") as raw:

        async def by_slug(_: int) -> object:
            cursor = await raw.execute("SELECT * FROM event WHERE slug = ?", (SLUG,))
            return await cursor.fetchall()

        timings.append(await timed("raw aiosqlite: event by slug", calls, by_slug, None))
    return timings


def render(timings: list[Timing]) -> str:
    lines = [
        "| store call | CPU ms/call | wall ms/call | SQL statements/call |",
        "|---|---:|---:|---:|",
    ]
    for t in timings:
        sent = "-" if t.statements != t.statements else f"{t.statements:.0f}"
        lines.append(f"| {t.call} | {t.cpu_ms:.2f} | {t.wall_ms:.2f} | {sent} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.breakdown", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--calls", type=int, default=200, help="calls timed per store call")
    calls = parser.parse_args().calls
    with tempfile.TemporaryDirectory(prefix="wall-breakdown-") as tmp:
        timings = run(measure(calls, Path(tmp)))
    print(render(timings))


if __name__ == "__main__":
    main()
