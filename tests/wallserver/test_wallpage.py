"""What the wall page fetches besides its socket: posts back by id, and its service worker."""

from __future__ import annotations

import pytest

from tests.conftest import Wall

PATH = "/api/events/xmas/wall/posts"


async def test_only_approved_posts_come_back(wall: Wall) -> None:
    pending = (await wall.ingest("p", "waiting")).json()
    shown = (await wall.ingest("a", "on the wall")).json()
    assert (await wall.decide(shown["id"], "approve", 1)).status_code == 200
    response = await wall.client.get(PATH, params={"ids": f"{pending['id']},{shown['id']},999"})
    assert response.status_code == 200
    posts = response.json()["posts"]
    assert [p["id"] for p in posts] == [shown["id"]]
    assert posts[0]["text"] == "on the wall" and "status" not in posts[0]  # the wall's view


async def test_another_events_slug_shows_nothing_of_this_one(wall: Wall) -> None:
    shown = (await wall.ingest("a", "on the wall")).json()
    assert (await wall.decide(shown["id"], "approve", 1)).status_code == 200
    response = await wall.client.get("/api/events/nope/wall/posts", params={"ids": shown["id"]})
    assert response.status_code == 404
    assert response.json()["error"]["code"]


@pytest.mark.parametrize(
    "ids",
    [
        "abc",
        "0",
        "-1",
        "1.5",
        str(2**31),
        ",".join(str(i) for i in range(1, 102)),
        "²",
        "1,²",
        "٣",
        "9" * 20,
    ],
)
async def test_bad_ids_are_a_clear_422(wall: Wall, ids: str) -> None:
    response = await wall.client.get(PATH, params={"ids": ids})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_the_service_worker_may_control_the_wall_pages(wall: Wall) -> None:
    response = await wall.client.get("/wall-sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["content-type"].startswith("text/javascript")
    assert 'addEventListener("fetch"' in response.text
