"""Hostile text renders as text on /wall, /live and /moderate: no markup, no script, no overflow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Pages, log_in
from tests.conftest import LiveServer, make_settings
from wallserver.settings import Settings

pytestmark = pytest.mark.browser

LONG_WORD = "Weihnachtsfeier" * 333 + "!!!!!"  # 5,000 characters, no break opportunity
HOSTILE: list[dict[str, Any]] = [
    {
        "text": "<script>window.__pwned=1</script> Hallo!",
        "author": "<script>window.__pwned=1</script>",
    },
    {
        "text": "<img src=x onerror=window.__pwned=1>",
        "author": "<img src=x onerror=window.__pwned=1>",
    },
    {
        "text": '<div><b>unclosed <i>tags</div></p><!-- "><svg onload=window.__pwned=1> '
        "<style>body{display:none}</style> &amp; &lt;b&gt; </template></article>",
        "author": '</bdi></span><b style="font-size:99px">',
        "handle": '"><iframe src=javascript:window.__pwned=1>',
    },
    {"text": LONG_WORD, "author": "X" * 200},
    {
        "text": "\u202eevil reversed\u202c then \u200b\u200b\u200bzero\u200dwidth, "
        "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 \u0645\u0631\u062d\u0628\u0627 \u200f! \u2066",
        "author": "\u202eadmin\u200b\u2066 \u05e9\u05e8\u05d4",
        "handle": "@\u202eevil\u200d",
    },
]
# Not https and not this origin: the CSP would block it, so the pages must not even try.
BLOCKED_IMAGE = [{"url": "http://images.invalid/cat.png", "kind": "image", "alt": "<b>alt</b>"}]
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
MARKUP = "script, svg, iframe, style, b, i, img[src='x'], template, [onerror], [onload]"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Operators may raise the text limit (a bridge's long posts); a 5,000-character word fits."""
    return make_settings(tmp_path / "data", max_text_length=10_000)


async def ingest_all(live: LiveServer) -> list[int]:
    ids = []
    for i, post in enumerate(HOSTILE):
        author = {"name": post["author"], "handle": post.get("handle", "")}
        media = BLOCKED_IMAGE if i == 0 else []
        created = await live.wall.ingest(f"h{i}", post["text"], author=author, media=media)
        assert created.status_code == 202, created.text
        ids.append(created.json()["id"])
    return ids


def visible_text(text: str) -> str:
    """Names may get closing bidi controls appended (so they cannot leak); compare without."""
    return BIDI_CONTROLS.sub("", text)


async def text_of(page: Page, selector: str) -> str:
    return visible_text(await page.locator(selector).text_content() or "")


async def left_of(page: Page, first: str, second: str) -> bool:
    """Whether ``first`` is laid out entirely to the left of ``second``."""
    a = await page.locator(first).bounding_box()
    b = await page.locator(second).bounding_box()
    assert a and b
    return a["x"] + a["width"] <= b["x"] + 0.5


async def assert_inert(page: Page, container: str) -> None:
    """Nothing ran, no markup was made from user text, nothing sticks out sideways."""
    assert await page.evaluate("typeof window.__pwned") == "undefined"
    assert await page.locator(f"{container} :is({MARKUP})").count() == 0
    width = await page.evaluate("window.innerWidth")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = await page.locator(f"{container} > *").evaluate_all(
        "els => els.map((e) => { const r = e.getBoundingClientRect();"
        " return {left: r.left, right: r.right}; })"
    )
    assert boxes
    for box in boxes:
        assert box["left"] >= 0 and box["right"] <= width + 0.5, (box, width)


async def test_hostile_text_on_the_moderator_console(pages: Pages, live: LiveServer) -> None:
    """The console shows every hostile post as plain text, on a laptop and on a phone."""
    ids = await ingest_all(live)
    page = await pages.open(name="console")
    await log_in(page, live)
    items = page.locator("#queue .item")
    await expect(items).to_have_count(len(HOSTILE))
    for post_id, post in zip(ids, HOSTILE, strict=True):
        shown = f'#queue .item[data-post-id="{post_id}"]'
        await expect(page.locator(f"{shown} .item-text")).to_have_text(post["text"])
        assert await text_of(page, f"{shown} .item-author") == visible_text(post["author"])
    # An open isolate in the name must not drag the source after it to its left.
    bidi = f'#queue .item[data-post-id="{ids[-1]}"]'
    assert await left_of(page, f"{bidi} .item-author", f"{bidi} .item-source")
    await assert_inert(page, "#queue")
    await pages.screenshot(page, "console", full_page=True)

    await page.set_viewport_size(PHONE)
    await assert_inert(page, "#queue")
    await pages.screenshot(page, "console-phone")
    await page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize(
    ("path", "viewport"), [("/wall/xmas", DESKTOP), ("/live/xmas", PHONE), ("/live/xmas", DESKTOP)]
)
async def test_hostile_text_on_the_walls(
    pages: Pages, live: LiveServer, path: str, viewport: dict[str, int]
) -> None:
    """Approved hostile posts are cards of plain text; no script runs, nothing overflows."""
    ids = await ingest_all(live)
    for post_id in ids:
        assert (await live.wall.decide(post_id, "approve", 1)).status_code == 200
    page = await pages.open(path, viewport=viewport, name="wall")
    cards = page.locator("#cards .card")
    await expect(cards).to_have_count(len(HOSTILE))
    for post_id, post in zip(ids, HOSTILE, strict=True):
        card = f'#cards .card[data-post-id="{post_id}"]'
        await expect(page.locator(f"{card} .card-text")).to_have_text(post["text"])
        assert await text_of(page, f"{card} .card-name") == visible_text(post["author"])
    bidi = f'#cards .card[data-post-id="{ids[-1]}"]'
    assert await left_of(page, f"{bidi} .card-name", f"{bidi} .card-handle")
    # The first post's image is on a host the CSP forbids: a text card, never a broken icon.
    await expect(page.locator(f'[data-post-id="{ids[0]}"] img.card-image')).to_be_hidden()
    await assert_inert(page, "#cards")
    watch = pages.watch(page)
    assert not [e for e in watch.console_errors if "Content Security Policy" in e]
    await pages.screenshot(page, "hostile", full_page=True)
