"""A bot's whole day against the emulator with short transitions, every state checked on the way.

The watch over two accounts (exact events; none for bad credentials or a
throttled listing) is in ``tests/test_watch.py``
(``test_a_watch_over_two_accounts_sees_exactly_what_happened``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import aiolightsail as al
from aiolightsail import InstanceStateName as State
from aiolightsail import LightsailClient, OperationStatus, PortInfo
from aiolightsail.emulator import Clock, Emulator, Timings

DELAY = 5.0


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """An emulator whose every transition takes 5 emulated seconds, on a manual clock."""
    async with Emulator(clock=Clock.manual(), timings=Timings.uniform(DELAY)) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[LightsailClient]:
    """The default account's client in us-east-1, its waits pausing on the emulator's clock."""
    account = emulator.default_account
    async with LightsailClient(
        "us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
    ) as opened:
        opened._timer = emulator.clock
        yield opened


async def _state(client: LightsailClient) -> str | None:
    return (await client.get_instance_state("bot-1")).name


async def test_create_stop_start_reboot_ports_snapshot_delete(
    emulator: Emulator, client: LightsailClient
) -> None:
    """create → wait running → stop → wait stopped → start → reboot → open and replace ports →
    snapshot → wait available → delete → wait deleted, with each state and operation status."""
    created = await client.create_instances(
        instance_names=["bot-1"],
        availability_zone="us-east-1a",
        blueprint_id="ubuntu_24_04",
        bundle_id="nano_3_0",
    )
    assert [o.status for o in created] == [OperationStatus.STARTED]
    assert await _state(client) == State.PENDING
    running = await client.wait_for_instance_state("bot-1", State.RUNNING)
    assert running.state is not None and running.state.name is State.RUNNING
    (create_done,) = await client.wait_for_operations(created)
    assert create_done.status is OperationStatus.SUCCEEDED and create_done.is_terminal

    stopping = await client.stop_instance("bot-1")
    assert [(o.operation_type, o.status) for o in stopping] == [
        ("StopInstance", OperationStatus.STARTED)
    ]
    assert await _state(client) == State.STOPPING
    await client.wait_for_instance_state("bot-1", State.STOPPED)
    assert (await client.get_operation(str(stopping[0].id))).status is OperationStatus.SUCCEEDED

    starting = await client.start_instance("bot-1")
    assert await _state(client) == State.PENDING
    (started,) = await client.wait_for_operations(starting)
    assert started.status is OperationStatus.SUCCEEDED
    assert await _state(client) == State.RUNNING

    (rebooted,) = await client.reboot_instance("bot-1")
    assert rebooted.status is OperationStatus.SUCCEEDED and rebooted.is_terminal
    assert await _state(client) == State.REBOOTING
    await client.wait_for_instance_state("bot-1", State.RUNNING)

    opened = await client.open_instance_public_ports(
        "bot-1", PortInfo(from_port=443, to_port=443, protocol="tcp")
    )
    assert opened.status is OperationStatus.SUCCEEDED
    ports = {(p.from_port, p.protocol) for p in await client.get_instance_port_states("bot-1")}
    assert (443, "tcp") in ports
    replaced = await client.put_instance_public_ports(
        "bot-1", [PortInfo(from_port=22, to_port=22, protocol="tcp", cidrs=["203.0.113.0/24"])]
    )
    assert replaced.status is OperationStatus.SUCCEEDED
    (only,) = await client.get_instance_port_states("bot-1")
    assert (only.from_port, only.cidrs, only.ipv6_cidrs) == (22, ("203.0.113.0/24",), ())

    snapshotting = await client.create_instance_snapshot(
        instance_name="bot-1", instance_snapshot_name="bot-1-snap"
    )
    assert {o.status for o in snapshotting} == {OperationStatus.STARTED}
    assert (
        await client.get_instance_snapshot("bot-1-snap")
    ).state is al.InstanceSnapshotState.PENDING
    snapshot = await client.wait_for_instance_snapshot("bot-1-snap")
    assert snapshot.state is al.InstanceSnapshotState.AVAILABLE
    assert {o.status for o in await client.wait_for_operations(snapshotting)} == {
        OperationStatus.SUCCEEDED
    }

    (deleted,) = await client.delete_instance("bot-1")
    assert deleted.status is OperationStatus.SUCCEEDED
    await client.wait_until_instance_deleted("bot-1")
    with pytest.raises(al.NotFoundError):
        await client.get_instance("bot-1")

    history = [o.operation_type async for o in client.iter_operations_for_resource("bot-1")]
    assert history == [
        "CreateInstance",
        "StopInstance",
        "StartInstance",
        "RebootInstance",
        "OpenInstancePublicPorts",
        "PutInstancePublicPorts",
        "CreateInstanceSnapshot",
        "DeleteInstance",
    ]


async def test_a_wait_that_cannot_finish_raises_in_its_timeout(
    emulator: Emulator, client: LightsailClient
) -> None:
    """Waiting for a running instance to stop, with nobody stopping it, raises WaitTimeoutError
    when the timeout has passed on the clock, carrying the instance as last seen."""
    emulator.add_instance(None, "us-east-1", "bot-1")
    started = emulator.clock.now()
    with pytest.raises(al.WaitTimeoutError) as caught:
        await client.wait_for_instance_state("bot-1", State.STOPPED, timeout=30)
    assert emulator.clock.now() - started == 30
    assert isinstance(caught.value.last, al.Instance)
