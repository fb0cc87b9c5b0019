"""Events: create (admin), read (public), list (admin), rules (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wallserver.api.deps import EventDep, StoreDep
from wallserver.auth.deps import AdminDep, ensure_event_scope
from wallserver.schemas import EventCreate, RulesUpdate

router = APIRouter(prefix="/api/events", tags=["events"])


@router.post("", status_code=201)
async def create_event(body: EventCreate, store: StoreDep, _: AdminDep) -> dict[str, Any]:
    event = await store.events.create(
        body.slug, body.name, body.hashtags, body.moderation, body.rules or None
    )
    return event.public()


@router.get("")
async def list_events(store: StoreDep, _: AdminDep) -> dict[str, Any]:
    return {"events": [e.public() for e in await store.events.all()]}


@router.get("/{slug}")
async def read_event(event: EventDep) -> dict[str, Any]:
    return event.public()


@router.get("/{slug}/rules")
async def read_rules(event: EventDep, principal: AdminDep) -> dict[str, Any]:
    ensure_event_scope(principal, event)
    return {"rules": event.rules}


@router.put("/{slug}/rules")
async def replace_rules(
    body: RulesUpdate, event: EventDep, store: StoreDep, principal: AdminDep
) -> dict[str, Any]:
    ensure_event_scope(principal, event)
    updated = await store.events.set_rules(event.slug, body.model_dump())
    return {"rules": updated.rules}
