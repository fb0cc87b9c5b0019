"""The app's parts as one typed object on ``app.state.services``, reached without a thread hop."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from starlette.requests import Request

from tests.conftest import Wall
from tests.wallserver.test_auth import app_routes
from wallserver.app import create_app
from wallserver.services import Services, services
from wallserver.settings import Settings


def calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from calls(sub)


def test_every_dependency_is_async(wall: Wall) -> None:
    """FastAPI runs a plain ``def`` dependency in a worker thread: none of ours is one."""
    seen: dict[str, Any] = {}
    for route in app_routes(wall.app):
        dependant = getattr(route, "dependant", None)
        if dependant is not None:
            seen.update({f"{c.__module__}.{c.__qualname__}": c for c in calls(dependant)})
    assert seen, "no dependencies found: the walk over the routes is broken"
    sync = sorted(name for name, call in seen.items() if not inspect.iscoroutinefunction(call))
    assert sync == []


def test_the_lifespan_hangs_one_object_on_app_state(wall: Wall) -> None:
    """``app.state`` holds ``services`` and nothing else; its parts are the running ones."""
    assert set(vars(wall.app.state)["_state"]) == {"services"}
    parts = wall.app.state.services
    assert isinstance(parts, Services)
    assert parts.store is wall.store
    assert parts.pipeline.store is parts.store


def test_services_before_the_lifespan_say_so(settings: Settings) -> None:
    """A request served by an app whose lifespan never ran fails with a clear message."""
    app: FastAPI = create_app(settings)
    request = Request({"type": "http", "app": app, "headers": []})
    with pytest.raises(RuntimeError, match="lifespan"):
        services(request)
