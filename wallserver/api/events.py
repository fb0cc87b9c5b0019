"""Events: create, edit (admin), read (public), list (admin); the lifecycle (admin, see
``wallserver/lifecycle.py``); the kill switch (moderators).

An event's rules have their own router, ``rules.py``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wallserver.api.deps import EventDep, PipelineDep, StoreDep
from wallserver.api.rules import checked_rules
from wallserver.auth.deps import AdminDep, AdminEvent, ModeratedEvent
from wallserver.errors import Forbidden, ValidationFailed
from wallserver.events import edit_event
from wallserver.posts.lifecycle import EventLifecycle
from wallserver.schemas import EventCreate, EventUpdate, KillBody, LifecycleBody, RetentionBody
from wallserver.services import ServicesDep
from wallserver.store import Principal

router = APIRouter(prefix="/api/events", tags=["events"])


@router.post("", status_code=201)
async def create_event(body: EventCreate, store: StoreDep, principal: AdminDep) -> dict[str, Any]:
    ensure_unscoped(principal)
    rules = checked_rules(body.rules).to_dict() if body.rules else None
    event = await store.events.create(
        body.slug, body.name, body.hashtags, body.moderation, rules, body.state
    )
    return event.public()


@router.get("")
async def list_events(store: StoreDep, principal: AdminDep) -> dict[str, Any]:
    ensure_unscoped(principal)
    return {"events": [e.public() for e in await store.events.all()]}


def ensure_unscoped(principal: Principal) -> None:
    """Creating and listing events concern every event: a token made for one may not."""
    if principal.event_id is not None:
        raise Forbidden("this token belongs to one event; use an admin token without --event")


@router.get("/{slug}")
async def read_event(event: EventDep) -> dict[str, Any]:
    return event.public()


@router.patch("/{slug}")
async def update_event(
    body: EventUpdate, scope: AdminEvent, services: ServicesDep
) -> dict[str, Any]:
    """Fix the name, the hashtags or the moderation mode (``wallserver/events.py``). Pages
    (open walls reload), rules and the event's sources follow at once (sources run by another
    instance at its supervisor's next round); the mode applies to posts arriving from now on."""
    edit = await edit_event(
        services.store,
        scope.event.slug,
        scope.principal.actor,
        name=body.name,
        hashtags=body.hashtags,
        moderation=body.moderation,
    )
    await services.hub.publish(edit.messages)
    services.supervisor.wake()
    return edit.after.public()


@router.post("/{slug}/state")
async def change_state(
    body: LifecycleBody, scope: AdminEvent, services: ServicesDep
) -> dict[str, Any]:
    """Move the event through its lifecycle and/or set its closing message; 409 for a move
    the lifecycle does not allow."""
    if body.state is None and body.closing is None:
        raise ValidationFailed("give a state, a closing message or both")
    lifecycle = EventLifecycle(services.withdrawals, services.supervisor)
    done = await lifecycle.change(scope.event, body.state, body.closing, scope.principal.actor)
    return {**done.event.public(), "withdrawn": len(done.withdrawn)}


@router.put("/{slug}/retention")
async def set_retention(
    body: RetentionBody, scope: AdminEvent, services: ServicesDep
) -> dict[str, Any]:
    """Set the event's own retention (docs/operations.md#retention); ``wallserver purge
    --expired`` applies it once that many days have passed since the event ended."""
    event = await services.store.events.set_retention(scope.event.slug, body.days)
    return event.public()


@router.post("/{slug}/kill")
async def kill_switch(
    scope: ModeratedEvent, pipeline: PipelineDep, body: KillBody | None = None
) -> dict[str, Any]:
    """Pause (blank) every screen of the event at once, or resume them with ``paused: false``."""
    event = scope.event
    paused = body.paused if body is not None else True
    return {"paused": paused, "seq": await pipeline.pause(event, paused)}


@router.get("/{slug}/kill")
async def kill_state(scope: ModeratedEvent, store: StoreDep) -> dict[str, Any]:
    paused, seq = await store.wall.kill_state(scope.event.id)
    return {"paused": paused, "seq": seq}
