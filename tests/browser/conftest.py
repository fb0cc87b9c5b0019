"""Browser fixtures: a headless Debian Chromium driven by Playwright against the ``live`` server.

``open_page(path)`` opens a page in a fresh context and records what a test must not ignore:
uncaught page errors, Content-Security-Policy violations and console errors. Every page is
screenshotted into ``test-artifacts/`` when the test ends, before its context is closed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    async_playwright,
    expect,
)

from tests.conftest import LiveServer, Wall

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
# Actions and assertions: a bound on a hung page, not a speed target. Four workers share two
# cores with their browsers in CI, and one in a thousand steps has taken more than 5 s there;
# what users feel is timed by the pages' own clocks and by bench/.
TIMEOUT_MS = 10_000
# A page's "load" waits for every picture and font: with the whole suite's browsers and servers
# on two cores, a 7680x2160 wall has taken more than 5 s (CI). Speed is judged elsewhere (the
# pages' own clocks, bench/), so a navigation gets longer than an action.
NAVIGATION_MS = 15_000
# Encoding a 7680x2160 PNG is CPU work for the browser, not something a user waits for: under
# the full suite's load it has taken more than 5 s (CI), so a screenshot gets its own timeout.
SCREENSHOT_MS = 30_000
POLL_SECONDS = 0.05

# Runs before any page script. Init scripts are not subject to the page's CSP.
WATCH_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI,
                     source: e.sourceFile, line: e.lineNumber, sample: e.sample});
});
"""

# Lets a test cut the page off the network's WebSockets and restore them. Sockets made while
# ``__net.down`` go to a path the server refuses, so the browser sees a real failed connection.
NETWORK_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  const net = { down: false, sockets: [], urls: [], frames: [] };
  window.__net = net;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      const target = net.down ? String(url).replace("/ws/", "/no-network/") : String(url);
      super(target, protocols);
      net.sockets.push(this);
      net.urls.push(target);
      this.addEventListener("message", (e) => net.frames.push(e.data));
    }
  };
  net.cut = () => { net.down = true; for (const s of net.sockets) s.close(); };
  net.restore = () => { net.down = false; };
})();
"""


@dataclass
class Watch:
    """What one page reported while the test ran."""

    name: str
    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    async def csp_violations(self) -> list[dict[str, Any]]:
        return list(await self.page.evaluate("window.__csp || []"))


@dataclass
class Pages:
    """Opens pages against the live server and checks them at the end of the test."""

    browser: Browser
    live: LiveServer
    test_name: str
    watches: list[Watch] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    async def open(
        self,
        path: str | None = None,
        *,
        viewport: dict[str, int] | None = None,
        name: str = "",
        init_scripts: tuple[str, ...] = (),
        setup: Callable[[Page], Awaitable[None]] | None = None,
    ) -> Page:
        """A page in a fresh context (own cookies), optionally already at ``path``."""
        context = await self.browser.new_context(
            viewport=viewport or DESKTOP, base_url=self.live.url, reduced_motion="reduce"
        )
        self.contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_MS)
        await context.add_init_script(WATCH_SCRIPT)
        for script in init_scripts:
            await context.add_init_script(script)
        page = await context.new_page()
        watch = Watch(name or f"page{len(self.watches) + 1}", page)
        self.watches.append(watch)
        page.on("console", lambda msg: _on_console(watch, msg))
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        if setup is not None:
            await setup(page)
        if path is not None:
            await page.goto(path)
        return page

    def watch(self, page: Page) -> Watch:
        return next(w for w in self.watches if w.page is page)

    async def screenshot(self, page: Page, label: str, **options: Any) -> Path:
        """Save a PNG of ``page`` under ``test-artifacts/`` and return its path."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}-{_slug(label)}.png"
        options.setdefault("timeout", SCREENSHOT_MS)
        await page.screenshot(path=str(path), **options)
        return path

    async def close(self) -> None:
        for watch in self.watches:
            if not watch.page.is_closed():
                try:
                    await self.screenshot(watch.page, f"{watch.name}-end", full_page=True)
                except Exception as exc:  # a crashed page still has to be closed
                    watch.page_errors.append(f"screenshot failed: {exc}")
        for context in self.contexts:
            await context.close()

    async def problems(self) -> list[str]:
        """Page errors and CSP violations on every open page: never acceptable."""
        found: list[str] = []
        for watch in self.watches:
            found += [f"{watch.name}: page error: {e}" for e in watch.page_errors]
            if not watch.page.is_closed():
                found += [f"{watch.name}: CSP: {v}" for v in await watch.csp_violations()]
        return found


def _on_console(watch: Watch, msg: ConsoleMessage) -> None:
    if msg.type == "error":
        watch.console_errors.append(msg.text)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def chromium_path() -> Path:
    """Debian's Chromium; Playwright's own downloads are never used."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it")
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    """Headless Chromium, one per test (the live server lives in the test's event loop)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def pages(
    browser: Browser, live: LiveServer, request: pytest.FixtureRequest
) -> AsyncIterator[Pages]:
    """Pages against ``live``; screenshots and closes them, then fails on errors and CSP reports."""
    opened = Pages(browser, live, _slug(request.node.name))
    problems: list[str] = []
    try:
        yield opened
        problems = await opened.problems()
    finally:
        await opened.close()
    assert not problems, "\n".join(problems)


async def wait_until(page: Page, expression: str, seconds: float = TIMEOUT_MS / 1000) -> Any:
    """Poll a JS expression until it is truthy (``wait_for_function`` evals; our CSP forbids it)."""
    for _ in range(max(1, round(seconds / POLL_SECONDS))):
        if value := await page.evaluate(expression):
            return value
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"still false after {seconds} s: {expression}")


async def log_in(page: Page, live: LiveServer, path: str = "/moderate/xmas") -> None:
    """Create moderator "mod", open ``path``, get sent to /login, log in, land back on ``path``."""
    await live.wall.store.auth.create_user("mod", "moderator", "password123")
    await page.goto(path)
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill("mod")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live.url}{path}")


async def approved(wall: Wall, source_id: str, text: str, **extra: object) -> dict[str, Any]:
    """Ingest a post and approve it through the API, as a moderator's client would."""
    created = await wall.ingest(source_id, text, **extra)
    assert created.status_code == 202, created.text
    decided = await wall.decide(created.json()["id"], "approve", 1)
    assert decided.status_code == 200, decided.text
    return dict(decided.json())
