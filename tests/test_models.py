"""The models cover botocore's Lightsail shapes member for member and convert faithfully."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import botocore
import pytest

import aiolightsail as al
from aiolightsail import _models
from aiolightsail._operations import OPERATIONS


def _service_model() -> dict[str, Any]:
    path = Path(botocore.__file__).parent / "data/lightsail/2016-11-28/service-2.json.gz"
    model: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return model


def _snake(name: str) -> str:
    # camelCase → snake_case, keeping acronyms together: fingerprintSHA256 → fingerprint_sha256.
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return name.lower()


def _reachable_output_structures() -> dict[str, dict[str, Any]]:
    model = _service_model()
    shapes = model["shapes"]
    found: dict[str, dict[str, Any]] = {}

    def walk(name: str) -> None:
        shape = shapes[name]
        if shape["type"] == "structure":
            if name in found:
                return
            found[name] = shape
            for member in shape["members"].values():
                walk(member["shape"])
        elif shape["type"] == "list":
            walk(shape["member"]["shape"])
        elif shape["type"] == "map":
            walk(shape["value"]["shape"])

    for op in OPERATIONS:
        output = shapes[model["operations"][op]["output"]["shape"]]
        for member in output["members"].values():
            walk(member["shape"])
    return found


STRUCTURES = _reachable_output_structures()


def test_a_model_for_every_output_structure() -> None:
    """Every structure reachable from the table's outputs has a model class of the same name."""
    missing = sorted(name for name in STRUCTURES if not hasattr(al, name))
    assert missing == []


@pytest.mark.parametrize("shape_name", sorted(STRUCTURES))
def test_every_member_is_an_attribute(shape_name: str) -> None:
    """Each member of the botocore shape is an attribute named by the snake_case rule."""
    cls = getattr(al, shape_name)
    attributes = {field.name for field in attrs.fields(cls)}
    members = {_snake(member) for member in STRUCTURES[shape_name]["members"]}
    assert members - attributes == set(), "members added upstream need attributes"
    assert attributes - members == set(), "attributes with no member in the model"


@pytest.mark.parametrize("shape_name", sorted(STRUCTURES))
def test_member_types_convert(shape_name: str) -> None:
    """A value of the member's botocore type converts into each attribute (round trip by name)."""
    shapes = _service_model()["shapes"]
    sample: dict[str, Any] = {}
    samples = {
        "string": "text",
        "integer": 7,
        "long": 7,
        "boolean": True,
        "float": 1.5,
        "double": 2.5,
        "timestamp": 1_700_000_000,
    }
    for member, ref in STRUCTURES[shape_name]["members"].items():
        kind = shapes[ref["shape"]]["type"]
        if kind in samples:
            sample[member] = samples[kind]
        elif kind == "list" and shapes[shapes[ref["shape"]]["member"]["shape"]]["type"] == "string":
            sample[member] = ["a", "b"]
    cls = getattr(al, shape_name)
    model = cls.from_api(sample)
    for member, value in sample.items():
        got = getattr(model, _snake(member))
        if isinstance(value, list):
            assert got == tuple(value)
        elif shapes[STRUCTURES[shape_name]["members"][member]["shape"]]["type"] == "timestamp":
            assert got == datetime.fromtimestamp(value, UTC)
        else:
            assert got == value


def test_models_are_frozen_slotted_keyword_only() -> None:
    """Models are immutable values built by keyword."""
    instance = al.Instance(name="a1")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        instance.name = "b"  # type: ignore[misc]
    assert not hasattr(instance, "__dict__")
    with pytest.raises(TypeError):
        al.Instance("a1")  # type: ignore[call-arg]


def test_absent_members_are_none_and_empty_tuples() -> None:
    """Absent scalars are None, absent lists empty tuples, and unknown members ignored."""
    instance = al.Instance.from_api({"name": "a1", "somethingNew": {"x": 1}})
    assert instance.name == "a1"
    assert instance.arn is None
    assert instance.tags == ()
    assert instance.ipv6_addresses == ()


def test_unknown_enum_values_are_kept() -> None:
    """An enum value AWS adds tomorrow stays a plain string."""
    snapshot = al.InstanceSnapshot.from_api({"state": "hibernating", "resourceType": "Quantum"})
    assert snapshot.state == "hibernating"
    assert snapshot.resource_type == "Quantum"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"state": {"code": 16, "name": "running"}}, al.InstanceStateName.RUNNING),
        ({"state": {"code": 99, "name": "hibernating"}}, "hibernating"),
        ({"state": {"code": 16}}, None),
        ({"name": "web-1"}, None),
    ],
)
def test_state_name_is_the_states_name_or_none(data: dict[str, Any], expected: object) -> None:
    """Instance.state_name is state.name (a member when known, else the string), or None."""
    instance = al.Instance.from_api(data)
    assert instance.state_name == expected
    assert type(instance.state_name) is type(expected)
    assert instance.state_name == (instance.state.name if instance.state else None)


def test_state_name_is_not_a_field() -> None:
    """state_name is computed from state: neither a field, nor in to_dict, nor in the repr."""
    instance = al.Instance.from_api({"state": {"code": 16, "name": "running"}})
    assert "state_name" not in {field.name for field in attrs.fields(al.Instance)}
    assert "state_name" not in _models.to_dict(instance)
    assert "state_name" not in repr(instance)


@pytest.mark.parametrize(
    "value",
    [
        1_700_000_000.25,
        datetime.fromtimestamp(1_700_000_000.25, tz=timezone(timedelta(hours=-5))),
        "2023-11-14T22:13:20.250000+00:00",
    ],
)
def test_timestamps_become_aware_utc(value: Any) -> None:
    """Epoch seconds, botocore datetimes and ISO text all become the same aware UTC datetime."""
    got = al.Operation.from_api({"createdAt": value}).created_at
    assert got == datetime.fromtimestamp(1_700_000_000.25, UTC)
    assert got is not None and got.tzinfo is UTC


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"name": 3}, "Instance.name"),
        ({"hardware": {"cpuCount": "two"}}, "Instance.hardware.cpu_count"),
        ({"tags": [{"key": "a"}, "b"]}, "Instance.tags[1]"),
        ({"isStaticIp": "yes"}, "Instance.is_static_ip"),
        ({"state": {"code": True}}, "Instance.state.code"),
        ({"createdAt": "yesterday"}, "Instance.created_at"),
        ({"ipv6Addresses": "::1"}, "Instance.ipv6_addresses"),
    ],
)
def test_wrong_types_raise_response_error_with_path(data: dict[str, Any], where: str) -> None:
    """A member of the wrong type raises ResponseError naming the member's path."""
    with pytest.raises(al.ResponseError) as caught:
        al.Instance.from_api(data)
    assert where in str(caught.value)


def test_to_dict_leaves_out_secrets() -> None:
    """to_dict drops secret attributes unless asked, and keeps everything else."""
    details = al.InstanceAccessDetails.from_api(
        {
            "privateKey": "PK",
            "password": "PW",
            "certKey": "CK",
            "username": "ubuntu",
            "passwordData": {"ciphertext": "CT", "keyPairName": "kp"},
        }
    )
    plain = _models.to_dict(details)
    assert plain["username"] == "ubuntu"
    assert "private_key" not in plain and "password" not in plain and "cert_key" not in plain
    assert plain["password_data"] == {"key_pair_name": "kp"}
    full = _models.to_dict(details, include_secrets=True)
    assert full["private_key"] == "PK"
    assert full["password_data"]["ciphertext"] == "CT"
