"""Request bodies of the HTTP API (pydantic). Responses are built from store records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from wallserver.dates import sane_utc

Url = Field(default="", max_length=2000)

# When a bridge says its post was made. A date pydantic can read but not use (year 1 at +23:59
# overflows any conversion to UTC; 1970 or 2500 is nobody's post) becomes None, the arrival
# time, rather than a 422: a bridge answered 422 drops the post or retries it for ever, and the
# date is the least of what it carries. Text that is no date at all is still a 422.
CreatedAt = Annotated[datetime | None, AfterValidator(sane_utc)]


def _http_url(value: str) -> str:
    value = value.strip()
    if value and not value.lower().startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_max_length=100_000)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """PostgreSQL cannot store NUL characters; refuse them everywhere, on every backend."""
        if _has_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data


class EventCreate(Strict):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    hashtags: list[str] = Field(min_length=1, max_length=20)
    moderation: Literal["pre", "post"] = "pre"
    rules: dict[str, Any] = Field(default_factory=dict)
    state: Literal["draft", "rehearsal", "live"] = "live"  # the admin page makes drafts


class EventUpdate(Strict):
    """A change to an event: any of its name, hashtags and moderation mode (at least one). The
    slug stays (it is in every link and QR code); rules, state and retention have their own
    routes. Unknown fields are refused, so a typo cannot pass for a change."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    hashtags: list[str] | None = Field(default=None, min_length=1, max_length=20)
    moderation: Literal["pre", "post"] | None = None

    @model_validator(mode="after")
    def _something(self) -> EventUpdate:
        if self.name is None and self.hashtags is None and self.moderation is None:
            raise ValueError("give a name, hashtags, a moderation mode or several")
        return self


class RulesUpdate(Strict):
    """A rule set: ``{"chain": [...]}`` or the original three lists. The rule chain validates
    the contents (``moderation.RuleSet.from_dict``); this only bounds the size."""

    model_config = ConfigDict(extra="allow", str_max_length=100_000)

    chain: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    trusted_authors: list[str] | None = Field(default=None, max_length=5000)
    banned_authors: list[str] | None = Field(default=None, max_length=5000)
    blocklist: list[str] | None = Field(default=None, max_length=20000)
    # the version the change was made to (from GET); not part of the rules
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)

    def rules(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"version"})


class Author(Strict):
    name: str = Field(default="", max_length=200)
    handle: str = Field(default="", max_length=200)
    avatar_url: str = Url

    _check = field_validator("avatar_url")(_http_url)


class Media(Strict):
    url: str = Field(min_length=1, max_length=2000)
    kind: Literal["image", "video", "emoji"] = "image"
    alt: str = Field(default="", max_length=2000)
    # a custom emoji's code, drawn in place of ``:shortcode:`` in the text or the author's name
    shortcode: str = Field(default="", max_length=100, pattern=r"^[A-Za-z0-9_]*$")

    _check = field_validator("url")(_http_url)

    @model_validator(mode="after")
    def _emoji_has_a_code(self) -> Media:
        if (self.kind == "emoji") != bool(self.shortcode):
            raise ValueError("a shortcode goes with kind emoji, and kind emoji needs one")
        return self

    def item(self) -> dict[str, Any]:
        """The ``media[]`` entry as stored: an emoji carries its shortcode and ``:code:`` alt."""
        if self.kind == "emoji":
            return {
                "kind": "emoji",
                "shortcode": self.shortcode,
                "url": self.url,
                "alt": f":{self.shortcode}:",
            }
        return {"url": self.url, "kind": self.kind, "alt": self.alt}


class IngestBody(Strict):
    source: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    source_id: str = Field(min_length=1, max_length=200)
    author: Author = Field(default_factory=Author)
    text: str = ""
    media: list[Media] = Field(default_factory=list, max_length=10)
    created_at: CreatedAt = None
    url: str = Url

    _check = field_validator("url")(_http_url)


class DecisionBody(Strict):
    action: Literal["approve", "reject", "hide", "pin", "unpin", "requeue", "undo"]
    version: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(default="", max_length=500)


class LoginBody(Strict):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


PostId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # a row id, as in the URL paths


class ClaimBody(Strict):
    post_ids: list[PostId] = Field(min_length=1, max_length=50)


class LifecycleBody(Strict):
    """A lifecycle change: a new ``state``, a new closing message, or both."""

    state: Literal["draft", "rehearsal", "live", "ended"] | None = None
    closing: str | None = Field(default=None, max_length=500)


class RetentionBody(Strict):
    """How many days after its end an event's posts keep personal data and media; null: the
    deployment's WALL_RETENTION_DAYS."""

    days: int | None = Field(ge=0, le=3650, strict=True)


class KillBody(Strict):
    paused: bool = True


class AuthorBody(Strict):
    action: Literal["trust", "ban"]


class ForgetBody(Strict):
    author: str = Field(min_length=1, max_length=200)


class EditBody(Strict):
    version: int = Field(ge=1, le=2**31 - 1)
    text: str | None = Field(default=None, max_length=1000)
    alt: list[str] | None = Field(default=None, max_length=10)
