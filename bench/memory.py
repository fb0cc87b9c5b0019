"""Memory: the server's resident bytes per idle wall viewer, with and without compression.

For each count, a fresh ``wallserver serve`` (SQLite, memory broker) warms up with a few viewers
that come and go, settles, and has its RSS read; then N lean viewers (``bench.lean_ws``) connect
to ``/ws/events/{slug}/wall?since=0``, read ``hello`` and stay idle; after a settling pause the
RSS is read again. The difference over N is what an idle viewer costs. The issue's target
(#12): at most 20 KB per idle viewer without compression, at 1,000 and 10,000 viewers.
Compression (``WALL_WS_COMPRESSION=true``, viewers offering permessage-deflate) is measured at
the smallest count only: at 10,000 viewers it would take a gigabyte on a shared machine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.lean_ws import Viewers, raise_fd_limit
from bench.provision import provision
from bench.servers import HOST, clean_env, free_port, python_module, running
from bench.table import Row, Target

BENCH = "memory"
PER_VIEWER = Target("<=", 20_000.0, absolute=True)  # bytes, compression off
SETTLE_SECONDS = 2.0  # lets the server finish its handshakes' garbage before RSS is read
WARMUP_VIEWERS = 50


def counts(quick: bool) -> list[int]:
    return [1000] if quick else [1000, 10_000]


async def per_viewer(count: int, deflate: bool, workdir: Path) -> tuple[float, int]:
    """Bytes of server RSS per idle viewer, and the RSS with them connected."""
    tag = f"{count}-{'deflate' if deflate else 'plain'}"
    wall = await provision(workdir / f"memory-{tag}", moderation="pre")
    env = wall.env()
    env["WALL_WS_COMPRESSION"] = "true" if deflate else "false"
    env["WALL_LOG_LEVEL"] = "WARNING"  # 10,000 access-log lines would be measured too
    port = free_port()
    argv = python_module("wallserver", "serve", "--host", HOST, "--port", str(port))
    url = f"ws://{HOST}:{port}/ws/events/{wall.slug}/wall?since=0"
    async with running("wallserver", argv, port, clean_env(env), workdir / f"{tag}.log") as srv:
        warm = Viewers(WARMUP_VIEWERS, deflate)
        await warm.connect(url)
        await warm.close()
        await asyncio.sleep(SETTLE_SECONDS)
        before = srv.rss_bytes()
        viewers = Viewers(count, deflate)
        try:
            await viewers.connect(url, within=300)
            await asyncio.sleep(SETTLE_SECONDS)
            after = srv.rss_bytes()
        finally:
            await viewers.close()
    return (after - before) / count, after


async def run(sizes: list[int], workdir: Path) -> list[Row]:
    raise_fd_limit()
    rows: list[Row] = []
    for count in sizes:
        plain, rss = await per_viewer(count, False, workdir)
        rows.append(
            Row(BENCH, f"bytes per idle viewer, {count:,} viewers", plain, None, PER_VIEWER, 0)
        )
        rows.append(Row(BENCH, f"server RSS, {count:,} idle viewers (MiB)", rss / 2**20))
    smallest = min(sizes)
    deflated, rss = await per_viewer(smallest, True, workdir)
    rows.append(
        Row(BENCH, f"bytes per idle viewer, compression on, {smallest:,}", deflated, digits=0)
    )
    return rows
