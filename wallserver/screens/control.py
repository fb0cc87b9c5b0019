"""Screens as the API and the pages use them: create, configure, steer, announce.

Every change is written with its wall-log entries in one transaction (``store.screens``), then
published through the hub, so open screens apply it at once and a screen that reconnects replays
it. Which messages a change makes is in docs/screens.md.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wallserver.errors import BadRequest
from wallserver.screens import commands
from wallserver.screens.config import (
    MAIN,
    check_name,
    default_config,
    default_state,
    merged,
    validated_config,
)
from wallserver.store import EventInfo, Store
from wallserver.store.screens import Announcements, ScreenInfo
from wallserver.store.wall import WallMessage
from wallserver.stream.hub import Hub


@dataclass(frozen=True, slots=True)
class ScreenView:
    """One screen as a wall page opens it: settings, steering, what it announces."""

    screen: ScreenInfo
    announcement: dict[str, Any] | None


class ScreenControl:
    def __init__(self, store: Store, hub: Hub, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.hub = hub
        self.clock = clock

    async def all(self, event: EventInfo) -> tuple[list[ScreenInfo], Announcements]:
        """Every screen of the event (``main`` made if missing) and its announcements."""
        await self.ensure_main(event)
        screens = await self.store.screens.for_event(event.id)
        return screens, await self.store.screens.announcements(event.id)

    async def open(self, event: EventInfo, name: str) -> ScreenView:
        """The screen a wall page shows (404 for an unknown name; ``main`` always exists)."""
        if name == MAIN:
            screen = await self.ensure_main(event)
        else:
            screen = await self.store.screens.get(event.id, check_name(name))
        announcements = await self.store.screens.announcements(event.id)
        return ScreenView(screen, announcements.for_screen(screen.name))

    async def ensure_main(self, event: EventInfo) -> ScreenInfo:
        changed = await self.store.screens.ensure(event.id, MAIN, default_config(), default_state())
        await self.hub.publish(changed.messages)
        return changed.screens[0]

    async def create(
        self, event: EventInfo, name: str, config: dict[str, Any] | None = None
    ) -> ScreenInfo:
        await self.ensure_main(event)
        settings = merged(default_config(), config or {})
        changed = await self.store.screens.create(
            event.id, check_name(name), settings, default_state()
        )
        await self.hub.publish(changed.messages)
        return changed.screens[0]

    async def configure(
        self, event: EventInfo, name: str, patch: dict[str, Any], version: int
    ) -> ScreenInfo:
        """Deep-merge ``patch`` into the screen's config if ``version`` is still current."""
        validated_config(patch)  # refuse unknown keys and bad values before taking any lock
        if name == MAIN:
            await self.ensure_main(event)
        changed = await self.store.screens.change_config(
            event.id, name, lambda current: merged(current, patch), version
        )
        await self.hub.publish(changed.messages)
        return changed.screens[0]

    async def delete(self, event: EventInfo, name: str) -> None:
        """Remove a screen; walls showing it get a ``wall.config`` with ``config: null``."""
        if name == MAIN:
            raise BadRequest("the main screen cannot be deleted")
        await self.hub.publish([await self.store.screens.delete(event.id, name)])

    async def command(self, event: EventInfo, name: str | None, body: Any) -> int:
        """Carry out one steering command for screen ``name`` (``None``: every screen);
        returns the seq of the last wall event it wrote."""
        command = commands.parse(body)
        await self.ensure_main(event)
        messages = await self._carry_out(event, name, command)
        await self.hub.publish(messages)
        return messages[-1].seq if messages else await self.store.wall.current_seq(event.id)

    async def _carry_out(
        self, event: EventInfo, name: str | None, command: commands.AnyCommand
    ) -> list[WallMessage]:
        screens = self.store.screens
        if isinstance(command, commands.Next | commands.Reload):
            return [await screens.command(event.id, name, command.action)]
        if isinstance(command, commands.SwitchLayout):
            layout = command.layout
            changed = await screens.change_config(
                event.id, name, lambda current: {**current, "layout": layout}
            )
            return changed.messages
        if isinstance(command, commands.Announce):
            announcement = {
                "id": secrets.token_hex(6),
                "text": command.text,
                "style": command.style,
                "until": commands.check_countdown(command.until, self.clock()),
            }
            return [await screens.announce(event.id, name, announcement)]
        if isinstance(command, commands.ClearAnnouncement):
            return [await screens.announce(event.id, name, None)]
        if isinstance(command, commands.Spotlight):
            post_id = command.post_id
            changed = await screens.change_state(
                event.id, name, lambda state: {**state, "spotlight": post_id}, spotlight=post_id
            )
            return changed.messages
        change = commands.STATE_CHANGES[command.action]
        changed = await screens.change_state(event.id, name, lambda state: {**state, **change})
        return changed.messages
