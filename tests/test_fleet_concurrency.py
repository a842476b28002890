"""Fleet streams are structured: they always end, keep their own failures, and hide no bug."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aiolightsail as al
from aiolightsail import Fleet, LightsailClient, Target
from aiolightsail._once import forget, run_once
from aiolightsail.emulator import Emulator
from aiolightsail.fanout._channel import Channel, ChannelClosed, EndOfChannel
from tests.conftest import ACCOUNTS, keys, stray_tasks

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ca-central-1")

# A fresh interpreter: the process-wide first-use set-up (config files, service
# model, SSL context) happens inside the sweep, under the target_timeout.
_SWEEP = """
import asyncio, json, sys
from aiolightsail import Fleet, Target

async def main(url, timeout, key, secret, regions):
    targets = [Target(r, endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret)
               for r in regions]
    async with Fleet(targets, target_timeout=timeout) as fleet:
        stream = fleet.iter_instances()
        listed = sorted({t.region async for t, _ in stream})
    print(json.dumps({"done": stream.targets_done, "total": stream.targets_total,
                      "listed": listed, "failed": sorted(f.target.region for f in stream.failures),
                      "errors": sorted({type(f.error).__name__ for f in stream.failures})}))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]))
"""


async def _sweep_in_fresh_process(url: str, target_timeout: float) -> dict[str, Any]:
    _, key, secret = ACCOUNTS[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIOLIGHTSAIL")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SWEEP, url, str(target_timeout), key, secret, *REGIONS,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        # Generous: a sweep that ends takes about a second; one that hangs never does.
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"a sweep with target_timeout={target_timeout} never ended")
    assert process.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.mark.slow
async def test_a_target_timeout_shorter_than_first_use_set_up_always_ends(
    emulator: Emulator,
) -> None:
    """Six sweeps in fresh processes whose target_timeout ends inside the shared first-use
    set-up all end, with every target either listed or failed with TargetTimeoutError."""
    for region in REGIONS:
        emulator.seed_instances(ACCOUNTS[0][0], region, count=3)
    timeouts = [0.005, 0.02, 0.1] * 2
    for batch in (timeouts[:3], timeouts[3:]):  # two cores: three processes at a time
        results = await asyncio.gather(
            *(_sweep_in_fresh_process(emulator.endpoint_url, t) for t in batch)
        )
        for result in results:
            assert result["done"] == result["total"] == len(REGIONS)
            assert set(result["listed"]) | set(result["failed"]) == set(REGIONS)
            assert set(result["errors"]) <= {"TargetTimeoutError"}


async def test_two_streams_read_at_once_keep_their_own_failures(emulator: Emulator) -> None:
    """A sweep with a failing target and a listing of one good target, read concurrently on
    one fleet, each report exactly their own failures; the fleet keeps none."""
    emulator.seed_instances(ACCOUNTS[0][0], "us-east-1", count=12)
    good = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    bad = Target(
        "eu-west-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=ACCOUNTS[1][1],
        aws_secret_access_key="wrong-secret-0000000000000000000000000000",
    )
    async with Fleet([good, bad], max_attempts=1) as fleet:
        sweep = fleet.iter_instances()
        listing = fleet.iter_instances(targets=[good])

        async def drain(stream: al.FleetStream[al.Instance]) -> int:
            return len([item async for item in stream])

        swept, listed = await asyncio.gather(drain(sweep), drain(listing))
        with pytest.raises(AttributeError, match=r"stream\.failures"):
            _ = fleet.failures
    assert swept == listed == 12
    assert [f.target for f in sweep.failures] == [bad]
    assert isinstance(sweep.failures[0].error, al.UnauthenticatedError)
    assert listing.failures == []


@pytest.mark.parametrize("bug", [AttributeError("no such thing"), KeyError("k"), TypeError("t")])
async def test_a_map_function_bug_is_raised_as_itself(emulator: Emulator, bug: Exception) -> None:
    """A map function raising a non-Lightsail error ends the stream with that very exception,
    and no task of the stream is left."""
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(0)) for r in REGIONS[:3]]

    async def fn(client: LightsailClient) -> int:
        if client.region == REGIONS[1]:
            raise bug
        return len((await client.get_instances()).items)

    async with Fleet(targets) as fleet:
        with pytest.raises(type(bug)) as raised:
            async for _ in fleet.map(fn):
                pass
        assert raised.value is bug
        assert stray_tasks() == set()


async def test_a_stray_cancellation_from_below_is_that_targets_failure(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CancelledError nobody asked for (a future cancelled by someone else) fails only its
    target: the stream goes on and ends."""
    emulator.seed_instances(ACCOUNTS[0][0], "us-east-1", count=3)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(0)) for r in REGIONS[:2]]

    async def fn(client: LightsailClient) -> int:
        if client.region == REGIONS[1]:
            future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            future.cancel()
            return await future
        return len((await client.get_instances()).items)

    async with Fleet(targets) as fleet:
        stream = fleet.map(fn)
        results = [result async for _, result in stream]
    assert results == [3]
    assert [f.target.region for f in stream.failures] == [REGIONS[1]]
    assert stream.targets_done == 2


async def test_fail_fast_raises_the_first_failure_and_stops_the_rest(emulator: Emulator) -> None:
    """With fail_fast, the first failing target's error is raised and nothing keeps running."""
    good = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    bad = Target(
        "eu-west-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=ACCOUNTS[1][1],
        aws_secret_access_key="wrong-secret-0000000000000000000000000000",
    )
    async with Fleet([good, bad], fail_fast=True, max_attempts=1) as fleet:
        stream = fleet.iter_instances()
        with pytest.raises(al.UnauthenticatedError):
            async for _ in stream:
                pass
        assert [f.target for f in stream.failures] == [bad]
        assert stray_tasks() == set()


async def test_shared_set_up_survives_its_first_callers_cancellation() -> None:
    """The caller that started a one-time set-up is cancelled: the others still get its result,
    and the work ran once."""
    release = threading.Event()
    runs: list[int] = []

    def work() -> str:
        runs.append(1)
        release.wait(timeout=30)
        return "ready"

    key = ("test", "cancelled-first-caller")
    try:
        first = asyncio.create_task(run_once(key, work))
        others = [asyncio.create_task(run_once(key, work)) for _ in range(3)]
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        release.set()
        assert await asyncio.gather(*others) == ["ready"] * 3
        assert await run_once(key, work) == "ready"
        assert runs == [1]
    finally:
        release.set()
        forget(key)


async def test_shared_set_up_survives_its_first_callers_timeout() -> None:
    """A caller whose timeout expires stops waiting; a later caller gets the same run's result."""
    release = threading.Event()
    key = ("test", "timed-out-first-caller")
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await run_once(key, lambda: release.wait(timeout=30) and "ready")
        later = asyncio.create_task(run_once(key, lambda: "a second run"))
        await asyncio.sleep(0)
        release.set()
        assert await later == "ready"
    finally:
        release.set()
        forget(key)


_ops = st.lists(
    st.one_of(st.tuples(st.just("send"), st.integers()), st.just(("receive", 0))), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(1, 4), ops=_ops, error=st.booleans())
def test_a_channel_delivers_in_order_and_always_ends(
    capacity: int, ops: list[tuple[str, int]], error: bool
) -> None:
    """Whatever the interleaving of sends and receives, a receiver gets every item sent, in
    order, then the end (or the close error), and a send after close is refused."""

    async def scenario() -> None:
        channel: Channel[int] = Channel(capacity)
        sent: list[int] = []
        received: list[int] = []
        senders: list[asyncio.Task[None]] = []
        for op, value in ops:
            if op == "send":
                sent.append(value)
                senders.append(asyncio.create_task(channel.send(value)))
            else:
                receiver = asyncio.create_task(channel.receive())
                await asyncio.sleep(0)
                if receiver.done():
                    received.append(receiver.result())
                else:
                    receiver.cancel()
                    await asyncio.gather(receiver, return_exceptions=True)
            await asyncio.sleep(0)
        # Drain what was sent (senders blocked on a full buffer get their turn), then close.
        while len(received) < len(sent):
            received.append(await channel.receive())
        await asyncio.gather(*senders)
        assert received == sent
        failure = RuntimeError("closed with an error")
        channel.close(failure if error else None)
        with pytest.raises(RuntimeError if error else EndOfChannel):
            await channel.receive()
        with pytest.raises(ChannelClosed):
            await channel.send(0)

    asyncio.run(scenario())


async def test_a_woken_sender_cancelled_before_it_runs_hands_its_wake_up_on() -> None:
    """A full channel with two waiting senders: if the woken one is cancelled before it
    runs, the other is woken instead, so the next receive gets its item."""
    channel: Channel[int] = Channel(1)
    await channel.send(0)
    first = asyncio.create_task(channel.send(1))
    second = asyncio.create_task(channel.send(2))
    for _ in range(3):
        await asyncio.sleep(0)  # both senders wait on the full channel
    assert not first.done() and not second.done()
    assert await channel.receive() == 0  # wakes the first sender...
    first.cancel()  # ...which is cancelled before it runs
    await asyncio.wait([first])
    for _ in range(3):
        await asyncio.sleep(0)
    assert second.done(), "the second sender was never woken"
    assert await channel.receive() == 2


class _Pages:
    """A listing of ``count`` one-item pages; each page runs ``during`` while it is fetched."""

    def __init__(self, count: int, during: Callable[[], Awaitable[None]]) -> None:
        self._count = count
        self._during = during
        self.pages_fetched = 0
        self.resume_token: str | None = None

    async def next_page(self) -> al.Page[int] | None:
        await self._during()
        if self.pages_fetched == self._count:
            return None
        self.pages_fetched += 1
        self.resume_token = f"after-{self.pages_fetched}"
        return al.Page(items=(self.pages_fetched,), next_page_token=None)


async def test_target_timeout_is_one_budget_for_all_of_a_targets_pages(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five pages of 4 s each against a target_timeout of 10 s: the budget is the target's, so
    the third page runs out of it (two pages delivered), though no page alone takes 10 s."""
    loop = asyncio.get_running_loop()
    real_time, skipped = loop.time, [0.0]
    monkeypatch.setattr(loop, "time", lambda: real_time() + skipped[0])

    async def four_seconds() -> None:
        skipped[0] += 4.0  # the loop's clock jumps: a page that takes 4 s, without waiting
        for _ in range(2):
            await asyncio.sleep(0)  # a deadline passed by the jump expires here

    monkeypatch.setattr(
        LightsailClient, "iter_instances", lambda *_a, **_k: _Pages(5, four_seconds)
    )
    target = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    async with Fleet([target], target_timeout=10) as fleet, fleet.iter_instances() as stream:
        items: list[Any] = [item async for _, item in stream]
    assert items == [1, 2]
    [failure] = stream.failures
    assert isinstance(failure.error, al.TargetTimeoutError)
    assert failure.page_token == "after-2"


async def test_two_streams_on_one_target_take_turns(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two streams read at once over the same target never fetch two of its pages at the
    same time, though the fleet's concurrency would allow it; each gets every page."""
    in_flight, most = [0], [0]

    async def fetching() -> None:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        for _ in range(5):
            await asyncio.sleep(0)  # the other stream runs meanwhile
        in_flight[0] -= 1

    monkeypatch.setattr(LightsailClient, "iter_instances", lambda *_a, **_k: _Pages(3, fetching))
    target = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    async with Fleet([target], concurrency=8) as fleet:

        async def read() -> list[Any]:
            async with fleet.iter_instances() as stream:
                return [item async for _, item in stream]

        first, second = await asyncio.gather(read(), read())
    assert (first, second, most[0]) == ([1, 2, 3], [1, 2, 3], 1)


async def _settled() -> None:
    """Let every task that can run, run (the workers below wait only on events)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_workers_start_slowly_two_more_per_client_opened_or_target_done() -> None:
    """A stream starts ``_FIRST`` workers, then two more each time one opens its target's
    client and each time one finishes a target, never more than its concurrency, and every
    target is worked on once, in order. The test decides when each client "opens"."""
    from aiolightsail.fanout import _stream
    from aiolightsail.fanout._scope import on_client_open

    targets = [Target("eu-west-1", name=f"t{i}") for i in range(60)]
    opened = {target.name: asyncio.Event() for target in targets}
    done = {target.name: asyncio.Event() for target in targets}
    started: list[str | None] = []

    async def work(target: Target) -> None:
        started.append(target.name)
        await opened[target.name].wait()
        tell = on_client_open.get()
        assert tell is not None
        tell()  # as Scope.client does once the client is open
        await done[target.name].wait()

    running = asyncio.create_task(_stream.run_workers(targets, 40, work))
    await _settled()
    assert started == [f"t{i}" for i in range(_stream._FIRST)]
    opened["t0"].set()
    await _settled()
    assert len(started) == _stream._FIRST + 2
    done["t0"].set()  # its worker takes the next target, and makes room for two more
    await _settled()
    assert len(started) == _stream._FIRST + 2 + 1 + 2
    for name in list(opened):
        opened[name].set()
    await _settled()
    assert len(started) - 1 == 40  # workers busy (t0 is done): the concurrency, no more
    for name in list(done):
        done[name].set()
    await asyncio.wait_for(running, 10)
    assert started == [target.name for target in targets]
