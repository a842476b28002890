"""The service's own input validation, with messages that name the parameter.

botocore validates required members and types client side, but not patterns,
enums or ranges, and other clients validate nothing; Lightsail answers those
with ``InvalidInputException`` (HTTP 400). A member of the wrong JSON type
never gets that far at AWS: the JSON front end refuses it with
``SerializationException``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from aiolightsail.emulator._errors import ServiceError, invalid_input

__all__ = [
    "NAME_RULE",
    "check_resource_name",
    "optional_bool",
    "optional_str",
    "port_info",
    "port_info_value",
    "port_infos",
    "required",
    "required_str",
    "resource_name",
    "string_list",
    "tags",
    "timestamp",
]

#: Lightsail resource names: 2-255 characters, alphanumerics and underscores
#: at both ends, periods, hyphens and underscores allowed in between.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,253}[A-Za-z0-9_]", re.ASCII)
NAME_RULE = (
    "must be 2-255 characters, start and end with a letter, number or underscore, "
    "and contain only letters, numbers, periods, hyphens and underscores"
)
_PROTOCOLS = ("tcp", "all", "udp", "icmp", "icmpv6")
_MAX_TAGS = 50


def _wrong_type(name: str, expected: str, value: object) -> ServiceError:
    return ServiceError(
        "SerializationException",
        f"Unexpected value for {name}: expected {expected}, got {type(value).__name__}",
    )


def required(params: Mapping[str, Any], name: str) -> Any:
    """Return ``params[name]``; ``InvalidInputException`` if absent or null."""
    value = params.get(name)
    if value is None:
        raise invalid_input(f"The {name} parameter is required.")
    return value


def required_str(params: Mapping[str, Any], name: str) -> str:
    """Return the required non-empty string member ``name``."""
    value = required(params, name)
    if not isinstance(value, str):
        raise _wrong_type(name, "a string", value)
    if not value.strip():
        raise invalid_input(f"The {name} parameter must not be empty.")
    return value


def optional_str(params: Mapping[str, Any], name: str) -> str | None:
    """Return the string member ``name``, or ``None`` if absent."""
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise _wrong_type(name, "a string", value)
    return value


def optional_bool(params: Mapping[str, Any], name: str) -> bool | None:
    """Return the boolean member ``name``, or ``None`` if absent."""
    value = params.get(name)
    if value is not None and not isinstance(value, bool):
        raise _wrong_type(name, "a boolean", value)
    return value


def check_resource_name(value: str, name: str) -> str:
    """Return ``value`` if it is a valid resource name, else raise naming ``name``."""
    if _NAME.fullmatch(value) is None:
        raise invalid_input(f"The {name} {value!r} is not valid: a resource name {NAME_RULE}.")
    return value


def resource_name(params: Mapping[str, Any], name: str) -> str:
    """Return the required resource-name member ``name``, validated."""
    return check_resource_name(required_str(params, name), name)


def enum(params: Mapping[str, Any], name: str, allowed: Collection[str]) -> str | None:
    """Return the enum member ``name`` (``None`` if absent), checked against ``allowed``."""
    value = optional_str(params, name)
    if value is not None and value not in allowed:
        raise invalid_input(
            f"The {name} {value!r} is not valid: expected one of {', '.join(allowed)}."
        )
    return value


def integer(params: Mapping[str, Any], name: str) -> int:
    """Return the required integer member ``name``."""
    value = required(params, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(name, "an integer", value)
    return value


# Year 9999, the last a timestamp can name.
_MAX_EPOCH = 253_402_300_799


def timestamp(params: Mapping[str, Any], name: str) -> float:
    """Return the required timestamp member ``name`` (epoch seconds on the wire)."""
    value = required(params, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(name, "a timestamp in epoch seconds", value)
    # NaN and infinities parse as JSON numbers (Python's json accepts them).
    if not math.isfinite(value) or abs(value) > _MAX_EPOCH:
        raise invalid_input(f"The {name} parameter is not a valid timestamp.")
    return float(value)


def string_list(params: Mapping[str, Any], name: str, *, required_: bool = False) -> list[str]:
    """Return the list-of-strings member ``name`` (empty if absent and optional)."""
    value = params.get(name)
    if value is None:
        if required_:
            raise invalid_input(f"The {name} parameter is required.")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _wrong_type(name, "a list of strings", value)
    return value


def tags(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Return the ``tags`` member as (key, value) pairs, validated as Lightsail does."""
    value = params.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _wrong_type("tags", "a list of tags", value)
    if len(value) > _MAX_TAGS:
        raise invalid_input(f"The tags parameter has {len(value)} tags; at most 50 are allowed.")
    pairs: list[tuple[str, str]] = []
    for tag in value:
        if not isinstance(tag, dict):
            raise _wrong_type("tags", "a list of tags", tag)
        key, tag_value = tag.get("key"), tag.get("value", "")
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise invalid_input("Each tag key (tags[].key) must be 1-128 characters.")
        if not isinstance(tag_value, str) or len(tag_value) > 256:
            raise invalid_input(f"The value of tag {key!r} must be at most 256 characters.")
        if key.lower().startswith("aws:"):
            raise invalid_input(f"The tag key {key!r} is reserved: keys may not start with aws:.")
        if any(key == k for k, _ in pairs):
            raise invalid_input(f"The tag key {key!r} appears more than once in tags.")
        pairs.append((key, tag_value))
    return tuple(pairs)


def port_info(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the validated ``portInfo`` member.

    Returns:
        ``fromPort``, ``toPort``, ``protocol``, and the optional ``cidrs``,
        ``ipv6Cidrs`` and ``cidrListAliases`` lists (``None`` when absent).
    """
    return port_info_value(required(params, "portInfo"), "portInfo")


def port_infos(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the validated ``portInfos`` of ``PutInstancePublicPorts``, each as ``portInfo``."""
    value = required(params, "portInfos")
    if not isinstance(value, list):
        raise _wrong_type("portInfos", "a list of PortInfo structures", value)
    return [port_info_value(item, f"portInfos[{i}]") for i, item in enumerate(value)]


def port_info_value(value: Any, name: str) -> dict[str, Any]:
    """Return one validated ``PortInfo`` structure; errors name it as ``name``."""
    if not isinstance(value, dict):
        raise _wrong_type(name, "a PortInfo structure", value)
    from_port = integer(value, "fromPort") if "fromPort" in value else None
    to_port = integer(value, "toPort") if "toPort" in value else None
    if from_port is None or to_port is None:
        raise invalid_input(f"The {name} parameter requires fromPort and toPort.")
    protocol = enum(value, "protocol", _PROTOCOLS)
    if protocol is None:
        raise invalid_input(f"The {name}.protocol parameter is required.")
    # Lightsail's API reference (PortInfo): tcp, udp and all take ports 0-65535;
    # for icmp and icmpv6 fromPort is the ICMP type and toPort the code, -1 meaning all.
    icmp = protocol in ("icmp", "icmpv6")
    low, high = (-1, 255) if icmp else (0, 65535)
    for member, port in (("fromPort", from_port), ("toPort", to_port)):
        if not low <= port <= high:
            raise invalid_input(
                f"The {name}.{member} {port} is not valid for protocol {protocol}: "
                f"it must be {low} to {high}."
            )
    if not icmp and from_port > to_port:
        raise invalid_input(
            f"The {name}.fromPort {from_port} is greater than {name}.toPort {to_port}."
        )
    lists = {
        member: (string_list(value, member) if member in value else None)
        for member in ("cidrs", "ipv6Cidrs", "cidrListAliases")
    }
    return {"fromPort": from_port, "toPort": to_port, "protocol": protocol, **lists}
