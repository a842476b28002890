"""Cancellation is clean at any point: no task left pending, nothing unclosed, still usable.

Sweeps are stopped after a random number of items (by cancelling the
consumer, ``break``, or an exception in the loop body) and after a random
number of event-loop turns, which lands anywhere: inside client creation,
inside the STS AssumeRole, mid-request, between pages. Randomness is seeded:
a failing trial prints its parameters and replays exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import Callable

import pytest

from aiolightsail import Fleet, LightsailClient, Target
from aiolightsail.emulator import Emulator
from tests.conftest import stray_tasks
from tests.reliability.conftest import (
    ORG,
    REGIONS,
    by_target,
    issue_faults,
    org_targets,
    resource_warnings,
    seed_org,
    static_keys,
    sweep,
)

pytestmark = pytest.mark.usefixtures("no_backoff")


class StopSweepError(Exception):
    """Raised in a loop body to leave a sweep by exception."""


async def settle() -> None:
    """Let callbacks scheduled by cancellation run (loop turns, not wall-clock time)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def stop_after(fleet: Fleet, items: int, how: str) -> int:
    """Consume ``items`` items of a sweep, then leave it ``how``; return how many were taken."""
    taken = 0
    if how == "cancel":
        reached = asyncio.Event()

        async def consume() -> None:
            nonlocal taken
            async for _ in fleet.iter_instances():
                taken += 1
                if taken >= items:
                    reached.set()

        task = asyncio.create_task(consume())
        done = asyncio.create_task(reached.wait())
        await asyncio.wait([task, done], return_when=asyncio.FIRST_COMPLETED)
        task.cancel()
        done.cancel()
        await asyncio.gather(task, done, return_exceptions=True)
    elif how == "break":
        async with fleet.iter_instances() as stream:
            async for _ in stream:
                taken += 1
                if taken >= items:
                    break
    else:

        def enough() -> None:
            if taken >= items:
                raise StopSweepError

        with contextlib.suppress(StopSweepError):
            async with fleet.iter_instances() as stream:
                async for _ in stream:
                    taken += 1
                    enough()
    return taken


TRIALS = 48


async def test_cancel_after_random_items_leaves_nothing_and_fleet_works(
    org: Emulator, record_property: Callable[[str, object], None]
) -> None:
    """Leaving a sweep after a random item count, three ways, under faults, 48 times: no task
    pending afterwards, and the same fleet then sweeps exactly the seeded set."""
    issue_faults(org.faults)
    targets = org_targets(org.endpoint_url, REGIONS[:3])
    expected = seed_org(org, targets)
    total = sum(map(len, expected.values()))
    rng = random.Random(20261126)
    ways = ["cancel", "break", "raise"]
    async with Fleet(targets, concurrency=4) as fleet:
        for trial in range(TRIALS):
            items, how = rng.randint(1, total), ways[trial % len(ways)]
            await stop_after(fleet, items, how)
            await settle()
            assert stray_tasks() == set(), f"trial {trial}: {how} after {items} items"
        org.faults.clear()
        final = await sweep(fleet)
    assert final.failures == []
    assert {t: sorted(a) for t, a in by_target(final.items).items()} == {
        t: sorted(a) for t, a in expected.items()
    }
    assert stray_tasks() == set()
    assert resource_warnings() == []
    record_property("trials", TRIALS)


async def test_a_stream_left_without_closing_ends_when_the_fleet_closes(org: Emulator) -> None:
    """A stream left by ``break`` with no ``async with`` is not stopped behind the caller's back
    (no garbage-collector hook): its tasks wait on its full buffer, and closing the fleet ends
    every one of them."""
    targets = org_targets(org.endpoint_url, REGIONS[:3])
    seed_org(org, targets)
    async with Fleet(targets, concurrency=4) as fleet:
        stream = fleet.iter_instances()
        async for _ in stream:
            break
        runner = stream._runner
        del stream
        gc.collect()
        await settle()
        assert runner is not None and not runner.done()
    assert runner.done()
    assert stray_tasks() == set()
    assert resource_warnings() == []


TICK_TRIALS = 16


@pytest.mark.slow
async def test_cancel_at_random_loop_turns_with_fresh_fleets(
    org: Emulator, record_property: Callable[[str, object], None]
) -> None:
    """A task running ``async with Fleet(...)`` and a sweep is cancelled after 0-600 loop turns
    (during client creation, AssumeRole, requests): nothing pending, nothing unclosed."""
    targets = org_targets(org.endpoint_url, REGIONS[:1])
    expected = seed_org(org, targets)
    rng = random.Random(7)
    completed = 0

    async def run() -> int:
        async with Fleet(targets) as fleet:
            return len((await sweep(fleet)).items)

    for trial in range(TICK_TRIALS):
        turns = rng.randint(0, 600)
        task = asyncio.create_task(run())
        for _ in range(turns):
            if task.done():
                break
            await asyncio.sleep(0)
        task.cancel()
        try:
            got = await task
        except asyncio.CancelledError:
            pass
        else:
            assert got == sum(map(len, expected.values()))
            completed += 1
        await settle()
        assert stray_tasks() == set(), f"trial {trial}: cancelled after {turns} turns"
        assert resource_warnings() == [], f"trial {trial}: cancelled after {turns} turns"
    assert completed < TICK_TRIALS, "some trials were cancelled before finishing"
    record_property("trials", TICK_TRIALS)
    record_property("completed_before_cancel", completed)


async def test_cancelled_client_iteration_leaves_client_usable(org: Emulator) -> None:
    """Cancelling a LightsailClient iteration at random loop turns leaves no task and the
    client answers correctly afterwards; closed, it leaves nothing unclosed."""
    seeded = {r.arn for r in org.seed_instances(ORG[0].account_id, "eu-west-1", 30)}
    rng = random.Random(3)
    async with LightsailClient(
        "eu-west-1", endpoint_url=org.endpoint_url, **static_keys(ORG[0])
    ) as client:

        async def drain() -> set[str | None]:
            return {instance.arn async for instance in client.iter_instances()}

        for trial in range(40):
            turns = rng.randint(0, 120)
            task = asyncio.create_task(drain())
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                assert await task == seeded
            await settle()
            assert stray_tasks() == set(), f"trial {trial}: {turns} turns"
        assert await drain() == seeded
    assert resource_warnings() == []


async def test_closing_a_fleet_mid_sweep_from_another_task(org: Emulator) -> None:
    """Closing the fleet while another task is mid-sweep ends that sweep within a few loop
    turns (it does not hang) and leaves nothing behind."""
    targets = org_targets(org.endpoint_url, REGIONS[:2])
    seed_org(org, targets)
    fleet = Fleet(targets, concurrency=2)
    await fleet.__aenter__()
    first = asyncio.Event()

    async def consume() -> int:
        n = 0
        async for _ in fleet.iter_instances():
            n += 1
            first.set()
        return n

    task = asyncio.create_task(consume())
    await first.wait()
    await fleet.aclose()
    for _ in range(50):
        if task.done():
            break
        await asyncio.sleep(0)
    hung = not task.done()
    task.cancel()
    outcome = await asyncio.gather(task, return_exceptions=True)
    await settle()
    assert stray_tasks() == set()
    assert not hung, "the consumer still waits after the fleet closed"
    assert not isinstance(outcome[0], BaseException) or isinstance(outcome[0], RuntimeError)


async def test_unknown_target_in_resume_is_refused(org: Emulator) -> None:
    """Resuming with a target that is not the fleet's is refused up front."""
    targets = org_targets(org.endpoint_url, REGIONS[:1])
    stranger = Target("eu-west-1", endpoint_url=org.endpoint_url, **static_keys(ORG[3]))
    async with Fleet(targets) as fleet:
        with pytest.raises(ValueError, match="targets"):
            fleet.iter_instances(targets=[stranger], page_tokens={stranger: None})
