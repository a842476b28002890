"""``aiolightsail start|stop|reboot`` and ``aiolightsail watch`` against the emulator over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aiolightsail import Fleet
from aiolightsail.cli._emulator import emulator_command
from aiolightsail.emulator import Clock, Emulator, Timings
from tests.cli.test_listing import EmulatorThread, _accounts, invoke, write_aws_files
from tests.conftest import ACCOUNTS

A, B = ACCOUNTS[0][0], ACCOUNTS[1][0]


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS config files: the ``default`` profile is account A, ``acct-b`` account B."""
    write_aws_files(tmp_path, monkeypatch, region_b="us-east-1")


@pytest.fixture
def served(aws_files: None) -> Iterator[EmulatorThread]:
    """An emulator in a thread whose transitions take no time, with web-1 running in account A
    (ap-east-1 is not enabled for any account)."""
    accounts = _accounts(frozenset({"ap-east-1"}))
    served = EmulatorThread(accounts, clock=Clock.manual(), timings=Timings.uniform(0))
    try:
        served.call(served.emulator.add_instance, A, "us-east-1", "web-1")
        yield served
    finally:
        served.close()


def _state(served: EmulatorThread, name: str = "web-1") -> str:
    def read() -> str:
        emulator = served.emulator
        return emulator.state(A).get_instance(name).state_name(emulator.clock.now())

    return served.call(read)


def test_stop_and_wait(served: EmulatorThread) -> None:
    """`stop NAME -r R --wait` prints the operation, waits, and says the instance is stopped."""
    result = invoke("stop web-1 -r us-east-1 --wait", url=served.url)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("StopInstance web-1: Succeeded (operation ")
    assert lines[-1] == "web-1 is stopped"
    assert _state(served) == "stopped"


def test_start_and_reboot(served: EmulatorThread) -> None:
    """`start` a stopped instance and `reboot` it, with and without --wait."""
    assert invoke("stop web-1 -r us-east-1", url=served.url).exit_code == 0
    started = invoke("start web-1 -r us-east-1 --wait", url=served.url)
    rebooted = invoke("reboot web-1 --region us-east-1", url=served.url)
    assert started.exit_code == 0, started.stderr
    assert started.stdout.splitlines()[-1] == "web-1 is running"
    assert rebooted.exit_code == 0, rebooted.stderr
    assert rebooted.stdout.startswith("RebootInstance web-1: Succeeded")
    assert _state(served) == "running"


def test_a_refused_action_is_one_line_on_stderr(served: EmulatorThread) -> None:
    """Starting a running instance fails with exit status 1 and the service's reason."""
    result = invoke("start web-1 -r us-east-1", url=served.url)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: InvalidInputError (InvalidInputException): ")
    assert "is running" in result.stderr


def test_a_failed_operation_fails_the_wait(served: EmulatorThread) -> None:
    """An operation that ends Failed makes `stop --wait` exit 1 naming its error code."""
    served.call(served.emulator.faults.fail_operations, "StopInstance", error_code="Stuck")
    result = invoke("stop web-1 -r us-east-1 --wait", url=served.url)
    assert result.exit_code == 1
    assert "WaitFailedError" in result.stderr and "Stuck" in result.stderr


@pytest.mark.parametrize(
    "args", ["stop web-1", "stop -r us-east-1", "stop web-1 -r us-east-1 --timeout 0"]
)
def test_usage_errors(args: str) -> None:
    """A missing region or name, or a non-positive timeout, is a usage error (exit 2)."""
    assert invoke(args).exit_code == 2


class SteppingTimer:
    """A watch timer that runs ``between(n)`` when sweep ``n`` ends, instead of sleeping."""

    def __init__(self, between: Any) -> None:
        self.between = between
        self.sweeps = 0
        self.time = 0.0

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sweeps += 1
        self.between(self.sweeps)
        self.time += seconds


def test_watch_writes_ndjson_changes(
    served: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Piped, `watch` writes every instance as added, then each change as it is seen."""
    served.call(served.emulator.add_instance, B, "us-east-1", "db-1")

    def between(sweep: int) -> None:
        if sweep == 1:
            served.call(served.emulator.add_instance, A, "us-east-1", "web-2")
            served.call(served.emulator.state(B).remove_instance, "db-1")

    monkeypatch.setattr(Fleet, "_timer", SteppingTimer(between))
    result = invoke(
        "watch --profile default --profile acct-b -r us-east-1 --sweeps 2 --interval 0",
        url=served.url,
    )
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    summary = [(e["kind"], e["name"], e["changed"]) for e in events]
    assert sorted(summary[:2]) == [("added", "db-1", []), ("added", "web-1", [])]
    assert sorted(summary[2:]) == [("added", "web-2", []), ("removed", "db-1", [])]
    # The account column holds account ids, as the listings' does, not profile names.
    assert {e["account"] for e in events} == {A, B}
    assert all(e["region"] == "us-east-1" and e["arn"] for e in events)


def test_watch_table_and_a_failing_target(served: EmulatorThread) -> None:
    """`watch -o table` shows the instances; a target that fails is one line on stderr, exit 1."""
    result = invoke(
        "watch --profile default -r us-east-1 -r ap-east-1 --sweeps 1 -o table", url=served.url
    )
    assert result.exit_code == 1
    assert "web-1" in result.stdout and "1 instances in 2 targets" in result.stdout
    assert result.stderr.count("error: ") == 1
    assert "default/ap-east-1" in result.stderr


def test_emulator_state_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """`aiolightsail emulator --state-delay 2` makes every transition take 2 seconds."""
    built: list[Emulator] = []

    async def serve(emulator: Emulator, **_: object) -> None:
        built.append(emulator)

    monkeypatch.setattr("aiolightsail.cli._emulator._serve", serve)
    result = CliRunner().invoke(emulator_command, ["--state-delay", "2", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert built[0].timings == Timings.uniform(2)
