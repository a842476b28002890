"""Redirects are never followed: a 3xx is a RedirectError, and nothing reaches the other host.

A hostile endpoint answers every request with a redirect to a second server
that records whatever reaches it. The rule: for every 3xx status, with any
``Location`` (absolute to the other host, relative, missing, garbage), for a
read and for a write carrying a launch script, for static keys with a session
token, for a fleet and for an assumed role (STS): the call fails with
:class:`RedirectError` after one request, and the other host hears nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiolightsail import Fleet, LightsailClient, RedirectError, Target
from tests.reliability.conftest import StaticKeys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS: StaticKeys = {
    "aws_access_key_id": "AKIAREDIRECTTEST0001",
    "aws_secret_access_key": "redirect-test-secret-key-000000000000000",
}
TOKEN = "redirect-test-session-token-0123456789"
USER_DATA = "#!/bin/sh\necho 'launch-script-secret-7731'\n"


@pytest.fixture
async def endpoint() -> AsyncIterator[Hostile]:
    """The hostile endpoint the client is pointed at."""
    async for server in hostile_server():
        yield server


@pytest.fixture
async def elsewhere() -> AsyncIterator[Hostile]:
    """The host redirects point to; it records what reaches it."""
    async for server in hostile_server():
        server.handler = _instances
        yield server


async def _instances(_request: web.Request) -> web.StreamResponse:
    return lightsail_json({"instances": []})


def redirect(status: int, location: str | None) -> Any:
    """A handler answering ``status`` with ``Location: location``."""

    async def handler(_request: web.Request) -> web.StreamResponse:
        headers = {} if location is None else {"Location": location}
        body = b"" if status == 304 else b"<html>moved</html>"
        return web.Response(status=status, body=body, headers=headers)

    return handler


LOCATIONS = st.one_of(
    st.sampled_from(["{elsewhere}/", "{elsewhere}/steal?x=1", "/relative", "//{host}/x", None]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30),
)

CALLS: dict[str, Any] = {
    "get_instances": lambda c: c.get_instances(),
    "create_instances": lambda c: c.create_instances(
        instance_names=["web-1"],
        availability_zone="eu-west-1a",
        blueprint_id="ubuntu_24_04",
        bundle_id="nano_3_0",
        user_data=USER_DATA,
    ),
}


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(status=307, location="{elsewhere}/", call="create_instances")
@example(status=301, location="{elsewhere}/", call="get_instances")
@given(
    status=st.one_of(st.sampled_from([301, 302, 303, 307, 308]), st.integers(300, 399)),
    location=LOCATIONS,
    call=st.sampled_from(sorted(CALLS)),
)
async def test_a_redirect_is_an_error_and_is_not_followed(
    endpoint: Hostile, elsewhere: Hostile, status: int, location: str | None, call: str
) -> None:
    """Any 3xx answer, wherever it points, fails the call with RedirectError after one request;
    the other host receives nothing, and the error shows neither the token nor the script."""
    endpoint.seen.clear()
    if location is not None:
        location = location.replace("{elsewhere}", elsewhere.url).replace(
            "{host}", elsewhere.url.removeprefix("http://")
        )
    endpoint.handler = redirect(status, location)
    async with LightsailClient(
        "eu-west-1", endpoint_url=endpoint.url, aws_session_token=TOKEN, **KEYS
    ) as client:
        with pytest.raises(RedirectError) as caught:
            await CALLS[call](client)
    assert caught.value.status == status
    assert len(endpoint.seen) == 1, "a redirect is not retried"
    assert elsewhere.seen == []
    shown = f"{caught.value} {caught.value!r}"
    assert TOKEN not in shown and "launch-script-secret" not in shown


async def test_a_fleet_target_that_redirects_fails_alone(
    endpoint: Hostile, elsewhere: Hostile
) -> None:
    """In a fleet, a target whose endpoint redirects is a failure of that target with a
    RedirectError; the redirect's host hears nothing, the other target answers."""
    endpoint.handler = redirect(302, f"{elsewhere.url}/")
    bad = Target("eu-west-1", endpoint_url=endpoint.url, **KEYS)
    good = Target("eu-west-1", endpoint_url=elsewhere.url, **KEYS)
    async with Fleet([bad, good]) as fleet, fleet.iter_instances() as stream:
        assert [item async for item in stream] == []
    assert [(f.target, type(f.error)) for f in stream.failures] == [(bad, RedirectError)]
    assert [seen.operation for seen in elsewhere.seen] == ["GetInstances"]  # good's own call


async def test_a_redirecting_sts_is_refused(endpoint: Hostile, elsewhere: Hostile) -> None:
    """AssumeRole answered with a 307 to another host fails the role target with a
    RedirectError; the other host never sees the signed STS request."""
    endpoint.handler = redirect(307, f"{elsewhere.url}/")
    target = Target(
        "eu-west-1",
        endpoint_url=endpoint.url,
        role_arn="arn:aws:iam::111111111111:role/inventory",
        **KEYS,
    )
    async with Fleet([target], max_attempts=1) as fleet, fleet.iter_instances() as stream:
        assert [item async for item in stream] == []
    assert [type(f.error) for f in stream.failures] == [RedirectError]
    assert [seen.operation for seen in endpoint.seen] == ["AssumeRole"]
    assert elsewhere.seen == []
