"""Async iteration over every page: complete, lazy, resumable, and safe against looping tokens."""

from __future__ import annotations

import gc
import weakref
from collections.abc import AsyncIterator, Callable

import pytest

import aiolightsail as al
from aiolightsail import LightsailClient
from aiolightsail._pagination import PageIterator
from aiolightsail.emulator import Emulator, FaultKind
from tests.conftest import PAGE_SIZE, Wire, keys, stray_tasks

REGION = "eu-west-1"


@pytest.fixture
async def live(emulator: Emulator) -> AsyncIterator[LightsailClient]:
    """A client of account A in eu-west-1, talking HTTP to the emulator."""
    async with LightsailClient(
        REGION, endpoint_url=emulator.endpoint_url, max_attempts=2, **keys(0)
    ) as client:
        yield client


@pytest.mark.parametrize("count", [0, 1, PAGE_SIZE, 23])
async def test_iter_instances_yields_every_instance_once(
    count: int, emulator: Emulator, live: LightsailClient
) -> None:
    """All seeded instances come back exactly once, in the service's order, across pages."""
    seeded = emulator.seed_instances(emulator.default_account.account_id, REGION, count)
    iterator = live.iter_instances()
    names = [instance.name async for instance in iterator]
    assert names == [record.name for record in seeded]
    assert iterator.pages_fetched == max(1, -(-count // PAGE_SIZE))


async def test_iter_instance_snapshots_and_blueprints(
    emulator: Emulator, live: LightsailClient
) -> None:
    """Snapshots and blueprints paginate the same way; include_inactive adds retired images."""
    seeded = emulator.seed_snapshots(emulator.default_account.account_id, REGION, 12)
    names = [s.name async for s in live.iter_instance_snapshots()]
    assert sorted(names, key=str) == sorted(record.name for record in seeded)
    assert len(names) == len(set(names)) == 12
    active = [b.blueprint_id async for b in live.iter_blueprints()]
    every = [b.blueprint_id async for b in live.iter_blueprints(include_inactive=True)]
    assert len(active) > PAGE_SIZE, "the catalogue spans pages"
    assert set(active) < set(every)
    assert len(every) == len(set(every))


async def test_pages_are_fetched_lazily(emulator: Emulator, live: LightsailClient) -> None:
    """Taking the first item fetches one page, not the whole listing."""
    emulator.seed_instances(emulator.default_account.account_id, REGION, 30)
    before = emulator.stats.requests["GetInstances"]
    iterator = live.iter_instances()
    await anext(iterator)
    assert emulator.stats.requests["GetInstances"] - before == 1
    assert iterator.pages_fetched == 1
    await iterator.aclose()


async def test_resume_from_checkpoint(emulator: Emulator, live: LightsailClient) -> None:
    """Resuming from a page boundary's token yields exactly the items not yet seen."""
    seeded = [
        r.name for r in emulator.seed_instances(emulator.default_account.account_id, REGION, 17)
    ]
    iterator = live.iter_instances()
    seen: list[str | None] = []
    async for page in iterator.pages():
        seen += [i.name for i in page.items]
        if len(seen) >= 2 * PAGE_SIZE:
            checkpoint = page.next_page_token
            break
    rest = [i.name async for i in live.iter_instances(page_token=checkpoint)]
    assert seen + rest == seeded


async def test_failed_page_carries_resume_token(emulator: Emulator, live: LightsailClient) -> None:
    """A page that fails after retries raises with its token; resuming loses and repeats nothing."""
    seeded = [
        r.name for r in emulator.seed_instances(emulator.default_account.account_id, REGION, 14)
    ]
    iterator = live.iter_instances()
    got = [(await anext(iterator)).name for _ in range(PAGE_SIZE)]
    emulator.faults.fail_next("GetInstances", 2, FaultKind.SERVER_ERROR)  # both attempts of page 2
    with pytest.raises(al.ServiceError) as caught:
        await anext(iterator)
    assert caught.value.page_token is not None
    assert caught.value.page_token == iterator.page_token
    resumed = [i.name async for i in live.iter_instances(page_token=caught.value.page_token)]
    assert got + resumed == seeded
    # The same iterator, iterated again, retries the failed page and carries on.
    assert [i.name async for i in iterator] == resumed


async def test_break_leaves_nothing_running(emulator: Emulator, live: LightsailClient) -> None:
    """Leaving a loop early leaves no task or request behind (warnings are errors here)."""
    emulator.seed_instances(emulator.default_account.account_id, REGION, 20)
    async for _ in live.iter_instances():
        break
    assert stray_tasks() == set()
    assert (await live.get_instances()).items, "the client still works"


async def test_repeated_token_raises_pagination_error(client: LightsailClient, wire: Wire) -> None:
    """A token the service already sent ends in PaginationError instead of looping forever."""
    wire.reply({"instances": [{"name": "a1"}], "nextPageToken": "t1"})
    wire.reply({"instances": [{"name": "b1"}], "nextPageToken": "t2"})
    wire.reply({"instances": [{"name": "c1"}], "nextPageToken": "t1"})
    iterator = client.iter_instances()
    names = [(await anext(iterator)).name for _ in range(3)]
    with pytest.raises(al.PaginationError, match="t1"):
        await anext(iterator)
    assert names == ["a1", "b1", "c1"]
    assert len(wire.calls) == 3


async def test_empty_token_ends_cleanly(client: LightsailClient, wire: Wire) -> None:
    """An empty-string nextPageToken ends the listing, as botocore's paginators do."""
    wire.reply({"instances": [{"name": "a1"}], "nextPageToken": ""})
    assert [i.name async for i in client.iter_instances()] == ["a1"]
    assert len(wire.calls) == 1


async def test_pages_after_items_continue_where_items_stopped(
    client: LightsailClient, wire: Wire
) -> None:
    """Switching from items to pages mid-page yields the page's rest, then whole pages."""
    wire.reply({"instances": [{"name": "a1"}, {"name": "a2"}], "nextPageToken": "t1"})
    wire.reply({"instances": [{"name": "b1"}]})
    iterator = client.iter_instances()
    assert (await anext(iterator)).name == "a1"
    pages = [[i.name for i in page.items] async for page in iterator.pages()]
    assert pages == [["a2"], ["b1"]]


def test_iterator_arguments_checked(client_factory: Callable[..., LightsailClient]) -> None:
    """iter_* validate page_token before returning, like the get_* methods."""
    client = client_factory()
    with pytest.raises(al.ValidationError, match="page_token"):
        client.iter_instances(page_token="")


class _Item:
    """A page item the test can hold a weak reference to."""


@pytest.mark.parametrize("by_page", [False, True])
async def test_a_finished_page_is_not_held_while_the_next_is_fetched(by_page: bool) -> None:
    """With hundreds of targets in flight, held pages were a third of the heap that
    every full garbage collection walked: the iterator lets a page go first."""
    first: list[weakref.ref[_Item]] = []
    alive_during_second_fetch: list[bool] = []

    async def fetch(token: str | None) -> al.Page[_Item]:
        if token is None:
            items = tuple(_Item() for _ in range(3))
            first.extend(weakref.ref(item) for item in items)
            return al.Page(items=items, next_page_token="t2")
        gc.collect()
        alive_during_second_fetch.append(any(ref() is not None for ref in first))
        return al.Page(items=(), next_page_token=None)

    iterator = PageIterator(fetch, operation="GetInstances")
    if by_page:
        async for page in iterator.pages():
            del page
    else:
        async for item in iterator:
            del item
    assert alive_during_second_fetch == [False]
