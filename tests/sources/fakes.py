"""Fake network servers speaking the real wire protocols, on a local port, with scripted trouble."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.conftest import serve

CLOSE = "\x00close"


def status(n: int, tag: str = "xmas", host: str = "fake.social") -> dict[str, Any]:
    """A Mastodon ``Status`` numbered ``n``, with its uri on ``host``."""
    return {
        "id": str(n),
        "created_at": "2026-12-24T18:30:00.000Z",
        "spoiler_text": "",
        "uri": f"https://{host}/users/u{n}/statuses/{n}",
        "url": f"https://{host}/@u{n}/{n}",
        "content": f"<p>post {n} <a href='https://{host}/tags/{tag}'>#<span>{tag}</span></a></p>",
        "account": {
            "id": str(n),
            "username": f"u{n}",
            "acct": f"u{n}",
            "display_name": "",
            "url": f"https://{host}/@u{n}",
            "avatar": "",
            "avatar_static": "",
        },
        "media_attachments": [],
        "tags": [{"name": tag, "url": f"https://{host}/tags/{tag}"}],
        "emojis": [],
        "reblog": None,
    }


@dataclass
class FakeMastodon:
    """Tag timeline, SSE hashtag stream and single statuses. ``faults`` are answers given before
    the real ones (timeline); ``status_fault`` answers every ``GET /api/v1/statuses/:id``."""

    statuses: list[dict[str, Any]] = field(default_factory=list)
    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    status_fault: int | None = None
    streamed: dict[str, dict[str, Any]] = field(default_factory=dict)  # statuses sent live
    requests: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    streams: list[asyncio.Queue[str]] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    closing: bool = False

    async def timeline(self, request: Request) -> Response:
        self.requests.append((time.monotonic(), "timeline", dict(request.query_params)))
        if self.faults:
            code, headers = self.faults.pop(0)
            return JSONResponse({"error": "trouble"}, status_code=code, headers=headers)
        limit = int(request.query_params.get("limit", 20))
        ordered = sorted(self.statuses, key=lambda s: int(s["id"]))
        min_id = request.query_params.get("min_id")
        if min_id is not None:
            page = [s for s in ordered if int(s["id"]) > int(min_id)][:limit]
        else:
            page = ordered[-limit:]
        return JSONResponse(list(reversed(page)))

    async def stream(self, request: Request) -> Response:
        self.requests.append((time.monotonic(), "stream", dict(request.query_params)))
        if self.closing:  # shutting down: refuse new streams so the server can stop
            return Response(status_code=503)
        queue: asyncio.Queue[str] = asyncio.Queue()
        self.streams.append(queue)

        async def body() -> AsyncIterator[bytes]:
            yield b":)\n\n"
            self.connected.set()
            try:
                while (chunk := await queue.get()) != CLOSE:
                    yield chunk.encode()
            finally:
                self.streams.remove(queue)
                self.connected.clear()

        return StreamingResponse(body(), media_type="text/event-stream")

    async def one_status(self, request: Request) -> Response:
        """``GET /api/v1/statuses/:id``: the Status entity, or 404 once it is deleted."""
        local = request.path_params["id"]
        self.requests.append((time.monotonic(), "status", {"id": local}))
        if self.status_fault is not None:
            return JSONResponse({"error": "trouble"}, status_code=self.status_fault)
        found = {s["id"]: s for s in self.statuses} | self.streamed
        if local not in found:
            return JSONResponse({"error": "Record not found"}, status_code=404)
        return JSONResponse(found[local])

    def delete(self, n: int, *, stream: bool = True) -> None:
        """The author deletes status ``n``; the stream says so only if ``stream``."""
        self.statuses = [s for s in self.statuses if s["id"] != str(n)]
        self.streamed.pop(str(n), None)
        if stream:
            self.send("delete", str(n))

    def send(self, event: str, data: str) -> None:
        if event in ("update", "status.update"):
            with contextlib.suppress(ValueError, KeyError, TypeError):
                sent = json.loads(data)
                self.streamed[str(sent["id"])] = sent
        for queue in self.streams:
            queue.put_nowait(f"event: {event}\ndata: {data}\n\n")

    def raw(self, chunk: str) -> None:
        for queue in self.streams:
            queue.put_nowait(chunk)

    def drop(self) -> None:
        """End every open stream, as a dropped connection or an instance restart would."""
        for queue in list(self.streams):
            queue.put_nowait(CLOSE)

    def post(self, n: int, *, stream: bool = True) -> dict[str, Any]:
        s = status(n)
        self.statuses.append(s)
        if stream:
            self.send("update", json.dumps(s))
        return s

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/timelines/tag/{tag}", self.timeline),
                Route("/api/v1/streaming/hashtag", self.stream),
                Route("/api/v1/statuses/{id}", self.one_status),
            ]
        )


@contextlib.asynccontextmanager
async def running(fake: FakeMastodon) -> AsyncIterator[FakeMastodon]:
    server, task, port = await serve(fake.app())  # type: ignore[arg-type]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        fake.closing = True
        fake.drop()
        server.should_exit = True
        await task


@dataclass
class FakeBlueskyPosts:
    """The AppView's ``app.bsky.feed.getPosts``: a PostView for each asked uri that exists
    (left out when deleted, as the real one does); ``fault`` answers every call instead."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # at:// uri -> record
    fault: int | None = None
    asked: list[list[str]] = field(default_factory=list)

    async def get_posts(self, request: Request) -> Response:
        uris = request.query_params.getlist("uris")
        self.asked.append(uris)
        if self.fault is not None:
            return JSONResponse({"error": "InternalServerError"}, status_code=self.fault)
        if len(uris) > 25:
            return JSONResponse({"error": "InvalidRequest"}, status_code=400)
        return JSONResponse({"posts": [self.view(u) for u in uris if u in self.records]})

    def view(self, uri: str) -> dict[str, Any]:
        did = uri.removeprefix("at://").split("/")[0]
        record = self.records[uri]
        return {
            "uri": uri,
            "cid": "bafyreifake",
            "author": {"did": did, "handle": "ann.bsky.social", "displayName": "Ann"},
            "record": record,
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "indexedAt": record.get("createdAt", ""),
            "labels": [],
        }

    def routes(self) -> list[Route]:
        return [Route("/xrpc/app.bsky.feed.getPosts", self.get_posts)]


@dataclass
class FakeMedia:
    """A media CDN: serves ``files`` by name, counts every request, 404 for the rest."""

    files: dict[str, bytes] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    url: str = ""

    async def serve_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.hits.append(name)
        if name not in self.files:
            return Response(b"gone", status_code=404)
        return Response(self.files[name], media_type="application/octet-stream")

    def routes(self) -> list[Route]:
        return [Route("/files/{name}", self.serve_file)]

    def add(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.url}/files/{name}"


@contextlib.asynccontextmanager
async def media_server(fake: FakeMedia) -> AsyncIterator[FakeMedia]:
    server, task, port = await serve(Starlette(routes=fake.routes()))  # type: ignore[arg-type]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        await task


def jpeg(size: tuple[int, int] = (320, 240), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A JPEG whose EXIF carries a description a re-encode must not keep."""
    from PIL import Image

    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010E] = "secret-location-marker"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
