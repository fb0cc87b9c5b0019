"""For operators: liveness, Prometheus metrics, and uploaded media files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from wallserver.api.deps import SettingsDep, StoreDep
from wallserver.errors import NotFound
from wallserver.media.storage import NAME as MEDIA_NAME
from wallserver.media.storage import content_type

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz(store: StoreDep) -> dict[str, Any]:
    async with store.db.read() as session:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return {"status": "ok"}


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


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
