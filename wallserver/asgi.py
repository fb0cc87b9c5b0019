"""The app for an ASGI server started by hand: ``uvicorn --factory wallserver.asgi:app``.

``wallserver serve`` is the usual way to run; this factory is for running several worker
processes (``uvicorn --factory wallserver.asgi:app --workers 2 --ws
wallserver.stream.protocol:WallProtocol``) or another ASGI server. ``--ws`` selects our
WebSocket protocol, as ``wallserver serve`` does: without it walls still work, but the hub
writes to them through ASGI and each idle viewer holds about 8 KB more (docs/performance.md,
"Issue #12"). Each worker is an instance: they share the database and need a shared broker
(``redis://`` or ``postgresql://``, docs/deploy.md). Settings come from ``WALL_*`` variables,
as for the CLI. Each worker upgrades the database as it starts; workers that start together take
turns (``wallserver.db.migrate``), so a fresh database is migrated once.
"""

from __future__ import annotations

from fastapi import FastAPI

from wallserver.app import create_app
from wallserver.settings import load_settings


def app() -> FastAPI:
    """A new app from the environment's settings (called once per worker)."""
    return create_app(load_settings(), server=True)
