"""A server restart (a deploy) as a wall sees it: its socket is closed with 1012, and it is back
on the new server within seconds, with what was approved meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import expect

from tests.browser.conftest import Pages, approved
from tests.conftest import LiveServer, Wall, free_port
from wallserver.stream.protocol import IMPORT_PATH

pytestmark = pytest.mark.browser

# Records the close code of every socket the page opens.
CLOSES_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  window.__closes = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("close", (ev) => window.__closes.push(ev.code));
    }
  };
})();
"""


@dataclass
class Restartable:
    """A real uvicorn serving the app on one port, stopped and started again as a deploy does
    (``should_exit`` is what uvicorn's SIGTERM handler sets)."""

    app: FastAPI
    port: int
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            ws=IMPORT_PATH,
        )
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task
        self.server = self.task = None


@pytest.fixture
async def restartable(wall: Wall) -> AsyncIterator[Restartable]:
    server = Restartable(wall.app, free_port())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def live(wall: Wall, restartable: Restartable) -> LiveServer:
    """The pages fixture's server: the restartable one."""
    return LiveServer(wall, f"http://127.0.0.1:{restartable.port}", restartable.port)


async def test_a_wall_is_back_within_seconds_after_a_restart(
    pages: Pages, live: LiveServer, restartable: Restartable
) -> None:
    """Shutting down closes the wall's socket with 1012 (service restart); the wall retries at
    once and is online on the new server within 3 s, showing the post approved meanwhile."""
    page = await pages.open("/wall/xmas", name="wall", init_scripts=(CLOSES_SCRIPT,))
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
    await restartable.stop()
    await expect(page.locator("#wall")).not_to_have_attribute("data-state", "online")
    assert (await page.evaluate("window.__closes"))[0] == 1012
    post = await approved(live.wall, "during", "Während des Neustarts gepostet")

    started = time.monotonic()
    await restartable.start()
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online", timeout=5000)
    assert time.monotonic() - started < 3.0
    card = page.locator(f'#cards .card[data-post-id="{post["id"]}"]')
    await expect(card).to_be_visible()
    await pages.screenshot(page, "back")
