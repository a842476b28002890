"""Concurrent use never piles blocking or CPU-heavy work into one turn of the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from aiolightsail import (
    LightsailClient,
    ValidationError,
    _client,
    _gate,
    get_cpu_budget,
    set_cpu_budget,
)
from aiolightsail._gate import take_turn
from aiolightsail._once import forget, run_once
from aiolightsail.emulator import Emulator
from tests.conftest import ACCOUNTS, PAGE_SIZE, Wire, keys
from tests.test_operations import INSTANCE


@contextlib.asynccontextmanager
async def _iterations() -> AsyncIterator[list[int]]:
    """Count event-loop iterations while the block runs: ``counter[0]`` is the current one."""
    counter, stop = [0], asyncio.Event()

    async def tick() -> None:
        while not stop.is_set():
            counter[0] += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        yield counter
    finally:
        stop.set()
        await ticker


def _record_conversions(monkeypatch: pytest.MonkeyPatch, counter: list[int]) -> list[int]:
    """Note the loop iteration in which each answer is decoded into models."""
    converted: list[int] = []
    from aiolightsail._models._answers import decode_answer as decode

    def recording(*args: Any) -> Any:
        converted.append(counter[0])
        return decode(*args)

    monkeypatch.setattr(_client, "decode_answer", recording)
    return converted


async def test_run_once_runs_shared_work_once() -> None:
    """Twenty concurrent callers of the same key share one run of the work, in a thread."""
    calls: list[int] = []
    main = threading.get_ident()

    def work() -> str:
        calls.append(threading.get_ident())
        return "ready"

    key = ("test", "shared")
    try:
        results = await asyncio.gather(*(run_once(key, work) for _ in range(20)))
    finally:
        forget(key)
    assert results == ["ready"] * 20
    assert len(calls) == 1
    assert calls[0] != main, "the work runs off the event loop's thread"


async def test_run_once_does_not_cache_failures() -> None:
    """A failed run raises to its callers and the next call tries again."""
    attempts: list[int] = []

    def work() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("disk hiccup")
        return 7

    key = ("test", "retry")
    try:
        with pytest.raises(OSError, match="hiccup"):
            await run_once(key, work)
        assert await run_once(key, work) == 7
    finally:
        forget(key)
    assert len(attempts) == 2


class _Clock:
    """A clock for the gate that only moves when a step says it took time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _restore_budget() -> Iterator[None]:
    """Whatever a test sets with set_cpu_budget, the next test starts from the default."""
    yield
    set_cpu_budget(_gate.DEFAULT_BUDGET)


@pytest.fixture
def step_clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    """The gate's clock, driven by the test, and a budget of 5 ms."""
    clock = _Clock()
    monkeypatch.setattr(_gate, "_clock", clock)
    set_cpu_budget(0.005)
    return clock


@pytest.fixture
def one_step_per_iteration() -> None:
    """A budget every real step overruns: each loop iteration runs one gated step that
    found the gate free and one let go from the queue, at most."""
    set_cpu_budget(1e-9)


def _assert_spread(iterations: list[int], what: str) -> None:
    """Sixteen steps (with a budget every step overruns) ran at most two to a loop iteration."""
    assert len(iterations) == 16
    most = max(Counter(iterations).values())
    assert most <= 2, f"{what}: {most} in one loop iteration ({iterations})"


async def _steps(clock: _Clock, costs: list[float], counter: list[int]) -> list[tuple[int, int]]:
    """Run one gated step per cost, all ready at once; (step, iteration) in the order they ran."""
    ran: list[tuple[int, int]] = []

    async def step(index: int, cost: float) -> None:
        await take_turn()
        ran.append((index, counter[0]))
        clock.now += cost  # the step's CPU time, as the gate's clock sees it

    await asyncio.gather(*(step(i, cost) for i, cost in enumerate(costs)))
    return ran


async def test_steps_share_an_iteration_up_to_the_budget(step_clock: _Clock) -> None:
    """Ten 3 ms steps ready at once: at most two run per iteration (the second starts
    at 3 ms, inside the 5 ms budget), first come first served, and all of them run."""
    async with _iterations() as counter:
        ran = await _steps(step_clock, [0.003] * 10, counter)
    assert [index for index, _ in ran] == list(range(10))
    per_iteration = Counter(iteration for _, iteration in ran)
    assert max(per_iteration.values()) <= 2, per_iteration
    assert len(per_iteration) >= 5


async def test_cheap_steps_run_together(step_clock: _Clock) -> None:
    """Steps that cost (next to) nothing are not spread out: one iteration runs them all."""
    async with _iterations() as counter:
        ran = await _steps(step_clock, [0.0] * 50, counter)
    assert len({iteration for _, iteration in ran}) == 1


async def test_an_expensive_step_still_goes_and_order_is_kept(step_clock: _Clock) -> None:
    """A step costing more than the budget still runs (alone), and waiters keep their order."""
    async with _iterations() as counter:
        ran = await _steps(step_clock, [0.001, 0.02, 0.001, 0.001, 0.02, 0.001], counter)
    assert [index for index, _ in ran] == list(range(6))
    iteration_of = dict(ran)
    assert iteration_of[1] != iteration_of[2]  # nothing more after the 20 ms step
    assert iteration_of[4] != iteration_of[5]


async def test_a_batch_stops_when_a_step_overruns_the_budget(step_clock: _Clock) -> None:
    """Cheap steps let the queue go in growing batches; when a step in a batch costs
    more than the budget, the rest of that batch waits for the next iteration."""
    costs = [0.006] + [0.0001] * 15 + [0.02] + [0.0001] * 10
    expensive = 16
    async with _iterations() as counter:
        ran = await _steps(step_clock, costs, counter)
    assert [index for index, _ in ran] == list(range(len(costs)))
    iteration_of = dict(ran)
    batch = [i for i in range(1, expensive) if iteration_of[i] == iteration_of[expensive - 1]]
    assert len(batch) > 2, "cheap steps should run several to an iteration"
    assert iteration_of[expensive + 1] > iteration_of[expensive]


async def test_a_cancelled_waiter_does_not_hold_up_the_rest(step_clock: _Clock) -> None:
    """Cancelling a task that waits for its turn leaves the queue moving."""
    ran: list[int] = []

    async def step(index: int) -> None:
        await take_turn()
        ran.append(index)
        step_clock.now += 0.01  # over the budget: each later step waits for an iteration

    tasks = [asyncio.create_task(step(i)) for i in range(5)]
    await asyncio.sleep(0)  # all five ask; the first goes, four wait
    tasks[2].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert ran == [0, 1, 3, 4]
    assert tasks[2].cancelled()


async def test_a_budget_switched_off_lets_waiting_steps_go(step_clock: _Clock) -> None:
    """Steps queued behind a spent budget all run once the budget is switched off."""
    ran: list[int] = []

    async def step(index: int) -> None:
        await take_turn()
        ran.append(index)
        step_clock.now += 0.01  # over the budget: later steps queue

    tasks = [asyncio.create_task(step(i)) for i in range(6)]
    await asyncio.sleep(0)  # all six ask; the first goes, five wait
    set_cpu_budget(None)
    await asyncio.gather(*tasks)
    assert ran == list(range(6))


def test_the_default_is_a_budget() -> None:
    """Out of the box CPU-heavy steps share a budget per loop iteration."""
    budget = get_cpu_budget()
    assert budget is not None
    assert budget == _gate.DEFAULT_BUDGET > 0


@pytest.mark.parametrize(
    ("value", "expected"), [(0.01, 0.01), (1, 1.0), (0, None), (0.0, None), (None, None)]
)
def test_set_cpu_budget_takes_seconds_or_none(value: float | None, expected: float | None) -> None:
    """A positive number is the budget in seconds; 0 and None both mean checkpoints."""
    set_cpu_budget(value)
    assert get_cpu_budget() == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (-0.001, "0 or more"),
        (-1, "0 or more"),
        (math.nan, "finite"),
        (math.inf, "finite"),
        (-math.inf, "finite"),
        (True, "not bool"),
        (False, "not bool"),
        ("0.005", "not str"),
        ([0.005], "not list"),
    ],
)
def test_set_cpu_budget_refuses_bad_values(value: object, rule: str) -> None:
    """Negative, infinite and NaN budgets, bools and non-numbers are refused, naming the
    parameter and the rule, and the setting stays as it was."""
    set_cpu_budget(0.01)
    with pytest.raises(ValidationError, match=rule) as caught:
        set_cpu_budget(value)  # type: ignore[arg-type]
    assert caught.value.parameter == "seconds"
    assert get_cpu_budget() == 0.01


async def test_checkpoints_yield_once_per_step() -> None:
    """Without a budget each step yields to the loop exactly once, so fifty steps asked
    for together all run in the next iteration, none held back further."""
    set_cpu_budget(None)
    async with _iterations() as counter:
        asked_and_ran: list[tuple[int, int]] = []

        async def step() -> None:
            asked = counter[0]
            await take_turn()
            asked_and_ran.append((asked, counter[0]))

        await asyncio.gather(*(step() for _ in range(50)))
    assert len(asked_and_ran) == 50
    assert len(set(asked_and_ran)) == 1, "asked together, run together"
    assert all(ran == asked + 1 for asked, ran in asked_and_ran)


@pytest.mark.parametrize(
    ("budget", "expected"), [(None, ["other", "step"]), (0.005, ["step", "other"])]
)
async def test_a_lone_step_yields_only_with_checkpoints(
    budget: float | None, expected: list[str]
) -> None:
    """A lone step suspends once without a budget, letting another ready task run first;
    with a budget it finds the iteration's budget unspent and goes on at once."""
    set_cpu_budget(budget)
    order: list[str] = []

    async def other() -> None:
        order.append("other")

    task = asyncio.create_task(other())
    await take_turn()
    order.append("step")
    await task
    assert order == expected


@pytest.mark.usefixtures("one_step_per_iteration")
async def test_many_clients_open_without_piling_up(
    client_factory: Callable[..., LightsailClient],
) -> None:
    """Sixteen clients opened at once are each built in their own loop iteration."""
    finished: list[int] = []
    clients = [client_factory() for _ in range(16)]
    async with _iterations() as counter:

        async def open_one(client: LightsailClient) -> None:
            await client.__aenter__()
            finished.append(counter[0])

        try:
            await asyncio.gather(*(open_one(c) for c in clients))
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))
    _assert_spread(finished, "client creations")


@pytest.mark.usefixtures("one_step_per_iteration")
async def test_concurrent_pages_take_turns(
    wire: Wire, client: LightsailClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen requests started together are built, and their answers turned into
    models, each in its own loop iteration, so the loop serves timers in between."""
    wire.reply({"instances": [INSTANCE] * 20}, repeat=True)
    built: list[int] = []
    transport = client._require_open()
    sign = transport._sign

    async def signing(body: bytes, headers: dict[str, str]) -> dict[str, str]:
        built.append(counter[0])
        return await sign(body, headers)

    async with _iterations() as counter:
        transport._sign = signing  # type: ignore[method-assign]
        converted = _record_conversions(monkeypatch, counter)
        pages = await asyncio.gather(*(client.get_instances() for _ in range(16)))
    assert [len(page.items) for page in pages] == [20] * 16
    _assert_spread(built, "requests built")
    _assert_spread(converted, "answers converted")


@pytest.mark.usefixtures("one_step_per_iteration")
async def test_answers_arriving_together_are_converted_in_turns(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers that land in the same loop iteration (the emulator holds all sixteen
    for 50 ms) are each parsed and converted in an iteration of their own."""
    emulator.seed_instances(ACCOUNTS[0][0], "eu-west-1", count=PAGE_SIZE)
    emulator.faults.latency = 0.05
    client = LightsailClient(
        "eu-west-1", endpoint_url=emulator.endpoint_url, max_pool_connections=16, **keys(0)
    )
    async with client, _iterations() as counter:
        converted = _record_conversions(monkeypatch, counter)
        pages = await asyncio.gather(*(client.get_instances() for _ in range(16)))
    assert [len(page.items) for page in pages] == [PAGE_SIZE] * 16
    _assert_spread(converted, "answers converted")


@pytest.mark.usefixtures("one_step_per_iteration")
async def test_many_clients_set_up_in_turns(
    client_factory: Callable[..., LightsailClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The set-up before a client's first suspension (its config, its secrets for
    redaction) runs in an iteration of its own for each of sixteen clients opened at once."""
    from aiolightsail._botocore import _settings

    started: list[int] = []
    clients = [client_factory() for _ in range(16)]
    build = _settings.client_config
    async with _iterations() as counter:

        def recording(*args: Any, **kwargs: Any) -> Any:
            started.append(counter[0])
            return build(*args, **kwargs)

        monkeypatch.setattr(_settings, "client_config", recording)
        try:
            await asyncio.gather(*(c.__aenter__() for c in clients))
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))
    # Each client builds its config once, in the set-up that runs before its first
    # suspension: sixteen records, one per set-up.
    _assert_spread(started[:16], "set-ups")
