"""The lean request path and a stock aiobotocore client agree on every call.

Each case sends one call both ways: through the lean transport of a
:class:`LightsailClient`, and through a stock aiobotocore Lightsail client
(standard retries, the same number of attempts), against the emulator or a
hostile server that answers the case's way. Compared: the result as models,
the error as aiolightsail translates it (class, code, status, message,
request id) and the attempts the server saw.

aiobotocore lacks aiolightsail's two rules for error answers (every 429 a
throttle; an unreadable error body judged by its status), so the stock client
gets them through botocore's public event hooks. Where aiolightsail differs
from a stock client by design (a redirect is refused, not followed; an
attempt has a total deadline, so a trickled body cannot hold it), the lean
side's behaviour is asserted on its own.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from aiohttp import web
from botocore import xform_name

from aiolightsail import (
    APIError,
    LightsailClient,
    LightsailError,
    RedirectError,
    RequestTimeoutError,
    ResponseError,
    _botocore,
)
from aiolightsail._botocore import _error_answers
from aiolightsail._models._answers import convert_answer, decode_answer
from aiolightsail._operations import OPERATIONS
from aiolightsail.emulator import Emulator
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import Hostile, Trickler, hostile_server, lightsail_json
from tests.test_operations import CASES

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS = static_keys(ORG[0])
REGION = "eu-west-1"
ATTEMPTS = 3
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _stock_readable(response_dict: Any, operation_model: Any, **_: Any) -> None:
    """The unreadable-body rule, as a ``before-parse`` handler of a stock client."""
    status = response_dict.get("status_code", 200)
    if status >= 300 and isinstance(response_dict.get("body"), bytes):
        protocol = operation_model.service_model.protocol
        response_dict["body"] = _error_answers.readable(protocol, status, response_dict["body"])


def _models(operation: str, parsed: dict[str, Any]) -> Any:
    """The answer as the client turns it into models (and its page token): decoded from
    the bytes (the lean side), or converted from botocore's dict (the stock side)."""
    op = OPERATIONS[operation]
    if isinstance(parsed, _botocore.Body):
        return decode_answer(op, parsed.body)
    if op.member not in parsed:  # botocore read no result (the lean side refuses such answers)
        return None, parsed.get("nextPageToken")
    return convert_answer(op, parsed)


def _error(exc: Exception, operation: str) -> tuple[Any, ...]:
    """What a caller sees of a failure (the request id only when the server sends a fixed one:
    the emulator makes a new one per request)."""
    error = _botocore.translate(exc, operation=operation, region=REGION)
    assert isinstance(error, LightsailError), exc
    if isinstance(error, APIError):
        request_id = error.request_id if error.request_id == "hostile-1" else "per-request"
        return (type(error), str(error), error.code, error.http_status, request_id)
    return (type(error),)


async def _lean(url: str, operation: str, params: dict[str, Any]) -> Any:
    async with LightsailClient(REGION, endpoint_url=url, max_attempts=ATTEMPTS, **KEYS) as client:
        try:
            return ("ok", _models(operation, await client._require_open().call(operation, params)))
        except Exception as exc:  # noqa: BLE001 - compared, as translated
            return ("error", _error(exc, operation))


async def _stock(url: str, operation: str, params: dict[str, Any]) -> Any:
    config = AioConfig(retries={"mode": "standard", "total_max_attempts": ATTEMPTS})
    async with AioSession().create_client(
        "lightsail",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=KEYS["aws_access_key_id"],
        aws_secret_access_key=KEYS["aws_secret_access_key"],
        config=config,
    ) as stock:
        events = stock.meta.events
        _error_answers.judge_throttles(events, "lightsail")
        events.register_first("before-parse.lightsail", _stock_readable)
        try:
            method = getattr(stock, xform_name(operation))
            return ("ok", _models(operation, await method(**params)))
        except Exception as exc:  # noqa: BLE001 - compared, as translated
            return ("error", _error(exc, operation))


async def _both(
    url: str,
    operation: str,
    params: dict[str, Any],
    attempts: Callable[[], int],
    before_each: Callable[[], object] = lambda: None,
) -> tuple[Any, int]:
    """Send the call both ways (``before_each`` runs before each); the outcome (asserted
    equal) and the attempts (asserted equal)."""
    before_each()
    before = attempts()
    lean = await _lean(url, operation, params)
    lean_attempts = attempts() - before
    before_each()
    stock = await _stock(url, operation, params)
    stock_attempts = attempts() - before - lean_attempts
    assert lean == stock
    assert lean_attempts == stock_attempts
    return lean, lean_attempts


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """The hostile server."""
    async for hostile in hostile_server():
        yield hostile


def _by_case() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(operation, parameters, answer) of one request/response case per operation."""
    seen: set[str] = set()
    for case in CASES:
        if case.operation not in seen:
            seen.add(case.operation)
            yield case.operation, case.body, case.response


SUCCESSES = list(_by_case())


def test_every_operation_has_a_case() -> None:
    """The success cases cover every operation of the table."""
    assert {operation for operation, _, _ in SUCCESSES} == set(OPERATIONS)


@pytest.mark.parametrize(("operation", "params", "answer"), SUCCESSES, ids=lambda v: str(v)[:30])
async def test_every_operation_reads_the_same(
    server: Hostile, operation: str, params: dict[str, Any], answer: dict[str, Any]
) -> None:
    """A successful answer of each operation gives the same models both ways, in one attempt."""
    server.handler = lambda _request: _answer(lightsail_json(answer))
    outcome, attempts = await _both(server.url, operation, params, lambda: len(server.seen))
    assert outcome[0] == "ok"
    assert attempts == 1
    sent = [json.loads(seen.body) for seen in server.seen]
    assert sent[0] == sent[1]


async def _answer(response: web.StreamResponse) -> web.StreamResponse:
    return response


def _raw(status: int, body: bytes, content_type: str = "application/x-amz-json-1.1") -> Handler:
    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=status,
            body=body,
            content_type=content_type,
            headers={"x-amzn-RequestId": "hostile-1"},
        )

    return answer


def _error_body(code: str, message: str = "no") -> bytes:
    return json.dumps({"__type": code, "message": message}).encode()


FAILURES: dict[str, tuple[Handler, int]] = {
    # name: (the answer of every attempt, the attempts both sides make)
    "not-found": (_raw(400, _error_body("NotFoundException", "no web-9")), 1),
    "invalid-input": (_raw(400, _error_body("InvalidInputException")), 1),
    "access-denied": (_raw(403, _error_body("AccessDeniedException")), 1),
    "unauthenticated": (_raw(400, _error_body("UnauthenticatedException")), 1),
    "expired-token": (_raw(400, _error_body("ExpiredTokenException")), 1),
    "operation-failure": (_raw(400, _error_body("OperationFailureException")), 1),
    "account-setup": (_raw(400, _error_body("AccountSetupInProgressException")), 1),
    "unrecognized-client": (_raw(400, _error_body("UnrecognizedClientException")), 1),
    "service-error-500": (_raw(500, _error_body("ServiceException")), ATTEMPTS),
    "unavailable-503-empty": (_raw(503, b""), ATTEMPTS),
    "throttling-400": (_raw(400, _error_body("ThrottlingException")), ATTEMPTS),
    "429-empty": (_raw(429, b"", "text/plain"), ATTEMPTS),
    "429-other-code": (_raw(429, _error_body("LimitExceededException")), ATTEMPTS),
    "500-not-utf8": (_raw(500, b"\xff\xfe\x00", "text/plain"), ATTEMPTS),
    "502-html": (_raw(502, b"<html>bad gateway</html>", "text/html"), ATTEMPTS),
    "400-json-list": (_raw(400, b"[1, 2]"), 1),
    "200-json-list": (_raw(200, b"[1, 2]"), 1),
}
#: Successful answers that botocore's parser reads as an empty result, and the lean path
#: refuses: a page read as empty would end a listing early and lose every item after it.
UNREADABLE_SUCCESSES = {
    "200-not-json": b"{not json",
    "200-error-document": _error_body("ServiceUnavailableException"),
}


@pytest.mark.parametrize("name", list(FAILURES))
async def test_failures_are_the_same_errors_after_the_same_attempts(
    server: Hostile, name: str
) -> None:
    """Each kind of failing answer is the same error both ways, after the same attempts."""
    handler, expected_attempts = FAILURES[name]
    server.handler = handler
    outcome, attempts = await _both(
        server.url, "GetInstance", {"instanceName": "web-9"}, lambda: len(server.seen)
    )
    assert outcome[0] == "error"
    assert attempts == expected_attempts


@pytest.mark.parametrize("name", list(UNREADABLE_SUCCESSES))
async def test_an_unreadable_success_is_refused_where_botocore_reads_nothing(
    server: Hostile, name: str
) -> None:
    """A 200 whose body is no result is a ResponseError after one attempt on the lean
    path, where a stock client returns an empty result."""
    server.handler = _raw(200, UNREADABLE_SUCCESSES[name])
    assert await _lean(server.url, "GetInstances", {}) == ("error", (ResponseError,))
    assert len(server.seen) == 1
    stock = await _stock(server.url, "GetInstances", {})
    assert stock == ("ok", (None, None))
    assert len(server.seen) == 2


@pytest.mark.parametrize("throttles", [1, ATTEMPTS - 1, ATTEMPTS])
@pytest.mark.parametrize("status", [400, 429])
async def test_throttles_are_retried_alike(server: Hostile, throttles: int, status: int) -> None:
    """``throttles`` throttling answers, then a page: both ways retry as often and agree."""
    left = 0

    def reset() -> None:
        nonlocal left
        left = throttles

    async def answer(_request: web.Request) -> web.StreamResponse:
        nonlocal left
        if left:
            left -= 1
            return web.Response(status=status, body=_error_body("ThrottlingException"))
        return lightsail_json({"instances": [{"name": "web-1"}]})

    server.handler = answer
    outcome, attempts = await _both(
        server.url, "GetInstances", {}, lambda: len(server.seen), before_each=reset
    )
    assert outcome[0] == ("ok" if throttles < ATTEMPTS else "error")
    assert attempts == min(throttles + 1, ATTEMPTS)


EMULATOR_CALLS = [
    ("GetInstances", {}),
    ("GetInstance", {"instanceName": "nope"}),
    ("GetBlueprints", {}),
    ("GetBundles", {}),
    ("GetRegions", {}),
    ("GetInstanceSnapshots", {}),
    ("GetOperations", {}),
]


@pytest.mark.parametrize(("operation", "params"), EMULATOR_CALLS)
@pytest.mark.parametrize("faults", [0, 1, ATTEMPTS])
async def test_the_emulator_is_read_alike(
    org: Emulator, operation: str, params: dict[str, Any], faults: int
) -> None:
    """Against the emulator, with ``faults`` throttles first, both ways give the same
    models or error after the same number of requests."""
    org.seed_instances(ORG[0].account_id, REGION, 3)

    def inject() -> None:
        org.faults.clear()
        org.faults.fail_next(operation, faults)

    outcome, attempts = await _both(
        org.endpoint_url,
        operation,
        params,
        lambda: org.stats.requests[operation],
        before_each=inject,
    )
    assert attempts == min(faults + 1, ATTEMPTS)
    assert outcome[0] == ("error" if faults >= ATTEMPTS or operation == "GetInstance" else "ok")


async def test_a_redirect_is_refused_not_followed(server: Hostile) -> None:
    """A 3xx answer is a RedirectError after one request (a stock client would follow it)."""
    server.handler = lambda _request: _answer(
        web.Response(status=307, headers={"Location": "https://elsewhere.example/"})
    )
    lean = await _lean(server.url, "GetInstances", {})
    assert lean == ("error", (RedirectError,))
    assert len(server.seen) == 1


async def test_a_trickled_body_ends_at_the_attempt_deadline() -> None:
    """A body dripped past the attempt deadline is retried, then a RequestTimeoutError
    (a stock client, which has no total deadline, would wait as long as bytes come)."""
    trickler = Trickler(phase="trickle-body")
    await trickler.start()
    try:
        async with LightsailClient(
            REGION,
            endpoint_url=trickler.url,
            max_attempts=ATTEMPTS,
            attempt_timeout=0.1,
            **KEYS,
        ) as client:
            with pytest.raises(Exception) as raised:  # noqa: PT011 - translated below
                await client._require_open().call("GetInstances", {})
        assert _error(raised.value, "GetInstances") == (RequestTimeoutError,)
        assert trickler.requests == ATTEMPTS
    finally:
        await trickler.stop()


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
async def test_the_retry_mode_is_the_configured_one(
    server: Hostile, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transport opened with ``mode`` retries with botocore's handler and, in adaptive
    mode only, aiobotocore's rate limiter sees every request before it is sent."""
    from aiobotocore.credentials import AioCredentials
    from aiobotocore.retries.adaptive import AsyncClientRateLimiter

    from aiolightsail._botocore import _sessions
    from aiolightsail._botocore._client import open_transport

    limited: list[object] = []
    sending = AsyncClientRateLimiter.on_sending_request

    async def counting(self: Any, request: Any, **kwargs: Any) -> None:
        limited.append(request)
        await sending(self, request, **kwargs)

    monkeypatch.setattr(AsyncClientRateLimiter, "on_sending_request", counting)
    server.handler = lambda _request: _answer(lightsail_json({"instances": []}))
    transport = await open_transport(
        _sessions.get_session(),
        "lightsail",
        region=REGION,
        endpoint_url=server.url,
        credentials=AioCredentials(KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"]),
        config=AioConfig(retries={"mode": mode, "total_max_attempts": ATTEMPTS}),
        attempt_timeout=None,
    )
    try:
        for _ in range(2):
            assert _models("GetInstances", await transport.call("GetInstances", {})) == ((), None)
        assert len(limited) == (2 if mode == "adaptive" else 0)
    finally:
        await transport.aclose()


async def test_an_unknown_retry_mode_is_refused() -> None:
    """A retry mode the transport does not implement fails the opening, clearly."""
    from botocore.exceptions import InvalidRetryModeError

    from aiolightsail._botocore import _sessions
    from aiolightsail._botocore._client import open_transport

    with pytest.raises(InvalidRetryModeError, match="legacy"):
        await open_transport(
            _sessions.get_session(),
            "lightsail",
            region=REGION,
            endpoint_url="http://127.0.0.1:9",
            credentials=None,
            config=AioConfig(retries={"mode": "legacy", "total_max_attempts": ATTEMPTS}),
            attempt_timeout=None,
        )


async def test_an_uncertain_write_is_reconciled_where_botocore_resends(server: Hostile) -> None:
    """A difference by design: a write answered 500 after the service carried it out is
    re-sent by a stock client (every attempt, then an error), and sent once on the lean
    path, which reads that it took effect and returns its operations."""
    instance = {
        "name": "web-1",
        "blueprintId": "amazon_linux_2023",
        "bundleId": "nano_3_0",
        "location": {"availabilityZone": "eu-west-1a", "regionName": REGION},
    }
    operation = {
        "id": "op-1",
        "resourceName": "web-1",
        "operationType": "CreateInstance",
        "status": "Started",
        "createdAt": 1764000000.0,
    }

    async def answer(request: web.Request) -> web.StreamResponse:
        called = request.headers["X-Amz-Target"].rpartition(".")[2]
        if called == "CreateInstances":
            return web.Response(status=500, body=_error_body("ServiceException"))
        if called == "GetInstance":
            return lightsail_json({"instance": instance})
        return lightsail_json({"operations": [operation]})

    server.handler = answer
    params = {
        "instanceNames": ["web-1"],
        "availabilityZone": "eu-west-1a",
        "blueprintId": "amazon_linux_2023",
        "bundleId": "nano_3_0",
    }
    stock = await _stock(server.url, "CreateInstances", params)
    assert stock[0] == "error"
    assert [s.operation for s in server.seen] == ["CreateInstances"] * ATTEMPTS
    server.seen.clear()
    async with LightsailClient(REGION, endpoint_url=server.url, max_attempts=ATTEMPTS, **KEYS) as c:
        created = await c.create_instances(
            instance_names=["web-1"],
            availability_zone="eu-west-1a",
            blueprint_id="amazon_linux_2023",
            bundle_id="nano_3_0",
        )
    assert [o.id for o in created] == ["op-1"]
    assert [s.operation for s in server.seen] == [
        "CreateInstances",
        "GetInstance",
        "GetOperationsForResource",
    ]
