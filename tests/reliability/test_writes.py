"""Writes are done once: an uncertain write is reconciled by a read, never re-sent blind.

Against the emulator, whose faults include carrying a write out and then losing its
answer (``FaultKind.APPLY_THEN_DROP``: the connection is reset) or answering 500
(``APPLY_THEN_FAIL``). The rule (``docs/reliability.md``, "Writes are done once"):

* a write whose answer was lost after it took effect is sent once, and the call
  returns its operations as the service lists them, never an error;
* a write that failed before taking effect (a 500 or a reset before it was carried
  out) is re-sent only after a read showed it was not done, and is carried out once;
* a reboot, which no read can tell, is a ``WriteOutcomeUnknownError`` after one send;
* throttles are retried as for any call.

The generated test draws any sequence of faults, per attempt, for each write, and
checks that the write is carried out at most once, that the call succeeds exactly when
it was, and that nothing is sent after the attempt that carried it out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolightsail import (
    LightsailClient,
    LightsailError,
    Operation,
    PortInfo,
    TransportError,
    WriteOutcomeUnknownError,
)
from aiolightsail.emulator import Emulator, FaultKind
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json

pytestmark = pytest.mark.usefixtures("no_backoff")

ACCOUNT = ORG[0]
REGION = "eu-west-1"
ATTEMPTS = 3


@attrs.frozen
class Write:
    """One write of the table: how to set it up, call it, and count what it did."""

    operation: str
    #: The resource whose operations of ``types`` the write leaves, one per time it is done.
    resource: str
    types: frozenset[str]
    call: Callable[[LightsailClient, dict[str, str]], Awaitable[Any]]
    setup: Callable[[Emulator, LightsailClient], Awaitable[dict[str, str]]] = attrs.field(
        default=None
    )


async def _running(org: Emulator, _client: LightsailClient) -> dict[str, str]:
    org.add_instance(ACCOUNT.account_id, REGION, "web-1", state="running")
    return {"instance": "web-1"}


async def _stopped(org: Emulator, _client: LightsailClient) -> dict[str, str]:
    org.add_instance(ACCOUNT.account_id, REGION, "web-1", state="stopped")
    return {"instance": "web-1"}


async def _snapshot(org: Emulator, _client: LightsailClient) -> dict[str, str]:
    (record,) = org.seed_snapshots(ACCOUNT.account_id, REGION, 1)
    return {"snapshot": record.name}


WRITES = {
    w.operation: w
    for w in (
        Write(
            "CreateInstances",
            "new-1",
            frozenset({"CreateInstance"}),
            lambda c, _n: c.create_instances(
                instance_names=["new-1", "new-2"],
                availability_zone="eu-west-1a",
                blueprint_id="amazon_linux_2023",
                bundle_id="nano_3_0",
            ),
            _running,
        ),
        Write(
            "CreateInstancesFromSnapshot",
            "restored-1",
            frozenset({"CreateInstancesFromSnapshot"}),
            lambda c, n: c.create_instances_from_snapshot(
                instance_names=["restored-1"],
                availability_zone="eu-west-1a",
                bundle_id="medium_3_0",
                instance_snapshot_name=n["snapshot"],
            ),
            _snapshot,
        ),
        Write(
            "CreateInstanceSnapshot",
            "snap-new",
            frozenset({"CreateInstanceSnapshot"}),
            lambda c, n: c.create_instance_snapshot(
                instance_name=n["instance"], instance_snapshot_name="snap-new"
            ),
            _running,
        ),
        Write(
            "DeleteInstance",
            "{instance}",
            frozenset({"DeleteInstance"}),
            lambda c, n: c.delete_instance(n["instance"]),
            _running,
        ),
        Write(
            "DeleteInstanceSnapshot",
            "{snapshot}",
            frozenset({"DeleteInstanceSnapshot"}),
            lambda c, n: c.delete_instance_snapshot(n["snapshot"]),
            _snapshot,
        ),
        Write(
            "StartInstance",
            "{instance}",
            frozenset({"StartInstance"}),
            lambda c, n: c.start_instance(n["instance"]),
            _stopped,
        ),
        Write(
            "StopInstance",
            "{instance}",
            frozenset({"StopInstance"}),
            lambda c, n: c.stop_instance(n["instance"]),
            _running,
        ),
        Write(
            "OpenInstancePublicPorts",
            "{instance}",
            frozenset({"OpenInstancePublicPorts"}),
            lambda c, n: c.open_instance_public_ports(
                n["instance"], PortInfo(from_port=8080, to_port=8081, protocol="tcp")
            ),
            _running,
        ),
        Write(
            "CloseInstancePublicPorts",
            "{instance}",
            frozenset({"CloseInstancePublicPorts"}),
            lambda c, n: c.close_instance_public_ports(
                n["instance"], PortInfo(from_port=22, to_port=22, protocol="tcp")
            ),
            _running,
        ),
        Write(
            "PutInstancePublicPorts",
            "{instance}",
            frozenset({"PutInstancePublicPorts"}),
            lambda c, n: c.put_instance_public_ports(
                n["instance"], [PortInfo(from_port=443, to_port=443, protocol="tcp")]
            ),
            _running,
        ),
    )
}
RECONCILED = sorted(set(WRITES))


@pytest.fixture
async def client(org: Emulator) -> AsyncIterator[LightsailClient]:
    """A client of account A, three attempts per call."""
    async with LightsailClient(
        REGION, endpoint_url=org.endpoint_url, max_attempts=ATTEMPTS, **static_keys(ACCOUNT)
    ) as lightsail:
        yield lightsail


def done(org: Emulator, write: Write, names: dict[str, str]) -> int:
    """How many times the emulator carried ``write`` out."""
    resource = write.resource.format(**names)
    return sum(
        1
        for record in org.state(ACCOUNT.account_id, REGION).operations
        if record.resource_name == resource and record.operation_type in write.types
    )


async def prepare(org: Emulator, client: LightsailClient, write: Write) -> dict[str, str]:
    org.reset()
    names = await write.setup(org, client)
    org.stats.reset()
    return names


def operations_of(result: Any) -> list[Operation]:
    return result if isinstance(result, list) else [result]


@pytest.mark.parametrize("kind", [FaultKind.APPLY_THEN_DROP, FaultKind.APPLY_THEN_FAIL])
@pytest.mark.parametrize("operation", RECONCILED)
async def test_a_write_whose_answer_is_lost_is_sent_once_and_succeeds(
    org: Emulator, client: LightsailClient, operation: str, kind: FaultKind
) -> None:
    """The emulator carries the write out and loses its answer (a reset, or a 500): the
    call returns the write's operations after one send of the write."""
    write = WRITES[operation]
    names = await prepare(org, client, write)
    org.faults.fail_next(operation, 1, kind=kind)
    result = await write.call(client, names)
    assert org.stats.requests[operation] == 1, "writes sent per uncertain write"
    assert done(org, write, names) == 1
    operations = operations_of(result)
    assert operations and all(o.operation_type in write.types for o in operations)
    assert write.resource.format(**names) in {o.resource_name for o in operations}


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.DROP])
@pytest.mark.parametrize("operation", RECONCILED)
async def test_a_write_that_failed_before_taking_effect_is_sent_again_once_read(
    org: Emulator, client: LightsailClient, operation: str, kind: FaultKind
) -> None:
    """A 500 or a reset before the write was carried out: a read shows it was not done,
    and the write is sent again, and carried out once."""
    write = WRITES[operation]
    names = await prepare(org, client, write)
    org.faults.fail_next(operation, 1, kind=kind)
    await write.call(client, names)
    assert org.stats.requests[operation] == 2
    assert done(org, write, names) == 1


@pytest.mark.parametrize("kind", [FaultKind.APPLY_THEN_DROP, FaultKind.SERVER_ERROR])
async def test_an_uncertain_reboot_is_unknown_after_one_send(
    org: Emulator, client: LightsailClient, kind: FaultKind
) -> None:
    """No read tells whether a reboot took effect: an uncertain reboot is not re-sent, and
    is a WriteOutcomeUnknownError that says what to check, from the failure."""
    names = await _running(org, client)
    org.faults.fail_next("RebootInstance", 1, kind=kind)
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        await client.reboot_instance(names["instance"])
    assert org.stats.requests["RebootInstance"] == 1
    assert caught.value.operation == "RebootInstance"
    assert caught.value.resources == (names["instance"],)
    assert "RebootInstance operations" in caught.value.check
    assert isinstance(caught.value.__cause__, LightsailError)


async def test_throttles_of_a_write_are_retried_as_before(
    org: Emulator, client: LightsailClient
) -> None:
    """A throttle says nothing was done: the write is retried at once, with no read."""
    write = WRITES["StopInstance"]
    names = await prepare(org, client, write)
    org.faults.fail_next("StopInstance", ATTEMPTS - 1, kind=FaultKind.THROTTLE)
    await write.call(client, names)
    assert org.stats.requests["StopInstance"] == ATTEMPTS
    assert org.stats.requests["GetInstanceState"] == 0
    assert done(org, write, names) == 1


async def test_an_unknown_outcome_says_what_to_check(
    org: Emulator, client: LightsailClient
) -> None:
    """A create whose name another instance took (another blueprint) cannot be told apart
    from the write's own: WriteOutcomeUnknownError, naming what to check."""
    org.add_instance(ACCOUNT.account_id, REGION, "new-1")
    org.faults.fail_next("CreateInstances", 1, kind=FaultKind.SERVER_ERROR)
    with pytest.raises(WriteOutcomeUnknownError) as caught:
        await WRITES["CreateInstances"].call(client, {})
    assert org.stats.requests["CreateInstances"] == 1
    assert "new-1" in str(caught.value)
    assert "get_instance" in caught.value.check


FAULTS = st.sampled_from(
    [
        None,
        FaultKind.THROTTLE,
        FaultKind.SERVER_ERROR,
        FaultKind.DROP,
        FaultKind.APPLY_THEN_DROP,
        FaultKind.APPLY_THEN_FAIL,
    ]
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operation=st.sampled_from(RECONCILED),
    faults=st.lists(FAULTS, min_size=1, max_size=ATTEMPTS + 2),
)
async def test_any_faults_leave_a_write_done_at_most_once_and_reported_truly(
    org: Emulator, client: LightsailClient, operation: str, faults: list[FaultKind | None]
) -> None:
    """Whatever happens to each send of a write, it is carried out at most once, nothing
    is sent after the send that carried it out, and the call succeeds exactly when the
    write was carried out (else it raises the failure that stopped it)."""
    write = WRITES[operation]
    names = await prepare(org, client, write)
    for fault in faults:
        if fault is None:
            break
        org.faults.fail_next(operation, 1, kind=fault)
    raised: LightsailError | None = None
    try:
        await write.call(client, names)
    except LightsailError as exc:
        raised = exc
    assert not isinstance(raised, WriteOutcomeUnknownError), raised
    failed = raised is not None
    carried_out = done(org, write, names)
    assert carried_out <= 1
    assert failed == (carried_out == 0)
    sent = org.stats.requests[operation]
    applied_at = next(
        (
            i
            for i, f in enumerate([*faults, None][:sent])
            if f is None or f in (FaultKind.APPLY_THEN_DROP, FaultKind.APPLY_THEN_FAIL)
        ),
        None,
    )
    if applied_at is not None:
        assert sent == applied_at + 1, "nothing is sent after the send that carried it out"


# -- what makes a write uncertain, over a hostile server -------------------------------------

INSTANCE = {
    "name": "new-1",
    "blueprintId": "amazon_linux_2023",
    "bundleId": "nano_3_0",
    "location": {"availabilityZone": "eu-west-1a", "regionName": REGION},
}
CREATE: dict[str, Any] = {
    "instance_names": ["new-1"],
    "availability_zone": "eu-west-1a",
    "blueprint_id": "amazon_linux_2023",
    "bundle_id": "nano_3_0",
}


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """The hostile server."""
    async for hostile in hostile_server():
        yield hostile


def created_then(write_answer: Callable[[], Awaitable[web.StreamResponse]]) -> Any:
    """A server whose CreateInstances answers ``write_answer()``, and whose reads show the
    instance created, with its operation."""

    async def handler(request: web.Request) -> web.StreamResponse:
        called = request.headers["X-Amz-Target"].rpartition(".")[2]
        if called == "CreateInstances":
            return await write_answer()
        if called == "GetInstance":
            return lightsail_json({"instance": INSTANCE})
        return lightsail_json(
            {
                "operations": [
                    {"id": "op-1", "resourceName": "new-1", "operationType": "CreateInstance"}
                ]
            }
        )

    return handler


async def _silent() -> web.StreamResponse:
    await asyncio.Event().wait()  # never answers; the client's deadline ends the attempt
    raise AssertionError


async def test_a_write_whose_answer_times_out_is_reconciled(server: Hostile) -> None:
    """An attempt that runs past attempt_timeout after sending a write is uncertain: the
    write is not re-sent, a read shows it took effect, and the call returns its operation."""
    server.handler = created_then(_silent)
    async with LightsailClient(
        REGION, endpoint_url=server.url, attempt_timeout=0.2, **static_keys(ACCOUNT)
    ) as client:
        created = await client.create_instances(**CREATE)
    assert [o.id for o in created] == ["op-1"]
    assert [s.operation for s in server.seen] == [
        "CreateInstances",
        "GetInstance",
        "GetOperationsForResource",
    ]


async def test_a_write_in_doubt_when_call_timeout_passes_is_unknown(server: Hostile) -> None:
    """call_timeout passing while a write's request is unanswered leaves its outcome
    unknown: WriteOutcomeUnknownError, not a timeout that reads as "not done"."""
    server.handler = created_then(_silent)
    async with LightsailClient(
        REGION, endpoint_url=server.url, call_timeout=0.2, **static_keys(ACCOUNT)
    ) as client:
        with pytest.raises(WriteOutcomeUnknownError, match="call_timeout"):
            await client.create_instances(**CREATE)
    assert [s.operation for s in server.seen] == ["CreateInstances"]


async def test_a_write_that_cannot_connect_is_retried_without_reads() -> None:
    """A connection that cannot be made proves the write was never sent: it is retried as
    any call, with no read, and fails as a TransportError."""
    probe = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with LightsailClient(
        REGION,
        endpoint_url=f"http://127.0.0.1:{port}",
        max_attempts=ATTEMPTS,
        **static_keys(ACCOUNT),
    ) as client:
        with pytest.raises(TransportError) as caught:
            await client.create_instances(**CREATE)
    assert not isinstance(caught.value, WriteOutcomeUnknownError)
