"""Each operation sends the exact request Lightsail expects and maps the answer into models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from aiolightsail import (
    AvailabilityZone,
    Blueprint,
    Bundle,
    Instance,
    InstanceAccessDetails,
    InstanceMetricName,
    InstanceSnapshot,
    InstanceState,
    InstanceStateName,
    LightsailClient,
    MetricDatapoint,
    MetricStatistic,
    MetricUnit,
    Operation,
    OperationStatus,
    Page,
    PortInfo,
    Region,
)
from aiolightsail._operations import OPERATIONS
from tests.conftest import Wire

T0 = 1_700_000_000.0
OPERATION = {
    "id": "op-1",
    "resourceName": "web-1",
    "resourceType": "Instance",
    "createdAt": T0,
    "location": {"availabilityZone": "eu-west-1a", "regionName": "eu-west-1"},
    "isTerminal": False,
    "operationType": "CreateInstance",
    "status": "Started",
    "statusChangedAt": T0,
}
INSTANCE = {
    "name": "web-1",
    "arn": "arn:aws:lightsail:eu-west-1:123456789012:Instance/abc",
    "createdAt": T0,
    "location": {"availabilityZone": "eu-west-1a", "regionName": "eu-west-1"},
    "tags": [{"key": "env", "value": "prod"}, {"key": "keyonly"}],
    "state": {"code": 16, "name": "running"},
    "hardware": {"cpuCount": 2, "ramSizeInGb": 1, "disks": [{"name": "sys", "sizeInGb": 40}]},
    "networking": {
        "monthlyTransfer": {"gbPerMonthAllocated": 2048},
        "ports": [{"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrs": ["0.0.0.0/0"]}],
    },
}
SNAPSHOT = {"name": "snap-1", "state": "available", "fromInstanceName": "web-1", "sizeInGb": 40}
BLUEPRINT = {"blueprintId": "ubuntu_24_04", "name": "Ubuntu", "type": "os", "isActive": True}
REGION = {
    "name": "eu-west-1",
    "displayName": "Dublin",
    "continentCode": "EU",
    "availabilityZones": [{"zoneName": "eu-west-1a", "state": "available"}],
}
BUNDLE = {
    "bundleId": "nano_3_0",
    "price": 5.0,
    "ramSizeInGb": 0.5,
    "supportedPlatforms": ["LINUX_UNIX"],
    "publicIpv4AddressCount": 1,
}
START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(hours=1)


@dataclass(frozen=True)
class Case:
    """One operation: how to call it, what must be sent, what comes back."""

    id: str
    call: Callable[[LightsailClient], Awaitable[Any]]
    operation: str
    body: dict[str, Any]
    response: dict[str, Any]
    check: Callable[[Any], object] = field(default=lambda result: None)


def _ops(result: Any) -> None:
    assert isinstance(result, list)
    assert result == [Operation.from_api(OPERATION)]
    assert result[0].created_at == datetime.fromtimestamp(T0, tz=UTC)


CASES = [
    Case(
        "get_instance",
        lambda c: c.get_instance("web-1"),
        "GetInstance",
        {"instanceName": "web-1"},
        {"instance": INSTANCE},
        lambda r: (
            (
                isinstance(r, Instance)
                and r.name == "web-1"
                and r.tags[1].value is None
                and r.hardware is not None
                and r.hardware.ram_size_in_gb == 1.0
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_instances first page",
        lambda c: c.get_instances(),
        "GetInstances",
        {},
        {"instances": [INSTANCE], "nextPageToken": "t2"},
        lambda r: (
            (r == Page(items=(Instance.from_api(INSTANCE),), next_page_token="t2"))
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_instances with token",
        lambda c: c.get_instances(page_token="t2"),
        "GetInstances",
        {"pageToken": "t2"},
        {"instances": []},
        lambda r: (r == Page(items=(), next_page_token=None)) or pytest.fail(repr(r)),
    ),
    Case(
        "get_blueprints",
        lambda c: c.get_blueprints(),
        "GetBlueprints",
        {},
        {"blueprints": [BLUEPRINT]},
        lambda r: (r.items == (Blueprint.from_api(BLUEPRINT),)) or pytest.fail(repr(r)),
    ),
    Case(
        "get_blueprints inactive",
        lambda c: c.get_blueprints(include_inactive=True, page_token="b2"),
        "GetBlueprints",
        {"includeInactive": True, "pageToken": "b2"},
        {"blueprints": []},
    ),
    Case(
        "get_instance_snapshot",
        lambda c: c.get_instance_snapshot("snap-1"),
        "GetInstanceSnapshot",
        {"instanceSnapshotName": "snap-1"},
        {"instanceSnapshot": SNAPSHOT},
        lambda r: (r == InstanceSnapshot.from_api(SNAPSHOT)) or pytest.fail(repr(r)),
    ),
    Case(
        "get_instance_snapshots",
        lambda c: c.get_instance_snapshots(page_token="s2"),
        "GetInstanceSnapshots",
        {"pageToken": "s2"},
        {"instanceSnapshots": [SNAPSHOT], "nextPageToken": "s3"},
        lambda r: (
            (r.next_page_token == "s3" and r.items[0].name == "snap-1") or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_instance_access_details",
        lambda c: c.get_instance_access_details("web-1", protocol="rdp"),
        "GetInstanceAccessDetails",
        {"instanceName": "web-1", "protocol": "rdp"},
        {"accessDetails": {"instanceName": "web-1", "protocol": "rdp", "password": "pw-123456"}},
        lambda r: (
            (isinstance(r, InstanceAccessDetails) and r.password == "pw-123456")
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_instance_metric_data",
        lambda c: c.get_instance_metric_data(
            "web-1",
            metric_name="CPUUtilization",
            start_time=START,
            end_time=END.astimezone(timezone(timedelta(hours=2))),
            period=300,
            statistics=["Average", "Maximum"],
            unit="Percent",
        ),
        "GetInstanceMetricData",
        {
            "instanceName": "web-1",
            "metricName": "CPUUtilization",
            "period": 300,
            "startTime": START.timestamp(),
            "endTime": END.timestamp(),
            "statistics": ["Average", "Maximum"],
            "unit": "Percent",
        },
        {
            "metricName": "CPUUtilization",
            "metricData": [
                {"average": 2.5, "timestamp": T0 + 300, "unit": "Percent"},
                {"average": 1.5, "maximum": 3, "timestamp": T0, "unit": "Percent"},
            ],
        },
        lambda r: (
            (
                [p.timestamp for p in r]
                == [datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 300, UTC)]
                and r[0]
                == MetricDatapoint(
                    average=1.5, maximum=3.0, timestamp=r[0].timestamp, unit="Percent"
                )
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_instance_metric_data picks the unit",
        lambda c: c.get_instance_metric_data(
            "web-1",
            metric_name=InstanceMetricName.NETWORK_IN,
            start_time=START,
            end_time=END,
            period=60,
            statistics=[MetricStatistic.SUM],
        ),
        "GetInstanceMetricData",
        {
            "instanceName": "web-1",
            "metricName": "NetworkIn",
            "period": 60,
            "startTime": START.timestamp(),
            "endTime": END.timestamp(),
            "statistics": ["Sum"],
            "unit": "Bytes",
        },
        {"metricName": "NetworkIn", "metricData": [{"sum": 10, "unit": "Bytes"}]},
        lambda r: (r[0].unit is MetricUnit.BYTES) or pytest.fail(repr(r)),
    ),
    Case(
        "get_instance_port_states",
        lambda c: c.get_instance_port_states("web-1"),
        "GetInstancePortStates",
        {"instanceName": "web-1"},
        {"portStates": [{"fromPort": 22, "toPort": 22, "protocol": "tcp", "state": "open"}]},
        lambda r: (r[0].state == "open" and r[0].cidrs == ()) or pytest.fail(repr(r)),
    ),
    Case(
        "create_instances minimal",
        lambda c: c.create_instances(
            instance_names=["web-1"],
            availability_zone="eu-west-1a",
            blueprint_id="ubuntu_24_04",
            bundle_id="nano_3_0",
        ),
        "CreateInstances",
        {
            "instanceNames": ["web-1"],
            "availabilityZone": "eu-west-1a",
            "blueprintId": "ubuntu_24_04",
            "bundleId": "nano_3_0",
        },
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "create_instances full",
        lambda c: c.create_instances(
            instance_names=("web-1", "web.2"),
            availability_zone="eu-west-1b",
            blueprint_id="ubuntu_24_04",
            bundle_id="nano_3_0",
            key_pair_name="ops-key",
            user_data="#!/bin/sh\necho hi",
            tags={"env": "prod", "keyonly": ""},
            ip_address_type="dualstack",
        ),
        "CreateInstances",
        {
            "instanceNames": ["web-1", "web.2"],
            "availabilityZone": "eu-west-1b",
            "blueprintId": "ubuntu_24_04",
            "bundleId": "nano_3_0",
            "keyPairName": "ops-key",
            "userData": "#!/bin/sh\necho hi",
            "tags": [{"key": "env", "value": "prod"}, {"key": "keyonly", "value": ""}],
            "ipAddressType": "dualstack",
        },
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "create_instances_from_snapshot manual",
        lambda c: c.create_instances_from_snapshot(
            instance_names=["web-2"],
            availability_zone="eu-west-1a",
            bundle_id="micro_3_0",
            instance_snapshot_name="snap-1",
        ),
        "CreateInstancesFromSnapshot",
        {
            "instanceNames": ["web-2"],
            "availabilityZone": "eu-west-1a",
            "bundleId": "micro_3_0",
            "instanceSnapshotName": "snap-1",
        },
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "create_instances_from_snapshot auto",
        lambda c: c.create_instances_from_snapshot(
            instance_names=["web-2"],
            availability_zone="eu-west-1a",
            bundle_id="micro_3_0",
            source_instance_name="web-1",
            restore_date=date(2026, 11, 20),
        ),
        "CreateInstancesFromSnapshot",
        {
            "instanceNames": ["web-2"],
            "availabilityZone": "eu-west-1a",
            "bundleId": "micro_3_0",
            "sourceInstanceName": "web-1",
            "restoreDate": "2026-11-20",
        },
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "create_instance_snapshot",
        lambda c: c.create_instance_snapshot(
            instance_name="web-1", instance_snapshot_name="snap-1", tags={"why": "backup"}
        ),
        "CreateInstanceSnapshot",
        {
            "instanceName": "web-1",
            "instanceSnapshotName": "snap-1",
            "tags": [{"key": "why", "value": "backup"}],
        },
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "delete_instance",
        lambda c: c.delete_instance("web-1"),
        "DeleteInstance",
        {"instanceName": "web-1"},
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "delete_instance force",
        lambda c: c.delete_instance("web-1", force_delete_add_ons=True),
        "DeleteInstance",
        {"instanceName": "web-1", "forceDeleteAddOns": True},
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "delete_instance_snapshot",
        lambda c: c.delete_instance_snapshot("snap-1"),
        "DeleteInstanceSnapshot",
        {"instanceSnapshotName": "snap-1"},
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "close_instance_public_ports",
        lambda c: c.close_instance_public_ports(
            "web-1", PortInfo(from_port=80, to_port=80, protocol="tcp", cidrs=["0.0.0.0/0"])
        ),
        "CloseInstancePublicPorts",
        {
            "instanceName": "web-1",
            "portInfo": {"fromPort": 80, "toPort": 80, "protocol": "tcp", "cidrs": ["0.0.0.0/0"]},
        },
        {"operation": OPERATION},
        lambda r: (r == Operation.from_api(OPERATION)) or pytest.fail(repr(r)),
    ),
    Case(
        "close_instance_public_ports icmp ping",
        lambda c: c.close_instance_public_ports(
            "web-1", PortInfo(from_port=8, to_port=-1, protocol="icmp")
        ),
        "CloseInstancePublicPorts",
        {"instanceName": "web-1", "portInfo": {"fromPort": 8, "toPort": -1, "protocol": "icmp"}},
        {"operation": OPERATION},
    ),
]


def _power(method: str) -> Callable[[LightsailClient], Awaitable[Any]]:
    return lambda c: getattr(c, method)("web-1")


CASES += [
    Case(method, _power(method), wire, {"instanceName": "web-1"}, {"operations": [OPERATION]}, _ops)
    for method, wire in (
        ("start_instance", "StartInstance"),
        ("stop_instance", "StopInstance"),
        ("reboot_instance", "RebootInstance"),
    )
]
CASES += [
    Case(
        "stop_instance force",
        lambda c: c.stop_instance("web-1", force=True),
        "StopInstance",
        {"instanceName": "web-1", "force": True},
        {"operations": [OPERATION]},
        _ops,
    ),
    Case(
        "get_instance_state",
        lambda c: c.get_instance_state("web-1"),
        "GetInstanceState",
        {"instanceName": "web-1"},
        {"state": {"code": 64, "name": "stopping"}},
        lambda r: (
            (r == InstanceState(code=64, name="stopping") and r.name is InstanceStateName.STOPPING)
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "open_instance_public_ports",
        lambda c: c.open_instance_public_ports(
            "web-1", PortInfo(from_port=443, to_port=443, protocol="tcp", ipv6_cidrs=["::/0"])
        ),
        "OpenInstancePublicPorts",
        {
            "instanceName": "web-1",
            "portInfo": {"fromPort": 443, "toPort": 443, "protocol": "tcp", "ipv6Cidrs": ["::/0"]},
        },
        {"operation": OPERATION},
        lambda r: (r.status is OperationStatus.STARTED) or pytest.fail(repr(r)),
    ),
    Case(
        "put_instance_public_ports",
        lambda c: c.put_instance_public_ports(
            "web-1",
            [
                PortInfo(from_port=22, to_port=22, protocol="tcp", cidrs=["203.0.113.0/24"]),
                PortInfo(from_port=8, to_port=-1, protocol="icmp"),
            ],
        ),
        "PutInstancePublicPorts",
        {
            "instanceName": "web-1",
            "portInfos": [
                {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrs": ["203.0.113.0/24"]},
                {"fromPort": 8, "toPort": -1, "protocol": "icmp"},
            ],
        },
        {"operation": OPERATION},
        lambda r: (r == Operation.from_api(OPERATION)) or pytest.fail(repr(r)),
    ),
    Case(
        "put_instance_public_ports none",
        lambda c: c.put_instance_public_ports("web-1", ()),
        "PutInstancePublicPorts",
        {"instanceName": "web-1", "portInfos": []},
        {"operation": OPERATION},
    ),
    Case(
        "get_operation",
        lambda c: c.get_operation("op-1"),
        "GetOperation",
        {"operationId": "op-1"},
        {"operation": {**OPERATION, "status": "Failed", "errorCode": "Boom"}},
        lambda r: (
            (r.status is OperationStatus.FAILED and r.error_code == "Boom") or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_operations",
        lambda c: c.get_operations(page_token="o2"),
        "GetOperations",
        {"pageToken": "o2"},
        {"operations": [OPERATION], "nextPageToken": "o3"},
        lambda r: (r.next_page_token == "o3" and r.items[0].id == "op-1") or pytest.fail(repr(r)),
    ),
    Case(
        "get_operations_for_resource",
        lambda c: c.get_operations_for_resource("web-1"),
        "GetOperationsForResource",
        {"resourceName": "web-1"},
        {"operations": [OPERATION], "nextPageCount": "1"},
        lambda r: (r == Page(items=(Operation.from_api(OPERATION),))) or pytest.fail(repr(r)),
    ),
    Case(
        "get_regions",
        lambda c: c.get_regions(include_availability_zones=True),
        "GetRegions",
        {"includeAvailabilityZones": True},
        {"regions": [REGION]},
        lambda r: (
            (
                r[0] == Region.from_api(REGION)
                and r[0].availability_zones
                == (AvailabilityZone(zone_name="eu-west-1a", state="available"),)
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_regions bare",
        lambda c: c.get_regions(),
        "GetRegions",
        {},
        {"regions": []},
        lambda r: (r == []) or pytest.fail(repr(r)),
    ),
    Case(
        "get_bundles",
        lambda c: c.get_bundles(include_inactive=True, page_token="b2"),
        "GetBundles",
        {"includeInactive": True, "pageToken": "b2"},
        {"bundles": [BUNDLE]},
        lambda r: (
            (
                r.items == (Bundle.from_api(BUNDLE),)
                and r.items[0].supported_platforms == ("LINUX_UNIX",)
            )
            or pytest.fail(repr(r))
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_operation_request_and_response(
    case: Case, client: LightsailClient, wire: Wire
) -> None:
    """The operation posts its X-Amz-Target with the exact camelCase body and maps the answer."""
    wire.reply(case.response)
    result = await case.call(client)
    assert wire.calls == [(case.operation, case.body)]
    headers = wire.headers[0]
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert "/eu-west-1/lightsail/aws4_request" in headers["Authorization"]
    case.check(result)


def test_every_operation_is_covered() -> None:
    """The cases above exercise every operation of the table."""
    assert {c.operation for c in CASES} == set(OPERATIONS)


async def test_iter_instances_follows_tokens(client: LightsailClient, wire: Wire) -> None:
    """iter_instances fetches page after page, sending each nextPageToken back, and stops."""
    wire.reply({"instances": [{"name": "a1"}, {"name": "a2"}], "nextPageToken": "p2"})
    wire.reply({"instances": [{"name": "b1"}], "nextPageToken": "p3"})
    wire.reply({"instances": [{"name": "c1"}]})
    names = [i.name async for i in client.iter_instances()]
    assert names == ["a1", "a2", "b1", "c1"]
    assert [body for _, body in wire.calls] == [{}, {"pageToken": "p2"}, {"pageToken": "p3"}]


@pytest.mark.parametrize(
    ("make", "operation", "member"),
    [
        (lambda c: c.iter_operations(), "GetOperations", "operations"),
        (
            lambda c: c.iter_operations_for_resource("web-1"),
            "GetOperationsForResource",
            "operations",
        ),
        (lambda c: c.iter_bundles(include_inactive=True), "GetBundles", "bundles"),
    ],
)
async def test_new_iterators_follow_tokens(
    client: LightsailClient,
    wire: Wire,
    make: Callable[[LightsailClient], Any],
    operation: str,
    member: str,
) -> None:
    """Each new iterator walks every page, sending each nextPageToken back with its parameters."""
    item = OPERATION if member == "operations" else BUNDLE
    wire.reply({member: [item], "nextPageToken": "p2"})
    wire.reply({member: [item]})
    items = [x async for x in make(client)]
    assert len(items) == 2
    (first, _), (second, body) = wire.calls
    assert first == second == operation
    assert body["pageToken"] == "p2"
