"""One CLI: every command's ``-q``, one way to find the region, ``--output aws`` as the AWS
CLI prints it, a piped ``watch`` that says which sweep saw what and what it was before, and
waiter timeouts that say how things stood.

Each runs the real command in a subprocess (``python -m aiolightsail``), against an
emulator on 127.0.0.1 in a thread; the AWS CLI (the ``dev`` extra installs it) is the
reference for ``--output aws``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from aiolightsail.cli import _app
from aiolightsail.emulator import Clock, FaultKind, Faults, ServiceError, Timings
from tests.cli.test_listing import EmulatorThread, _accounts, write_aws_files
from tests.cli.test_unix import _run_on_a_terminal
from tests.conftest import ACCOUNTS, PAGE_SIZE

A, B = ACCOUNTS[0][0], ACCOUNTS[1][0]
#: The CLI as a user starts it.
COMMAND = (sys.executable, "-m", "aiolightsail")


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS config files: ``default`` is account A in us-east-1, ``acct-b`` account B in
    eu-west-1 (subprocesses inherit the environment naming them)."""
    write_aws_files(tmp_path, monkeypatch, region_b="eu-west-1")


@pytest.fixture
def served(aws_files: None) -> Iterator[EmulatorThread]:
    """An emulator whose transitions take no time: web-1 running in account A in us-east-1
    and in eu-west-1, db-1 in account B in eu-west-1."""
    served = EmulatorThread(
        _accounts(), page_size=PAGE_SIZE, clock=Clock.manual(), timings=Timings.uniform(0)
    )
    try:
        served.call(served.emulator.add_instance, A, "us-east-1", "web-1")
        served.call(served.emulator.add_instance, A, "eu-west-1", "web-1")
        served.call(served.emulator.add_instance, B, "eu-west-1", "db-1")
        yield served
    finally:
        served.close()


def run(args: Sequence[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m aiolightsail ARGS`` with this environment plus ``env``."""
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def run_then_close(served: EmulatorThread, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Add account A's web-1 (running) in us-east-1, run the command against the emulator,
    and stop the emulator."""
    try:
        served.call(served.emulator.add_instance, A, "us-east-1", "web-1")
        return run([*args, "--endpoint-url", served.url])
    finally:
        served.close()


def _state(served: EmulatorThread, region: str, account: str = A, name: str = "web-1") -> str:
    def read() -> str:
        emulator = served.emulator
        return emulator.state(account, region).get_instance(name).state_name(emulator.clock.now())

    return served.call(read)


# -- -q --------------------------------------------------------------------------------


def test_every_command_says_what_q_does_and_the_top_help_says_which_take_it() -> None:
    """Every listing, watch and action offers -q with its meaning; demo and emulator do not,
    and the top-level help names exactly the commands that do."""
    runner = CliRunner()
    top = runner.invoke(_app.cli, ["--help"]).output
    assert "every command but demo and emulator takes it" in " ".join(top.split())
    for command in ("instances", "blueprints", "snapshots", "watch", "start", "stop", "reboot"):
        shown = runner.invoke(_app.cli, [command, "--help"]).output
        assert "-q, --quiet" in shown, command
    for command in ("demo", "emulator"):
        assert "--quiet" not in runner.invoke(_app.cli, [command, "--help"]).output


@pytest.mark.parametrize("wait", [[], ["--wait"]])
def test_q_makes_an_action_print_nothing_but_errors(
    served: EmulatorThread, wait: list[str]
) -> None:
    """`stop -q` prints nothing when it works (the state changes all the same), and its
    error line when it does not."""
    url = ["--endpoint-url", served.url]
    done = run(["stop", "web-1", "-r", "us-east-1", "-q", *wait, *url])
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert _state(served, "us-east-1") == "stopped"
    refused = run(["stop", "web-9", "-r", "us-east-1", "-q", *url])
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: NotFoundError")


def test_q_keeps_a_watch_to_its_failure_lines(served: EmulatorThread, tmp_path: Path) -> None:
    """`watch -q` without credentials reports the failing target but not the hint."""
    env = {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    args = ["watch", "-r", "us-east-1", "--sweeps", "1", "--endpoint-url", served.url]
    loud, quiet = run(args, **env), run([*args, "-q"], **env)
    assert loud.returncode == quiet.returncode == 1
    assert "hint: no AWS credentials were found" in loud.stderr
    assert "hint:" not in quiet.stderr
    assert [x for x in quiet.stderr.splitlines() if x.startswith("error: ")] == [
        x for x in loud.stderr.splitlines() if x.startswith("error: ")
    ]


# -- one region rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "profile", "region"),
    [
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, [], "eu-west-1"),
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}, [], "eu-west-1"),
        ({}, [], "us-east-1"),  # the default profile's region
        ({}, ["--profile", "acct-b"], "eu-west-1"),  # acct-b's region
    ],
)
def test_actions_find_the_region_as_the_listings_do(
    served: EmulatorThread, env: dict[str, str], profile: list[str], region: str
) -> None:
    """Without --region, an action and a listing query the same configured region:
    AWS_REGION, then AWS_DEFAULT_REGION, then the profile's."""
    url = ["--endpoint-url", served.url]
    listed = run(["instances", "-o", "json", *profile, *url], **env)
    assert listed.returncode == 0, listed.stderr
    assert {item["region"] for item in json.loads(listed.stdout)} == {region}
    name = "db-1" if profile else "web-1"
    account = B if profile else A
    stopped = run(["stop", name, *profile, *url], **env)
    assert stopped.returncode == 0, stopped.stderr
    assert _state(served, region, account, name) == "stopped"


def test_an_action_with_no_region_anywhere_is_the_listings_usage_error(
    tmp_path: Path,
) -> None:
    """No --region and none configured: the same usage error (status 2) for both."""
    env = {"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_DEFAULT_REGION": ""}
    listing, action = run(["instances"], **env), run(["stop", "web-1"], **env)
    assert listing.returncode == action.returncode == 2
    assert "no region to query" in listing.stderr and "no region to query" in action.stderr


# -- --output aws ---------------------------------------------------------------------------

#: Each listing and the AWS CLI command whose output it matches.
AWS_COMMANDS = {
    "instances": ("get-instances", "instances"),
    "snapshots": ("get-instance-snapshots", "instanceSnapshots"),
    "blueprints": ("get-blueprints", "blueprints"),
}


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is in the dev extra")
@pytest.mark.parametrize("kind", sorted(AWS_COMMANDS))
def test_output_aws_is_what_aws_lightsail_prints(
    served: EmulatorThread, kind: str, tmp_path: Path
) -> None:
    """`-o aws` prints the document `aws lightsail` prints: the same wrapper, the same
    camelCase members with the same values, the same timestamps (AWS CLI v2's default
    ISO 8601, which v1 prints with cli_timestamp_format; TZ=UTC), all pages."""
    config = tmp_path / "aws-cli-config"
    config.write_text("[default]\ncli_timestamp_format = iso8601\n")
    served.call(served.emulator.seed_instances, A, "us-east-1", 2 * PAGE_SIZE + 1)
    served.call(served.emulator.seed_snapshots, A, "us-east-1", PAGE_SIZE + 2)
    operation, wrapper = AWS_COMMANDS[kind]
    key = "blueprintId" if kind == "blueprints" else "name"
    theirs = subprocess.run(
        ["aws", "lightsail", operation, "--endpoint-url", served.url, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "AWS_CONFIG_FILE": str(config),
            "AWS_DEFAULT_REGION": "us-east-1",
            "TZ": "UTC",
        },
        check=True,
    )
    ours = run([kind, "-r", "us-east-1", "-o", "aws", "--endpoint-url", served.url])
    assert ours.returncode == 0, ours.stderr
    expected, got = json.loads(theirs.stdout), json.loads(ours.stdout)
    assert list(got) == [wrapper] == list(expected)
    assert len(got[wrapper]) > PAGE_SIZE  # more than one page
    assert sorted(got[wrapper], key=lambda item: item[key]) == sorted(
        expected[wrapper], key=lambda item: item[key]
    )


# -- watch, piped --------------------------------------------------------------------------


@attrs.define(kw_only=True)
class _StopBeforeSweep2(Faults):
    """Faults that make account A's web-1 in us-east-1 stopped when its second listing
    (sweep 2) arrives, before it is answered."""

    stop: Any
    calls: int = 0

    def decide(self, operation: str) -> FaultKind | ServiceError | None:
        if operation == "GetInstances":
            self.calls += 1
            if self.calls == 2:
                self.stop()
        return super().decide(operation)


def test_piped_watch_says_the_sweep_and_the_old_values(aws_files: None) -> None:
    """Each NDJSON change carries the sweep that saw it, and a change carries the changed
    attributes' values before it."""
    box: list[EmulatorThread] = []

    def stop() -> None:
        record = box[0].emulator.state(A, "us-east-1").get_instance("web-1")
        record.forced_state = "stopped"
        record.invalidate()

    served = EmulatorThread(
        _accounts(), clock=Clock.manual(), timings=Timings.uniform(0),
        faults=_StopBeforeSweep2(stop=stop),
    )  # fmt: skip
    box.append(served)
    result = run_then_close(
        served, ["watch", "-r", "us-east-1", "--sweeps", "2", "--interval", "0"]
    )
    assert result.returncode == 0, result.stderr
    added, changed = (json.loads(line) for line in result.stdout.splitlines())
    assert (added["kind"], added["sweep"], added["changed"], added["before"]) == (
        "added", 1, [], {},
    )  # fmt: skip
    # Stopped, it has no public IP any more (dynamic addresses, as on Lightsail).
    assert (changed["kind"], changed["sweep"], changed["changed"]) == (
        "changed", 2, ["public_ip_address", "state"],
    )  # fmt: skip
    assert changed["before"] == {
        "public_ip_address": added["public_ip_address"],
        "state": {"code": 16, "name": "running"},
    }
    assert added["public_ip_address"] and changed["public_ip_address"] is None
    assert changed["state"] == {"code": 80, "name": "stopped"}


# -- waiters' timeouts -----------------------------------------------------------------------


def test_a_wait_that_times_out_says_how_things_stood(aws_files: None) -> None:
    """`stop --wait --timeout 10` on an instance whose stop takes 30 s (on a clock that does
    not move, so the wait cannot end) says the operation is still Started after 10 s, with
    status 1. (10 s, not less: the limit also bounds opening the client and the stop.)"""
    served = EmulatorThread(_accounts(), clock=Clock.manual(), timings=Timings.uniform(30))
    result = run_then_close(
        served, ["stop", "web-1", "-r", "us-east-1", "--wait", "--timeout", "10"]
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: WaitTimeoutError: operation ")
    assert line.endswith(": still Started after 10 s")


# -- tables: Ctrl-C while drawing, and watch at 80 columns ------------------------------------


def test_ctrl_c_while_a_table_is_drawn_prints_every_row(aws_files: None) -> None:
    """SIGINT once the table has begun (its header is out) and while it is still being
    drawn (3,000 rows are far more than a pipe holds, and the pipe is not read): every row
    is printed, then the interruption's line, status 130."""
    served = EmulatorThread(_accounts(), clock=Clock.manual())
    try:
        seeded = served.call(served.emulator.seed_instances, A, "us-east-1", 3000)
        with subprocess.Popen(
            [*COMMAND, "instances", "-r", "us-east-1", "--endpoint-url", served.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            header = process.stdout.readline()
            process.send_signal(signal.SIGINT)
            # Read on through the same buffered reader (what it holds is stdout too);
            # stderr holds one line, so reading them in turn cannot block.
            rest, stderr = process.stdout.read(), process.stderr.read()
            process.wait(timeout=120)
    finally:
        served.close()
    assert header.split()[:3] == [b"name", b"account", b"region"]
    assert process.returncode == 130
    assert stderr.decode().splitlines()[-1] == (
        "Interrupted: 3000 instances listed, 1 of 1 targets complete."
    )
    shown = set(rest.decode().split())
    assert {record.name for record in seeded} <= shown


def test_watch_fits_80_columns_without_cutting_ids_regions_or_states(aws_files: None) -> None:
    """On an 80-column terminal `watch` groups its table by target: every line fits, and
    the account ids, regions, names and states are whole."""
    served = EmulatorThread(_accounts(), clock=Clock.manual())
    try:
        for region in ("us-east-1", "ap-southeast-2"):
            served.call(served.emulator.seed_instances, A, region, 3)
        served.call(served.emulator.add_instance, A, "us-east-1", "off-1", state="stopped")
        status, shown, stderr = _run_on_a_terminal(
            ["watch", "-r", "us-east-1", "-r", "ap-southeast-2", "--sweeps", "1",
             "--endpoint-url", served.url],
            columns=80,
        )  # fmt: skip
    finally:
        served.close()
    assert status == 0, stderr
    lines = shown.splitlines()
    assert max(map(len, lines)) <= 80
    assert f"{A} · us-east-1 · 4 instances" in lines
    assert f"{A} · ap-southeast-2 · 3 instances" in lines
    words = set(shown.split())
    assert {"off-1", "stopped", "running"} <= words
