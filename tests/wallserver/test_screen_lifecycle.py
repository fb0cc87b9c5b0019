"""What the screens' stored state does when the things it points at go away: a spotlit post that
leaves the wall (however it leaves) is cleared from every screen's spotlight with a ``wall.state``,
and a deleted screen tells the walls showing it with a ``wall.config`` whose config is null."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.conftest import LiveServer, Wall
from tests.sources.test_api import SECRET, send
from tests.wallserver.test_screens import (
    approved_post,
    create,
    named,
    receive,
    screens,
    steer,
    wall_socket,
)

SUBMIT = "/api/events/xmas/submissions"
NOTHING_LIT = {"paused": False, "blackout": False, "spotlight": None}

# A post on the wall, and how it leaves: each returns the post's id and a coroutine taking it down.
Leaving = Callable[[Wall], Awaitable[tuple[int, Callable[[], Awaitable[None]]]]]


def by_moderator(action: str) -> Leaving:
    async def setup(w: Wall) -> tuple[int, Callable[[], Awaitable[None]]]:
        post_id = await approved_post(w, f"m-{action}", "Spotlight me")

        async def leave() -> None:
            post = await w.store.posts.get(post_id)
            response = await w.decide(post_id, action, post.version)
            assert response.status_code == 200, response.text

        return post_id, leave

    return setup


async def by_author(w: Wall) -> tuple[int, Callable[[], Awaitable[None]]]:
    sent = await w.client.post(SUBMIT, data={"text": "Mine", "author": "Ann", "consent": "yes"})
    assert sent.status_code == 202, sent.text
    post_id: int = sent.json()["id"]
    assert (await w.decide(post_id, "approve", 1)).status_code == 200
    token = sent.json()["manage_url"].rsplit("/", 1)[-1]

    async def leave() -> None:
        response = await w.client.delete(f"/api/manage/{token}")
        assert response.status_code == 200 and response.json()["status"] == "withdrawn"

    return post_id, leave


async def at_the_source(w: Wall) -> tuple[int, Callable[[], Awaitable[None]]]:
    source = await w.client.post(
        "/api/events/xmas/sources",
        json={"kind": "webhook", "secret": SECRET},
        headers=w.auth("admin"),
    )
    assert source.status_code == 201, source.text
    source_id = source.json()["id"]
    assert (await send(w, source_id, {"id": "sms-1", "text": "Hi"})).status_code == 202
    stored = await w.store.sources.find_post(w.event.id, f"webhook-{source_id}", "sms-1")
    assert stored is not None
    assert (await w.decide(stored.id, "approve", stored.version)).status_code == 200

    async def leave() -> None:
        deleted = await send(w, source_id, {"id": "sms-1", "deleted": True})
        assert deleted.status_code == 202

    return stored.id, leave


def ways_to_leave(name: str) -> Leaving:
    if name == "author takes it down":
        return by_author
    if name == "deleted at the source":
        return at_the_source
    return by_moderator(name)


@pytest.mark.parametrize(
    "way", ["hide", "reject", "requeue", "undo", "author takes it down", "deleted at the source"]
)
async def test_a_spotlit_post_that_leaves_the_wall_leaves_every_spotlight(
    any_wall: Wall, way: str
) -> None:
    """Retracted, rejected after approval, sent back to the queue, its approval undone, taken
    down by its author or deleted at its source: the screens that spotlit the post show nothing,
    each told by a ``wall.state`` right after the ``post.retract``; another screen's spotlight on
    another post stays."""
    w = any_wall
    post_id, leave = await ways_to_leave(way)(w)
    other = await approved_post(w, "other", "Stays lit")
    for name in ("lobby", "bar"):
        assert (await create(w, name)).status_code == 201
    assert (await steer(w, {"action": "spotlight", "post_id": post_id})).status_code == 202
    assert (await steer(w, {"action": "spotlight", "post_id": other}, "bar")).status_code == 202
    before = (await screens(w))["wall_seq"]

    await leave()

    listing = await screens(w)
    assert named(listing, "main")["state"] == NOTHING_LIT
    assert named(listing, "lobby")["state"] == NOTHING_LIT
    assert named(listing, "bar")["state"]["spotlight"] == other
    sent = [json.loads(m.text) for m in await w.store.wall.after(w.event.id, before)]
    assert [(m["type"], m.get("screen")) for m in sent] == [
        ("post.retract", None),
        ("wall.state", "main"),
        ("wall.state", "lobby"),
    ]
    assert sent[0]["post_id"] == post_id
    assert all(m["state"] == NOTHING_LIT and "post" not in m for m in sent[1:])
    assert [m["seq"] for m in sent] == list(range(before + 1, before + 4))


async def test_a_post_nobody_spotlit_leaves_with_its_retraction_only(wall: Wall) -> None:
    """Taking down a post that no screen spotlights writes no screen state."""
    post_id = await approved_post(wall, "plain")
    lit = await approved_post(wall, "lit")
    assert (await steer(wall, {"action": "spotlight", "post_id": lit})).status_code == 202
    before = (await screens(wall))["wall_seq"]
    assert (await wall.decide(post_id, "hide", 2)).status_code == 200
    sent = [json.loads(m.text) for m in await wall.store.wall.after(wall.event.id, before)]
    assert [m["type"] for m in sent] == ["post.retract"]
    assert named(await screens(wall), "main")["state"]["spotlight"] == lit


async def test_an_open_wall_hears_the_spotlight_go(live: LiveServer) -> None:
    """A connected screen gets the retraction and then its state without the spotlight, live."""
    w = live.wall
    post_id = await approved_post(w, "s-1", "Look!")
    assert (await steer(w, {"action": "spotlight", "post_id": post_id})).status_code == 202
    ws = await wall_socket(live, (await screens(w))["wall_seq"])
    try:
        assert (await w.decide(post_id, "hide", 2)).status_code == 200
        retract, state = await receive(ws, 2)
    finally:
        await ws.close()
    assert retract["type"] == "post.retract" and retract["post_id"] == post_id
    assert state["type"] == "wall.state" and state["screen"] == "main"
    assert state["state"] == NOTHING_LIT


async def test_a_deleted_screen_tells_its_walls_and_a_new_one_of_the_name_starts_afresh(
    live: LiveServer,
) -> None:
    """Deleting ``lobby`` sends ``wall.config`` with ``screen: "lobby"`` and ``config: null``,
    live and to walls that reconnect later (it is in the wall log); creating ``lobby`` again
    sends its new config after it."""
    w = live.wall
    assert (await create(w, "lobby", {"layout": "ticker"})).status_code == 201
    start = (await screens(w))["wall_seq"]
    ws = await wall_socket(live, start)
    try:
        deleted = await w.client.delete("/api/events/xmas/screens/lobby", headers=w.auth("admin"))
        assert deleted.status_code == 204
        [gone] = await receive(ws, 1)
        assert (await create(w, "lobby")).status_code == 201
        [again] = await receive(ws, 1)
    finally:
        await ws.close()
    assert gone == {
        "type": "wall.config",
        "seq": start + 1,
        "screen": "lobby",
        "config": None,
        "version": None,
    }
    assert again["type"] == "wall.config" and again["screen"] == "lobby"
    assert again["config"]["layout"] == "masonry" and again["version"] == 1
    replay: list[dict[str, Any]] = [
        json.loads(m.text) for m in await w.store.wall.after(w.event.id, start)
    ]
    assert replay == [gone, again]
