"""Takedown requests over HTTP: an admin withdraws everything by one author in an event."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wallserver.api.deps import WithdrawalsDep
from wallserver.auth.deps import AdminEvent
from wallserver.schemas import ForgetBody

router = APIRouter(tags=["withdrawals"])


@router.post("/api/events/{slug}/forget")
async def forget(
    body: ForgetBody, scope: AdminEvent, withdrawals: WithdrawalsDep
) -> dict[str, Any]:
    """Withdraw every post of ``author`` (a handle, or a name without one) in the event: off
    the walls and the wall log, personal data and media deleted, final; audited."""
    done = await withdrawals.forget(scope.event, body.author, scope.principal.actor)
    return {"withdrawn": [p.id for p in done]}
