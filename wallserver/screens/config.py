"""What a screen is made of: its name, its settings (``config``), its live steering (``state``)
and announcements. Pure validation (pydantic), no I/O; the shapes are in docs/screens.md.

Unknown keys are refused rather than dropped, so a typo in a setting is an error the editor sees,
not a setting that silently does nothing.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from wallserver.errors import ValidationFailed

MAIN = "main"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
LAYOUTS = ("masonry", "spotlight", "ticker", "carousel", "swarm")
FONTS = ("sans", "serif", "rounded", "mono", "condensed")

Layout = Literal["masonry", "spotlight", "ticker", "carousel", "swarm"]


def _lower(value: str) -> str:
    return value.lower()


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(_lower)]
# Only pictures this server stored (content-addressed names), so a URL can never carry CSS or
# point a screen at another site.
MediaUrl = Annotated[str, Field(pattern=r"^(/media/[0-9a-f]{32}\.(jpg|webp))?$")]
SourceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Text = Annotated[str, AfterValidator(_no_nul)]


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filters(Closed):
    media: Literal["any", "photos", "text"] = "any"
    sources: list[SourceName] = Field(default_factory=list, max_length=20)  # [] = every source


class Pacing(Closed):
    dwell_seconds: int = Field(default=8, ge=2, le=600)
    recycle_seconds: int = Field(default=20, ge=5, le=3600)


class Theme(Closed):
    background: Colour = "#0f1517"
    foreground: Colour = "#f6f3ea"
    accent: Colour = "#ffcf5c"
    font: Literal["sans", "serif", "rounded", "mono", "condensed"] = "sans"
    logo_url: MediaUrl = ""
    background_url: MediaUrl = ""


class Cta(Closed):
    show: bool = True
    text: Text = Field(default="", max_length=200)  # "" = "Post at <url>"


class ScreenConfig(Closed):
    layout: Layout = "masonry"
    filters: Filters = Field(default_factory=Filters)
    pacing: Pacing = Field(default_factory=Pacing)
    theme: Theme = Field(default_factory=Theme)
    title: Text = Field(default="", max_length=120)  # "" = the event's name
    cta: Cta = Field(default_factory=Cta)
    custom_css: Text = Field(default="", max_length=20_000)


class ScreenState(Closed):
    paused: bool = False
    blackout: bool = False
    spotlight: int | None = None


def check_name(name: str) -> str:
    """A screen name as the contract allows it (1-40 of ``[a-z0-9-]``, not starting with -)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValidationFailed(
            "name: 1-40 lower-case letters, digits and dashes, starting with a letter or digit"
        )
    return name


def is_name(name: str) -> bool:
    return bool(NAME.fullmatch(name))


def default_config() -> dict[str, Any]:
    return ScreenConfig().model_dump()


def default_state() -> dict[str, Any]:
    return ScreenState().model_dump()


def validated_config(data: Any) -> dict[str, Any]:
    """A complete config from ``data`` (missing fields take their defaults), or a 422."""
    try:
        return ScreenConfig.model_validate(data).model_dump()
    except ValidationError as exc:
        raise ValidationFailed(f"config: {describe(exc)}") from None


def merged(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` deep-merged into ``current`` (objects merge, anything else replaces), validated."""
    if not isinstance(patch, dict):
        raise ValidationFailed("config: must be an object")
    return validated_config(deep_merge(current, patch))


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def stored_config(data: Any) -> dict[str, Any]:
    """A config read back from the database, made whole: a row written by an older version may
    lack fields added since (they take their defaults), and one that no longer validates falls
    back to the defaults rather than breaking the screen."""
    try:
        return ScreenConfig.model_validate(data).model_dump()
    except ValidationError:
        return default_config()


def stored_state(data: Any) -> dict[str, Any]:
    try:
        return ScreenState.model_validate(data).model_dump()
    except ValidationError:
        return default_state()


def describe(exc: ValidationError) -> str:
    """The first few problems as ``where: what``, for the error message."""
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "value"
        message = "unknown setting" if err.get("type") == "extra_forbidden" else err.get("msg")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)
