"""Check raw wire JSON against botocore's Lightsail model.

botocore's parser silently drops members it does not know and coerces types,
so the emulator's responses are checked *before* parsing: every key must be a
member of the shape, of the right JSON type, and enum values must be in the
model's enum.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    Shape,
    StringShape,
    StructureShape,
)

_MODEL = botocore.session.get_session().get_service_model("lightsail")


def operation(name: str) -> OperationModel:
    """Return botocore's model of a Lightsail operation."""
    return _MODEL.operation_model(name)


def problems(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """Return every way ``value`` deviates from ``shape`` (empty if it conforms)."""
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{path}: expected object for {shape.name}"]
        found: list[str] = []
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                found.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                found += problems(member, item, f"{path}.{key}")
        return found
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{path}: expected list"]
        return [
            p for i, item in enumerate(value) for p in problems(shape.member, item, f"{path}[{i}]")
        ]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{path}: expected map"]
        return [p for k, item in value.items() for p in problems(shape.value, item, f"{path}.{k}")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected string"]
        enum = shape.enum if isinstance(shape, StringShape) else []
        return [f"{path}: {value!r} not in enum"] if enum and value not in enum else []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected integer"]
    if kind in ("float", "double", "timestamp"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected boolean"]
    return [f"{path}: unchecked type {kind}"]


def output_problems(operation_name: str, body: Any) -> list[str]:
    """Return how a raw response body deviates from the operation's output shape."""
    output = operation(operation_name).output_shape
    assert output is not None
    return problems(output, body)


def missing_members(shape_name: str, value: dict[str, Any], *, allowed: set[str]) -> set[str]:
    """Return the members of ``shape_name`` absent from ``value``, except ``allowed`` ones."""
    shape = _MODEL.shape_for(shape_name)
    assert isinstance(shape, StructureShape)
    return set(shape.members) - set(value) - allowed
