"""Fidelity: real clients and botocore's model agree with what the emulator sends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aiolightsail.emulator import BLUEPRINTS, Emulator
from aiolightsail.emulator._operations import HANDLERS
from tests.emulator.helpers import ClientFactory, RawClient, call
from tests.emulator.shapes import missing_members, output_problems

NOW = 1_704_067_200.0  # the manual clock's start


@pytest.fixture
def fleet(emulator: Emulator) -> Emulator:
    """An emulator with a Linux and a Windows instance and a snapshot."""
    emulator.add_instance(None, "us-east-1", "web-1", tags={"env": "prod", "backup": ""})
    emulator.add_instance(
        None, "us-east-1", "win-1", blueprint_id="windows_server_2022", bundle_id="small_win_3_0"
    )
    emulator.add_snapshot(None, "us-east-1", "web-1-snap", instance_name="web-1")
    emulator.add_instance(None, "us-east-1", "off-1", state="stopped")
    emulator.seed_instances(count=4)
    return emulator


REQUESTS: dict[str, dict[str, Any]] = {
    "GetInstance": {"instanceName": "web-1"},
    "GetInstances": {},
    "GetBlueprints": {"includeInactive": True},
    "GetInstanceSnapshot": {"instanceSnapshotName": "web-1-snap"},
    "GetInstanceSnapshots": {},
    "GetInstanceAccessDetails": {"instanceName": "web-1", "protocol": "ssh"},
    "GetInstanceMetricData": {
        "instanceName": "web-1",
        "metricName": "CPUUtilization",
        "period": 300,
        "startTime": NOW - 3600,
        "endTime": NOW,
        "unit": "Percent",
        "statistics": ["Average", "Maximum", "Minimum", "Sum", "SampleCount"],
    },
    "GetInstancePortStates": {"instanceName": "web-1"},
    "CreateInstances": {
        "instanceNames": ["new-1", "new-2"],
        "availabilityZone": "us-east-1b",
        "blueprintId": "debian_12",
        "bundleId": "small_3_0",
        "tags": [{"key": "team", "value": "data"}],
        "addOns": [
            {
                "addOnType": "AutoSnapshot",
                "autoSnapshotAddOnRequest": {"snapshotTimeOfDay": "04:00"},
            }
        ],
    },
    "CreateInstancesFromSnapshot": {
        "instanceNames": ["restored-1"],
        "availabilityZone": "us-east-1c",
        "bundleId": "medium_3_0",
        "instanceSnapshotName": "web-1-snap",
    },
    "CreateInstanceSnapshot": {"instanceName": "web-1", "instanceSnapshotName": "web-1-snap-2"},
    "DeleteInstance": {"instanceName": "web-1"},
    "DeleteInstanceSnapshot": {"instanceSnapshotName": "web-1-snap"},
    "CloseInstancePublicPorts": {
        "instanceName": "web-1",
        "portInfo": {"fromPort": 80, "toPort": 80, "protocol": "tcp"},
    },
    "StartInstance": {"instanceName": "off-1"},
    "StopInstance": {"instanceName": "web-1", "force": False},
    "RebootInstance": {"instanceName": "web-1"},
    "GetInstanceState": {"instanceName": "web-1"},
    "OpenInstancePublicPorts": {
        "instanceName": "web-1",
        "portInfo": {"fromPort": 8080, "toPort": 8080, "protocol": "tcp", "cidrs": ["10.0.0.0/8"]},
    },
    "PutInstancePublicPorts": {
        "instanceName": "web-1",
        "portInfos": [{"fromPort": 22, "toPort": 22, "protocol": "tcp"}],
    },
    # The id of the operation the test starts first (see _request).
    "GetOperation": {"operationId": "<an operation>"},
    "GetOperations": {},
    "GetOperationsForResource": {"resourceName": "web-1"},
    "GetRegions": {"includeAvailabilityZones": True},
    "GetBundles": {"includeInactive": True},
}


async def _request(fleet: Emulator, raw: RawClient, operation: str) -> dict[str, Any]:
    """The request body of ``operation``; an operation is started first so that there is one."""
    _, started = await raw.json("RebootInstance", {"instanceName": "win-1"})
    body = dict(REQUESTS[operation])
    if operation == "GetOperation":
        body["operationId"] = started["operations"][0]["id"]
    return body


def test_every_operation_is_covered() -> None:
    """The fidelity table covers every operation the emulator serves."""
    assert set(REQUESTS) == set(HANDLERS)


@pytest.mark.parametrize("operation", sorted(REQUESTS))
async def test_response_conforms_to_botocore_output_shape(
    fleet: Emulator, raw: RawClient, operation: str
) -> None:
    """Each operation answers 200 with JSON 1.1 whose every member is in botocore's output shape."""
    status, headers, text = await raw.request(operation, await _request(fleet, raw, operation))

    assert status == 200, text
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-RequestId"]
    assert output_problems(operation, json.loads(text)) == []


async def test_instances_are_heavy(fleet: Emulator, raw: RawClient) -> None:
    """An instance carries every Instance member, and its disks and ports every member too."""
    _, body = await raw.json("GetInstance", {"instanceName": "web-1"})
    instance = body["instance"]

    assert missing_members("Instance", instance, allowed=set()) == set()
    for disk in instance["hardware"]["disks"]:
        assert missing_members("Disk", disk, allowed=set()) == set()
    assert instance["networking"]["ports"]
    for port in instance["networking"]["ports"]:
        assert missing_members("InstancePortInfo", port, allowed=set()) == set()
    assert instance["arn"].startswith("arn:aws:lightsail:us-east-1:123456789012:Instance/")
    assert instance["tags"] == [{"key": "env", "value": "prod"}, {"key": "backup", "value": ""}]


async def test_snapshots_blueprints_and_operations_are_complete(
    fleet: Emulator, raw: RawClient
) -> None:
    """Snapshots, blueprints and operations carry every member their shapes define."""
    _, snapshot = await raw.json("GetInstanceSnapshot", {"instanceSnapshotName": "web-1-snap"})
    _, blueprints = await raw.json("GetBlueprints", {"appCategory": "LfR"})
    _, created = await raw.json("CreateInstances", REQUESTS["CreateInstances"])

    assert missing_members("InstanceSnapshot", snapshot["instanceSnapshot"], allowed=set()) == set()
    assert missing_members("Blueprint", blueprints["blueprints"][0], allowed=set()) == set()
    for operation in created["operations"]:
        assert (
            missing_members("Operation", operation, allowed={"errorCode", "errorDetails"}) == set()
        )


@pytest.mark.parametrize(
    ("instance", "protocol", "allowed"),
    [
        ("web-1", "ssh", {"password", "passwordData"}),
        ("win-1", "rdp", {"certKey", "privateKey", "expiresAt"}),
    ],
)
async def test_access_details_are_complete(
    fleet: Emulator, raw: RawClient, instance: str, protocol: str, allowed: set[str]
) -> None:
    """SSH details carry keys and host keys, RDP details a password; both as the model says."""
    status, body = await raw.json(
        "GetInstanceAccessDetails", {"instanceName": instance, "protocol": protocol}
    )
    details = body["accessDetails"]

    assert status == 200
    assert missing_members("InstanceAccessDetails", details, allowed=allowed) == set()
    assert output_problems("GetInstanceAccessDetails", body) == []
    if protocol == "ssh":
        assert details["privateKey"].startswith("-----BEGIN RSA PRIVATE KEY-----\n")
        assert details["certKey"].startswith("ssh-rsa-cert-v01@openssh.com ")
        assert details["hostKeys"][0]["fingerprintSHA256"].startswith("SHA256:")
    else:
        assert details["password"]
        assert details["hostKeys"][0]["notValidAfter"] > details["hostKeys"][0]["notValidBefore"]


@pytest.mark.parametrize(
    ("operation", "member", "seed"),
    [
        ("get_instances", "instances", "instances"),
        ("get_instance_snapshots", "instanceSnapshots", "snapshots"),
        ("get_blueprints", "blueprints", "blueprints"),
    ],
)
async def test_botocore_paginators_see_every_item_once(
    emulator: Emulator, make_client: ClientFactory, operation: str, member: str, seed: str
) -> None:
    """botocore's paginators walk all pages (of 3) and see each seeded item exactly once."""
    if seed == "instances":
        expected = sorted(r.name for r in emulator.seed_instances(count=11))
    elif seed == "snapshots":
        expected = sorted(r.name for r in emulator.seed_snapshots(count=10))
    else:
        expected = sorted(b.blueprint_id for b in BLUEPRINTS if b.app_category is None)
    client = make_client()

    def walk() -> list[str]:
        extra = {"includeInactive": True} if operation == "get_blueprints" else {}
        pages = client.get_paginator(operation).paginate(**extra)
        key = "blueprintId" if member == "blueprints" else "name"
        return [item[key] for page in pages for item in page[member]]

    seen = await asyncio.to_thread(walk)
    assert sorted(seen) == expected
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("method", "params", "code", "status"),
    [
        ("get_instance", {"instanceName": "missing"}, "NotFoundException", 400),
        ("get_instance_snapshot", {"instanceSnapshotName": "missing"}, "NotFoundException", 400),
        ("delete_instance", {"instanceName": "missing"}, "NotFoundException", 400),
        ("delete_instance_snapshot", {"instanceSnapshotName": "missing"}, "NotFoundException", 400),
        ("get_instance_port_states", {"instanceName": "missing"}, "NotFoundException", 400),
        (
            "create_instance_snapshot",
            {"instanceName": "missing", "instanceSnapshotName": "s-1"},
            "NotFoundException",
            400,
        ),
        ("get_instance", {"instanceName": "-bad-"}, "InvalidInputException", 400),
        ("get_instances", {"pageToken": "garbage"}, "InvalidInputException", 400),
        (
            "create_instances",
            {
                "instanceNames": ["web-1"],
                "availabilityZone": "us-east-1a",
                "blueprintId": "ubuntu_22_04",
                "bundleId": "nano_3_0",
            },
            "InvalidInputException",
            400,
        ),
    ],
)
async def test_boto3_sees_lightsail_error_codes(
    fleet: Emulator,
    lightsail: Any,
    method: str,
    params: dict[str, Any],
    code: str,
    status: int,
) -> None:
    """boto3 raises ClientError with Lightsail's code, HTTP status, request id and extra members."""
    with pytest.raises(ClientError) as caught:
        await call(lightsail, method, **params)

    response: dict[str, Any] = dict(caught.value.response)
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["RequestId"]
    assert response["docs"] and "code" in response and "tip" in response


async def test_boto3_parses_a_full_round_trip(fleet: Emulator, lightsail: Any) -> None:
    """boto3 creates, reads (with datetimes) and deletes an instance through the emulator."""
    created = await call(
        lightsail,
        "create_instances",
        instanceNames=["rt-1"],
        availabilityZone="us-east-1a",
        blueprintId="ubuntu_24_04",
        bundleId="nano_3_0",
    )
    instance = (await call(lightsail, "get_instance", instanceName="rt-1"))["instance"]
    deleted = await call(lightsail, "delete_instance", instanceName="rt-1")

    assert created["operations"][0]["operationType"] == "CreateInstance"
    assert instance["createdAt"].timestamp() == pytest.approx(NOW)
    assert instance["state"] == {"code": 0, "name": "pending"}
    assert deleted["operations"][0]["status"] == "Succeeded"


@pytest.mark.parametrize("operation", sorted(set(REQUESTS) - {"GetOperation"}))
async def test_boto3_parses_every_answer(fleet: Emulator, lightsail: Any, operation: str) -> None:
    """boto3 sends each operation and parses its answer into the output shape's members."""
    from botocore import xform_name

    answer = await call(lightsail, xform_name(operation), **REQUESTS[operation])
    shape = lightsail.meta.service_model.operation_model(operation).output_shape
    assert set(answer) - {"ResponseMetadata"} <= set(shape.members)
    assert set(answer) & set(shape.members)


async def test_boto3_follows_an_operation_and_the_operation_pages(
    fleet: Emulator, lightsail: Any
) -> None:
    """boto3 stops an instance, reads its operation back by id as it completes, and its
    paginators walk GetOperations and GetBundles."""
    stopped = await call(lightsail, "stop_instance", instanceName="web-1")
    operation_id = stopped["operations"][0]["id"]
    fleet.clock.advance(fleet.timings.instance_stop)
    operation = (await call(lightsail, "get_operation", operationId=operation_id))["operation"]

    def walk(name: str, member: str, **params: Any) -> list[Any]:
        pages = lightsail.get_paginator(name).paginate(**params)
        return [item for page in pages for item in page[member]]

    operations = await asyncio.to_thread(walk, "get_operations", "operations")
    bundles = await asyncio.to_thread(walk, "get_bundles", "bundles", includeInactive=True)

    assert (operation["status"], operation["isTerminal"]) == ("Succeeded", True)
    assert operation["statusChangedAt"].timestamp() == pytest.approx(
        NOW + fleet.timings.instance_stop
    )
    assert [o["id"] for o in operations] == [o.id for o in fleet.state().operations]
    assert len(bundles) == len({b["bundleId"] for b in bundles}) > 3
