"""Moderation logic with no I/O: the queue state machine and the rule chain.

This package never imports the web, database or network stack; ``tests/moderation`` asserts it.
"""

from moderation.chain import Candidate, Decision, RuleError, Verdict
from moderation.queue import (
    Action,
    Effect,
    PostState,
    Status,
    Transition,
    TransitionError,
    apply_action,
    check_editable,
    restore,
    withdraw,
)
from moderation.rules import RuleSet, evaluate, initial_status

__all__ = [
    "Action",
    "Candidate",
    "Decision",
    "Effect",
    "PostState",
    "RuleError",
    "RuleSet",
    "Status",
    "Transition",
    "TransitionError",
    "Verdict",
    "apply_action",
    "check_editable",
    "evaluate",
    "initial_status",
    "restore",
    "withdraw",
]
