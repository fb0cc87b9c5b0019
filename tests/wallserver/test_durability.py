"""A post acknowledged with 2xx survives the server being killed mid-burst (SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SECRET, free_port
from wallserver.settings import Settings
from wallserver.store.session import open_store

pytestmark = pytest.mark.slow

BURST = 200
KILL_AFTER = 50  # acknowledgements
STARTUP = 60.0  # seconds to wait for a server to answer /healthz


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALL_")}
    return {**env, "WALL_DATA_DIR": str(data_dir), "WALL_SECRET_KEY": SECRET}


async def provision(data_dir: Path) -> dict[str, str]:
    """Create the event and tokens in the server's data directory before it starts."""
    async with open_store(Settings(data_dir=data_dir, secret_key=SECRET)) as store:  # type: ignore[arg-type]
        event = await store.events.create("xmas", "Christmas Party", ["XmasParty"], "pre")
        return {
            "ingest": await store.auth.create_token("ingest", event.id),
            "moderator": await store.auth.create_token("moderator", event.id),
        }


class Server:
    """``python -m wallserver serve`` in a subprocess."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "wallserver", "serve", "--port", str(self.port)),
                env=server_env(self.data_dir),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        async with httpx.AsyncClient(base_url=self.url) as client, asyncio.timeout(STARTUP):
            while True:
                assert self.proc.returncode is None, self.log.read_text()
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    async def stop(self) -> None:
        self.kill()
        if self.proc is not None:
            await self.proc.wait()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    s = Server(tmp_path / "data", tmp_path / "server.log")
    try:
        yield s
    finally:
        await s.stop()


def post(i: int) -> dict[str, Any]:
    return {"source": "bridge", "source_id": f"burst-{i}", "text": f"post number {i}"}


async def stored_posts(client: httpx.AsyncClient, token: str) -> dict[str, int]:
    """source_id -> id of every post the server has, read page by page."""
    found: dict[str, int] = {}
    cursor: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get(
            "/api/events/xmas/posts", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        found.update({p["source_id"]: p["id"] for p in page["posts"]})
        cursor = page["next_cursor"]
        if cursor is None:
            return found


async def test_acknowledged_posts_survive_sigkill_mid_burst(server: Server) -> None:
    """Kill -9 during a burst of ingests; after a restart every post that got a 2xx is there,
    with the id it was given, and a bridge retrying the whole burst gets the same ids back."""
    tokens = await provision(server.data_dir)
    await server.start()
    ingest = {"Authorization": f"Bearer {tokens['ingest']}"}
    acked: dict[str, int] = {}

    async def send(client: httpx.AsyncClient, i: int) -> None:
        response = await client.post("/api/events/xmas/ingest", json=post(i), headers=ingest)
        if response.is_success:
            acked[post(i)["source_id"]] = response.json()["id"]
            if len(acked) == KILL_AFTER:
                server.kill()

    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
        results = await asyncio.gather(
            *(send(client, i) for i in range(BURST)), return_exceptions=True
        )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, httpx.TransportError) for f in failures), failures[:3]
    assert len(acked) >= KILL_AFTER
    assert failures, "the kill should have cut the burst short"

    await server.stop()
    await server.start()  # same data directory
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
        stored = await stored_posts(client, tokens["moderator"])
        assert {sid: stored.get(sid) for sid in acked} == acked
        assert len(stored) == len(set(stored.values())) >= len(acked)

        retried = await asyncio.gather(
            *(
                client.post("/api/events/xmas/ingest", json=post(i), headers=ingest)
                for i in range(BURST)
            )
        )
    assert all(r.is_success for r in retried)
    again = {post(i)["source_id"]: r.json()["id"] for i, r in enumerate(retried)}
    assert {sid: again[sid] for sid in acked} == acked
    assert all(retried[i].status_code == 200 for i in range(BURST) if post(i)["source_id"] in acked)
