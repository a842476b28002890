"""The ``scale`` workload: one process sweeping 128 → 8,192 targets, each its own account.

The fleet an organisation runs: up to 512 accounts × 16 regions, every
(account, region) a target with its account's own static keys, one page of a
few realistic instances each, 20–50 ms of latency per request, concurrency
512. The caller counts the items and keeps none. One fresh process per
(contender, target count, repeat), the emulator in its own process, as for
every workload (``benchmarks/run.py``).

Figures per run:

- ``wall_s``, ``cpu_ms_per_target``: from entering the fleet (or making the
  first client) to the last item;
- ``first_item_s``: from the same start to the first item handed to the caller;
- ``stall_ms``: the longest gap of a 5 ms ticker during the sweep, without
  ``gc.freeze()``, and ``stall_cpu_ms`` the process's CPU time inside it (the
  rest of the gap it waited for a core); ``gc_ms``/``gc_longest_ms`` time the collector meanwhile;
- ``peak_rss_mib``: the process's peak RSS at the end of the sweep;
- ``gc_objects``: every GC-tracked object in the process while the fleet (or
  every client) is still open after the sweep, after ``gc.collect()``; and
  ``gc_objects_before``, the same before the first client.

For aiolightsail, at the target counts in ``watch_at``, also the memory a
watch holds per watched instance: the fleet's ``watch_instances`` runs one
sweep and the caller drops every change, then tracemalloc's growth and the
GC-tracked objects it added are divided by the instances watched; beside it,
the same for the instances of one sweep kept in a list (a second copy of
every model), as the yardstick.

aiobotocore runs the same sweep with one client per target on one shared
``AioSession``, a semaphore of the same concurrency, the paginator, and every
client kept open until the end (as a fleet keeps its targets to reuse).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from benchmarks.harness import BenchTarget, GcTimer, Job, Ticker, peak_rss_bytes

if TYPE_CHECKING:
    from benchmarks.contenders import Contender

__all__ = ["CONTENDERS", "job", "run"]

Result = dict[str, Any]

#: Who runs the scale workload: the library, and aiobotocore beside it at the small sizes.
CONTENDERS = ("aiolightsail", "aiobotocore-shared")


def job(
    contender: str, variant: int, targets: Sequence[BenchTarget], params: Mapping[str, Any]
) -> Job:
    """The job of ``contender`` over the first ``variant`` targets.

    The targets travel as their accounts and regions, not as ``BenchTarget``
    objects: the contender process builds its own targets from them, so the
    GC-tracked objects it counts are the library's and the caller's, not the
    harness's.
    """
    chosen = targets[:variant]
    accounts = list(
        dict.fromkeys((t.account_id, t.access_key_id, t.secret_access_key) for t in chosen)
    )
    regions = list(dict.fromkeys(t.region for t in chosen))
    return Job(
        contender=contender,
        workload="scale",
        targets=(),
        params={
            **params,
            "targets": variant,
            "endpoint_url": chosen[0].endpoint_url,
            "accounts": accounts,
            "regions": regions,
        },
    )


def _pairs(params: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(region, access key id, secret)`` per target, account by account."""
    pairs = [
        (region, key_id, secret)
        for _account, key_id, secret in params["accounts"]
        for region in params["regions"]
    ]
    return pairs[: params["targets"]]


class _Clock:
    """Start, first item and end of a sweep, in wall and CPU time."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.first: float | None = None
        self.items = 0

    def item(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.wall
        self.items += 1

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _objects() -> int:
    gc.collect()
    return len(gc.get_objects())


async def _measured(
    sweep: Callable[[_Clock], Awaitable[None]], params: Mapping[str, Any]
) -> Result:
    """Run ``sweep`` under the ticker and the GC timer; the sweep figures."""
    before = _objects()
    async with Ticker(params.get("tick", 0.005)) as ticker:
        with GcTimer() as collector:
            clock = _Clock()
            await sweep(clock)
            wall, cpu = clock.stop()
        stall, stall_cpu = ticker.longest_gap, ticker.longest_gap_cpu
    expected = params["targets"] * params["instances_per_target"]
    if clock.items != expected:
        raise RuntimeError(f"scale: listed {clock.items} items, expected {expected}")
    return {
        "targets": params["targets"],
        "wall_s": wall,
        "cpu_ms_per_target": cpu / params["targets"] * 1e3,
        "first_item_s": clock.first,
        "stall_ms": stall * 1e3,
        "stall_cpu_ms": stall_cpu * 1e3,
        "gc_ms": collector.total * 1e3,
        "gc_longest_ms": collector.longest * 1e3,
        "gc_full_collections": collector.full_collections,
        "peak_rss_mib": peak_rss_bytes() / 2**20,
        "gc_objects_before": before,
    }


async def _aiolightsail(job: Job) -> Result:
    from aiolightsail import Fleet, Target

    params = job.params
    targets = [
        Target(
            region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            endpoint_url=params["endpoint_url"],
        )
        for region, key_id, secret in _pairs(params)
    ]
    async with Fleet(targets, concurrency=params["concurrency"]) as fleet:

        async def sweep(clock: _Clock) -> None:
            stream = fleet.iter_instances()
            async for _pair in stream:
                clock.item()
            if stream.failures:
                failures = stream.failures
                raise RuntimeError(f"{len(failures)} targets failed: {failures[0]}")

        result = await _measured(sweep, params)
        result["gc_objects"] = _objects()
        if params["targets"] in params.get("watch_at", ()):
            result.update(await _watch_memory(fleet, params))
    return result


async def _watch_memory(fleet: Any, params: Mapping[str, Any]) -> Result:
    """Traced bytes and GC objects a watch holds per instance, and a kept list's, per instance."""
    instances = params["targets"] * params["instances_per_target"]
    tracemalloc.start()
    try:
        gc.collect()
        traced, objects = tracemalloc.get_traced_memory()[0], len(gc.get_objects())
        async with fleet.watch_instances(interval=3600.0) as watch:
            seen = 0
            async for _change in watch:
                seen += 1
                if seen == instances:
                    break
            del _change
            gc.collect()
            watch_traced = tracemalloc.get_traced_memory()[0] - traced
            watch_objects = len(gc.get_objects()) - objects
        gc.collect()
        traced, objects = tracemalloc.get_traced_memory()[0], len(gc.get_objects())
        kept = [instance async for _target, instance in fleet.iter_instances()]
        gc.collect()
        kept_traced = tracemalloc.get_traced_memory()[0] - traced
        kept_objects = len(gc.get_objects()) - objects
        if len(kept) != instances:
            raise RuntimeError(f"scale: kept {len(kept)} instances, expected {instances}")
        del kept
    finally:
        tracemalloc.stop()
    return {
        "watched_instances": instances,
        "watch_bytes_per_instance": watch_traced / instances,
        "watch_objects_per_instance": watch_objects / instances,
        "kept_bytes_per_instance": kept_traced / instances,
        "kept_objects_per_instance": kept_objects / instances,
    }


async def _aiobotocore(job: Job) -> Result:
    from aiobotocore.session import get_session

    params = job.params
    session = get_session()
    semaphore = asyncio.Semaphore(params["concurrency"])
    async with contextlib.AsyncExitStack() as clients:

        async def one(clock: _Clock, region: str, key_id: str, secret: str) -> None:
            async with semaphore:
                client = await clients.enter_async_context(
                    session.create_client(
                        "lightsail",
                        region_name=region,
                        endpoint_url=params["endpoint_url"],
                        aws_access_key_id=key_id,
                        aws_secret_access_key=secret,
                    )
                )
                async for page in client.get_paginator("get_instances").paginate():
                    for _item in page["instances"]:
                        clock.item()

        async def sweep(clock: _Clock) -> None:
            await asyncio.gather(*(one(clock, *pair) for pair in _pairs(params)))

        result = await _measured(sweep, params)
        result["gc_objects"] = _objects()
    return result


_RUNNERS: dict[str, Callable[[Job], Awaitable[Result]]] = {
    "aiolightsail": _aiolightsail,
    "aiobotocore-shared": _aiobotocore,
}


async def run(contender: Contender, job: Job) -> Result:
    """The worker's entry for ``scale``: the sweep of ``job.contender``, measured."""
    del contender  # the scale sweep uses each library directly, not the five moves
    return await _RUNNERS[job.contender](job)
