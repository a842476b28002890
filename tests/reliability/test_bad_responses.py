"""Bad responses are survived: whatever comes back, the caller gets a clear LightsailError.

Answers a proxy, a broken load balancer or a buggy service could send are
queued with aioresponses under the real aiobotocore stack: truncated JSON,
members of the wrong type, missing members, HTML error pages with 200 and
with 5xx, a 200 carrying an error body, and 50 MB bodies. Each must raise a
:class:`~aiolightsail.LightsailError` (never a raw ``KeyError``/``TypeError``
or botocore exception) whose message stays readable (bounded in size).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from aiohttp import web

import aiolightsail as al
from aiolightsail import LightsailClient, PortInfo
from aiolightsail._botocore._transport import MAX_ANSWER_BYTES
from tests.conftest import Wire
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import read_request

pytestmark = pytest.mark.usefixtures("no_backoff")

NOW = datetime(2026, 11, 26, tzinfo=UTC)
#: A message longer than this is not "clear": it is a body dumped into an exception.
MAX_MESSAGE = 2_000
HTML = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    "<h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream "
    "server.</p><hr><address>nginx</address></body></html>"
)
BIG = 50 * 1024 * 1024

Call = Callable[[Any], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "get_instances": lambda c: c.get_instances(),
    "get_instance": lambda c: c.get_instance("web-1"),
    "get_blueprints": lambda c: c.get_blueprints(),
    "get_instance_snapshots": lambda c: c.get_instance_snapshots(),
    "get_instance_access_details": lambda c: c.get_instance_access_details("web-1"),
    "get_instance_metric_data": lambda c: c.get_instance_metric_data(
        "web-1",
        metric_name="CPUUtilization",
        start_time=NOW - timedelta(hours=1),
        end_time=NOW,
        period=300,
        statistics=["Average"],
        unit="Percent",
    ),
    "get_instance_port_states": lambda c: c.get_instance_port_states("web-1"),
    "delete_instance": lambda c: c.delete_instance("web-1"),
    "close_instance_public_ports": lambda c: c.close_instance_public_ports(
        "web-1", PortInfo(from_port=22, to_port=22, protocol="tcp")
    ),
}
EVERY_CALL = list(CALLS)


# (case id, operation, status, body, expected error class)
BAD: list[Any] = [
    *[
        pytest.param(op, 200, '{"instances": [{"name": "web-1", "arn": ', al.ResponseError,
                     id=f"truncated-json-{op}")
        for op in EVERY_CALL
    ],
    *[pytest.param(op, 200, HTML, al.ResponseError, id=f"html-200-{op}") for op in EVERY_CALL],
    *[pytest.param(op, 502, HTML, al.ServiceError, id=f"html-502-{op}") for op in EVERY_CALL],
    *[pytest.param(op, 200, "[]", al.ResponseError, id=f"json-array-{op}") for op in EVERY_CALL],
    *[pytest.param(op, 200, b"\xff\xfe{}", al.ResponseError, id=f"not-utf8-{op}")
      for op in EVERY_CALL],
    pytest.param("get_instances", 200, {"instances": {"name": "web-1"}}, al.ResponseError,
                 id="list-is-object"),
    pytest.param("get_instances", 200, {"instances": [{"name": 5}]}, al.ResponseError,
                 id="name-is-int"),
    pytest.param("get_instances", 200, {"instances": ["web-1"]}, al.ResponseError,
                 id="item-is-string"),
    pytest.param("get_instances", 200, {"instances": [], "nextPageToken": 7}, al.ResponseError,
                 id="token-is-int"),
    pytest.param("get_instances", 200, {"instances": [{"createdAt": "yesterday"}]},
                 al.ResponseError, id="bad-timestamp"),
    pytest.param("get_instances", 200, {"instances": [{"state": {"code": "16"}}]},
                 al.ResponseError, id="nested-wrong-type"),
    pytest.param("get_instances", 200, {"instances": [{"tags": {"k": "v"}}]}, al.ResponseError,
                 id="tags-as-object"),
    pytest.param("get_instance_metric_data", 200, {"metricData": [{"timestamp": 1e300}]},
                 al.ResponseError, id="timestamp-out-of-range"),
    pytest.param("get_instance_metric_data", 200, {"metricData": [{"average": "high"}]},
                 al.ResponseError, id="statistic-is-string"),
    pytest.param("get_instance", 200, {}, al.ResponseError, id="missing-instance"),
    pytest.param("get_instance", 200, {"instance": None}, al.ResponseError, id="null-instance"),
    pytest.param("get_instance", 200, "", al.ResponseError, id="empty-body"),
    pytest.param("get_instance_access_details", 200, {}, al.ResponseError,
                 id="missing-access-details"),
    pytest.param("close_instance_public_ports", 200, {}, al.ResponseError,
                 id="missing-operation"),
    pytest.param("close_instance_public_ports", 200, {"operation": []}, al.ResponseError,
                 id="operation-is-list"),
    pytest.param("get_instances", 503, "Service Unavailable", al.ServiceError, id="text-503"),
    pytest.param("get_instances", 429, "", al.ThrottledError, id="empty-429"),
    pytest.param("get_instances", 500, {"__type": "InternalFailure"}, al.ServiceError,
                 id="500-without-message"),
    pytest.param("get_instances", 200,
                 {"__type": "InvalidInputException", "message": "not for you"},
                 al.LightsailError, id="200-with-error-body"),
    pytest.param("get_instance", 200,
                 {"__type": "NotFoundException", "message": "no such instance"},
                 al.LightsailError, id="200-with-error-body-get"),
    pytest.param("delete_instance", 200,
                 {"__type": "OperationFailureException", "message": "cannot delete"},
                 al.LightsailError, id="200-with-error-body-mutation"),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "status", "body", "expected"), BAD)
async def test_bad_response_is_a_clear_lightsail_error(
    operation: str,
    status: int,
    body: dict[str, Any] | str | bytes,
    expected: type[al.LightsailError],
    client: LightsailClient,
    wire: Wire,
) -> None:
    """Each malformed answer raises the fitting LightsailError with a readable message."""
    wire.reply(body, status=status, repeat=True)
    with pytest.raises(al.LightsailError) as caught:
        await CALLS[operation](client)
    error = caught.value
    if isinstance(error, al.WriteOutcomeUnknownError):
        # A write answered with a success it cannot read, or a 5xx, is uncertain: here the
        # reads that would tell get the same answers, so its outcome stays unknown, from
        # the failure the other operations raise (docs/reliability.md, "Writes are done once").
        assert error.operation in {"DeleteInstance", "CloseInstancePublicPorts"}
        error = error.__cause__  # type: ignore[assignment]
    assert isinstance(error, expected), repr(error)
    assert type(error).__module__ == "aiolightsail._errors"
    assert len(str(caught.value)) <= MAX_MESSAGE


async def test_html_200_mid_listing_does_not_end_the_listing_quietly(
    client: LightsailClient, wire: Wire
) -> None:
    """A proxy's HTML page in place of page two fails the iteration with the page's token."""
    instance = {"name": "web-1", "arn": "arn:aws:lightsail:eu-west-1:1:Instance/1"}
    wire.reply({"instances": [instance], "nextPageToken": "page-2"})
    wire.reply(HTML)
    got: list[str | None] = []

    async def drain() -> None:
        async for item in client.iter_instances():
            got.append(item.name)  # noqa: PERF401 - what arrived before the failure is the point

    with pytest.raises(al.ResponseError) as caught:
        await drain()
    assert got == ["web-1"]
    assert caught.value.page_token == "page-2"


class Proxy:
    """A real HTTP server on 127.0.0.1:0 that answers every request with a set body.

    aioresponses cannot deliver bodies past aiohttp's read buffer (its fake
    protocol asserts when reading pauses), so large answers come over a socket.
    """

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.requests = 0
        self.url = ""

    async def handle(self, request: web.BaseRequest) -> web.Response:
        """Answer with the set status and body, as a misbehaving proxy would."""
        await request.read()
        self.requests += 1
        return web.Response(status=self.status, body=self.body, content_type="text/html")


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    """A :class:`Proxy` listening on 127.0.0.1 (port 0)."""
    answer = Proxy()
    runner = web.ServerRunner(web.Server(answer.handle, access_log=None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    answer.url = f"http://{host}:{port}"
    try:
        yield answer
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(200, b'{"instances": [' + b" " * BIG, al.ResponseError, id="200-unterminated"),
        pytest.param(200, b"<html>" + b"x" * BIG, al.ResponseError, id="200-html"),
        pytest.param(503, b"<html>" + b"x" * BIG, al.ServiceError, id="503-html"),
    ],
)
async def test_huge_response_is_a_bounded_error(
    status: int, body: bytes, expected: type[al.LightsailError], proxy: Proxy
) -> None:
    """A 50 MB garbage answer raises a LightsailError whose message is not the body."""
    proxy.status, proxy.body = status, body
    async with LightsailClient(
        "eu-west-1", endpoint_url=proxy.url, max_attempts=2, **static_keys(ORG[0])
    ) as client:
        with pytest.raises(al.LightsailError) as caught:
            await client.get_instances()
    assert isinstance(caught.value, expected)
    assert len(str(caught.value)) <= MAX_MESSAGE


async def test_large_valid_page_is_read(proxy: Proxy) -> None:
    """A large but well-formed page (5,000 instances, ~0.4 MB) is read whole, not refused."""
    items = [
        {"name": f"web-{i}", "arn": f"arn:aws:lightsail:eu-west-1:1:Instance/{i}"}
        for i in range(5000)
    ]
    proxy.body = json.dumps({"instances": items}).encode()
    async with LightsailClient(
        "eu-west-1", endpoint_url=proxy.url, **static_keys(ORG[0])
    ) as client:
        page = await client.get_instances()
    assert [i.name for i in page.items] == [i["name"] for i in items]


@attrs.define(eq=False)
class RawAnswer:
    """A raw TCP server that answers every request with ``head`` and then ``body_size`` bytes
    (chunked when ``chunked``), counting the bytes it managed to write before the client
    hung up."""

    head: bytes = b""
    body_size: int = 0
    chunked: bool = False
    requests: int = 0
    written: int = 0
    url: str = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await read_request(reader)
            self.requests += 1
            writer.write(self.head)
            chunk = b" " * (1 << 20)
            for _ in range(self.body_size // len(chunk)):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if self.chunked else chunk)
                await writer.drain()
                self.written += len(chunk)
            if self.chunked:
                writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: what these tests want
        finally:
            writer.close()


@pytest.fixture
async def raw_answer() -> AsyncIterator[RawAnswer]:
    """A :class:`RawAnswer` listening on 127.0.0.1 (port 0)."""
    answer = RawAnswer()
    server = await asyncio.start_server(answer.serve, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    answer.url = f"http://{host}:{port}"
    try:
        yield answer
    finally:
        server.close()
        await server.wait_closed()


def _head(status: str, *headers: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status}".encode(), b"Content-Type: application/x-amz-json-1.1", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


LONG = 300 * 1024 * 1024  # far past the client's bound on an answer


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_endless_success_answer_is_refused_unread_and_not_retried(
    raw_answer: RawAnswer, chunked: bool
) -> None:
    """A 200 whose body runs past the bound (announced, or chunked with no length) raises
    ResponseError after reading at most about the bound: the client neither holds the
    whole body in memory nor asks again."""
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % LONG
    raw_answer.head, raw_answer.body_size, raw_answer.chunked = (
        _head("200 OK", framing),
        LONG,
        chunked,
    )
    async with LightsailClient(
        "eu-west-1", endpoint_url=raw_answer.url, max_attempts=3, **static_keys(ORG[0])
    ) as client:
        with pytest.raises(al.ResponseError, match="longer than 16 MiB"):
            await client.get_instances()
    assert raw_answer.requests == 1
    # An announced length past the bound is refused before the body is read; a chunked one
    # after the bound. Either way the server could not hand over much more (socket buffers).
    assert raw_answer.written < 2 * MAX_ANSWER_BYTES


async def test_an_endless_error_answer_is_judged_by_its_status(raw_answer: RawAnswer) -> None:
    """A 503 whose body runs past the bound is a ServiceError, retried as any 503 is."""
    raw_answer.head = _head("503 Service Unavailable", b"Content-Length: %d" % LONG)
    raw_answer.body_size = LONG
    async with LightsailClient(
        "eu-west-1", endpoint_url=raw_answer.url, max_attempts=2, **static_keys(ORG[0])
    ) as client:
        with pytest.raises(al.ServiceError):
            await client.get_instances()
    assert raw_answer.requests == 2


async def test_header_bytes_that_are_not_utf8_do_not_break_the_answer(
    raw_answer: RawAnswer,
) -> None:
    """obs-text in a header (bytes over 0x7F that are not UTF-8) is read, not raised."""
    body = b'{"instances": [{"name": "web-1"}]}'
    raw_answer.head = (
        _head("200 OK", b"X-Odd: \xff\xfe\xc3", b"Content-Length: %d" % len(body)) + body
    )
    async with LightsailClient(
        "eu-west-1", endpoint_url=raw_answer.url, **static_keys(ORG[0])
    ) as client:
        page = await client.get_instances()
    assert [i.name for i in page.items] == ["web-1"]
