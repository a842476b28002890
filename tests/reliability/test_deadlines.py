"""Nothing hangs: every attempt, every call and every fleet target has a deadline.

A :class:`~tests.reliability.hostile.Trickler` answers in one of five hostile
manners: silent, or dripping one byte per event-loop turn (so a read timeout
never fires), before the status line, in the headers or in the body, and
never finishing. The rules:

* an attempt ends at ``attempt_timeout``, however the bytes come, and is
  retried; after ``max_attempts`` the call raises :class:`RequestTimeoutError`
  and no connection is left open;
* a call ends at ``call_timeout``, retries and backoff included;
* a fleet passes its timeouts to its clients and to STS, and has a default
  per-target deadline; so does the command line.

The tests use deadlines of a tenth of a second and never sleep; they assert
what happened (which error, how many requests), not how long it took. The
time to give up with the default settings is measured in
``benchmarks/give_up.py`` (``docs/reliability.md``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolightsail import (
    DEFAULT_TARGET_TIMEOUT,
    Fleet,
    LightsailClient,
    RequestTimeoutError,
    Target,
)
from aiolightsail.cli import _app
from aiolightsail.emulator import Emulator
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import PHASES, Trickler

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS = static_keys(ORG[0])
#: Far longer than any test runs: only the deadline under test can end a call.
NEVER = 3600.0


@pytest.fixture
async def trickler() -> AsyncIterator[Trickler]:
    """A hostile server on 127.0.0.1:0."""
    server = Trickler()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(phase=st.sampled_from(PHASES), attempts=st.integers(1, 3))
async def test_every_attempt_ends_at_its_deadline(
    trickler: Trickler, phase: str, attempts: int
) -> None:
    """Silent or trickling, in the headers or in the body, an answer that never ends is cut at
    attempt_timeout and retried; after max_attempts the call raises RequestTimeoutError and
    every connection is closed."""
    trickler.phase, trickler.requests = phase, 0
    async with LightsailClient(
        "eu-west-1",
        endpoint_url=trickler.url,
        connect_timeout=NEVER,
        read_timeout=NEVER,
        attempt_timeout=0.1,
        call_timeout=None,
        max_attempts=attempts,
        **KEYS,
    ) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            await client.get_instances()
    assert trickler.requests == attempts
    assert caught.value.operation == "GetInstances"
    await asyncio.wait_for(trickler.idle.wait(), 10)


@pytest.mark.parametrize("phase", PHASES)
async def test_a_call_ends_at_its_deadline(trickler: Trickler, phase: str) -> None:
    """A call whose attempts have no deadline of their own ends at call_timeout with a
    RequestTimeoutError that names it."""
    trickler.phase = phase
    # Opening a client is inside call_timeout too, and the process's first opening reads
    # the configuration and builds the SSL context: done here first, so the deadline under
    # test meets the request, however busy the machine.
    async with LightsailClient("eu-west-1", endpoint_url=trickler.url, **KEYS):
        pass
    async with LightsailClient(
        "eu-west-1",
        endpoint_url=trickler.url,
        connect_timeout=NEVER,
        read_timeout=NEVER,
        attempt_timeout=NEVER,
        call_timeout=0.1,
        **KEYS,
    ) as client:
        with pytest.raises(RequestTimeoutError, match="call_timeout") as caught:
            await client.get_instances()
    assert isinstance(caught.value, TimeoutError)
    assert trickler.requests == 1
    await asyncio.wait_for(trickler.idle.wait(), 10)


async def test_a_page_that_never_ends_fails_a_listing_with_its_token(trickler: Trickler) -> None:
    """An iteration whose page trickles forever fails with RequestTimeoutError carrying the
    page's token, so it can resume there."""
    trickler.phase = "trickle-body"
    async with LightsailClient(
        "eu-west-1", endpoint_url=trickler.url, attempt_timeout=0.1, max_attempts=1, **KEYS
    ) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            async for _ in client.iter_instances(page_token="resume-here"):
                pass
    assert caught.value.page_token == "resume-here"


async def test_a_fleet_passes_its_timeouts_to_clients(trickler: Trickler) -> None:
    """A fleet's attempt_timeout reaches its clients: a trickling target fails with
    RequestTimeoutError after max_attempts requests while a healthy one answers (a whole
    second per attempt: the healthy target must answer within it on a busy machine too)."""
    trickler.phase = "trickle-body"
    async with Emulator(ORG) as emulator:
        emulator.seed_instances(ORG[0].account_id, "eu-west-1", 3)
        slow = Target("eu-west-1", endpoint_url=trickler.url, **KEYS)
        healthy = Target("eu-west-1", endpoint_url=emulator.endpoint_url, **KEYS)
        async with (
            Fleet([slow, healthy], attempt_timeout=1.0, max_attempts=2) as fleet,
            fleet.iter_instances() as stream,
        ):
            found = [target async for target, _ in stream]
    assert found == [healthy] * 3
    assert [(f.target, type(f.error)) for f in stream.failures] == [(slow, RequestTimeoutError)]
    assert trickler.requests == 2


async def test_a_fleet_gives_sts_the_same_deadlines(trickler: Trickler) -> None:
    """An AssumeRole that trickles forever fails the role target with RequestTimeoutError."""
    trickler.phase = "trickle-headers"
    target = Target(
        "eu-west-1",
        endpoint_url=trickler.url,
        role_arn="arn:aws:iam::222222222222:role/inventory",
        **KEYS,
    )
    async with (
        Fleet([target], attempt_timeout=0.1, target_timeout=NEVER) as fleet,
        fleet.iter_instances() as stream,
    ):
        assert [item async for item in stream] == []
    assert [type(f.error) for f in stream.failures] == [RequestTimeoutError]


def test_fleet_and_command_line_have_a_default_target_deadline() -> None:
    """A Fleet, and `aiolightsail instances` without --timeout, give each target the same
    finite default deadline."""
    assert Fleet([Target("eu-west-1")]).target_timeout == DEFAULT_TARGET_TIMEOUT
    option = next(p for p in _app.instances.params if p.name == "target_timeout")
    assert option.default == DEFAULT_TARGET_TIMEOUT
    assert 0 < DEFAULT_TARGET_TIMEOUT < float("inf")
