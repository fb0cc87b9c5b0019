"""For operators: liveness, readiness, Prometheus metrics, the API reference, and uploaded media.

``/healthz`` (the process answers and reads its database) and ``/readyz`` (database and broker
reachable, else 503) are for anyone: load balancers and orchestrators call them without a
token, so they say which check failed and nothing else (no error text, no version).

``/metrics`` and the API docs (``/docs``, ``/redoc``, ``/openapi.json``) need an admin session
or bearer token: they tell a stranger the server's load, routes and version. ``WALL_PUBLIC_DOCS``
opens the docs to anyone. FastAPI's own doc routes are switched off (:data:`NO_DEFAULT_DOCS`)
and served here instead, behind that check.

``/docs`` is a page rendered on the server (``reference.html``) from ``app.openapi()``, with no
script: FastAPI's Swagger UI and ReDoc pages load their code from a CDN, which our CSP blocks and
a venue's offline network cannot reach, and the Swagger UI on PyPI is too old for OpenAPI 3.1.
Its model (:mod:`wallserver.api.reference`) is built once per app and kept while the app's
schema is the same object. ``/redoc`` redirects there (308), behind the same check.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from wallserver.api.deps import SettingsDep, StoreDep
from wallserver.api.pages import page
from wallserver.api.reference import Reference, build, route_roles
from wallserver.auth.deps import AdminDep, require
from wallserver.errors import NotFound
from wallserver.media.storage import NAME as MEDIA_NAME
from wallserver.media.storage import content_type
from wallserver.services import ServicesDep, services
from wallserver.store import Store

log = logging.getLogger(__name__)
router = APIRouter(tags=["ops"])
READY_SECONDS = 2.0  # a check slower than this counts as down: probes time out at a few seconds

NO_DEFAULT_DOCS: dict[str, Any] = {"docs_url": None, "redoc_url": None, "openapi_url": None}
OPENAPI_URL = "/openapi.json"
_admin = require("admin")


async def docs_reader(request: Request) -> None:
    """Admins, or anyone under ``WALL_PUBLIC_DOCS=true``."""
    if not services(request).settings.public_docs:
        await _admin(request)


DocsReader = Annotated[None, Depends(docs_reader)]


@router.get("/healthz")
async def healthz(store: StoreDep) -> dict[str, Any]:
    async with store.db.read() as session:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "database or broker unreachable"}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready for traffic: the database answers a query and the broker is connected."""
    checks = {
        "database": await _check("database", _select_one(services.store)),
        "broker": await _check("broker", services.broker.ping()),
    }
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )


async def _select_one(store: Store) -> None:
    async with store.db.read() as session:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]


async def _check(name: str, probe: Awaitable[None]) -> str:
    try:
        async with asyncio.timeout(READY_SECONDS):
            await probe
    except Exception:
        log.warning("readiness: the %s is unreachable", name, exc_info=True)
        return "unavailable"
    return "ok"


@router.get("/metrics")
async def metrics(services: ServicesDep, admin: AdminDep) -> Response:
    """Prometheus text; scrape with an admin token (``Authorization: Bearer ...``)."""
    await services.metrics.refresh(services.store, services.supervisor)
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


# HEAD too: a wall's service worker asks whether a file it keeps offline was deleted since
# (a withdrawn post), without fetching it again (frontend/static/wall/sw.js, "sweep").
@router.get("/media/{name}")
@router.head("/media/{name}", include_in_schema=False)
async def media(name: str, settings: SettingsDep) -> FileResponse:
    path = settings.media_dir / name
    if not MEDIA_NAME.match(name) or not path.is_file():
        raise NotFound("no such file")
    return FileResponse(
        path,
        media_type=content_type(name),
        # Content-addressed, so never stale; only JPEGs and WebPs we encoded ourselves and videos
        # whose container we checked are served, each with the type its name says.
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Disposition": "inline",
            "Cross-Origin-Resource-Policy": "same-site",
        },
    )


@router.get(OPENAPI_URL, include_in_schema=False)
async def openapi(request: Request, reader: DocsReader) -> JSONResponse:
    return JSONResponse(request.app.openapi())


# Per app: the schema the reference was built from, and the reference.
_references: weakref.WeakKeyDictionary[FastAPI, tuple[dict[str, Any], Reference]] = (
    weakref.WeakKeyDictionary()
)


def api_reference(app: FastAPI) -> Reference:
    """The reference page's model of ``app``, built on first use (FastAPI caches the schema)."""
    spec = app.openapi()
    cached = _references.get(app)
    if cached is None or cached[0] is not spec:
        cached = (spec, build(spec, route_roles(app)))
        _references[app] = cached
    return cached[1]


@router.get("/docs", include_in_schema=False)
async def docs(request: Request, reader: DocsReader) -> Response:
    """The API reference: every endpoint by tag, then the schemas they name."""
    return page(request, "reference.html", ref=api_reference(request.app), openapi_url=OPENAPI_URL)


@router.get("/redoc", include_in_schema=False)
async def redoc(reader: DocsReader) -> Response:
    """The ReDoc page is gone (see the module docstring); old bookmarks land on ``/docs``."""
    return RedirectResponse("/docs", status_code=308)
