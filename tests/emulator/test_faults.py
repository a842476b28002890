"""Faults: scripted and seeded failures, latency, dropped connections, counters."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp import ClientSession
from botocore.exceptions import ClientError, ConnectionClosedError

from aiolightsail.emulator import Clock, Emulator, FaultKind, Faults, ServiceError
from tests.emulator.helpers import ClientFactory, RawClient, call


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [
        (FaultKind.THROTTLE, "ThrottlingException", 400),
        (FaultKind.TOO_MANY_REQUESTS, "TooManyRequestsException", 429),
        (FaultKind.SERVER_ERROR, "ServiceException", 500),
        (FaultKind.UNAVAILABLE, "ServiceUnavailableException", 503),
    ],
)
async def test_fail_next_fails_exactly_n_calls(
    emulator: Emulator, lightsail: Any, kind: FaultKind, code: str, status: int
) -> None:
    """fail_next(op, 2, kind) fails the next two calls of op as kind, then calls succeed."""
    emulator.faults.fail_next("GetInstances", 2, kind)
    errors = []
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            await call(lightsail, "get_instances")
        errors.append(caught.value.response)

    await call(lightsail, "get_instances")

    assert [e["Error"]["Code"] for e in errors] == [code, code]
    assert {e["ResponseMetadata"]["HTTPStatusCode"] for e in errors} == {status}
    assert emulator.stats.faults[kind.value] == 2
    assert emulator.stats.requests["GetInstances"] == 3


async def test_fail_next_sends_any_lightsail_error(emulator: Emulator, lightsail: Any) -> None:
    """A scripted ServiceError is sent as is: code, status and Lightsail's extra members."""
    denied = ServiceError("AccessDeniedException", "Not for you.", status=403, tip="Ask.")
    emulator.faults.fail_next("GetInstances", 1, denied)

    with pytest.raises(ClientError) as caught:
        await call(lightsail, "get_instances")

    response: dict[str, Any] = dict(caught.value.response)
    assert response["Error"] == {"Code": "AccessDeniedException", "Message": "Not for you."}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert (response["code"], response["tip"]) == ("AccessDenied", "Ask.")
    assert emulator.stats.faults["AccessDeniedException"] == 1


async def test_scripted_faults_target_their_operation(emulator: Emulator, lightsail: Any) -> None:
    """A fault scripted for one operation leaves the others alone."""
    emulator.add_instance(None, "us-east-1", "web-1")
    emulator.faults.fail_next("GetInstances", 1)

    await call(lightsail, "get_instance", instanceName="web-1")

    assert emulator.faults.pending("GetInstances") == 1


@pytest.mark.parametrize(
    "kind", [FaultKind.THROTTLE, FaultKind.TOO_MANY_REQUESTS, FaultKind.UNAVAILABLE]
)
async def test_botocore_retries_injected_faults(
    emulator: Emulator, make_client: ClientFactory, kind: FaultKind, no_backoff: None
) -> None:
    """botocore's standard retry mode treats every injected fault kind as retryable."""
    emulator.faults.fail_next("GetInstances", 2, kind)
    client = make_client(attempts=3)

    response = await call(client, "get_instances")

    assert response["ResponseMetadata"]["RetryAttempts"] == 2


async def test_dropped_connection_is_a_connection_error(emulator: Emulator, lightsail: Any) -> None:
    """A dropped connection reaches botocore as a connection error, not an HTTP response."""
    emulator.faults.fail_next(None, 1, FaultKind.DROP)

    with pytest.raises(ConnectionClosedError):
        await call(lightsail, "get_instances")

    assert emulator.stats.faults["drop"] == 1
    assert (await call(lightsail, "get_instances"))["instances"] == []


async def _outcomes(seed: int, calls: int = 40) -> list[int]:
    faults = Faults(throttle_rate=0.2, error_rate=0.2, seed=seed)
    async with (
        Emulator(clock=Clock.manual(), faults=faults) as emulator,
        ClientSession() as session,
    ):
        raw = RawClient(emulator, session)
        return [(await raw.request("GetInstances"))[0] for _ in range(calls)]


async def test_seeded_rates_are_reproducible() -> None:
    """The same fault seed gives the same sequence of outcomes; another seed a different one."""
    first, again, other = await _outcomes(7), await _outcomes(7), await _outcomes(8)

    assert first == again
    assert first != other
    assert set(first) == {200, 400, 500}


async def test_rates_can_target_operations(emulator: Emulator, raw: RawClient) -> None:
    """Rate-based faults limited to some operations spare the others."""
    emulator.faults.error_rate = 1.0
    emulator.faults.operations = frozenset({"GetInstances"})

    spared, _, _ = await raw.request("GetBlueprints")
    hit, _, _ = await raw.request("GetInstances")

    assert (spared, hit) == (200, 500)


async def test_latency_delays_responses(emulator: Emulator, raw: RawClient) -> None:
    """Injected latency (here 50 ms) holds each response back at least that long."""
    emulator.faults.latency = 0.05
    started = time.perf_counter()

    status, _, _ = await raw.request("GetInstances")

    assert status == 200
    assert time.perf_counter() - started >= 0.05


async def test_faults_come_after_authentication(emulator: Emulator, raw: RawClient) -> None:
    """An unauthenticated request is refused by auth and does not consume a scripted fault."""
    emulator.faults.fail_next(None, 1)

    status, _, text = await raw.request("GetInstances", sign=False)

    assert (status, "MissingAuthenticationTokenException" in text) == (403, True)
    assert emulator.faults.pending() == 1
    assert emulator.stats.auth_failures == 1


def test_clear_removes_every_fault() -> None:
    """clear() resets rates, latency and scripts."""
    faults = Faults(latency=1.0, throttle_rate=0.5, drop_rate=0.1)
    faults.fail_next("GetInstances", 3)

    faults.clear()

    assert faults.decide("GetInstances") is None
    assert faults.delay("GetInstances") == 0.0


@pytest.mark.parametrize(
    ("field", "value"), [("throttle_rate", 1.5), ("error_rate", -0.1), ("latency", -1.0)]
)
def test_invalid_fault_settings_are_refused(field: str, value: float) -> None:
    """Rates outside [0, 1] and negative latency are refused, also when set at runtime."""
    faults = Faults()

    with pytest.raises(ValueError, match=field):
        setattr(faults, field, value)
