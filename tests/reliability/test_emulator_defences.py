"""The emulator stands hostile clients: no 500, no held connection, no echo, no printed secret.

Rules, each tested with generated input over real sockets:

* whatever a signed request's body (nested to any depth) or page token (forged
  with a seed's public secret, over any payload), the answer is a 4xx in AWS's
  error shape, never a 500, and the server keeps serving;
* a connection that sends a request's headers or body too slowly (silent, or
  trickling), or sends what is not HTTP, is answered or closed, with one log
  line and no traceback;
* an error answer is bounded in size, whatever the size of what it quotes;
* ``aiolightsail emulator`` prints secret keys only with ``--show-secrets``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, TCPConnector
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiolightsail.emulator import Clock, Emulator
from aiolightsail.emulator._pagination import PageTokens
from tests.emulator.helpers import isolated_env
from tests.reliability.conftest import ORG
from tests.reliability.test_intruders import (
    CREATE,
    Wire,
    keys_of,
    lightsail_headers,
    sign,
    well_formed_works,
)

#: Seconds the emulator under test gives slow clients (its defaults are 30 and 60).
SLOW = 0.1
#: The most an error answer may weigh, whatever it quotes.
ANSWER_MAX = 4096

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    """An emulator that gives slow clients a tenth of a second."""
    async with Emulator(ORG, clock=Clock.manual(), header_timeout=SLOW, body_timeout=SLOW) as emu:
        emu.seed_instances(ORG[0].account_id, "us-east-1", 5)
        yield emu


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    """An aiohttp session for raw requests, one connection each: a kept-alive connection
    left idle past the server's tenth of a second (a busy machine) would be closed under
    the next request."""
    async with ClientSession(connector=TCPConnector(force_close=True)) as session:
        yield Wire(session)


def aws_error(text: str) -> dict[str, Any]:
    """The body of an error answer, which must be AWS's JSON error shape."""
    body = json.loads(text)
    assert isinstance(body, dict) and isinstance(body.get("__type"), str), text[:200]
    assert isinstance(body.get("message"), str)
    return body


# -- bodies and tokens --------------------------------------------------------------


def nested(depth: int, kind: str) -> bytes:
    """A JSON object whose ``instanceName`` nests ``depth`` lists or objects."""
    inner = "[" * depth + "]" * depth if kind == "list" else '{"a":' * depth + "1" + "}" * depth
    return f'{{"instanceName": {inner}}}'.encode()


@SETTINGS
@example(depth=100_000, kind="list", operation="GetInstance")
@given(
    depth=st.one_of(st.integers(1, 40), st.integers(900, 1100), st.integers(10_000, 100_000)),
    kind=st.sampled_from(["list", "object"]),
    operation=st.sampled_from(["GetInstance", "CreateInstances", "GetInstances"]),
)
async def test_a_body_of_any_depth_is_a_4xx(
    server: Emulator, wire: Wire, depth: int, kind: str, operation: str
) -> None:
    """A validly signed body nested to any depth is answered below 500; nested deeper than
    any Lightsail input (32 levels) it is a SerializationException in AWS's shape."""
    url, body = server.endpoint_url, nested(depth, kind)
    headers = sign(url, body, keys_of(ORG[0]), headers=lightsail_headers(operation))
    status, text = await wire.post(url, body, headers)
    assert status < 500, text[:200]
    if depth > 32:
        assert (status, aws_error(text)["__type"]) == (400, "SerializationException")
    await well_formed_works(server, wire)


def forged(payload: bytes, seed: int = 0) -> str:
    """A page token for ``payload``, signed with a seed's secret (which is public)."""
    secret = PageTokens.from_seed(seed).secret
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac + payload).rstrip(b"=").decode()


PAYLOADS = st.one_of(
    st.binary(max_size=80),
    st.builds(lambda v: json.dumps(v).encode(), st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    )),
    st.builds(
        lambda key: json.dumps(["111111111111", "us-east-1", "GetInstances", key]).encode(),
        st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.lists(st.integers())),
    ),
    st.just(b"[" * 5000 + b"]" * 5000),
)  # fmt: skip


@SETTINGS
@example(payload=b"not json at all")
@example(payload=b'["111111111111", "us-east-1", "GetInstances"]')
@given(payload=PAYLOADS)
async def test_a_forged_page_token_is_a_4xx(server: Emulator, wire: Wire, payload: bytes) -> None:
    """A page token carrying any payload under a valid MAC of the default seed's public
    secret gets InvalidInputException (or, for a payload the server issued itself, a page)."""
    status, text = await wire.call(
        server.endpoint_url, "GetInstances", {"pageToken": forged(payload)}, keys_of(ORG[0])
    )
    assert status in (200, 400), text[:200]
    if status == 400:
        assert aws_error(text)["__type"] == "InvalidInputException"
    await well_formed_works(server, wire)


# -- slow and broken connections ---------------------------------------------------------

HEAD = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
    b"X-Amz-Target: Lightsail_20161128.GetInstances\r\nContent-Length: 1000000\r\n\r\n"
)
#: Per phase of a request: what a slow client sends (it may stop anywhere in it, or
#: send it all and then drip the byte given, which never completes the phase).
PHASES = {
    "request-line": (b"POST /", b"a"),
    "headers": (HEAD[: HEAD.index(b"Content-Length")] + b"X-Slow: ", b"a"),
    "body": (HEAD + b"{", b" "),
}


async def exchange(server: Emulator, sent: bytes, *, drip: bytes = b"") -> bytes:
    """Send ``sent``, then ``drip`` once every ten event-loop turns until the server
    answers or hangs up; return all it sent before closing (a reset ends it too)."""
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    chunks: list[bytes] = []

    async def receive() -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                chunks.append(chunk)

    received = asyncio.ensure_future(receive())
    writer.write(sent)
    try:
        while drip and not (received.done() or chunks):
            try:
                writer.write(drip)
                await writer.drain()
            except ConnectionError:
                break  # the server hung up
            for _ in range(10):
                await asyncio.sleep(0)
        await asyncio.wait_for(received, 10)
        return b"".join(chunks)
    finally:
        received.cancel()
        writer.close()
        with contextlib.suppress(asyncio.CancelledError):
            await received
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@settings(SETTINGS, max_examples=30)
@example(phase="headers", cut=1.0, trickle=True)
@given(phase=st.sampled_from(sorted(PHASES)), cut=st.floats(0, 1), trickle=st.booleans())
async def test_a_slow_client_is_cut_off_with_one_log_line(
    server: Emulator, caplog: pytest.LogCaptureFixture, phase: str, cut: float, trickle: bool
) -> None:
    """A client that stops anywhere in its request line, headers or body, or drips bytes
    at their end, is cut off: closed (a 408 in AWS's shape once its headers were in), with
    one warning line naming the slow part and no traceback."""
    caplog.clear()
    prefix, drip = PHASES[phase]
    start = len(HEAD) + 1 if phase == "body" else 1
    sent = prefix if trickle else prefix[: max(start, round(cut * len(prefix)))]
    with caplog.at_level(logging.INFO, logger="aiolightsail.emulator"):
        answer = await exchange(server, sent, drip=drip if trickle else b"")
    records = [r for r in caplog.records if r.name.startswith(("aiolightsail", "aiohttp"))]
    assert all(r.exc_info is None and "Traceback" not in r.getMessage() for r in records)
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    if phase == "body":
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert aws_error(answer.split(b"\r\n\r\n", 1)[1].decode())["__type"]
        assert len(warnings) == 1 and "body" in warnings[0]
    else:
        assert answer == b""
        assert len(warnings) == 1 and "headers" in warnings[0]


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # a TLS hello
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
    ids=["tls", "bad-version", "bad-header", "huge-header", "negative-length", "both-lengths"],
)
async def test_what_is_not_http_gets_a_4xx_and_one_line(
    server: Emulator, wire: Wire, caplog: pytest.LogCaptureFixture, garbage: bytes
) -> None:
    """Bytes that are not a valid HTTP request get a 4xx in AWS's JSON shape (or a close),
    one log line and no traceback; the server keeps serving."""
    with caplog.at_level(logging.DEBUG):
        answer = await exchange(server, garbage)
    if answer:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head[:9] in (b"HTTP/1.0 ", b"HTTP/1.1 ") and head[9:10] == b"4", head[:80]
        aws_error(body.decode())
    records = [r for r in caplog.records if r.name.startswith(("aiolightsail", "aiohttp"))]
    assert all(r.exc_info is None for r in records if r.levelno >= logging.WARNING)
    assert len([r for r in records if r.levelno >= logging.WARNING]) <= 1
    await well_formed_works(server, wire)


# -- no unbounded echo -------------------------------------------------------------------

HUGE = st.integers(2_000, 200_000).map(lambda n: "x" * n)


#: (operation, a valid call, the member that gets the huge value).
QUOTING = [
    ("GetInstance", {}, "instanceName"),
    ("CreateInstances", CREATE, "blueprintId"),
    ("CreateInstances", CREATE, "bundleId"),
    ("CreateInstances", CREATE, "availabilityZone"),
    ("CreateInstances", CREATE, "ipAddressType"),
    ("CreateInstanceSnapshot", {"instanceName": "web-1"}, "instanceSnapshotName"),
    ("GetInstanceAccessDetails", {"instanceName": "web-1"}, "protocol"),
    ("GetInstances", {}, "pageToken"),
]


@SETTINGS
@given(case=st.sampled_from(QUOTING), value=HUGE)
async def test_an_error_answer_is_bounded(
    server: Emulator, wire: Wire, case: tuple[str, dict[str, Any], str], value: str
) -> None:
    """However large a value a request sends, the error answer quoting it stays small."""
    operation, valid, member = case
    params = {**valid, member: value}
    status, text = await wire.call(server.endpoint_url, operation, params, keys_of(ORG[0]))
    assert 400 <= status < 500, text[:200]
    assert len(text) <= ANSWER_MAX


@pytest.mark.parametrize("where", ["session-name", "action", "signature"])
async def test_sts_and_auth_errors_are_bounded(server: Emulator, wire: Wire, where: str) -> None:
    """An STS call with a huge session name or action, or a huge bad signature, gets a
    bounded error answer."""
    url, huge = server.endpoint_url, "y" * 100_000
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if where == "signature":
        headers = sign(url, b"{}", keys_of(ORG[0]), headers=lightsail_headers("GetInstances"))
        headers["Authorization"] += huge[:6000]
        status, text = await wire.post(url, b"{}", headers)
    else:
        body = (
            f"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::222222222222:role/r"
            f"&RoleSessionName={huge}"
            if where == "session-name"
            else f"Action={huge}&Version=2011-06-15"
        ).encode()
        status, text = await wire.post(
            url, body, sign(url, body, keys_of(ORG[0]), headers=form, service="sts")
        )
    assert 400 <= status < 500
    assert len(text) <= ANSWER_MAX


# -- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("show", [False, True])
async def test_emulator_command_prints_secrets_only_when_asked(show: bool) -> None:
    """`aiolightsail emulator` prints no secret key unless run with --show-secrets."""
    secret = "cli-secret-key-0000000000000000000000000"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiolightsail.emulator", "--port", "0",
        "--account", f"111111111111:AKIACLITESTEXAMPLE01:{secret}",
        *(["--show-secrets"] if show else []),
        env=isolated_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        banner = (
            await asyncio.wait_for(process.stdout.readuntil(b"Ctrl+C to stop.\n"), 30)
        ).decode()
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 30)
    assert "AKIACLITESTEXAMPLE01" in banner
    assert (secret in banner) is show
    assert ("--show-secrets" in banner) is not show
