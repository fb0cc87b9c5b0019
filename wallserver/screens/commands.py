"""Steering commands from the control page, one model per ``action`` (docs/screens.md).

Pure: parsing and what each command does to a screen's state. ``control.py`` carries them out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from wallserver.errors import ValidationFailed
from wallserver.screens.config import Layout, Text, describe

MAX_POST_ID = 2**31 - 1
MAX_COUNTDOWN_SECONDS = 7 * 24 * 3600


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pause(Command):
    action: Literal["pause"]


class Resume(Command):
    action: Literal["resume"]


class Blackout(Command):
    action: Literal["blackout"]


class Unblackout(Command):
    action: Literal["unblackout"]


class Spotlight(Command):
    action: Literal["spotlight"]
    post_id: int = Field(ge=1, le=MAX_POST_ID, strict=True)


class ClearSpotlight(Command):
    action: Literal["clear_spotlight"]


class Next(Command):
    action: Literal["next"]


class Reload(Command):
    action: Literal["reload"]


class SwitchLayout(Command):
    action: Literal["layout"]
    layout: Layout


class Announce(Command):
    action: Literal["announce"]
    text: Text = Field(min_length=1, max_length=500)
    style: Literal["banner", "fullscreen"] = "banner"
    until: float | None = None  # POSIX seconds: show a countdown to then

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("an announcement needs some text")
        return value


class ClearAnnouncement(Command):
    action: Literal["clear_announcement"]


AnyCommand = Annotated[
    Pause
    | Resume
    | Blackout
    | Unblackout
    | Spotlight
    | ClearSpotlight
    | Next
    | Reload
    | SwitchLayout
    | Announce
    | ClearAnnouncement,
    Field(discriminator="action"),
]
_ADAPTER: TypeAdapter[AnyCommand] = TypeAdapter(AnyCommand)

# What each state command does to a screen's state.
STATE_CHANGES: dict[str, dict[str, Any]] = {
    "pause": {"paused": True},
    "resume": {"paused": False},
    "blackout": {"blackout": True},
    "unblackout": {"blackout": False},
    "clear_spotlight": {"spotlight": None},
}
ONE_SHOT = ("next", "reload")


def parse(data: Any) -> AnyCommand:
    """A command from a request body, or a 422 saying what is wrong."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ValidationFailed(f"command: {describe(exc)}") from None


def check_countdown(until: float | None, now: float) -> float | None:
    """A countdown must end in the future, within a week."""
    if until is None:
        return None
    if not now < until <= now + MAX_COUNTDOWN_SECONDS:
        raise ValidationFailed("until: the countdown must end in the future, within 7 days")
    return round(until, 3)
