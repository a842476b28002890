"""attrs models of Lightsail's instance API, and their conversion from the wire.

One class per output structure of botocore's Lightsail model reachable from
the operations of the table (``_operations``). Each member of the botocore shape is an
attribute named by the camelCase → snake_case rule (``fingerprintSHA256`` →
``fingerprint_sha256``); ``tests/test_models.py`` walks the installed botocore
model and fails when a member is missing, so an upstream addition is noticed.

Conversion rules (``Model.from_api(mapping)``):

* absent members are ``None``; absent lists are ``()``; lists become tuples;
* timestamps become aware UTC datetimes, whether they arrive as botocore
  ``datetime``\\ s or as the wire's epoch seconds;
* enumerated strings with named constants (``_enums``: an instance's state,
  a snapshot's state, an operation's status, a metric's unit) become those
  :class:`enum.StrEnum` members when the value is known, and stay plain
  ``str`` otherwise, so a value AWS adds tomorrow still parses; other
  enum-like strings stay ``str``;
* unknown members are ignored;
* a member of the wrong type raises :class:`~aiolightsail.ResponseError`.

Secrets (``InstanceAccessDetails.private_key``, ``.password``, ``.cert_key``,
``PasswordData.ciphertext``) are attributes with ``repr=False`` and
``metadata={"secret": True}``; :func:`to_dict` leaves them out unless asked.
"""

from __future__ import annotations

import enum
import functools
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import Any, Generic, Self, TypeVar

import attrs

from aiolightsail._enums import (
    InstanceSnapshotState,
    InstanceStateName,
    MetricUnit,
    OperationStatus,
)
from aiolightsail._errors import ResponseError
from aiolightsail._repr import SafeRepr

__all__ = [
    "AddOn",
    "AvailabilityZone",
    "Blueprint",
    "Bundle",
    "Disk",
    "HostKeyAttributes",
    "Instance",
    "InstanceAccessDetails",
    "InstanceHardware",
    "InstanceMetadataOptions",
    "InstanceNetworking",
    "InstancePortInfo",
    "InstancePortState",
    "InstanceSnapshot",
    "InstanceState",
    "MetricDatapoint",
    "MonthlyTransfer",
    "Operation",
    "Page",
    "PasswordData",
    "PortInfo",
    "Region",
    "ResourceLocation",
    "Tag",
    "to_dict",
]

T = TypeVar("T")

_SECRET = {"secret": True}


def _secret() -> Any:
    """A secret attribute: absent from ``repr``/``str`` and from :func:`to_dict`."""
    return attrs.field(default=None, repr=False, metadata=_SECRET)


def _wire(name: str, default: Any = None) -> Any:
    """An attribute whose wire name does not follow the plain camelCase rule."""
    return attrs.field(default=default, metadata={"wire": name})


def _enum(kind: type[enum.StrEnum]) -> Any:
    """An attribute holding a member of ``kind`` when the wire value is known, else the string."""
    return attrs.field(default=None, metadata={"enum": kind})


def _camel(attr: str) -> str:
    head, *rest = attr.split("_")
    return head + "".join(part.capitalize() for part in rest)


# -- conversion ---------------------------------------------------------------

Converter = Callable[[Any], Any]


class _BadMemberError(Exception):
    """Raised inside conversion; turned into ResponseError with the member's path."""


def _check(kind: type | tuple[type, ...], label: str) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise _BadMemberError(f"expected {label}, got bool")
        if not isinstance(value, kind):
            raise _BadMemberError(f"expected {label}, got {type(value).__name__}")
        return value

    return convert


def _to_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadMemberError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _to_datetime(value: Any) -> datetime:
    """Epoch seconds (the wire), a datetime (botocore) or ISO 8601 text → aware UTC datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # botocore only ever hands out aware datetimes; a naive one is UTC by AWS convention.
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise _BadMemberError(f"timestamp out of range: {value!r}") from exc
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise _BadMemberError(f"not a timestamp: {value!r}") from exc
        return _to_datetime(parsed)
    raise _BadMemberError(f"expected a timestamp, got {type(value).__name__}")


_SCALARS: dict[Any, Converter] = {
    str: _check(str, "a string"),
    int: _check(int, "an integer"),
    bool: _check(bool, "a boolean"),
    float: _to_float,
    datetime: _to_datetime,
}


def _prefix(where: str, exc: _BadMemberError) -> _BadMemberError:
    text = str(exc)
    return _BadMemberError(where + ("" if text.startswith((".", "[")) else ": ") + text)


def _tuple_of(item: Converter) -> Converter:
    def convert(value: Any) -> tuple[Any, ...]:
        if value.__class__ is not list and not isinstance(value, list | tuple):
            raise _BadMemberError(f"expected a list, got {type(value).__name__}")
        try:
            return tuple(map(item, value))
        except _BadMemberError:
            # Find the element at fault for the message (the error path only).
            for index, element in enumerate(value):
                try:
                    item(element)
                except _BadMemberError as exc:
                    raise _prefix(f"[{index}]", exc) from None
            raise

    return convert


def _to_member(kind: type[enum.StrEnum]) -> tuple[Converter, Callable[[str, str], Any]]:
    """A string → ``kind``'s member of that value, or the string itself when it names none."""
    lookup = {member.value: member for member in kind}.get
    check = _SCALARS[str]

    def convert(value: Any) -> Any:
        text = check(value)
        return lookup(text, text)

    return convert, lookup


def _converter_for(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin in (UnionType, typing.Union):
        (inner,) = (arg for arg in typing.get_args(hint) if arg is not NoneType)
        return _converter_for(inner)
    if origin is tuple:
        return _tuple_of(_converter_for(typing.get_args(hint)[0]))
    if isinstance(hint, type) and issubclass(hint, _Model):
        return hint._converter()
    return _SCALARS[hint]


def _compile(cls: type[_M]) -> Callable[[Any], _M]:
    """Generate ``cls``'s converter from wire data, the way attrs generates ``__init__``.

    The per-page CPU of a listing is mostly this function (``docs/design.md``,
    "The lean parser and the compiled models"), so each class gets
    straight-line code: one ``dict.get`` per member, an exact-type check for
    scalars, and the general converter only when that check fails.
    """
    hints = typing.get_type_hints(cls)
    namespace: dict[str, Any] = {
        "Mapping": Mapping,
        "BadMember": _BadMemberError,
        "prefix": _prefix,
        "new": object.__new__,
        "cls": cls,
        "to_datetime": _to_datetime,
    }
    # The instance is made with object.__new__ and its slots set through their
    # descriptors, as attrs' own generated __init__ does for frozen classes,
    # without building a keyword dict first (about a third of the time).
    lines = [
        "def convert(data):",
        "    if data.__class__ is not dict and not isinstance(data, Mapping):",
        "        raise BadMember(f': expected an object, got {type(data).__name__}')",
        "    get = data.get",
        "    obj = new(cls)",
        "    try:",
    ]
    # (attribute, wire name, converter) in order: which member failed is found again
    # on the error path only, so the common path does no bookkeeping per member.
    members: list[tuple[str, str, Converter]] = []
    fields: Any = attrs.fields(cls)  # type: ignore[arg-type]  # cls is an attrs class
    if hasattr(cls, "__attrs_post_init__") or any(f.validator or f.converter for f in fields):
        # Setting slots directly would skip them; models are plain values.
        raise TypeError(f"{cls.__name__}: models must not have validators or converters")
    for index, field in enumerate(fields):
        hint = hints[field.name]
        inner = (
            typing.get_args(hint)[0]
            if typing.get_origin(hint) in (UnionType, typing.Union)
            else hint
        )
        kind = field.metadata.get("enum")
        if kind is not None:
            namespace[f"c{index}"], namespace[f"e{index}"] = _to_member(kind)
        else:
            namespace[f"c{index}"] = _converter_for(hint)
        namespace[f"s{index}"] = cls.__dict__[field.name].__set__
        namespace[f"d{index}"] = field.default
        wire = field.metadata.get("wire") or _camel(field.name)
        members.append((field.name, wire, namespace[f"c{index}"]))
        lines += [
            f"        v = get({wire!r})",
            "        if v is None:",
            f"            v = d{index}",
        ]
        if kind is not None:
            lines.append(
                f"        elif v.__class__ is str: v = e{index}(v, v)\n"
                f"        else: v = c{index}(v)"
            )
        elif inner in (str, int, bool, float):
            namespace[f"t{index}"] = inner
            lines.append(f"        elif v.__class__ is not t{index}: v = c{index}(v)")
        elif inner is datetime:
            # The wire's epoch seconds, in range: the common case, inline.
            lines.append(
                f"        elif v.__class__ is float and 0.0 <= v < 253402300800.0:\n"
                f"            v = fromtimestamp(v, UTC)\n"
                f"        else: v = c{index}(v)"
            )
        else:
            lines.append(f"        else: v = c{index}(v)")
        lines.append(f"        s{index}(obj, v)")
    namespace["fromtimestamp"] = datetime.fromtimestamp
    namespace["UTC"] = UTC
    namespace["at"] = functools.partial(_failing_member, members)
    lines += [
        "    except BadMember as exc:",
        "        raise prefix('.' + at(data), exc) from None",
        "    return obj",
    ]
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from our own field names
    convert: Callable[[Any], _M] = namespace["convert"]
    return convert


def _failing_member(members: list[tuple[str, str, Converter]], data: Mapping[str, Any]) -> str:
    """The first attribute whose wire member does not convert (the error path only)."""
    for name, wire, convert in members:
        value = data.get(wire)
        if value is None:
            continue
        try:
            convert(value)
        except _BadMemberError:
            return name
    return "?"


_M = TypeVar("_M", bound="_Model")


class _Model(SafeRepr):
    """Base of the output models: the one named constructor from wire data."""

    __slots__ = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Build the model from a Lightsail response structure (wire JSON or botocore-parsed).

        Raises:
            ResponseError: a member has the wrong type.
        """
        try:
            return cls._convert(data)
        except _BadMemberError as exc:
            raise ResponseError(f"{cls.__name__}{exc}") from None

    @classmethod
    def _converter(cls) -> Callable[[Any], Self]:
        # Compiled on first use, so that importing the package compiles nothing;
        # compiling a class compiles the classes of its members first.
        convert = _CONVERTERS.get(cls)
        if convert is None:
            convert = _CONVERTERS[cls] = _compile(cls)
        return convert

    @classmethod
    def _convert(cls, data: Any) -> Self:
        return cls._converter()(data)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def compile_converters(models: Iterable[type[_Model]]) -> None:
    """Compile these models' converters now (and their members'), e.g. in a thread at start-up.

    All the instance API's models take ~35 ms; otherwise each is compiled on first use.
    """
    for cls in models:
        cls._converter()


def to_dict(model: attrs.AttrsInstance, *, include_secrets: bool = False) -> dict[str, Any]:
    """A model as plain data (nested dicts, lists, datetimes), for JSON/CSV output.

    Args:
        model: any aiolightsail model (any attrs instance).
        include_secrets: keep attributes marked secret (off by default).

    Returns:
        A dict keyed by attribute name.
    """

    def keep(attribute: attrs.Attribute[Any], _value: Any) -> bool:
        return include_secrets or not attribute.metadata.get("secret", False)

    return attrs.asdict(model, filter=keep)


# -- models -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ResourceLocation(_Model):
    """Where a resource lives: region and availability zone."""

    availability_zone: str | None = None
    region_name: str | None = None


@attrs.frozen(kw_only=True)
class Tag(_Model):
    """A resource tag; ``value`` may be empty (key-only tags)."""

    key: str | None = None
    value: str | None = None


@attrs.frozen(kw_only=True)
class AddOn(_Model):
    """An add-on enabled on a resource (automatic snapshots, stop-on-idle)."""

    name: str | None = None
    status: str | None = None
    snapshot_time_of_day: str | None = None
    next_snapshot_time_of_day: str | None = None
    threshold: str | None = None
    duration: str | None = None


@attrs.frozen(kw_only=True)
class Disk(_Model):
    """A block storage disk, system or attached."""

    name: str | None = None
    arn: str | None = None
    support_code: str | None = None
    created_at: datetime | None = None
    location: ResourceLocation | None = None
    resource_type: str | None = None
    tags: tuple[Tag, ...] = ()
    add_ons: tuple[AddOn, ...] = ()
    size_in_gb: int | None = None
    is_system_disk: bool | None = None
    iops: int | None = None
    path: str | None = None
    state: str | None = None
    attached_to: str | None = None
    is_attached: bool | None = None
    attachment_state: str | None = None
    gb_in_use: int | None = None
    auto_mount_status: str | None = None


@attrs.frozen(kw_only=True)
class InstanceHardware(_Model):
    """The virtual hardware of an instance."""

    cpu_count: int | None = None
    disks: tuple[Disk, ...] = ()
    ram_size_in_gb: float | None = None


@attrs.frozen(kw_only=True)
class MonthlyTransfer(_Model):
    """The data transfer allowance of an instance's bundle."""

    gb_per_month_allocated: int | None = None


@attrs.frozen(kw_only=True)
class InstancePortInfo(_Model):
    """A firewall rule of an instance, as part of its networking."""

    from_port: int | None = None
    to_port: int | None = None
    protocol: str | None = None
    access_from: str | None = None
    access_type: str | None = None
    common_name: str | None = None
    access_direction: str | None = None
    cidrs: tuple[str, ...] = ()
    ipv6_cidrs: tuple[str, ...] = ()
    cidr_list_aliases: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class InstanceNetworking(_Model):
    """An instance's transfer allowance and firewall rules."""

    monthly_transfer: MonthlyTransfer | None = None
    ports: tuple[InstancePortInfo, ...] = ()


@attrs.frozen(kw_only=True)
class InstanceState(_Model):
    """An instance's state: ``code`` and ``name`` (``pending``, ``running``, ``stopped``...).

    ``name`` is an :class:`~aiolightsail.InstanceStateName` when the service
    sends a state it names, otherwise the plain string.
    """

    code: int | None = None
    name: InstanceStateName | str | None = _enum(InstanceStateName)  # noqa: RUF009 - an attrs field spec, made once


@attrs.frozen(kw_only=True)
class InstanceMetadataOptions(_Model):
    """The instance metadata service settings of an instance."""

    state: str | None = None
    http_tokens: str | None = None
    http_endpoint: str | None = None
    http_put_response_hop_limit: int | None = None
    http_protocol_ipv6: str | None = None


@attrs.frozen(kw_only=True)
class Instance(_Model):
    """A Lightsail virtual private server."""

    name: str | None = None
    arn: str | None = None
    support_code: str | None = None
    created_at: datetime | None = None
    location: ResourceLocation | None = None
    resource_type: str | None = None
    tags: tuple[Tag, ...] = ()
    blueprint_id: str | None = None
    blueprint_name: str | None = None
    bundle_id: str | None = None
    add_ons: tuple[AddOn, ...] = ()
    is_static_ip: bool | None = None
    private_ip_address: str | None = None
    public_ip_address: str | None = None
    ipv6_addresses: tuple[str, ...] = ()
    ip_address_type: str | None = None
    hardware: InstanceHardware | None = None
    networking: InstanceNetworking | None = None
    state: InstanceState | None = None
    username: str | None = None
    ssh_key_name: str | None = None
    metadata_options: InstanceMetadataOptions | None = None

    @property
    def state_name(self) -> InstanceStateName | str | None:
        """The name of the instance's state: ``state.name``, or ``None`` when there is none.

        An :class:`~aiolightsail.InstanceStateName` for the states it names
        and the plain string for any other, as ``state.name``; ``None`` when
        the answer had no ``state`` (or a state without a name), like any
        absent member. It compares with members and strings alike, with no
        check for ``None`` first::

            if instance.state_name == InstanceStateName.RUNNING: ...

        It is computed from ``state``, not a field: ``to_dict`` and
        ``attrs.fields`` do not list it.
        """
        state = self.state
        return None if state is None else state.name


@attrs.frozen(kw_only=True)
class Blueprint(_Model):
    """An image (OS or OS + application) that instances are created from."""

    blueprint_id: str | None = None
    name: str | None = None
    group: str | None = None
    type: str | None = None
    description: str | None = None
    is_active: bool | None = None
    min_power: int | None = None
    version: str | None = None
    version_code: str | None = None
    product_url: str | None = None
    license_url: str | None = None
    platform: str | None = None
    app_category: str | None = None


@attrs.frozen(kw_only=True)
class InstanceSnapshot(_Model):
    """A point-in-time image of an instance and its attached disks.

    ``state`` is an :class:`~aiolightsail.InstanceSnapshotState` when known.
    """

    name: str | None = None
    arn: str | None = None
    support_code: str | None = None
    created_at: datetime | None = None
    location: ResourceLocation | None = None
    resource_type: str | None = None
    tags: tuple[Tag, ...] = ()
    state: InstanceSnapshotState | str | None = _enum(InstanceSnapshotState)  # noqa: RUF009 - an attrs field spec, made once
    progress: str | None = None
    from_attached_disks: tuple[Disk, ...] = ()
    from_instance_name: str | None = None
    from_instance_arn: str | None = None
    from_blueprint_id: str | None = None
    from_bundle_id: str | None = None
    is_from_auto_snapshot: bool | None = None
    size_in_gb: int | None = None


@attrs.frozen(kw_only=True)
class InstancePortState(_Model):
    """Whether a port range of an instance is open, and to whom."""

    from_port: int | None = None
    to_port: int | None = None
    protocol: str | None = None
    state: str | None = None
    cidrs: tuple[str, ...] = ()
    ipv6_cidrs: tuple[str, ...] = ()
    cidr_list_aliases: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class HostKeyAttributes(_Model):
    """A public host key of an instance, to pin in ``known_hosts``."""

    algorithm: str | None = None
    public_key: str | None = None
    witnessed_at: datetime | None = None
    fingerprint_sha1: str | None = _wire("fingerprintSHA1")
    fingerprint_sha256: str | None = _wire("fingerprintSHA256")
    not_valid_before: datetime | None = None
    not_valid_after: datetime | None = None


@attrs.frozen(kw_only=True)
class PasswordData(_Model):
    """The encrypted administrator password of a Windows instance.

    ``ciphertext`` is secret: it is left out of ``repr``/``str`` and of :func:`to_dict`.
    """

    ciphertext: str | None = _secret()
    key_pair_name: str | None = None


@attrs.frozen(kw_only=True)
class InstanceAccessDetails(_Model):
    """Temporary SSH or RDP credentials for an instance.

    ``private_key``, ``password`` and ``cert_key`` are secrets: they are left
    out of ``repr``/``str`` and of :func:`to_dict`; read the attributes directly.
    """

    cert_key: str | None = _secret()
    expires_at: datetime | None = None
    ip_address: str | None = None
    ipv6_addresses: tuple[str, ...] = ()
    password: str | None = _secret()
    password_data: PasswordData | None = None
    private_key: str | None = _secret()
    protocol: str | None = None
    instance_name: str | None = None
    username: str | None = None
    host_keys: tuple[HostKeyAttributes, ...] = ()


@attrs.frozen(kw_only=True)
class MetricDatapoint(_Model):
    """One datapoint of an instance metric; only the requested statistics are set.

    ``unit`` is a :class:`~aiolightsail.MetricUnit` when known.
    """

    average: float | None = None
    maximum: float | None = None
    minimum: float | None = None
    sample_count: float | None = None
    sum: float | None = None
    timestamp: datetime | None = None
    unit: MetricUnit | str | None = _enum(MetricUnit)  # noqa: RUF009 - an attrs field spec, made once


@attrs.frozen(kw_only=True)
class Operation(_Model):
    """An asynchronous operation the service started (create, delete, start, open ports...).

    ``status`` is an :class:`~aiolightsail.OperationStatus` when known; the
    operation is over when ``is_terminal`` is true.
    """

    id: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    created_at: datetime | None = None
    location: ResourceLocation | None = None
    is_terminal: bool | None = None
    operation_details: str | None = None
    operation_type: str | None = None
    status: OperationStatus | str | None = _enum(OperationStatus)  # noqa: RUF009 - an attrs field spec, made once
    status_changed_at: datetime | None = None
    error_code: str | None = None
    error_details: str | None = None


@attrs.frozen(kw_only=True)
class AvailabilityZone(_Model):
    """An availability zone of a region, and whether it is available."""

    zone_name: str | None = None
    state: str | None = None


@attrs.frozen(kw_only=True)
class Region(_Model):
    """A Lightsail region: its name, what it is called, and its zones when asked for."""

    continent_code: str | None = None
    description: str | None = None
    display_name: str | None = None
    name: str | None = None
    availability_zones: tuple[AvailabilityZone, ...] = ()
    relational_database_availability_zones: tuple[AvailabilityZone, ...] = ()


@attrs.frozen(kw_only=True)
class Bundle(_Model):
    """An instance plan: its hardware, transfer allowance and monthly price in US dollars."""

    price: float | None = None
    cpu_count: int | None = None
    disk_size_in_gb: int | None = None
    bundle_id: str | None = None
    instance_type: str | None = None
    is_active: bool | None = None
    name: str | None = None
    power: int | None = None
    ram_size_in_gb: float | None = None
    transfer_per_month_in_gb: int | None = None
    supported_platforms: tuple[str, ...] = ()
    supported_app_categories: tuple[str, ...] = ()
    public_ipv4_address_count: int | None = None


# -- inputs and containers ----------------------------------------------------


@attrs.frozen(kw_only=True)
class PortInfo(SafeRepr):
    """A firewall rule to open, close or set (input of the ``*_instance_public_ports`` methods).

    For ``tcp``/``udp``/``all``, ``from_port``..``to_port`` is the port range;
    for ``icmp``/``icmpv6`` they are the ICMP type and code (``-1`` for all).
    """

    from_port: int | None = None
    to_port: int | None = None
    protocol: str | None = None
    cidrs: Sequence[str] = ()
    ipv6_cidrs: Sequence[str] = ()
    cidr_list_aliases: Sequence[str] = ()


@attrs.frozen(kw_only=True)
class Page(SafeRepr, Generic[T]):
    """One page of a list operation.

    Attributes:
        items: the page's items, in the service's order.
        next_page_token: pass as ``page_token=`` to get the next page; ``None`` on the last page.
    """

    items: tuple[T, ...]
    next_page_token: str | None = None
