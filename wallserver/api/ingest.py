"""Posts coming in: from bridges (``/ingest``) and from attendees (``/submissions``)."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from wallserver.api.deps import EventDep, PipelineDep, SettingsDep, StoreDep, WithdrawalsDep
from wallserver.api.pages import set_device_cookie
from wallserver.auth import device
from wallserver.auth.deps import IngestEvent
from wallserver.auth.secrets import token_hash
from wallserver.errors import PayloadTooLarge, UnsupportedMedia, ValidationFailed
from wallserver.lifecycle import check_open
from wallserver.media import prepare as prepare_image
from wallserver.media import save as save_image
from wallserver.media import video
from wallserver.media.process import Processed
from wallserver.schemas import IngestBody
from wallserver.services import ServicesDep
from wallserver.settings import Settings
from wallserver.sizes import readable
from wallserver.store import NewPost
from wallserver.store.posts import Outcome

router = APIRouter(tags=["ingest"])

CONSENT_YES = {"true", "on", "yes", "1"}
MAX_PHOTOS = 4


def check_text(text: str, settings: Settings) -> str:
    if len(text) > settings.max_text_length:
        raise ValidationFailed(f"text is over the limit of {settings.max_text_length} characters")
    if "\x00" in text:
        raise ValidationFailed("text contains a NUL character")
    return text


def new_post(body: IngestBody, settings: Settings) -> NewPost:
    """A bridge's post as the pipeline takes it (the text checked against the limits)."""
    return NewPost(
        source=body.source,
        source_id=body.source_id,
        text=check_text(body.text, settings),
        author_name=body.author.name,
        author_handle=body.author.handle,
        author_avatar_url=body.author.avatar_url,
        media=[m.item() for m in body.media],
        url=body.url,
        created_at=body.created_at,
    )


def reply_body(outcome: Outcome) -> tuple[int, dict[str, Any]]:
    """202 with the new post's id and status; 200 for a repeat."""
    post = outcome.post
    content = {"id": post.id, "status": post.status, "created": outcome.created}
    return (202 if outcome.created else 200), content


@router.post("/api/events/{slug}/ingest", status_code=202)
async def ingest(
    request: Request,
    body: IngestBody,
    scope: IngestEvent,
    pipeline: PipelineDep,
    settings: SettingsDep,
) -> JSONResponse:
    """One post from a bridge. 202 when new, 200 when ``(source, source_id)`` is known already.

    Media and the avatar are fetched and re-hosted (see docs/posting.md, "Remote media"). The
    common case is served by ``ingest_fast`` with the same steps; this route answers the rest."""
    outcome = await pipeline.ingest(scope.event, new_post(body, settings))
    status, content = reply_body(outcome)
    return JSONResponse(content, status_code=status)


@router.post("/api/events/{slug}/submissions", status_code=202)
async def submit(
    request: Request,
    response: Response,
    event: EventDep,
    pipeline: PipelineDep,
    settings: SettingsDep,
    services: ServicesDep,
    text: Annotated[str, Form(max_length=100_000)] = "",
    author: Annotated[str, Form(max_length=200)] = "",
    consent: Annotated[str, Form(max_length=10)] = "",
    contact: Annotated[str, Form(max_length=200)] = "",
    image: Annotated[list[UploadFile] | None, File()] = None,
) -> dict[str, Any]:
    """An attendee's post from the public page: text, a name, up to four photos, consent."""
    check_open(event.state)  # before any photo is read: a closed event takes none
    secret = settings.secret_key.get_secret_value()
    guest = device.verify(request.cookies.get(device.COOKIE), secret)
    if guest is None:  # counted by IP this time; tracked as a device from the next post on
        set_device_cookie(response, device.mint(secret), settings.cookie_secure)
    client_ip = request.client.host if request.client else "unknown"
    services.submission_limits.check(client_ip, guest)
    text = check_text(text.strip(), settings)
    if "\x00" in author or "\x00" in contact:
        raise ValidationFailed("the name or contact contains a NUL character")
    if consent.strip().lower() not in CONSENT_YES:
        raise ValidationFailed("consent is required to show a post on the wall")
    media: list[dict[str, Any]] = []
    photos = [f for f in image or [] if f.filename or f.size]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"at most {MAX_PHOTOS} photos per post")
    prepared: list[Processed | video.CheckedVideo] = []
    largest = max(settings.max_upload_bytes, settings.video_max_bytes)
    for photo in photos:  # all checked before any is stored: a post fails or succeeds whole
        data = await photo.read(largest + 1)
        async with services.media_slots:
            prepared.append(await asyncio.to_thread(check_upload, data, settings))
    if sum(isinstance(p, video.CheckedVideo) for p in prepared) > 1:
        raise ValidationFailed("at most one video per post")
    for done in prepared:
        if isinstance(done, video.CheckedVideo):
            media.append(
                (await asyncio.to_thread(video.save, done, settings.media_dir)).media_json()
            )
        else:
            stored = await asyncio.to_thread(save_image, done, settings.media_dir)
            media.append(stored.media_json())
    if not text and not media:
        raise ValidationFailed("write something or add a photo")
    manage = secrets.token_urlsafe(24)
    new = NewPost(
        source="upload",
        source_id=uuid.uuid4().hex,
        text=text,
        author_name=author.strip() or "Guest",
        media=media,
        consent=True,
        manage_token_hash=token_hash(manage, settings.secret_key.get_secret_value()),
        contact=contact.strip(),
    )
    outcome = await pipeline.ingest(event, new, rehost=False)  # the files are ours already
    return {
        "id": outcome.post.id,
        "status": outcome.post.status,
        "manage_url": f"/post/{event.slug}/manage/{manage}",
    }


def check_upload(data: bytes, settings: Settings) -> Processed | video.CheckedVideo:
    """A photo re-encoded, or a video checked (when videos are on); a 4xx error otherwise.
    Blocking: run it in a thread."""
    if video.container(data) is not None:
        limits = video.limits(settings)
        if limits is None:
            raise UnsupportedMedia("videos are not accepted here; send a photo")
        return video.check(data, limits)
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"images may be at most {readable(settings.max_upload_bytes)}")
    return prepare_image(data, settings.max_image_pixels, settings.max_upload_bytes)


@router.get("/api/manage/{token}")
async def manage_status(token: str, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """The author's private view of their post (the token is the capability)."""
    post = await store.posts.by_manage_token(
        token_hash(token, settings.secret_key.get_secret_value())
    )
    return {"id": post.id, "status": post.status, "post": post.wall_view()}


@router.delete("/api/manage/{token}")
async def manage_withdraw(
    token: str, store: StoreDep, withdrawals: WithdrawalsDep, settings: SettingsDep
) -> dict[str, Any]:
    """The author takes their post down, for good: it leaves every wall at once, its text, name,
    contact and photos are deleted, and no moderator can put it back (docs/posting.md)."""
    key = settings.secret_key.get_secret_value()
    post = await withdrawals.takedown(await store.posts.by_manage_token(token_hash(token, key)))
    return {"id": post.id, "status": post.status}
