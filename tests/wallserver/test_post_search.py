"""Search in the queue and history: ``q`` finds posts by text, author name or handle, in any
case, on SQLite and PostgreSQL alike; LIKE's wildcards in it are plain characters."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.conftest import Wall
from wallserver.db.fold import fold_text

POSTS = "/api/events/xmas/posts"
_ids = itertools.count(1)
SIGMA, FINAL_SIGMA = "\N{GREEK SMALL LETTER SIGMA}", "\N{GREEK SMALL LETTER FINAL SIGMA}"
ALPHA = "\N{GREEK SMALL LETTER ALPHA}"


async def post(w: Wall, text: str, name: str = "", handle: str = "") -> int:
    """Ingest a post (it waits for moderation) and answer its id."""
    response = await w.ingest(f"s-{next(_ids)}", text, author={"name": name, "handle": handle})
    assert response.status_code == 202, response.text
    post_id: int = response.json()["id"]
    return post_id


async def search(w: Wall, q: str, **params: Any) -> dict[str, Any]:
    response = await w.client.get(POSTS, params={"q": q, **params}, headers=w.auth("moderator"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def found(w: Wall, q: str, **params: Any) -> list[int]:
    return [p["id"] for p in (await search(w, q, limit=200, **params))["posts"]]


async def test_search_finds_text_author_name_and_handle_in_any_case(any_wall: Wall) -> None:
    """A word from the text, the author's name or handle finds the post, whatever its case,
    umlauts and Greek included."""
    mulled = await post(any_wall, "Glühwein am Stand ÜBER dem Eingang")
    jurgen = await post(any_wall, "Prost!", name="Jürgen Groß")
    chef = await post(any_wall, "Dessert", name="Anna", handle="@Ober.Koch@social.example")
    greek = await post(any_wall, "ΚΑΛΑ ΧΡΙΣΤΟΥΓΕΝΝΑ ΣΑΣ")
    await post(any_wall, "something else entirely")

    assert await found(any_wall, "GLÜHWEIN") == [mulled]
    assert await found(any_wall, "über") == [mulled]
    assert await found(any_wall, "jÜrgen") == [jurgen]
    assert await found(any_wall, "GROSS") == []  # lower case, not German case folding
    assert await found(any_wall, "ober.koch") == [chef]
    # every capital sigma is the ordinary small one; the final small sigma is a letter of its own
    assert await found(any_wall, SIGMA + ALPHA + FINAL_SIGMA) == []
    assert await found(any_wall, SIGMA + ALPHA + SIGMA) == [greek]
    assert await found(any_wall, "\N{GREEK CAPITAL LETTER SIGMA}") == [greek]
    assert await found(any_wall, "aNNA") == [chef]


async def test_wildcards_and_backslash_are_plain_characters(any_wall: Wall) -> None:
    """``%``, ``_`` and ``\\`` in a search match themselves only, not any text."""
    percent = await post(any_wall, "100% Werkstolz")
    plain = await post(any_wall, "100 Werkstolz")
    underscore = await post(any_wall, "tag_dabei")
    other = await post(any_wall, "tagXdabei")
    backslash = await post(any_wall, r"C:\Party")

    assert await found(any_wall, "%") == [percent]
    assert await found(any_wall, "100%") == [percent]
    assert await found(any_wall, "0% w") == [percent]
    assert await found(any_wall, "_") == [underscore]
    assert await found(any_wall, "g_d") == [underscore]
    assert await found(any_wall, "\\") == [backslash]
    assert await found(any_wall, "\\p") == [backslash]
    assert await found(any_wall, "\\%") == []
    assert set(await found(any_wall, "werkstolz")) == {percent, plain}
    assert set(await found(any_wall, "dabei")) == {underscore, other}


async def test_search_combines_with_status_order_cursor_and_limit(any_wall: Wall) -> None:
    """Matching posts come in pages like the unsearched list: by status, newest or oldest
    first, ``limit`` at a time, with ``next_cursor`` until the last page."""
    matching = []
    for i in range(7):
        matching.append(await post(any_wall, f"Tombola {i}"))
        await post(any_wall, f"noise {i}")
    approved = matching[1::2]
    for post_id in approved:
        decided = await any_wall.decide(post_id, "approve", 1)
        assert decided.status_code == 200, decided.text

    for order, expected in (("newest", matching[::-1]), ("oldest", matching)):
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 3, "order": order}
            if cursor is not None:
                params["cursor"] = cursor
            page = await search(any_wall, "TOMBOLA", **params)
            seen += [p["id"] for p in page["posts"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected

    assert await found(any_wall, "tombola", status="approved") == approved[::-1]
    assert await found(any_wall, "tombola", status="pending") == [
        p for p in matching[::-1] if p not in approved
    ]
    page = await search(any_wall, "tombola", status="approved", limit=2)
    assert [p["id"] for p in page["posts"]] == approved[::-1][:2]
    assert page["next_cursor"] == approved[::-1][1]
    assert await found(any_wall, "") == await found(any_wall, "", status="pending,approved")


@pytest.mark.parametrize(
    ("q", "why"),
    [("x" * 201, "longer than 200 characters"), ("a\x00b", "a NUL character")],
)
async def test_bad_search_is_a_422_with_the_error_shape(any_wall: Wall, q: str, why: str) -> None:
    """A search the server cannot run is refused with the JSON error shape, never a 500."""
    response = await any_wall.client.get(POSTS, params={"q": q}, headers=any_wall.auth("moderator"))
    assert response.status_code == 422, (why, response.text)
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()) == {"error"}


async def test_a_search_of_200_characters_is_taken(any_wall: Wall) -> None:
    """The longest search allowed runs and finds the post that contains it."""
    text = "ho " * 70
    post_id = await post(any_wall, text)
    assert await found(any_wall, text[:200]) == [post_id]


async def test_search_needs_a_moderator(any_wall: Wall) -> None:
    """Searching is the moderators' list: without a token it is a 401."""
    response = await any_wall.client.get(POSTS, params={"q": "x"})
    assert response.status_code == 401


SLOW = hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Stored text: anything PostgreSQL can store (no NUL; surrogates cannot be sent as JSON text).
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=80)


@SLOW
@given(text=texts, data=st.data())
async def test_any_piece_of_a_stored_text_finds_its_post(
    any_wall: Wall, text: str, data: st.DataObject
) -> None:
    """Whatever was posted, any piece of the text as stored finds the post."""
    post_id = await post(any_wall, text)
    stored = (await any_wall.store.posts.get(post_id)).text
    start = data.draw(st.integers(0, len(stored) - 1), label="start")
    end = data.draw(st.integers(start + 1, min(len(stored), start + 200)), label="end")
    piece = stored[start:end]
    page = await search(any_wall, piece, limit=1, cursor=post_id + 1)
    assert [p["id"] for p in page["posts"]] == [post_id], piece


# Letters whose lower case PostgreSQL (libc) and Python agree on, wildcards, escapes and space.
letters = st.sampled_from(list("aAbBzZ09 %_\\äÄöÖüÜßẞσΣςαΑ🎄"))
words = st.text(letters, max_size=12)


@st.composite
def searches(draw: st.DrawFn, text: str) -> str:
    """Any short string, or a piece of ``text`` with a letter or two turned into ``%`` or
    ``_`` (what LIKE would take for a wildcard and match)."""
    if not text or draw(st.booleans()):
        return draw(st.text(letters, min_size=1, max_size=4))
    start = draw(st.integers(0, len(text) - 1))
    piece = list(text[start : draw(st.integers(start + 1, len(text)))])
    for i in draw(st.lists(st.integers(0, len(piece) - 1), max_size=2)):
        piece[i] = draw(st.sampled_from("%_"))
    return "".join(piece)


@SLOW
@given(text=words, name=words, handle=words, data=st.data())
async def test_search_finds_exactly_the_posts_containing_it(
    any_wall: Wall, text: str, name: str, handle: str, data: st.DataObject
) -> None:
    """A post is found exactly when its text, name or handle contains the search as a plain
    string in lower case: wildcards never stand for other characters."""
    q = data.draw(searches(text), label="q")
    post_id = await post(any_wall, text, name=name, handle=handle)
    page = await search(any_wall, q, limit=1, cursor=post_id + 1)
    expected = any(fold_text(q) in fold_text(field) for field in (text, name, handle))
    assert ([p["id"] for p in page["posts"]] == [post_id]) is expected
