"""Remote media from connectors, webhooks and bridges is fetched, re-encoded and served from
/media/, never hot-linked; a file that cannot be fetched never costs the post."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import Wall, make_settings
from tests.sources.conftest import FAST, until
from tests.sources.fakes import FakeMastodon, FakeMedia, jpeg, media_server, running, status
from tests.sources.test_mastodon_e2e import app_running
from tests.sources.test_polling_e2e import fake_server
from wallserver.posts.records import PostRecord
from wallserver.settings import Settings
from wallserver.sources.webhook import sign
from wallserver.store import EventInfo, Store

LOCAL = {"media_fetch_allow_networks": ["127.0.0.0/8"]}  # the fakes live on 127.0.0.1
SECRET = "s3cret-s3cret-s3cret"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", **FAST, **LOCAL)


def png(size: tuple[int, int] = (96, 96)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 90, 200, 255)).save(out, "PNG")
    return out.getvalue()


def local_file(settings: Settings, url: str) -> Path:
    assert url.startswith("/media/"), url
    path = settings.media_dir / url.removeprefix("/media/")
    assert path.is_file()
    return path


def with_media(n: int, photo: str, missing: str, avatar: str) -> dict[str, Any]:
    s = status(n)
    s["account"]["avatar_static"] = avatar
    s["media_attachments"] = [
        {"type": "image", "url": photo, "description": "the tree", "meta": {}},
        {"type": "image", "url": missing, "description": "lost photo", "meta": {}},
    ]
    return s


async def found(store: Store, event: EventInfo, source: str, source_id: str) -> PostRecord:
    post = await store.sources.find_post(event.id, source, source_id)
    assert post is not None
    return post


async def test_mastodon_media_and_avatar_are_rehosted_once(settings: Settings) -> None:
    """A status's photo and avatar are served from /media/ (EXIF gone); a photo that cannot be
    fetched leaves its description and the post; a replay and a known avatar fetch nothing."""
    media, fake = FakeMedia(), FakeMastodon()
    async with media_server(media), running(fake), app_running(settings) as store:
        photo = media.add("p1.jpg", jpeg())
        avatar = media.add("a1.png", png())
        first = with_media(1, photo, f"{media.url}/files/gone.jpg", avatar)
        fake.statuses.append(first)
        event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
        await store.sources.create(event.id, "mastodon", {"instance": fake.url, "tag": "xmas"})

        async def stored(n: int) -> bool:
            return await store.sources.find_post(event.id, "mastodon", status(n)["uri"]) is not None

        await until(lambda: stored(1), "the post")
        post = await found(store, event, "mastodon", first["uri"])
        shown, lost = post.media
        assert (shown["kind"], shown["alt"], shown["width"], shown["height"]) == (
            "image",
            "the tree",
            320,
            240,
        )
        wall_copy = local_file(settings, shown["url"]).read_bytes()
        assert wall_copy.startswith(b"\xff\xd8") and b"secret-location-marker" not in wall_copy
        local_file(settings, shown["thumb_url"])
        assert shown["placeholder"]
        assert lost == {
            "url": "",
            "kind": "image",
            "alt": "lost photo",
            "width": None,
            "height": None,
        }
        local_file(settings, post.author_avatar_url)
        assert media.url not in json.dumps(post.wall_view())  # nothing points at the CDN
        assert sorted(media.hits) == ["a1.png", "gone.jpg", "p1.jpg"]

        await fake.connected.wait()
        fake.send("update", json.dumps(first))  # the same status again, through the stream
        second = status(2)
        second["account"]["avatar_static"] = avatar  # the same author posts again
        fake.statuses.append(second)
        fake.send("update", json.dumps(second))
        await until(lambda: stored(2), "the second post")
        assert sorted(media.hits) == ["a1.png", "gone.jpg", "p1.jpg"]
        again = await found(store, event, "mastodon", second["uri"])
        assert again.author_avatar_url == post.author_avatar_url


def rss_with_image(url: str) -> bytes:
    return (
        "<rss version='2.0'><channel><title>t</title><item><title>Lights</title>"
        "<guid isPermaLink='false'>n1</guid>"
        f"<enclosure url='{url}' type='image/jpeg' length='1'/>"
        "</item></channel></rss>"
    ).encode()


async def test_private_addresses_are_not_fetched_by_default(tmp_path: Path) -> None:
    """Without an allow-list a feed naming a local address gets no request from us: the post
    is stored as text, nothing hot-linked."""
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    media = FakeMedia()
    async with media_server(media):
        photo = media.add("p.jpg", jpeg())

        async def feed(request: Request) -> Response:
            return Response(rss_with_image(photo))

        plain = make_settings(tmp_path / "data", **FAST)
        async with fake_server([Route("/feed.xml", feed)]) as base, app_running(plain) as store:
            event = await store.events.create("fair", "Fair", ["xmas"])
            await store.sources.create(event.id, "rss", {"url": f"{base}/feed.xml", "interval": 60})

            async def stored() -> bool:
                return await store.sources.find_post(event.id, "rss", "n1") is not None

            await until(stored, "the entry")
            post = await found(store, event, "rss", "n1")
            assert post.text == "Lights"
            assert [m["url"] for m in post.media] == [""]
            assert media.hits == []


async def test_bridge_and_webhook_media_are_rehosted(wall: Wall, settings: Settings) -> None:
    """The ingest API and signed webhooks re-host too; a repeat fetches nothing; a URL naming
    one of our own /media/ files is referenced locally, not fetched."""
    media = FakeMedia()
    async with media_server(media):
        photo = media.add("b.jpg", jpeg((200, 100)))
        avatar = media.add("face.png", png())
        body = {
            "media": [{"url": photo, "kind": "image", "alt": "bridge photo"}],
            "author": {"name": "Ann", "avatar_url": avatar},
        }
        created = await wall.ingest("b-1", "from the bridge", **body)
        assert created.status_code == 202, created.text
        repeat = await wall.ingest("b-1", "from the bridge", **body)
        assert repeat.status_code == 200
        post = await wall.store.posts.get(created.json()["id"])
        (item,) = post.media
        assert (item["alt"], item["width"], item["height"]) == ("bridge photo", 200, 100)
        local_file(settings, item["url"])
        local_file(settings, post.author_avatar_url)
        assert sorted(media.hits) == ["b.jpg", "face.png"]

        name = item["url"].removeprefix("/media/")
        ours = {"media": [{"url": f"https://elsewhere.example/media/{name}", "kind": "image"}]}
        same = await wall.ingest("b-2", "ours", **ours)
        assert (await wall.store.posts.get(same.json()["id"])).media[0]["url"] == item["url"]

        source = await wall.client.post(
            f"/api/events/{wall.event.slug}/sources",
            json={"kind": "webhook", "secret": SECRET},
            headers=wall.auth("admin"),
        )
        hook = {"id": "w-1", "text": "sms", "media": [{"url": media.add("w.jpg", jpeg())}]}
        raw = json.dumps(hook).encode()
        stamp = str(int(time.time()))
        sent = await wall.client.post(
            f"/api/events/{wall.event.slug}/webhooks/{source.json()['id']}",
            content=raw,
            headers={"X-Wall-Timestamp": stamp, "X-Wall-Signature": sign(SECRET, stamp, raw)},
        )
        assert sent.status_code == 202, sent.text
        name = f"webhook-{source.json()['id']}"
        hooked = await found(wall.store, wall.event, name, "w-1")
        local_file(settings, hooked.media[0]["url"])
        assert "w.jpg" in media.hits


async def test_custom_emoji_are_rehosted_and_shared(settings: Settings) -> None:
    """A status's custom emoji come as ``kind: emoji`` items served from /media/, fetched once
    for every post that uses them; one that cannot be fetched is left out, its text stays."""
    media, fake = FakeMedia(), FakeMastodon()
    async with media_server(media), running(fake), app_running(settings) as store:
        tree = media.add("tree.png", png((64, 64)))
        for n in (1, 2):
            s = status(n)
            s["content"] = f"<p>post {n} :tree: :gone: #xmas</p>"
            s["emojis"] = [
                {"shortcode": "tree", "url": tree, "static_url": tree},
                {"shortcode": "gone", "url": f"{media.url}/files/gone.png"},
            ]
            fake.statuses.append(s)
        event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
        await store.sources.create(event.id, "mastodon", {"instance": fake.url, "tag": "xmas"})

        async def both() -> bool:
            found = [
                await store.sources.find_post(event.id, "mastodon", status(n)["uri"])
                for n in (1, 2)
            ]
            return all(found)

        await until(both, "the posts")
        first = await found(store, event, "mastodon", status(1)["uri"])
        second = await found(store, event, "mastodon", status(2)["uri"])
        assert first.text == "post 1 :tree: :gone: #xmas"
        (emoji,) = first.media
        assert (emoji["kind"], emoji["shortcode"], emoji["alt"]) == ("emoji", "tree", ":tree:")
        local_file(settings, emoji["url"])
        assert second.media == first.media
        assert media.hits.count("tree.png") == 1


async def test_connector_videos_are_rehosted_when_videos_are_on(tmp_path: Path) -> None:
    """A Mastodon video (or gifv) is stored as our own MP4 when videos are configured; a clip
    over the length limit stays text. The content decides: X's video poster is a photo."""
    clips = Path(__file__).parent.parent / "data" / "video"
    on = make_settings(
        tmp_path / "data", **FAST, **LOCAL, video_max_bytes=1_000_000, video_max_seconds=5
    )
    media, fake = FakeMedia(), FakeMastodon()
    async with media_server(media), running(fake), app_running(on) as store:
        s = status(1)
        s["media_attachments"] = [
            {"type": "gifv", "url": media.add("v.mp4", (clips / "short.mp4").read_bytes())},
            {"type": "video", "url": media.add("l.webm", (clips / "long.webm").read_bytes())},
            {"type": "video", "url": media.add("poster.jpg", jpeg())},
        ]
        fake.statuses.append(s)
        event = await store.events.create("fair", "Fair", ["xmas"])
        await store.sources.create(event.id, "mastodon", {"instance": fake.url, "tag": "xmas"})

        async def stored() -> bool:
            return await store.sources.find_post(event.id, "mastodon", s["uri"]) is not None

        await until(stored, "the post")
        post = await found(store, event, "mastodon", s["uri"])
        clip, too_long, poster = post.media
        assert (clip["kind"], clip["mime"], clip["width"]) == ("video", "video/mp4", 160)
        assert clip["url"].endswith(".mp4")
        assert local_file(on, clip["url"]).read_bytes() == (clips / "short.mp4").read_bytes()
        assert too_long["url"] == "" and too_long["kind"] == "video"
        assert poster["kind"] == "image" and poster["url"].endswith(".jpg")
