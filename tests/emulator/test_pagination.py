"""Pagination: signed, scoped tokens keyed by sort position, not offset."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiolightsail.emulator import Account, Emulator
from aiolightsail.emulator._errors import ServiceError
from aiolightsail.emulator._pagination import PageTokens
from aiolightsail.emulator._seed import seed_instances
from aiolightsail.emulator._state import StateStore, Timings
from tests.emulator.helpers import PAGE_SIZE, RawClient

OTHER = Account(
    account_id="210987654321",
    access_key_id="AKIAOTHERACCOUNT0001",
    secret_access_key="other-account-secret-key-000000000000000",
)


async def _first_token(raw: RawClient, operation: str, **kw: Any) -> str:
    status, body = await raw.json(operation, {}, **kw)
    assert status == 200
    return str(body["nextPageToken"])


async def _names(raw: RawClient, operation: str, member: str, token: str | None) -> list[str]:
    status, body = await raw.json(operation, {"pageToken": token} if token else {})
    assert status == 200, body
    return [item["name"] for item in body[member]]


async def test_last_page_has_no_token(emulator: Emulator, raw: RawClient) -> None:
    """The last page omits nextPageToken entirely, even when it is exactly full."""
    emulator.seed_instances(count=2 * PAGE_SIZE)
    token = await _first_token(raw, "GetInstances")

    _, last = await raw.json("GetInstances", {"pageToken": token})

    assert len(last["instances"]) == PAGE_SIZE
    assert "nextPageToken" not in last


@pytest.mark.parametrize(
    ("kwargs", "operation"),
    [
        ({"account_id": OTHER.account_id}, "GetInstances"),
        ({"region": "eu-west-1"}, "GetInstances"),
        ({}, "GetInstanceSnapshots"),
        ({}, "GetBlueprints"),
    ],
)
async def test_foreign_tokens_are_refused(
    emulator: Emulator, raw: RawClient, kwargs: dict[str, str], operation: str
) -> None:
    """A token from another account, region or operation is an InvalidInputException."""
    emulator.add_account(OTHER)
    emulator.seed_instances(count=PAGE_SIZE + 1)
    token = await _first_token(raw, "GetInstances")

    status, body = await raw.json(operation, {"pageToken": token}, **kwargs)

    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert "pageToken" in body["message"]


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2], lambda t: "x" + t[1:], lambda t: "%%%", str.upper]
)
async def test_garbled_tokens_are_refused(emulator: Emulator, raw: RawClient, mangle: Any) -> None:
    """A truncated, altered or non-base64 token is an InvalidInputException."""
    emulator.seed_instances(count=PAGE_SIZE + 1)
    token = await _first_token(raw, "GetInstances")

    status, body = await raw.json("GetInstances", {"pageToken": mangle(token)})

    assert (status, body["__type"]) == (400, "InvalidInputException")


async def test_changes_between_pages_cause_no_skips_or_duplicates(
    emulator: Emulator, raw: RawClient
) -> None:
    """Deleting and creating items mid-walk makes none of the others skip or repeat."""
    names = [r.name for r in emulator.seed_instances(count=10, prefix="n")]
    seen = await _names(raw, "GetInstances", "instances", None)
    token = await _first_token(raw, "GetInstances")
    state = emulator.state()
    state.remove_instance(names[0])  # already served
    state.remove_instance(names[5])  # not yet served
    emulator.add_instance(None, "us-east-1", "late-1")

    while token:
        _, body = await raw.json("GetInstances", {"pageToken": token})
        seen += [i["name"] for i in body["instances"]]
        token = body.get("nextPageToken")

    assert seen == [n for n in names if n != names[5]] + ["late-1"]


@pytest.mark.parametrize(("include_inactive", "expect_inactive"), [(False, False), (True, True)])
async def test_blueprints_honour_include_inactive(
    raw: RawClient, include_inactive: bool, expect_inactive: bool
) -> None:
    """GetBlueprints lists inactive blueprints only when includeInactive is true."""
    active: list[bool] = []
    token: str | None = None
    while True:
        body: dict[str, Any] = {"includeInactive": include_inactive}
        if token:
            body["pageToken"] = token
        _, page = await raw.json("GetBlueprints", body)
        active += [b["isActive"] for b in page["blueprints"]]
        token = page.get("nextPageToken")
        if not token:
            break

    assert (False in active) is expect_inactive
    assert len(active) > PAGE_SIZE


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=25),
    page_size=st.integers(min_value=1, max_value=7),
    churn=st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=40)), max_size=12),
)
def test_walks_survive_any_churn(count: int, page_size: int, churn: list[tuple[bool, int]]) -> None:
    """Whatever is created or deleted between pages, every item present throughout is seen once."""
    state = StateStore().get("123456789012", "us-east-1")
    seed_instances(state, count, now=0.0, timings=Timings(), prefix="i")
    original = set(state.instances)
    deleted: set[str] = set()
    seen: list[str] = []
    after: int | None = None
    steps = iter(churn)
    while True:
        page, after = state.page_instances(after, page_size)
        seen += [r.name for r in page]
        create, index = next(steps, (False, -1))
        if create:
            seed_instances(state, 1, now=0.0, timings=Timings(), prefix=f"c{index}")
        elif index >= 0 and state.instances:
            victim = sorted(state.instances)[index % len(state.instances)]
            state.remove_instance(victim)
            deleted.add(victim)
        if after is None:
            break

    assert len(seen) == len(set(seen))
    assert original - deleted <= set(seen)


@given(
    key=st.one_of(st.integers(min_value=0), st.text(max_size=30)),
    account=st.text(min_size=1, max_size=12),
)
def test_tokens_round_trip_and_bind_to_their_scope(key: int | str, account: str) -> None:
    """A token decodes to its key in its own scope and is refused in any other."""
    tokens = PageTokens.from_seed(1)
    token = tokens.encode(account_id=account, region="us-east-1", operation="GetInstances", key=key)

    assert (
        tokens.decode(token, account_id=account, region="us-east-1", operation="GetInstances")
        == key
    )
    with pytest.raises(ServiceError):
        tokens.decode(token, account_id=account + "x", region="us-east-1", operation="GetInstances")
    with pytest.raises(ServiceError):
        PageTokens.from_seed(2).decode(
            token, account_id=account, region="us-east-1", operation="GetInstances"
        )


@given(garbage=st.text(max_size=80))
def test_arbitrary_text_is_never_a_token(garbage: str) -> None:
    """No arbitrary string decodes as a token: decoding fails only with ServiceError."""
    with pytest.raises(ServiceError):
        PageTokens.from_seed(0).decode(
            garbage, account_id="123456789012", region="us-east-1", operation="GetInstances"
        )
