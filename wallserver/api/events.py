"""Events: create (admin), read (public), list (admin), rules (admin)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from moderation import RuleError, RuleSet
from wallserver.api.deps import EventDep, PipelineDep, StoreDep
from wallserver.auth.deps import AdminDep, ModeratorDep, ensure_event_scope
from wallserver.dryrun import dry_run
from wallserver.errors import Forbidden, ValidationFailed
from wallserver.schemas import EventCreate, KillBody, RulesUpdate
from wallserver.store import Principal

router = APIRouter(prefix="/api/events", tags=["events"])


@router.post("", status_code=201)
async def create_event(body: EventCreate, store: StoreDep, principal: AdminDep) -> dict[str, Any]:
    ensure_unscoped(principal)
    rules = checked_rules(body.rules).to_dict() if body.rules else None
    event = await store.events.create(body.slug, body.name, body.hashtags, body.moderation, rules)
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


@router.get("/{slug}/rules")
async def read_rules(event: EventDep, principal: AdminDep) -> dict[str, Any]:
    ensure_event_scope(principal, event)
    return {"rules": event.rules}


@router.put("/{slug}/rules")
async def replace_rules(
    body: RulesUpdate, event: EventDep, store: StoreDep, principal: AdminDep
) -> dict[str, Any]:
    ensure_event_scope(principal, event)
    rules = checked_rules(body.rules()).to_dict()
    updated = await store.events.set_rules(event.slug, rules, principal.actor)
    return {"rules": updated.rules}


@router.get("/{slug}/rules/history")
async def rules_history(event: EventDep, store: StoreDep, principal: AdminDep) -> dict[str, Any]:
    """Every saved rule set, newest first: the rules' audit trail."""
    ensure_event_scope(principal, event)
    return {"changes": [asdict(c) for c in await store.events.rule_history(event.id)]}


@router.post("/{slug}/rules/dry-run")
async def rules_dry_run(
    body: RulesUpdate, event: EventDep, store: StoreDep, principal: AdminDep
) -> dict[str, Any]:
    """How the proposed rules would decide the queue and the last 500 posts; nothing is saved."""
    ensure_event_scope(principal, event)
    return await dry_run(store, event, checked_rules(body.rules()))


@router.post("/{slug}/kill")
async def kill_switch(
    event: EventDep, pipeline: PipelineDep, principal: ModeratorDep, body: KillBody | None = None
) -> dict[str, Any]:
    """Pause (blank) every screen of the event at once, or resume them with ``paused: false``."""
    ensure_event_scope(principal, event)
    paused = body.paused if body is not None else True
    return {"paused": paused, "seq": await pipeline.pause(event, paused)}


@router.get("/{slug}/kill")
async def kill_state(event: EventDep, store: StoreDep, principal: ModeratorDep) -> dict[str, Any]:
    ensure_event_scope(principal, event)
    return {"paused": await store.wall.paused(event.id)}


def checked_rules(data: dict[str, Any]) -> RuleSet:
    """A rule set from a request body; anything invalid (a bad regex, an unknown rule) is a 422
    whose message says what to fix."""
    try:
        return RuleSet.from_dict(data)
    except RuleError as exc:
        raise ValidationFailed(f"rules: {exc}") from None
