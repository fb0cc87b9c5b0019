"""The event loop the benchmark processes use: uvloop when installed, as uvicorn picks it.

wallserver runs on uvicorn with ``loop="auto"``, which is uvloop when it is installed; the
websockets baseline and the clients use the same loop so that the comparison is like for like.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
