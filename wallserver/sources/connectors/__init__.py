"""The thin network loops, one per kind: ``run(ctx)`` until failure, ``probe(ctx)`` to test."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import ModuleType

from wallserver.sources.context import Context

Loop = Callable[[Context], Awaitable[None]]


def module(kind: str) -> ModuleType:
    """The connector module for ``kind``, imported only when a source of that kind runs."""
    import importlib

    return importlib.import_module(f"wallserver.sources.connectors.{kind}")


def loop(kind: str) -> Loop:
    return module(kind).run  # type: ignore[no-any-return]


def probe(kind: str) -> Loop:
    return module(kind).probe  # type: ignore[no-any-return]
