"""aiolightsail's benchmark suite, against the library's performance goals.

Run it with ``python benchmarks/run.py``; ``benchmarks/README.md`` lists the goals.

Not part of the test run: nothing under ``tests/`` imports it.
"""
