"""The models of Lightsail's instance API: one class per output structure, and ``Page``.

One class per output structure of botocore's Lightsail model reachable from
the operations of the table (``_operations``). Each member of the botocore shape is an
attribute named by the camelCase → snake_case rule (``fingerprintSHA256`` →
``fingerprint_sha256``); ``tests/test_models.py`` walks the installed botocore
model and fails when a member is missing, so an upstream addition is noticed.

What a model holds (``_base``):

* absent members are ``None``; absent lists are ``()``; lists become tuples;
* timestamps are aware UTC datetimes (the wire's epoch seconds);
* enumerated strings with named constants (``_enums``: an instance's state,
  a snapshot's state, an operation's status, a metric's unit) are those
  :class:`enum.StrEnum` members when the value is known, and plain ``str``
  otherwise; other enum-like strings stay ``str``;
* unknown members are ignored;
* a member of the wrong type is a :class:`~aiolightsail.ResponseError` naming it.

Secrets (``InstanceAccessDetails.private_key``, ``.password``, ``.cert_key``,
``PasswordData.ciphertext``) are listed in the class's ``_secrets``: left out of
``repr``/``str`` and of :func:`~aiolightsail.to_dict` unless asked.

``PortInfo`` (an input) and ``Page`` (a container) are the library's own
values, written with attrs like its other values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar

import attrs
import msgspec

from aiolightsail._enums import (
    InstanceSnapshotState,
    InstanceStateName,
    MetricUnit,
    OperationStatus,
)
from aiolightsail._models._base import Model, Timestamp, wire_fixes
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
]

T = TypeVar("T")

if TYPE_CHECKING:
    # What users see: the member when the value is known, else the string.
    StateName: TypeAlias = InstanceStateName | str
    SnapshotState: TypeAlias = InstanceSnapshotState | str
    Status: TypeAlias = OperationStatus | str
    Unit: TypeAlias = MetricUnit | str
else:
    # What the decoder checks: a string (msgspec takes no union of an enum and str);
    # __post_init__ makes a known value the member.
    StateName = SnapshotState = Status = Unit = str


#: The fix-ups of the classes with timestamps or enumerated members (see ``_base``).
_disk_fixes = wire_fixes("created_at")
_instance_state_fixes = wire_fixes(enums={"name": InstanceStateName})
_instance_fixes = wire_fixes("created_at")
_instance_snapshot_fixes = wire_fixes("created_at", enums={"state": InstanceSnapshotState})
_host_key_attributes_fixes = wire_fixes("witnessed_at", "not_valid_before", "not_valid_after")
_instance_access_details_fixes = wire_fixes("expires_at")
_metric_datapoint_fixes = wire_fixes("timestamp", enums={"unit": MetricUnit})
_operation_fixes = wire_fixes("created_at", "status_changed_at", enums={"status": OperationStatus})


# -- the wire models -------------------------------------------------------------------


class ResourceLocation(Model, frozen=True, kw_only=True):
    """Where a resource lives: region and availability zone."""

    availability_zone: str | None = None
    region_name: str | None = None


class Tag(Model, frozen=True, kw_only=True):
    """A resource tag; ``value`` may be empty (key-only tags)."""

    key: str | None = None
    value: str | None = None


class AddOn(Model, frozen=True, kw_only=True):
    """An add-on enabled on a resource (automatic snapshots, stop-on-idle)."""

    name: str | None = None
    status: str | None = None
    snapshot_time_of_day: str | None = None
    next_snapshot_time_of_day: str | None = None
    threshold: str | None = None
    duration: str | None = None


class Disk(Model, frozen=True, kw_only=True):
    """A block storage disk, system or attached."""

    name: str | None = None
    arn: str | None = None
    support_code: str | None = None
    created_at: Timestamp | None = None
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

    def __post_init__(self) -> None:
        _disk_fixes(self)


class InstanceHardware(Model, frozen=True, kw_only=True):
    """The virtual hardware of an instance."""

    cpu_count: int | None = None
    disks: tuple[Disk, ...] = ()
    ram_size_in_gb: float | None = None


class MonthlyTransfer(Model, frozen=True, kw_only=True):
    """The data transfer allowance of an instance's bundle."""

    gb_per_month_allocated: int | None = None


class InstancePortInfo(Model, frozen=True, kw_only=True):
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


class InstanceNetworking(Model, frozen=True, kw_only=True):
    """An instance's transfer allowance and firewall rules."""

    monthly_transfer: MonthlyTransfer | None = None
    ports: tuple[InstancePortInfo, ...] = ()


class InstanceState(Model, frozen=True, kw_only=True):
    """An instance's state: ``code`` and ``name`` (``pending``, ``running``, ``stopped``...).

    ``name`` is an :class:`~aiolightsail.InstanceStateName` when the service
    sends a state it names, otherwise the plain string.
    """

    code: int | None = None
    name: StateName | None = None

    def __post_init__(self) -> None:
        _instance_state_fixes(self)


class InstanceMetadataOptions(Model, frozen=True, kw_only=True):
    """The instance metadata service settings of an instance."""

    state: str | None = None
    http_tokens: str | None = None
    http_endpoint: str | None = None
    http_put_response_hop_limit: int | None = None
    http_protocol_ipv6: str | None = None


class Instance(Model, frozen=True, kw_only=True):
    """A Lightsail virtual private server."""

    name: str | None = None
    arn: str | None = None
    support_code: str | None = None
    created_at: Timestamp | None = None
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

    def __post_init__(self) -> None:
        _instance_fixes(self)

    @property
    def state_name(self) -> InstanceStateName | str | None:
        """The name of the instance's state: ``state.name``, or ``None`` when there is none.

        An :class:`~aiolightsail.InstanceStateName` for the states it names
        and the plain string for any other, as ``state.name``; ``None`` when
        the answer had no ``state`` (or a state without a name), like any
        absent member. It compares with members and strings alike, with no
        check for ``None`` first::

            if instance.state_name == InstanceStateName.RUNNING: ...

        It is computed from ``state``, not a field: :func:`to_dict` and
        ``msgspec.structs.fields`` do not list it.
        """
        state = self.state
        return None if state is None else state.name


class Blueprint(Model, frozen=True, kw_only=True):
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


class InstanceSnapshot(Model, frozen=True, kw_only=True):
    """A point-in-time image of an instance and its attached disks.

    ``state`` is an :class:`~aiolightsail.InstanceSnapshotState` when known.
    """

    name: str | None = None
    arn: str | None = None
    support_code: str | None = None
    created_at: Timestamp | None = None
    location: ResourceLocation | None = None
    resource_type: str | None = None
    tags: tuple[Tag, ...] = ()
    state: SnapshotState | None = None
    progress: str | None = None
    from_attached_disks: tuple[Disk, ...] = ()
    from_instance_name: str | None = None
    from_instance_arn: str | None = None
    from_blueprint_id: str | None = None
    from_bundle_id: str | None = None
    is_from_auto_snapshot: bool | None = None
    size_in_gb: int | None = None

    def __post_init__(self) -> None:
        _instance_snapshot_fixes(self)


class InstancePortState(Model, frozen=True, kw_only=True):
    """Whether a port range of an instance is open, and to whom."""

    from_port: int | None = None
    to_port: int | None = None
    protocol: str | None = None
    state: str | None = None
    cidrs: tuple[str, ...] = ()
    ipv6_cidrs: tuple[str, ...] = ()
    cidr_list_aliases: tuple[str, ...] = ()


class HostKeyAttributes(Model, frozen=True, kw_only=True):
    """A public host key of an instance, to pin in ``known_hosts``."""

    algorithm: str | None = None
    public_key: str | None = None
    witnessed_at: Timestamp | None = None
    fingerprint_sha1: str | None = msgspec.field(default=None, name="fingerprintSHA1")
    fingerprint_sha256: str | None = msgspec.field(default=None, name="fingerprintSHA256")
    not_valid_before: Timestamp | None = None
    not_valid_after: Timestamp | None = None

    def __post_init__(self) -> None:
        _host_key_attributes_fixes(self)


class PasswordData(Model, frozen=True, kw_only=True):
    """The encrypted administrator password of a Windows instance.

    ``ciphertext`` is secret: it is left out of ``repr``/``str`` and of :func:`to_dict`.
    """

    ciphertext: str | None = None
    key_pair_name: str | None = None

    _secrets = frozenset({"ciphertext"})


class InstanceAccessDetails(Model, frozen=True, kw_only=True):
    """Temporary SSH or RDP credentials for an instance.

    ``private_key``, ``password`` and ``cert_key`` are secrets: they are left
    out of ``repr``/``str`` and of :func:`to_dict`; read the attributes directly.
    """

    cert_key: str | None = None
    expires_at: Timestamp | None = None
    ip_address: str | None = None
    ipv6_addresses: tuple[str, ...] = ()
    password: str | None = None
    password_data: PasswordData | None = None
    private_key: str | None = None
    protocol: str | None = None
    instance_name: str | None = None
    username: str | None = None
    host_keys: tuple[HostKeyAttributes, ...] = ()

    _secrets = frozenset({"cert_key", "password", "private_key"})

    def __post_init__(self) -> None:
        _instance_access_details_fixes(self)


class MetricDatapoint(Model, frozen=True, kw_only=True):
    """One datapoint of an instance metric; only the requested statistics are set.

    ``unit`` is a :class:`~aiolightsail.MetricUnit` when known.
    """

    average: float | None = None
    maximum: float | None = None
    minimum: float | None = None
    sample_count: float | None = None
    sum: float | None = None
    timestamp: Timestamp | None = None
    unit: Unit | None = None

    def __post_init__(self) -> None:
        _metric_datapoint_fixes(self)


class Operation(Model, frozen=True, kw_only=True):
    """An asynchronous operation the service started (create, delete, start, open ports...).

    ``status`` is an :class:`~aiolightsail.OperationStatus` when known; the
    operation is over when ``is_terminal`` is true.
    """

    id: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    created_at: Timestamp | None = None
    location: ResourceLocation | None = None
    is_terminal: bool | None = None
    operation_details: str | None = None
    operation_type: str | None = None
    status: Status | None = None
    status_changed_at: Timestamp | None = None
    error_code: str | None = None
    error_details: str | None = None

    def __post_init__(self) -> None:
        _operation_fixes(self)


class AvailabilityZone(Model, frozen=True, kw_only=True):
    """An availability zone of a region, and whether it is available."""

    zone_name: str | None = None
    state: str | None = None


class Region(Model, frozen=True, kw_only=True):
    """A Lightsail region: its name, what it is called, and its zones when asked for."""

    continent_code: str | None = None
    description: str | None = None
    display_name: str | None = None
    name: str | None = None
    availability_zones: tuple[AvailabilityZone, ...] = ()
    relational_database_availability_zones: tuple[AvailabilityZone, ...] = ()


class Bundle(Model, frozen=True, kw_only=True):
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
