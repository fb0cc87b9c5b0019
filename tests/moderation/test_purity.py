"""``moderation`` is pure logic: importing it pulls in no web, database or network stack."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("fastapi", "sqlmodel", "sqlalchemy", "httpx", "redis", "starlette", "wallserver")


def test_moderation_imports_no_io_stack() -> None:
    """A fresh interpreter that imports every moderation module has loaded none of the I/O stack."""
    probe = (
        "import json, pkgutil, sys, importlib, moderation\n"
        "for m in pkgutil.iter_modules(moderation.__path__):\n"
        "    importlib.import_module('moderation.' + m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    assert "moderation.queue" in loaded
    leaked = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert leaked == []


STORE = (
    "sqlmodel",
    "sqlalchemy",
    "aiosqlite",
    "psycopg",
    "alembic",
    "wallserver.store",
    "wallserver.db",
)
PARSERS = (
    "wallserver.posts.records",
    "wallserver.sources.items",
    "wallserver.sources.mastodon",
    "wallserver.sources.bluesky",
    "wallserver.sources.rss",
    "wallserver.sources.x",
    "wallserver.sources.instagram",
    "wallserver.sources.webhook",
    "wallserver.media.remote",
)


def test_parsers_and_remote_media_load_no_store() -> None:
    """The connector parsers, remote media and the post records load without the database layer."""
    probe = (
        "import json, sys, importlib\n"
        f"for name in {list(PARSERS)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    assert "wallserver.sources.mastodon" in loaded
    leaked = [m for m in loaded if any(m == s or m.startswith(s + ".") for s in STORE)]
    assert leaked == []
