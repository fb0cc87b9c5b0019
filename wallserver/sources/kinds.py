"""The kinds of source and their configuration, validated per kind; which fields are secrets."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from wallserver.errors import ValidationFailed

Tag = Field(default="", max_length=100, pattern=r"^#?[^\s#]*$")


def _http(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.lower().startswith(("https://", "http://", "wss://", "ws://")):
        raise ValueError("must be an http(s) or ws(s) URL")
    return value


class KindConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class Mastodon(KindConfig):
    instance: str = Field(min_length=1)
    tag: str = Tag
    token: str = ""  # a user token, where the instance requires one for streaming
    _url = field_validator("instance")(_http)


class Bluesky(KindConfig):
    jetstream: str = "wss://jetstream2.us-east.bsky.network"
    appview: str = "https://public.api.bsky.app"  # for authors' handles and avatars
    # optional: an account (handle or email) and an app password for the searchPosts backfill
    identifier: str = Field(default="", max_length=300)
    app_password: str = Field(default="", max_length=300)
    pds: str = "https://bsky.social"  # where the account logs in; searchPosts goes through it
    _url = field_validator("jetstream", "appview", "pds")(_http)

    @model_validator(mode="after")
    def _both_or_neither(self) -> Bluesky:
        if bool(self.identifier) != bool(self.app_password):
            raise ValueError("identifier and app_password go together (both or neither)")
        return self


class Rss(KindConfig):
    url: str = Field(min_length=1)
    interval: float = Field(default=300.0, ge=0, le=86400)  # seconds between polls
    _url = field_validator("url")(_http)


class X(KindConfig):
    bearer_token: str = Field(min_length=1)
    tag: str = Tag
    api_base: str = "https://api.x.com"
    interval: float = Field(default=60.0, ge=0, le=86400)
    _url = field_validator("api_base")(_http)


class Instagram(KindConfig):
    access_token: str = Field(min_length=1)
    user_id: str = Field(min_length=1, max_length=64)
    tag: str = Tag
    api_base: str = "https://graph.facebook.com/v21.0"
    interval: float = Field(default=120.0, ge=0, le=86400)
    _url = field_validator("api_base")(_http)


class Webhook(KindConfig):
    secret: str = Field(min_length=16, max_length=200)


KINDS: dict[str, type[KindConfig]] = {
    "mastodon": Mastodon,
    "bluesky": Bluesky,
    "rss": Rss,
    "x": X,
    "instagram": Instagram,
    "webhook": Webhook,
}
SECRETS: dict[str, frozenset[str]] = {
    "mastodon": frozenset({"token"}),
    "bluesky": frozenset({"app_password"}),
    "x": frozenset({"bearer_token"}),
    "instagram": frozenset({"access_token"}),
    "webhook": frozenset({"secret"}),
}
TAGGED = ("mastodon", "x", "instagram")


def validate(kind: str, config: dict[str, Any], hashtags: list[str]) -> dict[str, Any]:
    """The config as stored, or ValidationFailed naming the first problem."""
    model = KINDS.get(kind)
    if model is None:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}")
    try:
        clean = model.model_validate(config).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or kind
        raise ValidationFailed(f"{where}: {first['msg']}") from exc
    if kind in TAGGED:
        clean["tag"] = (clean.get("tag") or (hashtags[0] if hashtags else "")).lstrip("#")
        if not clean["tag"]:
            raise ValidationFailed("tag: the event has no hashtag to follow")
    return clean


def secrets_of(kind: str) -> frozenset[str]:
    return SECRETS.get(kind, frozenset())
