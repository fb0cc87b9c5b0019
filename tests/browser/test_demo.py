"""The README's run command, as a new user runs it: `wallserver demo`, then the wall in Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.conftest import free_port

READY = "Press Ctrl-C to stop."  # the banner's last line: printed once the server listens


def copy_output(proc: subprocess.Popen[str], log: IO[str], ready: threading.Event) -> None:
    """The demo's output into its log (drained to the end, so it never blocks on a full pipe);
    ``ready`` is set when the banner is out, or when the process ends without one."""
    assert proc.stdout is not None
    for line in proc.stdout:
        log.write(line)
        log.flush()
        if line.strip() == READY:
            ready.set()
    ready.set()


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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    copier = threading.Thread(target=copy_output, args=(proc, log, ready), daemon=True)
    copier.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert ready.wait(timeout=30), "demo printed no banner within 30 s"
        assert proc.poll() is None, (tmp_path / "demo.log").read_text()
        creds = json.loads((tmp_path / "demo-credentials.json").read_text())
        yield base, creds
    finally:
        proc.send_signal(2)  # Ctrl-C
        try:
            assert proc.wait(timeout=15) == 0, "demo did not stop cleanly on Ctrl-C"
        finally:
            proc.kill()
            copier.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
            log.close()
    output = (tmp_path / "demo.log").read_text()
    assert f"{base}/wall/xmas-party" in output
    assert "Traceback" not in output
    assert "429 Too Many Requests" not in output  # the crowd is many phones, not one


def pending_post(base: str, token: str) -> dict[str, Any]:
    """A post the simulated crowd put in the queue: one waiting already, or the next one the
    moderation socket announces (listening first, so none slips between the two)."""
    headers = {"Authorization": f"Bearer {token}"}
    url = base.replace("http://", "ws://") + "/ws/events/xmas-party/moderation"
    with connect(url, additional_headers=headers, open_timeout=10) as feed:
        assert json.loads(feed.recv(timeout=10))["type"] == "hello"
        page = httpx.get(
            f"{base}/api/events/xmas-party/posts?status=pending&order=oldest&limit=1",
            headers=headers,
        ).json()
        if page["posts"]:
            return page["posts"][0]  # type: ignore[no-any-return]
        while True:  # the crowd posts a few times a second; recv gives up after 30 s
            message = json.loads(feed.recv(timeout=30))
            if message["type"] == "queue.new" and message["post"]["status"] == "pending":
                return message["post"]  # type: ignore[no-any-return]


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
