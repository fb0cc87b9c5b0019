"""Operators' routes: /metrics and the API docs are for admins (the docs for anyone under
``WALL_PUBLIC_DOCS``), and every response, an unhandled error's 500 too, has the security
headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import Wall, make_settings, start_wall
from wallserver.app import create_app

DOCS = ("/docs", "/redoc", "/openapi.json")


async def test_metrics_and_docs_need_an_admin(wall: Wall) -> None:
    """Strangers get a 401 error, an admin token gets the page."""
    for path in (*DOCS, "/metrics"):
        anonymous = await wall.client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.json()["error"]["code"] == "unauthorized"
        assert (await wall.client.get(path, headers=wall.auth("admin"))).status_code == 200, path
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
    for path in DOCS:
        assert (await public_docs.client.get(path)).status_code == 200, path
    assert (await public_docs.client.get("/metrics")).status_code == 401


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
