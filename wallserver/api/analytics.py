"""The swarm in numbers: an event's figures as JSON and CSV, and the team's ambassador list.

Event staff (admins, and moderators of the event) read the figures, live or after the event;
only admins change who counts as an ambassador.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from wallserver.analytics.export import to_csv
from wallserver.analytics.people import handle_key
from wallserver.analytics.report import report, trusted_authors
from wallserver.api.deps import StoreDep
from wallserver.auth.deps import AdminEvent, ModeratedEvent
from wallserver.schemas import Strict
from wallserver.store import EventInfo, Store

router = APIRouter(prefix="/api/events/{slug}", tags=["analytics"])

MAX_AMBASSADORS = 1000
# minutes after an ambassador's post in which a guest's first post counts as set off by it
Window = Annotated[int, Query(ge=1, le=240)]


class AmbassadorList(Strict):
    handles: list[Annotated[str, Field(max_length=200)]] = Field(max_length=MAX_AMBASSADORS)


async def figures(store: Store, event: EventInfo, window: int) -> dict[str, Any]:
    listed = [*trusted_authors(event.rules), *await store.analytics.ambassadors(event.id)]
    got = await store.analytics.gather(event.id, listed)
    return report(event.slug, got, listed, window)


@router.get("/analytics")
async def analytics(scope: ModeratedEvent, store: StoreDep, window: Window = 10) -> dict[str, Any]:
    """Every figure of the event, computed now (docs/analytics.md says what each one means)."""
    return await figures(store, scope.event, window)


@router.get("/analytics.csv")
async def analytics_csv(scope: ModeratedEvent, store: StoreDep, window: Window = 10) -> Response:
    """The same figures as one long CSV table (section, key, detail, value)."""
    body = to_csv(await figures(store, scope.event, window))
    name = f"{scope.event.slug}-analytics.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/ambassadors")
async def read_ambassadors(scope: ModeratedEvent, store: StoreDep) -> dict[str, Any]:
    """The ambassadors: the handles the team listed, and the trusted authors of the rules."""
    event = scope.event
    return {
        "handles": await store.analytics.ambassadors(event.id),
        "trusted_authors": sorted(set(trusted_authors(event.rules))),
    }


@router.put("/ambassadors")
async def replace_ambassadors(
    body: AmbassadorList, scope: AdminEvent, store: StoreDep
) -> dict[str, Any]:
    """Replace the team's list (handles as posts give them; ``@`` and case do not matter)."""
    handles = sorted({handle_key(h) for h in body.handles} - {""})
    saved = await store.analytics.set_ambassadors(scope.event.id, handles)
    return {"handles": saved, "trusted_authors": sorted(set(trusted_authors(scope.event.rules)))}
