"""Long-running use holds: a bot's polling loop keeps sockets, tasks and memory flat.

A :class:`~aiolightsail.Fleet` is polled round after round, as a chat bot or
an inventory service does, with the suite's fault mix on (dropped connections
force new sockets; throttles and 500s exercise the retry path). After a
warm-up the test takes a baseline, keeps polling, and asserts bounds on the
growth of open sockets (``/proc/self/fd``, client and in-process server
sides), of the connections in the clients' aiohttp pools, of asyncio tasks
and of traced memory (``tracemalloc``). Nothing is timed.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from aiolightsail import Fleet
from aiolightsail._botocore import _transport
from aiolightsail.emulator import Emulator
from tests.reliability.conftest import (
    REGIONS,
    issue_faults,
    open_sockets,
    org_targets,
    why_failed,
)

pytestmark = [
    pytest.mark.usefixtures("no_backoff"),
    pytest.mark.skipif(sys.platform != "linux", reason="counts sockets in /proc/self/fd"),
]

WARM_UP = 40
ROUNDS = 200
#: Allowed growth of traced memory between the baseline and the last round. A leak of
#: even 1 KiB per round (one dict per request) would exceed it several times over.
MEMORY_SLACK = 192 * 1024


def pooled_connections() -> int:
    """Connections held by the loop's shared aiohttp connectors: idle in the pool plus in use."""
    held = 0
    for shared in _transport._per_loop.get(asyncio.get_running_loop(), {}).values():
        connector: Any = shared.session.connector
        held += sum(len(idle) for idle in connector._conns.values()) + len(connector._acquired)
    return held


@attrs.frozen
class Reading:
    """One measurement of the process."""

    sockets: int
    pooled: int
    tasks: int
    memory: int


def read(fleet: Fleet) -> Reading:
    """Measure sockets, pooled connections, tasks and traced memory now."""
    gc.collect()
    return Reading(
        sockets=open_sockets(),
        pooled=pooled_connections(),
        tasks=len(asyncio.all_tasks()),
        memory=tracemalloc.get_traced_memory()[0],
    )


@pytest.mark.slow
async def test_polling_fleet_stays_flat(
    org: Emulator, record_property: Callable[[str, object], None]
) -> None:
    """200 polling rounds of 8 targets under faults: sockets, pooled connections and tasks
    do not grow after warm-up, and traced memory grows by less than 192 KiB."""
    targets = org_targets(org.endpoint_url, REGIONS[:2])
    for n, (target, account) in enumerate(targets.items()):
        org.seed_instances(account, target.region, 2 + n % 3)
    issue_faults(org.faults)
    failures: Counter[str] = Counter()
    seen = 0

    async def poll(fleet: Fleet) -> None:
        nonlocal seen
        async with fleet.iter_instances() as stream:
            async for _ in stream:
                seen += 1
        failures.update(f"{type(f.error).__name__}/{why_failed(f)}" for f in stream.failures)

    async def quiet_reading(fleet: Fleet) -> Reading:
        # One fault-free round first, so that no failure (and its traceback, which holds
        # frames alive) from the previous round is counted as growth.
        rates = org.faults.throttle_rate, org.faults.error_rate, org.faults.drop_rate
        org.faults.throttle_rate = org.faults.error_rate = org.faults.drop_rate = 0.0
        await poll(fleet)
        org.faults.throttle_rate, org.faults.error_rate, org.faults.drop_rate = rates
        return read(fleet)

    async with Fleet(targets, concurrency=8) as fleet:
        peak_sockets = 0
        try:
            for _ in range(WARM_UP // 2):
                await poll(fleet)
            # Traced for a while before the baseline, so that objects which merely
            # replace older ones (pooled connections, credentials) count on both sides.
            tracemalloc.start()
            for _ in range(WARM_UP // 2):
                await poll(fleet)
            baseline = await quiet_reading(fleet)
            for _ in range(ROUNDS - WARM_UP):
                await poll(fleet)
                peak_sockets = max(peak_sockets, open_sockets())
            final = await quiet_reading(fleet)
        finally:
            tracemalloc.stop()
    record_property("rounds", ROUNDS)
    record_property("requests", org.stats.total_requests)
    record_property("faults", dict(org.stats.faults))
    record_property("failed_target_rounds", dict(failures))
    record_property("baseline", attrs.asdict(baseline))
    record_property("final", attrs.asdict(final))
    record_property("peak_sockets_after_warm_up", peak_sockets)
    assert seen > 0
    assert final.tasks <= baseline.tasks
    # Each client keeps at most one pooled connection per target (one request at a time);
    # the server side mirrors them. Dropped connections must be replaced, not accumulated.
    assert final.pooled <= len(targets)
    assert final.sockets <= baseline.sockets + 2
    assert peak_sockets <= baseline.sockets + len(targets)
    assert final.memory - baseline.memory < MEMORY_SLACK
