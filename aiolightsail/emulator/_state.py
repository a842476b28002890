"""Per-(account, region) resource stores and the resource lifecycle.

Each (account id, region) pair owns one :class:`RegionState`; nothing in one is
reachable from another, which is what isolates accounts and regions. Records
are mutable (``@attrs.define``) and render themselves to wire JSON; an
instance's JSON is cached per lifecycle state because the list operations are
what benchmarks hammer.

Lifecycle is a function of the :class:`~aiolightsail.emulator._clock.Clock`, not
of background tasks: a record knows when it becomes ready and reports
``pending`` until then; a started, stopped or rebooted instance holds a
:class:`Transition` (``stopping`` until a time, then ``stopped``); an
operation knows when it completes and how. Advancing a manual clock is all a
test needs.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import types
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator._catalogue import Blueprint, Bundle
from aiolightsail.emulator._errors import invalid_input, not_found

__all__ = [
    "InstanceRecord",
    "OperationRecord",
    "PortRule",
    "RegionState",
    "SnapshotRecord",
    "StateStore",
    "Timings",
    "Transition",
]

#: The key pair every region has from the start (the instances' default).
DEFAULT_KEY_PAIR = "LightsailDefaultKeyPair"
#: States in which a dynamic public IPv4 address is attached: none while the
#: instance is pending (booting or starting) or stopped; a start attaches a new one.
_ADDRESSED = frozenset({"running", "stopping", "rebooting"})

_COMPACT = (",", ":")
_R = TypeVar("_R")

#: EC2 instance state codes, which Lightsail reuses in ``InstanceState.code``.
STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
    # EC2 has no rebooting state; the instance keeps running's code while it reboots.
    "rebooting": 16,
}


@attrs.frozen(kw_only=True)
class Timings(SafeRepr):
    """How long things take in emulated seconds (real Lightsail: tens of seconds)."""

    instance_boot: float = 30.0
    snapshot_create: float = 60.0
    instance_start: float = 30.0
    instance_stop: float = 30.0
    instance_reboot: float = 15.0

    @classmethod
    def uniform(cls, seconds: float) -> Timings:
        """Return timings where every transition takes ``seconds``.

        Raises:
            ValueError: If ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError(f"a transition cannot take negative time (seconds={seconds!r})")
        return cls(
            instance_boot=seconds,
            snapshot_create=seconds,
            instance_start=seconds,
            instance_stop=seconds,
            instance_reboot=seconds,
        )


@attrs.frozen(kw_only=True)
class Transition(SafeRepr):
    """An instance on its way between two states: ``state`` until ``until``, then ``then``."""

    state: str
    until: float
    then: str


@attrs.frozen(kw_only=True)
class PortRule(SafeRepr):
    """One open firewall rule of an instance."""

    from_port: int
    to_port: int
    protocol: str
    cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    ipv6_cidrs: tuple[str, ...] = ("::/0",)
    cidr_list_aliases: tuple[str, ...] = ()

    @property
    def access_from(self) -> str:
        """The console's summary of who may connect (``InstancePortInfo.accessFrom``)."""
        if self.cidrs == ("0.0.0.0/0",) and self.ipv6_cidrs == ("::/0",):
            return "Anywhere (0.0.0.0/0 and ::/0)"
        if self.cidrs == ("0.0.0.0/0",):
            return "Anywhere (0.0.0.0/0)"
        if self.cidr_list_aliases:
            return "Lightsail browser SSH/RDP"
        return "Custom"

    def to_port_info(self) -> dict[str, Any]:
        """Return the ``InstancePortInfo`` shape (``Instance.networking.ports``)."""
        return {
            "fromPort": self.from_port,
            "toPort": self.to_port,
            "protocol": self.protocol,
            "accessFrom": self.access_from,
            "accessType": "Public",
            "commonName": "",
            "accessDirection": "inbound",
            "cidrs": list(self.cidrs),
            "ipv6Cidrs": list(self.ipv6_cidrs),
            "cidrListAliases": list(self.cidr_list_aliases),
        }

    def to_port_state(self) -> dict[str, Any]:
        """Return the ``InstancePortState`` shape."""
        return {
            "fromPort": self.from_port,
            "toPort": self.to_port,
            "protocol": self.protocol,
            "state": "open",
            "cidrs": list(self.cidrs),
            "ipv6Cidrs": list(self.ipv6_cidrs),
            "cidrListAliases": list(self.cidr_list_aliases),
        }


def _location(availability_zone: str, region: str) -> dict[str, str]:
    return {"availabilityZone": availability_zone, "regionName": region}


def _tags(tags: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags]


@attrs.define(kw_only=True)
class InstanceRecord(SafeRepr):
    """A Lightsail instance as the emulator stores it."""

    name: str
    arn: str
    support_code: str
    account_id: str
    region: str
    availability_zone: str
    created_at: float
    blueprint: Blueprint
    bundle: Bundle
    tags: tuple[tuple[str, str], ...] = ()
    add_ons: tuple[dict[str, str], ...] = ()
    is_static_ip: bool = False
    private_ip_address: str
    public_ip_address: str | None
    ipv6_addresses: tuple[str, ...] = ()
    ip_address_type: str = "dualstack"
    ssh_key_name: str = "LightsailDefaultKeyPair"
    ports: list[PortRule] = attrs.field(factory=list)
    data_disks: tuple[dict[str, Any], ...] = ()
    http_tokens: str = "optional"
    #: Until when the instance reports ``pending``.
    ready_at: float
    #: A state that overrides the boot lifecycle (``stopped``...), for seeded fleets.
    forced_state: str | None = None
    #: The start, stop or reboot under way (or last made), which overrides both.
    transition: Transition | None = None
    #: Position in the pagination order: increases with every insertion.
    seq: int = 0
    _cache: tuple[str, str] | None = attrs.field(default=None, init=False, repr=False)

    def state_name(self, now: float) -> str:
        """Return the lifecycle state at ``now``."""
        transition = self.transition
        if transition is not None:
            return transition.state if now < transition.until else transition.then
        if self.forced_state is not None:
            return self.forced_state
        return "pending" if now < self.ready_at else "running"

    def invalidate(self) -> None:
        """Drop the cached JSON after a mutation (ports, tags...)."""
        self._cache = None

    def system_disk(self) -> dict[str, Any]:
        """Return the ``Disk`` shape of the instance's system disk."""
        size = self.bundle.disk_size_in_gb
        digest = hashlib.sha256(self.arn.encode()).hexdigest()
        return {
            "name": f"{self.name}-system-disk",
            "arn": f"arn:aws:lightsail:{self.region}:{self.account_id}:Disk/"
            f"{uuid.UUID(digest[:32], version=4)}",
            "supportCode": f"{self.account_id}/vol-0{digest[32:48]}",
            "createdAt": self.created_at,
            "location": _location(self.availability_zone, self.region),
            "resourceType": "Disk",
            "tags": [],
            "addOns": [],
            "sizeInGb": size,
            "isSystemDisk": True,
            # gp3-style baseline: 3 IOPS per GiB, never below 100.
            "iops": max(100, 3 * size),
            "path": "/dev/sda1" if self.blueprint.platform == "WINDOWS" else "/dev/xvda",
            "state": "in-use",
            "attachedTo": self.name,
            "isAttached": True,
            "attachmentState": "attached",
            "gbInUse": 0,
            "autoMountStatus": "Mounted",
        }

    def to_wire(self, now: float) -> dict[str, Any]:
        """Return the ``Instance`` shape at time ``now``."""
        state = self.state_name(now)
        wire: dict[str, Any] = {
            "name": self.name,
            "arn": self.arn,
            "supportCode": self.support_code,
            "createdAt": self.created_at,
            "location": _location(self.availability_zone, self.region),
            "resourceType": "Instance",
            "tags": _tags(self.tags),
            "blueprintId": self.blueprint.blueprint_id,
            "blueprintName": self.blueprint.name,
            "bundleId": self.bundle.bundle_id,
            "addOns": [dict(a) for a in self.add_ons],
            "isStaticIp": self.is_static_ip,
            "privateIpAddress": self.private_ip_address,
        }
        if self.public_ip_address is not None and (self.is_static_ip or state in _ADDRESSED):
            wire["publicIpAddress"] = self.public_ip_address
        wire.update(
            {
                "ipv6Addresses": list(self.ipv6_addresses),
                "ipAddressType": self.ip_address_type,
                "hardware": {
                    "cpuCount": self.bundle.cpu_count,
                    "disks": [self.system_disk(), *self.data_disks],
                    "ramSizeInGb": self.bundle.ram_size_in_gb,
                },
                "networking": {
                    "monthlyTransfer": {
                        "gbPerMonthAllocated": self.bundle.transfer_per_month_in_gb
                    },
                    "ports": [p.to_port_info() for p in self.ports],
                },
                "state": {"code": STATE_CODES.get(state, 0), "name": state},
                "username": self.blueprint.username,
                "sshKeyName": self.ssh_key_name,
                "metadataOptions": {
                    "state": "applied",
                    "httpTokens": self.http_tokens,
                    "httpEndpoint": "enabled",
                    "httpPutResponseHopLimit": 1,
                    "httpProtocolIpv6": "disabled",
                },
            }
        )
        return wire

    def to_json(self, now: float) -> str:
        """Return :meth:`to_wire` serialised, cached per lifecycle state."""
        state = self.state_name(now)
        cached = self._cache
        if cached is not None and cached[0] == state:
            return cached[1]
        text = json.dumps(self.to_wire(now), separators=_COMPACT)
        self._cache = (state, text)
        return text


@attrs.define(kw_only=True)
class SnapshotRecord(SafeRepr):
    """An instance snapshot as the emulator stores it."""

    name: str
    arn: str
    support_code: str
    account_id: str
    region: str
    created_at: float
    tags: tuple[tuple[str, str], ...] = ()
    from_instance_name: str
    from_instance_arn: str
    from_blueprint_id: str
    from_bundle_id: str
    size_in_gb: int
    from_attached_disks: tuple[dict[str, Any], ...] = ()
    is_from_auto_snapshot: bool = False
    ready_at: float
    #: Whether the snapshot ends in ``error`` instead of ``available`` (a failed operation).
    fails: bool = False
    seq: int = 0

    def state_name(self, now: float) -> str:
        """Return ``pending`` until the snapshot is done, then ``available`` (or ``error``)."""
        if now < self.ready_at:
            return "pending"
        return "error" if self.fails else "available"

    def progress(self, now: float) -> str:
        """Return Lightsail's ``progress`` string, a percentage."""
        if now >= self.ready_at and not self.fails:
            return "100%"
        span = self.ready_at - self.created_at
        done = 0.0 if span <= 0 else (now - self.created_at) / span
        return f"{int(max(0.0, min(done, 0.99)) * 100)}%"

    def to_wire(self, now: float) -> dict[str, Any]:
        """Return the ``InstanceSnapshot`` shape at time ``now``."""
        return {
            "name": self.name,
            "arn": self.arn,
            "supportCode": self.support_code,
            "createdAt": self.created_at,
            # Snapshots are regional: Lightsail reports their zone as "all".
            "location": _location("all", self.region),
            "resourceType": "InstanceSnapshot",
            "tags": _tags(self.tags),
            "state": self.state_name(now),
            "progress": self.progress(now),
            "fromAttachedDisks": [dict(d) for d in self.from_attached_disks],
            "fromInstanceName": self.from_instance_name,
            "fromInstanceArn": self.from_instance_arn,
            "fromBlueprintId": self.from_blueprint_id,
            "fromBundleId": self.from_bundle_id,
            "isFromAutoSnapshot": self.is_from_auto_snapshot,
            "sizeInGb": self.size_in_gb,
        }


@attrs.frozen(kw_only=True)
class OperationRecord(SafeRepr):
    """The ``Operation`` a mutating call returns.

    ``status`` and ``is_terminal`` are what the call answers; an operation
    that is not terminal then completes at ``completes_at`` with
    ``final_status`` (``Succeeded``, or ``Failed`` with ``error_code`` and
    ``error_details``), read against the clock like every lifecycle.
    """

    id: str
    resource_name: str
    resource_type: str
    created_at: float
    availability_zone: str
    region: str
    operation_type: str
    status: str
    is_terminal: bool
    operation_details: str = ""
    completes_at: float | None = None
    final_status: str = "Succeeded"
    error_code: str | None = None
    error_details: str | None = None

    def is_done(self, now: float | None) -> bool:
        """Whether the operation is terminal at ``now`` (``None``: as first answered)."""
        if self.is_terminal:
            return True
        return self.completes_at is not None and now is not None and now >= self.completes_at

    def to_wire(self, now: float | None = None) -> dict[str, Any]:
        """Return the ``Operation`` shape at time ``now`` (``None``: as first answered)."""
        done = not self.is_terminal and self.is_done(now)
        status = self.final_status if done else self.status
        wire: dict[str, Any] = {
            "id": self.id,
            "resourceName": self.resource_name,
            "resourceType": self.resource_type,
            "createdAt": self.created_at,
            "location": _location(self.availability_zone, self.region),
            "isTerminal": self.is_terminal or done,
            "operationDetails": self.operation_details,
            "operationType": self.operation_type,
            "status": status,
            "statusChangedAt": self.completes_at if done else self.created_at,
        }
        if status == "Failed":
            wire["errorCode"] = self.error_code or "InternalFailure"
            wire["errorDetails"] = self.error_details or ""
        return wire


class _Ordered(Generic[_R]):
    """Records in insertion order with O(log n) "everything after key k" lookups.

    Pagination cursors hold the sort key of the last item served, not an
    offset, so inserting or deleting other items between two pages never shifts
    the rest (no skips, no duplicates).
    """

    __slots__ = ("_by_key", "_keys")

    def __init__(self) -> None:
        self._keys: list[int] = []
        self._by_key: dict[int, _R] = {}

    def add(self, key: int, item: _R) -> None:
        # Keys only grow, so appending keeps the list sorted.
        self._keys.append(key)
        self._by_key[key] = item

    def remove(self, key: int) -> None:
        index = bisect.bisect_left(self._keys, key)
        if index < len(self._keys) and self._keys[index] == key:
            del self._keys[index]
            del self._by_key[key]

    def page(self, after: int | None, limit: int) -> tuple[list[_R], int | None]:
        start = 0 if after is None else bisect.bisect_right(self._keys, after)
        keys = self._keys[start : start + limit]
        more = start + limit < len(self._keys)
        return [self._by_key[k] for k in keys], (keys[-1] if more and keys else None)


@attrs.define
class RegionState(SafeRepr):
    """Everything one account holds in one region.

    :attr:`instances` and :attr:`snapshots` are read-only views: a resource is
    added and removed through :meth:`add_instance`, :meth:`remove_instance` (and
    the snapshot twins; the emulator's ``add_instance`` and ``seed_*`` build the
    records), which keep the listings' order in step, so that ``GetInstances``
    and ``GetInstance`` always agree. A record's own fields may be edited; call
    its ``invalidate()`` afterwards.

    Attributes:
        account_id: The owning account.
        region: The region.
        key_pairs: The key pairs' names (the region's default one to begin with).
        operations: Every operation recorded, oldest first.
    """

    account_id: str
    region: str
    rng: random.Random = attrs.field(repr=False)
    key_pairs: set[str] = attrs.field(factory=lambda: {DEFAULT_KEY_PAIR}, repr=False)
    operations: list[OperationRecord] = attrs.field(factory=list, repr=False)
    _instances: dict[str, InstanceRecord] = attrs.field(factory=dict, init=False, repr=False)
    _snapshots: dict[str, SnapshotRecord] = attrs.field(factory=dict, init=False, repr=False)
    _seq: int = attrs.field(default=0, init=False, repr=False)
    _operation_index: dict[str, int] = attrs.field(factory=dict, init=False, repr=False)
    _instance_order: _Ordered[InstanceRecord] = attrs.field(
        factory=_Ordered, init=False, repr=False
    )
    _snapshot_order: _Ordered[SnapshotRecord] = attrs.field(
        factory=_Ordered, init=False, repr=False
    )

    @property
    def instances(self) -> Mapping[str, InstanceRecord]:
        """Instances by name (read-only: see the class)."""
        return types.MappingProxyType(self._instances)

    @property
    def snapshots(self) -> Mapping[str, SnapshotRecord]:
        """Instance snapshots by name (read-only: see the class)."""
        return types.MappingProxyType(self._snapshots)

    def new_uuid(self) -> str:
        """Return a UUID4 string drawn from this state's seeded RNG."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex_id(self, length: int = 17) -> str:
        """Return ``length`` random hex digits (EC2-style resource ids)."""
        return f"{self.rng.getrandbits(4 * length):0{length}x}"

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add_instance(self, record: InstanceRecord) -> InstanceRecord:
        """Store a new instance, placing it last in pagination order.

        Args:
            record: The instance.

        Returns:
            The stored record.

        Raises:
            ServiceError: ``InvalidInputException`` if the name is taken.
        """
        if record.name in self._instances:
            raise invalid_input(f"Some names are already in use: {record.name}", code="NameExists")
        record.seq = self._next_seq()
        self._instances[record.name] = record
        self._instance_order.add(record.seq, record)
        return record

    def get_instance(self, name: str) -> InstanceRecord:
        """Return the instance called ``name``, or raise ``NotFoundException``."""
        try:
            return self._instances[name]
        except KeyError:
            raise not_found("Instance", name) from None

    def remove_instance(self, name: str) -> InstanceRecord:
        """Delete the instance called ``name``, or raise ``NotFoundException``."""
        record = self.get_instance(name)
        del self._instances[name]
        self._instance_order.remove(record.seq)
        return record

    def add_snapshot(self, record: SnapshotRecord) -> SnapshotRecord:
        """Store a new snapshot; ``InvalidInputException`` if the name is taken."""
        if record.name in self._snapshots:
            raise invalid_input(f"Some names are already in use: {record.name}", code="NameExists")
        record.seq = self._next_seq()
        self._snapshots[record.name] = record
        self._snapshot_order.add(record.seq, record)
        return record

    def get_snapshot(self, name: str) -> SnapshotRecord:
        """Return the snapshot called ``name``, or raise ``NotFoundException``."""
        try:
            return self._snapshots[name]
        except KeyError:
            raise not_found("InstanceSnapshot", name) from None

    def remove_snapshot(self, name: str) -> SnapshotRecord:
        """Delete the snapshot called ``name``, or raise ``NotFoundException``."""
        record = self.get_snapshot(name)
        del self._snapshots[name]
        self._snapshot_order.remove(record.seq)
        return record

    def page_instances(
        self, after: int | None, limit: int
    ) -> tuple[list[InstanceRecord], int | None]:
        """Return up to ``limit`` instances after sort key ``after``, and the next cursor."""
        return self._instance_order.page(after, limit)

    def page_snapshots(
        self, after: int | None, limit: int
    ) -> tuple[list[SnapshotRecord], int | None]:
        """Return up to ``limit`` snapshots after sort key ``after``, and the next cursor."""
        return self._snapshot_order.page(after, limit)

    def record_operation(self, **fields: Any) -> OperationRecord:
        """Create, remember and return an :class:`OperationRecord`."""
        operation = OperationRecord(id=self.new_uuid(), region=self.region, **fields)
        self._operation_index[operation.id] = len(self.operations)
        self.operations.append(operation)
        return operation

    def get_operation(self, operation_id: str) -> OperationRecord:
        """Return the operation with this id, or raise ``NotFoundException``."""
        index = self._operation_index.get(operation_id)
        if index is None:
            raise not_found("Operation", operation_id)
        return self.operations[index]

    def page_operations(
        self, after: int | None, limit: int, resource_name: str | None = None
    ) -> tuple[list[OperationRecord], int | None]:
        """Return up to ``limit`` operations after position ``after``, oldest first.

        Args:
            after: The position of the last operation already served (``None``: start).
            limit: The page size.
            resource_name: Only this resource's operations, when given.

        Returns:
            The page, and the cursor of its last operation if more follow.
        """
        start = 0 if after is None else after + 1
        page: list[OperationRecord] = []
        last = start
        for position in range(start, len(self.operations)):
            operation = self.operations[position]
            if resource_name is not None and operation.resource_name != resource_name:
                continue
            if len(page) == limit:
                return page, last  # another one follows
            page.append(operation)
            last = position
        return page, None


def _stable_seed(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@attrs.define
class StateStore(SafeRepr):
    """All (account, region) states of one emulator, created on first use."""

    seed: int = 0
    _states: dict[tuple[str, str], RegionState] = attrs.field(factory=dict, init=False)

    def get(self, account_id: str, region: str) -> RegionState:
        """Return the state of ``account_id`` in ``region``, creating it empty if new."""
        key = (account_id, region)
        state = self._states.get(key)
        if state is None:
            rng = random.Random(_stable_seed(self.seed, account_id, region))
            state = self._states[key] = RegionState(account_id, region, rng)
        return state

    def __iter__(self) -> Iterator[RegionState]:
        return iter(list(self._states.values()))
