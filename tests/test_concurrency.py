"""Concurrent use never piles blocking or CPU-heavy work into one turn of the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from aiolightsail import LightsailClient
from aiolightsail._gate import cpu_turn
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


def _record_conversions(client: LightsailClient, counter: list[int]) -> list[int]:
    """Note the loop iteration in which each answer of ``client`` is turned into models."""
    converted: list[int] = []
    many = client._many

    def recording_many(*args: Any) -> Any:
        converted.append(counter[0])
        return many(*args)

    client._many = recording_many  # type: ignore[method-assign,assignment]
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


async def test_cpu_turns_are_spread_over_loop_iterations() -> None:
    """Tasks ready in the same iteration take the gate in different iterations."""
    seen: list[int] = []
    async with _iterations() as counter:

        async def step() -> None:
            async with cpu_turn():
                seen.append(counter[0])

        await asyncio.gather(*(step() for _ in range(10)))
    assert len(set(seen)) == 10, f"turns shared an iteration: {seen}"


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
    assert len(set(finished)) == 16, f"creations shared an iteration: {finished}"


async def test_concurrent_pages_take_turns(wire: Wire, client: LightsailClient) -> None:
    """Sixteen requests started together are built, and their answers turned into
    models, each in its own loop iteration, so the loop serves timers in between."""
    wire.reply({"instances": [INSTANCE] * 20}, repeat=True)
    built: list[int] = []
    async with _iterations() as counter:
        boto: Any = client._require_open()
        boto.meta.events.register("before-send.lightsail", lambda **_: built.append(counter[0]))
        converted = _record_conversions(client, counter)
        pages = await asyncio.gather(*(client.get_instances() for _ in range(16)))
    assert [len(page.items) for page in pages] == [20] * 16
    assert len(set(built)) == 16, f"requests built in a shared iteration: {built}"
    assert len(set(converted)) == 16, f"answers converted in a shared iteration: {converted}"


async def test_answers_arriving_together_are_converted_in_turns(emulator: Emulator) -> None:
    """Answers that land in the same loop iteration (the emulator holds all sixteen
    for 50 ms) are each parsed and converted in an iteration of their own."""
    emulator.seed_instances(ACCOUNTS[0][0], "eu-west-1", count=PAGE_SIZE)
    emulator.faults.latency = 0.05
    client = LightsailClient(
        "eu-west-1", endpoint_url=emulator.endpoint_url, max_pool_connections=16, **keys(0)
    )
    async with client, _iterations() as counter:
        converted = _record_conversions(client, counter)
        pages = await asyncio.gather(*(client.get_instances() for _ in range(16)))
    assert [len(page.items) for page in pages] == [PAGE_SIZE] * 16
    assert len(set(converted)) == 16, f"answers converted in a shared iteration: {converted}"


async def test_many_clients_set_up_in_turns(
    client_factory: Callable[..., LightsailClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The set-up before a client's first suspension (its config, its secrets for
    redaction) runs in an iteration of its own for each of sixteen clients opened at once."""
    import aiobotocore.config

    started: list[int] = []
    clients = [client_factory() for _ in range(16)]
    async with _iterations() as counter:

        class RecordingConfig(aiobotocore.config.AioConfig):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                started.append(counter[0])
                super().__init__(*args, **kwargs)

        monkeypatch.setattr(aiobotocore.config, "AioConfig", RecordingConfig)
        try:
            await asyncio.gather(*(c.__aenter__() for c in clients))
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))
    # Each client builds its config at the start of its set-up (and botocore copies
    # it later, during creation): the first sixteen are the set-ups.
    assert len(set(started[:16])) == 16, f"set-ups shared an iteration: {started}"
