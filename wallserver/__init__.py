"""wallserver: a self-hosted social wall for events."""

__version__ = "0.1.0"
