"""Waiters poll with capped backoff on an injected clock, end in time, fail loudly, cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web as aioweb
from hypothesis import given, settings
from hypothesis import strategies as st

import aiolightsail as al
from aiolightsail import LightsailClient, Operation
from aiolightsail import _waiters as waiters
from aiolightsail.emulator import Clock, Emulator
from tests.conftest import ACCOUNTS, collecting_logs, keys, stray_tasks

ACCOUNT = ACCOUNTS[0][0]


class RecordingClock:
    """The emulator's manual clock as a timer, remembering every pause asked for."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self.clock.sleep(seconds)


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[LightsailClient]:
    """A client of account 0 in us-east-1 whose waiters pause on the emulator's manual clock."""
    async with LightsailClient(
        "us-east-1", endpoint_url=emulator.endpoint_url, **keys(0)
    ) as opened:
        opened._timer = RecordingClock(emulator.clock)
        yield opened


def _sleeps(client: LightsailClient) -> list[float]:
    timer = client._timer
    assert isinstance(timer, RecordingClock)
    return timer.sleeps


@pytest.fixture
def web(emulator: Emulator) -> Emulator:
    """An emulator whose account 0 has a running instance web-1 in us-east-1."""
    emulator.add_instance(ACCOUNT, "us-east-1", "web-1")
    return emulator


async def test_a_state_wait_backs_off_and_returns_the_instance(
    web: Emulator, client: LightsailClient
) -> None:
    """Waiting for a 30 s stop polls after 1, 2, 4, 8 and 15 s and returns the stopped instance."""
    await client.stop_instance("web-1")
    started = web.clock.now()

    instance = await client.wait_for_instance_state("web-1", al.InstanceStateName.STOPPED)

    assert instance.state is not None and instance.state.name is al.InstanceStateName.STOPPED
    assert _sleeps(client) == [1, 2, 4, 8, 15]
    assert web.clock.now() - started == web.timings.instance_stop


async def test_each_poll_is_logged_at_debug_only(web: Emulator, client: LightsailClient) -> None:
    """A wait logs each poll that was not yet done, and the one that was, on
    aiolightsail.waiters at DEBUG, and nothing at INFO or above."""
    await client.stop_instance("web-1")
    with collecting_logs("aiolightsail") as logs:
        await client.wait_for_instance_state("web-1", "stopped", interval=10)
    polls = [line for line in logs.lines if line.startswith("aiolightsail.waiters DEBUG ")]
    assert polls == [
        "aiolightsail.waiters DEBUG waiting for instance web-1 to be stopped: "
        f"not yet at poll {n}; next poll in 10s ({left}s left)"
        for n, left in ((1, 600), (2, 590), (3, 580))
    ] + ["aiolightsail.waiters DEBUG waiting for instance web-1 to be stopped: done at poll 4"]
    assert not [line for line in logs.lines if " DEBUG " not in line]


async def test_a_fixed_interval_is_kept(web: Emulator, client: LightsailClient) -> None:
    """With interval=10 the polls are 10 s apart."""
    await client.stop_instance("web-1")
    await client.wait_for_instance_state("web-1", "stopped", interval=10)
    assert _sleeps(client) == [10, 10, 10]


async def test_a_wait_that_cannot_finish_times_out_at_its_deadline(
    web: Emulator, client: LightsailClient
) -> None:
    """Waiting 40 s for a running instance to be stopped raises WaitTimeoutError (a TimeoutError)
    after exactly 40 emulated seconds, the last poll at the deadline, carrying the instance."""
    started = web.clock.now()
    with pytest.raises(al.WaitTimeoutError) as caught:
        await client.wait_for_instance_state("web-1", "stopped", timeout=40)

    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, al.LightsailError)
    assert _sleeps(client) == [1, 2, 4, 8, 15, 10]
    assert web.clock.now() - started == 40
    last = caught.value.last
    assert isinstance(last, al.Instance) and last.state is not None
    assert last.state.name == "running"
    assert str(caught.value) == "instance web-1 to be stopped: still running after 40 s"


async def test_an_unanswered_request_is_cut_at_the_deadline(emulator: Emulator) -> None:
    """A poll whose request is still unanswered at the deadline ends the wait in time, with
    WaitTimeoutError and nothing seen."""
    emulator.add_instance(ACCOUNT, "us-east-1", "web-1")
    emulator.faults.latency = 30.0  # every answer takes 30 s
    async with LightsailClient(
        "us-east-1", endpoint_url=emulator.endpoint_url, **keys(0)
    ) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(al.WaitTimeoutError) as caught:
            await client.wait_for_instance_state("web-1", "stopped", timeout=0.2)
        took = loop.time() - started
    assert caught.value.last is None
    assert str(caught.value) == (
        "instance web-1 to be stopped: no answer within the timeout of 0.2 s"
    )
    assert took < 5  # well before the 30 s answer


async def test_operations_unanswered_at_the_deadline_say_how_they_stood(
    emulator: Emulator,
) -> None:
    """Operations whose first poll is still unanswered at the deadline: the timeout says
    they are still Started (as the action answered), not that nothing was seen."""
    emulator.add_instance(ACCOUNT, "us-east-1", "web-1")
    async with LightsailClient(
        "us-east-1", endpoint_url=emulator.endpoint_url, **keys(0)
    ) as client:
        operations = await client.stop_instance("web-1")
        emulator.faults.latency = 30.0  # every answer takes 30 s
        with pytest.raises(al.WaitTimeoutError) as caught:
            await client.wait_for_operations(operations, timeout=0.2)
    assert str(caught.value).endswith(": still Started after 0.2 s")
    assert caught.value.last == operations


async def test_a_shutting_down_instance_fails_the_wait(
    web: Emulator, client: LightsailClient
) -> None:
    """An instance that is shutting down will not become running: WaitFailedError at once."""
    web.state(ACCOUNT).get_instance("web-1").forced_state = "shutting-down"
    with pytest.raises(al.WaitFailedError) as caught:
        await client.wait_for_instance_state("web-1", "running")
    assert isinstance(caught.value.last, al.Instance)
    assert _sleeps(client) == []


async def test_operations_are_followed_until_final(web: Emulator, client: LightsailClient) -> None:
    """wait_for_operations rereads a started operation until it succeeds, in the order given."""
    operations = await client.stop_instance("web-1")
    assert operations[0].status is al.OperationStatus.STARTED

    done = await client.wait_for_operations(operations)

    assert [o.id for o in done] == [o.id for o in operations]
    assert done[0].status is al.OperationStatus.SUCCEEDED and done[0].is_terminal
    assert web.stats.requests["GetOperation"] == len(_sleeps(client)) + 1


async def test_a_failed_operation_raises_with_it(web: Emulator, client: LightsailClient) -> None:
    """An operation that ends Failed raises WaitFailedError carrying it and its error code."""
    web.faults.fail_operations("StopInstance", error_code="Stuck", error_details="disk busy")
    operations = await client.stop_instance("web-1")

    with pytest.raises(al.WaitFailedError, match="Stuck: disk busy") as caught:
        await client.wait_for_operations(operations)

    failed = caught.value.last
    assert isinstance(failed, Operation) and failed.status is al.OperationStatus.FAILED
    assert failed.error_code == "Stuck"


async def test_waiter_errors_read_in_one_short_line(web: Emulator, client: LightsailClient) -> None:
    """A failed operation's error quotes at most a line of the service's details, and a wait on
    many operations names two and counts the rest; ``last`` keeps everything."""
    details = "disk busy\n" + "x" * 10_000
    web.faults.fail_operations("StopInstance", error_code="Stuck", error_details=details)
    with pytest.raises(al.WaitFailedError) as failed:
        await client.wait_for_operations(await client.stop_instance("web-1"))
    assert isinstance(failed.value.last, Operation)
    assert failed.value.last.error_details == details
    names = [f"web-{i}" for i in range(2, 7)]
    for name in names:
        web.add_instance(ACCOUNT, "us-east-1", name)
    operations = [op for name in names for op in await client.stop_instance(name)]
    with pytest.raises(al.WaitTimeoutError) as timed_out:
        await client.wait_for_operations(operations, timeout=3)
    assert f"operations {operations[0].id}, {operations[1].id} and 3 more" in str(timed_out.value)
    assert isinstance(timed_out.value.last, list) and len(timed_out.value.last) == 5
    for error in (failed.value, timed_out.value):
        assert "\n" not in str(error)
        assert len(str(error)) <= 200 and len(repr(error)) <= 230, repr(error)


async def test_final_operations_need_no_request(web: Emulator, client: LightsailClient) -> None:
    """Operations already final are returned as they are, without a request or a pause."""
    operations = await client.delete_instance("web-1")
    before = web.stats.total_requests
    assert await client.wait_for_operations(operations) == operations
    assert await client.wait_for_operations([]) == []
    assert web.stats.total_requests == before


async def test_snapshot_waits_for_available_or_fails_on_error(
    web: Emulator, client: LightsailClient
) -> None:
    """A snapshot wait returns it available; one that ends in error raises WaitFailedError."""
    await client.create_instance_snapshot(instance_name="web-1", instance_snapshot_name="s-1")
    snapshot = await client.wait_for_instance_snapshot("s-1")
    web.faults.fail_operations("CreateInstanceSnapshot")
    await client.create_instance_snapshot(instance_name="web-1", instance_snapshot_name="s-2")

    with pytest.raises(al.WaitFailedError) as caught:
        await client.wait_for_instance_snapshot("s-2")

    assert snapshot.state is al.InstanceSnapshotState.AVAILABLE
    assert isinstance(caught.value.last, al.InstanceSnapshot)
    assert caught.value.last.state is al.InstanceSnapshotState.ERROR


async def test_deletion_waits(web: Emulator, client: LightsailClient) -> None:
    """A deleted instance's wait ends on its first poll; one that stays times out with it."""
    web.add_snapshot(ACCOUNT, "us-east-1", "s-1", instance_name="web-1")
    with pytest.raises(al.WaitTimeoutError) as caught:
        await client.wait_until_instance_deleted("web-1", timeout=5)
    await client.delete_instance("web-1")
    await client.delete_instance_snapshot("s-1")
    before = web.stats.total_requests

    await client.wait_until_instance_deleted("web-1")
    await client.wait_until_instance_snapshot_deleted("s-1")

    assert isinstance(caught.value.last, al.Instance) and caught.value.last.name == "web-1"
    assert web.stats.total_requests == before + 2


class GateTimer:
    """A timer whose sleep waits for an event nobody sets: the wait stays paused."""

    def __init__(self) -> None:
        self.paused = asyncio.Event()

    def now(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        self.paused.set()
        await asyncio.Event().wait()


async def test_a_wait_is_cancelled_while_paused(web: Emulator, client: LightsailClient) -> None:
    """Cancelling a wait during its pause raises CancelledError and leaves no task behind."""
    timer = GateTimer()
    client._timer = timer
    await client.stop_instance("web-1")
    task = asyncio.create_task(client.wait_for_instance_state("web-1", "stopped"))
    await timer.paused.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stray_tasks() == set()


async def test_a_wait_is_cancelled_during_a_request() -> None:
    """Cancelling a wait while its poll is in flight raises CancelledError, nothing left over."""
    arrived = asyncio.Event()

    async def hang(_request: aioweb.BaseRequest) -> aioweb.StreamResponse:
        arrived.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    runner = aioweb.ServerRunner(aioweb.Server(hang), shutdown_timeout=0.1)
    await runner.setup()
    site = aioweb.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with LightsailClient(
            "us-east-1", endpoint_url=f"http://{host}:{port}", **keys(0)
        ) as client:
            task = asyncio.create_task(client.wait_for_instance_state("web-1", "stopped"))
            await arrived.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert stray_tasks() == set()
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda c: c.wait_for_instance_state("web-1", "runing"), "state"),
        (lambda c: c.wait_for_instance_state("web 1", "running"), "instance_name"),
        (lambda c: c.wait_for_instance_state("web-1", "running", timeout=0), "timeout"),
        (lambda c: c.wait_for_instance_state("web-1", "running", timeout=True), "timeout"),
        (lambda c: c.wait_for_instance_state("web-1", "running", interval=-1), "interval"),
        (lambda c: c.wait_for_operations(Operation(id="x")), "operations"),
        (lambda c: c.wait_for_operations(["op-1"]), "operations[0]"),
        (lambda c: c.wait_for_operations([Operation(status="Started")]), "operations[0].id"),
        (lambda c: c.wait_for_instance_snapshot("-s"), "instance_snapshot_name"),
        (lambda c: c.wait_until_instance_deleted(""), "instance_name"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    web: Emulator, client: LightsailClient, call: Callable[[Any], Awaitable[Any]], parameter: str
) -> None:
    """A waiter's arguments are checked first, naming the parameter; nothing is sent."""
    with pytest.raises(al.ValidationError) as caught:
        await call(client)
    assert caught.value.parameter == parameter
    assert web.stats.total_requests == 0


class FakeTimer:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


@given(
    timeout=st.floats(0.01, 500, allow_nan=False),
    interval=st.none() | st.floats(0.01, 60, allow_nan=False),
)
@settings(max_examples=60, deadline=None)
def test_pauses_are_capped_and_end_exactly_at_the_deadline(
    timeout: float, interval: float | None
) -> None:
    """Against a poll that never finishes, the pauses grow from 1 s to at most 15 s (or keep the
    interval), add up to the timeout, and one poll more than pauses is made."""
    timer = FakeTimer()
    polls = 0

    async def fetch() -> al.Instance:
        nonlocal polls
        polls += 1
        return al.Instance(name=f"poll-{polls}")

    async def run() -> None:
        await waiters.poll(
            fetch, lambda _: False, what="x", within=timeout, interval=interval, timer=timer
        )

    with pytest.raises(al.WaitTimeoutError) as caught:
        asyncio.run(run())
    assert isinstance(caught.value.last, al.Instance)
    assert caught.value.last.name == f"poll-{polls}"
    assert polls == len(timer.sleeps) + 1
    assert sum(timer.sleeps) == pytest.approx(timeout)
    full = timer.sleeps[:-1]
    if interval is None:
        assert full == [min(2.0**i, 15.0) for i in range(len(full))]
    else:
        assert all(s == interval for s in full)
    assert timer.sleeps[-1] <= (15.0 if interval is None else interval)


async def test_the_plugins_client_waits_on_the_emulators_clock(
    lightsail_emulator: Emulator, lightsail_client: LightsailClient
) -> None:
    """The pytest plugin's client pauses on the manual clock: a 30 s stop is waited out at once."""
    lightsail_emulator.add_instance(None, "us-east-1", "web-1")
    started = lightsail_emulator.clock.now()
    await lightsail_client.stop_instance("web-1")
    await lightsail_client.wait_for_instance_state("web-1", "stopped")
    assert lightsail_emulator.clock.now() - started == lightsail_emulator.timings.instance_stop


@pytest.mark.parametrize("status", ["Succeeded", "Completed", "Failed"])
async def test_every_final_status_ends_the_wait_at_the_first_poll(status: str) -> None:
    """An operation whose status is final (Succeeded, Completed or Failed) ends the wait at
    once, even when isTerminal is not set; Failed as a WaitFailedError."""
    started = Operation.from_api({"id": "op-1", "status": "Started", "isTerminal": False})
    answer = Operation.from_api({"id": "op-1", "status": status, "isTerminal": False})
    timer = FakeTimer()
    polls: list[str] = []

    class Reads:
        async def get_operation(self, operation_id: str) -> Operation:
            polls.append(operation_id)
            return answer

    wait = waiters.wait_for_operations(Reads(), [started], within=60, interval=None, timer=timer)  # type: ignore[arg-type]
    if status == "Failed":
        with pytest.raises(al.WaitFailedError):
            await wait
    else:
        assert await wait == [answer]
    assert (polls, timer.sleeps) == (["op-1"], [])
