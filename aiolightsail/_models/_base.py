"""What every wire model shares: its msgspec configuration, its fix-ups, its repr, ``to_dict``.

The wire models are :class:`msgspec.Struct` classes (``docs/design.md``, "The
wire models"): built in C straight from the answer's bytes, frozen, and
``gc=False``, so that the cyclic garbage collector never walks a held
inventory (values decoded from JSON cannot form a cycle). Members are named on
the wire by the camelCase rule (``rename="camel"``), or by an explicit
``msgspec.field(name=...)`` where the wire spells them otherwise.

Two kinds of member need more than a type check, done once per object in
``__post_init__`` (only the classes that have them pay for it, see
:func:`wire_fixes`):

* timestamps arrive as epoch seconds (a number) and become aware UTC
  datetimes; ISO 8601 text, and the datetimes of botocore's parser
  (:meth:`Model.from_api`), are accepted and moved to UTC;
* enumerated strings with named constants (``_enums``) become the
  :class:`enum.StrEnum` member when the value is known, and stay the plain
  string otherwise, so a value AWS adds tomorrow still parses.
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeAlias

import msgspec
from msgspec.structs import force_setattr

from aiolightsail._errors import ResponseError

__all__ = [
    "Model",
    "Timestamp",
    "describe",
    "secret_fields",
    "to_dict",
    "wire_fixes",
]

if TYPE_CHECKING:
    #: A timestamp member, as users see it: an aware UTC datetime.
    Timestamp: TypeAlias = datetime
else:
    # What the decoder accepts for a timestamp member: the wire's epoch seconds
    # (a number) or RFC 3339 text; __post_init__ makes either an aware UTC datetime.
    Timestamp = float | datetime

#: The largest epoch second a datetime can hold (9999-12-31T23:59:59Z, plus one).
_LAST_SECOND = 253402300800.0
_fromtimestamp = datetime.fromtimestamp


def _utc(value: Any, name: str) -> datetime:
    """A timestamp member's value as an aware UTC datetime; ``ValueError`` naming ``name``."""
    if value.__class__ is float and 0.0 <= value < _LAST_SECOND:
        return _fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        zone = value.tzinfo
        if zone is UTC:
            return value
        if zone is None:
            # botocore only hands out aware datetimes; a naive one is UTC by AWS convention.
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError(f"{name}: timestamp out of range: {value.isoformat()}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return _fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{name}: timestamp out of range: {value!r}") from None
    raise ValueError(f"{name}: expected a timestamp, got {type(value).__name__}")


def _member_of(kind: type[enum.StrEnum]) -> Callable[[Any, str], Any]:
    """A string → ``kind``'s member of that value, or the string itself when it names none."""
    lookup = {member.value: member for member in kind}.get

    def member(value: Any, name: str) -> Any:
        if isinstance(value, str):
            return lookup(value, value)
        raise ValueError(f"{name}: expected a string, got {type(value).__name__}")

    return member


def wire_fixes(
    *timestamps: str, enums: Mapping[str, type[enum.StrEnum]] | None = None
) -> Callable[[Any], None]:
    """A ``__post_init__`` that makes ``timestamps`` aware UTC datetimes and ``enums`` members.

    Only the classes with such members get one: msgspec calls ``__post_init__``
    once per object it builds, and the other classes are plain C-built values.
    """
    fixes: list[tuple[str, Callable[[Any, str], Any]]] = [(name, _utc) for name in timestamps]
    fixes += [(name, _member_of(kind)) for name, kind in (enums or {}).items()]
    members = tuple(fixes)

    def __post_init__(self: Any) -> None:  # noqa: N807 - it is the method
        for name, fix in members:
            value = getattr(self, name)
            if value is not None:
                fixed = fix(value, name)
                if fixed is not value:
                    force_setattr(self, name, fixed)

    return __post_init__


class Model(
    msgspec.Struct,
    frozen=True,
    gc=False,
    kw_only=True,
    rename="camel",
):
    """Base of the wire models: immutable, keyword-built, invisible to the garbage collector.

    Equality compares every attribute; models hash when their attributes do.
    Secret attributes (``_secrets``) are left out of ``repr``/``str`` and of
    :func:`to_dict`.
    """

    #: Attributes left out of repr and to_dict: key material, passwords, launch scripts.
    _secrets: ClassVar[frozenset[str]] = frozenset()

    def __repr__(self) -> str:
        shown = []
        for name in self.__struct_fields__:
            if name in self._secrets:
                continue
            try:
                value = getattr(self, name)
            except AttributeError:  # an object made without __init__
                shown.append(f"{name}=<unset>")
                continue
            shown.append(f"{name}={value!r}")
        return f"{type(self).__qualname__}({', '.join(shown)})"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Build the model from a Lightsail response structure (wire names; botocore-parsed too).

        Raises:
            ResponseError: a member does not fit the model (named in the message).
        """
        try:
            return msgspec.convert(data, type=cls)
        except msgspec.ValidationError as exc:
            raise ResponseError(describe(exc, cls, cls.__name__)) from None


def secret_fields(cls: type[Model]) -> frozenset[str]:
    """The attributes of ``cls`` that are secrets (left out of repr and ``to_dict``)."""
    return cls._secrets


def _plain(value: Any, include_secrets: bool) -> Any:
    if isinstance(value, Model):
        return _as_dict(value, include_secrets)
    if value.__class__ is tuple or isinstance(value, list):
        return [_plain(item, include_secrets) for item in value]
    return value


def _as_dict(model: Model, include_secrets: bool) -> dict[str, Any]:
    secrets = () if include_secrets else model._secrets
    return {
        name: _plain(getattr(model, name), include_secrets)
        for name in model.__struct_fields__
        if name not in secrets
    }


def to_dict(model: object, *, include_secrets: bool = False) -> dict[str, Any]:
    """A model as plain data (nested dicts, lists, datetimes), for JSON/CSV output.

    Args:
        model: any aiolightsail model (a wire model, or an attrs value such as ``Page``).
        include_secrets: keep attributes marked secret (off by default).

    Returns:
        A dict keyed by attribute name; tuples become lists.

    Raises:
        TypeError: ``model`` is neither.
    """
    if isinstance(model, Model):
        return _as_dict(model, include_secrets)
    import attrs

    if not attrs.has(type(model)):
        raise TypeError(f"to_dict takes an aiolightsail model, not {type(model).__name__}")

    def serialize(_instance: Any, _attribute: Any, value: Any) -> Any:
        return _plain(value, include_secrets) if isinstance(value, Model) else value

    return attrs.asdict(model, value_serializer=serialize)  # type: ignore[arg-type]  # checked


# -- where an answer did not fit ------------------------------------------------------

_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]", re.ASCII)
_MEMBER = re.compile(r"^([a-z_0-9]+): ", re.ASCII)


def _inner(hint: Any) -> Any:
    """The model or tuple inside an annotation (``X | None``, ``Annotated[X, ...]``)."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _inner(typing.get_args(hint)[0])
    if origin in (UnionType, typing.Union):
        for arg in typing.get_args(hint):
            if arg is not NoneType and (
                typing.get_origin(arg) in (tuple, typing.Annotated)
                or (isinstance(arg, type) and issubclass(arg, msgspec.Struct))
            ):
                return _inner(arg)
    return hint


def describe(exc: msgspec.MsgspecError, root: type, label: str) -> str:
    """msgspec's error as ``label.attribute[index].attribute: what was wrong``.

    ``label`` names the root (a model's class name); an empty one starts the
    path at the root's first member.

    msgspec names the place by wire names (``$.instances[3].hardware.cpuCount``);
    this walks ``root``'s types to name it by attributes, as users read them.
    """
    text = str(exc)
    reason, found, where = text.rpartition(" - at `")
    if not found:  # the root itself
        reason, where = text, "$"
    path: str = label
    hint: Any = root
    for step in _STEP.finditer(where.rstrip("`")[1:]):
        wire, index = step.groups()
        if index is not None:
            path += f"[{index}]"
            args = typing.get_args(hint)
            hint = _inner(args[0]) if typing.get_origin(hint) is tuple and args else None
            continue
        name = wire
        if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
            fields = {field.encode_name: field for field in msgspec.structs.fields(hint)}
            field = fields.get(wire)
            if field is not None:
                name, hint = field.name, _inner(field.type)
            else:
                hint = None
        path += f".{name}"
    member = _MEMBER.match(reason)
    if member is not None:  # a fix-up's error names the attribute itself
        path += f".{member.group(1)}"
        reason = reason[member.end() :]
    path = path.lstrip(".")
    reason = reason[:1].lower() + reason[1:]
    return f"{path}: {reason}" if path else reason
