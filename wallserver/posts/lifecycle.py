"""Carrying out an event's lifecycle change (the rules are in ``wallserver/lifecycle.py``).

One walk for the admin page, the API and the CLI: store the new state (and the ``wall.closing``
the walls need, in the same transaction), publish it, withdraw the test posts when a rehearsal
ends, tell the consoles to reload their queue, and wake the source supervisor so an event that
ended stops its sources now rather than at its next round.

Test posts go the way of a purge (``withdrawal.py``): off the walls with a ``post.retract``,
their ``post.show`` entries rewritten so no replay shows them, their content and files deleted.
Their rows stay, marked ``rehearsal``, and are left out of the queues and the figures.

From the command line there is no hub nor supervisor: running servers' walls catch up from the
wall log, and their supervisors see the state at their next round (``lease_interval``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from wallserver import protocol
from wallserver.lifecycle import purges_rehearsal
from wallserver.posts.records import EventInfo, PostRecord
from wallserver.posts.withdrawal import Withdrawals
from wallserver.sources.supervisor import Supervisor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Changed:
    event: EventInfo
    withdrawn: list[PostRecord]  # the test posts withdrawn by this change


@dataclass
class EventLifecycle:
    withdrawals: Withdrawals
    supervisor: Supervisor | None = None

    async def change(
        self, event: EventInfo, state: str | None, closing: str | None, actor: str
    ) -> Changed:
        """Move ``event`` to ``state`` and/or set its closing message (None leaves either)."""
        store = self.withdrawals.store
        done = await store.events.change_state(event.slug, state, closing)
        hub, feed = self.withdrawals.hub, self.withdrawals.feed
        if hub is not None:
            await hub.publish(done.messages)
        withdrawn: list[PostRecord] = []
        if purges_rehearsal(done.before.state, done.after.state):
            withdrawn = await self.withdrawals.rehearsal_over(done.after, actor)
        if done.before.state != done.after.state:
            log.info(
                "event %s: %s -> %s by %s (%d test posts withdrawn)",
                event.slug,
                done.before.state,
                done.after.state,
                actor,
                len(withdrawn),
            )
            if feed is not None:
                await feed.publish(event.id, protocol.queue_resync())
            if self.supervisor is not None:
                self.supervisor.wake()
        return Changed(done.after, withdrawn)
