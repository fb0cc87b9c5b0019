"""Building the supervisor from settings, for the app's lifespan."""

from __future__ import annotations

from wallserver import netpolicy
from wallserver.posts.pipeline import Pipeline
from wallserver.settings import Settings
from wallserver.sources.leases import leases_for
from wallserver.sources.sink import Sink
from wallserver.sources.supervisor import Backoff, Supervisor


async def start_supervisor(settings: Settings, pipeline: Pipeline) -> Supervisor:
    """A started supervisor; with ``sources_enabled`` off it runs nothing, but tests sources."""
    store = pipeline.store
    supervisor = Supervisor(
        store,
        Sink(pipeline, pipeline.media),
        leases_for(store.db.engine),
        Backoff(settings.source_backoff_seconds, settings.source_backoff_max_seconds),
        lease_interval=settings.source_lease_seconds,
        poll_floor=settings.source_poll_floor_seconds,
        reconcile_every=settings.source_reconcile_seconds,
        enabled=settings.sources_enabled,
        allow=netpolicy.networks(settings.source_allow_networks),
    )
    await supervisor.start()
    return supervisor
