"""Bad input gets a 4xx with the error shape, never a 500, and leaves stored data untouched."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import Wall, make_settings
from wallserver.settings import Settings

JSON_LIMIT = 16 * 1024
UPLOAD_LIMIT = 64 * 1024
INGEST = "/api/events/xmas/ingest"
SUBMIT = "/api/events/xmas/submissions"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Small body limits, so oversized requests stay cheap to send."""
    return make_settings(
        tmp_path / "data", max_json_body_bytes=JSON_LIMIT, max_upload_bytes=UPLOAD_LIMIT
    )


def assert_error_shape(response: httpx.Response) -> dict[str, Any]:
    """The contract's error body: exactly ``{"error": {"code": str, "message": str}}``."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


async def snapshot(w: Wall) -> tuple[list[Any], list[str]]:
    """Every post of the event and every stored wall message."""
    posts = await w.store.posts.page(w.event.id, None, 1000, None)
    log = await w.store.wall.after(w.event.id, 0, limit=10_000)
    return posts.posts, [m.text for m in log]


@pytest.fixture
async def seeded(wall: Wall) -> Wall:
    """The wall with one approved post, so there is something to leave untouched."""
    created = await wall.ingest("seed", "already here")
    assert (await wall.decide(created.json()["id"], "approve", 1)).status_code == 200
    return wall


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Case:
    status: int
    code: str
    method: str
    path: str
    role: str | None = "ingest"
    json: Any = None
    content: bytes | None = None
    data: dict[str, str] | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def ingest(status: int, code: str, body: Any) -> Case:
    return Case(status, code, "POST", INGEST, json=body)


def body(**fields: Any) -> dict[str, Any]:
    return {"source": "test", "source_id": "new-1", "text": "hi", **fields}


CASES = {
    "malformed json": Case(
        422,
        "validation_error",
        "POST",
        INGEST,
        content=b'{"source": "test", "source_id": ',
        headers={"content-type": "application/json"},
    ),
    "not json at all": Case(
        422,
        "validation_error",
        "POST",
        INGEST,
        content=b"\xff\xfe\x00garbage",
        headers={"content-type": "application/json"},
    ),
    "json array": ingest(422, "validation_error", [1, 2, 3]),
    "json null": ingest(422, "validation_error", None),
    "missing source_id": ingest(422, "validation_error", {"source": "test", "text": "x"}),
    "source_id a number": ingest(422, "validation_error", body(source_id=42)),
    "text a list": ingest(422, "validation_error", body(text=["a"])),
    "author a string": ingest(422, "validation_error", body(author="anna")),
    "media an object": ingest(422, "validation_error", body(media={"url": "https://x.y/a"})),
    "created_at garbage": ingest(422, "validation_error", body(created_at="yesterday")),
    "source with spaces": ingest(422, "validation_error", body(source="My Source")),
    "text over the limit": ingest(422, "validation_error", body(text="x" * 1001)),
    "text with NUL": ingest(422, "validation_error", body(text="a\x00b")),
    "media javascript url": ingest(
        422, "validation_error", body(media=[{"url": "javascript:alert(1)", "kind": "image"}])
    ),
    "media data url": ingest(
        422, "validation_error", body(media=[{"url": "data:image/png;base64,AAAA"}])
    ),
    "emoji without a shortcode": ingest(
        422, "validation_error", body(media=[{"url": "https://x.y/e.png", "kind": "emoji"}])
    ),
    "emoji shortcode with markup": ingest(
        422,
        "validation_error",
        body(media=[{"url": "https://x.y/e.png", "kind": "emoji", "shortcode": "<b>"}]),
    ),
    "shortcode on a photo": ingest(
        422,
        "validation_error",
        body(media=[{"url": "https://x.y/e.png", "kind": "image", "shortcode": "tree"}]),
    ),
    "media kind audio": ingest(
        422, "validation_error", body(media=[{"url": "https://x.y/a.mp3", "kind": "audio"}])
    ),
    "avatar ftp url": ingest(
        422, "validation_error", body(author={"name": "a", "avatar_url": "ftp://x.y/a.png"})
    ),
    "post url file scheme": ingest(422, "validation_error", body(url="file:///etc/passwd")),
    "unknown event": Case(404, "not_found", "POST", "/api/events/nope/ingest", json=body()),
    "too large by content-length": ingest(
        413, "payload_too_large", body(text="x" * (JSON_LIMIT + 10))
    ),
    "submission without consent": Case(
        422, "validation_error", "POST", SUBMIT, role=None, data={"text": "hi", "author": "A"}
    ),
    "submission consent no": Case(
        422, "validation_error", "POST", SUBMIT, role=None, data={"text": "hi", "consent": "no"}
    ),
    "submission text over the limit": Case(
        422,
        "validation_error",
        "POST",
        SUBMIT,
        role=None,
        data={"text": "x" * 1001, "consent": "1"},
    ),
    "submission empty": Case(
        422, "validation_error", "POST", SUBMIT, role=None, data={"text": "  ", "consent": "1"}
    ),
    "submission image not an image": Case(
        415,
        "unsupported_media_type",
        "POST",
        SUBMIT,
        role=None,
        data={"text": "hi", "consent": "yes"},
        files={"image": ("cat.jpg", b"MZ\x90\x00 this is an exe", "image/jpeg")},
    ),
    "submission image truncated": Case(
        415,
        "unsupported_media_type",
        "POST",
        SUBMIT,
        role=None,
        data={"consent": "yes"},
        files={"image": ("red.png", png()[:40], "image/png")},
    ),
    "submission too large": Case(
        413,
        "payload_too_large",
        "POST",
        SUBMIT,
        role=None,
        data={"consent": "yes"},
        files={"image": ("big.png", b"\x89PNG" + b"\x00" * (UPLOAD_LIMIT + 70_000), "image/png")},
    ),
    "submission unknown event": Case(
        404, "not_found", "POST", "/api/events/nope/submissions", role=None, data={"consent": "1"}
    ),
    "decision unknown action": Case(
        422,
        "validation_error",
        "POST",
        "/api/posts/1/decision",
        role="moderator",
        json={"action": "explode", "version": 1},
    ),
    "decision version zero": Case(
        422,
        "validation_error",
        "POST",
        "/api/posts/1/decision",
        role="moderator",
        json={"action": "reject", "version": 0},
    ),
    "decision on a non-numeric id": Case(
        422,
        "validation_error",
        "POST",
        "/api/posts/abc/decision",
        role="moderator",
        json={"action": "reject", "version": 1},
    ),
    "decision stale": Case(
        409,
        "stale_version",
        "POST",
        "/api/posts/1/decision",
        role="moderator",
        json={"action": "reject", "version": 1},
    ),
    "queue unknown status": Case(
        422, "validation_error", "GET", "/api/events/xmas/posts?status=bogus", role="moderator"
    ),
    "queue limit zero": Case(
        422, "validation_error", "GET", "/api/events/xmas/posts?limit=0", role="moderator"
    ),
    "event bad slug": Case(
        422,
        "validation_error",
        "POST",
        "/api/events",
        role="admin",
        json={"slug": "Bad Slug", "name": "x", "hashtags": ["x"]},
    ),
    "event slug with a newline": Case(
        422,
        "validation_error",
        "POST",
        "/api/events",
        role="admin",
        json={"slug": "party\n", "name": "x", "hashtags": ["x"]},
    ),
    "event duplicate slug": Case(
        409,
        "conflict",
        "POST",
        "/api/events",
        role="admin",
        json={"slug": "xmas", "name": "x", "hashtags": ["x"]},
    ),
    "rules not a list": Case(
        422,
        "validation_error",
        "PUT",
        "/api/events/xmas/rules",
        role="admin",
        json={"blocklist": "crap"},
    ),
    "unknown api path": Case(404, "not_found", "GET", "/api/nothing-here", role=None),
    "wrong method": Case(405, "method_not_allowed", "DELETE", "/api/events/xmas", role=None),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_request_is_a_4xx_error_and_changes_nothing(seeded: Wall, name: str) -> None:
    """Each kind of bad input gets its status and error code, and no post or wall event appears."""
    case = CASES[name]
    before = await snapshot(seeded)
    headers = {**(seeded.auth(case.role) if case.role else {}), **case.headers}
    kwargs: dict[str, Any] = {"headers": headers}
    if case.json is not None or (
        case.content is None and case.data is None and case.method != "GET"
    ):
        kwargs["json"] = case.json
    if case.content is not None:
        kwargs["content"] = case.content
    if case.data is not None:
        kwargs["data"] = case.data
    if case.files is not None:
        kwargs["files"] = case.files
    response = await seeded.client.request(case.method, case.path, **kwargs)
    if case.code == "stale_version":  # the one error that also carries the current post
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "stale_version"
    else:
        error = assert_error_shape(response)
        assert (response.status_code, error["code"]) == (case.status, case.code), response.text
    assert await snapshot(seeded) == before


async def chunks(total: int, size: int = 4096) -> AsyncIterator[bytes]:
    yield b'{"source": "test", "source_id": "big", "text": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


async def test_oversized_streamed_body_is_413(seeded: Wall) -> None:
    """A body without Content-Length is cut off at the limit with 413, not read to the end."""
    before = await snapshot(seeded)
    response = await seeded.client.post(
        INGEST,
        content=chunks(JSON_LIMIT * 4),
        headers={**seeded.auth("ingest"), "content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    error = assert_error_shape(response)
    assert (response.status_code, error["code"]) == (413, "payload_too_large")
    assert await snapshot(seeded) == before


async def test_oversized_streamed_upload_is_413(seeded: Wall) -> None:
    """A streamed multipart upload over the limit is refused with 413."""
    before = await snapshot(seeded)
    boundary = "wallboundary"

    async def parts() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="consent"\r\n\r\nyes\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        for _ in range((UPLOAD_LIMIT + 200_000) // 4096):
            yield b"\x00" * 4096
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await seeded.client.post(
        SUBMIT,
        content=parts(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    error = assert_error_shape(response)
    assert (response.status_code, error["code"]) == (413, "payload_too_large")
    assert await snapshot(seeded) == before


def multipart(size: int, boundary: str = "wallboundary") -> bytes:
    """A form with one file part of ``size`` bytes."""
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x00" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )


MULTIPART = {"content-type": "multipart/form-data; boundary=wallboundary"}


@pytest.mark.parametrize(
    "path",
    [INGEST, "/api/session", "/api/events", "/api/events/xmas/screens", "/api/posts/1/decision"],
)
async def test_a_multipart_header_does_not_lift_the_json_limit(seeded: Wall, path: str) -> None:
    """Routes that take no files refuse a body over the JSON limit with 413 whatever its
    content type says, before they look at who is calling."""
    before = await snapshot(seeded)
    sized = await seeded.client.post(path, content=multipart(JSON_LIMIT * 2), headers=MULTIPART)
    error = assert_error_shape(sized)
    assert (sized.status_code, error["code"]) == (413, "payload_too_large")

    async def streamed() -> AsyncIterator[bytes]:
        yield multipart(JSON_LIMIT * 2)

    cut = await seeded.client.post(path, content=streamed(), headers=MULTIPART)
    assert "content-length" not in cut.request.headers
    assert (cut.status_code, assert_error_shape(cut)["code"]) == (413, "payload_too_large")
    assert await snapshot(seeded) == before


async def test_routes_that_take_files_get_the_upload_limit(seeded: Wall) -> None:
    """Exactly the routes with a File() parameter accept a multipart body over the JSON limit:
    the guests' submissions and the admins' branding pictures."""
    from wallserver.middleware import upload_routes

    assert upload_routes(seeded.app) == {
        ("POST", SUBMIT.replace("xmas", "{slug}")),
        ("POST", "/api/events/{slug}/assets"),
    }
    for path in (SUBMIT, "/api/events/xmas/assets"):
        response = await seeded.client.post(
            path, content=multipart(JSON_LIMIT * 2), headers={**MULTIPART, **seeded.auth("admin")}
        )
        assert response.status_code != 413, (path, response.text)


async def test_valid_photo_submission_is_accepted(seeded: Wall) -> None:
    """A real photo with consent is accepted: the image cases above fail for their reason."""
    response = await seeded.client.post(
        SUBMIT,
        data={"text": "look", "author": "Guest", "consent": "on"},
        files={"image": ("red.png", png(), "image/png")},
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"


NUL_REQUESTS: dict[str, tuple[str, str, str | None, dict[str, Any]]] = {
    "ingest author": ("POST", INGEST, "ingest", {"json": body(author={"name": "a\x00b"})}),
    "ingest source_id": ("POST", INGEST, "ingest", {"json": body(source_id="id\x00")}),
    "ingest media alt": (
        "POST",
        INGEST,
        "ingest",
        {"json": body(media=[{"url": "https://x.y/a.jpg", "alt": "\x00"}])},
    ),
    "submission author": (
        "POST",
        SUBMIT,
        None,
        {"data": {"text": "hi", "author": "a\x00", "consent": "yes"}},
    ),
    "event name": (
        "POST",
        "/api/events",
        "admin",
        {"json": {"slug": "nul", "name": "a\x00", "hashtags": ["x"]}},
    ),
    "event hashtag": (
        "POST",
        "/api/events",
        "admin",
        {"json": {"slug": "nul", "name": "n", "hashtags": ["x\x00"]}},
    ),
    "login name": ("POST", "/api/session", None, {"json": {"name": "a\x00", "password": "p"}}),
    "event slug in the path": ("GET", "/api/events/x%00y", None, {}),
    "ingest into a slug with NUL": ("POST", "/api/events/x%00y/ingest", "ingest", {"json": body()}),
}


@pytest.mark.parametrize("name", list(NUL_REQUESTS))
async def test_nul_characters_are_refused_on_every_backend(any_wall: Wall, name: str) -> None:
    """A NUL character anywhere (PostgreSQL cannot store one) is a 4xx, not a 500."""
    method, path, role, kwargs = NUL_REQUESTS[name]
    before = await snapshot(any_wall)
    headers = any_wall.auth(role) if role else {}
    response = await any_wall.client.request(method, path, headers=headers, **kwargs)
    assert_error_shape(response)
    assert await snapshot(any_wall) == before


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# Mostly well-formed bodies, so the fuzz reaches the rules and the database, not just validation.
ingest_like = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["test", "mastodon", "rss"]) | st.text(max_size=40),
        "source_id": st.text(min_size=1, max_size=30),
    },
    optional={
        "text": st.text(max_size=80) | json_values,
        "author": st.fixed_dictionaries(
            {},
            optional={
                "name": st.text(max_size=40),
                "handle": st.text(max_size=40),
                "avatar_url": st.sampled_from(["https://x.y/a.png", ""]) | st.text(max_size=20),
            },
        )
        | json_values,
        "media": st.lists(
            st.fixed_dictionaries(
                {"url": st.sampled_from(["https://x.y/a.jpg", "javascript:x"]) | st.text()},
                optional={"kind": st.sampled_from(["image", "video"]), "alt": st.text()},
            ),
            max_size=3,
        )
        | json_values,
        "created_at": st.datetimes().map(lambda d: d.isoformat()) | st.text(max_size=30),
        "url": st.sampled_from(["https://x.y/", "http://", ""]) | st.text(max_size=30),
    },
)


@hsettings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=ingest_like | json_values)
async def test_fuzzed_ingest_bodies_never_crash(any_wall: Wall, payload: Any) -> None:
    """Random JSON on the ingest route gets a 2xx or a 4xx with the error shape, never a 5xx."""
    response = await any_wall.client.post(
        INGEST,
        content=json.dumps(payload).encode(),
        headers={**any_wall.auth("ingest"), "content-type": "application/json"},
    )
    if response.status_code < 300:
        assert response.json()["status"] in ("pending", "approved", "rejected")
    else:
        assert_error_shape(response)


HUGE = 2**63
OUT_OF_RANGE = {
    "decision on a huge post id": (
        "POST",
        f"/api/posts/{HUGE}/decision",
        {"action": "approve", "version": 1},
    ),
    "history of a huge post id": ("GET", f"/api/posts/{HUGE}/history", None),
    "queue page with a huge cursor": ("GET", f"/api/events/xmas/posts?cursor={HUGE}", None),
    "decision with a huge version": (
        "POST",
        "/api/posts/1/decision",
        {"action": "approve", "version": HUGE},
    ),
}


@pytest.mark.parametrize("name", list(OUT_OF_RANGE))
async def test_numbers_past_the_database_range_are_a_4xx_on_every_backend(
    any_wall: Wall, name: str
) -> None:
    """Ids, versions and cursors past the database range get a 4xx, never a 500."""
    method, path, payload = OUT_OF_RANGE[name]
    before = await snapshot(any_wall)
    response = await any_wall.client.request(
        method, path, json=payload, headers=any_wall.auth("moderator")
    )
    assert 400 <= response.status_code < 500, response.text
    assert_error_shape(response)
    assert await snapshot(any_wall) == before
