"""The queue state machine: which actions fit which states, and what walls must do about them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation import (
    Action,
    Effect,
    PostState,
    Status,
    TransitionError,
    apply_action,
    check_editable,
    restore,
    withdraw,
)
from moderation.queue import wall_effects

PENDING = PostState(Status.PENDING)
APPROVED = PostState(Status.APPROVED)
PINNED = PostState(Status.APPROVED, pinned=True)
REJECTED = PostState(Status.REJECTED)
HIDDEN = PostState(Status.HIDDEN)
WITHDRAWN = PostState(Status.WITHDRAWN)
EVERY_STATE = [PENDING, APPROVED, PINNED, REJECTED, HIDDEN, WITHDRAWN]


@dataclass
class WallModel:
    """What one wall shows of one post, driven only by effects."""

    shown: bool = False
    pinned: bool = False

    def apply(self, effect: Effect, post_pinned: bool) -> None:
        if effect is Effect.SHOW:
            assert not self.shown, "shown twice"
            self.shown, self.pinned = True, post_pinned
        elif effect is Effect.RETRACT:
            assert self.shown, "retracted a post the wall does not show"
            self.shown = self.pinned = False
        elif effect is Effect.PIN:
            assert self.shown and not self.pinned, "pinned a post that is not shown or pinned"
            self.pinned = True
        else:
            assert self.shown and self.pinned, "unpinned a post that is not pinned"
            self.pinned = False

    def matches(self, state: PostState) -> bool:
        return self.shown == state.on_wall and self.pinned == (state.on_wall and state.pinned)


# (from, action) -> (to, effects); every pair not listed must be refused.
ALLOWED = {
    (PENDING, Action.APPROVE): (APPROVED, (Effect.SHOW,)),
    (PENDING, Action.REJECT): (REJECTED, ()),
    (PENDING, Action.HIDE): (HIDDEN, ()),
    (APPROVED, Action.REJECT): (REJECTED, (Effect.RETRACT,)),
    (APPROVED, Action.HIDE): (HIDDEN, (Effect.RETRACT,)),
    (APPROVED, Action.PIN): (PINNED, (Effect.PIN,)),
    (APPROVED, Action.REQUEUE): (PENDING, (Effect.RETRACT,)),
    (PINNED, Action.REJECT): (REJECTED, (Effect.RETRACT,)),
    (PINNED, Action.HIDE): (HIDDEN, (Effect.RETRACT,)),
    (PINNED, Action.UNPIN): (APPROVED, (Effect.UNPIN,)),
    (PINNED, Action.REQUEUE): (PENDING, (Effect.RETRACT,)),
    (REJECTED, Action.APPROVE): (APPROVED, (Effect.SHOW,)),
    (REJECTED, Action.REQUEUE): (PENDING, ()),
    (HIDDEN, Action.APPROVE): (APPROVED, (Effect.SHOW,)),
    (HIDDEN, Action.REJECT): (REJECTED, ()),
    (HIDDEN, Action.REQUEUE): (PENDING, ()),
}


@pytest.mark.parametrize(
    "state", EVERY_STATE, ids=lambda s: f"{s.status}{'+pin' if s.pinned else ''}"
)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_transition_table(state: PostState, action: Action) -> None:
    """Each action moves the post as the table says, with those wall effects, or is refused."""
    expected = ALLOWED.get((state, action))
    if expected is None:
        with pytest.raises(TransitionError):
            apply_action(state, action)
        return
    transition = apply_action(state, action)
    assert (transition.before, transition.after, transition.effects) == (state, *expected)


def test_leaving_approved_drops_the_pin() -> None:
    """A pinned post that is rejected loses its pin: approved again, it shows unpinned."""
    rejected = apply_action(PINNED, Action.REJECT).after
    assert rejected == REJECTED
    assert apply_action(rejected, Action.APPROVE).after == APPROVED


def test_restore_refuses_a_no_op_and_an_impossible_state() -> None:
    """Undo with nothing to go back to, or back to a pinned post off the wall, is refused."""
    with pytest.raises(TransitionError):
        restore(APPROVED, APPROVED)
    with pytest.raises(TransitionError):
        restore(APPROVED, PostState(Status.REJECTED, pinned=True))


def test_undo_of_a_rejection_shows_the_post_pinned_again() -> None:
    """Undoing "reject" on a pinned post puts it back on the wall with its pin."""
    transition = restore(REJECTED, PINNED)
    assert transition.after == PINNED
    assert transition.effects == (Effect.SHOW,)


def test_wall_effects_between_every_pair_of_states() -> None:
    """Between any two states, the effects take a wall from showing one to the other."""
    for before in EVERY_STATE:
        for after in EVERY_STATE:
            wall = WallModel(before.on_wall, before.pinned)
            for effect in wall_effects(before, after):
                wall.apply(effect, after.pinned)
            assert wall.matches(after), (before, after)


initial_states = st.sampled_from([PENDING, APPROVED, REJECTED])


@given(initial_states, st.lists(st.sampled_from(list(Action)), max_size=40))
def test_any_action_sequence_keeps_state_and_wall_consistent(
    initial: PostState, actions: list[Action]
) -> None:
    """Effects replayed from an empty wall end showing exactly the post's final state."""
    state = initial
    wall = WallModel()
    for effect in wall_effects(PENDING, initial):  # the post arriving (post-moderation shows it)
        wall.apply(effect, initial.pinned)
    for action in actions:
        try:
            transition = apply_action(state, action)
        except TransitionError:
            continue
        assert transition.before == state
        state = transition.after
        assert not state.pinned or state.status is Status.APPROVED
        for effect in transition.effects:
            wall.apply(effect, state.pinned)
        assert wall.matches(state)


@given(initial_states, st.lists(st.sampled_from(list(Action)), max_size=40))
def test_undo_inverts_every_transition(initial: PostState, actions: list[Action]) -> None:
    """After any action, restoring the previous state brings the wall back to what it showed."""
    state = initial
    for action in actions:
        try:
            transition = apply_action(state, action)
        except TransitionError:
            continue
        wall = WallModel(transition.after.on_wall, transition.after.pinned)
        undo = restore(transition.after, transition.before)
        assert undo.after == transition.before
        for effect in undo.effects:
            wall.apply(effect, undo.after.pinned)
        assert wall.matches(transition.before)
        redo = restore(undo.after, undo.before)  # undoing the undo is a redo
        assert redo.after == transition.after
        state = transition.after


@pytest.mark.parametrize("state", [PENDING, APPROVED, PINNED, REJECTED, HIDDEN], ids=str)
def test_withdraw_leaves_the_wall_from_any_state(state: PostState) -> None:
    """An author's takedown moves every other state to withdrawn, retracting a post on the wall."""
    transition = withdraw(state)
    assert transition.after == WITHDRAWN
    assert transition.effects == ((Effect.RETRACT,) if state.on_wall else ())


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_a_withdrawn_post_is_final(action: Action) -> None:
    """No moderator action, no undo and no second takedown leads out of withdrawn."""
    with pytest.raises(TransitionError, match="withdrew"):
        apply_action(WITHDRAWN, action)
    for previous in [PENDING, APPROVED, PINNED, REJECTED, HIDDEN]:
        with pytest.raises(TransitionError, match="withdrew"):
            restore(WITHDRAWN, previous)
    with pytest.raises(TransitionError):
        withdraw(WITHDRAWN)
    with pytest.raises(TransitionError, match="withdrew"):
        check_editable(WITHDRAWN)
