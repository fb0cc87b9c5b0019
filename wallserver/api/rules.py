"""An event's rules (admins): read, replace (with a version check), the audit trail, a dry run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from moderation import RuleError, RuleSet
from wallserver.api.deps import EventDep, StoreDep
from wallserver.auth.deps import AdminDep, ensure_event_scope
from wallserver.dryrun import dry_run
from wallserver.errors import ValidationFailed
from wallserver.schemas import RulesUpdate

router = APIRouter(prefix="/api/events/{slug}/rules", tags=["rules"])


@router.get("")
async def read_rules(event: EventDep, store: StoreDep, principal: AdminDep) -> dict[str, Any]:
    """The rules and their version, to send back with a change."""
    ensure_event_scope(principal, event)
    rules, version = await store.events.rules_state(event.id)
    return {"rules": rules, "version": version}


@router.put("")
async def replace_rules(
    body: RulesUpdate, event: EventDep, store: StoreDep, principal: AdminDep
) -> dict[str, Any]:
    """Replace the rules. With ``version`` (as read), a save made meanwhile by someone else is a
    409 that names it, instead of being overwritten."""
    ensure_event_scope(principal, event)
    rules = checked_rules(body.rules()).to_dict()
    saved = await store.events.save_rules(event.slug, rules, principal.actor, body.version)
    return {"rules": saved.rules, "version": saved.version}


@router.get("/history")
async def rules_history(event: EventDep, store: StoreDep, principal: AdminDep) -> dict[str, Any]:
    """Every saved rule set, newest first: the rules' audit trail."""
    ensure_event_scope(principal, event)
    return {"changes": [asdict(c) for c in await store.events.rule_history(event.id)]}


@router.post("/dry-run")
async def rules_dry_run(
    body: RulesUpdate, event: EventDep, store: StoreDep, principal: AdminDep
) -> dict[str, Any]:
    """How the proposed rules would decide the queue and the last 500 posts; nothing is saved."""
    ensure_event_scope(principal, event)
    return await dry_run(store, event, checked_rules(body.rules()))


def checked_rules(data: dict[str, Any]) -> RuleSet:
    """A rule set from a request body; anything invalid (a bad regex, an unknown rule) is a 422
    whose message says what to fix."""
    try:
        return RuleSet.from_dict(data)
    except RuleError as exc:
        raise ValidationFailed(f"rules: {exc}") from None
