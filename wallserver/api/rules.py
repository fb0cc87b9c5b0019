"""An event's rules (admins): read, replace (with a version check), the audit trail, a dry run,
and the other events' hashtags for the hijacked-hashtag rule."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from moderation import RuleError, RuleSet
from moderation.rulebook.content import foreign_tags, tag_key
from wallserver.api.deps import StoreDep
from wallserver.auth.deps import AdminEvent
from wallserver.dryrun import dry_run
from wallserver.errors import ValidationFailed
from wallserver.schemas import RulesUpdate

router = APIRouter(prefix="/api/events/{slug}/rules", tags=["rules"])


@router.get("")
async def read_rules(scope: AdminEvent, store: StoreDep) -> dict[str, Any]:
    """The rules and their version, to send back with a change. Always in the chain shape, even
    for an event created with the original three lists, so an editor can add any rule to it."""
    event = scope.event
    rules, version = await store.events.rules_state(event.id)
    try:
        rules = RuleSet.from_dict(rules).to_dict()
    except RuleError:
        pass  # stored before a validation was added: shown as it is, so it can be fixed
    return {"rules": rules, "version": version}


@router.put("")
async def replace_rules(body: RulesUpdate, scope: AdminEvent, store: StoreDep) -> dict[str, Any]:
    """Replace the rules. With ``version`` (as read), a save made meanwhile by someone else is a
    409 that names it, instead of being overwritten."""
    event, principal = scope.event, scope.principal
    rules = checked_rules(body.rules()).to_dict()
    saved = await store.events.save_rules(event.slug, rules, principal.actor, body.version)
    return {"rules": saved.rules, "version": saved.version}


@router.get("/history")
async def rules_history(scope: AdminEvent, store: StoreDep) -> dict[str, Any]:
    """Every saved rule set, newest first: the rules' audit trail."""
    event = scope.event
    return {"changes": [asdict(c) for c in await store.events.rule_history(event.id)]}


@router.post("/dry-run")
async def rules_dry_run(body: RulesUpdate, scope: AdminEvent, store: StoreDep) -> dict[str, Any]:
    """How the proposed rules would decide the queue and the last 500 posts; nothing is saved."""
    event = scope.event
    return await dry_run(store, event, checked_rules(body.rules()))


@router.post("/foreign-hashtags")
async def add_foreign_hashtags(
    body: RulesUpdate, scope: AdminEvent, store: StoreDep
) -> dict[str, Any]:
    """The proposed rules with the hashtags of this server's other events added to the
    hijacked-hashtag rule (made when missing), so nobody has to type them; nothing is saved.
    Tags this event shares with another are left out."""
    event = scope.event
    proposal = checked_rules(body.rules())
    others = [tag for e in await store.events.all() if e.id != event.id for tag in e.hashtags]
    tags = foreign_tags(event.hashtags, others)
    known = {tag_key(t) for t in proposal.foreign_hashtags}
    try:
        rules = proposal.with_foreign_hashtags(tags)
    except RuleError as exc:
        raise ValidationFailed(f"rules: {exc}") from None
    return {
        "hashtags": tags,
        "added": [t for t in tags if tag_key(t) not in known],
        "rules": rules.to_dict(),
    }


def checked_rules(data: dict[str, Any]) -> RuleSet:
    """A rule set from a request body; anything invalid (a bad regex, an unknown rule) is a 422
    whose message says what to fix."""
    try:
        return RuleSet.from_dict(data)
    except RuleError as exc:
        raise ValidationFailed(f"rules: {exc}") from None
