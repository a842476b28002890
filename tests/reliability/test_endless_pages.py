"""Listings end, and every error resumes exactly after the last page delivered.

A hostile server serves a generated chain of pages: any number of items per
page, arbitrary tokens, and an end that is an end, a loop back to an earlier
token, or an endless run of new tokens; one page may fail on every attempt.
An oracle walks the chain by the stated rules:

* follow tokens until the chain ends;
* stop with :class:`PaginationError` when a token repeats, when ``max_pages``
  pages have arrived and another is announced, or after a run of empty pages;
* every error, a failed request's or a PaginationError, carries as
  ``page_token`` the token of the first page not delivered, so resuming there
  neither skips nor repeats a page.

The client's iterator and a fleet's stream must agree with the oracle: the
same items in the same order, the same error class, the same token.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiolightsail import (
    Fleet,
    LightsailClient,
    LightsailError,
    Page,
    PageIterator,
    PaginationError,
    ResponseError,
    ServiceError,
    Target,
)
from tests.reliability.conftest import ORG, static_keys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json

pytestmark = pytest.mark.usefixtures("no_backoff")

KEYS = static_keys(ORG[0])


@attrs.frozen
class Chain:
    """A generated listing: page ``i`` has ``sizes[i]`` items and is fetched with ``tokens[i]``
    (``None`` for the first); after the last page comes ``end``: ``"stop"``, an earlier page
    to loop back to, or ``"endless"`` (new empty-or-not pages forever)."""

    sizes: tuple[int, ...]
    tokens: tuple[str | None, ...]
    end: str | int
    failing: int | None
    #: Items on each endless page (``None``: one on every other page).
    tail: int | None = None

    def size(self, page: int) -> int:
        if page < len(self.sizes):
            return self.sizes[page]
        return page % 2 if self.tail is None else self.tail

    def page_of(self, token: str | None) -> int:
        """The page ``token`` fetches."""
        if token is not None and token.startswith("endless-"):
            return int(token.removeprefix("endless-"))
        return self.tokens.index(token)

    def token(self, page: int) -> str | None:
        return self.tokens[page] if page < len(self.tokens) else f"endless-{page}"

    def after(self, page: int) -> int | None:
        """The page that follows ``page``, or ``None`` at the end."""
        if page + 1 < len(self.sizes) or self.end == "endless":
            return page + 1
        return None if self.end == "stop" else int(self.end)

    def items(self, page: int) -> list[str]:
        return [f"p{page}-{j}" for j in range(self.size(page))]


@st.composite
def chains(draw: Any) -> Chain:
    """A chain of 1 to 12 pages with unique arbitrary tokens, its end, and maybe a bad page."""
    sizes = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=12)))
    text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
    tokens = draw(
        st.lists(text.filter(lambda t: t.strip() and not t.startswith("endless-")),
                 min_size=len(sizes) - 1, max_size=len(sizes) - 1, unique=True)
    )  # fmt: skip
    ends: list[Any] = ["stop", "endless", *range(1, len(sizes))]
    end = draw(st.sampled_from(ends))
    failing = draw(st.one_of(st.none(), st.integers(0, len(sizes) + 3)))
    return Chain(sizes, (None, *tokens), end, failing)


@attrs.frozen
class Outcome:
    """What a listing delivered and how it ended."""

    items: list[str]
    error: type[LightsailError] | None
    token: str | None


def oracle(chain: Chain, max_pages: int, start: int = 0, max_empty: int = 100) -> Outcome:
    """The outcome the rules give, walking the chain from page ``start``."""
    items: list[str] = []
    seen = {chain.token(start)} - {None}
    page, fetched, empty_run = start, 0, 0
    while True:
        if page == chain.failing:
            return Outcome(items, ServiceError, chain.token(page))
        items += chain.items(page)
        fetched += 1
        empty_run = 0 if chain.size(page) else empty_run + 1
        following = chain.after(page)
        if following is None:
            return Outcome(items, None, None)
        token = chain.token(following)
        if token in seen or fetched >= max_pages or empty_run >= max_empty:
            return Outcome(items, PaginationError, token)
        seen.add(token)
        page = following


def handler(chain: Chain) -> Any:
    """The hostile server's GetInstances over ``chain``."""

    async def answer(request: web.Request) -> web.StreamResponse:
        page = chain.page_of(json.loads(await request.read() or b"{}").get("pageToken"))
        if page == chain.failing:
            return lightsail_json({"__type": "ServiceException", "message": "down"}, 500)
        body: dict[str, Any] = {
            "instances": [{"name": name, "arn": f"arn:{name}"} for name in chain.items(page)]
        }
        following = chain.after(page)
        if following is not None:
            body["nextPageToken"] = chain.token(following)
        return lightsail_json(body)

    return answer


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """The hostile server the chains are served from."""
    async for hostile in hostile_server():
        yield hostile


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@example(chain=Chain((1, 1), (None, "a"), 1, None), max_pages=50)
@example(chain=Chain((0,), (None,), "endless", None), max_pages=7)
@given(chain=chains(), max_pages=st.integers(1, 15))
async def test_client_listing_follows_the_rules(
    server: Hostile, chain: Chain, max_pages: int
) -> None:
    """A client's iteration yields the oracle's items and ends with its error and token;
    resuming from that token after a failed request delivers the rest, and nothing delivered
    before is repeated unless the service's chain itself loops back."""
    server.handler = handler(chain)
    expected = oracle(chain, max_pages)
    got = await listing(server.url, max_pages, None)
    assert got == expected
    if expected.error is ServiceError:
        failing = chain.failing
        assert failing is not None
        rest = oracle(attrs.evolve(chain, failing=None), max_pages, start=failing)
        server.handler = handler(attrs.evolve(chain, failing=None))
        resumed = await listing(server.url, max_pages, expected.token)
        assert resumed == rest
        if not isinstance(chain.end, int):  # a chain that loops repeats by itself
            assert not set(got.items) & set(resumed.items), "resuming repeats no item"


async def listing(url: str, max_pages: int, token: str | None) -> Outcome:
    """Iterate GetInstances from ``token``; what arrived and how it ended."""
    items: list[str] = []
    async with LightsailClient(
        "eu-west-1", endpoint_url=url, max_attempts=1, max_pages=max_pages, **KEYS
    ) as client:
        try:
            async for instance in client.iter_instances(page_token=token):
                assert instance.name is not None
                items.append(instance.name)
        except LightsailError as exc:
            return Outcome(items, type(exc), exc.page_token)
    return Outcome(items, None, None)


@SETTINGS
@given(chain=chains(), max_pages=st.integers(1, 15))
async def test_fleet_listing_follows_the_rules(
    server: Hostile, chain: Chain, max_pages: int
) -> None:
    """A fleet's stream yields the oracle's items, and its failure carries the oracle's error
    and resume token."""
    server.handler = handler(chain)
    expected = oracle(chain, max_pages)
    target = Target("eu-west-1", endpoint_url=server.url, **KEYS)
    async with (
        Fleet([target], max_attempts=1, max_pages=max_pages) as fleet,
        fleet.iter_instances() as stream,
    ):
        items = [instance.name async for _, instance in stream]
    failures = [(type(f.error), f.page_token) for f in stream.failures]
    assert items == expected.items
    assert failures == ([] if expected.error is None else [(expected.error, expected.token)])


@settings(max_examples=300)
@given(
    sizes=st.lists(st.integers(0, 2), min_size=1, max_size=40),
    max_empty=st.integers(1, 6),
)
async def test_a_run_of_empty_pages_ends_the_listing(sizes: list[int], max_empty: int) -> None:
    """Pages keep coming with new tokens: the iterator stops with PaginationError exactly when
    max_empty_pages empty pages in a row are followed by yet another token."""
    tokens = (None, *(f"t{i}" for i in range(1, len(sizes))))
    chain = Chain(tuple(sizes), tokens, "endless", None, tail=0)

    async def fetch(token: str | None) -> Page[str]:
        page = chain.page_of(token)
        return Page(items=tuple(chain.items(page)), next_page_token=chain.token(page + 1))

    iterator = PageIterator(
        fetch, operation="GetInstances", max_pages=1000, max_empty_pages=max_empty
    )
    items: list[str] = []

    async def drain() -> None:
        async for item in iterator:
            items.append(item)  # noqa: PERF401 - the items before the error count too

    with pytest.raises(PaginationError) as caught:
        await drain()
    expected = oracle(chain, 1000, max_empty=max_empty)
    assert expected.error is PaginationError
    assert (items, caught.value.page_token) == (expected.items, expected.token)
    assert iterator.resume_token == expected.token


@pytest.mark.parametrize("token", [" ", "\t\n", "\ud800"])
async def test_a_token_that_cannot_be_sent_back_is_a_response_error(
    server: Hostile, token: str
) -> None:
    """A next-page token that is blank or not UTF-8 text (it could neither be followed nor
    handed back for resuming) fails the page that carried it with a ResponseError."""

    async def answer(_request: web.Request) -> web.StreamResponse:
        body = json.dumps({"instances": [{"name": "a-1"}], "nextPageToken": token})
        return web.Response(body=body.encode(), content_type="application/x-amz-json-1.1")

    server.handler = answer
    got = await listing(server.url, 10, "start")
    assert got == Outcome([], ResponseError, "start")
