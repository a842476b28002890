"""Bad input is refused before any request, with an error naming the parameter and the rule."""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiolightsail import LightsailClient, PortInfo, ValidationError
from aiolightsail import _validation as check
from tests.conftest import Wire

NOW = datetime(2026, 11, 26, tzinfo=UTC)
NAIVE = datetime(2026, 11, 26)  # noqa: DTZ001 - the point of the test


def _metric(**overrides: Any) -> Callable[[Any], Awaitable[Any]]:
    args: dict[str, Any] = {
        "metric_name": "CPUUtilization",
        "start_time": NOW - timedelta(hours=1),
        "end_time": NOW,
        "period": 300,
        "statistics": ["Average"],
        "unit": "Percent",
    }
    args.update(overrides)
    return lambda c: c.get_instance_metric_data("web-1", **args)


def _create(**overrides: Any) -> Callable[[Any], Awaitable[Any]]:
    args: dict[str, Any] = {
        "instance_names": ["web-1"],
        "availability_zone": "eu-west-1a",
        "blueprint_id": "ubuntu_24_04",
        "bundle_id": "nano_3_0",
    }
    args.update(overrides)
    return lambda c: c.create_instances(**args)


def _close(**port: Any) -> Callable[[Any], Awaitable[Any]]:
    return lambda c: c.close_instance_public_ports("web-1", PortInfo(**port))


# The client is typed Any here: these calls break the signature on purpose.
BAD_CALLS: list[tuple[str, Callable[[Any], Awaitable[Any]], str]] = [
    ("empty name", lambda c: c.get_instance(""), "instance_name"),
    ("one-char name", lambda c: c.get_instance("a"), "instance_name"),
    ("name with space", lambda c: c.get_instance("web 1"), "instance_name"),
    ("name ending in dash", lambda c: c.get_instance("web-"), "instance_name"),
    ("name too long", lambda c: c.get_instance("a" * 256), "instance_name"),
    ("name not str", lambda c: c.get_instance(42), "instance_name"),
    ("snapshot name", lambda c: c.get_instance_snapshot("-snap"), "instance_snapshot_name"),
    ("delete snapshot name", lambda c: c.delete_instance_snapshot("a/b"), "instance_snapshot_name"),
    ("empty page token", lambda c: c.get_instances(page_token=""), "page_token"),
    ("page token not str", lambda c: c.get_instance_snapshots(page_token=5), "page_token"),
    (
        "include_inactive not bool",
        lambda c: c.get_blueprints(include_inactive=1),
        "include_inactive",
    ),
    ("protocol", lambda c: c.get_instance_access_details("web-1", protocol="telnet"), "protocol"),
    ("metric name", _metric(metric_name="CPU"), "metric_name"),
    ("naive start", _metric(start_time=NAIVE), "start_time"),
    ("start not datetime", _metric(start_time="yesterday"), "start_time"),
    ("start after end", _metric(start_time=NOW, end_time=NOW - timedelta(1)), "end_time"),
    ("start equals end", _metric(start_time=NOW, end_time=NOW), "end_time"),
    ("period too small", _metric(period=30), "period"),
    ("period too large", _metric(period=86460), "period"),
    ("period not minutes", _metric(period=90), "period"),
    ("period bool", _metric(period=True), "period"),
    ("no statistics", _metric(statistics=[]), "statistics"),
    ("unknown statistic", _metric(statistics=["Median"]), "statistics[0]"),
    ("repeated statistic", _metric(statistics=["Sum", "Sum"]), "statistics"),
    ("unit", _metric(unit="percent"), "unit"),
    ("no instance names", _create(instance_names=[]), "instance_names"),
    ("names as string", _create(instance_names="web-1"), "instance_names"),
    ("duplicate names", _create(instance_names=["a1", "a1"]), "instance_names"),
    ("bad name in list", _create(instance_names=["ok-1", "bad name"]), "instance_names[1]"),
    ("zone of other region", _create(availability_zone="us-east-1a"), "availability_zone"),
    ("zone malformed", _create(availability_zone="eu-west-1"), "availability_zone"),
    ("empty blueprint", _create(blueprint_id=" "), "blueprint_id"),
    ("empty bundle", _create(bundle_id=""), "bundle_id"),
    ("key pair name", _create(key_pair_name="bad key"), "key_pair_name"),
    ("user data not str", _create(user_data=b"#!/bin/sh"), "user_data"),
    ("tags not mapping", _create(tags=[("k", "v")]), "tags"),
    ("tag key empty", _create(tags={"": "v"}), "tags key"),
    ("tag key too long", _create(tags={"k" * 129: "v"}), "tags key"),
    ("tag key reserved", _create(tags={"aws:name": "v"}), "tags key"),
    ("tag value bad char", _create(tags={"k": "a;b"}), "tags['k']"),
    ("tag value not str", _create(tags={"k": 1}), "tags['k']"),
    ("ip address type", _create(ip_address_type="ipv5"), "ip_address_type"),
    (
        "snapshot source missing",
        lambda c: c.create_instances_from_snapshot(
            instance_names=["a1"], availability_zone="eu-west-1a", bundle_id="nano_3_0"
        ),
        "instance_snapshot_name",
    ),
    (
        "auto snapshot without date",
        lambda c: c.create_instances_from_snapshot(
            instance_names=["a1"],
            availability_zone="eu-west-1a",
            bundle_id="nano_3_0",
            source_instance_name="web-1",
        ),
        "restore_date",
    ),
    (
        "force not bool",
        lambda c: c.delete_instance("web-1", force_delete_add_ons="yes"),
        "force_delete_add_ons",
    ),
    (
        "port_info not PortInfo",
        lambda c: c.close_instance_public_ports("web-1", {"fromPort": 1}),
        "port_info",
    ),
    ("port below -1", _close(from_port=-2, to_port=80, protocol="tcp"), "port_info.from_port"),
    ("tcp port -1", _close(from_port=-1, to_port=80, protocol="tcp"), "port_info.from_port"),
    ("all from after to", _close(from_port=90, to_port=80, protocol="all"), "port_info.from_port"),
    ("protocol missing", _close(from_port=80, to_port=80), "port_info.protocol"),
    ("to_port missing", _close(from_port=80, protocol="udp"), "port_info.to_port"),
    ("51 tags", _create(tags={f"k{i}": "v" for i in range(51)}), "tags"),
    ("port above 65535", _close(from_port=1, to_port=65536, protocol="tcp"), "port_info.to_port"),
    ("from after to", _close(from_port=90, to_port=80, protocol="tcp"), "port_info.from_port"),
    ("port not int", _close(from_port="80", to_port=80, protocol="tcp"), "port_info.from_port"),
    (
        "icmp type above 255",
        _close(from_port=256, to_port=0, protocol="icmp"),
        "port_info.from_port",
    ),
    ("protocol", _close(from_port=80, to_port=80, protocol="sctp"), "port_info.protocol"),
    (
        "cidr",
        _close(from_port=80, to_port=80, protocol="tcp", cidrs=["10.0.0.300/8"]),
        "port_info.cidrs[0]",
    ),
    (
        "cidr as string",
        _close(from_port=80, to_port=80, protocol="tcp", cidrs="0.0.0.0/0"),
        "port_info.cidrs",
    ),
    (
        "ipv6 cidr given v4",
        _close(from_port=80, to_port=80, protocol="tcp", ipv6_cidrs=["10.0.0.0/8"]),
        "port_info.ipv6_cidrs[0]",
    ),
    (
        "alias",
        _close(from_port=22, to_port=22, protocol="tcp", cidr_list_aliases=["everyone"]),
        "port_info.cidr_list_aliases[0]",
    ),
    ("unit of another metric", _metric(unit="Bytes"), "unit"),
    ("state name", lambda c: c.get_instance_state("web 1"), "instance_name"),
    ("start name", lambda c: c.start_instance(""), "instance_name"),
    ("reboot name", lambda c: c.reboot_instance("-x-"), "instance_name"),
    ("stop force not bool", lambda c: c.stop_instance("web-1", force=1), "force"),
    ("operation id empty", lambda c: c.get_operation(" "), "operation_id"),
    ("operation id not str", lambda c: c.get_operation(7), "operation_id"),
    ("operations token", lambda c: c.get_operations(page_token=""), "page_token"),
    ("resource name", lambda c: c.get_operations_for_resource("a b"), "resource_name"),
    (
        "zones not bool",
        lambda c: c.get_regions(include_availability_zones="yes"),
        "include_availability_zones",
    ),
    ("bundles inactive not bool", lambda c: c.get_bundles(include_inactive=0), "include_inactive"),
    (
        "open port_info not PortInfo",
        lambda c: c.open_instance_public_ports("web-1", {"fromPort": 1}),
        "port_info",
    ),
    (
        "open port order",
        lambda c: c.open_instance_public_ports(
            "web-1", PortInfo(from_port=9, to_port=8, protocol="udp")
        ),
        "port_info.from_port",
    ),
    (
        "put one PortInfo, not a list",
        lambda c: c.put_instance_public_ports(
            "web-1", PortInfo(from_port=22, to_port=22, protocol="tcp")
        ),
        "port_infos",
    ),
    ("put a string", lambda c: c.put_instance_public_ports("web-1", "22"), "port_infos"),
    (
        "put a bad rule",
        lambda c: c.put_instance_public_ports(
            "web-1",
            [
                PortInfo(from_port=22, to_port=22, protocol="tcp"),
                PortInfo(from_port=22, to_port=22, protocol="tcp", cidrs=["::/0"]),
            ],
        ),
        "port_infos[1].cidrs[0]",
    ),
]


@pytest.mark.parametrize(
    ("call", "parameter"), [(c, p) for _, c, p in BAD_CALLS], ids=[i for i, _, _ in BAD_CALLS]
)
async def test_bad_input_is_refused_and_nothing_sent(
    call: Callable[[Any], Awaitable[Any]],
    parameter: str,
    client: LightsailClient,
    wire: Wire,
) -> None:
    """Each broken rule raises ValidationError naming the parameter, and no request goes out."""
    with pytest.raises(ValidationError) as caught:
        await call(client)
    assert caught.value.parameter == parameter
    assert parameter in str(caught.value)
    assert caught.value.rule in str(caught.value)
    assert wire.calls == []


def test_user_data_is_never_echoed() -> None:
    """A rejected launch script is not repeated in the error (it may hold secrets)."""
    with pytest.raises(ValidationError) as caught:
        check.user_data(b"password=hunter2")
    assert "hunter2" not in str(caught.value)
    assert caught.value.value is None


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"region": "Europe"}, "region"),
        ({"region": "eu-west"}, "region"),
        ({"region": "eu-west-1", "aws_access_key_id": "AKID"}, "aws_secret_access_key"),
        ({"region": "eu-west-1", "aws_session_token": "tok"}, "aws_session_token"),
        ({"region": "eu-west-1", "max_attempts": 0}, "max_attempts"),
        ({"region": "eu-west-1", "endpoint_url": "127.0.0.1:80"}, "endpoint_url"),
        ({"region": "eu-west-1", "read_timeout": -1}, "read_timeout"),
    ],
)
def test_client_arguments_are_checked(kwargs: dict[str, Any], parameter: str) -> None:
    """The constructor refuses malformed arguments, naming them, before opening anything."""
    region = kwargs.pop("region")
    with pytest.raises(ValidationError) as caught:
        LightsailClient(region, **kwargs)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "ap-southeast-5", "xx-mars-9"])
def test_well_formed_unknown_regions_pass(region: str) -> None:
    """Any well-formed region name is accepted so that regions AWS adds work unchanged."""
    assert check.region(region) == region


@pytest.mark.parametrize(
    "name", ["ab", "web-1", "web.example.com", "_internal", "a" * 255, "Web_01", "x.y-z_0"]
)
def test_service_accepted_names_pass(name: str) -> None:
    """Names the service accepts, including dotted ones, pass the client-side check."""
    assert check.resource_name(name, "instance_name") == name


@given(st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,253}[A-Za-z0-9_]", fullmatch=True))
def test_property_valid_names_accepted(name: str) -> None:
    """Every name matching the documented rule is accepted."""
    assert check.resource_name(name, "instance_name") == name


@given(
    st.text(min_size=2, max_size=40).filter(
        lambda s: any(not (c.isascii() and (c.isalnum() or c in "_.-")) for c in s)
    )
)
def test_property_names_with_foreign_characters_refused(name: str) -> None:
    """A name with any character outside letters, digits, '_', '.', '-' is refused."""
    with pytest.raises(ValidationError):
        check.resource_name(name, "instance_name")


@given(st.integers(0, 65535), st.integers(0, 65535))
def test_property_port_order(low: int, high: int) -> None:
    """For tcp, a range of ports 0-65535 is accepted exactly when from_port <= to_port."""
    port = PortInfo(from_port=low, to_port=high, protocol="tcp")
    if low <= high:
        assert check.port_info(port) == {"fromPort": low, "toPort": high, "protocol": "tcp"}
    else:
        with pytest.raises(ValidationError):
            check.port_info(port)


@given(st.one_of(st.floats(), st.integers(-(10**6), 10**6)))
def test_property_durations_are_finite_and_not_negative(value: float) -> None:
    """A duration passes exactly when it is a finite number 0 or more; it comes back a float."""
    if math.isfinite(value) and value >= 0:
        assert check.duration(value, "budget") == value
        assert type(check.duration(value, "budget")) is float
    else:
        with pytest.raises(ValidationError, match="budget: must be a finite number"):
            check.duration(value, "budget")


def _model_enums() -> dict[str, list[str]]:
    path = Path(botocore.__file__).parent / "data/lightsail/2016-11-28/service-2.json.gz"
    shapes = json.loads(gzip.decompress(path.read_bytes()))["shapes"]
    return {name: shape["enum"] for name, shape in shapes.items() if "enum" in shape}


@pytest.mark.parametrize(
    ("shape", "ours"),
    [
        ("NetworkProtocol", check.NETWORK_PROTOCOLS),
        ("InstanceAccessProtocol", check.ACCESS_PROTOCOLS),
        ("IpAddressType", check.IP_ADDRESS_TYPES),
        ("InstanceMetricName", check.METRIC_NAMES),
        ("MetricStatistic", check.METRIC_STATISTICS),
        ("MetricUnit", check.METRIC_UNITS),
    ],
)
def test_enumerations_match_botocore_model(shape: str, ours: frozenset[str]) -> None:
    """Our copies of the model's enumerations equal the installed botocore model's."""
    assert set(_model_enums()[shape]) == ours
