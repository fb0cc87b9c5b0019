"""An event's lifecycle: which states there are, which moves between them are allowed, and
who may post in each. Pure: no I/O; ``posts/lifecycle.py`` carries a change out.

    draft <──> rehearsal ──> live <──> ended
      └──────────────────────> live

- **draft**: being set up. Pages, screens and sources can be prepared; no post is taken
  (``/ingest``, ``/submissions`` and webhooks answer 409 ``event_not_open``), sources do not run.
- **rehearsal**: everything runs, and every post stored is a *test post* (``post.rehearsal``),
  marked "test" on the consoles. Leaving rehearsal (for live, or back to draft) withdraws the
  test posts: off the queues, the walls and their replays, and out of the figures.
- **live**: the event proper.
- **ended**: no post is taken (409 ``event_ended``), sources stop, the posting page says the
  event is over and the walls show the closing screen (``event.closing``, set by staff).
  An ended event can be reopened (``live``) if it was ended by mistake.

Events made before the lifecycle existed, and events created through the API or the CLI without
a ``state``, are live: bridges and scripts that create an event and post to it keep working.
"""

from __future__ import annotations

from enum import StrEnum

from wallserver.errors import EventEnded, EventNotOpen, InvalidTransition


class State(StrEnum):
    DRAFT = "draft"
    REHEARSAL = "rehearsal"
    LIVE = "live"
    ENDED = "ended"


MOVES: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.REHEARSAL, State.LIVE}),
    State.REHEARSAL: frozenset({State.DRAFT, State.LIVE}),
    State.LIVE: frozenset({State.ENDED}),
    State.ENDED: frozenset({State.LIVE}),
}
"""Where each state may go."""

TAKING_POSTS = frozenset({State.REHEARSAL, State.LIVE})
"""States in which posts are taken and sources run."""

CLOSING_MAX = 500  # characters of the closing screen's message


def check_move(current: str, wanted: str) -> State:
    """The state to move to; :class:`InvalidTransition` when the move is not allowed."""
    try:
        to = State(wanted)
    except ValueError:
        raise InvalidTransition(
            f"no state {wanted!r}: one of {', '.join(s.value for s in State)}"
        ) from None
    here = State(current)
    if to is here:
        return to  # setting the state it has is a no-op, so a retried request succeeds
    if to not in MOVES[here]:
        allowed = " or ".join(sorted(s.value for s in MOVES[here]))
        raise InvalidTransition(f"an event in {here.value} can move to {allowed}, not {to.value}")
    return to


def purges_rehearsal(before: str, after: str) -> bool:
    """Whether this move ends a rehearsal, so its test posts go."""
    return before == State.REHEARSAL and after != State.REHEARSAL


def check_open(state: str) -> None:
    """Refuse a post for an event that does not take posts in ``state``."""
    if state == State.DRAFT:
        raise EventNotOpen("this event is not open for posts yet")
    if state == State.ENDED:
        raise EventEnded("this event has ended and takes no more posts")


def shows_rehearsal(state: str) -> bool:
    """Whether consoles and figures include test posts: only while the event rehearses."""
    return state == State.REHEARSAL
