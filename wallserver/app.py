"""``create_app(settings)``: builds the engine, broker, hub and pipeline in the lifespan and
hangs them, as one :class:`~wallserver.services.Services`, on ``app.state.services``."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from fastapi.templating import Jinja2Templates

from wallserver import __version__, handlers
from wallserver.api import (
    access,
    analytics,
    events,
    ingest,
    ops,
    pages,
    posts,
    rules,
    schema_errors,
    screens,
    session,
    sources,
    wallpage,
    withdrawals,
    ws,
)
from wallserver.api.ingest_fast import IngestFastPath
from wallserver.auth.throttle import LoginThrottle
from wallserver.broker import create_broker, namespace_for
from wallserver.claims import create_claims
from wallserver.db.engine import create_engine
from wallserver.db.migrate import upgrade
from wallserver.heap import freeze_startup_objects
from wallserver.invalidation import Invalidation
from wallserver.media.remote import RemoteMedia
from wallserver.metrics import Metrics
from wallserver.middleware import BodyLimit, RequestId, SecurityHeaders
from wallserver.posts.pipeline import Pipeline
from wallserver.posts.withdrawal import Withdrawals
from wallserver.ratelimit import Rate, SubmissionLimits
from wallserver.screens.control import ScreenControl
from wallserver.screens.presence import Presence
from wallserver.services import Services
from wallserver.settings import Settings
from wallserver.sources.runtime import start_supervisor
from wallserver.store import Store
from wallserver.stream.feed import ModerationFeed
from wallserver.stream.hub import Hub

log = logging.getLogger(__name__)
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def frontend_dir() -> Path:
    """``frontend/`` inside the installed package, or beside it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "frontend", here.parent / "frontend"):
        if (candidate / "templates").is_dir():
            return candidate
    raise RuntimeError("frontend files not found; reinstall wallserver")


def create_app(settings: Settings, *, migrate: bool = True, server: bool = False) -> FastAPI:
    """The app; ``server=True`` for a long-running server process (``wallserver serve``, the ASGI
    factory), which freezes its start-up objects out of garbage collection (``wallserver.heap``)."""
    front = frontend_dir()
    templates = Jinja2Templates(directory=front / "templates")
    templates.env.globals["version"] = __version__
    submission_limits = SubmissionLimits(
        per_ip=Rate(settings.submit_ip_per_minute, settings.submit_ip_burst),
        per_device=Rate(settings.submit_device_per_minute, settings.submit_device_burst),
    )
    # Decoding a photo takes up to width x height x 4 bytes: at most one per CPU at a time.
    media_slots = asyncio.Semaphore(os.cpu_count() or 1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            await asyncio.to_thread(upgrade, settings)
        store = Store(create_engine(settings), settings.secret_key.get_secret_value())
        login_throttle = LoginThrottle(store.logins)
        secret = settings.secret_key.get_secret_value()
        broker = create_broker(settings.broker_url, namespace_for(secret))
        await broker.start()
        invalidation = Invalidation(store.cache, broker)
        await invalidation.start()
        metrics = Metrics()
        hub = Hub(
            store.wall,
            broker,
            buffer=settings.ws_client_buffer,
            fanned_out=metrics.fanout.delivered,
        )
        feed = ModerationFeed(broker, buffer=settings.ws_client_buffer)
        metrics.track_clients(lambda: hub.client_count)
        claims = create_claims(settings.broker_url, namespace_for(secret))
        await claims.start()
        pipeline = Pipeline(store, hub, feed, metrics, claims, RemoteMedia.from_settings(settings))
        control = ScreenControl(store, hub)
        presence = Presence(broker)
        supervisor = await start_supervisor(settings, pipeline)
        withdrawals = Withdrawals(store, settings.media_dir, hub, feed)
        app.state.services = Services(
            settings=settings,
            store=store,
            broker=broker,
            invalidation=invalidation,
            hub=hub,
            feed=feed,
            metrics=metrics,
            claims=claims,
            pipeline=pipeline,
            screens=control,
            presence=presence,
            supervisor=supervisor,
            withdrawals=withdrawals,
            media_slots=media_slots,
            submission_limits=submission_limits,
            login_throttle=login_throttle,
            templates=templates,
            frontend=front,
        )
        if server:
            freeze_startup_objects()
        try:
            yield
        finally:
            await supervisor.close()
            await pipeline.close()
            await hub.close()
            await claims.close()
            await invalidation.close()
            await broker.close()
            await store.close()

    app = FastAPI(
        title="wallserver",
        version=__version__,
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry checks for configured providers on every request;
        # wallserver's observability is Prometheus (/metrics) and request ids in the logs.
        telemetry=NO_TELEMETRY,
        **ops.NO_DEFAULT_DOCS,
    )
    handlers.install(app)
    schema_errors.install(app)
    routers = (
        access,
        events,
        analytics,
        rules,
        ingest,
        posts,
        withdrawals,
        screens,
        session,
        sources,
        wallpage,
        ws,
        ops,
        pages,
    )
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=front / "static"), name="static")
    app.add_middleware(IngestFastPath)  # innermost of ours: see wallserver/api/ingest_fast.py
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodyLimit, json_limit=settings.max_json_body_bytes, upload_limit=settings.max_upload_bytes
    )
    app.add_middleware(RequestId)  # outside BodyLimit: a 413 has an id too
    # Outermost: it must see uvicorn's own send. Wall sockets thus go without a request id,
    # which would cost about 1.4 KB per idle viewer (docs/operations.md).
    app.add_middleware(ws.WallSockets)
    return app
