"""Shared router dependencies: parts of the app's :class:`~wallserver.services.Services`, and the
event named in the path (for public routes; staff routes take ``AdminEvent`` and its kin from
``wallserver.auth.deps``, which check the caller's scope as well).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in a worker thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from starlette.requests import HTTPConnection

from wallserver.posts.pipeline import Pipeline
from wallserver.posts.withdrawal import Withdrawals
from wallserver.services import services
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store


async def get_store(conn: HTTPConnection) -> Store:
    return services(conn).store


async def get_pipeline(conn: HTTPConnection) -> Pipeline:
    return services(conn).pipeline


async def get_withdrawals(conn: HTTPConnection) -> Withdrawals:
    return services(conn).withdrawals


async def get_settings(conn: HTTPConnection) -> Settings:
    return services(conn).settings


async def get_event(slug: str, conn: HTTPConnection) -> EventInfo:
    return await services(conn).store.events.get(slug)


StoreDep = Annotated[Store, Depends(get_store)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
WithdrawalsDep = Annotated[Withdrawals, Depends(get_withdrawals)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EventDep = Annotated[EventInfo, Depends(get_event)]

# Row ids are 32-bit integers on PostgreSQL; a larger number in a URL can name nothing, so it is
# refused as input (422) before it reaches a query, where drivers would raise.
MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
