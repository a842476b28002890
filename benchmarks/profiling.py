"""Profile one contender on one workload: ``python -m benchmarks.profiling [WORKLOAD] [CONTENDER]``.

Starts the workload's emulator process as ``run.py`` does, then runs the
workload in this process under cProfile and prints the top functions by own
time (``--sort cumulative`` for inclusive time). Figures under a profiler are
inflated; use it to see *where* CPU goes, and ``run.py`` for *how much*.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.contenders import CONTENDERS, load
from benchmarks.plan import plan
from benchmarks.run import emulator, job_for, targets_of
from benchmarks.worker import WORKLOADS


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", nargs="?", default="cpu_per_page", choices=sorted(WORKLOADS))
    parser.add_argument("contender", nargs="?", default="aiolightsail", choices=sorted(CONTENDERS))
    parser.add_argument("--variant", type=int, default=0, help="target count for `scaling`")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    workload = next(w for w in plan(quick=True) if w.name == args.workload)
    variant = args.variant or workload.variants[-1]
    with emulator(workload.server) as announcement:
        job = job_for(workload, args.contender, variant, targets_of(announcement))
        contender = load(args.contender)
        profiler = cProfile.Profile()
        result = profiler.runcall(asyncio.run, WORKLOADS[job.workload](contender, job))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(result)
    print(out.getvalue())


if __name__ == "__main__":
    main()
