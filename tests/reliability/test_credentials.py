"""Credentials inside every deadline, nothing left running, and their failures named.

The rules:

* credential resolution, role assumption and identity calls run inside the
  deadlines of the request they serve: a client's ``call_timeout``, a fleet
  target's ``target_timeout`` (and its ``call_timeout`` for the shared STS
  calls), the command line's ``--timeout``;
* a ``credential_process`` helper whose answer is abandoned (a deadline, a
  cancellation, a fleet closing) is ended, with every process it started;
* whatever a helper gives that is not usable credentials is an
  :class:`UnauthenticatedError` (:class:`ExpiredCredentialsError` when they
  have expired), and an AssumeRole answer without usable credentials a
  :class:`ResponseError` naming what is wrong: either way a failure of that
  target, never a raw ``KeyError``/``RuntimeError`` or the end of a sweep.

The helpers are real processes written here: one that sleeps forever, one
that starts a child and sleeps, others that print junk. Those that must be
seen running report their process ids over a socket first, so a test knows
what to look for; the deadlines are a tenth of a second, and the tests check
outcomes (the error, which processes still run), never durations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner

from aiolightsail import (
    ExpiredCredentialsError,
    Fleet,
    LightsailClient,
    RequestTimeoutError,
    ResponseError,
    Target,
    TargetTimeoutError,
    UnauthenticatedError,
)
from aiolightsail.cli import _app
from aiolightsail.emulator import Emulator
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import Hostile, Trickler, lightsail_json

pytestmark = [
    pytest.mark.usefixtures("no_backoff"),
    pytest.mark.skipif(
        not Path("/proc/self/status").exists(), reason="processes are inspected through /proc"
    ),
]

KEYS = static_keys(ORG[0])
#: Far longer than any test runs: only the deadline under test can end a call.
NEVER = 3600.0
#: The deadline of a test that gives up on a hung helper or a silent STS: long enough for
#: what comes before them, however busy the machine (the configuration, the SSL context,
#: the endpoint, spawning the helper: all inside the deadline too, and over 0.1 s on a
#: loaded 2-core machine), so the deadline meets the hang under test.
SETUP_ROOM = 1.0
ROLE = f"arn:aws:iam::{ORG[1].account_id}:role/inventory"

#: A credential_process helper: reports its pid (and its child's) to PORT, then sleeps.
_HUNG = """\
import os, socket, subprocess, sys, time
pids = [os.getpid()]
if {child}:
    pids.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(10**6)",
                                  {marker!r}]).pid)
if {port}:
    with socket.create_connection(("127.0.0.1", {port})) as s:
        s.sendall(" ".join(map(str, pids)).encode() + b"\\n")
time.sleep(10**6)
"""


class Handshakes:
    """A server on 127.0.0.1:0 that helpers report their process ids to."""

    def __init__(self) -> None:
        self.pids: asyncio.Queue[list[int]] = asyncio.Queue()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        self.pids.put_nowait([int(pid) for pid in line.split()])
        writer.close()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


async def _serving(server: Any) -> AsyncIterator[Any]:
    """``server`` started, then stopped (a fixture's body)."""
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def handshakes() -> AsyncIterator[Handshakes]:
    """Where hung helpers report their process ids."""
    async for server in _serving(Handshakes()):
        yield server


@pytest.fixture
async def trickler() -> AsyncIterator[Trickler]:
    """A server on 127.0.0.1:0 that reads each request and never answers."""
    async for server in _serving(Trickler(phase="silent")):
        yield server


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    """A server on 127.0.0.1:0 whose answer each test sets."""
    async for server in _serving(Hostile()):
        yield server


@pytest.fixture(autouse=True)
def _no_helper_outlives_its_test(tmp_path: Path) -> Iterator[None]:
    """Kill what a test's helpers left running (only when the rule under test broke)."""
    yield
    for pid in _running_with(f"{tmp_path}/"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, code: str | None, *, args: str = ""
) -> str:
    """Configure profile ``name`` whose credential_process runs ``code`` (a Python script)."""
    script = tmp_path / f"{name}.py"
    if code is not None:
        script.write_text(code)
    config = tmp_path / "config"
    previous = config.read_text() if config.exists() else ""
    command = f"{sys.executable} {script}{args}" if code is not None else str(script)
    config.write_text(f"{previous}[profile {name}]\ncredential_process = {command}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return str(script)


def _hung(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    child: bool = False,
    port: int = 0,
    name: str = "hung",
) -> str:
    """A profile whose helper never answers; returns the marker in its processes' command lines."""
    marker = str(tmp_path / f"{name}.py")
    code = _HUNG.format(child=child, port=port, marker=marker)
    return _profile(tmp_path, monkeypatch, name, code)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs: exists, is not a zombie, and has no SIGKILL pending."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    if fields.get("State", "").strip()[:1] in ("Z", "X"):
        return False
    kill_bit = 1 << 8  # SIGKILL (9), as a bit of the pending-signal masks
    pending = int(fields.get("SigPnd", "0"), 16) | int(fields.get("ShdPnd", "0"), 16)
    return not pending & kill_bit


def _running_with(marker: str) -> list[int]:
    """The processes running whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline and _running(int(entry.name)):
            found.append(int(entry.name))
    return found


# -- a hung helper: ended with its children, inside the deadline -----------------


@pytest.mark.parametrize("child", [False, True], ids=["sleeps", "spawns-a-child"])
async def test_an_abandoned_helper_is_ended_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handshakes: Handshakes, child: bool
) -> None:
    """A client opening is cancelled while its credential_process helper runs: the helper
    and every process it started are ended."""
    _hung(tmp_path, monkeypatch, child=child, port=handshakes.port)
    client = LightsailClient("eu-west-1", profile="hung", call_timeout=NEVER)
    opening = asyncio.create_task(client.__aenter__())
    pids = await handshakes.pids.get()
    assert all(_running(pid) for pid in pids)
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    assert [pid for pid in pids if _running(pid)] == []
    assert len(pids) == 1 + child


async def test_an_abandoned_source_profile_helper_is_ended_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handshakes: Handshakes
) -> None:
    """A profile assuming a role with a source_profile whose credential_process hangs: when
    the client opening is cancelled, the source profile's helper and its child are ended."""
    _hung(tmp_path, monkeypatch, child=True, port=handshakes.port, name="base")
    config = tmp_path / "config"
    config.write_text(
        f"{config.read_text()}[profile admin]\nrole_arn = {ROLE}\nsource_profile = base\n"
    )
    client = LightsailClient("eu-west-1", profile="admin", call_timeout=NEVER)
    opening = asyncio.create_task(client.__aenter__())
    pids = await handshakes.pids.get()
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    assert len(pids) == 2
    assert [pid for pid in pids if _running(pid)] == []


async def test_a_hung_helper_fails_the_client_at_its_call_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential_process that never answers makes opening a client raise
    RequestTimeoutError at call_timeout, and leaves nothing running."""
    marker = _hung(tmp_path, monkeypatch, child=True)
    with pytest.raises(RequestTimeoutError, match=r"opening the client .* call_timeout=1s"):
        async with LightsailClient("eu-west-1", profile="hung", call_timeout=SETUP_ROOM):
            pass
    assert _running_with(marker) == []


async def test_a_shared_assume_role_s_helper_is_ended_with_the_fleet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handshakes: Handshakes
) -> None:
    """A role whose base profile's helper hangs holds no other target back, and the helper
    (run by the AssumeRole the fleet shares between regions) is ended when the fleet closes."""
    _hung(tmp_path, monkeypatch, child=True, port=handshakes.port)
    async with Emulator(ORG) as emulator:
        emulator.seed_instances(ORG[0].account_id, "eu-west-1", 3)
        hung = Target(
            "eu-west-1", profile="hung", role_arn=ROLE, endpoint_url=emulator.endpoint_url
        )
        healthy = Target("eu-west-1", endpoint_url=emulator.endpoint_url, **KEYS)
        async with Fleet([hung, healthy], target_timeout=NEVER, call_timeout=NEVER) as fleet:
            found = []
            async with fleet.iter_instances() as stream:
                async for target, _ in stream:
                    found.append(target)
                    if len(found) == 3:
                        break
            pids = await handshakes.pids.get()
            assert all(_running(pid) for pid in pids)
    assert found == [healthy] * 3
    assert [pid for pid in pids if _running(pid)] == []


@pytest.mark.parametrize("role", [False, True], ids=["profile", "role"])
async def test_sweeps_that_give_up_leave_nothing_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: bool
) -> None:
    """Three fleets in a row whose target's helper hangs: each fails the target at a
    deadline, and no helper or child of theirs is left running."""
    marker = _hung(tmp_path, monkeypatch, child=True)
    target = Target(
        "eu-west-1",
        profile="hung",
        role_arn=ROLE if role else None,
        endpoint_url="http://127.0.0.1:9",
    )
    for _ in range(3):
        async with (
            Fleet([target], target_timeout=SETUP_ROOM, call_timeout=SETUP_ROOM) as fleet,
            fleet.iter_instances() as stream,
        ):
            assert [item async for item in stream] == []
        assert [type(f.error) for f in stream.failures] in (
            [TargetTimeoutError],
            [RequestTimeoutError],
        )
    assert _running_with(marker) == []


@pytest.mark.parametrize(
    "command",
    [
        "instances --profile hung --region eu-west-1 --timeout 1",
        "watch --profile hung --region eu-west-1 --timeout 1 --sweeps 1",
        "stop web-1 --profile hung --region eu-west-1 --wait --timeout 1",
    ],
    ids=["instances", "watch", "stop-wait"],
)
def test_the_command_line_gives_up_on_a_hung_helper_at_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """The listings and `watch` (--timeout) and `stop --wait` (its --timeout) end with the
    target's failure when the credential helper never answers, and leave nothing running."""
    marker = _hung(tmp_path, monkeypatch, child=True)
    argv = [*command.split(), "--endpoint-url", "http://127.0.0.1:9"]
    result = CliRunner().invoke(_app.cli, argv, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "TimeoutError" in result.stderr
    assert _running_with(marker) == []


@pytest.mark.parametrize(
    "command",
    ["instances -r eu-west-1 -o json", "watch -r eu-west-1 -o ndjson --sweeps 1"],
    ids=["json", "watch"],
)
async def test_the_listing_learns_account_ids_while_it_lists(
    hostile: Hostile, command: str
) -> None:
    """The listings (but NDJSON's, which writes each line at once with its account id) and
    `watch` ask for the account ids and the instances at once (so the two share one
    --timeout): a server that answers only once both requests have arrived gets both, and
    the row shows the account id."""
    from tests.test_operations import INSTANCE

    both = asyncio.Event()

    async def answer(request: web.Request) -> web.StreamResponse:
        if len(hostile.seen) >= 2:
            both.set()
        await both.wait()
        if request.headers.get("X-Amz-Target"):  # Lightsail's; STS's is a form
            return lightsail_json({"instances": [INSTANCE]})
        return web.Response(text=_IDENTITY, content_type="text/xml")

    hostile.handler = answer
    argv = [*command.split(), "--timeout", "30", "--endpoint-url", hostile.url]
    env = {
        "AWS_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
    }
    # In a thread: the command runs its own event loop, and this one serves it.
    result = await asyncio.to_thread(
        CliRunner(env=env).invoke, _app.cli, argv, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    if "-o json" in command:
        [row] = json.loads(result.stdout)
    else:
        [row] = map(json.loads, result.stdout.splitlines())
    assert row["account"] == "123456789012", row
    assert sorted(seen.operation for seen in hostile.seen) == ["GetCallerIdentity", "GetInstances"]


_IDENTITY = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/hostile</Arn>"
    "<UserId>AIDAHOSTILE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>hostile-1</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>"
)


# -- silent STS: identity and role calls inside the deadlines -----------------------


async def test_a_silent_identity_call_ends_at_target_timeout(trickler: Trickler) -> None:
    """Fleet.account_id against an STS that never answers raises TargetTimeoutError at
    target_timeout."""
    target = Target("eu-west-1", endpoint_url=trickler.url, **KEYS)
    async with Fleet(
        [target], target_timeout=SETUP_ROOM, call_timeout=NEVER, attempt_timeout=NEVER
    ) as fleet:
        with pytest.raises(TargetTimeoutError):
            await fleet.account_id(target)
    assert trickler.requests == 1


async def test_a_silent_identity_call_ends_at_call_timeout(trickler: Trickler) -> None:
    """Fleet.account_id against an STS that never answers raises RequestTimeoutError, naming
    GetCallerIdentity, at call_timeout."""
    target = Target("eu-west-1", endpoint_url=trickler.url, **KEYS)
    async with Fleet(
        [target], target_timeout=NEVER, call_timeout=SETUP_ROOM, attempt_timeout=NEVER
    ) as fleet:
        with pytest.raises(RequestTimeoutError) as raised:
            await fleet.account_id(target)
    assert raised.value.operation == "GetCallerIdentity"
    assert f"call_timeout={SETUP_ROOM:g}s" in str(raised.value)


async def test_an_identity_call_with_a_hung_helper_ends_at_call_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fleet.account_id for a profile whose helper never answers raises RequestTimeoutError
    at call_timeout, and the helper is ended."""
    marker = _hung(tmp_path, monkeypatch, child=True)
    target = Target("eu-west-1", profile="hung", endpoint_url="http://127.0.0.1:9")
    async with Fleet([target], target_timeout=NEVER, call_timeout=SETUP_ROOM) as fleet:
        with pytest.raises(RequestTimeoutError):
            await fleet.account_id(target)
        assert _running_with(marker) == []


async def test_a_silent_assume_role_ends_at_call_timeout(trickler: Trickler) -> None:
    """An AssumeRole that never answers fails its target with RequestTimeoutError (naming
    AssumeRole) at call_timeout, however long its attempts may take."""
    target = Target("eu-west-1", endpoint_url=trickler.url, role_arn=ROLE, **KEYS)
    async with (
        Fleet(
            [target], target_timeout=NEVER, call_timeout=SETUP_ROOM, attempt_timeout=NEVER
        ) as fleet,
        fleet.iter_instances() as stream,
    ):
        assert [item async for item in stream] == []
    [failure] = stream.failures
    assert isinstance(failure.error, RequestTimeoutError)
    assert failure.error.operation == "AssumeRole"


# -- what a helper gives that is not credentials ------------------------------------


def _printing(output: str, *, exit_code: int = 0) -> str:
    return (
        f"import sys\nsys.stdout.write({output!r})\n"
        f"sys.stderr.write('helper failed')\nsys.exit({exit_code})\n"
    )


def _credentials(**members: Any) -> str:
    document = {
        "Version": 1,
        "AccessKeyId": KEYS["aws_access_key_id"],
        "SecretAccessKey": KEYS["aws_secret_access_key"],
        **members,
    }
    return json.dumps({k: v for k, v in document.items() if v is not None})


JUNK = {
    "not-json": _printing("this is not JSON\n"),
    "empty": _printing(""),
    "a-json-array": _printing("[1, 2, 3]"),
    "error-exit": _printing(_credentials(), exit_code=1),
    "version-2": _printing(_credentials(Version=2)),
    "no-secret": _printing(_credentials(SecretAccessKey=None)),
    "a-number-for-a-key": _printing(_credentials(AccessKeyId=12345678901234567890)),
    "a-key-with-a-newline": _printing(_credentials(AccessKeyId="AKIA\nX-Forged: 1")),
    "expiration-junk": _printing(_credentials(Expiration="not a time")),
    "not-utf-8": "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe{')\n",
}


@pytest.mark.parametrize("code", JUNK.values(), ids=JUNK.keys())
async def test_junk_from_a_helper_is_a_credentials_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    """Anything a helper gives that is not usable credentials makes the client's first
    request (or its opening) raise UnauthenticatedError, not an unreadable response."""
    _profile(tmp_path, monkeypatch, "junk", code)
    async with Emulator(ORG) as emulator:
        with pytest.raises(UnauthenticatedError) as raised:
            async with LightsailClient(
                "eu-west-1", profile="junk", endpoint_url=emulator.endpoint_url
            ) as client:
                await client.get_instances()
        assert not emulator.stats.requests  # nothing was sent
    assert raised.value.code == "CredentialsUnavailable"
    assert "unreadable response" not in str(raised.value)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
async def test_a_helper_printing_without_end_is_a_credentials_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: str
) -> None:
    """A helper that prints without end (on stdout or stderr) is stopped past its output's
    bound and is an UnauthenticatedError; nothing of it is left running."""
    marker = _profile(
        tmp_path,
        monkeypatch,
        "endless",
        f"import sys\nwhile True:\n    sys.{stream}.write('x' * 65536)\n",
    )
    with pytest.raises(UnauthenticatedError, match="printed more than"):
        async with LightsailClient(
            "eu-west-1", profile="endless", endpoint_url="http://127.0.0.1:9", call_timeout=NEVER
        ):
            pass
    assert _running_with(marker) == []


async def test_a_missing_helper_is_a_credentials_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential_process that cannot be run is an UnauthenticatedError, not a network error."""
    _profile(tmp_path, monkeypatch, "missing", None)
    with pytest.raises(UnauthenticatedError, match="could not get credentials"):
        async with LightsailClient(
            "eu-west-1", profile="missing", endpoint_url="http://127.0.0.1:9"
        ):
            pass


async def test_expired_credentials_from_a_helper_are_an_expired_credentials_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper that answers credentials already expired (and again when asked to refresh)
    makes the request raise ExpiredCredentialsError, not a raw RuntimeError."""
    _profile(
        tmp_path, monkeypatch, "stale", _printing(_credentials(Expiration="2001-01-01T00:00:00Z"))
    )
    with pytest.raises(ExpiredCredentialsError):
        async with LightsailClient(
            "eu-west-1", profile="stale", endpoint_url="http://127.0.0.1:9"
        ) as client:
            await client.get_instances()


async def test_junk_at_a_refresh_is_a_credentials_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials whose refresh (a second run of the helper) gives junk make the request
    raise UnauthenticatedError."""
    runs = tmp_path / "runs"
    soon = (
        "import datetime, sys\n"
        f"runs = open({str(runs)!r}, 'a+'); runs.write('x'); runs.seek(0)\n"
        "if len(runs.read()) > 1:\n"
        "    sys.stdout.write('junk at the refresh')\n"
        "else:\n"
        "    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)\n"
        f'    sys.stdout.write({_credentials()[:-1]!r} + \', "Expiration": "\''
        " + expires.strftime('%Y-%m-%dT%H:%M:%SZ') + '\"}')\n"
    )
    _profile(tmp_path, monkeypatch, "refresh", soon)
    with pytest.raises(UnauthenticatedError, match="not credentials"):
        async with LightsailClient(
            "eu-west-1", profile="refresh", endpoint_url="http://127.0.0.1:9"
        ) as client:
            await client.get_instances()
    assert runs.read_text() == "xx"


async def test_junk_from_a_helper_fails_only_its_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a fleet, a target whose helper prints junk is that target's UnauthenticatedError;
    the healthy target is listed in full."""
    _profile(tmp_path, monkeypatch, "junk", JUNK["not-json"])
    async with Emulator(ORG) as emulator:
        emulator.seed_instances(ORG[0].account_id, "eu-west-1", 3)
        junk = Target("eu-west-1", profile="junk", endpoint_url=emulator.endpoint_url)
        healthy = Target("eu-west-1", endpoint_url=emulator.endpoint_url, **KEYS)
        async with Fleet([junk, healthy]) as fleet, fleet.iter_instances() as stream:
            found = [target async for target, _ in stream]
    assert found == [healthy] * 3
    assert [(f.target, type(f.error)) for f in stream.failures] == [(junk, UnauthenticatedError)]


# -- AssumeRole answers without usable credentials ------------------------------------


def _assume_role_answer(credentials: str | None) -> str:
    inner = "" if credentials is None else f"<Credentials>{credentials}</Credentials>"
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<AssumeRoleResult>{inner}</AssumeRoleResult>"
        "<ResponseMetadata><RequestId>hostile-1</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    )


_KEY = "<AccessKeyId>ASIAHOSTILEEXAMPLE01</AccessKeyId>"
_SECRET = "<SecretAccessKey>hostile-secret</SecretAccessKey>"
_TOKEN = "<SessionToken>hostile-token</SessionToken>"
ROLE_ANSWERS = {
    "no-credentials": (None, "no Credentials"),
    "no-expiration": (_KEY + _SECRET + _TOKEN, "without an Expiration"),
    "expired": (
        _KEY + _SECRET + _TOKEN + "<Expiration>2001-01-01T00:00:00Z</Expiration>",
        "expired at 2001-01-01",
    ),
    "no-token": (_KEY + _SECRET + "<Expiration>2999-01-01T00:00:00Z</Expiration>", "SessionToken"),
    "empty-key": (
        "<AccessKeyId></AccessKeyId>" + _SECRET + _TOKEN
        + "<Expiration>2999-01-01T00:00:00Z</Expiration>",
        "AccessKeyId",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("credentials", "named"), ROLE_ANSWERS.values(), ids=ROLE_ANSWERS.keys())
async def test_an_assume_role_answer_without_usable_credentials_fails_its_target(
    hostile: Hostile, credentials: str | None, named: str
) -> None:
    """An AssumeRole answer without credentials, with some missing or with expired ones is a
    ResponseError of that target naming what is wrong; the healthy target is listed."""

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(text=_assume_role_answer(credentials), content_type="text/xml")

    hostile.handler = answer
    async with Emulator(ORG) as emulator:
        emulator.seed_instances(ORG[0].account_id, "eu-west-1", 3)
        role = Target("eu-west-1", endpoint_url=hostile.url, role_arn=ROLE, **KEYS)
        healthy = Target("eu-west-1", endpoint_url=emulator.endpoint_url, **KEYS)
        async with Fleet([role, healthy]) as fleet, fleet.iter_instances() as stream:
            found = [target async for target, _ in stream]
    assert found == [healthy] * 3
    [failure] = stream.failures
    assert failure.target == role
    assert isinstance(failure.error, ResponseError)
    assert named in str(failure.error)
    assert "hostile-secret" not in str(failure.error)
