"""The emulator's Organizations, as boto3 sees it: ListAccounts with paging, and its errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aiolightsail.emulator import Account, Emulator, FaultKind
from tests.emulator.helpers import PAGE_SIZE, ClientFactory, call

MEMBER = Account(
    account_id="222222222222",
    access_key_id="AKIAMEMBEREXAMPLE002",
    secret_access_key="member-secret-key-0000000000000000000000",
)
OTHERS = [f"30000000000{n}" for n in range(5)]


@pytest.fixture
def organizations(emulator: Emulator, make_client: ClientFactory) -> Any:
    """A boto3 Organizations client of the management (default) account."""
    emulator.add_account(MEMBER)
    return make_client("organizations")


def _organization(emulator: Emulator) -> list[str]:
    organization = emulator.create_organization(members=[MEMBER.account_id, *OTHERS])
    organization.add_member(OTHERS[2], name="gone", state="SUSPENDED")
    return [emulator.default_account.account_id, MEMBER.account_id, *OTHERS]


async def _all_pages(client: Any, **params: Any) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        return list(client.get_paginator("list_accounts").paginate(**params))

    return await asyncio.to_thread(read)


async def test_list_accounts_pages_through_every_member(
    emulator: Emulator, organizations: Any
) -> None:
    """boto3's paginator reads every member once, in order, pages of the emulator's page size."""
    ids = _organization(emulator)
    pages = await _all_pages(organizations)
    assert [len(page["Accounts"]) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 1]
    accounts = [account for page in pages for account in page["Accounts"]]
    assert [account["Id"] for account in accounts] == ids
    suspended = accounts[2 + 2]
    assert (suspended["Name"], suspended["State"], suspended["Status"]) == (
        "gone",
        "SUSPENDED",
        "SUSPENDED",
    )
    management = accounts[0]
    assert management["JoinedMethod"] == "CREATED"
    assert management["Arn"].startswith(f"arn:aws:organizations::{ids[0]}:account/o-")
    assert management["JoinedTimestamp"].year == 2024


async def test_max_results_sets_the_page_and_is_bounded(
    emulator: Emulator, organizations: Any
) -> None:
    """MaxResults picks the page size; 21 is InvalidInputException, as the model's bound says."""
    _organization(emulator)
    pages = await _all_pages(organizations, PaginationConfig={"PageSize": 4})
    assert [len(page["Accounts"]) for page in pages] == [4, 3]
    with pytest.raises(ClientError) as caught:
        await call(organizations, "list_accounts", MaxResults=21)
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"


async def test_a_foreign_next_token_is_refused(emulator: Emulator, organizations: Any) -> None:
    """A token that the emulator did not issue for this caller and operation is invalid input."""
    _organization(emulator)
    with pytest.raises(ClientError) as caught:
        await call(organizations, "list_accounts", NextToken="not-a-token")
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"


async def test_describe_organization_names_the_management_account(
    emulator: Emulator, make_client: ClientFactory, organizations: Any
) -> None:
    """Any member may describe the organization: its id and management account."""
    ids = _organization(emulator)
    member = make_client("organizations", account_id=MEMBER.account_id)
    for client in (organizations, member):
        described = (await call(client, "describe_organization"))["Organization"]
        assert described["MasterAccountId"] == ids[0]
        assert described["Id"] == emulator.organization.organization_id  # type: ignore[union-attr]


async def test_outside_an_organization_it_is_not_in_use(organizations: Any) -> None:
    """Without an organization: AWSOrganizationsNotInUseException, for both operations."""
    for method in ("list_accounts", "describe_organization"):
        with pytest.raises(ClientError) as caught:
            await call(organizations, method)
        assert caught.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"


async def test_only_the_management_account_and_delegates_list(
    emulator: Emulator, make_client: ClientFactory, organizations: Any
) -> None:
    """A member gets AccessDeniedException until it becomes a delegated administrator."""
    _organization(emulator)
    member = make_client("organizations", account_id=MEMBER.account_id)
    with pytest.raises(ClientError) as caught:
        await call(member, "list_accounts")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert emulator.organization is not None
    emulator.organization.delegated_administrators.add(MEMBER.account_id)
    assert (await call(member, "list_accounts"))["Accounts"]


async def test_faults_apply_to_organizations_too(emulator: Emulator, organizations: Any) -> None:
    """A scripted throttle of ListAccounts reaches the caller as Lightsail's would."""
    _organization(emulator)
    emulator.faults.fail_next("ListAccounts", kind=FaultKind.TOO_MANY_REQUESTS)
    with pytest.raises(ClientError) as caught:
        await call(organizations, "list_accounts")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert emulator.stats.requests["ListAccounts"] == 1


async def test_reset_forgets_the_organization(emulator: Emulator) -> None:
    """reset() goes back to no organization."""
    _organization(emulator)
    emulator.reset()
    assert emulator.organization is None
