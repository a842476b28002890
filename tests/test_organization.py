"""Fleet.from_organization: every active account × region of an organization, by role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import aiolightsail as al
from aiolightsail import Fleet, Target, ValidationError, _botocore
from aiolightsail.emulator import Emulator
from tests.conftest import ACCOUNTS, PAGE_SIZE

REGIONS = ["eu-west-1", "us-east-1"]
ROLE = "OrganizationAccountAccessRole"
#: Members the emulator has no keys for: listed, but nobody can sign as them.
EXTRA = [f"44444444440{n}" for n in range(5)]


@pytest.fixture
def management(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A profile ``org`` with the keys of the first account, which will manage the organization."""
    _, key, secret = ACCOUNTS[0]
    config = tmp_path / "config"
    config.write_text(
        f"[profile org]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        f"[profile member]\naws_access_key_id = {ACCOUNTS[1][1]}\n"
        f"aws_secret_access_key = {ACCOUNTS[1][2]}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return "org"


def _organization(emulator: Emulator) -> list[str]:
    """The three accounts plus five more, one suspended and one closed: ids of the active ones."""
    organization = emulator.create_organization(ACCOUNTS[0][0])
    for account in EXTRA:
        organization.add_member(account)
    organization.add_member(EXTRA[1], state="SUSPENDED")
    organization.add_member(EXTRA[3], state="CLOSED")
    return [a for a, _, _ in ACCOUNTS] + [EXTRA[0], EXTRA[2], EXTRA[4]]


def _expected(accounts: list[str], regions: list[str], url: str, **role: Any) -> list[Target]:
    return [
        Target(r, profile="org", role_arn=f"arn:aws:iam::{a}:role/{ROLE}", endpoint_url=url, **role)
        for a in accounts
        for r in regions
    ]


async def test_every_active_account_and_region(emulator: Emulator, management: str) -> None:
    """All pages are read; suspended and closed accounts are left out; one target per region."""
    active = _organization(emulator)
    fleet = await Fleet.from_organization(
        ROLE, regions=REGIONS, profile=management, endpoint_url=emulator.endpoint_url
    )
    assert fleet.targets == tuple(_expected(active, REGIONS, emulator.endpoint_url))
    members = 3 + len(EXTRA)
    assert emulator.stats.requests["ListAccounts"] == -(-members // PAGE_SIZE) == 2


async def test_all_regions_by_default(emulator: Emulator, management: str) -> None:
    """regions="all" (the default): every Lightsail region of every account."""
    active = _organization(emulator)
    fleet = await Fleet.from_organization(
        ROLE, profile=management, endpoint_url=emulator.endpoint_url
    )
    expected = _expected(active, list(al.LIGHTSAIL_REGIONS), emulator.endpoint_url)
    assert fleet.targets == tuple(expected)


async def test_management_include_and_exclude(emulator: Emulator, management: str) -> None:
    """The management account, excluded ids, and ids outside include are left out."""
    active = _organization(emulator)
    url = emulator.endpoint_url
    skipped = await Fleet.from_organization(
        ROLE,
        regions=REGIONS,
        profile=management,
        endpoint_url=url,
        skip_management_account=True,
        exclude=[EXTRA[2], EXTRA[1]],
    )
    kept = [a for a in active if a not in (ACCOUNTS[0][0], EXTRA[2])]
    assert skipped.targets == tuple(_expected(kept, REGIONS, url))
    assert emulator.stats.requests["DescribeOrganization"] == 1
    included = await Fleet.from_organization(
        ROLE,
        regions=["eu-west-1"],
        profile=management,
        endpoint_url=url,
        include=[EXTRA[4], ACCOUNTS[1][0]],
        exclude=[EXTRA[4]],
    )
    assert included.targets == tuple(_expected([ACCOUNTS[1][0]], ["eu-west-1"], url))


async def test_the_roles_parameters_and_fleet_options_are_kept(
    emulator: Emulator, management: str
) -> None:
    """external_id, session name and duration reach every target; options reach the fleet."""
    active = _organization(emulator)
    role: dict[str, Any] = {
        "external_id": "ext-42",
        "role_session_name": "sweep",
        "duration_seconds": 900,
    }
    fleet = await Fleet.from_organization(
        ROLE,
        regions=["eu-west-1"],
        profile=management,
        endpoint_url=emulator.endpoint_url,
        concurrency=3,
        **role,
    )
    assert fleet.targets == tuple(_expected(active, ["eu-west-1"], emulator.endpoint_url, **role))
    assert fleet.concurrency == 3


async def test_the_fleet_sweeps_the_organization(emulator: Emulator, management: str) -> None:
    """The roles are assumed and listed: every seeded instance once; unknown accounts fail."""
    _organization(emulator)
    for n, (account, _, _) in enumerate(ACCOUNTS):
        emulator.seed_instances(account, "eu-west-1", 2 + n)
    fleet = await Fleet.from_organization(
        ROLE, regions=["eu-west-1"], profile=management, endpoint_url=emulator.endpoint_url
    )
    async with fleet, fleet.iter_instances() as stream:
        found = [(target.account, instance.name) async for target, instance in stream]
    assert sorted(account for account, _ in found) == sorted(
        a for n, (a, _, _) in enumerate(ACCOUNTS) for _ in range(2 + n)
    )
    assert sorted(f.target.account for f in stream.failures) == [EXTRA[0], EXTRA[2], EXTRA[4]]
    assert all(isinstance(f.error, al.AccessDeniedError) for f in stream.failures)


async def test_outside_an_organization(emulator: Emulator, management: str) -> None:
    """No organization: Organizations' AWSOrganizationsNotInUseException, as an APIError."""
    with pytest.raises(al.APIError) as caught:
        await Fleet.from_organization(ROLE, profile=management, endpoint_url=emulator.endpoint_url)
    assert caught.value.code == "AWSOrganizationsNotInUseException"
    assert caught.value.operation == "ListAccounts"


async def test_a_member_account_may_not_list(emulator: Emulator, management: str) -> None:
    """A member that is not a delegated administrator gets AccessDeniedError; one that is lists."""
    _organization(emulator)
    with pytest.raises(al.AccessDeniedError):
        await Fleet.from_organization(ROLE, profile="member", endpoint_url=emulator.endpoint_url)
    assert emulator.organization is not None
    emulator.organization.delegated_administrators.add(ACCOUNTS[1][0])
    fleet = await Fleet.from_organization(
        ROLE, regions=["eu-west-1"], profile="member", endpoint_url=emulator.endpoint_url
    )
    assert len(fleet.targets) == 6


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"role_name": "no spaces"}, "role_name"),
        ({"role_name": ""}, "role_name"),
        ({"regions": "eu-west-1"}, "regions"),
        ({"regions": []}, "regions"),
        ({"regions": ["EU"]}, "regions"),
        ({"include": ["123"]}, "include[0]"),
        ({"exclude": "111111111111"}, "exclude"),
        ({"external_id": "a b"}, "external_id"),
        ({"duration_seconds": 60}, "duration_seconds"),
        ({"skip_management_account": "yes"}, "skip_management_account"),
        ({"organizations_region": "nowhere"}, "organizations_region"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
async def test_bad_arguments_are_refused_before_anything_is_sent(
    emulator: Emulator, management: str, arguments: dict[str, Any], parameter: str
) -> None:
    """Each malformed argument raises ValidationError naming it; no request reaches the emulator."""
    _organization(emulator)
    call: dict[str, Any] = {"role_name": ROLE, "endpoint_url": emulator.endpoint_url, **arguments}
    with pytest.raises(ValidationError) as caught:
        await Fleet.from_organization(call.pop("role_name"), profile=management, **call)
    assert caught.value.parameter == parameter
    assert emulator.stats.total_requests == 0


async def test_an_included_account_that_is_not_active_is_refused(
    emulator: Emulator, management: str
) -> None:
    """include naming a suspended or unknown account: ValidationError naming the ids."""
    _organization(emulator)
    with pytest.raises(ValidationError, match="include") as caught:
        await Fleet.from_organization(
            ROLE, profile=management, endpoint_url=emulator.endpoint_url, include=[EXTRA[1]]
        )
    assert caught.value.value == [EXTRA[1]]


def _answering(monkeypatch: pytest.MonkeyPatch, accounts: list[dict[str, Any]]) -> None:
    async def organization_accounts(*_args: Any, **_kwargs: Any) -> tuple[Any, None]:
        return accounts, None

    monkeypatch.setattr(_botocore, "organization_accounts", organization_accounts)


async def test_role_arns_take_each_accounts_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    """An aws-cn or aws-us-gov account gets a role ARN of its partition; Status alone is read."""
    _answering(
        monkeypatch,
        [
            {"Id": "111111111111", "Arn": "arn:aws-cn:organizations::1:account/o-1/111111111111",
             "Status": "ACTIVE"},
            {"Id": "222222222222", "Arn": "arn:aws-us-gov:organizations::2:account/o-2/2",
             "State": "ACTIVE", "Status": "SUSPENDED"},
            {"Id": "333333333333", "Status": "SUSPENDED"},
        ],
    )  # fmt: skip
    fleet = await Fleet.from_organization(ROLE, regions=["eu-west-1"])
    assert [t.role_arn for t in fleet.targets] == [
        f"arn:aws-cn:iam::111111111111:role/{ROLE}",
        f"arn:aws-us-gov:iam::222222222222:role/{ROLE}",
    ]


async def test_an_account_without_an_id_is_a_response_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An active account whose Id is not 12 digits: ResponseError, not a malformed target."""
    _answering(monkeypatch, [{"Id": "12", "State": "ACTIVE"}])
    with pytest.raises(al.ResponseError, match="12-digit"):
        await Fleet.from_organization(ROLE, regions=["eu-west-1"])


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
async def test_an_answer_that_is_not_a_json_object_is_a_response_error(
    management: str, body: bytes
) -> None:
    """ListAccounts answering 200 with something other than a JSON object: ResponseError."""
    from aiohttp import web

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type="application/x-amz-json-1.1")

    app = web.Application()
    app.router.add_post("/", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        with pytest.raises(al.ResponseError, match="ListAccounts"):
            await Fleet.from_organization(ROLE, profile=management, endpoint_url=url)
    finally:
        await runner.cleanup()
