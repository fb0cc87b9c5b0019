"""Issue #13: a post that leaves the wall or is edited is not replayed with its old content; an
author's takedown deletes the post's personal data and photos, keeps the audit rows, is final."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import LiveServer, Wall
from tests.wallserver.test_media import encode, photo
from tests.wallserver.test_stream import hello, receive, wall_url

SUBMIT = "/api/events/xmas/submissions"
SECRET_TEXT = "Mia's secret photo caption"


async def submitted(w: Wall, text: str = SECRET_TEXT, image: bytes | None = None) -> dict[str, Any]:
    """A guest's post with a photo, approved; returns the submission's answer."""
    files = {"image": ("p.jpg", image or encode(photo(), "JPEG"), "image/jpeg")}
    data = {"text": text, "author": "Mia Muster", "consent": "yes", "contact": "mia@example.org"}
    sent = await w.client.post(SUBMIT, data=data, files=files)
    assert sent.status_code == 202, sent.text
    answer: dict[str, Any] = sent.json()
    assert (await w.decide(answer["id"], "approve", 1)).status_code == 200
    return answer


async def replay(w: Wall) -> str:
    """Everything an anonymous wall connecting with ``since=0`` is sent, as one string."""
    return "\n".join(m.text for m in await w.store.wall.after(w.event.id, 0))


async def takedown(w: Wall, answer: dict[str, Any]) -> httpx.Response:
    token = answer["manage_url"].rsplit("/", 1)[-1]
    return await w.client.delete(f"/api/manage/{token}")


@pytest.mark.parametrize("action", ["hide", "reject", "requeue"])
async def test_a_post_a_moderator_takes_off_the_wall_is_not_replayed(
    any_wall: Wall, action: str
) -> None:
    """Hidden, rejected or requeued after approval: a replay from seq 0 no longer carries the
    post's text, author or photo, and keeps every seq (no gap) with a retract in its place."""
    answer = await submitted(any_wall)
    post = await any_wall.store.posts.get(answer["id"])
    photo_url = post.media[0]["url"]
    assert SECRET_TEXT in await replay(any_wall)
    assert (await any_wall.decide(post.id, action, post.version)).status_code == 200
    text = await replay(any_wall)
    for content in (SECRET_TEXT, "Mia Muster", photo_url):
        assert content not in text
    messages = [json.loads(m) for m in text.split("\n")]
    assert [m["seq"] for m in messages] == [1, 2]
    assert messages == [
        {"type": "post.retract", "seq": 1, "post_id": post.id},
        {"type": "post.retract", "seq": 2, "post_id": post.id},
    ]


async def test_a_moderators_edit_is_not_replayed_with_the_old_text(any_wall: Wall) -> None:
    """After an edit a replay shows the post once, with the new text; the old text is gone."""
    answer = await submitted(any_wall)
    post = await any_wall.store.posts.get(answer["id"])
    edited = await any_wall.client.post(
        f"/api/posts/{post.id}/edit",
        json={"version": post.version, "text": "Merry Christmas"},
        headers=any_wall.auth("moderator"),
    )
    assert edited.status_code == 200, edited.text
    messages = [json.loads(m) for m in (await replay(any_wall)).split("\n")]
    assert [m["type"] for m in messages] == ["post.retract", "post.show"]
    assert messages[1]["post"]["text"] == "Merry Christmas"
    assert SECRET_TEXT not in json.dumps(messages)


async def test_an_author_takedown_deletes_the_content_everywhere(any_wall: Wall) -> None:
    """After DELETE /api/manage/{token}: no replay, photo, moderator list, history or manage view
    carries the text, name, contact or photo; the audit rows stay, with actor and action."""
    w = any_wall
    answer = await submitted(w)
    post = await w.store.posts.get(answer["id"])
    urls = [post.media[0]["url"], post.media[0]["thumb_url"]]
    assert (await w.client.get(urls[0])).status_code == 200
    withdrawn = await takedown(w, answer)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json() == {"id": post.id, "status": "withdrawn"}

    listed = await w.client.get("/api/events/xmas/posts", headers=w.auth("moderator"))
    history = await w.client.get(f"/api/posts/{post.id}/history", headers=w.auth("moderator"))
    token = answer["manage_url"].rsplit("/", 1)[-1]
    manage = await w.client.get(f"/api/manage/{token}")
    public = "\n".join([await replay(w), listed.text, history.text, manage.text])
    for content in (SECRET_TEXT, "Mia Muster", "mia@example.org", *urls):
        assert content not in public
    for url in urls:
        assert (await w.client.get(url)).status_code == 404
    assert listed.json()["posts"][0]["status"] == "withdrawn"
    decisions = history.json()["decisions"]
    assert [d["action"] for d in decisions] == ["ingest", "approve", "withdraw"]
    assert decisions[-1]["actor"] == "author" and decisions[-1]["to"] == "withdrawn"
    again = await takedown(w, answer)
    assert again.json() == {"id": post.id, "status": "withdrawn"}


async def test_a_photo_another_post_shares_is_kept(any_wall: Wall) -> None:
    """Files are content-addressed: the same photo in another post stays served."""
    image = encode(photo((320, 200)), "JPEG")
    first = await submitted(any_wall, "first", image)
    second = await submitted(any_wall, "second", image)
    url = (await any_wall.store.posts.get(second["id"])).media[0]["url"]
    assert (await any_wall.store.posts.get(first["id"])).media[0]["url"] == url
    assert (await takedown(any_wall, first)).status_code == 200
    assert (await any_wall.client.get(url)).status_code == 200


@pytest.mark.parametrize("action", ["undo", "approve", "pin", "requeue", "reject", "hide"])
async def test_a_takedown_is_final(any_wall: Wall, action: str) -> None:
    """No moderator action, undo included, brings a withdrawn post back: 409 and why."""
    answer = await submitted(any_wall)
    assert (await takedown(any_wall, answer)).status_code == 200
    post = await any_wall.store.posts.get(answer["id"])
    response = await any_wall.decide(post.id, action, post.version)
    assert response.status_code == 409, response.text
    assert "withdrew" in response.json()["error"]["message"]
    assert (await any_wall.store.posts.get(post.id)).status == "withdrawn"
    assert "post.show" not in await replay(any_wall)


async def test_a_withdrawn_post_cannot_be_edited(any_wall: Wall) -> None:
    """An edit would put text back into a post whose content was deleted: 409."""
    answer = await submitted(any_wall)
    assert (await takedown(any_wall, answer)).status_code == 200
    post = await any_wall.store.posts.get(answer["id"])
    edited = await any_wall.client.post(
        f"/api/posts/{post.id}/edit",
        json={"version": post.version, "text": "back again"},
        headers=any_wall.auth("moderator"),
    )
    assert edited.status_code == 409, edited.text


async def test_a_wall_connecting_after_a_takedown_replays_no_content(live: LiveServer) -> None:
    """End to end: an anonymous socket with since=0 gets only content-free messages."""
    answer = await submitted(live.wall)
    assert (await takedown(live.wall, answer)).status_code == 200
    async with websockets.connect(wall_url(live, 0)) as ws:
        assert (await hello(ws))["seq"] == 2
        backlog = await receive(ws, 2)
    assert [m["type"] for m in backlog] == ["post.retract", "post.retract"]
    assert SECRET_TEXT not in json.dumps(backlog)
