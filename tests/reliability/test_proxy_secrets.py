"""Secrets in proxy URLs never show: not in any message, cause, context, traceback or log record.

A hostile proxy (a raw TCP server on ``127.0.0.1:0``) answers every request, a
``CONNECT`` for an HTTPS endpoint or a plain request for an HTTP one, with a 407, a
302, a 403, a 502 or a closed connection. The client reaches it through a proxy URL
holding a user and a generated password (``chunk marker chunk marker``: any leaked
part shows a marker, in any escaping). The rule covers the whole chain: the raised
error's message and ``repr``, every exception it was raised from or while handling,
``traceback.format_exception()`` of it, and every log record of every library at
DEBUG (``botocore.endpoint`` logs the failed send with its traceback) hold no marker
and not the ``Proxy-Authorization`` credential. The attack's own case
(``HTTPS_PROXY=http://user:password@…`` answering 407 or 302) is kept apart.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import traceback
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolightsail import LightsailClient, LightsailError
from aiolightsail._botocore import Config
from tests.conftest import LogLines, collecting_logs
from tests.reliability.conftest import StaticKeys

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS: StaticKeys = {
    "aws_access_key_id": "AKIAPROXYSECRETTEST1",
    "aws_secret_access_key": "proxy-secret-test-secret-key-00000000000",
}
LOGGERS = ("", "botocore", "aiobotocore", "aiohttp", "urllib3", "aiolightsail")
ANSWERS = {
    "407": b"HTTP/1.1 407 Proxy Authentication Required\r\n"
    b'Proxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n',
    "302": b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/\r\n"
    b"Content-Length: 0\r\n\r\n",
    "403": b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    "502": b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\nnope\n",
    "close": b"",
}
ENDPOINTS = ("https", "http")
_serial = itertools.count()


@attrs.define(eq=False)
class Proxy:
    """A proxy that answers every request with ``answer`` and closes the connection."""

    answer: bytes = ANSWERS["407"]
    requests: int = 0
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            writer.write(self.answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    """The hostile proxy."""
    server = Proxy()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def capture() -> Iterator[LogLines]:
    """Every record of every logger, at DEBUG, formatted with its traceback."""
    with collecting_logs(*LOGGERS) as handler:
        yield handler


@attrs.frozen
class Password:
    """A generated password and the markers that betray any part of it."""

    value: str
    markers: tuple[str, ...]


@st.composite
def passwords(draw: st.DrawFn) -> Password:
    """``chunk marker chunk marker``, chunks of any text."""
    n = next(_serial)
    markers = (f"PX{n}MARKaZQ", f"PX{n}MARKbZQ")
    chunks = draw(st.lists(st.text(st.characters(exclude_categories=["Cs"]), max_size=10),
                           min_size=2, max_size=2))  # fmt: skip
    return Password("".join(c + m for c, m in zip(chunks, markers, strict=True)), markers)


def everything_shown(error: BaseException) -> str:
    """The error's message and repr, each chained exception's, and the formatted traceback."""
    parts = ["".join(traceback.format_exception(error))]
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        parts += [str(current), repr(current)]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return "\n".join(parts)


def endpoint_of(kind: str) -> str:
    # Distinct per case: botocore reads proxies from the environment once per endpoint.
    n = next(_serial)
    return f"https://lightsail-{n}.example.invalid" if kind == "https" else f"http://ls-{n}.invalid"


async def fail_through(proxy_url: str, endpoint: str, *, in_config: bool) -> LightsailError:
    """One call through ``proxy_url``; the error it raised."""
    config = Config(proxies={"https": proxy_url, "http": proxy_url}) if in_config else None
    async with LightsailClient(
        "eu-west-1", endpoint_url=endpoint, max_attempts=2, config=config, **KEYS
    ) as client:
        with pytest.raises(LightsailError) as caught:
            await client.get_instances()
    return caught.value


def assert_unseen(password: Password, user: str, text: str) -> None:
    for marker in password.markers:
        assert marker not in text
    credential = base64.b64encode(f"{user}:{password.value}".encode()).decode()
    assert credential not in text


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    password=passwords(), answer=st.sampled_from(sorted(ANSWERS)), kind=st.sampled_from(ENDPOINTS)
)
async def test_a_proxy_password_shows_nowhere(
    proxy: Proxy, capture: LogLines, password: Password, answer: str, kind: str
) -> None:
    """Whatever the proxy answers, no part of the password in its URL shows in the error's
    chain, its traceback or any log record."""
    proxy.answer = ANSWERS[answer]
    capture.lines.clear()
    proxy_url = f"http://user:{quote(password.value, safe='')}@127.0.0.1:{proxy.port}"
    error = await fail_through(proxy_url, endpoint_of(kind), in_config=True)
    assert proxy.requests
    assert_unseen(password, "user", everything_shown(error))
    assert_unseen(password, "user", "\n".join(capture.lines))


@pytest.mark.parametrize("answer", ["407", "302"])
@pytest.mark.parametrize("kind", ENDPOINTS)
async def test_the_attack_https_proxy_with_a_password(
    proxy: Proxy, capture: LogLines, monkeypatch: pytest.MonkeyPatch, answer: str, kind: str
) -> None:
    """The attack's case: HTTPS_PROXY (and HTTP_PROXY) = http://user:password@127.0.0.1:PORT
    answering 407 or 302; the password shows in no error, traceback or DEBUG record."""
    proxy.answer = ANSWERS[answer]
    secret = Password("s3cret-PXattackMARKZQ-pw", ("PXattackMARKZQ",))
    url = f"http://user:{secret.value}@127.0.0.1:{proxy.port}"
    monkeypatch.setenv("HTTPS_PROXY", url)
    monkeypatch.setenv("HTTP_PROXY", url)
    error = await fail_through(url, endpoint_of(kind), in_config=False)
    assert proxy.requests
    assert_unseen(secret, "user", everything_shown(error))
    assert_unseen(secret, "user", "\n".join(capture.lines))
    assert any("botocore.endpoint" in line for line in capture.lines)
