"""The swarm in numbers: who counts as one person, and the figures' shapes (JSON and CSV).

The SQL that gathers the figures is in ``wallserver.store.analytics``; this package holds the
pure parts (no database, no web) so they are tested on plain values.
"""
