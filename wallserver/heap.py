"""The garbage collector in a long-running server process.

CPython's full (generation 2) collections walk every container object alive. After start-up a
server holds a few hundred thousand of them (FastAPI's routes and schemas, SQLAlchemy's tables
and compiled statements, pydantic's validators, Jinja templates), and under a stream of posts a
full collection ran every second or two and took 100-140 ms on the bench machine, stalling every
request in flight: it was the p99 of ``/ingest`` (docs/performance.md, issue #11). Those objects
live as long as the process, so once the app has started they are moved out of the collector's
sight with :func:`gc.freeze`, the use CPython documents for it; collections then walk only what
was made since. Reference counting still frees frozen objects that are dropped.

Only the server entry points (``wallserver serve``, ``wallserver.asgi:app``) ask for this: a test
process that builds many apps would keep each one's cyclic garbage.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect what start-up left behind, then freeze what survives; the number frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("%d objects alive after start-up frozen out of garbage collection", frozen)
    return frozen
