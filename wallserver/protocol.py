"""The wire protocol: every message the server sends over a WebSocket, built in one place.

Two streams carry them (docs/protocol.md):

- the **wall stream** (``/ws/events/{slug}/wall``): ``hello``, then wall-log entries, each with
  its ``seq``: ``post.*`` for posts, ``wall.*`` for the kill switch, the screens and the
  closing screen;
- the **moderation feed** (``/ws/events/{slug}/moderation``): ``hello``, then ``queue.*`` and
  ``wall.paused``, with no seq of their own and no replay.

A builder returns a message's *body*: a dict with ``type`` first, then its fields in wire order.
The wall log gives a body its ``seq`` when it stores it; :func:`encode` turns a body (and that
seq) into the text sent, once, to every client. The bytes are a contract with the walls in the
field: compact JSON, UTF-8 left as it is, ``type`` then ``seq`` then the fields. Nothing here
does I/O or knows the store; ``frontend/static/common/messages.js`` is the browser's twin, and a
test keeps the two, this module and docs/protocol.md naming the same types.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from moderation.queue import Effect

if TYPE_CHECKING:
    from moderation.claims import Claim
    from wallserver.posts.records import PostRecord

Body = dict[str, Any]

HELLO = "hello"
# The wall stream: every one but hello is a wall-log entry with a seq.
POST_SHOW = Effect.SHOW.value
POST_RETRACT = Effect.RETRACT.value
POST_PIN = Effect.PIN.value
POST_UNPIN = Effect.UNPIN.value
WALL_PAUSE = "wall.pause"
WALL_RESUME = "wall.resume"
WALL_CONFIG = "wall.config"
WALL_STATE = "wall.state"
WALL_ANNOUNCE = "wall.announce"
WALL_COMMAND = "wall.command"
WALL_CLOSING = "wall.closing"
# The moderation feed.
QUEUE_NEW = "queue.new"
QUEUE_UPDATE = "queue.update"
QUEUE_RESYNC = "queue.resync"
QUEUE_CLAIM = "queue.claim"
QUEUE_RELEASE = "queue.release"
WALL_PAUSED = "wall.paused"
# What clients send (the server reads only this).
HEARTBEAT = "heartbeat"

WALL_TYPES = (
    HELLO,
    POST_SHOW,
    POST_RETRACT,
    POST_PIN,
    POST_UNPIN,
    WALL_PAUSE,
    WALL_RESUME,
    WALL_CONFIG,
    WALL_STATE,
    WALL_ANNOUNCE,
    WALL_COMMAND,
    WALL_CLOSING,
)
FEED_TYPES = (
    HELLO,
    QUEUE_NEW,
    QUEUE_UPDATE,
    QUEUE_RESYNC,
    QUEUE_CLAIM,
    QUEUE_RELEASE,
    WALL_PAUSED,
)
MESSAGE_TYPES: dict[str, tuple[str, ...]] = {"wall": WALL_TYPES, "moderation": FEED_TYPES}
"""Every type the server sends, by stream."""
CLIENT_TYPES = (HEARTBEAT,)
"""Every type the server reads from a client (on the wall stream)."""


def encode(body: Body, seq: int | None = None) -> str:
    """The text sent for ``body``: compact JSON, ``type`` first, then ``seq`` when given."""
    head: Body = {"type": body["type"]}
    if seq is not None:
        head["seq"] = seq
    return json.dumps(
        {**head, **{k: v for k, v in body.items() if k not in head}},
        separators=(",", ":"),
        ensure_ascii=False,
    )


# --- the wall stream -------------------------------------------------------------------------


def wall_hello(seq: int, reset: bool) -> Body:
    """First on a wall socket: ``seq`` is where live delivery starts; ``reset`` tells the client
    to drop what it shows (it saw a wall log this server does not have)."""
    return {"type": HELLO, "seq": seq, "reset": reset}


def post_show(post: PostRecord) -> Body:
    return {"type": POST_SHOW, "post": post.wall_view()}


def post_retract(post_id: int) -> Body:
    return {"type": POST_RETRACT, "post_id": post_id}


def post_pinned(post_id: int, pinned: bool) -> Body:
    return {"type": POST_PIN if pinned else POST_UNPIN, "post_id": post_id}


def post_effect(effect: Effect, post: PostRecord) -> Body:
    """What a moderation effect (moderation.queue) puts on the walls."""
    if effect is Effect.SHOW:
        return post_show(post)
    if effect is Effect.RETRACT:
        return post_retract(post.id)
    return post_pinned(post.id, effect is Effect.PIN)


def wall_paused(paused: bool) -> Body:
    """The kill switch, for the walls: ``wall.pause`` or ``wall.resume``."""
    return {"type": WALL_PAUSE if paused else WALL_RESUME}


def wall_config(screen: str, config: dict[str, Any] | None, version: int | None) -> Body:
    """A screen's whole settings; ``None`` for both when the screen was deleted."""
    return {"type": WALL_CONFIG, "screen": screen, "config": config, "version": version}


def wall_state(screen: str, state: dict[str, Any], spotlit: PostRecord | None = None) -> Body:
    """A screen's whole steering state; a spotlit post's wall view rides along so a screen can
    show it even if it had not loaded it."""
    body: Body = {"type": WALL_STATE, "screen": screen, "state": state}
    if spotlit is not None:
        body["post"] = spotlit.wall_view()
    return body


def wall_announce(screen: str | None, announcement: dict[str, Any] | None) -> Body:
    """One screen's (or, ``screen`` None, every screen's) announcement; ``None`` clears it."""
    return {"type": WALL_ANNOUNCE, "screen": screen, "announcement": announcement}


def wall_command(screen: str | None, action: str) -> Body:
    """A one-shot command (``next``, ``reload``) for one screen or every screen."""
    return {"type": WALL_COMMAND, "screen": screen, "action": action}


def wall_closing(closing: dict[str, Any] | None) -> Body:
    """The event's closing screen (``{"message"}``, once it has ended) or ``None`` (it has not,
    or was reopened): every screen of the event shows it over everything else."""
    return {"type": WALL_CLOSING, "closing": closing}


# --- the moderation feed ---------------------------------------------------------------------


def feed_hello() -> Body:
    """First on a moderation socket: (re)load the queue over HTTP."""
    return {"type": HELLO}


def queue_post(kind: str, post: PostRecord) -> Body:
    """``queue.new`` or ``queue.update``: a post's whole moderator view."""
    if kind not in (QUEUE_NEW, QUEUE_UPDATE):
        raise ValueError(f"not a queue post message: {kind!r}")
    return {"type": kind, "post": post.moderator_view()}


def queue_resync() -> Body:
    """The feed may have missed updates: reload the queue."""
    return {"type": QUEUE_RESYNC}


def claim_views(claims: list[Claim]) -> list[dict[str, Any]]:
    """Claims as consoles see them (in ``queue.claim`` and the claims API's answer)."""
    return [{"post_id": c.post_id, "by": c.holder, "until": round(c.until, 3)} for c in claims]


def queue_claim(claims: list[Claim]) -> Body:
    return {"type": QUEUE_CLAIM, "claims": claim_views(claims)}


def queue_release(post_ids: list[int]) -> Body:
    return {"type": QUEUE_RELEASE, "post_ids": post_ids}


def feed_paused(paused: bool, seq: int) -> Body:
    """The kill switch, for consoles: its state and the seq of its wall-log entry."""
    return {"type": WALL_PAUSED, "paused": paused, "seq": seq}
