"""Who may get in: API tokens (list, create, revoke) and user accounts (list, create, delete,
new password), for admins. The contract is in docs/api.md ("Tokens and users").

A token's secret is shown once, in the answer that creates it; lists never carry it. An admin
token made for one event sees and manages only that event's tokens, and no accounts (accounts
are not per event). Revoking a token, deleting a user or setting a password takes effect at
once on every instance (the store tells the others over the broker).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import AwareDatetime, Field

from wallserver.api.deps import RowId, StoreDep
from wallserver.auth.deps import AdminDep
from wallserver.auth.secrets import ROLES, USER_ROLES
from wallserver.errors import Conflict, Forbidden, NotFound
from wallserver.schemas import Strict
from wallserver.store import Principal

router = APIRouter(tags=["access"])

RolePattern = f"^({'|'.join(ROLES)})$"
UserRolePattern = f"^({'|'.join(USER_ROLES)})$"


class TokenCreate(Strict):
    role: str = Field(pattern=RolePattern)
    event: str | None = Field(default=None, min_length=1, max_length=64)
    label: str = Field(default="", max_length=200)
    expires_at: AwareDatetime | None = None


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(pattern=UserRolePattern)
    password: str = Field(min_length=8, max_length=1000)


class PasswordBody(Strict):
    password: str = Field(min_length=8, max_length=1000)


def _everywhere(principal: Principal) -> None:
    """Accounts are for the whole server: an admin token made for one event may not touch them."""
    if principal.event_id is not None:
        raise Forbidden("this token belongs to one event; accounts need an admin of all events")


@router.get("/api/tokens")
async def list_tokens(admin: AdminDep, store: StoreDep) -> dict[str, Any]:
    """Every token (an event's admin token: that event's), newest first, without secrets."""
    tokens = await store.auth.list_tokens(admin.event_id)
    return {"tokens": [token.public() for token in tokens]}


@router.post("/api/tokens", status_code=201)
async def create_token(body: TokenCreate, admin: AdminDep, store: StoreDep) -> dict[str, Any]:
    """A new token; its ``secret`` is in this answer only."""
    event_id = (await store.events.get(body.event)).id if body.event else None
    if admin.event_id is not None:
        if event_id not in (None, admin.event_id):
            raise Forbidden("this token belongs to another event")
        event_id = admin.event_id
    expires: datetime | None = body.expires_at
    secret, created = await store.auth.issue_token(body.role, event_id, body.label.strip(), expires)
    return {**created.public(), "secret": secret}


@router.delete("/api/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: RowId, admin: AdminDep, store: StoreDep) -> Response:
    """Revoke a token: refused from now on, on every instance."""
    found = await store.auth.get_token(token_id)
    if admin.event_id is not None and found.event_id != admin.event_id:
        raise NotFound(f"no token {token_id}")  # other events' tokens are not there for it
    await store.auth.revoke_token(token_id)
    return Response(status_code=204)


@router.get("/api/users")
async def list_users(admin: AdminDep, store: StoreDep) -> dict[str, Any]:
    _everywhere(admin)
    return {"users": [user.public() for user in await store.auth.list_users()]}


@router.post("/api/users", status_code=201)
async def create_user(body: UserCreate, admin: AdminDep, store: StoreDep) -> dict[str, Any]:
    _everywhere(admin)
    user = await store.auth.create_user(body.name, body.role, body.password)
    return {"id": user.id, "name": user.name, "role": user.role}


@router.delete("/api/users/{user_id}", status_code=204)
async def delete_user(user_id: RowId, admin: AdminDep, store: StoreDep) -> Response:
    """Delete an account; its login sessions end at once. Not the last admin account (409)."""
    _everywhere(admin)
    users = await store.auth.list_users()
    doomed = next((u for u in users if u.id == user_id), None)
    if doomed is None:
        raise NotFound(f"no user {user_id}")
    if doomed.role == "admin" and sum(u.role == "admin" for u in users) == 1:
        # Nobody could log in to the admin pages any more (`wallserver user delete` still can).
        raise Conflict("this is the last admin account; add another admin first")
    await store.auth.delete_user(doomed.name)
    return Response(status_code=204)


@router.put("/api/users/{user_id}/password", status_code=204)
async def set_password(
    user_id: RowId, body: PasswordBody, admin: AdminDep, store: StoreDep
) -> Response:
    """A new password for an account; its login sessions end at once (the caller's too, when
    it is their own: they log in again)."""
    _everywhere(admin)
    await store.auth.set_password(await store.auth.user_name(user_id), body.password)
    return Response(status_code=204)
