"""Benchmarks: ``python -m bench [fanout|ingest|all] [--quick]``.

Every measurement is compared with a baseline measured in the same run on the same machine, so the
ratios (not the absolute numbers) are what the targets constrain. See ``docs/performance.md``.
"""
