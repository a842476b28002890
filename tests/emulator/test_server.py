"""The server: protocol edges, authentication, STS, and the Emulator's own lifecycle."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientSession
from botocore.exceptions import ClientError

from aiolightsail.emulator import DEFAULT_ACCOUNT, Account, Clock, Emulator, Faults
from tests.emulator.helpers import ClientFactory, RawClient, call

OTHER = Account(
    account_id="210987654321",
    access_key_id="AKIAOTHERACCOUNT0001",
    secret_access_key="other-account-secret-key-000000000000000",
)


@pytest.mark.parametrize(
    ("request_kwargs", "status", "error_type"),
    [
        ({"operation": "GetInstances"}, 200, None),
        ({"operation": "GetInstance", "body": {"instanceName": "nope"}}, 400, "NotFoundException"),
        ({"operation": "GetStaticIps"}, 400, "UnknownOperationException"),
        ({"operation": None}, 400, "UnknownOperationException"),
        ({"operation": "GetInstances", "body": b"{not json"}, 400, "SerializationException"),
        ({"operation": "GetInstances", "body": b"[1, 2]"}, 400, "SerializationException"),
        ({"operation": "GetInstances", "sign": False}, 403, "MissingAuthenticationTokenException"),
        (
            {"operation": "GetInstances", "method": "GET", "sign": False},
            405,
            "UnknownOperationException",
        ),
        ({"operation": "GetInstances", "region": "mars-north-1"}, 400, "InvalidInputException"),
    ],
)
async def test_protocol_edges(
    raw: RawClient, request_kwargs: dict[str, Any], status: int, error_type: str | None
) -> None:
    """Every response, success or error, is JSON 1.1 with a request id and the AWS status."""
    operation = request_kwargs.pop("operation")

    got, headers, text = await raw.request(operation, **request_kwargs)

    assert got == status
    assert headers["x-amzn-RequestId"]
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(text).get("__type") == error_type


async def test_requests_are_dispatched_whatever_the_path(
    emulator: Emulator, raw: RawClient
) -> None:
    """Lightsail dispatches on X-Amz-Target, so any path works, as the AWS front end does."""
    emulator.add_instance(None, "us-east-1", "web-1")
    status, _, text = await raw.request("GetInstances", path="/some/where/else")

    assert status == 200
    assert json.loads(text)["instances"][0]["name"] == "web-1"


async def test_wrong_secret_is_a_signature_error(make_client: ClientFactory) -> None:
    """A client with the right key id but a wrong secret gets InvalidSignatureException."""
    client = make_client(aws_secret_access_key="wrong")

    with pytest.raises(ClientError) as caught:
        await call(client, "get_instances")

    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"


async def test_disabled_opt_in_region_is_refused(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    """An account that has not enabled an opt-in region is refused there, as AWS does."""
    emulator.add_account(
        Account(
            account_id=OTHER.account_id,
            access_key_id=OTHER.access_key_id,
            secret_access_key=OTHER.secret_access_key,
            disabled_regions=frozenset({"ap-east-1"}),
        )
    )
    client = make_client(account_id=OTHER.account_id, region="ap-east-1")

    with pytest.raises(ClientError) as caught:
        await call(client, "get_instances")

    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"


async def test_assumed_role_acts_in_the_target_account(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    """STS AssumeRole gives credentials that act in the role's account, until they expire."""
    emulator.add_account(OTHER)
    emulator.add_instance(OTHER.account_id, "eu-west-1", "their-1")
    sts = make_client("sts", region="eu-west-1")
    assumed = await call(
        sts,
        "assume_role",
        RoleArn=f"arn:aws:iam::{OTHER.account_id}:role/inventory",
        RoleSessionName="sweep",
    )
    credentials = assumed["Credentials"]
    lightsail = make_client(
        region="eu-west-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )

    names = [i["name"] for i in (await call(lightsail, "get_instances"))["instances"]]
    emulator.clock.advance(3600)
    with pytest.raises(ClientError) as caught:
        await call(lightsail, "get_instances")

    assert names == ["their-1"]
    assert caught.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert emulator.stats.sts_requests == 1


async def test_sts_errors_are_xml(make_client: ClientFactory) -> None:
    """STS authentication failures come back in STS's XML form with STS's codes."""
    sts = make_client("sts", aws_secret_access_key="wrong")

    with pytest.raises(ClientError) as caught:
        await call(sts, "get_caller_identity")

    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


async def test_lifecycle_is_idempotent_and_final() -> None:
    """start() and aclose() may repeat; a closed emulator refuses to start again."""
    emulator = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.endpoint_url
    await emulator.start()
    await emulator.start()
    url = emulator.endpoint_url
    await emulator.aclose()
    await emulator.aclose()

    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="closed"):
        await emulator.start()


async def test_unclosed_emulator_warns() -> None:
    """An emulator dropped while running warns with ResourceWarning."""
    emulator = Emulator()
    await emulator.start()
    runner = emulator._runner
    assert runner is not None

    with pytest.warns(ResourceWarning, match="unclosed"):
        emulator.__del__()
    await runner.cleanup()
    emulator._runner = None
    gc.collect()


class _SignallingFaults(Faults):
    """Thirty seconds of latency, and an event set when a request starts waiting."""

    entered: asyncio.Event

    def delay(self, operation: str) -> float:
        self.entered.set()
        return 30.0


async def test_shutdown_with_a_request_in_flight_is_clean() -> None:
    """Closing while a request sleeps on injected latency drops it at once, without warnings."""
    faults = _SignallingFaults()
    faults.entered = asyncio.Event()
    async with (
        Emulator(clock=Clock.manual(), faults=faults) as emulator,
        ClientSession() as session,
    ):
        pending = asyncio.ensure_future(RawClient(emulator, session).request("GetInstances"))
        await faults.entered.wait()
        await emulator.aclose()
        with pytest.raises(aiohttp.ClientError):
            await pending


def test_default_account_is_awss_documented_example() -> None:
    """Without accounts the emulator accepts AWS's documented example keys."""
    emulator = Emulator()

    assert emulator.accounts == {DEFAULT_ACCOUNT.account_id: DEFAULT_ACCOUNT}
    assert DEFAULT_ACCOUNT.access_key_id == "AKIAIOSFODNN7EXAMPLE"


async def test_seed_demo_builds_an_organisation(emulator: Emulator) -> None:
    """seed_demo adds accounts and a few hundred instances and snapshots, deterministically."""
    accounts = emulator.seed_demo()
    async with Emulator(clock=Clock.manual()) as twin:
        twin.seed_demo()

    instances = sum(len(s.instances) for s in emulator._states)
    snapshots = sum(len(s.snapshots) for s in emulator._states)
    assert len(accounts) == 3
    assert 150 <= instances <= 400
    assert snapshots >= 50
    assert sorted(emulator.state(region="eu-west-1").instances) == sorted(
        twin.state(region="eu-west-1").instances
    )
