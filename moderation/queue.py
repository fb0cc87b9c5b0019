"""The moderation queue as a pure state machine.

A post's state is its :class:`Status` plus a ``pinned`` flag. A moderator's :class:`Action` moves it
to a new state; what the wall must do about it (show, retract, pin, unpin) follows from the
difference between the two states alone, so "undo" is just a move back to the previous state.

Only approved posts are on the wall. Pinning needs an approved post, and leaving "approved" drops
the pin.

A post its author withdrew (or an operator forgot or purged) is final: :func:`withdraw` moves any
other state to ``withdrawn``, and no action or undo leads out of it, so nobody can put it back
against the author's withdrawn consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"  # was on the wall, taken down by a moderator or at the source
    WITHDRAWN = "withdrawn"  # the author took it down (or it was forgotten, purged): final


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    PIN = "pin"
    UNPIN = "unpin"
    REQUEUE = "requeue"


class Effect(StrEnum):
    """What connected walls must do; the names are the WebSocket message types."""

    SHOW = "post.show"
    RETRACT = "post.retract"
    PIN = "post.pin"
    UNPIN = "post.unpin"


@dataclass(frozen=True, slots=True)
class PostState:
    status: Status
    pinned: bool = False

    @property
    def on_wall(self) -> bool:
        return self.status is Status.APPROVED


@dataclass(frozen=True, slots=True)
class Transition:
    before: PostState
    after: PostState
    effects: tuple[Effect, ...]


class TransitionError(ValueError):
    """The action makes no sense from the post's current state."""


FINAL = "the author withdrew this post; it cannot be shown, queued, edited or restored again"


_ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.APPROVE: frozenset({Status.PENDING, Status.REJECTED, Status.HIDDEN}),
    Action.REJECT: frozenset({Status.PENDING, Status.APPROVED, Status.HIDDEN}),
    Action.HIDE: frozenset({Status.PENDING, Status.APPROVED}),
    Action.PIN: frozenset({Status.APPROVED}),
    Action.UNPIN: frozenset({Status.APPROVED}),
    Action.REQUEUE: frozenset({Status.APPROVED, Status.REJECTED, Status.HIDDEN}),
}

_TARGET: dict[Action, Status] = {
    Action.APPROVE: Status.APPROVED,
    Action.REJECT: Status.REJECTED,
    Action.HIDE: Status.HIDDEN,
    Action.REQUEUE: Status.PENDING,
}


def apply_action(state: PostState, action: Action) -> Transition:
    """Apply a moderator's action; raise :class:`TransitionError` when it does not fit."""
    if state.status is Status.WITHDRAWN:
        raise TransitionError(FINAL)
    if state.status not in _ALLOWED_FROM[action]:
        raise TransitionError(f"cannot {action.value} a post that is {state.status.value}")
    if action is Action.PIN:
        if state.pinned:
            raise TransitionError("the post is already pinned")
        after = PostState(Status.APPROVED, pinned=True)
    elif action is Action.UNPIN:
        if not state.pinned:
            raise TransitionError("the post is not pinned")
        after = PostState(Status.APPROVED, pinned=False)
    else:
        after = PostState(_TARGET[action], pinned=False)
    return Transition(state, after, wall_effects(state, after))


def restore(current: PostState, previous: PostState) -> Transition:
    """Undo: go back to ``previous``, with the wall effects that takes."""
    if current.status is Status.WITHDRAWN or previous.status is Status.WITHDRAWN:
        raise TransitionError(FINAL)
    if current == previous:
        raise TransitionError("nothing to undo")
    if previous.pinned and not previous.on_wall:
        raise TransitionError("inconsistent previous state")
    return Transition(current, previous, wall_effects(current, previous))


def withdraw(state: PostState) -> Transition:
    """The author's takedown (or an operator's forget or purge), from any state but withdrawn."""
    if state.status is Status.WITHDRAWN:
        raise TransitionError("the post is withdrawn already")
    after = PostState(Status.WITHDRAWN)
    return Transition(state, after, wall_effects(state, after))


def check_editable(state: PostState) -> None:
    """A withdrawn post's text and media are gone and stay gone: no edit brings them back."""
    if state.status is Status.WITHDRAWN:
        raise TransitionError(FINAL)


def wall_effects(before: PostState, after: PostState) -> tuple[Effect, ...]:
    """What a wall must do to go from showing ``before`` to showing ``after``."""
    if not before.on_wall and after.on_wall:
        return (Effect.SHOW,)  # the shown post carries its pinned flag
    if before.on_wall and not after.on_wall:
        return (Effect.RETRACT,)
    if before.on_wall and after.on_wall and before.pinned != after.pinned:
        return (Effect.PIN,) if after.pinned else (Effect.UNPIN,)
    return ()
