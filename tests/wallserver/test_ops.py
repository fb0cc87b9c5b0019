"""Operators' routes: /metrics and the API docs are for admins (the docs for anyone under
``WALL_PUBLIC_DOCS``), /docs is a reference page served whole from this server, every response,
an unhandled error's 500 too, has the security headers, and /readyz says 503 while the database
or the broker cannot be reached."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import SECRET, Wall, free_port, make_settings, start_wall
from tests.wallserver.markup import Element, parse
from wallserver.app import create_app
from wallserver.broker.memory import MemoryBroker
from wallserver.store import Store

DOCS = ("/docs", "/redoc", "/openapi.json")


async def test_metrics_and_docs_need_an_admin(wall: Wall) -> None:
    """Strangers get a 401 error, a moderator 403, an admin token gets the page (or, for
    /redoc, the way to /docs)."""
    for path in (*DOCS, "/metrics"):
        anonymous = await wall.client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.json()["error"]["code"] == "unauthorized"
        moderator = await wall.client.get(path, headers=wall.auth("moderator"))
        assert moderator.status_code == 403, path
        admin = await wall.client.get(path, headers=wall.auth("admin"))
        assert admin.status_code == (308 if path == "/redoc" else 200), path
    spec = await wall.client.get("/openapi.json", headers=wall.auth("admin"))
    assert "/api/events/{slug}/submissions" in spec.json()["paths"]
    metrics = await wall.client.get("/metrics", headers=wall.auth("admin"))
    assert metrics.headers["content-type"].startswith("text/plain")


@pytest.fixture
async def public_docs(tmp_path: Path) -> AsyncIterator[Wall]:
    app = create_app(make_settings(tmp_path / "data", public_docs=True))
    async with app.router.lifespan_context(app):
        w = await start_wall(app)
        async with w.client:
            yield w


async def test_public_docs_open_the_docs_but_not_the_metrics(public_docs: Wall) -> None:
    """WALL_PUBLIC_DOCS=true: the docs for anyone; /metrics still for admins."""
    for path in ("/docs", "/openapi.json"):
        assert (await public_docs.client.get(path)).status_code == 200, path
    redoc = await public_docs.client.get("/redoc", follow_redirects=True)
    assert redoc.status_code == 200
    assert redoc.url.path == "/docs"
    assert "API reference" in redoc.text
    assert (await public_docs.client.get("/metrics")).status_code == 401


def _operation(doc: Element, method: str, path: str) -> Element:
    """The card of ``method path`` on the reference page, found by its heading."""
    for heading in doc.all("h3"):
        if heading.text() == f"{method} {path}":
            return heading.ancestor("article")
    raise AssertionError(f"no {method} {path} on the page")


def _table(card: Element, caption: str) -> dict[str, list[str]]:
    """The rows of the card's table with this caption, by their first cell, as cell texts."""
    table = next(t for t in card.all("table") if t.one("caption").text() == caption)
    return {
        row.one("th").text(): [cell.text() for cell in row.all("td")]
        for row in table.one("tbody").all("tr")
    }


async def test_docs_is_a_reference_page_of_the_real_endpoints(wall: Wall) -> None:
    """An admin's /docs lists the endpoints by tag with who may call them, their parameters,
    body fields with types and limits, and responses; the schemas they name have anchors; the
    page loads nothing from another site, runs no script and links /openapi.json."""
    response = await wall.client.get("/docs", headers=wall.auth("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    doc = parse(response.text)
    assert doc.all("script") == []
    for element in doc.all():
        for attr in ("src", "href"):
            url = element.attrs.get(attr, "/")
            assert url.startswith(("/", "#")) and not url.startswith("//"), url
    assert doc.all("a", href="/openapi.json")

    ingest = _operation(doc, "POST", "/api/events/{slug}/ingest")
    assert ingest.ancestor("section").attrs["id"] == "tag-ingest"
    assert "Who: admin or ingest" in ingest.text()
    assert "One post from a bridge" in ingest.text()
    assert _table(ingest, "Parameters")["slug"][:3] == ["path", "string", "required"]
    fields = _table(ingest, "Request body fields")
    assert fields["source"][:2] == ["string", "required"]
    assert "length 1 to 32" in fields["source"][2]
    assert "pattern ^[a-z0-9][a-z0-9_.-]*$" in fields["source"][2]
    assert fields["media"][:2] == ["array of Media", "optional"]
    assert fields["created_at"][0] == "string (date-time) or null"
    replies = _table(ingest, "Responses")
    assert replies["202"][0] == "Successful Response"
    assert "422" in replies
    assert ingest.one("a", href="#schema-Media").text() == "Media"

    listing = _operation(doc, "GET", "/api/events/{slug}/posts")
    limit = _table(listing, "Parameters")["limit"]
    assert limit[:3] == ["query", "integer", "optional"]
    assert "value 1 to 200" in limit[3] and "default 50" in limit[3]
    assert "Who: admin or moderator" in listing.text()

    health = _operation(doc, "GET", "/healthz")
    assert health.ancestor("section").attrs["id"] == "tag-ops"
    assert "Who:" not in health.text()  # public: no role to name
    assert _table(health, "Responses")["200"][0] == "Successful Response"

    media = _table(doc.one(id="schema-Media"), "Fields of Media")
    assert media["url"][:2] == ["string", "required"]
    assert '"image", "video", "emoji"' in media["kind"][2]
    assert doc.all(id="schema-IngestBody")
    ids = {e.attrs["id"] for e in doc.all() if "id" in e.attrs}
    links = {e.attrs["href"][1:] for e in doc.all("a") if e.attrs.get("href", "").startswith("#")}
    assert links <= ids, links - ids  # every link within the page lands somewhere
    assert len(doc.all("article", class_="ref-op")) >= 40


async def test_an_unhandled_error_is_a_500_with_the_security_headers(app: FastAPI) -> None:
    """A bug's 500 is the JSON error shape, with CSP, nosniff and no framing, like any page."""

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://wall.test") as client:
        response = await client.get("/broken")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal", "message": "internal server error"}}
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_readyz_answers_ready_for_anyone(wall: Wall) -> None:
    """Database and broker up: 200 without a token, saying which checks passed."""
    response = await wall.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("where", ["postgres", "sqlite"])
async def test_readyz_fails_when_the_database_is_unreachable(
    wall: Wall, tmp_path: Path, where: str
) -> None:
    """A PostgreSQL nobody listens for, or a SQLite file whose directory is gone: 503, naming
    the database and leaking neither the address nor the error."""
    url = {
        "postgres": f"postgresql+psycopg://wall:pw@127.0.0.1:{free_port()}/wall",
        "sqlite": f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'wall.sqlite3'}",
    }[where]
    services = wall.app.state.services
    down = Store(create_async_engine(url), SECRET)
    wall.app.state.services = dataclasses.replace(services, store=down)
    try:
        response = await wall.client.get("/readyz")
    finally:
        wall.app.state.services = services
        await down.close()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "broker": "ok"},
    }
    assert "127.0.0.1" not in response.text and "gone" not in response.text


class DownBroker(MemoryBroker):
    """A broker whose connection is lost."""

    async def ping(self) -> None:
        raise ConnectionError("connection refused")


async def test_readyz_fails_when_the_broker_is_unreachable(wall: Wall) -> None:
    """The broker down: 503 naming the broker; liveness still answers (the process is fine)."""
    services = wall.app.state.services
    wall.app.state.services = dataclasses.replace(services, broker=DownBroker())
    try:
        response = await wall.client.get("/readyz")
        health = await wall.client.get("/healthz")
    finally:
        wall.app.state.services = services
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable"}
    assert health.status_code == 200


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ],
)
async def test_readyz_on_the_network_brokers(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> None:
    """With Redis or PostgreSQL as the broker (and PostgreSQL as the database), ready; a
    PostgreSQL broker whose listening connection is lost is not, until it listens again."""
    url = request.getfixturevalue(f"{kind}_url")
    database = url if kind == "postgres" else None
    app = create_app(make_settings(tmp_path / "data", broker_url=url, database_url=database))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://wall.test") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
            if kind == "postgres":
                broker = app.state.services.broker
                listener = broker._listener
                broker._listener = None  # what its reader does when the connection drops
                lost = await client.get("/readyz")
                broker._listener = listener
                assert lost.status_code == 503
                assert lost.json()["checks"]["broker"] == "unavailable"


async def test_a_database_that_went_away_is_a_503_to_retry(wall: Wall) -> None:
    """PostgreSQL restarting (nobody listening): a bridge's ingest and an API read get 503
    "unavailable" with Retry-After and the JSON error shape, not a 500; nothing leaks."""
    url = f"postgresql+psycopg://wall:pw@127.0.0.1:{free_port()}/wall"
    services = wall.app.state.services
    down = Store(create_async_engine(url), SECRET)
    wall.app.state.services = dataclasses.replace(services, store=down)
    try:
        ingest = await wall.ingest("p1", "hello")
        read = await wall.client.get("/api/events/xmas")
    finally:
        wall.app.state.services = services
        await down.close()
    for response in (ingest, read):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert response.json()["error"]["code"] == "unavailable"
        assert "127.0.0.1" not in response.text and "psycopg" not in response.text
    assert (await wall.ingest("p1", "hello")).status_code == 202  # back: the retry goes in
