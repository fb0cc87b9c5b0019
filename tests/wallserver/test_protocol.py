"""The wire protocol: one registry of message types that the doc, the server and the pages share,
and the byte format walls in the field already parse."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from moderation.claims import Claim
from moderation.queue import Effect
from tests.frontend.js import call, load
from wallserver import protocol
from wallserver.posts.records import PostRecord

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
TABLE_ROW = re.compile(r"^\| `([a-z.]+)` \| (wall|moderation|client) \|", re.MULTILINE)
# {"type": "post.show", ...} and {"type": "queue.new" | "queue.update", ...}
TYPE_FIELD = re.compile(r'"type":\s*((?:"[^"]+"\s*\|?\s*)+)')

# Type names that may still be spelt out beside protocol.py, with why.
LITERALS_ALLOWED = {
    # The heartbeat model's pydantic Literal: what the server reads, not what it sends.
    ("wallserver/screens/presence.py", "heartbeat"),
}


def documented() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {"wall": set(), "moderation": set(), "client": set()}
    for name, stream in TABLE_ROW.findall(DOC):
        table[stream].add(name)
    return table


def sample_post() -> PostRecord:
    at = datetime(2026, 12, 18, 19, 4, 11, 512000, tzinfo=UTC)
    return PostRecord(
        id=7,
        event_id=1,
        source="upload",
        source_id="u-7",
        author_name="Mia Müller",
        author_handle="",
        author_avatar_url="",
        text='Frohe Weihnachten! 🎄 "Werkstolz"',
        media=[
            {"url": "/media/3fa1.jpg", "kind": "image", "alt": "", "width": 1200, "height": 900}
        ],
        url="",
        created_at=at,
        received_at=at,
        status="approved",
        pinned=False,
        version=1,
        rule="",
        rule_reason="",
    )


def test_the_doc_table_lists_exactly_the_registered_types() -> None:
    """docs/protocol.md's table names every type each stream carries, and no other."""
    table = documented()
    for stream, types in protocol.MESSAGE_TYPES.items():
        assert table[stream] == set(types), stream
    assert table["client"] == set(protocol.CLIENT_TYPES)


def test_every_type_the_doc_shows_is_registered() -> None:
    """Each "type" in the doc's examples and prose is one the server sends or reads."""
    known = {t for types in protocol.MESSAGE_TYPES.values() for t in types}
    known |= set(protocol.CLIENT_TYPES)
    shown = {n for group in TYPE_FIELD.findall(DOC) for n in re.findall(r'"([^"]+)"', group)}
    assert shown, "the doc shows no messages: has its format changed?"
    assert shown <= known, shown - known


def test_messages_js_names_the_same_types() -> None:
    """The pages' frontend/static/common/messages.js lists what the server registers."""
    ctx = load("common/messages.js")
    assert call(ctx, "WALL_TYPES") == list(protocol.WALL_TYPES)
    assert call(ctx, "FEED_TYPES") == list(protocol.FEED_TYPES)
    assert call(ctx, "CLIENT_TYPES") == list(protocol.CLIENT_TYPES)
    for name in dir(protocol):
        value = getattr(protocol, name)
        if name.isupper() and isinstance(value, str):
            assert call(ctx, name) == value, name


def test_messages_js_parses_only_typed_objects() -> None:
    """parseMessage keeps JSON objects with a string type and drops everything else."""
    ctx = load("common/messages.js")
    assert call(ctx, """parseMessage('{"type":"post.pin","seq":4,"post_id":2}')""") == {
        "type": "post.pin",
        "seq": 4,
        "post_id": 2,
    }
    for raw in ["not json", "[1]", "null", '{"seq":1}', '{"type":3}']:
        assert call(ctx, f"parseMessage({json.dumps(raw)})") is None, raw
    assert call(ctx, "hasSeq({seq: 3})") is True
    assert call(ctx, "hasSeq({seq: 0}) || hasSeq({seq: 1.5}) || hasSeq({})") is False


def test_post_show_bytes_are_what_walls_in_the_field_parse() -> None:
    """A stored post.show is compact, keeps UTF-8 as it is, and has type, then seq, then post."""
    text = protocol.encode(protocol.post_show(sample_post()), 12)
    assert text == (
        '{"type":"post.show","seq":12,"post":{"id":7,"source":"upload",'
        '"author":{"name":"Mia Müller","handle":"","avatar_url":""},'
        '"text":"Frohe Weihnachten! 🎄 \\"Werkstolz\\"",'
        '"media":[{"url":"/media/3fa1.jpg","kind":"image","alt":"","width":1200,"height":900}],'
        '"created_at":"2026-12-18T19:04:11.512000Z","url":"","pinned":false}}'
    )


def test_encode_matches_the_format_before_the_protocol_module() -> None:
    """Every wall body encodes as the store's old formula did, byte for byte."""
    post = sample_post()
    bodies = [protocol.post_effect(effect, post) for effect in Effect] + [
        protocol.wall_paused(True),
        protocol.wall_config("main", {"layout": "masonry"}, 2),
        protocol.wall_config("lobby", None, None),
        protocol.wall_state("main", {"paused": False, "spotlight": 7}, post),
        protocol.wall_announce(None, {"id": "a", "text": "Glühwein um 20 Uhr"}),
        protocol.wall_command("main", "next"),
    ]
    for seq, body in enumerate(bodies, start=1):
        before = json.dumps(
            {"type": body["type"], "seq": seq, **{k: v for k, v in body.items() if k != "type"}},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        assert protocol.encode(body, seq) == before


def test_feed_messages_keep_their_shape() -> None:
    """Moderation feed frames: no seq of their own (wall.paused carries its wall entry's)."""
    claims = [Claim(3, "user:ada", 1700000000.12345)]
    assert protocol.encode(protocol.queue_claim(claims)) == (
        '{"type":"queue.claim","claims":[{"post_id":3,"by":"user:ada","until":1700000000.123}]}'
    )
    assert protocol.encode(protocol.queue_release([3, 4])) == (
        '{"type":"queue.release","post_ids":[3,4]}'
    )
    assert protocol.encode(protocol.feed_paused(True, 9)) == (
        '{"type":"wall.paused","paused":true,"seq":9}'
    )
    assert protocol.encode(protocol.queue_resync()) == '{"type":"queue.resync"}'
    assert protocol.encode(protocol.wall_hello(5, False)) == (
        '{"type":"hello","seq":5,"reset":false}'
    )
    body = protocol.queue_post(protocol.QUEUE_UPDATE, sample_post())
    assert body["post"]["status"] == "approved"
    with pytest.raises(ValueError):
        protocol.queue_post(protocol.POST_SHOW, sample_post())


def test_only_the_protocol_module_spells_out_message_types() -> None:
    """No other server module writes a message type as a string literal (so none composes one)."""
    names = {t for types in protocol.MESSAGE_TYPES.values() for t in types}
    names |= set(protocol.CLIENT_TYPES)
    alternatives = "|".join(re.escape(n) for n in names)
    pattern = re.compile(rf"""["']({alternatives})["']""")
    found = set()
    for path in (ROOT / "wallserver").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "wallserver/protocol.py":
            continue
        for name in pattern.findall(path.read_text(encoding="utf-8")):
            found.add((relative, name))
    assert found <= LITERALS_ALLOWED, found - LITERALS_ALLOWED
