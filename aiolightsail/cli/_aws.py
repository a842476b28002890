"""``--output aws``: the JSON that ``aws lightsail`` prints, so ``jq`` scripts carry over.

``aiolightsail instances -o aws`` prints what ``aws lightsail get-instances``
prints: one object, the operation's wrapper (``{"instances": [...]}``,
``{"blueprints": [...]}``, ``{"instanceSnapshots": [...]}``), each item with
the service's camelCase member names, members the service left out left out,
timestamps as ISO 8601 in UTC (``2024-01-01T00:00:00+00:00``, what the AWS CLI
prints with ``TZ=UTC``). The items of every target are in the one list, sorted
as the other formats are; each item says where it is (``location``, ``arn``).

The names come from botocore's Lightsail model (the one the AWS CLI reads):
each member's attribute is its name by the camelCase → snake_case rule the
models follow, so the output holds exactly the members the model has.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from aiolightsail import to_dict
from aiolightsail._controls import json_text

__all__ = ["WRAPPERS", "aws_document", "write_aws"]

#: For each listing: the operation ``aws lightsail`` calls, and its answer's wrapper member.
WRAPPERS = {
    "instances": ("GetInstances", "instances"),
    "blueprints": ("GetBlueprints", "blueprints"),
    "snapshots": ("GetInstanceSnapshots", "instanceSnapshots"),
}


@functools.cache
def _item_shape(kind: str) -> Any:
    """The botocore shape of one item of ``kind``'s listing (read from the model once)."""
    import botocore.session

    operation, wrapper = WRAPPERS[kind]
    model = botocore.session.get_session().get_service_model("lightsail")
    output: Any = model.operation_model(operation).output_shape
    return output.members[wrapper].member


def _wire(value: Any, shape: Any) -> Any:
    """Plain data from :func:`aiolightsail.to_dict` in the wire's names and forms."""
    from botocore import xform_name

    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            found = value.get(xform_name(name))
            if found is not None:
                out[name] = _wire(found, member)
        return out
    if kind == "list":
        return [_wire(item, shape.member) for item in value]
    if kind == "map":
        return {key: _wire(item, shape.value) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def aws_document(kind: str, items: Iterable[Any]) -> dict[str, list[Any]]:
    """The document ``aws lightsail`` prints for ``kind``'s listing of ``items``.

    Args:
        kind: ``instances``, ``blueprints`` or ``snapshots``.
        items: the models listed.

    Returns:
        ``{"instances": [{"name": ..., "publicIpAddress": ...}, ...]}``.
    """
    shape = _item_shape(kind)
    return {WRAPPERS[kind][1]: [_wire(to_dict(item), shape) for item in items]}


def write_aws(stream: IO[str], kind: str, items: Iterable[Any]) -> None:
    """Write :func:`aws_document`, indented by 4 as the AWS CLI indents.

    Args:
        stream: where to write.
        kind: what was listed.
        items: the models listed.
    """
    document: Mapping[str, Any] = aws_document(kind, items)
    stream.write(json_text(json.dumps(document, indent=4, ensure_ascii=False)))
    stream.write("\n")
