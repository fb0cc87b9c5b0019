"""Connectors: a pure ``parse`` per network plus a thin network loop, run by the supervisor."""
