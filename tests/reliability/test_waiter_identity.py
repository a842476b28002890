"""Waiters check identity: an answer about another resource is a ResponseError, not a success.

A hostile server answers every poll with a resource that is already in the awaited
state (an operation ``Succeeded``, an instance ``running``, a snapshot ``available``,
an instance still present), but names it as the generated identity says. The rule:
the waiter returns only when the answer names what was asked for; any other name or
id, or none, is a :class:`~aiolightsail.ResponseError` after one poll.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from aiolightsail import LightsailClient, Operation, ResponseError
from tests.reliability.conftest import StaticKeys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS: StaticKeys = {
    "aws_access_key_id": "AKIAWAITERTEST000001",
    "aws_secret_access_key": "waiter-test-secret-key-00000000000000000",
}
ASKED = "web-1"
OPERATION_ID = "1b8a7c6e-0000-4000-8000-000000000001"


def answers(identity: str | None) -> dict[str, Any]:
    """Each polled operation's answer: awaited state reached, named ``identity``."""
    named = {} if identity is None else {"name": identity}
    return {
        "GetOperation": {
            "operation": {
                **({} if identity is None else {"id": identity}),
                "status": "Succeeded",
                "isTerminal": True,
            }
        },
        "GetInstance": {"instance": {**named, "state": {"code": 16, "name": "running"}}},
        "GetInstanceSnapshot": {"instanceSnapshot": {**named, "state": "available"}},
    }


WAITERS: dict[str, tuple[str, Callable[[LightsailClient], Awaitable[Any]]]] = {
    # name: (what the waiter asks about, the wait)
    "operations": (
        OPERATION_ID,
        lambda c: c.wait_for_operations(
            [Operation(id=OPERATION_ID, status="Started")], timeout=5, interval=0.001
        ),
    ),
    "instance-state": (
        ASKED,
        lambda c: c.wait_for_instance_state(ASKED, "running", timeout=5, interval=0.001),
    ),
    "instance-snapshot": (
        ASKED,
        lambda c: c.wait_for_instance_snapshot(ASKED, timeout=5, interval=0.001),
    ),
    "instance-deleted": (
        ASKED,
        lambda c: c.wait_until_instance_deleted(ASKED, timeout=5, interval=0.001),
    ),
}


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """The hostile server."""
    async for hostile in hostile_server():
        yield hostile


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(waiter="operations", identity="1b8a7c6e-0000-4000-8000-000000000002")
@example(waiter="instance-state", identity="web-2")
@example(waiter="instance-snapshot", identity=None)
@given(
    waiter=st.sampled_from(sorted(WAITERS)),
    identity=st.one_of(st.none(), st.just("asked"), st.text(max_size=40)),
)
async def test_a_waiter_accepts_only_an_answer_about_what_it_asked(
    server: Hostile, waiter: str, identity: str | None
) -> None:
    """A poll answered about another resource (or none) fails the wait with ResponseError
    after that one poll; an answer about the asked resource ends the wait."""
    asked, wait = WAITERS[waiter]
    if identity == "asked":
        identity = asked
    # An instance still present under its own name is not deleted: that waiter polls on.
    assume(not (waiter == "instance-deleted" and identity == asked))
    server.seen.clear()

    async def handler(request: web.Request) -> web.StreamResponse:
        operation = request.headers["X-Amz-Target"].rpartition(".")[2]
        return lightsail_json(answers(identity)[operation])

    server.handler = handler
    async with LightsailClient("eu-west-1", endpoint_url=server.url, **KEYS) as client:
        if identity == asked:
            await wait(client)
            return
        with pytest.raises(ResponseError, match="the answer is about"):
            await wait(client)
    assert len(server.seen) == 1
