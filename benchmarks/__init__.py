"""Streaming and start-up benchmarks for kimitui (run with ``python benchmarks/run.py``).

Nothing here is imported by the package or the tests; every helper module is
typed and lint-clean like the rest of the repository.
"""
