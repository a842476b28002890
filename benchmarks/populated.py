"""A fully-populated ``Instance``: every member of botocore's shape filled, for benchmarks.

The realistic page (the emulator's instances) leaves many members empty or
short. This one fills every member of botocore's ``Instance`` shape, walked
from the service model so none is missed, with several of everything a real
fleet has several of: disks, port rules, tags, add-ons, IPv6 addresses.
"""

from __future__ import annotations

import functools
import json
from typing import Any

__all__ = ["populated_instance"]

#: Items per list member, by member name; others get two.
_LIST_SIZES = {"disks": 4, "ports": 12, "tags": 8, "addOns": 3, "ipv6Addresses": 2}
_EPOCH = 1_700_000_000.5


def _fill(shape: Any, name: str, depth: int = 0) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {member: _fill(sub, member, depth + 1) for member, sub in shape.members.items()}
    if kind == "list":
        size = _LIST_SIZES.get(name, 2)
        return [_fill(shape.member, name, depth + 1) for _ in range(size)]
    if kind == "map":
        return {f"{name}-{i}": _fill(shape.value, name, depth + 1) for i in range(2)}
    if kind == "string":
        enum = getattr(shape, "enum", None)
        return enum[0] if enum else f"{name}-value-{depth}"
    if kind in ("integer", "long"):
        return 42
    if kind == "boolean":
        return True
    if kind in ("float", "double"):
        return 1.5
    if kind == "timestamp":
        return _EPOCH
    raise ValueError(f"no value for a {kind} member ({name})")


@functools.cache
def _template() -> str:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lightsail")
    return json.dumps(_fill(model.shape_for("Instance"), "instance"))


def populated_instance(name: str, arn: str) -> dict[str, Any]:
    """Every member of ``Instance`` filled; ``name`` and ``arn`` as given."""
    instance: dict[str, Any] = json.loads(_template())
    instance["name"] = name
    instance["arn"] = arn
    instance["state"] = {"code": 16, "name": "running"}
    return instance
