"""aiolightsail's benchmark suite (GitHub issue #6); run it with ``python benchmarks/run.py``.

Not part of the test run: nothing under ``tests/`` imports it.
"""
