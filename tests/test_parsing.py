"""Answers decoded from bytes and botocore's own parser yield the same models, every operation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from aiobotocore.parsers import AioResponseParserFactory
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiolightsail
from aiolightsail._models._answers import convert_answer, decode_answer
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


def _parse(factory: Any, body: bytes, shape: Shape) -> dict[str, Any]:
    parser = factory.create_parser("json")
    response = {"body": body, "headers": {"x-amzn-requestid": "r-1"}, "status_code": 200}
    parsed: dict[str, Any] = asyncio.run(parser.parse(response, shape))
    return parsed


def _outcome(read: Callable[[], Any]) -> Any:
    """The models and token read, or the refusal (a ResponseError's class)."""
    try:
        return read()
    except aiolightsail.ResponseError as exc:
        return type(exc)


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_lean_parse_matches_botocore(operation: str, data: st.DataObject) -> None:
    """For generated responses of each operation, both parsers give the same models."""
    shape = MODEL.operation_model(operation).output_shape
    assert shape is not None
    body = json.dumps(data.draw(_strategy(shape))).encode()
    reference = _parse(AioResponseParserFactory(), body, shape)
    op = TABLE[operation]
    decoded = _outcome(lambda: decode_answer(op, body))
    assert decoded == _outcome(lambda: convert_answer(op, reference))
    if op.member in reference:  # an answer without its result member is refused
        assert decoded != aiolightsail.ResponseError


@pytest.mark.parametrize(
    "body",
    [
        b'{"instances": [], "nextPageToken": "t\\u00e9"}',
        b'{"instances": [{"name": "\\ud83d\\ude00"}], "x": 1, "x": 2}',  # a pair; a repeated key
        b'{"instances": [{"name": "a", "name": "b"}]}',  # the last wins, as in json.loads
    ],
)
def test_decoding_matches_json(body: bytes) -> None:
    """The decoder reads what json.loads reads (escapes, surrogate pairs, repeated keys)."""
    op = TABLE["GetInstances"]
    assert decode_answer(op, body) == convert_answer(op, json.loads(body))


def test_integers_beyond_64_bits_are_refused_not_rounded() -> None:
    """No Lightsail integer member can hold an integer beyond 32 bits; one beyond 64 bits is
    read exactly, and a float where an integer is expected is refused, never rounded."""
    op = TABLE["GetInstance"]
    huge = 123456789012345678901234567890
    one, _ = decode_answer(op, b'{"instance": {"hardware": {"cpuCount": %d}}}' % huge)
    assert one.hardware.cpu_count == huge
    with pytest.raises(aiolightsail.ResponseError, match=r"cpu_count: expected `int \| null`"):
        decode_answer(op, b'{"instance": {"hardware": {"cpuCount": 2.0}}}')
