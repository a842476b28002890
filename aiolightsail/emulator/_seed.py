"""Deterministic fake data: instances, snapshots, keys, metrics, demo fleets.

Everything here draws from the :class:`~aiolightsail.emulator._state.RegionState`'s
seeded RNG or from hashes of stable inputs, so the same seed and the same
calls give byte-identical responses: reproducible tests and benchmarks.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiolightsail.emulator._catalogue import (
    BLUEPRINTS_BY_ID,
    BUNDLES_BY_ID,
    Blueprint,
    Bundle,
    availability_zones,
)
from aiolightsail.emulator._state import (
    InstanceRecord,
    PortRule,
    RegionState,
    SnapshotRecord,
    Timings,
)

__all__ = [
    "access_details",
    "make_instance",
    "make_snapshot",
    "metric_datapoints",
    "public_ipv4",
    "seed_instances",
    "seed_snapshots",
]

# First octets of ranges AWS really assigns to public Lightsail/EC2 addresses.
_PUBLIC_FIRST_OCTETS = (3, 13, 18, 34, 35, 44, 52, 54)
_IPV6_PREFIXES: Mapping[str, str] = {
    "us-east-1": "2600:1f18",
    "us-east-2": "2600:1f16",
    "us-west-2": "2600:1f14",
    "eu-west-1": "2a05:d018",
    "eu-west-2": "2a05:d01c",
    "eu-central-1": "2a05:d014",
    "ap-southeast-1": "2406:da18",
    "ap-northeast-1": "2406:da14",
}


def _digest(*parts: object, size: int = 32) -> bytes:
    return hashlib.shake_256("\x1f".join(map(str, parts)).encode()).digest(size)


def _fraction(*parts: object) -> float:
    return int.from_bytes(_digest(*parts, size=8), "big") / 2**64


def public_ipv4(rng: random.Random) -> str:
    """A public IPv4 address from AWS's ranges, drawn from ``rng``."""
    return (
        f"{rng.choice(_PUBLIC_FIRST_OCTETS)}.{rng.randrange(256)}."
        f"{rng.randrange(256)}.{rng.randrange(1, 255)}"
    )


def make_instance(
    state: RegionState,
    *,
    name: str,
    availability_zone: str,
    blueprint: Blueprint,
    bundle: Bundle,
    created_at: float,
    timings: Timings,
    tags: Iterable[tuple[str, str]] = (),
    key_pair_name: str | None = None,
    ip_address_type: str | None = None,
    add_ons: Sequence[Mapping[str, str]] = (),
    is_static_ip: bool = False,
    forced_state: str | None = None,
    data_disks: Sequence[Mapping[str, Any]] = (),
    ports: Iterable[PortRule] | None = None,
) -> InstanceRecord:
    """Return a new, unstored instance with realistic generated details.

    Args:
        state: The owning region state (its RNG draws ids and addresses).
        name: The instance name.
        availability_zone: Its zone.
        blueprint: Its image.
        bundle: Its plan.
        created_at: Creation time; it reports ``pending`` for
            ``timings.instance_boot`` seconds after.
        timings: Lifecycle durations.
        tags: (key, value) pairs.
        key_pair_name: The SSH key pair; Lightsail's default when ``None``.
        ip_address_type: ``dualstack``, ``ipv4`` or ``ipv6``; derived from the
            bundle when ``None``.
        add_ons: ``AddOn`` shapes.
        is_static_ip: Whether the public address is a static IP.
        forced_state: A fixed state (``stopped``...) overriding the lifecycle.
        data_disks: Extra attached ``Disk`` shapes.
        ports: Open firewall rules; the blueprint's defaults when ``None``.

    Returns:
        The record, not yet added to ``state``.
    """
    rng = state.rng
    if ip_address_type is None:
        ip_address_type = "ipv6" if bundle.ipv6_only else "dualstack"
    prefix = _IPV6_PREFIXES.get(state.region, "2a05:d01c")
    ipv6 = ":".join([prefix, *(f"{rng.getrandbits(16):x}" for _ in range(6))])
    public = None if ip_address_type == "ipv6" else public_ipv4(rng)
    if ports is None:
        ports = [
            PortRule(from_port=f, to_port=t, protocol=p) for f, t, p in blueprint.default_ports
        ]
    return InstanceRecord(
        name=name,
        arn=f"arn:aws:lightsail:{state.region}:{state.account_id}:Instance/{state.new_uuid()}",
        support_code=f"{state.account_id}/i-0{state.hex_id(16)}",
        account_id=state.account_id,
        region=state.region,
        availability_zone=availability_zone,
        created_at=round(created_at, 3),
        blueprint=blueprint,
        bundle=bundle,
        tags=tuple(tags),
        add_ons=tuple(dict(a) for a in add_ons),
        is_static_ip=is_static_ip,
        private_ip_address=f"172.26.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        public_ip_address=public,
        ipv6_addresses=() if ip_address_type == "ipv4" else (ipv6,),
        ip_address_type=ip_address_type,
        ssh_key_name=key_pair_name or "LightsailDefaultKeyPair",
        ports=list(ports),
        data_disks=tuple(dict(d) for d in data_disks),
        http_tokens="required" if blueprint.blueprint_id == "amazon_linux_2023" else "optional",
        ready_at=created_at + timings.instance_boot,
        forced_state=forced_state,
    )


def make_snapshot(
    state: RegionState,
    *,
    name: str,
    instance: InstanceRecord,
    created_at: float,
    timings: Timings,
    tags: Iterable[tuple[str, str]] = (),
    is_from_auto_snapshot: bool = False,
) -> SnapshotRecord:
    """Return a new, unstored snapshot of ``instance``.

    Args:
        state: The owning region state.
        name: The snapshot name.
        instance: The instance it is taken from.
        created_at: Creation time; it reports ``pending`` for
            ``timings.snapshot_create`` seconds after.
        timings: Lifecycle durations.
        tags: (key, value) pairs.
        is_from_auto_snapshot: Whether the automatic-snapshot add-on made it.

    Returns:
        The record, not yet added to ``state``.
    """
    return SnapshotRecord(
        name=name,
        arn=f"arn:aws:lightsail:{state.region}:{state.account_id}:InstanceSnapshot/"
        f"{state.new_uuid()}",
        support_code=f"{state.account_id}/ami-0{state.hex_id(16)}",
        account_id=state.account_id,
        region=state.region,
        created_at=round(created_at, 3),
        tags=tuple(tags),
        from_instance_name=instance.name,
        from_instance_arn=instance.arn,
        from_blueprint_id=instance.blueprint.blueprint_id,
        from_bundle_id=instance.bundle.bundle_id,
        size_in_gb=instance.bundle.disk_size_in_gb,
        from_attached_disks=tuple(dict(d) for d in instance.data_disks),
        is_from_auto_snapshot=is_from_auto_snapshot,
        ready_at=created_at + timings.snapshot_create,
    )


# ---------------------------------------------------------------- access details


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pem(label: str, data: bytes) -> str:
    body = _b64(data)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


def _host_key(instance: InstanceRecord, algorithm: str, witnessed_at: float) -> dict[str, Any]:
    blob = _digest(instance.arn, algorithm, size=51 if "ed25519" in algorithm else 104)
    sha1 = hashlib.sha1(blob, usedforsecurity=False).digest()
    sha256 = hashlib.sha256(blob).digest()
    return {
        "algorithm": algorithm,
        "publicKey": _b64(blob),
        "witnessedAt": witnessed_at,
        "fingerprintSHA1": ":".join(f"{b:02x}" for b in sha1),
        "fingerprintSHA256": "SHA256:" + _b64(sha256).rstrip("="),
    }


def access_details(instance: InstanceRecord, protocol: str, now: float) -> dict[str, Any]:
    """Return the ``InstanceAccessDetails`` shape with fake, PEM-looking keys.

    Keys are derived from the instance and the time, so each call (at a new
    time) gets new temporary keys, as with the real service.

    Args:
        instance: A running instance.
        protocol: ``ssh`` or ``rdp``.
        now: The current emulated time.

    Returns:
        JSON-ready access details.
    """
    details: dict[str, Any] = {"protocol": protocol, "instanceName": instance.name}
    if instance.public_ip_address is not None:
        details["ipAddress"] = instance.public_ip_address
    details["ipv6Addresses"] = list(instance.ipv6_addresses)
    details["username"] = instance.blueprint.username
    if protocol == "ssh":
        details["certKey"] = "ssh-rsa-cert-v01@openssh.com " + _b64(
            _digest(instance.arn, "cert", now, size=720)
        )
        details["privateKey"] = _pem(
            "RSA PRIVATE KEY", _digest(instance.arn, "key", now, size=1190)
        )
        # Lightsail's browser-SSH keys are short-lived.
        details["expiresAt"] = now + 12 * 3600
        details["hostKeys"] = [
            _host_key(instance, algorithm, instance.ready_at)
            for algorithm in ("ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519")
        ]
    else:
        password = base64.b64encode(_digest(instance.arn, "password", size=24)).decode()
        details["password"] = password.replace("/", "!").replace("+", "%")
        details["passwordData"] = {
            "ciphertext": _b64(_digest(instance.arn, "ciphertext", size=256)),
            "keyPairName": instance.ssh_key_name,
        }
        cert = _host_key(instance, "x509-cert", instance.ready_at)
        cert["notValidBefore"] = instance.ready_at
        cert["notValidAfter"] = instance.ready_at + 180 * 86400
        details["hostKeys"] = [cert]
    return details


# ---------------------------------------------------------------- metrics

#: (low, high) of the per-sample average of each metric family.
_METRIC_SCALES: Mapping[str, tuple[float, float]] = {
    "CPUUtilization": (0.5, 60.0),
    "BurstCapacityPercentage": (40.0, 100.0),
    "BurstCapacityTime": (600.0, 86_400.0),
    "NetworkIn": (5e3, 5e7),
    "NetworkOut": (5e3, 5e7),
    "MetadataNoToken": (0.0, 3.0),
    "DiskReadOps": (0.0, 500.0),
    "DiskWriteOps": (1.0, 900.0),
    "DiskReadBytes": (0.0, 2e7),
    "DiskWriteBytes": (1e4, 4e7),
    "DiskTotalReadTime": (0.0, 400.0),
    "DiskTotalWriteTime": (1.0, 800.0),
    "DiskQueueLength": (0.0, 4.0),
}
_CAPPED_AT_100 = frozenset({"CPUUtilization", "BurstCapacityPercentage"})


def metric_datapoints(
    instance: InstanceRecord,
    *,
    metric_name: str,
    start: float,
    end: float,
    period: int,
    statistics: Sequence[str],
    unit: str,
    now: float,
) -> list[dict[str, Any]]:
    """Return deterministic ``MetricDatapoint`` shapes for a window.

    One datapoint per whole period in ``[start, end)`` that has ended by
    ``now``, timestamps aligned to multiples of ``period``; values hash from
    (instance ARN, metric, timestamp, period). Like CloudWatch, the order is
    not chronological (clients must sort).

    Args:
        instance: The instance.
        metric_name: A metric from :data:`~aiolightsail.emulator._catalogue.METRIC_UNITS`.
        start: Window start, epoch seconds.
        end: Window end, epoch seconds.
        period: Granularity in seconds (a multiple of 60).
        statistics: The statistics to include.
        unit: The unit to report.
        now: The current emulated time.

    Returns:
        JSON-ready datapoints with only the requested statistics.
    """
    low, high = _METRIC_SCALES.get(metric_name, (0.0, 1.0))
    level = low + (high - low) * _fraction(instance.arn, metric_name)
    samples = float(max(1, period // 60))
    points: list[tuple[bytes, dict[str, Any]]] = []
    stamp = math.ceil(start / period) * period
    while stamp < end and stamp + period <= now:
        u = _digest(instance.arn, metric_name, stamp, period, size=8)
        if metric_name.startswith("StatusCheckFailed"):
            failed = 1.0 if u[0] < 3 else 0.0  # about one period in 85
            average, minimum, maximum = failed / samples, 0.0, failed
        else:
            average = level * (0.6 + 0.8 * u[1] / 255)
            maximum = average * (1.0 + u[2] / 255)
            minimum = average * (u[3] / 255)
            if metric_name in _CAPPED_AT_100:
                average, maximum = min(average, 100.0), min(maximum, 100.0)
        values = {
            "Average": round(average, 4),
            "Maximum": round(maximum, 4),
            "Minimum": round(minimum, 4),
            "SampleCount": samples,
            "Sum": round(average * samples, 4),
        }
        point: dict[str, Any] = {
            statistic[0].lower() + statistic[1:]: values[statistic] for statistic in statistics
        }
        point["timestamp"] = float(stamp)
        point["unit"] = unit
        points.append((u, point))
        stamp += period
    points.sort(key=lambda item: item[0])
    return [point for _, point in points]


# ---------------------------------------------------------------- seeding

_ROLES = ("web", "api", "db", "cache", "worker", "queue", "search", "auth", "batch", "edge")
_ENVIRONMENTS = ("prod", "staging", "dev")
_TEAMS = ("platform", "payments", "growth", "data", "support")
#: Blueprints and bundles a realistic fleet is made of, weighted by repetition.
_SEED_BLUEPRINTS = (
    "ubuntu_22_04", "ubuntu_22_04", "ubuntu_24_04", "ubuntu_24_04", "amazon_linux_2023",
    "amazon_linux_2023", "debian_12", "debian_11", "wordpress", "lamp_8_bitnami", "nodejs",
    "nginx", "almalinux_9", "windows_server_2022",
)  # fmt: skip
_SEED_BUNDLES = ("nano", "micro", "micro", "small", "small", "medium", "large", "xlarge")


def _seed_bundle(rng_choice: str, blueprint: Blueprint) -> Bundle:
    suffix = "_win_3_0" if blueprint.platform == "WINDOWS" else "_3_0"
    bundle = BUNDLES_BY_ID[f"{rng_choice}{suffix}"]
    if bundle.power < blueprint.min_power:
        bundle = BUNDLES_BY_ID[f"small{suffix}"]
    return bundle


def seed_instances(
    state: RegionState,
    count: int,
    *,
    now: float,
    timings: Timings,
    prefix: str | None = None,
    running: bool = True,
) -> list[InstanceRecord]:
    """Add ``count`` varied, realistic instances to ``state``.

    Names are ``<role>-<env>-<n>`` (or ``<prefix>-<n>``), unique in the state;
    creation times spread over the previous 90 days; about one in ten is
    stopped; tags, add-ons, static IPs and extra disks vary.

    Args:
        state: Where to add them.
        count: How many.
        now: The current emulated time.
        timings: Lifecycle durations.
        prefix: A fixed name prefix instead of generated role names.
        running: If false, new instances are created ``pending`` at ``now``.

    Returns:
        The records added.
    """
    rng = state.rng
    zones = availability_zones(state.region)
    added: list[InstanceRecord] = []
    number = 0
    while len(added) < count:
        role, env = rng.choice(_ROLES), rng.choice(_ENVIRONMENTS)
        number += 1
        name = f"{role}-{env}-{state.hex_id(4)}" if prefix is None else f"{prefix}-{number:02d}"
        if name in state.instances:
            continue
        blueprint = BLUEPRINTS_BY_ID[rng.choice(_SEED_BLUEPRINTS)]
        bundle = _seed_bundle(rng.choice(_SEED_BUNDLES), blueprint)
        created = now - rng.uniform(3600, 90 * 86400) if running else now
        add_ons: list[dict[str, str]] = []
        if rng.random() < 0.4:
            at = f"{rng.randrange(24):02d}:00"
            add_ons.append(
                {"name": "AutoSnapshot", "status": "Enabled", "snapshotTimeOfDay": at,
                 "nextSnapshotTimeOfDay": at}
            )  # fmt: skip
        if rng.random() < 0.15:
            add_ons.append(
                {"name": "StopInstanceOnIdle", "status": "Enabled", "threshold": "5",
                 "duration": "30"}
            )  # fmt: skip
        tags = [("env", env), ("team", rng.choice(_TEAMS)), ("role", role)]
        if rng.random() < 0.2:
            tags.append(("backup", ""))
        record = make_instance(
            state,
            name=name,
            availability_zone=rng.choice(zones),
            blueprint=blueprint,
            bundle=bundle,
            created_at=created,
            timings=timings,
            tags=tags,
            add_ons=add_ons,
            is_static_ip=rng.random() < 0.25,
            ip_address_type="ipv4" if rng.random() < 0.2 else None,
            forced_state="stopped" if running and rng.random() < 0.1 else None,
        )
        if rng.random() < 0.2:
            record.data_disks = (_data_disk(state, record, rng.choice((32, 64, 128, 256))),)
        added.append(state.add_instance(record))
    return added


def _data_disk(state: RegionState, instance: InstanceRecord, size: int) -> dict[str, Any]:
    return {
        "name": f"{instance.name}-data",
        "arn": f"arn:aws:lightsail:{state.region}:{state.account_id}:Disk/{state.new_uuid()}",
        "supportCode": f"{state.account_id}/vol-0{state.hex_id(16)}",
        "createdAt": instance.created_at,
        "location": {"availabilityZone": instance.availability_zone, "regionName": state.region},
        "resourceType": "Disk",
        "tags": [],
        "addOns": [],
        "sizeInGb": size,
        "isSystemDisk": False,
        "iops": max(100, 3 * size),
        "path": "/dev/xvdf",
        "state": "in-use",
        "attachedTo": instance.name,
        "isAttached": True,
        "attachmentState": "attached",
        "gbInUse": 0,
        "autoMountStatus": "Mounted",
    }


def seed_snapshots(
    state: RegionState, count: int, *, now: float, timings: Timings
) -> list[SnapshotRecord]:
    """Add ``count`` available snapshots of the state's instances (seeding some if none).

    Args:
        state: Where to add them.
        count: How many.
        now: The current emulated time.
        timings: Lifecycle durations.

    Returns:
        The records added.
    """
    rng = state.rng
    sources = list(state.instances.values()) or seed_instances(
        state, max(1, count // 3), now=now, timings=timings
    )
    added: list[SnapshotRecord] = []
    while len(added) < count:
        instance = rng.choice(sources)
        auto = rng.random() < 0.3
        name = f"{instance.name}-{'auto' if auto else 'snap'}-{state.hex_id(6)}"
        if name in state.snapshots:
            continue
        created = now - rng.uniform(3600, 30 * 86400)
        record = make_snapshot(
            state,
            name=name,
            instance=instance,
            created_at=created,
            timings=timings,
            tags=[t for t in instance.tags if t[0] == "env"],
            is_from_auto_snapshot=auto,
        )
        added.append(state.add_snapshot(record))
    return added
