"""What the benchmarks send: ingest bodies, and wall messages shaped like wallserver's.

The baseline broadcast server builds its messages here too, so both sides deliver messages of the
same shape, size and compressibility.
"""

from __future__ import annotations

import json
from typing import Any

SOURCE = "bench"
CREATED_AT = "2026-12-18T19:04:11Z"
GREETINGS = (
    "Greetings from table {n}! The band is great and the mulled wine even better.",
    "Team {n} says hello to everyone on the big screen, merry Christmas and see you next year!",
    "Who else is on the dance floor right now? Table {n} is, proud and a little tired.",
)


def text(n: int) -> str:
    return GREETINGS[n % len(GREETINGS)].format(n=n)


def author(n: int, avatar: bool = True) -> dict[str, str]:
    """An author; without ``avatar`` for ingest bodies: an avatar URL is fetched and re-hosted
    (network I/O, once per URL), which would measure the network, not the post path."""
    return {
        "name": f"Bench Guest {n}",
        "handle": f"@guest{n}",
        "avatar_url": f"https://example.org/avatars/{n}.png" if avatar else "",
    }


def ingest_body(source_id: str, n: int) -> dict[str, Any]:
    """A body for ``POST /api/events/{slug}/ingest`` (the contract's ingest shape)."""
    return {
        "source": SOURCE,
        "source_id": source_id,
        "author": author(n, avatar=False),
        "text": text(n),
        "media": [],
        "created_at": CREATED_AT,
        "url": f"https://example.org/posts/{source_id}",
    }


def wall_message(seq: int) -> str:
    """A ``post.show`` as wallserver serialises it (compact JSON), for the baseline server."""
    post = {
        "id": seq,
        "source": SOURCE,
        "author": author(seq),
        "text": text(seq),
        "media": [],
        "created_at": "2026-12-18T19:04:11.512000Z",
        "url": f"https://example.org/posts/p{seq}",
        "pinned": False,
    }
    body = {"type": "post.show", "seq": seq, "post": post}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
