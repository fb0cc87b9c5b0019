"""Shared router dependencies: the app's store and pipeline, and the event named in the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from wallserver.posts.pipeline import Pipeline
from wallserver.posts.withdrawal import Withdrawals
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_pipeline(request: Request) -> Pipeline:
    return request.app.state.pipeline  # type: ignore[no-any-return]


def get_withdrawals(request: Request) -> Withdrawals:
    return request.app.state.withdrawals  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_event(slug: str, request: Request) -> EventInfo:
    return await get_store(request).events.get(slug)


StoreDep = Annotated[Store, Depends(get_store)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
WithdrawalsDep = Annotated[Withdrawals, Depends(get_withdrawals)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EventDep = Annotated[EventInfo, Depends(get_event)]

# Row ids are 32-bit integers on PostgreSQL; a larger number in a URL can name nothing, so it is
# refused as input (422) before it reaches a query, where drivers would raise.
MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
