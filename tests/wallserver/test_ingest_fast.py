"""The bridges' hot path answers valid posts itself and hands everything else, body and all, to
the documented route."""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from tests.conftest import Wall
from wallserver.api.ingest_fast import IngestFastPath


class Downstream:
    """Stands in for the FastAPI app: records what reached it."""

    def __init__(self, app: Any) -> None:
        self.state = app.state
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(message.get("body", b""))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def post(app: Any, body: dict[str, Any], token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wall.test") as client:
        return await client.post(
            "/api/events/xmas/ingest", json=body, headers={"Authorization": f"Bearer {token}"}
        )


async def test_a_valid_post_is_stored_without_the_route(wall: Wall) -> None:
    """A valid post with an ingest token is answered 202 and stored; the route never runs."""
    downstream = Downstream(wall.app)
    fast = IngestFastPath(downstream)
    body = {"source": "test", "source_id": "f-1", "text": "fast"}
    reply = await post(_with_app(fast, wall), body, wall.tokens["ingest"])
    assert reply.status_code == 202
    assert downstream.bodies == []
    stored = await wall.store.posts.get(reply.json()["id"])
    assert (stored.text, stored.status) == ("fast", "pending")


async def test_anything_else_reaches_the_route_with_its_body(wall: Wall) -> None:
    """A display token, an unknown token and an invalid body all go to the route, body intact."""
    downstream = Downstream(wall.app)
    app = _with_app(IngestFastPath(downstream), wall)
    good = {"source": "test", "source_id": "f-2", "text": "x"}
    bad = {"source": "test", "text": "no source_id"}
    for body, token in (
        (good, wall.tokens["display"]),
        (good, "nope"),
        (bad, wall.tokens["ingest"]),
    ):
        assert (await post(app, body, token)).status_code == 299
    assert [json.loads(b) for b in downstream.bodies] == [good, good, bad]


def _with_app(fast: IngestFastPath, wall: Wall) -> Any:
    """The middleware as the server calls it: ``scope["app"]`` is the FastAPI app."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await fast({**scope, "app": wall.app}, receive, send)

    return app
