"""For operators: liveness, Prometheus metrics, the API docs, and uploaded media files.

``/metrics`` and the API docs (``/docs``, ``/redoc``, ``/openapi.json``) need an admin session
or bearer token: they tell a stranger the server's load, routes and version. ``WALL_PUBLIC_DOCS``
opens the docs to anyone. FastAPI's own doc routes are switched off (:data:`NO_DEFAULT_DOCS`)
and served here instead, behind that check.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from wallserver.api.deps import SettingsDep, StoreDep
from wallserver.auth.deps import AdminDep, require
from wallserver.errors import NotFound
from wallserver.media.storage import NAME as MEDIA_NAME
from wallserver.media.storage import content_type
from wallserver.services import ServicesDep, services

router = APIRouter(tags=["ops"])

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


@router.get("/metrics")
async def metrics(services: ServicesDep, admin: AdminDep) -> Response:
    """Prometheus text; scrape with an admin token (``Authorization: Bearer ...``)."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/media/{name}")
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


@router.get("/docs", include_in_schema=False)
async def swagger(request: Request, reader: DocsReader) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{request.app.title} API")


@router.get("/redoc", include_in_schema=False)
async def redoc(request: Request, reader: DocsReader) -> HTMLResponse:
    return get_redoc_html(openapi_url=OPENAPI_URL, title=f"{request.app.title} API")
