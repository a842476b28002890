"""A contender process: ``python -m benchmarks.worker``, a ``Job`` (JSON) on its stdin.

Runs one workload for one contender and prints one JSON result line. The
orchestrator starts a fresh process per (contender, workload, repeat), so no
contender inherits another's imports, caches or heap.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from benchmarks import scale
from benchmarks.contenders import Contender, load
from benchmarks.harness import (
    CLIENT_CPU,
    BusyLoop,
    GcTimer,
    Job,
    Ticker,
    emit,
    peak_rss_bytes,
    pin_to_cpu,
    read_job,
    rss_bytes,
)
from benchmarks.held import held_inventory, sweep_held

__all__ = ["WORKLOADS", "main"]

Result = dict[str, Any]


async def _drain(items: AsyncIterator[Any]) -> int:
    count = 0
    async for _item in items:
        count += 1
    return count


def _check(got: int, expected: int, what: str) -> None:
    if got != expected:
        raise RuntimeError(f"{what}: listed {got} items, expected {expected}")


async def cpu_per_page(contender: Contender, job: Job) -> Result:
    """CPU to fetch, parse and hand out pages of one region, on an open, warmed client.

    One full scan first (connection, caches), then ``scans`` timed scans.
    """
    scans, per_scan = job.params["scans"], job.params["items"]
    pages_per_scan = -(-per_scan // job.params["page_size"])
    client = await contender.open(job.targets[0])
    try:
        _check(await _drain(contender.items(client)), per_scan, "warm-up scan")
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        listed = 0
        for _ in range(scans):
            listed += await _drain(contender.items(client))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await contender.close(client)
    _check(listed, scans * per_scan, "timed scans")
    pages = scans * pages_per_scan
    return {
        "cpu_ms_per_page": cpu / pages * 1e3,
        "cpu_us_per_item": cpu / listed * 1e6,
        "wall_ms_per_page": wall / pages * 1e3,
        "pages": pages,
    }


async def new_target(contender: Contender, job: Job) -> Result:
    """Cost of one more target: create a client and make its first call.

    After a warm-up target (one-time imports and model loading are not a
    per-target cost), ``count`` targets are opened one after another and kept
    open: CPU and RSS growth per target. Then ``traced_count`` more under
    tracemalloc (which slows them down, so fewer): Python-heap growth per
    target (OpenSSL's and other C allocations are only in the RSS figure).
    """
    count, traced_count = job.params["count"], job.params["traced_count"]
    warm, first, second = (
        job.targets[0],
        job.targets[1 : 1 + count],
        job.targets[1 + count : 1 + count + traced_count],
    )
    if len(second) != traced_count:
        raise RuntimeError(f"need {1 + count + traced_count} targets, got {len(job.targets)}")
    clients = [await contender.open(warm)]
    try:
        await contender.first_page(clients[0])
        gc.collect()
        rss, cpu, wall = rss_bytes(), time.process_time(), time.perf_counter()
        for target in first:
            clients.append(await contender.open(target))
            await contender.first_page(clients[-1])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        gc.collect()
        rss = rss_bytes() - rss
        tracemalloc.start()
        traced = tracemalloc.get_traced_memory()[0]
        for target in second:
            clients.append(await contender.open(target))
            await contender.first_page(clients[-1])
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - traced
        tracemalloc.stop()
    finally:
        for client in clients:
            await contender.close(client)
        await contender.aclose()
    return {
        "cpu_ms_per_target": cpu / count * 1e3,
        "wall_ms_per_target": wall / count * 1e3,
        "rss_kib_per_target": rss / count / 1024,
        "traced_kib_per_target": traced / traced_count / 1024,
    }


async def sweep(contender: Contender, job: Job) -> Result:
    """Wall time to list every instance of every target, with a 5 ms ticker on the loop.

    Also the time the garbage collector took (its pauses hold the loop too).
    With ``busy_burn`` in the parameters, a :class:`BusyLoop` burns that much
    CPU in every loop iteration meanwhile; ``cpu_s`` then leaves its CPU out
    (``app_cpu_s``), and ``iterations`` counts the loop iterations it saw.
    """
    gc.collect()
    ticker = None if contender.blocking else Ticker(job.params.get("tick", 0.005))
    burn = job.params.get("busy_burn")
    busy = None if burn is None else BusyLoop(burn)
    cpu, wall = time.process_time(), time.perf_counter()
    with GcTimer() as collector:
        async with contextlib.AsyncExitStack() as stack:
            if ticker is not None:
                await stack.enter_async_context(ticker)
            if busy is not None:
                await stack.enter_async_context(busy)
            listed = await contender.sweep(job.targets, concurrency=job.params["concurrency"])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await contender.aclose()
    _check(listed, job.params["expected_items"], "sweep")
    app_cpu = 0.0 if busy is None else busy.burned
    return {
        "wall_s": wall,
        "cpu_s": cpu - app_cpu,
        "app_cpu_s": None if busy is None else app_cpu,
        "iterations": None if busy is None else busy.iterations,
        "stall_ms": None if ticker is None else ticker.longest_gap * 1e3,
        "gc_ms": collector.total * 1e3,
        "gc_longest_ms": collector.longest * 1e3,
        "gc_full_collections": collector.full_collections,
        "peak_rss_mib": peak_rss_bytes() / 2**20,
        "targets": len(job.targets),
    }


async def streaming(contender: Contender, job: Job) -> Result:
    """Memory while one region of many instances streams through: it should not grow.

    At each checkpoint (items seen): peak RSS so far and, when ``tracemalloc``
    is on, the peak of the traced Python heap so far.
    """
    checkpoints = sorted(job.params["checkpoints"])
    # tracemalloc slows a scan about fivefold, so only some contenders run under it.
    traced = job.contender in job.params.get("tracemalloc_for", ())
    client = await contender.open(job.targets[0])
    marks: list[dict[str, float]] = []
    try:
        gc.collect()
        if traced:
            tracemalloc.start()
        wall = time.perf_counter()
        seen = 0
        async for _item in contender.items(client):
            seen += 1
            if seen == checkpoints[len(marks)]:
                mark = {"items": seen, "peak_rss_mib": peak_rss_bytes() / 2**20}
                if traced:
                    mark["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
                marks.append(mark)
                if len(marks) == len(checkpoints):
                    break
        wall = time.perf_counter() - wall
        if traced:
            tracemalloc.stop()
    finally:
        await contender.close(client)
    _check(seen, checkpoints[-1], "streaming")
    return {"checkpoints": marks, "wall_s": wall}


WORKLOADS: dict[str, Callable[[Contender, Job], Coroutine[Any, Any, Result]]] = {
    "cpu_per_page": cpu_per_page,
    "cpu_per_page_full": cpu_per_page,
    "new_target": new_target,
    "sweep": sweep,
    "sweep_busy": sweep,
    "scaling": sweep,
    "streaming": streaming,
    "held_inventory": held_inventory,
    "sweep_held": sweep_held,
    "scale": scale.run,
}


def main() -> None:
    """Entry point."""
    pinned = pin_to_cpu(CLIENT_CPU)
    job = read_job()
    contender = load(job.contender)
    result = asyncio.run(WORKLOADS[job.workload](contender, job))
    emit({**result, "pinned": pinned})


if __name__ == "__main__":
    main()
