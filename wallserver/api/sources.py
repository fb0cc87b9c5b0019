"""Sources: add, list with status, pause, resume, remove, test (admin); signed webhooks (public)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import Field, ValidationError, field_validator
from starlette.requests import HTTPConnection

from wallserver.api.deps import EventDep, RowId, SettingsDep, StoreDep
from wallserver.api.ingest import check_text
from wallserver.auth.deps import AdminEvent, AdminSource
from wallserver.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from wallserver.schemas import Author, CreatedAt, Media, Strict, _http_url
from wallserver.services import services
from wallserver.settings import Settings
from wallserver.sources import rates, webhook
from wallserver.sources.failures import SourceFailure
from wallserver.sources.items import Candidate, Deletion, Item
from wallserver.sources.kinds import secrets_of, validate
from wallserver.sources.supervisor import Supervisor
from wallserver.store import NewPost, Store
from wallserver.store.sources import SourceInfo

router = APIRouter(tags=["sources"])


async def get_supervisor(conn: HTTPConnection) -> Supervisor:
    return services(conn).supervisor


SupervisorDep = Annotated[Supervisor, Depends(get_supervisor)]


class SourceCreate(Strict):
    kind: str = Field(min_length=1, max_length=32)


class WebhookPost(Strict):
    id: str = Field(min_length=1, max_length=200)
    text: str = ""
    author: Author = Field(default_factory=Author)
    media: list[Media] = Field(default_factory=list, max_length=10)
    created_at: CreatedAt = None  # an unusable date is the arrival time, not a lost post
    url: str = Field(default="", max_length=2000)
    deleted: bool = False

    _check = field_validator("url")(_http_url)


async def status(source: SourceInfo, store: Store, supervisor: Supervisor) -> dict[str, Any]:
    return {
        **source.public(secrets_of(source.kind)),
        "connected": supervisor.connected(source.id),
        "posts_per_minute": rates.per_minute(source.cursor, time.time()),
    }


@router.post("/api/events/{slug}/sources", status_code=201)
async def add_source(
    body: dict[str, Any],
    scope: AdminEvent,
    store: StoreDep,
    supervisor: SupervisorDep,
) -> dict[str, Any]:
    """``{kind, ...config}``, validated for the kind; answers with the secrets masked."""
    event = scope.event
    try:
        kind = SourceCreate.model_validate(body).kind
    except ValidationError as exc:
        raise ValidationFailed("kind: a source needs a kind") from exc
    config = validate(kind, {k: v for k, v in body.items() if k != "kind"}, event.hashtags)
    source = await store.sources.create(event.id, kind, config)
    supervisor.wake()
    return await status(source, store, supervisor)


@router.get("/api/events/{slug}/sources")
async def list_sources(
    scope: AdminEvent, store: StoreDep, supervisor: SupervisorDep
) -> dict[str, Any]:
    """Each source with its health: state, connected, last post seen, posts per minute, error."""
    sources = await store.sources.for_event(scope.event.id)
    return {"sources": [await status(s, store, supervisor) for s in sources]}


async def switch(
    source: SourceInfo, state: str, store: Store, supervisor: Supervisor
) -> dict[str, Any]:
    """Set a source's state and let the supervisor start or stop it at once."""
    source = await store.sources.set_state(source.id, state)
    supervisor.wake()
    return await status(source, store, supervisor)


@router.post("/api/sources/{source_id}/pause")
async def pause_source(
    scope: AdminSource, store: StoreDep, supervisor: SupervisorDep
) -> dict[str, Any]:
    """Stop the source; its cursor is kept, so resuming continues where it stopped."""
    return await switch(scope.source, "paused", store, supervisor)


@router.post("/api/sources/{source_id}/resume")
async def resume_source(
    scope: AdminSource, store: StoreDep, supervisor: SupervisorDep
) -> dict[str, Any]:
    """Run a paused or failed source again (after fixing its credentials, say)."""
    return await switch(scope.source, "running", store, supervisor)


@router.delete("/api/sources/{source_id}", status_code=204)
async def remove_source(scope: AdminSource, store: StoreDep, supervisor: SupervisorDep) -> None:
    """The source stops; the posts it brought stay (moderate them as usual)."""
    await store.sources.delete(scope.source.id)
    supervisor.wake()


@router.post("/api/sources/{source_id}/test")
async def test_source(scope: AdminSource, supervisor: SupervisorDep) -> dict[str, Any]:
    """Try the connection once: ``{"ok": true}`` or ``{"ok": false, "error": why}``."""
    source = scope.source
    if source.kind == "webhook":
        return {"ok": True, "detail": "webhooks are called by the sender"}
    try:
        await supervisor.probe(source)
    except SourceFailure as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True}


@router.post("/api/events/{slug}/webhooks/{source_id}", status_code=202)
async def receive_webhook(
    source_id: RowId,
    request: Request,
    event: EventDep,
    store: StoreDep,
    supervisor: SupervisorDep,
    settings: SettingsDep,
    x_wall_timestamp: Annotated[str, Header(max_length=20)] = "",
    x_wall_signature: Annotated[str, Header(max_length=100)] = "",
) -> dict[str, Any]:
    """One post (or ``"deleted": true``) signed with the source's secret; see docs/sources.md."""
    try:
        source = await store.sources.get(source_id)
    except NotFound:
        source = None
    if source is None or source.kind != "webhook" or source.event_id != event.id:
        raise NotFound(f"no webhook {source_id} for this event")
    body = await request.body()
    try:
        webhook.verify(
            source.config["secret"], x_wall_timestamp, body, x_wall_signature, time.time()
        )
    except webhook.BadSignature as exc:
        raise Unauthorized(str(exc)) from exc
    if source.state != "running":
        raise Conflict(f"this webhook is {source.state}")
    try:
        post = WebhookPost.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"{where}: {first['msg']}") from exc
    item: Item = Deletion(post.id) if post.deleted else Candidate(to_new_post(post, settings))
    created = await supervisor.sink.apply(source, event, item, filter_tags=False)
    cursor = dict(source.cursor)
    rates.record(cursor, int(created), time.time())
    await store.sources.save_cursor(source.id, cursor, posted=created)
    return {"accepted": True, "created": created}


def to_new_post(post: WebhookPost, settings: Settings) -> NewPost:
    return NewPost(
        source="webhook",
        source_id=post.id,
        text=check_text(post.text, settings),
        author_name=post.author.name,
        author_handle=post.author.handle,
        author_avatar_url=post.author.avatar_url,
        media=[m.model_dump() for m in post.media],
        url=post.url,
        created_at=post.created_at,
    )
