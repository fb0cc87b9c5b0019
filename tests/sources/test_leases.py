"""With PostgreSQL, a source runs on exactly one instance and moves when that one stops."""

from __future__ import annotations

import asyncio
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.sources.conftest import FAST, until
from tests.sources.fakes import FakeMastodon, running
from wallserver.app import create_app
from wallserver.sources.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[2]


async def rounds_pass(*supervisors: Supervisor, count: int = 5) -> None:
    """Wait until every supervisor has reconciled ``count`` more times (each retries the lock)."""
    start = [s.rounds for s in supervisors]

    async def done() -> bool:
        return all(s.rounds >= n + count for s, n in zip(supervisors, start, strict=True))

    await until(done, f"{count} reconciliations")


@pytest.mark.postgres
async def test_one_instance_runs_a_source_and_another_takes_over(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two instances on one database: one runs the source; stop it and the other takes over."""
    fake = FakeMastodon()
    fake.post(1, stream=False)
    async with running(fake), AsyncExitStack() as a, AsyncExitStack() as b:
        instances = []
        for stack, name in ((a, "a"), (b, "b")):
            app = create_app(make_settings(tmp_path / name, database_url=postgres_url, **FAST))
            await stack.enter_async_context(app.router.lifespan_context(app))
            instances.append((stack, app.state.services.supervisor, app.state.services.store))
        store = instances[0][2]
        event = await store.events.create("fair", "Fair", ["xmas"])
        source = await store.sources.create(
            event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": ""}
        )

        async def owned() -> bool:
            return any(source.id in sup.running for _, sup, _ in instances)

        await until(owned, "an instance to take the source")
        await rounds_pass(*(sup for _, sup, _ in instances))
        owners = [i for i in instances if source.id in i[1].running]
        assert len(owners) == 1
        assert len(fake.streams) == 1
        (owner_stack, _, _), (_, other, _) = sorted(
            instances, key=lambda i: source.id not in i[1].running
        )

        await owner_stack.aclose()  # the owning instance stops; its lock goes with it

        async def moved() -> bool:
            return source.id in other.running and len(fake.streams) == 1

        await until(moved, "the other instance to take over")


@pytest.mark.postgres
async def test_a_killed_instance_loses_its_sources_to_another(
    postgres_url: str, tmp_path: Path
) -> None:
    """An instance killed with SIGKILL (no shutdown, no unlock) holds the source until
    PostgreSQL notices its connection is gone; then the other instance takes it over and
    the next post arrives through it."""
    fake = FakeMastodon()
    fake.post(1, stream=False)
    async with running(fake):
        setup = create_app(
            make_settings(tmp_path / "setup", database_url=postgres_url, sources_enabled=False)
        )
        async with setup.router.lifespan_context(setup):
            store = setup.state.services.store
            event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
            source = await store.sources.create(
                event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": ""}
            )
        first = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.sources.instance",
            str(tmp_path / "a"),
            postgres_url,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert first.stdout is not None
            assert await asyncio.wait_for(first.stdout.readline(), 60) == b"ready\n"
            await until(lambda: _async(len(fake.streams) == 1), "the first instance's stream")
            other = create_app(make_settings(tmp_path / "b", database_url=postgres_url, **FAST))
            async with other.router.lifespan_context(other):
                supervisor: Supervisor = other.state.services.supervisor
                await rounds_pass(supervisor)
                assert source.id not in supervisor.running  # the lock is held elsewhere

                first.kill()  # SIGKILL: no cleanup of any kind
                await first.wait()

                async def taken() -> bool:
                    return supervisor.connected(source.id)

                await until(taken, "the surviving instance to take the source", within=30)
                fake.post(2)
                store = other.state.services.store

                async def arrived() -> bool:
                    page = await store.posts.page(event.id, None, 10, None)
                    return len(page.posts) == 2

                await until(arrived, "the post after the takeover")
        finally:
            if first.returncode is None:
                first.kill()
                await first.wait()


async def _async(value: bool) -> bool:
    return value
