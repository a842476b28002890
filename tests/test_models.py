"""The models cover botocore's Lightsail shapes member for member and convert faithfully."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

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
    attributes = set(cls.__struct_fields__)
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
    with pytest.raises(AttributeError):
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
    assert "state_name" not in al.Instance.__struct_fields__
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


# -- what users rely on: equality, repr, pickling, the garbage collector --------------

MODELS = sorted(
    (getattr(al, name) for name in STRUCTURES),
    key=lambda cls: cls.__name__,
)
#: Every secret attribute, by class (``user_data`` is an input only: no model holds one).
SECRETS = {
    "InstanceAccessDetails": {"private_key", "password", "cert_key"},
    "PasswordData": {"ciphertext"},
}


def _populated(cls: type[_models.Model]) -> Any:
    """A model with every member set, sub-models and lists included, secrets full of quotes."""
    shapes = _service_model()["shapes"]

    def value(shape_name: str, member: str, depth: int) -> Any:
        shape = shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return {
                name: value(ref["shape"], name, depth + 1) for name, ref in shape["members"].items()
            }
        if kind == "list":
            return [value(shape["member"]["shape"], member, depth + 1) for _ in range(2)]
        if kind == "string":
            return f"SECRET-'\"\\\\-{member}" if _snake(member) in _ALL_SECRETS else f"{member}-v"
        return {
            "integer": 7,
            "long": 7,
            "boolean": True,
            "float": 1.5,
            "double": 2.5,
            "timestamp": 1_700_000_000.5,
        }[kind]

    return cls.from_api(value(cls.__name__, cls.__name__, 0))


_ALL_SECRETS = set().union(*SECRETS.values())


def test_the_secrets_are_the_documented_ones() -> None:
    """Each model's secrets are exactly the documented ones; no model has a user_data member."""
    for cls in MODELS:
        assert _models.secret_fields(cls) == SECRETS.get(cls.__name__, set()), cls
        assert "user_data" not in cls.__struct_fields__


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_repr_and_str_never_show_a_secret(cls: type[_models.Model]) -> None:
    """repr and str show every other attribute, nested models' secrets left out too."""
    model = _populated(cls)
    for text in (repr(model), str(model), f"{model}", repr([model])):
        assert "SECRET" not in text
        assert text.lstrip("[").startswith(f"{cls.__name__}(")
    shown = set(re.findall(r"\b(\w+)=", repr(model)))
    assert set(cls.__struct_fields__) - _ALL_SECRETS <= shown


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_pickles_and_compares_equal(cls: type[_models.Model]) -> None:
    """A fully-populated model survives pickling (to another process) equal, and hashes."""
    import pickle

    model = _populated(cls)
    again = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
    assert again == model and type(again) is cls
    assert hash(again) == hash(model)
    assert cls.from_api({}) != model


def test_a_page_pickles() -> None:
    """A Page of models pickles whole, as the dask helper sends it between processes."""
    import pickle

    page = al.Page(items=(_populated(al.Instance), al.Instance(name="b")), next_page_token="t")
    assert pickle.loads(pickle.dumps(page)) == page  # noqa: S301 - our own bytes


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_models_are_invisible_to_the_garbage_collector(cls: type[_models.Model]) -> None:
    """No decoded model is tracked by the cyclic garbage collector, nested ones included."""
    import gc

    model = _populated(cls)
    assert not gc.is_tracked(model)
    for name in cls.__struct_fields__:
        value = getattr(model, name)
        if isinstance(value, _models.Model):
            assert not gc.is_tracked(value)


def test_equality_compares_every_attribute() -> None:
    """Two models are equal when every attribute is; one attribute apart, they differ."""
    one = al.Instance.from_api({"name": "a", "tags": [{"key": "k"}]})
    assert one == al.Instance(name="a", tags=(al.Tag(key="k"),))
    assert one != al.Instance.from_api({"name": "a", "tags": [{"key": "k", "value": ""}]})
    assert one != al.InstanceSnapshot(name="a")  # type: ignore[comparison-overlap]


def test_known_enum_values_are_the_members() -> None:
    """A known state, status, snapshot state or unit is the StrEnum member itself."""
    assert al.InstanceState.from_api({"name": "running"}).name is al.InstanceStateName.RUNNING
    assert al.Operation.from_api({"status": "Started"}).status is al.OperationStatus.STARTED
    assert (
        al.InstanceSnapshot.from_api({"state": "available"}).state
        is al.InstanceSnapshotState.AVAILABLE
    )
    assert al.MetricDatapoint.from_api({"unit": "Percent"}).unit is al.MetricUnit.PERCENT
    unknown = al.Operation.from_api({"status": "Paused"}).status
    assert unknown == "Paused" and type(unknown) is str


def test_to_dict_makes_lists_and_nested_dicts() -> None:
    """to_dict gives plain data: nested models as dicts, tuples as lists, in field order."""
    instance = al.Instance.from_api({"name": "a", "tags": [{"key": "k"}], "ipv6Addresses": ["::1"]})
    plain = _models.to_dict(instance)
    assert list(plain) == list(al.Instance.__struct_fields__)
    assert plain["tags"] == [{"key": "k", "value": None}]
    assert plain["ipv6_addresses"] == ["::1"]
    page = _models.to_dict(al.Page(items=(instance,), next_page_token=None))
    assert page["items"][0]["tags"] == [{"key": "k", "value": None}]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01T00:00:00+01:00", "Operation.created_at: timestamp out of range"),
        (1e30, "Operation.created_at: timestamp out of range"),
        ("9999-12-31T23:59:59-01:00", "Operation.created_at: timestamp out of range"),
        ("yesterday", "Operation.created_at: invalid RFC3339"),
        (True, "Operation.created_at: expected"),
    ],
)
def test_timestamps_that_do_not_fit_name_the_member(value: Any, message: str) -> None:
    """A timestamp out of range or unreadable is a ResponseError naming it, never OverflowError."""
    with pytest.raises(al.ResponseError, match=re.escape(message)):
        al.Operation.from_api({"createdAt": value})


def test_an_iso_timestamp_with_an_offset_becomes_utc() -> None:
    """ISO 8601 text with an offset is moved to UTC (the same moment)."""
    got = al.Operation.from_api({"createdAt": "2023-11-14T17:13:20.25-05:00"}).created_at
    assert got == datetime.fromtimestamp(1_700_000_000.25, UTC)
    assert got is not None and got.tzinfo is UTC


# -- whole answers --------------------------------------------------------------------


def _decode(operation: str, body: bytes) -> Any:
    from aiolightsail._models._answers import decode_answer

    return decode_answer(OPERATIONS[operation], body)


def test_an_answer_decodes_straight_into_models() -> None:
    """A page's bytes become a tuple of models and its token."""
    items, token = _decode(
        "GetInstances",
        b'{"instances": [{"name": "a", "createdAt": 1700000000}], "nextPageToken": "t"}',
    )
    assert items == (al.Instance(name="a", created_at=datetime.fromtimestamp(1_700_000_000, UTC)),)
    assert token == "t"
    one, _ = _decode("GetInstance", b'{"instance": {"name": "a"}}')
    assert one == al.Instance(name="a")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "GetInstances: unreadable response"),
        (b"[1, 2]", "GetInstances: expected `object`, got `array`"),
        (b"", "GetInstances: the answer has no 'instances'"),
        (b'{"instances": null}', "GetInstances: the answer has no 'instances'"),
        (b'{"instances": {}}', "GetInstances: instances: expected `array | null`, got `object`"),
        (b'{"instances": [{"name": 3}]}', "GetInstances: instances[0].name: expected `str | null`"),
        (
            b'{"instances": [{}, {"hardware": {"disks": [{"createdAt": 1e300}]}}]}',
            "GetInstances: instances[1].hardware.disks[0].created_at: timestamp out of range",
        ),
        (b'{"instances": [], "nextPageToken": 5}', "GetInstances: next_page_token: expected"),
        (
            b'{"__type": "ThrottlingException", "message": "slow down", "instances": []}',
            "a successful response carries an error: ThrottlingException: slow down",
        ),
        (b'{"instances": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "GetInstances: "),
        (b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "instances": []}', "GetInstances: "),
        (b'{"instances": [{"name": 1}], "x": NaN}', "GetInstances: instances[0].name: expected"),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "empty",
        "null-member",
        "wrong-member-type",
        "wrong-type-inside",
        "timestamp-out-of-range",
        "token-not-a-string",
        "error-document",
        "nested-100000-deep-in-the-member",
        "nested-100000-deep-elsewhere",
        "wrong-type-after-json-fallback",
    ],
)
def test_an_answer_that_does_not_fit_is_one_response_error(body: bytes, message: str) -> None:
    """Whatever does not fit is a ResponseError naming the operation and the member."""
    with pytest.raises(al.ResponseError) as caught:
        _decode("GetInstances", body)
    assert message in str(caught.value)
    assert caught.value.operation == "GetInstances"


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b'{"instances": [{"name": "lone-\\udc80"}]}', "lone-\udc80"),
        (b'{"instances": [{"name": "n", "hardware": {"ramSizeInGb": NaN}}]}', "n"),
    ],
    ids=["lone-surrogate", "nan"],
)
def test_what_json_reads_and_msgspec_refuses_is_read_as_json_reads_it(
    body: bytes, name: str
) -> None:
    """A lone surrogate escape or NaN (msgspec refuses them) is read as json.loads and
    botocore's parser read it: the healthy rows of a hostile server still list."""
    (instance,), _ = _decode("GetInstances", body)
    assert instance.name == name


def test_an_answer_past_the_bound_on_values_is_refused() -> None:
    """An answer with more values than MAX_VALUES is a ResponseError; one at the bound decodes."""
    from aiolightsail._models._answers import MAX_VALUES

    def page(items: int) -> bytes:
        return b'{"instances": [' + b",".join([b"{}"] * items) + b"]}"

    items, _ = _decode("GetInstances", page(MAX_VALUES + 1))  # MAX_VALUES commas
    assert len(items) == MAX_VALUES + 1
    with pytest.raises(al.ResponseError, match="more than 100,000 values"):
        _decode("GetInstances", page(MAX_VALUES + 2))
    strings = b'{"instances": [{"ipv6Addresses": [' + b",".join([b'""'] * 200_000) + b"]}]}"
    with pytest.raises(al.ResponseError, match="more than 100,000 values"):
        _decode("GetInstances", strings)
