"""What real clients see: quotas instead of a made-up call limit, key pairs, dynamic public
IPs, Lightsail for Research bundles, unknown operations, undecodable bodies, consistent
state edits, and bounds on what the emulator keeps.

boto3 and the AWS CLI (both in the ``dev`` extra) are the clients; raw signed HTTP sends
what they would not.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import subprocess
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aiolightsail import LightsailClient
from aiolightsail.emulator import Clock, Emulator, Quotas
from tests.emulator.helpers import ClientFactory, RawClient, call, isolated_env

CREATE = {"availabilityZone": "us-east-1a", "blueprintId": "ubuntu_24_04", "bundleId": "nano_3_0"}


def _names(count: int, prefix: str = "n") -> list[str]:
    return [f"{prefix}-{index}" for index in range(count)]


async def _error(lightsail: Any, method: str, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        await call(lightsail, method, **params)
    return dict(caught.value.response)


# -- the instance quota, not a per-call limit ----------------------------------------------


async def test_one_call_may_name_more_than_20_within_the_quota(make_client: ClientFactory) -> None:
    """botocore's model sets no limit on instanceNames: 25 names in one call are created
    when the account's quota allows them."""
    async with Emulator(clock=Clock.manual(), quotas=Quotas(instances=30)) as emulator:
        lightsail = make_client(endpoint_url=emulator.endpoint_url)
        created = await call(lightsail, "create_instances", instanceNames=_names(25), **CREATE)
        assert len(created["operations"]) == 25
        assert len(emulator.state().instances) == 25


async def test_the_quota_refuses_a_call_whole(emulator: Emulator, lightsail: Any) -> None:
    """Past Lightsail's 20 instances per account and region, CreateInstances is an
    InvalidInputException saying so, and creates none of the names."""
    await call(lightsail, "create_instances", instanceNames=_names(18), **CREATE)
    response = await _error(lightsail, "create_instances", instanceNames=_names(3, "m"), **CREATE)
    assert response["Error"]["Code"] == "InvalidInputException"
    assert "quota of 20 instances in us-east-1" in response["Error"]["Message"]
    assert len(emulator.state().instances) == 18
    await call(lightsail, "create_instances", instanceNames=_names(2, "m"), **CREATE)
    assert len(emulator.state().instances) == 20


# -- key pairs -------------------------------------------------------------------------------


async def test_an_unknown_key_pair_is_refused_as_the_service_refuses_it(
    emulator: Emulator, lightsail: Any
) -> None:
    """keyPairName must name a key pair of the region: NotFoundException otherwise; the
    region's default key pair and one added to the emulator are accepted."""
    response = await _error(
        lightsail, "create_instances", instanceNames=["k-1"], keyPairName="nope", **CREATE
    )
    assert response["Error"]["Code"] == "NotFoundException"
    assert response["Error"]["Message"] == "The KeyPair does not exist: nope"
    assert not emulator.state().instances
    emulator.add_key_pair("deploy")
    for name, key in (("k-1", "LightsailDefaultKeyPair"), ("k-2", "deploy")):
        await call(lightsail, "create_instances", instanceNames=[name], keyPairName=key, **CREATE)
        instance = (await call(lightsail, "get_instance", instanceName=name))["instance"]
        assert instance["sshKeyName"] == key


# -- public IPs --------------------------------------------------------------------------------


async def test_public_ips_are_dynamic(emulator: Emulator, lightsail: Any) -> None:
    """No public IP while pending; one once running; none while stopped; a new one after
    the start; a static IP stays."""

    async def address(name: str = "ip-1") -> str | None:
        instance = (await call(lightsail, "get_instance", instanceName=name))["instance"]
        found: str | None = instance.get("publicIpAddress")
        return found

    await call(lightsail, "create_instances", instanceNames=["ip-1"], **CREATE)
    assert await address() is None  # pending
    emulator.clock.advance(emulator.timings.instance_boot)
    first = await address()
    assert first is not None
    await call(lightsail, "stop_instance", instanceName="ip-1")
    emulator.clock.advance(emulator.timings.instance_stop)
    assert await address() is None  # stopped
    await call(lightsail, "start_instance", instanceName="ip-1")
    assert await address() is None  # pending again
    emulator.clock.advance(emulator.timings.instance_start)
    second = await address()
    assert second is not None and second != first

    emulator.add_instance(None, "us-east-1", "static-1", state="stopped")
    record = emulator.state().get_instance("static-1")
    record.is_static_ip = True
    record.invalidate()
    assert await address("static-1") == record.public_ip_address


async def test_the_library_waits_for_a_public_ip(emulator: Emulator) -> None:
    """LightsailClient.wait_for_public_ip polls (on the emulator's clock) until the new
    instance has its address, and returns the instance with it."""
    emulator.add_instance(None, "us-east-1", "ip-2", state="pending")
    async with LightsailClient(**emulator.client_kwargs()) as client:
        client._timer = emulator.clock  # the waits move emulated time
        instance = await client.wait_for_public_ip("ip-2")
    assert instance.public_ip_address
    assert instance.state_name == "running"


# -- Lightsail for Research bundles, through the AWS CLI -------------------------------------------


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is in the dev extra")
async def test_get_bundles_app_category_lfr_lists_research_plans(emulator: Emulator) -> None:
    """`aws lightsail get-bundles --app-category LfR` lists Lightsail for Research plans
    (supportedAppCategories ["LfR"]); without it they are not listed."""

    async def bundles(*args: str) -> list[dict[str, Any]]:
        done = await asyncio.to_thread(
            subprocess.run,
            ["aws", "lightsail", "get-bundles", "--endpoint-url", emulator.endpoint_url, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=isolated_env(AWS_DEFAULT_REGION="us-east-1"),
            check=True,
        )
        found: list[dict[str, Any]] = json.loads(done.stdout)["bundles"]
        return found

    research, standard = await bundles("--app-category", "LfR"), await bundles()
    assert research and all(b["supportedAppCategories"] == ["LfR"] for b in research)
    assert standard and all(b["supportedAppCategories"] == [] for b in standard)


# -- what no SDK sends ----------------------------------------------------------------------------


async def test_an_unknown_operation_gets_a_message(raw: RawClient) -> None:
    """An operation Lightsail does not have: UnknownOperationException with a message
    naming what was asked."""
    status, body = await raw.json("GetUnicorns")
    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    assert "Lightsail_20161128.GetUnicorns" in body["message"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_an_undecodable_body_is_a_4xx_in_aws_shape(
    raw: RawClient, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A body that does not decode as its Content-Encoding says: 400 SerializationException,
    no traceback logged, and the emulator keeps serving."""
    with caplog.at_level(logging.INFO):
        status, _, text = await raw.request(
            "GetInstances", b"not compressed", headers={"Content-Encoding": encoding}
        )
    assert status == 400
    assert json.loads(text)["__type"] == "SerializationException"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    status, _ = await raw.json("GetInstances")
    assert status == 200


# -- state edits ----------------------------------------------------------------------------------


async def test_state_edits_keep_the_listing_and_get_instance_agreeing(
    emulator: Emulator, lightsail: Any
) -> None:
    """The state's mappings are read-only; adding and removing through the emulator keeps
    GetInstances and GetInstance in agreement."""
    state = emulator.state()
    emulator.add_instance(None, "us-east-1", "a-1")
    with pytest.raises(TypeError):
        state.instances["b-1"] = state.instances["a-1"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del state.instances["a-1"]  # type: ignore[attr-defined]
    emulator.add_instance(None, "us-east-1", "b-1")
    state.remove_instance("a-1")

    def listed() -> list[str]:
        pages = lightsail.get_paginator("get_instances").paginate()
        return [item["name"] for page in pages for item in page["instances"]]

    assert await asyncio.to_thread(listed) == ["b-1"]
    assert (await call(lightsail, "get_instance", instanceName="b-1"))["instance"]["name"]
    response = await _error(lightsail, "get_instance", instanceName="a-1")
    assert response["Error"]["Code"] == "NotFoundException"


# -- what grows is bounded ------------------------------------------------------------------------


async def test_sessions_and_the_call_log_are_pruned(make_client: ClientFactory) -> None:
    """Past the quotas, the oldest STS sessions and AssumeRole calls are forgotten; a day
    after they expire, sessions are forgotten too."""
    quotas = Quotas(sessions=5, call_log=4)
    clock = Clock.manual()
    async with Emulator(clock=clock, quotas=quotas, session_ttl=900) as emulator:
        sts = make_client("sts", endpoint_url=emulator.endpoint_url)
        role = f"arn:aws:iam::{emulator.default_account.account_id}:role/r"
        for index in range(12):
            await call(sts, "assume_role", RoleArn=role, RoleSessionName=f"s{index}")
        assert emulator.credentials.session_count == 5
        assert len(emulator.stats.assume_role_calls) <= 4
        assert emulator.stats.assume_role_calls[-1].role_session_name == "s11"
        clock.advance(900 + 86_400 + 1)
        await call(sts, "assume_role", RoleArn=role, RoleSessionName="late")
        assert emulator.credentials.session_count == 1
