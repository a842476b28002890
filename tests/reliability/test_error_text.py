"""Error text is bounded: one rule (``aiolightsail._text``), used everywhere, marked where cut.

Every piece of outside text an error keeps (the service's ``__type``, ``message``,
``tip``, ``docs`` and request id; a library exception's message in the chain; a page
token quoted in a message) is at most ``TEXT_MAX`` characters, and a cut piece ends
with a mark saying how many characters were cut. The emulator answers with the same
bound. The attack's own case (a 4 MiB ``message`` and a 4 MiB ``__type``) is kept apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolightsail import APIError, LightsailClient, ResponseError
from aiolightsail._text import TEXT_MAX, bounded
from aiolightsail.emulator import _errors as emulator_errors
from tests.reliability.conftest import StaticKeys
from tests.reliability.hostile import Hostile, hostile_server

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS: StaticKeys = {
    "aws_access_key_id": "AKIATEXTBOUNDTEST001",
    "aws_secret_access_key": "text-bound-test-secret-key-0000000000000",
}
MARK = re.compile(r"…\[(\d+) characters cut\]\Z")


def assert_bounded(kept: str | None, sent: str) -> None:
    """``kept`` is ``sent`` whole when it fits, else its start marked with the count cut."""
    assert kept is not None
    assert len(kept) <= TEXT_MAX
    if len(sent) <= TEXT_MAX:
        assert kept == sent
        return
    mark = MARK.search(kept)
    assert mark is not None, kept[-60:]
    start = kept[: mark.start()]
    assert sent.startswith(start)
    assert len(start) + int(mark.group(1)) == len(sent)


@given(st.text(max_size=3 * TEXT_MAX) | st.integers(0, 10**6).map(lambda n: "é" * n))
def test_bounded_keeps_a_marked_start_of_at_most_text_max(text: str) -> None:
    """Any text is kept whole up to TEXT_MAX characters, else cut to TEXT_MAX with a mark
    that says exactly how much was cut."""
    assert_bounded(bounded(text), text)


def test_the_emulator_answers_with_the_same_bound() -> None:
    """The emulator's error messages are cut by the same rule and bound."""
    assert emulator_errors.bounded is bounded
    assert emulator_errors.MESSAGE_MAX == TEXT_MAX


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """The hostile server."""
    async for hostile in hostile_server():
        yield hostile


def error_answer(status: int, fields: dict[str, str], request_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(fields).encode(),
        content_type="application/x-amz-json-1.1",
        headers={"x-amzn-RequestId": request_id},
    )


TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    st.integers(TEXT_MAX - 2, 300_000).map(lambda n: "m" * n),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=st.sampled_from([400, 403, 404, 409]),
    code=st.sampled_from(["NotFoundException", "InvalidInputException"]) | TEXT,
    message=TEXT,
    tip=TEXT,
    docs=TEXT,
    request_id=st.integers(1, 6000).map(lambda n: "r" * n),
)
async def test_every_text_of_an_error_answer_is_bounded(
    server: Hostile, status: int, code: str, message: str, tip: str, docs: str, request_id: str
) -> None:
    """An error answer's code, message, tip, docs and request id are each kept bounded and
    marked where cut; the error's whole message is bounded by their sum."""
    # botocore splits a code on "#" and ":", and the code must not be blank.
    code = code.replace("#", "").replace(":", "").strip() or "X"
    fields = {"__type": code, "message": message, "tip": tip, "docs": docs}
    server.handler = lambda _request: _answer(error_answer(status, fields, request_id))
    async with LightsailClient("eu-west-1", endpoint_url=server.url, **KEYS) as client:
        with pytest.raises(APIError) as caught:
            await client.get_instance("web-1")
    error = caught.value
    assert_bounded(error.code, code)
    assert_bounded(error.message, message)
    if error.tip is not None or error.docs is not None:  # botocore reads them for modelled codes
        assert_bounded(error.tip, tip)
        assert_bounded(error.docs, docs)
    assert_bounded(error.request_id, request_id)
    assert len(str(error)) <= 2 * TEXT_MAX + 100


async def _answer(response: web.StreamResponse) -> web.StreamResponse:
    return response


@pytest.mark.parametrize("field", ["message", "__type"])
async def test_the_attacks_4_mib_text_is_cut(server: Hostile, field: str) -> None:
    """The attack's case: a 4 MiB message or __type is kept to TEXT_MAX, marked."""
    huge = "x" * (4 * 1024 * 1024)
    fields = {"__type": "NotFoundException", "message": "no", field: huge}
    server.handler = lambda _request: _answer(error_answer(400, fields, "hostile-1"))
    async with LightsailClient("eu-west-1", endpoint_url=server.url, **KEYS) as client:
        with pytest.raises(APIError) as caught:
            await client.get_instance("web-1")
    kept = caught.value.message if field == "message" else caught.value.code
    assert_bounded(kept, huge)
    assert len(str(caught.value)) <= 2 * TEXT_MAX + 100


@pytest.mark.parametrize("length", [10, TEXT_MAX, 4 * 1024 * 1024])
async def test_an_unreadable_answers_message_is_bounded(server: Hostile, length: int) -> None:
    """A 200 carrying an error document of any size is a ResponseError whose message,
    and every message along its chain, is bounded."""
    fields = {"__type": "t" * length, "message": "m" * length}
    server.handler = lambda _request: _answer(error_answer(200, fields, "hostile-1"))
    async with LightsailClient("eu-west-1", endpoint_url=server.url, **KEYS) as client:
        with pytest.raises(ResponseError) as caught:
            await client.get_instances()
    chain: BaseException | None = caught.value
    while chain is not None:
        assert len(str(chain)) <= TEXT_MAX + 100
        chain = chain.__cause__ or chain.__context__
