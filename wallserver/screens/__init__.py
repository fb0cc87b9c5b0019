"""Screens (issue #3): an event's named big screens, their settings and live steering
(``config``, ``control``), and who is showing them right now (``presence``).

See docs/screens.md for the contract shared with the wall page and the control page.
"""
