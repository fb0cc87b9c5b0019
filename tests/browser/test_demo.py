"""The README's run command, as a new user runs it: `wallserver demo`, then the wall in Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.conftest import free_port


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`wallserver demo` in its own process, with the crowd posting; yields its URL and logins."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALL_")}
    env["WALL_DATA_DIR"] = str(tmp_path)
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallserver", "demo", "--port", str(port), "--rate", "3"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "demo did not come up within 30 s"
            time.sleep(0.2)
        creds = json.loads((tmp_path / "demo-credentials.json").read_text())
        yield base, creds
    finally:
        proc.send_signal(2)  # Ctrl-C
        try:
            assert proc.wait(timeout=15) == 0, "demo did not stop cleanly on Ctrl-C"
        finally:
            proc.kill()
            log.close()
    output = (tmp_path / "demo.log").read_text()
    assert f"{base}/wall/xmas-party" in output
    assert "Traceback" not in output
    assert "429 Too Many Requests" not in output  # the crowd is many phones, not one


def pending_post(base: str, token: str) -> dict[str, object]:
    """Wait (bounded) until the simulated crowd has put a post in the queue."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = httpx.get(
            f"{base}/api/events/xmas-party/posts?status=pending&order=oldest&limit=1",
            headers=headers,
        ).json()
        if page["posts"]:
            return page["posts"][0]  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError("the simulated crowd posted nothing for 30 s")


@pytest.mark.browser
@pytest.mark.slow
def test_demo_wall_shows_a_post_a_moderator_approved_through_the_api(
    demo: tuple[str, dict[str, str]],
) -> None:
    """Within a minute of `make demo`, the wall in Chromium shows a post approved via the API."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, creds = demo
    post = pending_post(base, creds["moderator_token"])
    decided = httpx.post(
        f"{base}/api/posts/{post['id']}/decision",
        json={"action": "approve", "version": post["version"]},
        headers={"Authorization": f"Bearer {creds['moderator_token']}"},
    )
    assert decided.status_code == 200, decided.text
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{base}/wall/xmas-party")
            card = page.locator(f'.card[data-post-id="{post["id"]}"]')
            card.wait_for(state="visible", timeout=10_000)
            if post["text"]:
                assert str(post["text"]) in card.inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "demo-wall.png"))
        finally:
            browser.close()
