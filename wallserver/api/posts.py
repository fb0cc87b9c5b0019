"""Posts for moderators: the queue and history, decisions, and one post's audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from moderation import RuleError, RuleSet, Status
from moderation.figures import Decided, per_moderator
from wallserver.api.deps import MAX_ID, EventDep, PipelineDep, RowId, StoreDep
from wallserver.auth.deps import ModeratorDep, ensure_event_scope
from wallserver.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from wallserver.posts.records import iso
from wallserver.schemas import AuthorBody, ClaimBody, DecisionBody, EditBody

router = APIRouter(tags=["posts"])
SEARCH_MAX = 200  # characters of a search in the queue and history
AUTHOR_ATTEMPTS = 5  # a trust or ban is re-applied to rules someone saved meanwhile


@router.get("/api/events/{slug}/posts")
async def list_posts(
    event: EventDep,
    store: StoreDep,
    principal: ModeratorDep,
    pipeline: PipelineDep,
    status: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    order: Literal["newest", "oldest"] = "newest",
    q: Annotated[str, Query(max_length=SEARCH_MAX)] = "",
) -> dict[str, Any]:
    """The queue and history, newest first; ``status`` takes one or more, comma-separated;
    ``q`` keeps the posts whose text, author name or handle contains it, in any case."""
    ensure_event_scope(principal, event)
    statuses = [s for s in (status or "").split(",") if s]
    unknown = set(statuses) - {s.value for s in Status}
    if unknown:
        raise ValidationFailed(f"unknown status: {', '.join(sorted(unknown))}")
    if "\x00" in q:
        raise ValidationFailed("q contains a NUL character")
    page = await store.posts.page(
        event.id, statuses, limit, cursor, oldest_first=order == "oldest", search=q
    )
    holders = await pipeline.claimed_by(event.id, [p.id for p in page.posts])
    return {
        "posts": [{**p.moderator_view(), "claimed_by": holders.get(p.id)} for p in page.posts],
        "next_cursor": page.next_cursor,
    }


@router.post("/api/posts/{post_id}/decision")
async def decide(
    post_id: RowId,
    body: DecisionBody,
    store: StoreDep,
    pipeline: PipelineDep,
    principal: ModeratorDep,
) -> dict[str, Any]:
    """Apply a moderator's action; 409 with the current post when ``version`` is stale."""
    post = await store.posts.get(post_id)
    ensure_event_scope(principal, await store.events.get_by_id(post.event_id))
    outcome = await pipeline.decide(
        post_id, body.action, body.version, principal.actor, body.reason
    )
    return outcome.post.moderator_view()


@router.get("/api/posts/{post_id}/history")
async def history(post_id: RowId, store: StoreDep, principal: ModeratorDep) -> dict[str, Any]:
    post = await store.posts.get(post_id)
    ensure_event_scope(principal, await store.events.get_by_id(post.event_id))
    return {
        "post": post.moderator_view(),
        "decisions": [
            {
                "actor": d.actor,
                "action": d.action,
                "from": d.from_status,
                "to": d.to_status,
                "pinned": d.to_pinned,
                "reason": d.reason,
                "at": iso(d.at),
            }
            for d in await store.posts.history(post_id)
        ],
    }


@router.post("/api/events/{slug}/claims")
async def claim(
    body: ClaimBody,
    event: EventDep,
    store: StoreDep,
    pipeline: PipelineDep,
    principal: ModeratorDep,
) -> dict[str, Any]:
    """Claim posts shown to this moderator (or renew the claims); others are told at once.
    Only this event's posts: a claim on another event's post id would hide nothing of theirs,
    but is refused so a console's mistake shows."""
    ensure_event_scope(principal, event)
    ours = await store.posts.of_event(event.id, body.post_ids)
    foreign = sorted(set(body.post_ids) - ours)
    if foreign:
        raise NotFound(f"not posts of this event: {', '.join(map(str, foreign[:10]))}")
    return await pipeline.claim(event, body.post_ids, principal.actor)


@router.post("/api/events/{slug}/claims/release")
async def release(
    body: ClaimBody, event: EventDep, pipeline: PipelineDep, principal: ModeratorDep
) -> dict[str, Any]:
    ensure_event_scope(principal, event)
    return {"released": await pipeline.release(event, body.post_ids, principal.actor)}


@router.get("/api/events/{slug}/figures")
async def figures(
    event: EventDep,
    store: StoreDep,
    principal: ModeratorDep,
    minutes: Annotated[int, Query(ge=1, le=1440)] = 10,
) -> dict[str, Any]:
    """Queue depth, posts per minute in and out, time to decision per moderator."""
    ensure_event_scope(principal, event)
    flow = await store.posts.flow(event.id, datetime.now(UTC) - timedelta(minutes=minutes))
    decided = [Decided(actor.split(":", 1)[-1], s) for actor, s in flow.first_decisions]
    return {
        "window_minutes": minutes,
        "queue_depth": flow.depth,
        "in_per_minute": round(flow.arrived / minutes, 1),
        "out_per_minute": round(flow.decided / minutes, 1),
        "moderators": per_moderator(decided),
    }


@router.post("/api/posts/{post_id}/author")
async def trust_or_ban_author(
    post_id: RowId, body: AuthorBody, store: StoreDep, principal: ModeratorDep
) -> dict[str, Any]:
    """Trust or ban the post's author for the event: the rules change (and are audited) at once;
    the post itself is decided separately."""
    post = await store.posts.get(post_id)
    event = await store.events.get_by_id(post.event_id)
    ensure_event_scope(principal, event)
    author = post.author_handle or post.author_name
    for _ in range(AUTHOR_ATTEMPTS):
        current, version = await store.events.rules_state(event.id)
        try:
            rules = RuleSet.from_dict(current).with_author(body.action, author)
        except RuleError as exc:
            raise ValidationFailed(str(exc)) from None
        try:
            saved = await store.events.save_rules(
                event.slug, rules.to_dict(), principal.actor, version
            )
        except StaleVersion:
            continue  # someone saved the rules meanwhile: add the author to theirs
        return {"rules": saved.rules, "version": saved.version}
    raise Conflict("the rules keep changing under this request; try again")


@router.post("/api/posts/{post_id}/edit")
async def edit(
    post_id: RowId, body: EditBody, store: StoreDep, pipeline: PipelineDep, principal: ModeratorDep
) -> dict[str, Any]:
    """Edit the caption and/or alt text; the original stays in ``original``; 409 when stale."""
    post = await store.posts.get(post_id)
    ensure_event_scope(principal, await store.events.get_by_id(post.event_id))
    outcome = await pipeline.edit(post_id, body.version, principal.actor, body.text, body.alt)
    return outcome.post.moderator_view()
