"""What a running app is made of, as one typed object: :class:`Services`.

``create_app`` builds the parts that need no I/O (settings, templates, limits); the lifespan
builds the rest (store, broker, hub, pipeline, supervisor, ...) and hangs the whole on
``app.state.services``, and nothing else on ``app.state``. Routers reach it through
:data:`ServicesDep` (or the narrower ``StoreDep``, ``PipelineDep``, ...), sockets and handlers
through :func:`services`; both are typed, so a misspelt part is a mypy error, not an
``AttributeError`` at request time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection

from wallserver.auth.throttle import LoginThrottle
from wallserver.broker.base import Broker
from wallserver.claims import ClaimTable
from wallserver.invalidation import Invalidation
from wallserver.metrics import Metrics
from wallserver.posts.pipeline import Pipeline
from wallserver.posts.withdrawal import Withdrawals
from wallserver.ratelimit import SubmissionLimits
from wallserver.screens.control import ScreenControl
from wallserver.screens.presence import Presence
from wallserver.settings import Settings
from wallserver.sources.supervisor import Supervisor
from wallserver.store import Store
from wallserver.stream.feed import ModerationFeed
from wallserver.stream.hub import Hub


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a request may need, built once per app. Frozen: a part is replaced only by
    building a new ``Services`` (tests do that with ``dataclasses.replace``)."""

    settings: Settings
    store: Store
    broker: Broker
    invalidation: Invalidation
    hub: Hub
    feed: ModerationFeed
    metrics: Metrics
    claims: ClaimTable
    pipeline: Pipeline
    screens: ScreenControl
    presence: Presence
    supervisor: Supervisor
    withdrawals: Withdrawals
    media_slots: asyncio.Semaphore
    submission_limits: SubmissionLimits
    login_throttle: LoginThrottle
    templates: Jinja2Templates
    frontend: Path


def services(conn: HTTPConnection) -> Services:
    """The app's services, for a request or a socket."""
    found = getattr(conn.app.state, "services", None)
    if not isinstance(found, Services):
        raise RuntimeError("the app's services are built in its lifespan, which has not run")
    return found


async def get_services(conn: HTTPConnection) -> Services:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a hop per request.
    return services(conn)


ServicesDep = Annotated[Services, Depends(get_services)]
