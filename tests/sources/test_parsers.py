"""Parsers on recorded payloads that follow each network's documented format."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallserver.dates import EARLIEST, LATEST
from wallserver.posts import judge as candidates
from wallserver.sources import bluesky, instagram, mastodon, rss, x
from wallserver.sources.items import Candidate, Deletion, MalformedPayload, Update, parse_time
from wallserver.sources.sse import decode
from wallserver.sources.text import html_to_text

DATA = Path(__file__).parent.parent / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_mastodon_status_becomes_safe_text_with_links_tags_and_media() -> None:
    """HTML goes, the link and the hashtag stay as words, scripts vanish, the picture is kept."""
    c = mastodon.parse_status(load("mastodon/status.json"))
    assert c.post.text == (
        "Lights are up at the market! #xmas :tree: & more at "
        "https://example.org/market/2026\n\nSee you there\ntonight"
    )
    assert c.post.source_id == "https://mastodon.social/users/alice/statuses/113567812345678901"
    assert c.post.author_handle == "@alice@mastodon.social"
    assert c.post.author_name == "Alice 🎄"
    assert c.post.media[0]["alt"] == "String lights over market stalls"
    assert c.post.media[0]["width"] == 1200
    assert c.post.created_at == datetime(2026, 12, 24, 18, 30, 12, tzinfo=UTC)
    assert c.matches(["XMAS"])


def test_mastodon_boost_resolves_to_the_original() -> None:
    """A boost on another instance is keyed on the original's uri, so it is never a second post."""
    c = mastodon.parse_status(load("mastodon/boost.json"))
    assert c.post.source_id == "https://chaos.social/users/carol/statuses/113567800000000001"
    assert c.post.author_handle == "@carol@chaos.social"
    assert c.post.author_name == "carol"
    assert c.post.text == "Mulled wine stand is open #Xmas"


def test_mastodon_stream_update_edit_and_delete() -> None:
    """update -> candidate, status.update -> update, delete (a local id) -> the post's uri."""
    uris: dict[str, str] = {}
    lines = (DATA / "mastodon/stream.sse").read_text().splitlines()
    items = [mastodon.parse_event(e.event, e.data, uris) for e in decode(lines)]
    assert isinstance(items[0], Candidate) and items[0].post.text == "Choir at 8 #xmas"
    assert isinstance(items[1], Update) and items[1].candidate.post.text == "Choir at 8:30 #xmas"
    assert items[2] == Deletion("https://mastodon.social/users/dan/statuses/200")


def test_mastodon_delete_of_an_unknown_status_is_ignored_and_bad_json_is_malformed() -> None:
    """A deletion for a status we never saw is nothing to do; a broken update is reported."""
    assert mastodon.parse_event("delete", "999", {}) is None
    with pytest.raises(MalformedPayload):
        mastodon.parse_event("update", "{not json", {})
    with pytest.raises(MalformedPayload):
        mastodon.parse_frame("[]", {})


def test_bluesky_commit_with_tag_facet_and_image() -> None:
    """A create carries the facet's tag, an at:// uri, a bsky.app link and a CDN image URL."""
    event = bluesky.parse((DATA / "bluesky/create.json").read_text())
    assert event.time_us == 1766601000123456
    c = event.item
    assert isinstance(c, Candidate) and c.tags == {"xmas"}
    did = "did:plc:eygmaihciaxprqvxpfvl6flk"
    assert c.post.source_id == f"at://{did}/app.bsky.feed.post/3lbfnm2bxb22a"
    assert c.post.url == f"https://bsky.app/profile/{did}/post/3lbfnm2bxb22a"
    assert c.post.media[0]["url"].startswith(f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/")
    assert c.post.media[0]["alt"] == "The rink at dusk"


def test_bluesky_tags_delete_and_other_events() -> None:
    """Tags without facets match; a delete names the same uri; identity events carry no item."""
    tags = bluesky.parse((DATA / "bluesky/tags_only.json").read_text()).item
    assert isinstance(tags, Candidate) and tags.matches(["market"])
    gone = bluesky.parse((DATA / "bluesky/delete.json").read_text()).item
    assert gone == Deletion(
        "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3lbfnm2bxb22a"
    )
    assert bluesky.parse((DATA / "bluesky/identity.json").read_text()).item is None
    with pytest.raises(MalformedPayload):
        bluesky.parse(b'{"kind": "commit"}')


def test_rss_and_atom_entries() -> None:
    """Entries oldest first, HTML summaries as text, enclosures as pictures, categories as tags."""
    first, second = rss.parse((DATA / "rss/feed.xml").read_bytes())
    assert first.post.source_id == "news-1"
    assert first.post.media[0]["url"] == "https://example.org/lights.jpg"
    assert second.post.text == "Choir tonight\n\nThe choir sings at 8pm."
    assert second.matches(["xmas"])
    (atom,) = rss.parse((DATA / "rss/atom.xml").read_bytes())
    assert atom.post.text == "Skating\n\nThe rink opens here"
    assert atom.post.author_name == "Erin"
    assert atom.post.created_at == datetime(2026, 12, 24, 18, 30, 2, tzinfo=UTC)
    with pytest.raises(MalformedPayload):
        rss.parse(b"<html><body>not a feed</body>")


def test_x_recent_search_page() -> None:
    """Tweets oldest first with their author and photo from ``includes``; newest_id kept."""
    page = x.parse(load("x/recent_search.json"))
    assert [c.post.source_id for c in page.candidates] == [
        "1871987654321098753",
        "1871987654321098754",
    ]
    first = page.candidates[0]
    assert first.post.author_handle == "@marketfan"
    assert first.post.media[0]["url"] == "https://pbs.twimg.com/media/Gabc.jpg"
    assert first.post.url == "https://x.com/marketfan/status/1871987654321098753"
    assert first.matches(["xmas"])
    assert page.newest_id == "1871987654321098754"
    assert x.parse({"meta": {"result_count": 0}}).candidates == []


def test_instagram_hashtag_search_and_recent_media() -> None:
    """The tag id, then media with captions, pictures (a carousel's first) and permalinks."""
    assert instagram.hashtag_id(load("instagram/hashtag_search.json")) == "17843853986012965"
    with pytest.raises(MalformedPayload):
        instagram.hashtag_id({"data": []})
    page = instagram.parse(load("instagram/recent_media.json"), "xmas")
    image, album = page.candidates
    assert image.post.text == "Ice skating #xmas #winter"
    assert image.post.created_at == datetime(2026, 12, 24, 18, 30, tzinfo=UTC)
    assert album.post.media[0]["url"].endswith("/2.jpg")
    assert page.after == "QVFIUmlt"


def test_mastodon_custom_emoji_in_text_or_name_come_as_emoji_items() -> None:
    """Emoji the text or the author's name uses are carried as ``kind: emoji`` items (the static
    picture); unused ones and shortcodes that are not plain words are not; the text keeps
    ``:shortcode:`` as plain text; emoji do not count as the post's media for the rules."""
    raw = load("mastodon/status.json")
    raw["account"]["display_name"] = "Alice :santa:"
    raw["account"]["emojis"] = [
        {
            "shortcode": "santa",
            "url": "https://f.test/santa.gif",
            "static_url": "https://f.test/s.png",
        }
    ]
    raw["emojis"] += [
        {"shortcode": "unused", "url": "https://f.test/u.png", "static_url": ""},
        {"shortcode": "x<img>", "url": "https://f.test/x.png"},
        "not an emoji",
    ]
    c = mastodon.parse_status(raw)
    assert ":tree:" in c.post.text
    emoji = [m for m in c.post.media if m["kind"] == "emoji"]
    assert emoji == [
        {
            "kind": "emoji",
            "shortcode": "tree",
            "url": "https://files.mastodon.social/custom_emojis/images/tree.png",
            "alt": ":tree:",
        },
        {"kind": "emoji", "shortcode": "santa", "url": "https://f.test/s.png", "alt": ":santa:"},
    ]
    only_emoji = candidates.candidate(
        source="mastodon",
        author_name="",
        author_handle="",
        text=":tree:",
        media=emoji,
        url="",
        earlier=[],
        now=0.0,
    )
    assert only_emoji.has_media is False


TAGS = st.sampled_from(["p", "a", "span", "b", "br", "div", "em", "script", "li"])
WORDS = st.text(st.characters(blacklist_characters="<>&", blacklist_categories=("Cs",)))


@given(st.text())
def test_html_to_text_never_raises(html: str) -> None:
    """Any input, however broken, gives text."""
    assert isinstance(html_to_text(html), str)


@given(st.lists(st.tuples(TAGS, WORDS), max_size=8))
def test_html_to_text_never_yields_markup(parts: list[tuple[str, str]]) -> None:
    """Text wrapped in tags comes out without a single tag; words outside scripts survive."""
    html = "".join(f"<{t} class='x'>{w}</{t}>" for t, w in parts)
    text = html_to_text(html)
    assert "<" not in text and ">" not in text
    for tag, words in parts:
        for word in words.split():
            if tag != "script" and word.isprintable():
                assert word in text


def test_bluesky_profile_gives_the_author() -> None:
    """getProfile's display name, handle and avatar become the post's author."""
    author = bluesky.profile(load("bluesky/get_profile.json"))
    assert author == {
        "author_name": "Christmas Market",
        "author_handle": "@market.bsky.social",
        "author_avatar_url": "https://cdn.bsky.app/img/avatar/plain/"
        "did:plc:eygmaihciaxprqvxpfvl6flk/bafkreiabc@jpeg",
    }
    with pytest.raises(MalformedPayload):
        bluesky.profile({"error": "InvalidRequest"})


def test_bluesky_search_results_become_candidates_with_authors() -> None:
    """searchPosts' PostViews keep the Jetstream key (the at:// uri), the author's name and
    handle, the image (as the CDN's full-size URL) and its alt; tags from facets or ``tags``."""
    page = bluesky.search_page(load("bluesky/search_posts.json"))
    market, ann = page.candidates
    assert market.post.source_id == (
        "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3lcxmas2"
    )
    assert (market.post.author_name, market.post.author_handle) == (
        "Christmas Market",
        "@market.bsky.social",
    )
    assert market.post.media[0]["url"].endswith("/bafkreimugs@jpeg")
    assert market.post.media[0]["alt"] == "Steaming mugs"
    assert (ann.post.author_name, ann.post.text) == ("ann.bsky.social", "Lights! #Xmas")
    assert market.matches(["XMAS"]) and ann.matches(["xmas"])
    assert page.cursor == "25" and page.indexed[1] == "2026-12-24T18:30:01.000Z"
    with pytest.raises(MalformedPayload):
        bluesky.search_page({"error": "AuthenticationRequired"})
    broken = [
        {"uri": "at://x"},
        {**load("bluesky/search_posts.json")["posts"][0], "record": {"facets": 1}},
    ]
    kept = bluesky.search_page({"posts": [*broken, *load("bluesky/search_posts.json")["posts"]]})
    assert [c.post.source_id for c in kept.candidates] == [
        c.post.source_id for c in page.candidates
    ]


ISSUE_13 = "0001-01-01T00:00:00+23:59"  # overflowed the store's conversion to UTC


def sane(value: datetime | None) -> bool:
    return value is None or (value.utcoffset() == timedelta(0) and EARLIEST <= value < LATEST)


OFFSET = st.tuples(st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59))
STAMPS = st.builds(
    lambda d, sep, frac, zone: f"{d:%Y-%m-%d}{sep}{d:%H:%M:%S}{frac}{zone}",
    st.datetimes(),
    st.sampled_from("T "),
    st.sampled_from(["", ".000", ".123456"]),
    st.one_of(
        st.sampled_from(["", "Z", "z"]),
        OFFSET.map(lambda o: f"{o[0]}{o[1]:02}:{o[2]:02}"),
        OFFSET.map(lambda o: f"{o[0]}{o[1]:02}{o[2]:02}"),
    ),
)


@given(STAMPS | st.text(max_size=40))
def test_any_date_string_is_a_sane_utc_date_or_none(value: str) -> None:
    """Whatever date a network sends, from year 1 to 9999 at any offset, or any text at all:
    an aware UTC date between 2000 and 2100, or None for the arrival time; never an exception."""
    assert sane(parse_time(value))


@given(STAMPS)
def test_every_parser_turns_any_date_into_a_sane_one(value: str) -> None:
    """Mastodon, Bluesky, X and Instagram posts with any date parse, with a sane date or none."""
    status = {**load("mastodon/status.json"), "created_at": value}
    assert sane(mastodon.parse_status(status).post.created_at)
    raw = json.loads((DATA / "bluesky/create.json").read_text())
    raw["commit"]["record"]["createdAt"] = value
    item = bluesky.parse(json.dumps(raw)).item
    assert isinstance(item, Candidate) and sane(item.post.created_at)
    body = load("x/recent_search.json")
    body["data"] = [{**t, "created_at": value} for t in body["data"]]
    assert all(sane(c.post.created_at) for c in x.parse(body).candidates)
    media = load("instagram/recent_media.json")
    media["data"] = [{**m, "timestamp": value} for m in media["data"]]
    assert all(sane(c.post.created_at) for c in instagram.parse(media, "xmas").candidates)


def test_bluesky_post_of_issue_13_keeps_the_post_without_its_date() -> None:
    """The Jetstream post whose createdAt crash-looped the connector is a post with no date."""
    raw = json.loads((DATA / "bluesky/create.json").read_text())
    raw["commit"]["record"]["createdAt"] = ISSUE_13
    item = bluesky.parse(json.dumps(raw)).item
    assert isinstance(item, Candidate)
    assert item.post.text == "Skating rink is open! #Xmas" and item.post.created_at is None


def test_a_post_of_the_wrong_shape_is_malformed_not_a_crash() -> None:
    """Fields of the wrong JSON type are a MalformedPayload, which loops skip, never a TypeError."""
    with pytest.raises(MalformedPayload):
        mastodon.parse_status({**load("mastodon/status.json"), "account": "ann"})
    raw = json.loads((DATA / "bluesky/create.json").read_text())
    raw["commit"]["record"]["facets"] = ["not a facet"]
    with pytest.raises(MalformedPayload):
        bluesky.parse(json.dumps(raw))


def test_one_bad_item_costs_only_itself_in_a_page() -> None:
    """A tweet without text, Instagram media without an id: skipped, the rest of the page kept."""
    body = load("x/recent_search.json")
    body["data"] = [{"id": "1", "author_id": "2"}, *body["data"]]
    assert len(x.parse(body).candidates) == 2
    media = load("instagram/recent_media.json")
    media["data"] = [{"caption": "no id"}, {"id": "9", "children": {"data": ["x"]}}, *media["data"]]
    assert len(instagram.parse(media, "xmas").candidates) == 2


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value, as a path of keys and indexes."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = value.copy()
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


RECORDED: dict[str, Any] = {
    "mastodon/status.json": mastodon.parse_status,
    "mastodon/boost.json": mastodon.parse_status,
    "bluesky/create.json": lambda body: bluesky.parse(json.dumps(body)),
    "x/recent_search.json": x.parse,
    "instagram/recent_media.json": lambda body: instagram.parse(body, "xmas"),
}


@given(st.sampled_from(sorted(RECORDED)), st.data())
def test_any_value_anywhere_in_a_payload_is_parsed_or_malformed(name: str, data: Any) -> None:
    """A recorded payload with any JSON value put in any place (a field of the wrong type, a
    list for a string, a null): parsed, or refused as MalformedPayload, which the connectors
    skip; never another exception that would stop a connector."""
    body = load(name)
    where = data.draw(st.sampled_from(paths(body)))
    broken = replaced(body, where, data.draw(JSON))
    try:
        RECORDED[name](broken)
    except MalformedPayload:
        pass


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_as_a_feed_or_a_stream_frame_are_parsed_or_malformed(raw: bytes) -> None:
    """Whatever a feed URL or a stream sends, RSS, Jetstream and Mastodon frames parse or are
    MalformedPayload."""
    for parse in (
        rss.parse,
        bluesky.parse,
        lambda b: mastodon.parse_frame(b.decode("utf-8", "replace"), {}),
    ):
        try:
            parse(raw)
        except MalformedPayload:
            pass
