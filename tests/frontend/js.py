"""Run the wall's pure ES modules (no DOM, no imports) in V8 through mini-racer.

The browser loads these files as ES modules; V8 here evaluates them as a script, so their
``export`` keywords are dropped on load. Only modules without ``import`` can be loaded this way,
which is exactly the rule for the wall's pure logic.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from py_mini_racer import MiniRacer

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static"


def load(*modules: str) -> MiniRacer:
    """A fresh V8 context with the given modules (paths under frontend/static) evaluated."""
    ctx = MiniRacer()
    for module in modules:
        source = (STATIC / module).read_text(encoding="utf-8")
        if re.search(r"^\s*import\s", source, re.MULTILINE):
            raise ValueError(f"{module} imports other modules; only pure modules load here")
        ctx.eval(re.sub(r"^export\s+", "", source, flags=re.MULTILINE))
    return ctx


def call(ctx: MiniRacer, expression: str) -> Any:
    """Evaluate ``expression`` and return its value, passed through JSON."""
    text = ctx.eval(f"JSON.stringify({expression})")
    return json.loads(text) if isinstance(text, str) else None  # undefined: no value
