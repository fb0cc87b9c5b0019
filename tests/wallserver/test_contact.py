"""A guest may leave a contact for the organiser: stored, shown to moderators, never on a wall."""

from __future__ import annotations

import json

from tests.conftest import Wall

SUBMIT = "/api/events/xmas/submissions"


async def test_contact_reaches_moderators_but_not_walls_or_the_manage_page(wall: Wall) -> None:
    """The contact is in the moderator's view only; the wall feed and manage view lack it."""
    sent = await wall.client.post(
        SUBMIT, data={"text": "Won the raffle?", "consent": "yes", "contact": " mira@example.org "}
    )
    assert sent.status_code == 202, sent.text
    [post] = (
        await wall.client.get("/api/events/xmas/posts", headers=wall.auth("moderator"))
    ).json()["posts"]
    assert post["contact"] == "mira@example.org"
    assert (await wall.decide(post["id"], "approve", 1)).status_code == 200
    stored = await wall.store.wall.after(wall.event.id, 0, limit=100)
    assert stored and all("mira@example.org" not in m.text for m in stored)
    manage = await wall.client.get("/api/manage/" + sent.json()["manage_url"].split("/")[-1])
    assert "mira@example.org" not in json.dumps(manage.json())


async def test_contact_is_optional_and_bounded(wall: Wall) -> None:
    """Without a contact the post is accepted; over 200 characters it is a 422."""
    plain = await wall.client.post(SUBMIT, data={"text": "hi", "consent": "yes"})
    assert plain.status_code == 202
    long = await wall.client.post(
        SUBMIT, data={"text": "hi", "consent": "yes", "contact": "x" * 201}
    )
    assert long.status_code == 422
