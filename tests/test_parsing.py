"""The lean reading and botocore's own parser yield identical models for every operation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import botocore.session
import pytest
from aiobotocore.parsers import AioResponseParserFactory
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiolightsail
from aiolightsail._botocore._parsing import read_lean
from aiolightsail._operations import OPERATIONS as TABLE

MODEL = botocore.session.get_session().get_service_model("lightsail")
OPERATIONS = sorted(TABLE)


def _strategy(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Wire JSON values of a botocore shape (epoch-second timestamps, as Lightsail sends)."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        return st.fixed_dictionaries(
            {}, optional={name: _strategy(member, depth + 1) for name, member in members.items()}
        )
    if kind == "list":
        return st.lists(_strategy(shape.member, depth + 1), max_size=3 if depth < 3 else 1)  # type: ignore[attr-defined]
    if kind == "map":
        return st.dictionaries(st.text(max_size=4), _strategy(shape.value, depth + 1), max_size=2)  # type: ignore[attr-defined]
    if kind == "string":
        text = st.text(max_size=12)
        enum = getattr(shape, "enum", None)  # StringShape only; the stubs type Shape
        return st.one_of(st.sampled_from(enum), text) if enum else text
    if kind in ("integer", "long"):
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False))
    if kind == "timestamp":
        return st.one_of(
            st.integers(0, 4_000_000_000),
            st.floats(0, 4_000_000_000, allow_nan=False).map(lambda f: round(f, 3)),
        )
    raise AssertionError(f"no strategy for {kind}")


def _lean(body: bytes) -> dict[str, Any]:
    return asyncio.run(read_lean(body))


def _parse(factory: Any, body: bytes, shape: Shape) -> dict[str, Any]:
    parser = factory.create_parser("json")
    response = {"body": body, "headers": {"x-amzn-requestid": "r-1"}, "status_code": 200}
    parsed: dict[str, Any] = asyncio.run(parser.parse(response, shape))
    return parsed


def _models(parsed: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """Convert each member of an output the way the client does: structures become models."""
    out: dict[str, Any] = {}
    for name, member in shape.members.items():  # type: ignore[attr-defined]
        value = parsed.get(name)
        if value is None:
            out[name] = None
        elif member.type_name == "structure":
            out[name] = getattr(aiolightsail, member.name).from_api(value)
        elif member.type_name == "list" and member.member.type_name == "structure":
            model = getattr(aiolightsail, member.member.name)
            out[name] = [model.from_api(item) for item in value]
        else:
            out[name] = value
    return out


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_lean_parse_matches_botocore(operation: str, data: st.DataObject) -> None:
    """For generated responses of each operation, both parsers give the same models."""
    shape = MODEL.operation_model(operation).output_shape
    assert shape is not None
    body = json.dumps(data.draw(_strategy(shape))).encode()
    reference = _parse(AioResponseParserFactory(), body, shape)
    assert _models(_lean(body), shape) == _models(reference, shape)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_lean_parser_refuses_unreadable_bodies(body: bytes) -> None:
    """A body that is not a JSON object raises botocore's ResponseParserError (mapped upstream)."""
    from botocore.parsers import ResponseParserError

    with pytest.raises(ResponseParserError):
        _lean(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"instances": [], "nextPageToken": "t\\u00e9"}',
        b'{"x": NaN, "y": -Infinity}',  # orjson refuses these; json reads them
        b'{"x": "\\ud800"}',  # a lone surrogate
        b'{"x": 1, "x": 2}',  # a repeated key: the last wins
    ],
)
def test_decoding_matches_json(body: bytes) -> None:
    """The fast decoder gives what json.loads gives, including where orjson would refuse."""
    from aiolightsail._botocore._parsing import _loads

    decoded, expected = _loads(body), json.loads(body)
    assert repr(decoded) == repr(expected)  # repr: NaN != NaN


def test_integers_beyond_64_bits_become_floats_and_models_refuse_them() -> None:
    """The one place the decoder differs from json.loads: orjson reads an integer beyond
    64 bits as a float. No Lightsail integer member can hold one (all are 32-bit in
    the model), and a model refuses it rather than keep a rounded count."""
    from aiolightsail._botocore._parsing import _loads

    huge = 123456789012345678901234567890
    assert _loads(b'{"x": %d}' % huge) == {"x": float(huge)}
    with pytest.raises(aiolightsail.ResponseError, match="cpu_count: expected an integer"):
        aiolightsail.InstanceHardware.from_api(_loads(b'{"cpuCount": %d}' % huge))
