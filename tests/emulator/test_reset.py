"""Emulator.reset(): back to how it was built, still serving at the same address."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from aiolightsail.emulator import Clock, Emulator, FaultKind, Faults, Timings
from tests.emulator.helpers import PAGE_SIZE, ClientFactory, call


async def test_reset_forgets_everything_since_construction(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    """After reset the same server has no resources, added accounts, sessions, faults or counts."""
    url, start = emulator.endpoint_url, emulator.clock.now()
    emulator.seed_demo()
    role = f"arn:aws:iam::{emulator.default_account.account_id}:role/inventory"
    assumed = await call(make_client("sts"), "assume_role", RoleArn=role, RoleSessionName="sweep")
    emulator.faults.fail_next("GetInstances", 3, FaultKind.THROTTLE)
    emulator.faults.throttle_rate = 1.0
    emulator.clock.advance(600)
    emulator.page_size = 1
    emulator.timings = Timings(instance_boot=1.0)

    emulator.reset()
    counted = (emulator.stats.total_requests, emulator.stats.sts_requests)
    listed = await call(make_client(), "get_instances")
    session = assumed["Credentials"]
    with pytest.raises(ClientError) as caught:
        await call(
            make_client(
                aws_access_key_id=session["AccessKeyId"],
                aws_secret_access_key=session["SecretAccessKey"],
                aws_session_token=session["SessionToken"],
            ),
            "get_instances",
        )

    assert emulator.endpoint_url == url
    assert listed["instances"] == []
    assert emulator.state(region="eu-west-1").instances == {}
    assert list(emulator.accounts) == [emulator.default_account.account_id]
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert emulator.faults.pending("GetInstances") == 0
    assert emulator.faults.throttle_rate == 0.0
    assert emulator.clock.now() == start
    assert emulator.page_size == PAGE_SIZE
    assert emulator.timings == Timings()
    assert counted == (0, 0)


def test_reset_restores_the_fault_plan_and_its_draws() -> None:
    """reset() brings back the fault plan given at construction, its random draws restarted."""
    emulator = Emulator(faults=Faults(throttle_rate=0.5, seed=7))
    first = [emulator.faults.decide("GetInstances") for _ in range(20)]
    emulator.faults.clear()

    emulator.reset()
    again = [emulator.faults.decide("GetInstances") for _ in range(20)]

    assert again == first
    assert set(first) == {None, FaultKind.THROTTLE}


def test_reset_emulator_seeds_as_a_new_one() -> None:
    """After reset, seeding gives the same instances as a new emulator with the same seed."""
    used = Emulator(clock=Clock.manual(), seed=3)
    used.seed_instances(count=5)
    used.reset()
    new = Emulator(clock=Clock.manual(), seed=3)

    assert used.seed_instances(count=5) == new.seed_instances(count=5)


def test_clock_reset_undoes_every_advance() -> None:
    """A manual clock is back at its start after reset(), and moves on from there."""
    clock = Clock.manual(start=1000.0)
    clock.advance(30)
    clock.advance(12.5)

    clock.reset()
    at_reset = clock.now()
    clock.advance(1)

    assert (at_reset, clock.now()) == (1000.0, 1001.0)
