"""The command line, run as an operator would: a real process with WALL_* variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import SECRET


def wallserver(
    data_dir: Path, *args: str, stdin: str = "", secret: str | None = SECRET
) -> subprocess.CompletedProcess[str]:
    """Run `python -m wallserver ARGS` with only the WALL_* variables given here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALL_")}
    env["WALL_DATA_DIR"] = str(data_dir)
    if secret is not None:
        env["WALL_SECRET_KEY"] = secret
    return subprocess.run(
        [sys.executable, "-m", "wallserver", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_serve_refuses_a_missing_secret_key_and_says_how_to_set_one(tmp_path: Path) -> None:
    """`serve` without WALL_SECRET_KEY exits with status 2 and prints how to make one."""
    result = wallserver(tmp_path, "serve", "--port", "1", secret=None)
    assert result.returncode == 2
    assert "WALL_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


def test_serve_refuses_the_default_secret_key(tmp_path: Path) -> None:
    """The placeholder value counts as missing."""
    result = wallserver(tmp_path, "serve", secret="change-me")
    assert result.returncode == 2


def test_event_user_and_token_commands_set_up_a_working_event(tmp_path: Path) -> None:
    """Created on the command line, the event, user and token work through the API."""
    made = wallserver(
        tmp_path,
        "event",
        "create",
        "meetup",
        "--name",
        "Python Meetup",
        "--hashtag",
        "pymeetup",
        "--hashtag",
        "#Dabei",
        "--mode",
        "post",
    )
    assert made.returncode == 0, made.stderr
    user = wallserver(
        tmp_path,
        "user",
        "create",
        "alice",
        "--role",
        "moderator",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert user.returncode == 0, user.stderr
    token = wallserver(tmp_path, "token", "create", "--role", "ingest", "--event", "meetup")
    assert token.returncode == 0, token.stderr
    ingest_token = token.stdout.strip()
    assert ingest_token.startswith("wst_")

    import asyncio

    from tests.conftest import make_settings
    from wallserver.app import create_app

    async def check() -> None:
        app = create_app(make_settings(tmp_path))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                event = (await client.get("/api/events/meetup")).json()
                assert event["hashtags"] == ["pymeetup", "Dabei"]
                posted = await client.post(
                    "/api/events/meetup/ingest",
                    json={"source": "sms", "source_id": "1", "text": "hi"},
                    headers={"Authorization": f"Bearer {ingest_token}"},
                )
                assert posted.status_code == 202
                assert posted.json()["status"] == "approved"  # post-moderation
                login = await client.post(
                    "/api/session", json={"name": "alice", "password": "correct horse battery"}
                )
                assert login.status_code == 200
                assert login.json()["role"] == "moderator"

    asyncio.run(check())


def test_duplicate_event_is_a_clear_error(tmp_path: Path) -> None:
    """Creating an existing slug again fails with a message, not a traceback."""
    args = ("event", "create", "gala", "--name", "Gala", "--hashtag", "gala")
    assert wallserver(tmp_path, *args).returncode == 0
    again = wallserver(tmp_path, *args)
    assert again.returncode == 1
    assert "exists already" in again.stderr
    assert "Traceback" not in again.stderr


def test_event_update_fixes_the_hashtags_and_mode_and_keeps_the_rest(tmp_path: Path) -> None:
    """`event update` replaces the hashtags and the mode; the name stays; bad input is refused
    with a message and changes nothing."""
    args = ("event", "create", "gala", "--name", "Gala", "--hashtag", "GalaNigt")
    assert wallserver(tmp_path, *args).returncode == 0
    fixed = wallserver(
        tmp_path, "event", "update", "gala", "--hashtag", "#GalaNight", "--hashtag", "Theme",
        "--mode", "post",
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stderr
    assert "#GalaNight #Theme" in fixed.stdout
    bad = wallserver(tmp_path, "event", "update", "gala", "--hashtag", "two words")
    assert bad.returncode == 1 and "not a hashtag" in bad.stderr
    assert "Traceback" not in bad.stderr
    unknown = wallserver(tmp_path, "event", "update", "nope", "--name", "Nope")
    assert unknown.returncode == 1 and "no event" in unknown.stderr
    assert wallserver(tmp_path, "event", "update", "gala").returncode == 2

    import asyncio

    from tests.conftest import make_settings
    from wallserver.app import create_app

    async def check() -> None:
        app = create_app(make_settings(tmp_path))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                event = (await client.get("/api/events/gala")).json()
        assert event["name"] == "Gala"
        assert event["hashtags"] == ["GalaNight", "Theme"]
        assert event["moderation"] == "post"

    asyncio.run(check())


@pytest.mark.parametrize("role", ["owner", ""])
def test_token_with_an_unknown_role_is_refused(tmp_path: Path, role: str) -> None:
    """Only the four roles exist."""
    result = wallserver(tmp_path, "token", "create", "--role", role)
    assert result.returncode == 1
    assert "role must be one of" in result.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    """`db upgrade` twice leaves a usable database."""
    assert wallserver(tmp_path, "db", "upgrade").returncode == 0
    second = wallserver(tmp_path, "db", "upgrade")
    assert second.returncode == 0
    assert "up to date" in second.stdout
