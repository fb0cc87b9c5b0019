"""What the wall page needs besides its socket: posts fetched back by id, and its service worker.

A screen keeps at most a few hundred queued posts in full; during a long burst it keeps only the
ids of the rest and fetches them here when their turn comes (``frontend/static/wall/pacing.js``).
The service worker lets a screen that reloads while the server is unreachable show its last
posts (``frontend/static/wall/sw.js``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from wallserver.api.deps import MAX_ID, EventDep, StoreDep
from wallserver.digits import whole_number
from wallserver.errors import ValidationFailed
from wallserver.services import ServicesDep

router = APIRouter()

MAX_IDS = 100


@router.get("/api/events/{slug}/wall/posts")
async def wall_posts(
    event: EventDep, store: StoreDep, ids: Annotated[str, Query(max_length=1200)] = ""
) -> dict[str, Any]:
    """The approved posts among ``ids`` (comma-separated), as the wall stream shows them.

    Public, like the ``/live`` view: it shows nothing that is not on the wall already.
    """
    wanted = []
    for part in filter(None, ids.split(",")):
        number = whole_number(part, max_digits=10)
        if number is None or not 1 <= number <= MAX_ID:
            raise ValidationFailed("ids: comma-separated post ids")
        wanted.append(number)
    if len(wanted) > MAX_IDS:
        raise ValidationFailed(f"ids: at most {MAX_IDS} at a time")
    posts = await store.posts.on_wall(event.id, wanted)
    return {"posts": [p.wall_view() for p in posts]}


@router.get("/wall-sw.js", include_in_schema=False)
async def service_worker(services: ServicesDep) -> Response:
    """The wall's service worker, allowed to control every page (it only handles wall pages)."""
    return FileResponse(
        services.frontend / "static" / "wall" / "sw.js",
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )
