"""Waiting for the server to hold a decision the console already shows: decisions are optimistic,
so a post leaves the queue on screen before the server has answered."""

from __future__ import annotations

import asyncio
import time

from tests.conftest import LiveServer

DEADLINE_SECONDS = 5.0


async def status_of(live: LiveServer, post_id: int) -> str:
    return str((await live.wall.store.posts.get(post_id)).status)


async def decided(live: LiveServer, post_id: int, status: str) -> None:
    """Poll the store until the post has ``status``; fail after a few seconds."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (now := await status_of(live, post_id)) != status:
        assert time.monotonic() < deadline, f"post {post_id} is {now}, not {status}"
        await asyncio.sleep(0.05)
