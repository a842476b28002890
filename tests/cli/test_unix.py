"""The ``aiolightsail`` command as a Unix tool: streams, widths, pipes, signals, exit statuses.

What depends on the operating system (a pipe's reader going away, SIGINT, a
terminal) is tested on a real subprocess with real pipes and a real
pseudo-terminal; the rest in-process with click's runner. Every server is an
emulator on 127.0.0.1.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import signal
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from aiolightsail import LIGHTSAIL_REGIONS, UnauthenticatedError
from aiolightsail._regions import REGION_PATTERN
from aiolightsail.cli import _app
from aiolightsail.cli._guidance import CREDENTIALS_HINT, credentials_hint, region_problem
from tests.cli.test_listing import EmulatorThread, _accounts, hold_page, invoke, reaped
from tests.cli.test_listing import _parse as _parse_records
from tests.conftest import ACCOUNTS, PAGE_SIZE

#: The CLI as a user starts it.
COMMAND = (sys.executable, "-m", "aiolightsail")
#: An instance name far wider than any terminal.
LONG_NAME = "web-" + "x" * 220 + "-end"
#: ANSI control sequences (colours, cursor moves), to measure what a terminal shows.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's first account's keys in the environment (subprocesses inherit them)."""
    _, key, secret = ACCOUNTS[0]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)


@pytest.fixture
def served(keys: None) -> Iterator[EmulatorThread]:
    """An emulator (5-item pages) with LONG_NAME and four more instances in us-east-1."""
    served = EmulatorThread(_accounts(), page_size=PAGE_SIZE)
    try:
        served.call(served.emulator.add_instance, ACCOUNTS[0][0], "us-east-1", LONG_NAME)
        served.call(served.emulator.seed_instances, ACCOUNTS[0][0], "us-east-1", 4)
        yield served
    finally:
        served.close()


def _requests(served: EmulatorThread) -> int:
    """Every request the emulator received: Lightsail calls, STS calls, refused ones."""
    stats = served.emulator.stats
    return served.call(
        lambda: sum(stats.requests.values()) + stats.sts_requests + stats.auth_failures
    )


def _cli(*args: str, **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``python -m aiolightsail ARGS`` with this process's environment."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    options.update(popen)
    return subprocess.Popen([*COMMAND, *args], env=options.pop("env", dict(os.environ)), **options)


# -- widths: piped rows are one line; a terminal gets a table that fits ------------------------


def test_a_piped_table_row_is_one_line_that_grep_finds(served: EmulatorThread) -> None:
    """Piped into grep, a row 230 columns wide is one line, whole, even with COLUMNS=80."""
    listing = _cli(
        "instances", "-r", "us-east-1", "--endpoint-url", served.url,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert listing.stdout is not None
    grep = subprocess.run(
        ["grep", "--", "-end "], stdin=listing.stdout, capture_output=True, text=True, timeout=60
    )
    listing.stdout.close()
    _, stderr = listing.communicate(timeout=60)
    assert listing.returncode == 0, stderr
    [line] = grep.stdout.splitlines()
    row = served.call(served.emulator.state, ACCOUNTS[0][0], "us-east-1").instances[LONG_NAME]
    name, _account, *rest = line.split()
    assert [name, *rest] == [
        LONG_NAME, "us-east-1", "running", row.public_ip_address,
        row.blueprint.blueprint_id, row.bundle.bundle_id,
    ]  # fmt: skip
    assert len(line) > 230


def _run_on_a_terminal(args: Sequence[str], *, columns: int) -> tuple[int, str, str]:
    """Run the command with stdout on a pseudo-terminal ``columns`` wide: status, stdout, stderr."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    with subprocess.Popen(
        [*COMMAND, *args], stdout=follower, stderr=subprocess.PIPE, env=env
    ) as process:
        os.close(follower)
        shown = bytearray()
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError as exc:  # EIO: the last writer closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            shown += chunk
        os.close(leader)
        _, stderr = process.communicate(timeout=60)
    text = _ANSI.sub("", shown.decode()).replace("\r\n", "\n")
    return process.returncode, text, stderr.decode()


def test_a_terminal_table_fits_the_terminal(keys: None) -> None:
    """On an 80-column terminal the table fits 80 columns: one group per target, values whole."""
    served = EmulatorThread(_accounts(), page_size=PAGE_SIZE)
    try:
        seeded = [
            *served.call(served.emulator.seed_instances, ACCOUNTS[0][0], "us-east-1", 3),
            *served.call(served.emulator.seed_instances, ACCOUNTS[0][0], "eu-west-1", 3),
        ]
        status, shown, stderr = _run_on_a_terminal(
            ["instances", "-r", "us-east-1", "-r", "eu-west-1", "--endpoint-url", served.url],
            columns=80,
        )
    finally:
        served.close()
    assert status == 0, stderr
    lines = shown.splitlines()
    assert max(map(len, lines)) <= 80
    headings = [x for x in lines if re.fullmatch(r"\S+ · (us-east-1|eu-west-1) · 3 instances", x)]
    assert len(headings) == 2
    assert {r.name for r in seeded} <= set(shown.split())
    assert stderr == "6 instances from 2 targets.\n"


# -- streams: data on stdout alone; the rest on stderr; --quiet ---------------------------------


def _parse(output: str, text: str) -> list[dict[str, Any]]:
    """The records of a listing's stdout; for a table, each row's name."""
    if output != "table":
        return _parse_records(output, text)
    header, rule, *rows = text.splitlines()
    assert header.split()[0] == "name" and set(rule.replace(" ", "")) == {"─"}
    return [{"name": row.split()[0]} for row in rows]


@pytest.mark.parametrize("quiet", [False, True])
@pytest.mark.parametrize("output", ["table", "csv", "json", "ndjson"])
def test_stdout_holds_the_data_alone_and_quiet_keeps_only_the_failures(
    keys: None, output: str, quiet: bool
) -> None:
    """stdout parses as the format; stderr has the failure line, and the summary unless -q."""
    served = EmulatorThread(_accounts(frozenset({"ap-east-1"})), page_size=PAGE_SIZE)
    try:
        seeded = served.call(served.emulator.seed_instances, ACCOUNTS[0][0], "us-east-1", 7)
        result = invoke(
            f"instances -r us-east-1 -r ap-east-1 -o {output} {'-q' if quiet else ''}",
            url=served.url,
        )
    finally:
        served.close()
    assert result.exit_code == 1
    assert sorted(r["name"] for r in _parse(output, result.stdout)) == sorted(
        r.name for r in seeded
    )
    summary = [
        *(["7 instances from 1 of 2 targets."] if output == "table" else []),
        "1 of 2 targets failed.",
    ]
    assert result.stderr.splitlines() == [
        "error: default/ap-east-1: RegionNotEnabledError (UnrecognizedClientException): "
        "The security token included in the request is invalid.",
        *([] if quiet else summary),
    ]


# -- a closed pipe: status 0, nothing on stderr ---------------------------------------------------


@pytest.mark.parametrize("output", ["table", "csv", "json", "ndjson"])
def test_a_pipe_closed_before_the_first_write_ends_the_command_quietly(
    served: EmulatorThread, output: str
) -> None:
    """A reader gone before any output: status 0, no traceback, no "Exception ignored"."""
    process = _cli("instances", "-r", "us-east-1", "-o", output, "--endpoint-url", served.url)
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr.decode()) == (0, "")


@pytest.mark.parametrize("output", ["table", "csv", "ndjson"])
def test_head_1_gets_its_line_and_the_command_exits_0(keys: None, output: str) -> None:
    """`aiolightsail ... | head -1`: one line out, status 0, nothing on stderr, the fleet closed."""
    served = EmulatorThread(_accounts(), page_size=100)
    try:
        # Several times what a pipe buffers (64 KiB), so the writer meets the closed pipe.
        served.call(served.emulator.seed_instances, ACCOUNTS[0][0], "us-east-1", 3000)
        listing = _cli("instances", "-r", "us-east-1", "-o", output, "--endpoint-url", served.url)
        assert listing.stdout is not None
        head = subprocess.run(
            ["head", "-n", "1"], stdin=listing.stdout, capture_output=True, timeout=120
        )
        listing.stdout.close()
        _, stderr = listing.communicate(timeout=120)
    finally:
        served.close()
    assert len(head.stdout.splitlines()) == 1
    assert listing.returncode == 0
    # The table is one write: the kernel may take part of it and drop the rest
    # without an error, and then the command ends normally, with its summary.
    assert set(stderr.decode().splitlines()) <= {"3000 instances from 1 target."}


# -- Ctrl-C: what was listed is printed, whole; status 130; one line ---------------------------


@pytest.mark.parametrize("output", ["table", "csv", "json", "ndjson"])
def test_ctrl_c_prints_the_complete_rows_listed_and_exits_130(keys: None, output: str) -> None:
    """SIGINT while a page is awaited: the items listed so far, well-formed; 130; one line."""
    faults, served = hold_page(2)
    try:
        seeded = served.call(
            served.emulator.seed_instances, ACCOUNTS[0][0], "eu-west-1", 4 * PAGE_SIZE
        )
        process = _cli("instances", "-r", "eu-west-1", "-o", output, "--endpoint-url", served.url)
        with reaped(process, faults):
            assert faults.arrived.wait(timeout=60), "the third page was asked for"
            process.send_signal(signal.SIGINT)
            # The held page is never answered: ending proves nothing waited for it.
            stdout, stderr = process.communicate(timeout=60)
    finally:
        served.close()
    assert process.returncode == 130
    [line] = stderr.decode().splitlines()
    assert re.fullmatch(r"Interrupted: \d+ instances listed, 0 of 1 targets complete\.", line)
    names = [r["name"] for r in _parse(output, stdout.decode())]
    # The first page was consumed before the third was asked for; the third never came.
    assert PAGE_SIZE <= len(names) <= 2 * PAGE_SIZE
    assert set(names) <= {r.name for r in seeded[: 2 * PAGE_SIZE]}
    assert stdout.endswith(b"\n")


# -- the emulator on a busy port ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [(*COMMAND, "emulator"), (sys.executable, "-m", "aiolightsail.emulator")]
)
def test_the_emulator_on_a_busy_port_says_so_in_one_line(command: tuple[str, ...]) -> None:
    """A port already bound: one line naming the port and the cause, status 1, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*command, "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(another emulator? --port 0 picks a free port)\n"
    )


# -- regions: a typo is a usage error before any request ---------------------------------------


@pytest.fixture
def counted(keys: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorThread]:
    """An emulator that AWS_ENDPOINT_URL sends every request to (no --endpoint-url given)."""
    served = EmulatorThread(_accounts())
    monkeypatch.setenv("AWS_ENDPOINT_URL", served.url)
    try:
        yield served
    finally:
        served.close()


@pytest.mark.parametrize(
    "command",
    ["instances -r eu-wset-1", "instances -r us-east-1 -r eu-wset-1", "stop web-1 -r eu-wset-1"],
)
def test_a_mistyped_region_is_a_usage_error_before_any_request(
    counted: EmulatorThread, command: str
) -> None:
    """`-r eu-wset-1` suggests eu-west-1 and exits 2 with nothing sent; eu-west-1 itself is sent."""
    result = invoke(command)
    assert result.exit_code == 2
    assert "eu-wset-1 is not a Lightsail region; did you mean eu-west-1?" in result.stderr
    assert result.stdout == ""
    assert _requests(counted) == 0
    assert invoke(command.replace("eu-wset-1", "eu-west-1")).exit_code in (0, 1)
    assert _requests(counted) > 0


def test_an_unknown_region_is_sent_only_to_an_explicit_endpoint(counted: EmulatorThread) -> None:
    """A well-formed region newer than the catalogue needs --endpoint-url, which then gets it."""
    refused = invoke("instances -r xx-new-1")
    assert refused.exit_code == 2
    assert "xx-new-1 is not a Lightsail region (they are ap-east-1," in refused.stderr
    assert "a region newer than this aiolightsail needs --endpoint-url" in refused.stderr
    assert _requests(counted) == 0
    invoke("instances -r xx-new-1", url=counted.url)
    assert _requests(counted) > 0


@given(region=st.sampled_from(LIGHTSAIL_REGIONS), data=st.data())
def test_a_region_one_edit_away_is_refused_with_a_real_region_offered(
    region: str, data: st.DataObject
) -> None:
    """Any one-character typo of a region is refused, offering a region of the catalogue."""
    at = data.draw(st.integers(0, len(region) - 1))
    edit = data.draw(st.sampled_from(["delete", "replace", "swap"]))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz-0123456789"))
    if edit == "delete":
        typo = region[:at] + region[at + 1 :]
    elif edit == "replace":
        typo = region[:at] + letter + region[at + 1 :]
    else:
        typo = region[:at] + region[at + 1 : at + 2] + region[at] + region[at + 2 :]
    problem = region_problem(typo, endpoint_url=None)
    if typo in LIGHTSAIL_REGIONS:
        assert problem is None
        return
    assert problem is not None
    offered = re.fullmatch(
        rf"{re.escape(typo)} is not a Lightsail region; did you mean (.+)\?", problem
    )
    assert offered is not None and offered[1] in LIGHTSAIL_REGIONS
    if REGION_PATTERN.fullmatch(typo):
        assert region_problem(typo, endpoint_url="http://127.0.0.1:4570") is None


# -- no credentials: where they come from -------------------------------------------------------


def _no_aws_env(home: Path) -> dict[str, str]:
    """An environment with nothing AWS can read credentials from: an empty HOME, no AWS_*."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.mark.parametrize("quiet", [False, True])
def test_no_credentials_says_where_they_come_from(tmp_path: Path, quiet: bool) -> None:
    """With no credentials anywhere, the failure line is followed by the hint (not with -q)."""
    served = EmulatorThread(_accounts())
    try:
        result = subprocess.run(
            [*COMMAND, "instances", "-r", "eu-west-1", "--endpoint-url", served.url,
             *(["-q"] if quiet else [])],
            capture_output=True, text=True, timeout=60, env=_no_aws_env(tmp_path),
        )  # fmt: skip
        assert _requests(served) == 0
    finally:
        served.close()
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "error: default/eu-west-1: UnauthenticatedError (NoCredentials): "
        "Unable to locate credentials"
    )
    if quiet:
        assert lines == lines[:1]
        return
    assert CREDENTIALS_HINT in result.stderr
    for where in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "--profile", "AWS_PROFILE",
        "~/.aws/credentials", "~/.aws/config", "aws configure", "aws sso login",
        "aiolightsail emulator", "--endpoint-url",
    ):  # fmt: skip
        assert where in CREDENTIALS_HINT


def test_an_action_without_credentials_gives_the_hint_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`aiolightsail stop` with no credentials: the error line, then the hint; status 1."""
    for name, value in _no_aws_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    served = EmulatorThread(_accounts())
    try:
        result = invoke("stop web-1 -r eu-west-1", url=served.url)
    finally:
        served.close()
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: UnauthenticatedError (NoCredentials): Unable to locate credentials\nhint: "
    )
    assert CREDENTIALS_HINT in result.stderr


def test_the_hint_is_only_for_missing_credentials() -> None:
    """Credentials that the service refused are not "not found": no hint."""
    refused = UnauthenticatedError("bad signature", code="SignatureDoesNotMatch")
    missing = UnauthenticatedError("Unable to locate credentials", code="NoCredentials")
    assert credentials_hint([refused]) is None
    assert credentials_hint([refused, missing]) == CREDENTIALS_HINT


def test_interrupted_elsewhere_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C outside a listing's own handling (here: reading the config) is 130, not "Aborted!"."""

    def interrupted() -> set[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(_app, "_known_profiles", interrupted)
    result = CliRunner().invoke(_app.cli, ["instances", "-r", "eu-west-1"])
    assert (result.exit_code, result.stderr) == (130, "Interrupted.\n")
