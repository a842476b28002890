"""One sweep in one process against the same sweep sharded on a 2-worker Dask LocalCluster.

``python benchmarks/run.py --only dask`` runs it (and a full run includes it).
The emulator serves 512 accounts × 16 regions (8,192 targets; 2,048 with
``--quick``), two instances each, 20 ms per request, in its own process.
Then, in one run and in rotated order:

- ``fleet``: one process, ``Fleet(targets, concurrency=512).iter_instances()``;
- ``dask``: a driver process starts ``LocalCluster(n_workers=2,
  threads_per_worker=1)`` (not timed), runs one sweep to warm the workers (their
  imports, timed apart as ``cold_wall_s``), then the measured
  ``sweep(targets, "instances", shards=8, concurrency=256)``: two shards run at
  a time, 512 requests in flight in all, as in one process.

Figures: wall time; CPU of every process (the driver, which also runs the
scheduler and the nannies, plus each worker: deltas of ``process_time`` over
the sweep); peak RSS of each process over the sweep (``VmHWM``, reset just
before it through ``/proc/self/clear_refs``); and the overhead per sweep: a
warm sharded sweep of 16 targets in 8 shards minus the same 16 targets in one
process, the median of five. On 2 cores a speed-up is not the point: the
emulator takes one core, and the workers share the other with the driver.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import BenchTarget
from benchmarks.server import ServerSpec

__all__ = ["run", "section"]

#: Targets in one process at once, as the scale contract states it (docs/design.md).
CONCURRENCY = 512
WORKERS = 2
SHARDS = 8
#: Targets of the overhead sweeps: too few for their requests to matter.
SMALL = 16


def _targets(raw: list[dict[str, Any]]) -> list[Any]:
    from aiolightsail import Target

    return [
        Target(
            t["region"],
            endpoint_url=t["endpoint_url"],
            aws_access_key_id=t["access_key_id"],
            aws_secret_access_key=t["secret_access_key"],
            pickle_secrets=True,  # the emulator's made-up keys
        )
        for t in raw
    ]


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM, the peak resident set (Linux).
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _one_process(targets: list[Any], concurrency: int) -> int:
    from aiolightsail import Fleet

    count = 0
    async with Fleet(targets, concurrency=concurrency) as fleet, fleet.iter_instances() as stream:
        async for _ in stream:
            count += 1
    if stream.failures:
        raise RuntimeError(f"{len(stream.failures)} targets failed: {stream.failures[0]}")
    return count


def _fleet_job(targets: list[Any], expected: int) -> dict[str, Any]:
    small = [_timed(lambda: asyncio.run(_one_process(targets[:SMALL], SMALL)))[0] for _ in range(5)]
    _reset_peak()
    cpu, wall = time.process_time(), time.perf_counter()
    items = asyncio.run(_one_process(targets, CONCURRENCY))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if items != expected:
        raise RuntimeError(f"listed {items} items, expected {expected}")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": {"process": _peak_mib()},
        "small_wall_s": statistics.median(small),
    }


def _timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _worker_cpu() -> float:
    return time.process_time()


def _dask_job(targets: list[Any], expected: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from aiolightsail.dask import sweep

    def swept(chosen: list[Any], concurrency: int) -> int:
        result = sweep(chosen, "instances", client=client, shards=SHARDS, concurrency=concurrency)
        if result.failures:
            raise RuntimeError(f"{len(result.failures)} targets failed: {result.failures[0]}")
        return len(result.items)

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler serves HTTP even without a dashboard (8787 by default).
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(WORKERS)
        cluster_s = time.perf_counter() - started
        per_shard = CONCURRENCY // WORKERS
        cold, _ = _timed(lambda: swept(targets[: SHARDS * 2], per_shard))
        small = [_timed(lambda: swept(targets[:SMALL], SMALL))[0] for _ in range(5)]
        client.run(_reset_peak)
        _reset_peak()
        before = client.run(_worker_cpu)
        cpu, wall = time.process_time(), time.perf_counter()
        items = swept(targets, per_shard)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = client.run(_worker_cpu)
        peaks = client.run(_peak_mib)
        if items != expected:
            raise RuntimeError(f"listed {items} items, expected {expected}")
        workers = {address: after[address] - before[address] for address in after}
    return {
        "wall_s": wall,
        "cpu_s": cpu + sum(workers.values()),
        "driver_cpu_s": cpu,
        "worker_cpu_s": sorted(workers.values()),
        "peak_rss_mib": {
            "driver": _peak_mib(),
            **{f"worker {n}": peak for n, peak in enumerate(sorted(peaks.values()))},
        },
        "cluster_start_s": cluster_s,
        "cold_wall_s": cold,
        "small_wall_s": statistics.median(small),
    }


def _job_main() -> None:
    job = json.loads(sys.stdin.read())
    targets = _targets(job["targets"])
    make = _fleet_job if job["mode"] == "fleet" else _dask_job
    print(json.dumps({"targets": len(targets), **make(targets, job["expected"])}))


def _run_job(mode: str, targets: list[BenchTarget], expected: int) -> dict[str, Any]:
    payload = json.dumps(
        {
            "mode": mode,
            "expected": expected,
            "targets": [
                {
                    "region": t.region,
                    "endpoint_url": t.endpoint_url,
                    "access_key_id": t.access_key_id,
                    "secret_access_key": t.secret_access_key,
                }
                for t in targets
            ],
        }
    )
    from benchmarks.run import _run_module

    return _run_module("benchmarks.dask_sweep", stdin=payload)


def run(*, quick: bool, repeats: int | None) -> list[dict[str, Any]]:
    """Every repeat of both modes; raw records for ``RESULTS.json`` and the report."""
    from benchmarks.run import emulator, targets_of

    accounts = 128 if quick else 512
    per_target = 2
    spec = ServerSpec(
        accounts=accounts, regions=16, instances=per_target, page_size=20, latency_ms=20
    )
    rounds = repeats or (1 if quick else 2)
    records: list[dict[str, Any]] = []
    with emulator(spec) as announcement:
        targets = targets_of(announcement)
        expected = len(targets) * per_target
        print(
            f"\n== Dask: {len(targets)} targets in one process vs a {WORKERS}-worker "
            f"LocalCluster (emulator seeded in {announcement['seed_seconds']} s)"
        )
        for repeat in range(rounds):
            modes = ("fleet", "dask") if repeat % 2 == 0 else ("dask", "fleet")
            for mode in modes:
                took, result = _timed(lambda mode=mode: _run_job(mode, targets, expected))
                shown = (
                    f"ERROR {result['error']}"
                    if "error" in result
                    else f"wall={result['wall_s']:.2f}s cpu={result['cpu_s']:.2f}s "
                    f"peak={json.dumps(result['peak_rss_mib'])}"
                )
                print(f"  [{repeat + 1}/{rounds}] {mode:6} {took:6.1f} s  {shown}")
                records.append(
                    {
                        "workload": "dask",
                        "contender": mode,
                        "variant": 0,
                        "repeat": repeat,
                        "result": result,
                    }
                )
    return records


if __name__ == "__main__":
    _job_main()


def _median(records: list[dict[str, Any]], mode: str, key: str) -> float | None:
    found = [
        r["result"][key]
        for r in records
        if r["workload"] == "dask" and r["contender"] == mode and key in r["result"]
    ]
    return statistics.median(found) if found else None


def _peaks(records: list[dict[str, Any]], mode: str) -> str:
    runs = [
        r["result"]["peak_rss_mib"]
        for r in records
        if r["workload"] == "dask" and r["contender"] == mode and "peak_rss_mib" in r["result"]
    ]
    if not runs:
        return "–"
    return ", ".join(
        f"{name} {statistics.median(run[name] for run in runs):.0f}" for name in runs[0]
    )


def section(records: list[dict[str, Any]]) -> list[str]:
    """The report's section: medians of both modes, and the overhead per sweep."""
    done = [r for r in records if r["workload"] == "dask" and "targets" in r["result"]]
    if not done:
        return ["## Dask", "", "Every run failed: see RESULTS.json.", ""]
    targets = done[0]["result"]["targets"]

    def num(value: float | None, digits: int = 2) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    rows = []
    for mode, what in (
        ("fleet", f"one process, `Fleet(concurrency={CONCURRENCY})`"),
        (
            "dask",
            f"`LocalCluster`, {WORKERS} workers, {SHARDS} shards, "
            f"`concurrency={CONCURRENCY // WORKERS}`",
        ),
    ):
        rows.append(
            f"| {what} | {num(_median(records, mode, 'wall_s'))} | "
            f"{num(_median(records, mode, 'cpu_s'))} | {_peaks(records, mode)} |"
        )
    small_fleet = _median(records, "fleet", "small_wall_s")
    small_dask = _median(records, "dask", "small_wall_s")
    overhead = None if small_fleet is None or small_dask is None else small_dask - small_fleet
    runs = len({r["repeat"] for r in done})
    return [
        f"## Dask: {targets:,} targets in one process and on a {WORKERS}-worker LocalCluster",
        "",
        f"Medians of {runs} run(s) of each, in one run of the emulator "
        "(`benchmarks/dask_sweep.py`). CPU counts every process (driver with scheduler "
        "and nannies, and workers); peak RSS is per process, over the sweep.",
        "",
        "| | wall s | CPU s | peak RSS MiB |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Overhead per sharded sweep ({SMALL} targets, {SHARDS} shards, warm workers, "
        f"minus the same in one process): {num(overhead)} s. Cluster start "
        f"{num(_median(records, 'dask', 'cluster_start_s'), 1)} s and the first "
        f"(cold) sweep {num(_median(records, 'dask', 'cold_wall_s'), 1)} s are not in the table.",
        "",
    ]
