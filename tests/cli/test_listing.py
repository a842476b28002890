"""The ``aiolightsail`` command, end to end against the emulator over HTTP.

The command runs its own ``asyncio.run``, so these tests are synchronous and
the emulator serves from its own event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs
import pytest
from click.testing import CliRunner, Result

import aiolightsail as al
from aiolightsail import _logging
from aiolightsail._botocore import _sessions as _session
from aiolightsail.cli import _app
from aiolightsail.cli._output import csv_columns, describe_failure
from aiolightsail.emulator import (
    BLUEPRINTS,
    Account,
    Clock,
    Emulator,
    FaultKind,
    Faults,
    ServiceError,
)
from tests.conftest import ACCOUNTS, PAGE_SIZE

R = TypeVar("R")

ROLE = f"arn:aws:iam::{ACCOUNTS[2][0]}:role/inventory"
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
#: Instances per (account index, region); more than a page (5) in some.
INSTANCES = {
    (0, "us-east-1"): 7,
    (0, "eu-west-1"): 4,
    (1, "eu-west-1"): 11,
    (1, "us-west-2"): 2,
    (2, "us-east-1"): 6,
    (2, "eu-west-1"): 3,
}
SNAPSHOTS = {(0, "us-east-1"): 3, (2, "eu-west-1"): 6}
ALL_ACCOUNTS = f"--profile default --profile acct-b --role-arn {ROLE}"
SECRETS = [secret for _, _, secret in ACCOUNTS]


class EmulatorThread:
    """An emulator serving from its own event loop in a background thread."""

    def __init__(self, accounts: list[Account], **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="emulator")
        self.thread.start()
        self.emulator: Emulator = self.call(Emulator, accounts, **options)
        self.run(self.emulator.start())

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        """Run a coroutine on the emulator's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def call(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Call a function on the emulator's loop (its state is not thread-safe)."""

        async def call() -> R:
            return fn(*args, **kwargs)

        return self.run(call())

    @property
    def url(self) -> str:
        """The emulator's endpoint URL."""
        return self.emulator.endpoint_url

    def close(self) -> None:
        """Stop serving, stop the loop and join the thread."""
        self.run(self.emulator.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Every test here ends with the threads it started (emulator, progress display) ended.

    rich's ``Live.stop()`` tells its refresh thread to stop without joining it, so a
    thread that is ending may still be alive for a moment: each new thread is given a
    few seconds to end before it counts as leaked.
    """
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
    assert {thread for thread in threading.enumerate() if thread not in before} == set()


def _accounts(disabled: frozenset[str] = frozenset()) -> list[Account]:
    return [
        Account(account_id=a, access_key_id=k, secret_access_key=s, disabled_regions=disabled)
        for a, k, s in ACCOUNTS
    ]


def write_aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, region_b: str) -> None:
    """AWS config files with a ``default`` profile (account A, ``us-east-1``) and ``acct-b``
    (account B, ``region_b``), in ``tmp_path`` and named by the environment."""
    _, key_a, secret_a = ACCOUNTS[0]
    _, key_b, secret_b = ACCOUNTS[1]
    config = tmp_path / "config"
    config.write_text(f"[default]\nregion = us-east-1\n\n[profile acct-b]\nregion = {region_b}\n")
    creds = tmp_path / "credentials"
    creds.write_text(
        f"[default]\naws_access_key_id = {key_a}\naws_secret_access_key = {secret_a}\n\n"
        f"[acct-b]\naws_access_key_id = {key_b}\naws_secret_access_key = {secret_b}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))


@pytest.fixture
def credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS config files with a ``default`` profile (account A) and ``acct-b`` (account B)."""
    write_aws_files(tmp_path, monkeypatch, region_b="eu-west-1")


@pytest.fixture
def served(credentials: None) -> Iterator[EmulatorThread]:
    """A running emulator (three accounts, 5-item pages) seeded with INSTANCES and SNAPSHOTS."""
    served = EmulatorThread(_accounts(), page_size=PAGE_SIZE, clock=Clock.manual())
    try:
        for (account, region), count in INSTANCES.items():
            served.call(served.emulator.seed_instances, ACCOUNTS[account][0], region, count)
        for (account, region), count in SNAPSHOTS.items():
            served.call(served.emulator.seed_snapshots, ACCOUNTS[account][0], region, count)
        yield served
    finally:
        served.close()


def _seeded(served: EmulatorThread, kind: str = "instances") -> Counter[tuple[str, str, str]]:
    """(account id, region, ARN) of everything seeded, as a multiset."""

    def collect() -> Counter[tuple[str, str, str]]:
        found: Counter[tuple[str, str, str]] = Counter()
        for account, _, _ in ACCOUNTS:
            for region in REGIONS:
                state = served.emulator.state(account, region)
                records = state.instances if kind == "instances" else state.snapshots
                found.update((account, region, r.arn) for r in records.values())
        return found

    return served.call(collect)


def invoke(command: str, *args: str, url: str | None = None) -> Result:
    """Run ``aiolightsail <command> <args>`` in-process; stdout and stderr are captured apart.

    ``command`` is split on whitespace; ``url`` becomes ``--endpoint-url``.
    """
    argv = [*command.split(), *args, *(["--endpoint-url", url] if url else [])]
    return CliRunner().invoke(_app.cli, argv, catch_exceptions=False)


def _where(records: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    # The account column is the 12-digit account id, whatever the credentials' source.
    return Counter((r["account"], r["region"], r["arn"]) for r in records)


def _parse(output: str, text: str) -> list[dict[str, Any]]:
    if output == "json":
        parsed: list[dict[str, Any]] = json.loads(text)
        return parsed
    if output == "ndjson":
        return [json.loads(line) for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


# -- the help, the version, usage errors ----------------------------------------------


def test_help_lists_every_command() -> None:
    """--help names every subcommand, the emulator's included, and shows examples."""
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("instances", "blueprints", "snapshots", "demo", "emulator"):
        assert f"\n  {command} " in result.stdout
    assert "aiolightsail demo" in result.stdout


def test_version() -> None:
    """--version prints the package version."""
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"aiolightsail, version {al.__version__}"


def test_python_dash_m_runs_the_command() -> None:
    """`python -m aiolightsail --help` runs the same command."""
    out = subprocess.run(
        [sys.executable, "-m", "aiolightsail", "instances", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "--all-regions" in out.stdout


def test_the_cli_module_stays_light() -> None:
    """Importing the command pulls in neither the emulator nor aiohttp.web (only `demo` does)."""
    code = (
        "import sys, aiolightsail.cli._app\n"
        "print(','.join(m for m in ('aiohttp.web', 'aiolightsail.emulator') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_emulator_command_is_mounted() -> None:
    """`aiolightsail emulator` is the emulator's own command."""
    result = invoke("emulator", "--help")
    assert result.exit_code == 0
    assert "--latency-ms" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", "eu-west-1", "--all-regions"], "not both"),
        (["-r", "Europe"], "--region"),
        (["-r", "eu-west-1", "--role-arn", "arn:aws:iam::12:role/x"], "--role-arn"),
        (["-r", "eu-west-1", "--profile", "nope"], "no profile 'nope'"),
        (["-r", "eu-west-1", "--output", "xml"], "--output"),
        (["-r", "eu-west-1", "--concurrency", "0"], "--concurrency"),
        (["-r", "eu-west-1", "--endpoint-url", "localhost:4570"], "--endpoint-url"),
        (["-r", "eu-west-1", "--include-inactive"], "No such option"),
        ([], "no region to query"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    """Bad or contradictory options are usage errors: exit 2, a message, no traceback."""
    result = invoke("instances", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_a_missing_profile_in_the_environment_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """AWS_PROFILE naming no profile is reported once, up front, when the default chain is used."""
    monkeypatch.setenv(variable, "nope")
    result = invoke("instances -r eu-west-1 --role-arn", ROLE)
    assert result.exit_code == 2
    assert f"{variable}='nope' names no profile" in result.stderr


def test_an_unreadable_aws_config_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config file botocore cannot parse is reported once, up front."""
    broken = tmp_path / "config"
    broken.write_text("[profile x\nregion =\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(broken))
    result = invoke("instances -r eu-west-1")
    assert result.exit_code == 2
    assert "cannot use the AWS configuration: Unable to parse config file" in result.stderr


# -- listing, every format -------------------------------------------------------------


@pytest.mark.parametrize("output", ["json", "ndjson", "csv"])
def test_instances_across_accounts_and_regions(served: EmulatorThread, output: str) -> None:
    """Two profiles and a role × three regions: every instance once, in its account and region."""
    result = invoke(
        f"instances {ALL_ACCOUNTS} -r us-east-1 -r eu-west-1 -r us-west-2 --output {output}",
        url=served.url,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    records = _parse(output, result.stdout)
    assert _where(records) == _seeded(served)
    assert max(_where(records).values()) == 1


def test_records_carry_every_field_in_a_stable_form(served: EmulatorThread) -> None:
    """A JSON record is account, region, then every model field; times are ISO 8601 UTC."""
    result = invoke("instances -r us-east-1 -o json", url=served.url)
    records = json.loads(result.stdout)
    assert len(records) == INSTANCES[(0, "us-east-1")]
    fields = list(al.Instance.__struct_fields__)
    for data in records:
        assert list(data) == ["account", "region", *fields]
        assert data["account"] == ACCOUNTS[0][0]
        assert data["created_at"].endswith("Z")
        assert datetime.fromisoformat(data["created_at"]).utcoffset() is not None
        assert data["location"]["region_name"] == "us-east-1"
        assert isinstance(data["tags"], list)
    assert [d["name"] for d in records] == sorted(d["name"] for d in records)


def test_csv_has_a_stable_dotted_header_and_json_cells(served: EmulatorThread) -> None:
    """CSV columns come from the model (dotted for nested fields); lists are JSON in one cell."""
    result = invoke("instances -r eu-west-1 -o csv", url=served.url)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header = rows[0]
    assert header == csv_columns(al.Instance)
    assert header[:2] == ["account", "region"]
    assert {"state.name", "location.availability_zone", "hardware.disks"} <= set(header)
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert len(records) == INSTANCES[(0, "eu-west-1")]
    for data in records:
        assert data["state.name"] in {"running", "stopped"}
        tags = json.loads(data["tags"])
        assert {"key", "value"} <= set(tags[0])
        assert json.loads(data["is_static_ip"]) in {True, False}
        assert isinstance(json.loads(data["hardware.disks"]), list)


def test_snapshots(served: EmulatorThread) -> None:
    """Snapshots of a profile and a role: each seeded snapshot exactly once, rightly placed."""
    result = invoke(
        f"snapshots --profile default --role-arn {ROLE} -r us-east-1 -r eu-west-1 -o ndjson",
        url=served.url,
    )
    assert result.exit_code == 0, result.stderr
    assert _where(_parse("ndjson", result.stdout)) == _seeded(served, "snapshots")


def test_blueprints_active_and_inactive(served: EmulatorThread) -> None:
    """Blueprints are the offered ones; --include-inactive adds the retired ones.

    Lightsail for Research images are listed only on request (``appCategory``), never here.
    """
    active = invoke("blueprints -r eu-west-1 -o json", url=served.url)
    every = invoke("blueprints -r eu-west-1 -o json --include-inactive", url=served.url)
    assert active.exit_code == every.exit_code == 0
    ids = {b["blueprint_id"] for b in json.loads(active.stdout)}
    all_ids = {b["blueprint_id"] for b in json.loads(every.stdout)}
    general = [b for b in BLUEPRINTS if b.app_category is None]
    assert ids == {b.blueprint_id for b in general if b.is_active}
    assert all_ids == {b.blueprint_id for b in general}
    assert ids < all_ids


def test_all_regions_queries_every_lightsail_region(served: EmulatorThread) -> None:
    """--all-regions covers the whole Lightsail region catalogue."""
    for region in al.LIGHTSAIL_REGIONS:
        served.call(
            served.emulator.seed_instances, ACCOUNTS[1][0], region, 1, prefix=f"in-{region}"
        )
    result = invoke("instances --all-regions --profile acct-b -o ndjson", url=served.url)
    assert result.exit_code == 0, result.stderr
    records = _parse("ndjson", result.stdout)
    assert {r["region"] for r in records} == set(al.LIGHTSAIL_REGIONS)
    for region in al.LIGHTSAIL_REGIONS:
        assert f"in-{region}-01" in {r["name"] for r in records if r["region"] == region}


def test_default_region_comes_from_each_profile(served: EmulatorThread) -> None:
    """With no --region, each profile is queried in its own configured region."""
    result = invoke("instances --profile default --profile acct-b -o json", url=served.url)
    assert result.exit_code == 0, result.stderr
    where = {(r["account"], r["region"]) for r in json.loads(result.stdout)}
    assert where == {(ACCOUNTS[0][0], "us-east-1"), (ACCOUNTS[1][0], "eu-west-1")}


# -- the table ----------------------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout taken for an 80-column terminal (a real one: tests/cli/test_unix.py)."""
    monkeypatch.setattr(_app, "_stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "80")


def test_table_fits_80_columns_and_keeps_values_whole(
    served: EmulatorThread, terminal: None
) -> None:
    """At 80 columns every line fits and every name, address and bundle is printed whole."""
    command = f"instances {ALL_ACCOUNTS} -r us-east-1 -r eu-west-1"
    result = invoke(command, url=served.url)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    for header in ("name", "state", "public IP", "blueprint", "bundle"):
        assert header in result.stdout
    instances = json.loads(invoke(command, "-o", "json", url=served.url).stdout)
    words = set(result.stdout.split())
    for data in instances:
        # A stopped instance has no public IP (dynamic addresses, as on Lightsail).
        address = [data["public_ip_address"]] if data["public_ip_address"] else []
        assert {data["name"], data["bundle_id"], *address} <= words
        assert data["account"] in words and data["region"] in words
    assert result.stderr == f"{len(instances)} instances from 6 targets.\n"


def test_wide_table_has_every_column(
    served: EmulatorThread, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a wide terminal the table is one grid with account and region columns."""
    monkeypatch.setenv("COLUMNS", "160")
    result = invoke("instances --profile acct-b -r eu-west-1 -r us-west-2", url=served.url)
    header = result.stdout.splitlines()[0].split()
    assert header == ["name", "account", "region", "state", "public", "IP", "blueprint", "bundle"]
    assert len(result.stdout.splitlines()) == 2 + 13


@pytest.mark.parametrize("command", ["snapshots", "blueprints"])
def test_other_tables_fit_80_columns(served: EmulatorThread, terminal: None, command: str) -> None:
    """Snapshot and blueprint tables fit 80 columns too."""
    extra = "--include-inactive" if command == "blueprints" else ""
    result = invoke(f"{command} --role-arn {ROLE} -r eu-west-1 {extra}", url=served.url)
    assert result.exit_code == 0, result.stderr
    assert max(map(len, result.stdout.splitlines())) <= 80


def test_nothing_found_says_so(served: EmulatorThread) -> None:
    """An empty listing prints no table, and says so on stderr."""
    result = invoke("snapshots -r us-west-2", url=served.url)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No snapshots in 1 target.\n"


# -- failures -------------------------------------------------------------------------------


@pytest.fixture
def half_enabled(credentials: None) -> Iterator[EmulatorThread]:
    """An emulator whose accounts have not enabled the opt-in region ap-east-1."""
    served = EmulatorThread(_accounts(frozenset({"ap-east-1"})), page_size=PAGE_SIZE)
    try:
        served.call(served.emulator.seed_instances, ACCOUNTS[0][0], "us-east-1", 4)
        yield served
    finally:
        served.close()


@pytest.mark.parametrize("output", ["table", "json", "ndjson", "csv"])
def test_partial_failure_exits_1_and_prints_the_rest(
    half_enabled: EmulatorThread, output: str
) -> None:
    """A failing target gets one line on stderr and exit 1; the others' items still print."""
    result = invoke(
        f"instances -r us-east-1 -r ap-east-1 --profile default -o {output}", url=half_enabled.url
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: default/ap-east-1: RegionNotEnabledError (UnrecognizedClientException): "
        "The security token included in the request is invalid."
    ]
    assert result.stderr.splitlines()[-1] == "1 of 2 targets failed."
    if output == "table":
        assert result.stderr.splitlines()[-2] == "4 instances from 1 of 2 targets."
        assert "instances from" not in result.stdout
    else:
        records = _parse(output, result.stdout)
        assert len(records) == 4
        assert {r["region"] for r in records} == {"us-east-1"}


@attrs.define(kw_only=True)
class _FailPage(Faults):
    """Faults that fail one GetInstances call (counted from 0) and every retry of it."""

    page: int
    calls: int = 0

    def decide(self, operation: str) -> FaultKind | ServiceError | None:
        if operation == "GetInstances":
            if self.calls == self.page:
                self.fail_next(operation, al.DEFAULT_MAX_ATTEMPTS, FaultKind.SERVER_ERROR)
            self.calls += 1
        return super().decide(operation)


@pytest.mark.parametrize("output", ["table", "json", "ndjson", "csv"])
def test_a_target_failing_midway_prints_the_pages_it_listed(
    credentials: None, no_backoff: None, output: str
) -> None:
    """A target whose third page fails prints its first two pages' items, then its failure line."""
    served = EmulatorThread(_accounts(), page_size=PAGE_SIZE, faults=_FailPage(page=2))
    try:
        seeded = served.call(
            served.emulator.seed_instances, ACCOUNTS[1][0], "eu-west-1", 3 * PAGE_SIZE
        )
        result = invoke(f"instances --profile acct-b -r eu-west-1 -o {output}", url=served.url)
    finally:
        served.close()
    listed = seeded[: 2 * PAGE_SIZE]
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: acct-b/eu-west-1: ServiceError (ServiceException): An internal error occurred. "
        "Please try again. Tip: Retry the request; if the problem persists, contact AWS Support.",
        *([f"{len(listed)} instances from 0 of 1 target."] if output == "table" else []),
        "1 of 1 targets failed.",
    ]
    if output == "table":
        names = set(result.stdout.split())
        assert {r.name for r in listed} <= names
        assert not {r.name for r in seeded[len(listed) :]} & names
    else:
        assert sorted(r["arn"] for r in _parse(output, result.stdout)) == sorted(
            r.arn for r in listed
        )


def test_failure_line_has_lightsails_tip(served: EmulatorThread, no_backoff: None) -> None:
    """A server error past its retries is reported with Lightsail's tip; --quiet keeps just that."""
    served.call(
        served.emulator.faults.fail_next,
        "GetInstances",
        count=al.DEFAULT_MAX_ATTEMPTS,
        kind=FaultKind.SERVER_ERROR,
    )
    result = invoke("instances -r eu-west-1 --quiet", url=served.url)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: default/eu-west-1: ServiceError (ServiceException): An internal error occurred. "
        "Please try again. Tip: Retry the request; if the problem persists, contact AWS Support.\n"
    )


def test_failure_lines_redact_known_secrets() -> None:
    """A message that echoes a secret the process holds is printed with the secret redacted."""
    secret = "cli-test-secret/4f8Qz1LmW9xYv2Rk7TnB"
    _logging.register_secret(secret)
    error = al.AccessDeniedError(f"denied for {secret}", code="AccessDenied")
    line = describe_failure(al.FleetFailure(target=al.Target("eu-west-1"), error=error))
    assert secret not in line
    assert line == "default/eu-west-1: AccessDeniedError (AccessDenied): denied for ***"


@pytest.mark.parametrize("output", ["table", "json", "ndjson", "csv"])
def test_no_secret_in_any_output(
    served: EmulatorThread, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    """No format prints a secret key, on success or on failure."""
    _, key, secret = ACCOUNTS[0]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    ok = invoke(f"instances {ALL_ACCOUNTS} -r us-east-1 -r eu-west-1 -o {output}", url=served.url)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret[::-1])
    # Sessions (and the credentials they resolved) live as long as the process;
    # a real second run is a new process.
    _session.clear()
    failed = invoke(f"instances -r eu-west-1 --role-arn {ROLE} -o {output}", url=served.url)
    assert ok.exit_code == 0 and failed.exit_code == 1
    for text in (ok.stdout, ok.stderr, failed.stdout, failed.stderr):
        for value in [*SECRETS, secret[::-1]]:
            assert value not in text


# -- progress and interruption -----------------------------------------------------------------


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_only_on_a_terminal_and_not_quiet(
    served: EmulatorThread, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    """On a terminal stderr shows targets done, items found and failures, unless --quiet."""
    monkeypatch.setattr(_app, "_stderr_is_terminal", lambda: True)
    quiet_flag = "--quiet" if quiet else ""
    result = invoke(f"instances {ALL_ACCOUNTS} -r us-east-1 -o ndjson {quiet_flag}", url=served.url)
    assert result.exit_code == 0, result.stderr
    if quiet:
        assert result.stderr == ""
    else:
        shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr)
        assert "Listing instances" in shown
        assert "3/3 targets · 13 found · 0 failed" in shown
    assert len(result.stdout.splitlines()) == 13, "stdout holds the data alone"


def test_no_progress_when_stderr_is_not_a_terminal(served: EmulatorThread) -> None:
    """Piped or captured, stderr gets no progress display at all."""
    result = invoke("instances -r us-east-1 -o json", url=served.url)
    assert result.exit_code == 0
    assert result.stderr == ""


@attrs.define(kw_only=True)
class _HoldPage(Faults):
    """Faults that hold one GetInstances call (counted from 0) until the test releases it,
    and say when it arrives.

    The hold blocks the emulator's loop, so it starts only once the command's STS identity
    call has been answered (``identified``): the command learns the account ids while it
    lists, and a hold that came first would keep the id from the rows. Until then the call
    to hold is throttled, and the command asks for it again after its backoff.
    """

    page: int
    arrived: threading.Event = attrs.field(factory=threading.Event)
    release: threading.Event = attrs.field(factory=threading.Event)
    identified: Callable[[], bool] = lambda: True
    calls: int = 0
    held_too_long: bool = False

    def decide(self, operation: str) -> FaultKind | ServiceError | None:
        if operation == "GetInstances":
            if self.calls == self.page:
                if not self.identified():
                    return FaultKind.THROTTLE
                self.arrived.set()
                self.held_too_long = not self.release.wait(timeout=30)
            self.calls += 1
        return super().decide(operation)


def hold_page(page: int) -> tuple[_HoldPage, EmulatorThread]:
    """An emulator (the test accounts, small pages) whose ``page``-th GetInstances is held
    once the STS identity call has been answered."""
    faults = _HoldPage(page=page)
    served = EmulatorThread(_accounts(), page_size=PAGE_SIZE, faults=faults)
    faults.identified = lambda: served.emulator.stats.sts_requests > 0
    return faults, served


@contextlib.contextmanager
def reaped(process: subprocess.Popen[Any], faults: _HoldPage) -> Iterator[None]:
    """Release the held call and end the process, however the test leaves."""
    try:
        yield
    finally:
        faults.release.set()
        process.kill()
        process.wait()


def test_ndjson_lines_arrive_while_the_next_page_is_awaited(credentials: None) -> None:
    """With -o ndjson a page's items reach stdout before the target's next page has answered."""
    faults, served = hold_page(1)
    try:
        seeded = served.call(
            served.emulator.seed_instances, ACCOUNTS[1][0], "eu-west-1", 2 * PAGE_SIZE
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "aiolightsail", "instances", "--profile", "acct-b",
             "-r", "eu-west-1", "-o", "ndjson", "--endpoint-url", served.url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )  # fmt: skip
        with reaped(process, faults):
            assert process.stdout is not None
            first_page = [process.stdout.readline() for _ in range(PAGE_SIZE)]
            faults.release.set()
            rest, stderr = process.communicate(timeout=60)
    finally:
        served.close()
    assert not faults.held_too_long, "the first page was written only after the second arrived"
    assert process.returncode == 0, stderr
    records = [json.loads(line) for line in [*first_page, *rest.splitlines()]]
    assert [r["arn"] for r in records] == [r.arn for r in seeded]
