"""Editing an event (``PATCH /api/events/{slug}``, ``wallserver event update``): the store's
change, then what follows the event's hashtags outside its own row.

The store changes the event and, in the same transaction, the sources that followed a dropped
tag (``EventStore.update``); the event cache is forgotten here and on the other instances. What
is left is other events' rules: a hijacked-hashtag rule made against this event's tags (it
holds posts carrying them, ``moderation/rulebook/content.py``) should hold the fixed tags, not
the typo. Each such rule set is saved as a new version in that event's rules audit trail,
under the actor who made the edit; one an admin saves meanwhile wins, and is looked at again.
"""

from __future__ import annotations

import logging

from moderation import RuleError, RuleSet
from moderation.rulebook.content import tag_key
from wallserver.errors import StaleVersion
from wallserver.posts.records import EventInfo
from wallserver.store import Store
from wallserver.store.events import EventEdit

log = logging.getLogger(__name__)


async def edit_event(
    store: Store,
    slug: str,
    actor: str,
    *,
    name: str | None = None,
    hashtags: list[str] | None = None,
    moderation: str | None = None,
) -> EventEdit:
    """Change the event and carry its new hashtags into other events' foreign-tag rules."""
    edit = await store.events.update(slug, name=name, hashtags=hashtags, moderation=moderation)
    if _keys(edit.before.hashtags) != _keys(edit.after.hashtags):
        await follow_in_other_rules(store, edit.before, edit.after, actor)
    return edit


async def follow_in_other_rules(
    store: Store, before: EventInfo, after: EventInfo, actor: str
) -> list[str]:
    """The slugs of the other events whose hijacked-hashtag rule now holds the new tags."""
    events = await store.events.all()
    changed: list[str] = []
    for other in events:
        if other.id == after.id:
            continue
        shared = [t for e in events if e.id not in (other.id, after.id) for t in e.hashtags]
        for _ in range(3):
            rules, version = await store.events.rules_state(other.id)
            try:
                current = RuleSet.from_dict(rules)
            except RuleError:  # stored before a validation existed: left for an admin to fix
                break
            renamed = current.with_foreign_renamed(
                before.hashtags, after.hashtags, other.hashtags, shared
            )
            if renamed == current:
                break
            try:
                await store.events.save_rules(other.slug, renamed.to_dict(), actor, version)
            except StaleVersion:
                continue
            changed.append(other.slug)
            break
    if changed:
        log.info("hashtags of %s followed in the rules of %s", after.slug, ", ".join(changed))
    return changed


def _keys(tags: list[str]) -> set[str]:
    return {tag_key(t) for t in tags}
