"""Error answers are judged by their status: every 429 is a throttle, an unreadable body no
reason to stop retrying.

A hostile server answers the first ``k`` requests with a 429 whose body is
generated (empty, text, HTML, JSON with or without an error code, any code),
then answers properly. The rule: with ``max_attempts`` attempts, the call
succeeds after ``k + 1`` requests when ``k < max_attempts``; otherwise it
raises :class:`ThrottledError` after exactly ``max_attempts`` requests, with
the code the server sent (the status when it sent none).

And an error answer of any status whose body names no error (bytes that are
not UTF-8, JSON that is not an object, broken XML from STS) is the error its
status says, retried when the status is retryable, never a ResponseError.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiolightsail import (
    APIError,
    Fleet,
    LightsailClient,
    ServiceError,
    Target,
    ThrottledError,
)
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS = static_keys(ORG[0])
CODES = st.one_of(
    st.sampled_from(["LimitExceededException", "Foo", "InternalFailure", "ThrottlingException"]),
    st.from_regex(r"[A-Za-z]{1,20}", fullmatch=True),
)
BODIES = st.one_of(
    st.just(b""),
    st.sampled_from([b"Too Many Requests", b"<html><h1>429</h1></html>", b"{}", b"[]"]),
    st.builds(lambda code: json.dumps({"__type": code, "message": "slow down"}).encode(), CODES),
    st.builds(lambda text: json.dumps({"message": text}).encode(), st.text(max_size=20)),
    st.binary(max_size=40),
)


def sent_code(body: bytes) -> str:
    """The code the caller should see: the body's ``__type``, else the status."""
    try:
        data = json.loads(body)
    except ValueError:
        return "429"
    return data["__type"] if isinstance(data, dict) and "__type" in data else "429"


def throttle_then(k: int, body: bytes, content_type: str, then: Any) -> Any:
    """A handler answering 429 with ``body`` ``k`` times, then ``then``."""
    count = 0

    async def answer(request: web.Request) -> web.StreamResponse:
        nonlocal count
        count += 1
        if count <= k:
            return web.Response(status=429, body=body, content_type=content_type)
        answer: web.StreamResponse = await then(request)
        return answer

    return answer


async def instances(_request: web.Request) -> web.StreamResponse:
    """A page of one instance."""
    return lightsail_json({"instances": [{"name": "web-1"}]})


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """The hostile server."""
    async for hostile in hostile_server():
        yield hostile


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(k=1, max_attempts=5, body=b"", content_type="text/plain")
@given(
    k=st.integers(0, 6),
    max_attempts=st.integers(1, 5),
    body=BODIES,
    content_type=st.sampled_from(
        ["application/x-amz-json-1.1", "text/plain", "text/html", "application/json"]
    ),
)
async def test_every_429_is_retried_as_a_throttle(
    server: Hostile, k: int, max_attempts: int, body: bytes, content_type: str
) -> None:
    """k 429 answers of any body: the call succeeds after k + 1 requests if attempts remain,
    else raises ThrottledError after max_attempts requests with the code the server sent."""
    server.seen.clear()
    server.handler = throttle_then(k, body, content_type, instances)
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, max_attempts=max_attempts, **KEYS
    ) as client:
        if k < max_attempts:
            page = await client.get_instances()
            assert [i.name for i in page.items] == ["web-1"]
            assert len(server.seen) == k + 1
        else:
            with pytest.raises(ThrottledError) as caught:
                await client.get_instances()
            assert len(server.seen) == max_attempts
            assert caught.value.http_status == 429
            assert caught.value.code == sent_code(body)


async def sts_answer(request: web.Request) -> web.StreamResponse:
    """AssumeRole's answer, then Lightsail's."""
    if request.headers.get("X-Amz-Target"):
        return await instances(request)
    xml = (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<AssumeRoleResult><Credentials><AccessKeyId>ASIATHROTTLETEST0001</AccessKeyId>"
        "<SecretAccessKey>throttle-test-secret</SecretAccessKey>"
        "<SessionToken>throttle-test-token</SessionToken>"
        "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
        "<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::222222222222:assumed-role/r/s</Arn></AssumedRoleUser>"
        "</AssumeRoleResult></AssumeRoleResponse>"
    )
    return web.Response(text=xml, content_type="text/xml")


async def test_a_bare_429_from_sts_is_retried(server: Hostile) -> None:
    """AssumeRole answered twice with an empty 429 is retried and the role target answers."""
    server.handler = throttle_then(2, b"", "text/plain", sts_answer)
    target = Target(
        "eu-west-1",
        endpoint_url=server.url,
        role_arn="arn:aws:iam::222222222222:role/inventory",
        **KEYS,
    )
    async with Fleet([target]) as fleet, fleet.iter_instances() as stream:
        names = [instance.name async for _, instance in stream]
    assert (names, stream.failures) == (["web-1"], [])
    assert [seen.operation for seen in server.seen] == ["AssumeRole"] * 3 + ["GetInstances"]


#: The statuses botocore's standard mode retries (429 by our rule, the rest by its own).
RETRIED = {429, 500, 502, 503, 504}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(status=503, body=b"\xff\xfe", max_attempts=3)
@example(status=400, body=b"[1, 2]", max_attempts=3)
@given(
    status=st.one_of(st.integers(400, 599), st.sampled_from(sorted(RETRIED))),
    body=st.one_of(
        st.binary(max_size=60),
        st.sampled_from([b"[]", b"1", b'"x"', b"null", b"\x80abc", b'{"a":', b"<html>"]),
    ).filter(lambda b: b"__type" not in b),
    max_attempts=st.integers(1, 4),
)
async def test_an_error_body_that_names_no_error_is_judged_by_its_status(
    server: Hostile, status: int, body: bytes, max_attempts: int
) -> None:
    """Any error status with a body that names no error gives the status's error class with
    the status as its code, after max_attempts requests when the status is retried, else one."""
    server.seen.clear()

    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, content_type="application/x-amz-json-1.1")

    server.handler = answer
    expected = ThrottledError if status == 429 else ServiceError if status >= 500 else APIError
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, max_attempts=max_attempts, **KEYS
    ) as client:
        with pytest.raises(APIError) as caught:
            await client.get_instances()
    assert type(caught.value) is expected
    assert caught.value.code == str(status)
    assert len(server.seen) == (max_attempts if status in RETRIED else 1)


@pytest.mark.parametrize("status", [400, 403, 429, 503])
@pytest.mark.parametrize("body", [b"", b"\xff\xfe<", b"<Error>", b"<html><body>busy", b"{}"])
async def test_an_sts_error_body_that_is_not_xml_is_judged_by_its_status(
    server: Hostile, status: int, body: bytes
) -> None:
    """An AssumeRole error answer whose body is not XML fails the role target with the
    status's error class (after retries when it is retryable), not a ResponseError."""

    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, content_type="text/xml")

    server.handler = answer
    target = Target(
        "eu-west-1",
        endpoint_url=server.url,
        role_arn="arn:aws:iam::222222222222:role/inventory",
        **KEYS,
    )
    async with Fleet([target], max_attempts=2) as fleet, fleet.iter_instances() as stream:
        assert [item async for item in stream] == []
    expected = ThrottledError if status == 429 else ServiceError if status >= 500 else APIError
    assert [type(f.error) for f in stream.failures] == [expected]
    assert len(server.seen) == (2 if status in RETRIED else 1)
