"""The framework-free polling example, against the emulator."""

from __future__ import annotations

import io
import json
import logging

import pytest

from aiolightsail import Fleet, Target
from aiolightsail.emulator import Emulator, FaultKind
from examples.poller import run
from tests.conftest import ACCOUNTS, keys

A, B = ACCOUNTS[0][0], ACCOUNTS[1][0]


class Between:
    """The fleet's timer: the emulator's clock, with ``change()`` run at the first pause."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.pauses = 0

    def now(self) -> float:
        return self.emulator.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.pauses += 1
        if self.pauses == 1:
            state_a, state_b = self.emulator.state(A), self.emulator.state(B)
            state_a.remove_instance("web-2")
            state_b.remove_instance("db-2")
            # One target at a time (concurrency=1): A's page is the next GetInstances.
            self.emulator.faults.fail_next("GetInstances", 1, FaultKind.THROTTLE)
        await self.emulator.clock.sleep(seconds)


async def test_the_poller_keeps_the_inventory_and_logs_changes(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Sweep 1 writes every instance as added; in sweep 2 a throttled target reports nothing and
    keeps its instances (no false removal) while the other's removal is written; the throttled
    target is logged as failing, and recovers in sweep 3 with what it missed."""
    emulator.add_instance(A, "us-east-1", "web-1")
    emulator.add_instance(A, "us-east-1", "web-2")
    emulator.add_instance(B, "us-east-1", "db-1")
    emulator.add_instance(B, "us-east-1", "db-2")
    url = emulator.endpoint_url
    a = Target("us-east-1", endpoint_url=url, **keys(0))
    b = Target("us-east-1", endpoint_url=url, **keys(1))
    out = io.StringIO()
    async with Fleet([a, b], concurrency=1, max_attempts=1) as fleet:
        fleet._timer = Between(emulator)
        with caplog.at_level(logging.INFO, logger="poller"):
            inventory = await run(fleet, interval=60, out=out, max_sweeps=3)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    by_sweep = {
        sweep: {(x["name"], x["kind"]) for x in lines if x["sweep"] == sweep} for sweep in (1, 2, 3)
    }
    messages = [r.getMessage() for r in caplog.records]
    assert by_sweep[1] == {(n, "added") for n in ("web-1", "web-2", "db-1", "db-2")}
    assert by_sweep[2] == {("db-2", "removed")}
    assert by_sweep[3] == {("web-2", "removed")}
    assert any(m.startswith(f"{a.label} is failing: ThrottlingException") for m in messages)
    assert f"{a.label} recovered" in messages
    assert sorted(str(i.name) for i in inventory.instances.values()) == ["db-1", "web-1"]
