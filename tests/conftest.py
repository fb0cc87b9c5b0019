"""Shared fixtures: settings on SQLite (and PostgreSQL when configured), an app with its lifespan
running, an HTTP client, tokens for each role, and a real uvicorn server on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from wallserver.app import create_app
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store
from wallserver.stream.protocol import IMPORT_PATH

POSTGRES_URL = os.environ.get("WALL_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("WALL_TEST_REDIS_URL")
# Under pytest-xdist each worker gets its own secret, so the broker and claim namespaces derived
# from it keep two workers' tests (both on event "xmas") apart on the shared Redis and PostgreSQL.
SECRET = f"test-secret-key-0123456789abcdef-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
REQUIRE_ALL = os.environ.get("WALL_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under ``WALL_REQUIRE_ALL=1`` (CI) a skipped test is a failed test: every service is there."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under WALL_REQUIRE_ALL=1: {report.longrepr}"


def _postgres_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("WALL_TEST_POSTGRES_URL is not set (make test-all / .ci/run set it)")
    import psycopg

    schema = f"wall_{secrets.token_hex(6)}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _postgres_schema_url(POSTGRES_URL, schema)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("WALL_TEST_REDIS_URL is not set (make test-all / .ci/run set it)")
    return REDIS_URL


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, secret_key=SECRET, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for the embedded default: SQLite in a temporary data directory."""
    return make_settings(tmp_path / "data")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on each storage backend: storage and stream tests run on both."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        return make_settings(tmp_path / "data", database_url=url)
    return make_settings(tmp_path / "data")


@dataclass
class Wall:
    """A running app with one event and a token for each role."""

    app: FastAPI
    store: Store
    event: EventInfo
    tokens: dict[str, str]
    client: httpx.AsyncClient

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def ingest(self, source_id: str, text: str = "hello", **extra: object) -> httpx.Response:
        body = {"source": "test", "source_id": source_id, "text": text, **extra}
        return await self.client.post(
            f"/api/events/{self.event.slug}/ingest", json=body, headers=self.auth("ingest")
        )

    async def decide(self, post_id: int, action: str, version: int) -> httpx.Response:
        return await self.client.post(
            f"/api/posts/{post_id}/decision",
            json={"action": action, "version": version},
            headers=self.auth("moderator"),
        )


@contextlib.asynccontextmanager
async def instance(data_dir: Path, **overrides: object) -> AsyncIterator[FastAPI]:
    """One more app with its lifespan running (give two the same database and broker URLs to
    test several instances of one deployment)."""
    app = create_app(make_settings(data_dir, **overrides))
    async with app.router.lifespan_context(app):
        yield app


async def start_wall(app: FastAPI, moderation: str = "pre") -> Wall:
    store: Store = app.state.services.store
    event = await store.events.create("xmas", "Christmas Party", ["XmasParty", "Dabei"], moderation)
    tokens = {
        "admin": await store.auth.create_token("admin"),
        "moderator": await store.auth.create_token("moderator", event.id),
        "ingest": await store.auth.create_token("ingest", event.id),
        "display": await store.auth.create_token("display", event.id),
    }
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wall.test")
    return Wall(app, store, event, tokens, client)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def wall(app: FastAPI) -> AsyncIterator[Wall]:
    """The app on SQLite with a pre-moderated event ``xmas``."""
    w = await start_wall(app)
    async with w.client:
        yield w


@pytest.fixture
async def any_wall(any_settings: Settings) -> AsyncIterator[Wall]:
    """Like ``wall``, on each storage backend."""
    application = create_app(any_settings)
    async with application.router.lifespan_context(application):
        w = await start_wall(application)
        async with w.client:
            yield w


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    wall: Wall
    url: str
    port: int


async def serve(
    app: FastAPI, ws: str = IMPORT_PATH
) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws=ws
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task, port


@contextlib.asynccontextmanager
async def running(wall: Wall, ws: str = IMPORT_PATH) -> AsyncIterator[LiveServer]:
    """Serve ``wall.app`` on a real uvicorn (with our WebSocket protocol unless ``ws`` names
    another) until the block ends."""
    server, task, port = await serve(wall.app, ws)
    try:
        yield LiveServer(wall, f"http://127.0.0.1:{port}", port)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def live(wall: Wall) -> AsyncIterator[LiveServer]:
    """A real uvicorn serving ``wall.app`` on a free port, in this event loop."""
    async with running(wall) as server:
        yield server


@pytest.fixture
async def any_live(any_wall: Wall) -> AsyncIterator[LiveServer]:
    """Like ``live``, on each storage backend."""
    async with running(any_wall) as server:
        yield server
