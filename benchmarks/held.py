"""Workloads about what a program keeps: a held inventory's cost to the garbage collector.

- ``held_inventory``: one full ``gc.collect()`` with 10,000 listed instances
  held, minus the same without them (the contender's own items: aiolightsail's
  models, botocore's dicts);
- ``sweep_held``: the 128-target sweep (``worker.sweep``) while the process
  holds 100,000 realistic instances listed by earlier sweeps, as a service
  that keeps its inventory does.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

from benchmarks.contenders import Contender
from benchmarks.harness import Job

__all__ = ["held_inventory", "sweep_held"]

#: Full collections timed per reading (the median is kept).
_COLLECTIONS = 7


def _full_collection_ms() -> float:
    """CPU milliseconds of one full collection (median of :data:`_COLLECTIONS`)."""
    took = []
    for _ in range(_COLLECTIONS):
        started = time.process_time()
        gc.collect()
        took.append(time.process_time() - started)
    return statistics.median(took) * 1e3


async def held_inventory(contender: Contender, job: Job) -> dict[str, Any]:
    """A full collection's cost with ``held`` listed instances kept, minus without them."""
    held_target: int = job.params["held"]
    client = await contender.open(job.targets[0])
    held: list[Any] = []
    try:
        async for _item in contender.items(client):  # warm-up: connection, caches
            pass
        gc.collect()
        objects, without = len(gc.get_objects()), _full_collection_ms()
        while len(held) < held_target:
            held += [item async for item in contender.items(client)]
        del held[held_target:]
        gc.collect()
        objects, with_held = len(gc.get_objects()) - objects, _full_collection_ms()
    finally:
        await contender.close(client)
        await contender.aclose()
    return {
        "gc_ms_held": with_held - without,
        "gc_ms_without": without,
        "tracked_objects_per_item": objects / len(held),
        "held": len(held),
    }


async def sweep_held(contender: Contender, job: Job) -> dict[str, Any]:
    """``worker.sweep`` after earlier sweeps left ``held`` instances in the process."""
    from benchmarks.worker import sweep

    keep = getattr(contender, "keep", None)
    if keep is None:
        raise RuntimeError(f"{job.contender} cannot keep what it lists")
    held: list[Any] = []
    while len(held) < job.params["held"]:
        held += await keep(job.targets, concurrency=job.params["concurrency"])
    del held[job.params["held"] :]
    result = await sweep(contender, job)
    return {**result, "held": len(held)}
