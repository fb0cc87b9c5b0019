"""Sources over the API: add with validation, secrets masked, status, pause, remove, webhooks."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.conftest import Wall
from tests.sources.conftest import until
from tests.sources.fakes import FakeMastodon, running
from wallserver.sources.webhook import sign

SECRET = "s3cret-s3cret-s3cret"


async def add(wall: Wall, **body: Any) -> httpx.Response:
    return await wall.client.post(
        f"/api/events/{wall.event.slug}/sources", json=body, headers=wall.auth("admin")
    )


async def send(
    wall: Wall, source_id: int, body: dict[str, Any], secret: str = SECRET, skew: int = 0
) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) + skew)
    headers = {
        "X-Wall-Timestamp": stamp,
        "X-Wall-Signature": sign(secret, stamp, raw),
        "Content-Type": "application/json",
    }
    return await wall.client.post(
        f"/api/events/{wall.event.slug}/webhooks/{source_id}", content=raw, headers=headers
    )


async def test_add_validates_per_kind_and_masks_secrets(wall: Wall) -> None:
    """A bad config is a 422 naming the field; secrets never come back, not even in the list."""
    bad = await add(wall, kind="mastodon", instance="ftp://x")
    assert bad.status_code == 422 and "instance" in bad.json()["error"]["message"]
    assert (await add(wall, kind="gopher")).status_code == 422
    assert (await add(wall, kind="rss", url="https://x.test/f", extra=1)).status_code == 422
    nowhere = "http://127.0.0.1:9"  # the running source must not reach api.x.com
    made = await add(wall, kind="x", bearer_token="AAAA-very-secret", api_base=nowhere)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["config"]["bearer_token"] == "********"
    assert body["config"]["tag"] == "XmasParty"  # defaults to the event's first hashtag
    assert body["state"] == "running" and body["last_error"] == ""
    listed = await wall.client.get(
        f"/api/events/{wall.event.slug}/sources", headers=wall.auth("admin")
    )
    assert "AAAA-very-secret" not in listed.text
    (status,) = listed.json()["sources"]
    assert {"connected", "posts_per_minute", "last_post_at", "last_error"} <= status.keys()


async def test_pause_resume_and_remove(wall: Wall) -> None:
    """State follows the admin's actions; a removed source is gone."""
    source = (await add(wall, kind="webhook", secret=SECRET)).json()
    url = f"/api/sources/{source['id']}"
    admin = wall.auth("admin")
    paused = await wall.client.post(f"{url}/pause", headers=admin)
    assert paused.json()["state"] == "paused"
    assert (await send(wall, source["id"], {"id": "1", "text": "hi"})).status_code == 409
    resumed = await wall.client.post(f"{url}/resume", headers=admin)
    assert resumed.json()["state"] == "running"
    assert (await wall.client.delete(url, headers=admin)).status_code == 204
    assert (await wall.client.post(f"{url}/pause", headers=admin)).status_code == 404


async def test_webhook_stores_once_and_retracts(wall: Wall) -> None:
    """A signed post is stored once however often it is sent; ``deleted`` takes it off the wall."""
    source = (await add(wall, kind="webhook", secret=SECRET)).json()
    post = {"id": "sms-1", "text": "Hello from SMS", "author": {"name": "Ann"}}
    first = await send(wall, source["id"], post)
    assert first.status_code == 202 and first.json()["created"] is True
    assert (await send(wall, source["id"], post)).json()["created"] is False
    stored = await wall.store.sources.find_post(wall.event.id, f"webhook-{source['id']}", "sms-1")
    assert stored is not None and stored.text == "Hello from SMS"
    approved = await wall.decide(stored.id, "approve", stored.version)
    assert approved.status_code == 200
    before = await wall.store.wall.current_seq(wall.event.id)
    assert (await send(wall, source["id"], {"id": "sms-1", "deleted": True})).status_code == 202
    assert (await wall.store.posts.get(stored.id)).status == "hidden"
    entries = await wall.store.wall.after(wall.event.id, before)
    assert [json.loads(e.text)["type"] for e in entries] == ["post.retract"]


async def test_webhook_refuses_bad_signatures_and_replays(wall: Wall) -> None:
    """Wrong secret, old or future timestamp, unknown source: refused, nothing stored."""
    source = (await add(wall, kind="webhook", secret=SECRET)).json()
    post = {"id": "x", "text": "nope"}
    for response in (
        await send(wall, source["id"], post, secret="wrong-wrong-wrong-wrong"),
        await send(wall, source["id"], post, skew=-330),
        await send(wall, source["id"], post, skew=330),
    ):
        assert response.status_code == 401, response.text
    assert (await send(wall, 9999, post)).status_code == 404
    unsigned = await wall.client.post(
        f"/api/events/{wall.event.slug}/webhooks/{source['id']}", json=post
    )
    assert unsigned.status_code == 401
    name = f"webhook-{source['id']}"
    assert await wall.store.sources.find_post(wall.event.id, name, "x") is None


async def test_bluesky_account_needs_both_fields_and_hides_the_password(wall: Wall) -> None:
    """An identifier without an app password (or the reverse) is a 422; the password is masked."""
    nowhere = {"jetstream": "ws://127.0.0.1:9", "pds": "http://127.0.0.1:9"}  # no network
    half = await add(wall, kind="bluesky", identifier="ann.bsky.social", **nowhere)
    assert half.status_code == 422 and "app_password" in half.json()["error"]["message"]
    made = await add(
        wall, kind="bluesky", identifier="ann.bsky.social", app_password="pw-1234", **nowhere
    )
    assert made.status_code == 201, made.text
    assert made.json()["config"]["app_password"] == "********"


async def test_posts_per_minute_is_counted_per_source(wall: Wall) -> None:
    """Two Mastodon instances and a webhook each show their own rate, not the network's."""
    first, second = FakeMastodon(), FakeMastodon()
    for n in (1, 2, 3):
        first.post(n, stream=False)
    second.post(4, stream=False)
    async with running(first), running(second):
        for fake in (first, second):
            await add(wall, kind="mastodon", instance=fake.url, tag="xmas")
        hook = (await add(wall, kind="webhook", secret=SECRET)).json()
        assert (await send(wall, hook["id"], {"id": "sms-1", "text": "hi"})).status_code == 202

        async def rates() -> dict[str, float]:
            listed = await wall.client.get(
                f"/api/events/{wall.event.slug}/sources", headers=wall.auth("admin")
            )
            return {
                s["config"].get("instance", s["kind"]): s["posts_per_minute"]
                for s in listed.json()["sources"]
            }

        async def counted() -> bool:
            return await rates() == {first.url: 0.3, second.url: 0.1, "webhook": 0.1}

        await until(counted, "each source's own rate")


async def test_webhook_with_an_overflowing_date_is_stored_on_arrival(wall: Wall) -> None:
    """The date of issue #13 in a signed webhook is a stored post dated on arrival, not a 500."""
    source = (await add(wall, kind="webhook", secret=SECRET)).json()
    post = {"id": "sms-13", "text": "odd date", "created_at": "0001-01-01T00:00:00+23:59"}
    assert (await send(wall, source["id"], post)).status_code == 202
    stored = await wall.store.sources.find_post(wall.event.id, f"webhook-{source['id']}", "sms-13")
    assert stored is not None and stored.created_at.year >= 2024
