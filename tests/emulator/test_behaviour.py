"""Behaviour: isolation, lifecycle, names, ports, access details and metrics."""

from __future__ import annotations

import string
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from aiolightsail.emulator import Account, Emulator, ServiceError
from aiolightsail.emulator._validation import check_resource_name
from tests.emulator.helpers import ClientFactory, RawClient, call

NOW = 1_704_067_200.0
OTHER = Account(
    account_id="210987654321",
    access_key_id="AKIAOTHERACCOUNT0001",
    secret_access_key="other-account-secret-key-000000000000000",
)
CREATE = {
    "instanceNames": ["app-1"],
    "availabilityZone": "us-east-1a",
    "blueprintId": "ubuntu_22_04",
    "bundleId": "micro_3_0",
}


async def test_accounts_never_see_each_other(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    """Two accounts may use the same name in the same region and each sees only its own."""
    emulator.add_account(OTHER)
    mine, theirs = make_client(), make_client(account_id=OTHER.account_id)
    await call(mine, "create_instances", **CREATE)
    await call(theirs, "create_instances", **CREATE)
    emulator.seed_instances(OTHER.account_id, "us-east-1", 4)

    my_instances = (await call(mine, "get_instances"))["instances"]
    mine_arn = (await call(mine, "get_instance", instanceName="app-1"))["instance"]["arn"]
    theirs_arn = (await call(theirs, "get_instance", instanceName="app-1"))["instance"]["arn"]

    assert [i["name"] for i in my_instances] == ["app-1"]
    assert ":123456789012:" in mine_arn
    assert ":210987654321:" in theirs_arn
    assert len(emulator.state(OTHER.account_id, "us-east-1").instances) == 5


async def test_regions_are_separate(emulator: Emulator, make_client: ClientFactory) -> None:
    """An instance created in one region is not visible from another."""
    await call(make_client(region="us-east-1"), "create_instances", **CREATE)

    elsewhere = await call(make_client(region="eu-west-1"), "get_instances")

    assert elsewhere["instances"] == []
    assert set(emulator.state(region="us-east-1").instances) == {"app-1"}


async def test_instances_boot_with_the_clock(emulator: Emulator, lightsail: Any) -> None:
    """A new instance is pending until the clock passes its boot time, then running."""
    await call(lightsail, "create_instances", **CREATE)

    async def state() -> str:
        response = await call(lightsail, "get_instance", instanceName="app-1")
        return str(response["instance"]["state"]["name"])

    before = await state()
    emulator.clock.advance(emulator.timings.instance_boot - 1)
    almost = await state()
    emulator.clock.advance(1)

    assert (before, almost, await state()) == ("pending", "pending", "running")


async def test_snapshots_complete_with_the_clock(emulator: Emulator, lightsail: Any) -> None:
    """A snapshot is pending with rising progress, then available at 100%."""
    emulator.add_instance(None, "us-east-1", "db-1")
    operations = await call(
        lightsail, "create_instance_snapshot", instanceName="db-1", instanceSnapshotName="db-1-s"
    )

    async def snapshot() -> tuple[str, str]:
        got = await call(lightsail, "get_instance_snapshot", instanceSnapshotName="db-1-s")
        return got["instanceSnapshot"]["state"], got["instanceSnapshot"]["progress"]

    first = await snapshot()
    emulator.clock.advance(emulator.timings.snapshot_create / 2)
    middle = await snapshot()
    emulator.clock.advance(emulator.timings.snapshot_create)

    assert [o["resourceType"] for o in operations["operations"]] == ["InstanceSnapshot", "Instance"]
    assert (first, middle, await snapshot()) == (
        ("pending", "0%"),
        ("pending", "50%"),
        ("available", "100%"),
    )


async def test_names_are_unique_per_account_and_region(emulator: Emulator, lightsail: Any) -> None:
    """Creating a taken name fails with InvalidInputException and creates none of the batch."""
    await call(lightsail, "create_instances", **CREATE)
    with pytest.raises(ClientError) as caught:
        await call(lightsail, "create_instances", **{**CREATE, "instanceNames": ["app-2", "app-1"]})

    assert caught.value.response["Error"]["Code"] == "InvalidInputException"
    assert "app-1" in caught.value.response["Error"]["Message"]
    assert set(emulator.state().instances) == {"app-1"}


async def test_delete_removes_and_records_operations(emulator: Emulator, lightsail: Any) -> None:
    """Deleting an instance removes it and returns a terminal, succeeded operation."""
    emulator.add_instance(None, "us-east-1", "gone-1")

    response = await call(lightsail, "delete_instance", instanceName="gone-1")

    operation = response["operations"][0]
    assert (operation["operationType"], operation["status"], operation["isTerminal"]) == (
        "DeleteInstance",
        "Succeeded",
        True,
    )
    assert emulator.state().instances == {}
    assert emulator.state().operations[-1].resource_name == "gone-1"


async def test_restore_from_snapshot_keeps_the_blueprint(
    emulator: Emulator, lightsail: Any
) -> None:
    """CreateInstancesFromSnapshot makes a pending instance with the snapshot's blueprint."""
    emulator.add_instance(None, "us-east-1", "src-1", blueprint_id="debian_12")
    emulator.add_snapshot(None, "us-east-1", "src-1-snap", instance_name="src-1")

    await call(
        lightsail,
        "create_instances_from_snapshot",
        instanceNames=["copy-1"],
        availabilityZone="us-east-1b",
        bundleId="small_3_0",
        instanceSnapshotName="src-1-snap",
    )

    copy = emulator.state().instances["copy-1"]
    assert copy.blueprint.blueprint_id == "debian_12"
    assert copy.state_name(emulator.clock.now()) == "pending"


async def test_closing_a_port_really_closes_it(emulator: Emulator, lightsail: Any) -> None:
    """CloseInstancePublicPorts removes the rule from port states and from networking.ports."""
    emulator.add_instance(None, "us-east-1", "web-1")
    before = await call(lightsail, "get_instance_port_states", instanceName="web-1")

    result = await call(
        lightsail,
        "close_instance_public_ports",
        instanceName="web-1",
        portInfo={"fromPort": 80, "toPort": 80, "protocol": "tcp"},
    )
    after = await call(lightsail, "get_instance_port_states", instanceName="web-1")
    instance = (await call(lightsail, "get_instance", instanceName="web-1"))["instance"]

    assert [(p["fromPort"], p["state"]) for p in before["portStates"]] == [
        (22, "open"),
        (80, "open"),
    ]
    assert result["operation"]["operationType"] == "CloseInstancePublicPorts"
    assert [p["fromPort"] for p in after["portStates"]] == [22]
    assert [p["fromPort"] for p in instance["networking"]["ports"]] == [22]


async def test_closing_some_cidrs_narrows_the_rule(emulator: Emulator, lightsail: Any) -> None:
    """Closing only the IPv6 range of a rule keeps the rule open to IPv4."""
    emulator.add_instance(None, "us-east-1", "web-1")

    await call(
        lightsail,
        "close_instance_public_ports",
        instanceName="web-1",
        portInfo={"fromPort": 22, "toPort": 22, "protocol": "tcp", "ipv6Cidrs": ["::/0"]},
    )
    states = (await call(lightsail, "get_instance_port_states", instanceName="web-1"))["portStates"]

    assert states[0]["cidrs"] == ["0.0.0.0/0"]
    assert states[0]["ipv6Cidrs"] == []


@pytest.mark.parametrize(("state", "code"), [("pending", 400), ("stopped", 400)])
async def test_access_details_need_a_running_instance(
    emulator: Emulator, raw: RawClient, state: str, code: int
) -> None:
    """GetInstanceAccessDetails refuses instances that are not running."""
    emulator.add_instance(None, "us-east-1", "web-1", state=state)

    status, body = await raw.json("GetInstanceAccessDetails", {"instanceName": "web-1"})

    assert (status, body["__type"]) == (code, "InvalidInputException")
    assert state in body["message"]


def _metric_request(**overrides: Any) -> dict[str, Any]:
    return {
        "instanceName": "web-1",
        "metricName": "CPUUtilization",
        "period": 300,
        "startTime": NOW - 3600,
        "endTime": NOW,
        "unit": "Percent",
        "statistics": ["Average", "Maximum"],
        **overrides,
    }


async def test_metric_data_is_deterministic_and_aligned(emulator: Emulator, raw: RawClient) -> None:
    """Metric data repeats exactly, is aligned to the period and holds only the asked statistics."""
    emulator.add_instance(None, "us-east-1", "web-1")
    request = _metric_request(startTime=NOW - 3600 + 17)

    _, first = await raw.json("GetInstanceMetricData", request)
    _, again = await raw.json("GetInstanceMetricData", request)

    points = first["metricData"]
    assert first == again
    assert first["metricName"] == "CPUUtilization"
    assert len(points) == 11  # the first period starts after startTime; the last ends at NOW
    assert all(p["timestamp"] % 300 == 0 for p in points)
    assert all(set(p) == {"average", "maximum", "timestamp", "unit"} for p in points)
    assert all(0 <= p["average"] <= p["maximum"] <= 100 for p in points)
    assert all(p["unit"] == "Percent" for p in points)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"period": 90}, "period"),
        ({"period": 30}, "period"),
        ({"period": 86460}, "period"),
        ({"startTime": NOW, "endTime": NOW - 60}, "startTime"),
        ({"unit": "Bytes"}, "unit"),
        ({"unit": "Parsecs"}, "unit"),
        ({"statistics": ["Median"]}, "statistics"),
        ({"statistics": []}, "statistics"),
        ({"metricName": "Temperature"}, "metricName"),
        ({"period": 60, "startTime": NOW - 7 * 86400}, "datapoints"),
        ({"instanceName": "a"}, "instanceName"),
    ],
)
async def test_metric_input_is_validated(
    emulator: Emulator, raw: RawClient, overrides: dict[str, Any], fragment: str
) -> None:
    """Invalid metric requests get InvalidInputException naming the problem."""
    emulator.add_instance(None, "us-east-1", "web-1")

    status, body = await raw.json("GetInstanceMetricData", _metric_request(**overrides))

    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert fragment in body["message"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"instanceNames": ["x"]}, "instance name"),
        ({"instanceNames": ["-lead"]}, "instance name"),
        ({"instanceNames": ["trail."]}, "instance name"),
        ({"instanceNames": ["sp ace"]}, "instance name"),
        ({"instanceNames": ["a" * 256]}, "instance name"),
        ({"instanceNames": []}, "instanceNames"),
        ({"instanceNames": ["d-1", "d-1"]}, "repeats"),
        ({"availabilityZone": "eu-west-1a"}, "availabilityZone"),
        ({"availabilityZone": "us-east-1z"}, "availabilityZone"),
        ({"blueprintId": "ubuntu_20_04"}, "blueprintId"),
        ({"blueprintId": "plan9"}, "blueprintId"),
        ({"bundleId": "nano_2_0"}, "bundleId"),
        ({"bundleId": "nano_win_3_0"}, "LINUX_UNIX"),
        ({"blueprintId": "magento_2_4_7", "bundleId": "nano_3_0"}, "power"),
        ({"ipAddressType": "ipv6"}, "ipAddressType"),
        ({"tags": [{"key": "aws:owner", "value": "x"}]}, "reserved"),
    ],
)
async def test_create_input_is_validated(
    emulator: Emulator, raw: RawClient, overrides: dict[str, Any], fragment: str
) -> None:
    """Invalid CreateInstances input gets InvalidInputException naming the parameter."""
    status, body = await raw.json("CreateInstances", {**CREATE, **overrides})

    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert fragment in body["message"]
    assert emulator.state().instances == {}


@pytest.mark.parametrize(
    ("port_info", "fragment"),
    [
        ({"fromPort": 80, "toPort": 65536, "protocol": "tcp"}, "toPort"),
        ({"fromPort": -2, "toPort": 80, "protocol": "tcp"}, "fromPort"),
        ({"fromPort": 80, "toPort": 80, "protocol": "sctp"}, "protocol"),
        ({"fromPort": 90, "toPort": 80, "protocol": "tcp"}, "greater"),
        ({"fromPort": 80, "protocol": "tcp"}, "toPort"),
    ],
)
async def test_port_input_is_validated(
    emulator: Emulator, raw: RawClient, port_info: dict[str, Any], fragment: str
) -> None:
    """Invalid portInfo gets InvalidInputException naming the member."""
    emulator.add_instance(None, "us-east-1", "web-1")

    status, body = await raw.json(
        "CloseInstancePublicPorts", {"instanceName": "web-1", "portInfo": port_info}
    )

    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert fragment in body["message"]


async def test_wrong_json_types_are_serialization_errors(raw: RawClient) -> None:
    """A member of the wrong JSON type is refused by the front end with SerializationException."""
    status, body = await raw.json("GetInstance", {"instanceName": 42})

    assert (status, body["__type"]) == (400, "SerializationException")


_EDGE = set(string.ascii_letters + string.digits + "_")


def _is_valid_name(name: str) -> bool:
    """The documented rule, stated independently of the emulator's regex."""
    return (
        2 <= len(name) <= 255
        and name[0] in _EDGE
        and name[-1] in _EDGE
        and all(c in _EDGE | {".", "-"} for c in name)
    )


@given(
    name=st.one_of(
        st.text(alphabet=string.ascii_letters + string.digits + "_.- é/", max_size=12),
        st.builds(
            lambda n, c: c * n, st.integers(min_value=250, max_value=260), st.sampled_from("a.")
        ),
    )
)
def test_resource_names_follow_the_documented_rule(name: str) -> None:
    """A name is accepted exactly when it is 2-255 characters of the allowed set, ends included."""
    if _is_valid_name(name):
        assert check_resource_name(name, "instanceName") == name
    else:
        with pytest.raises(ServiceError, match="instanceName"):
            check_resource_name(name, "instanceName")
