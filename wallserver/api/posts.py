"""Posts for moderators: the queue and history, decisions, and one post's audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from moderation import RuleError, RuleSet, Status
from moderation.figures import Decided, per_moderator
from wallserver.api.deps import MAX_ID, PipelineDep, StoreDep
from wallserver.auth.deps import ModeratedEvent, ModeratedPost
from wallserver.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from wallserver.lifecycle import shows_rehearsal
from wallserver.posts.records import iso
from wallserver.schemas import AuthorBody, ClaimBody, DecisionBody, EditBody

router = APIRouter(tags=["posts"])
SEARCH_MAX = 200  # characters of a search in the queue and history
AUTHOR_ATTEMPTS = 5  # a trust or ban is re-applied to rules someone saved meanwhile


@router.get("/api/events/{slug}/posts")
async def list_posts(
    scope: ModeratedEvent,
    store: StoreDep,
    pipeline: PipelineDep,
    status: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    order: Literal["newest", "oldest"] = "newest",
    q: Annotated[str, Query(max_length=SEARCH_MAX)] = "",
) -> dict[str, Any]:
    """The queue and history, newest first; ``status`` takes one or more, comma-separated;
    ``q`` keeps the posts whose text, author name or handle contains it, in any case."""
    event = scope.event
    statuses = [s for s in (status or "").split(",") if s]
    unknown = set(statuses) - {s.value for s in Status}
    if unknown:
        raise ValidationFailed(f"unknown status: {', '.join(sorted(unknown))}")
    if "\x00" in q:
        raise ValidationFailed("q contains a NUL character")
    page = await store.posts.page(
        event.id,
        statuses,
        limit,
        cursor,
        oldest_first=order == "oldest",
        search=q,
        rehearsal=shows_rehearsal(event.state),
    )
    holders = await pipeline.claimed_by(event.id, [p.id for p in page.posts])
    return {
        "posts": [{**p.moderator_view(), "claimed_by": holders.get(p.id)} for p in page.posts],
        "next_cursor": page.next_cursor,
    }


@router.post("/api/posts/{post_id}/decision")
async def decide(scope: ModeratedPost, body: DecisionBody, pipeline: PipelineDep) -> dict[str, Any]:
    """Apply a moderator's action; 409 with the current post when ``version`` is stale."""
    outcome = await pipeline.decide(
        scope.post.id, body.action, body.version, scope.principal.actor, body.reason
    )
    return outcome.post.moderator_view()


@router.get("/api/posts/{post_id}/history")
async def history(scope: ModeratedPost, store: StoreDep) -> dict[str, Any]:
    post = scope.post
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
            for d in await store.posts.history(post.id)
        ],
    }


@router.post("/api/events/{slug}/claims")
async def claim(
    body: ClaimBody, scope: ModeratedEvent, store: StoreDep, pipeline: PipelineDep
) -> dict[str, Any]:
    """Claim posts shown to this moderator (or renew the claims); others are told at once.
    Only this event's posts: a claim on another event's post id would hide nothing of theirs,
    but is refused so a console's mistake shows."""
    event = scope.event
    ours = await store.posts.of_event(event.id, body.post_ids)
    foreign = sorted(set(body.post_ids) - ours)
    if foreign:
        raise NotFound(f"not posts of this event: {', '.join(map(str, foreign[:10]))}")
    return await pipeline.claim(event, body.post_ids, scope.principal.actor)


@router.post("/api/events/{slug}/claims/release")
async def release(body: ClaimBody, scope: ModeratedEvent, pipeline: PipelineDep) -> dict[str, Any]:
    released = await pipeline.release(scope.event, body.post_ids, scope.principal.actor)
    return {"released": released}


@router.get("/api/events/{slug}/figures")
async def figures(
    scope: ModeratedEvent,
    store: StoreDep,
    minutes: Annotated[int, Query(ge=1, le=1440)] = 10,
) -> dict[str, Any]:
    """Queue depth, posts per minute in and out, time to decision per moderator."""
    since = datetime.now(UTC) - timedelta(minutes=minutes)
    flow = await store.posts.flow(scope.event.id, since, shows_rehearsal(scope.event.state))
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
    scope: ModeratedPost, body: AuthorBody, store: StoreDep
) -> dict[str, Any]:
    """Trust or ban the post's author for the event: the rules change (and are audited) at once;
    the post itself is decided separately."""
    post, event = scope.post, scope.event
    author = post.author_handle or post.author_name
    for _ in range(AUTHOR_ATTEMPTS):
        current, version = await store.events.rules_state(event.id)
        try:
            rules = RuleSet.from_dict(current).with_author(body.action, author)
        except RuleError as exc:
            raise ValidationFailed(str(exc)) from None
        try:
            saved = await store.events.save_rules(
                event.slug, rules.to_dict(), scope.principal.actor, version
            )
        except StaleVersion:
            continue  # someone saved the rules meanwhile: add the author to theirs
        return {"rules": saved.rules, "version": saved.version}
    raise Conflict("the rules keep changing under this request; try again")


@router.post("/api/posts/{post_id}/edit")
async def edit(scope: ModeratedPost, body: EditBody, pipeline: PipelineDep) -> dict[str, Any]:
    """Edit the caption and/or alt text; the original stays in ``original``; 409 when stale."""
    outcome = await pipeline.edit(
        scope.post.id, body.version, scope.principal.actor, body.text, body.alt
    )
    return outcome.post.moderator_view()
