"""The instance, snapshot, firewall and catalogue operations, and the table of every handler.

Each handler takes the request :class:`Context` and the decoded JSON body and
returns the response body as JSON text, or raises
:class:`~aiolightsail.emulator._errors.ServiceError`. Handlers validate the
whole input before touching state, so a refused call changes nothing (a
``CreateInstances`` with one taken name creates none of them, as on AWS).
Responses are built from cached per-resource JSON where it pays: the list
operations are what benchmarks measure.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Mapping
from typing import Any

import attrs

from aiolightsail._regions import LIGHTSAIL_REGIONS
from aiolightsail.emulator import _validation as v
from aiolightsail.emulator._catalogue import (
    BLUEPRINT_JSON,
    BLUEPRINTS,
    BLUEPRINTS_BY_ID,
    BUNDLE_JSON,
    BUNDLES,
    BUNDLES_BY_ID,
    METRIC_UNITS,
    RESEARCH_BUNDLES,
    Blueprint,
    Bundle,
    availability_zones,
    region_wire,
)
from aiolightsail.emulator._context import (
    Context,
    Handler,
    cursor,
    dumps,
    operations_json,
    page,
    scripted_failure,
)
from aiolightsail.emulator._errors import invalid_input, not_found
from aiolightsail.emulator._lifecycle import LIFECYCLE_HANDLERS
from aiolightsail.emulator._seed import (
    access_details,
    make_instance,
    make_snapshot,
    metric_datapoints,
)
from aiolightsail.emulator._state import InstanceRecord, PortRule

__all__ = ["HANDLERS", "Context", "Handler"]

#: CloudWatch's limit on datapoints per request, which Lightsail metrics inherit.
MAX_DATAPOINTS = 1440
_STATISTICS = ("Minimum", "Maximum", "Sum", "Average", "SampleCount")
_IP_ADDRESS_TYPES = ("dualstack", "ipv4", "ipv6")


def get_instances(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstances: one page of instances, oldest first."""
    after = cursor(ctx, params, "GetInstances", int)
    items, next_key = ctx.state.page_instances(after, ctx.page_size)
    return page(ctx, "GetInstances", "instances", [i.to_json(ctx.now) for i in items], next_key)


def get_instance_snapshots(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceSnapshots: one page of snapshots, oldest first."""
    after = cursor(ctx, params, "GetInstanceSnapshots", int)
    items, next_key = ctx.state.page_snapshots(after, ctx.page_size)
    fragments = [dumps(s.to_wire(ctx.now)) for s in items]
    return page(ctx, "GetInstanceSnapshots", "instanceSnapshots", fragments, next_key)


def _blueprint_view(*, inactive: bool, research: bool) -> tuple[list[str], list[str]]:
    chosen = [
        b for b in BLUEPRINTS if (inactive or b.is_active) and (b.app_category == "LfR") == research
    ]
    return [b.blueprint_id for b in chosen], [BLUEPRINT_JSON[b.blueprint_id] for b in chosen]


#: (includeInactive, LfR) -> (sorted ids, their JSON): the catalogue never changes.
_BLUEPRINT_VIEWS = {
    (inactive, research): _blueprint_view(inactive=inactive, research=research)
    for inactive in (False, True)
    for research in (False, True)
}


def get_blueprints(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetBlueprints: one page of the catalogue, honouring includeInactive and appCategory."""
    include_inactive = bool(v.optional_bool(params, "includeInactive"))
    research = v.enum(params, "appCategory", ("LfR",)) == "LfR"
    after = cursor(ctx, params, "GetBlueprints", str)
    ids, fragments = _BLUEPRINT_VIEWS[include_inactive, research]
    start = 0 if after is None else bisect.bisect_right(ids, after)
    end = start + ctx.page_size
    next_key = ids[end - 1] if end < len(ids) else None
    return page(ctx, "GetBlueprints", "blueprints", fragments[start:end], next_key)


# ---------------------------------------------------------------- single reads


def get_instance(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstance: one instance by name."""
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    return f'{{"instance":{record.to_json(ctx.now)}}}'


def get_instance_snapshot(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceSnapshot: one snapshot by name."""
    record = ctx.state.get_snapshot(v.resource_name(params, "instanceSnapshotName"))
    return dumps({"instanceSnapshot": record.to_wire(ctx.now)})


def get_instance_port_states(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstancePortStates: the open firewall rules of an instance."""
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    return dumps({"portStates": [p.to_port_state() for p in record.ports]})


def get_instance_access_details(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceAccessDetails: temporary SSH keys or the RDP password."""
    name = v.resource_name(params, "instanceName")
    protocol = v.enum(params, "protocol", ("ssh", "rdp")) or "ssh"
    record = ctx.state.get_instance(name)
    windows = record.blueprint.platform == "WINDOWS"
    if (protocol == "rdp") != windows:
        raise invalid_input(
            f"The protocol {protocol!r} is not available for instance {name}: use "
            f"{'rdp' if windows else 'ssh'} for {record.blueprint.platform} instances."
        )
    state = record.state_name(ctx.now)
    if state != "running":
        raise invalid_input(
            f"The instance {name} is {state}: access details are available only for "
            "running instances."
        )
    return dumps({"accessDetails": access_details(record, protocol, ctx.now)})


def get_instance_metric_data(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceMetricData: deterministic datapoints for any valid window."""
    name = v.resource_name(params, "instanceName")
    metric = v.enum(params, "metricName", tuple(METRIC_UNITS))
    if metric is None:
        raise invalid_input("The metricName parameter is required.")
    period = v.integer(params, "period")
    if not 60 <= period <= 86400 or period % 60:  # the documented range
        raise invalid_input(
            f"The period {period} is not valid: it must be a multiple of 60 from 60 to 86400."
        )
    start, end = v.timestamp(params, "startTime"), v.timestamp(params, "endTime")
    if start >= end:
        raise invalid_input("The startTime must be earlier than the endTime.")
    if (end - start) / period > MAX_DATAPOINTS:
        raise invalid_input(
            f"The requested window holds more than {MAX_DATAPOINTS} datapoints: "
            "shorten it or use a longer period."
        )
    unit = v.required_str(params, "unit")
    if unit != METRIC_UNITS[metric]:
        raise invalid_input(
            f"The unit {unit!r} is not valid for {metric}: use {METRIC_UNITS[metric]!r}."
        )
    statistics = v.string_list(params, "statistics", required_=True)
    unknown = [s for s in statistics if s not in _STATISTICS]
    if not statistics or unknown:
        raise invalid_input(
            f"The statistics parameter must list one or more of {', '.join(_STATISTICS)}"
            + (f"; not valid: {', '.join(unknown)}." if unknown else ".")
        )
    record = ctx.state.get_instance(name)
    points = metric_datapoints(
        record,
        metric_name=metric,
        start=start,
        end=end,
        period=period,
        statistics=list(dict.fromkeys(statistics)),
        unit=unit,
        now=ctx.now,
    )
    return dumps({"metricName": metric, "metricData": points})


# ---------------------------------------------------------------- mutations


def _zone(ctx: Context, params: Mapping[str, Any]) -> str:
    zone = v.required_str(params, "availabilityZone")
    zones = availability_zones(ctx.region)
    if zone not in zones:
        raise invalid_input(
            f"The availabilityZone {zone!r} is not valid in region {ctx.region}: "
            f"use one of {', '.join(zones)}."
        )
    return zone


def _instance_names(ctx: Context, params: Mapping[str, Any]) -> list[str]:
    names = v.string_list(params, "instanceNames", required_=True)
    if not names:
        raise invalid_input("The instanceNames parameter must name at least one instance.")
    # The account's quota bounds a call: no limit of its own (none in the model).
    ctx.quotas.check_instances(len(ctx.state.instances), len(names), ctx.region)
    for name in names:
        v.check_resource_name(name, "instance name")
    repeated = sorted(name for name, count in collections.Counter(names).items() if count > 1)
    if repeated:
        raise invalid_input(f"The instanceNames parameter repeats: {', '.join(repeated)}.")
    taken = [n for n in names if n in ctx.state.instances]
    if taken:
        raise invalid_input(f"Some names are already in use: {', '.join(taken)}", code="NameExists")
    return names


def _bundle(params: Mapping[str, Any], blueprint: Blueprint) -> Bundle:
    bundle_id = v.required_str(params, "bundleId")
    bundle = BUNDLES_BY_ID.get(bundle_id)
    if bundle is None or not bundle.is_active:
        raise invalid_input(f"The bundleId {bundle_id!r} is not a valid, active bundle.")
    if blueprint.platform not in bundle.platforms:
        raise invalid_input(
            f"The bundle {bundle_id} cannot run the {blueprint.platform} blueprint "
            f"{blueprint.blueprint_id}: choose a bundle for that platform."
        )
    if bundle.power < blueprint.min_power:
        raise invalid_input(
            f"The bundle {bundle_id} is too small for blueprint {blueprint.blueprint_id}, "
            f"which needs a bundle with power of at least {blueprint.min_power}."
        )
    return bundle


def _ip_address_type(params: Mapping[str, Any], bundle: Bundle) -> str:
    ip_type = v.enum(params, "ipAddressType", _IP_ADDRESS_TYPES)
    if ip_type is None:
        return "ipv6" if bundle.ipv6_only else "dualstack"
    if (ip_type == "ipv6") != bundle.ipv6_only:
        raise invalid_input(
            f"The ipAddressType {ip_type!r} does not match bundle {bundle.bundle_id}: "
            "IPv6-only bundles need ipv6, and ipv6 needs an IPv6-only bundle."
        )
    return ip_type


def _structure(request: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    detail = request.get(name) or {}
    if not isinstance(detail, dict):
        raise invalid_input(f"The addOns {name} member must be a structure.")
    return detail


def _add_ons(params: Mapping[str, Any]) -> list[dict[str, str]]:
    requests = params.get("addOns") or []
    if not isinstance(requests, list):
        raise invalid_input("The addOns parameter must be a list of add-on requests.")
    add_ons: list[dict[str, str]] = []
    for request in requests:
        if not isinstance(request, dict):
            raise invalid_input("Each addOns entry must be an AddOnRequest structure.")
        kind = v.enum(request, "addOnType", ("AutoSnapshot", "StopInstanceOnIdle"))
        if kind == "AutoSnapshot":
            detail = _structure(request, "autoSnapshotAddOnRequest")
            at = v.optional_str(detail, "snapshotTimeOfDay") or "06:00"
            add_ons.append(
                {"name": kind, "status": "Enabled", "snapshotTimeOfDay": at,
                 "nextSnapshotTimeOfDay": at}
            )  # fmt: skip
        elif kind == "StopInstanceOnIdle":
            detail = _structure(request, "stopInstanceOnIdleRequest")
            add_ons.append(
                {"name": kind, "status": "Enabled",
                 "threshold": v.optional_str(detail, "threshold") or "5",
                 "duration": v.optional_str(detail, "duration") or "30"}
            )  # fmt: skip
        else:
            raise invalid_input("Each addOns entry needs an addOnType.")
    return add_ons


def _create(
    ctx: Context,
    params: Mapping[str, Any],
    *,
    names: list[str],
    zone: str,
    blueprint: Blueprint,
    bundle: Bundle,
    operation_type: str,
    details: str,
) -> str:
    key_pair = params.get("keyPairName")
    if key_pair is not None:
        v.resource_name(params, "keyPairName")
        if key_pair not in ctx.state.key_pairs:
            raise not_found("KeyPair", key_pair)
    v.optional_str(params, "userData")
    tags = v.tags(params)
    add_ons = _add_ons(params)
    ip_type = _ip_address_type(params, bundle)
    operations = []
    for name in names:
        record = make_instance(
            ctx.state,
            name=name,
            availability_zone=zone,
            blueprint=blueprint,
            bundle=bundle,
            created_at=ctx.now,
            timings=ctx.timings,
            tags=tags,
            key_pair_name=key_pair,
            ip_address_type=ip_type,
            add_ons=add_ons,
        )
        ctx.state.add_instance(record)
        operations.append(
            ctx.state.record_operation(
                resource_name=name,
                resource_type="Instance",
                created_at=record.created_at,
                availability_zone=zone,
                operation_type=operation_type,
                status="Started",
                is_terminal=False,
                operation_details=details,
                completes_at=record.ready_at,
            )
        )
    return operations_json(ctx, *operations)


def create_instances(ctx: Context, params: Mapping[str, Any]) -> str:
    """CreateInstances: new pending instances from a blueprint and a bundle."""
    names = _instance_names(ctx, params)
    zone = _zone(ctx, params)
    blueprint_id = v.required_str(params, "blueprintId")
    blueprint = BLUEPRINTS_BY_ID.get(blueprint_id)
    if blueprint is None or not blueprint.is_active:
        raise invalid_input(f"The blueprintId {blueprint_id!r} is not a valid, active blueprint.")
    if params.get("customImageName") is not None:
        raise invalid_input("The customImageName parameter is not supported by the emulator.")
    bundle = _bundle(params, blueprint)
    return _create(
        ctx,
        params,
        names=names,
        zone=zone,
        blueprint=blueprint,
        bundle=bundle,
        operation_type="CreateInstance",
        details="",
    )


def create_instances_from_snapshot(ctx: Context, params: Mapping[str, Any]) -> str:
    """CreateInstancesFromSnapshot: new pending instances restored from a snapshot."""
    names = _instance_names(ctx, params)
    zone = _zone(ctx, params)
    snapshot_name = v.optional_str(params, "instanceSnapshotName")
    if snapshot_name is None:
        if v.optional_str(params, "sourceInstanceName") is not None:
            raise invalid_input(
                "Restoring from automatic snapshots (sourceInstanceName) is not supported "
                "by the emulator: pass instanceSnapshotName."
            )
        raise invalid_input("The instanceSnapshotName parameter is required.")
    snapshot = ctx.state.get_snapshot(v.check_resource_name(snapshot_name, "instanceSnapshotName"))
    if snapshot.state_name(ctx.now) != "available":
        raise invalid_input(f"The instance snapshot {snapshot_name} is not available yet.")
    blueprint = BLUEPRINTS_BY_ID[snapshot.from_blueprint_id]
    bundle = _bundle(params, blueprint)
    if bundle.disk_size_in_gb < snapshot.size_in_gb:
        raise invalid_input(
            f"The bundle {bundle.bundle_id} ({bundle.disk_size_in_gb} GB) is smaller than "
            f"the snapshot {snapshot_name} ({snapshot.size_in_gb} GB)."
        )
    return _create(
        ctx,
        params,
        names=names,
        zone=zone,
        blueprint=blueprint,
        bundle=bundle,
        operation_type="CreateInstancesFromSnapshot",
        details=snapshot_name,
    )


def create_instance_snapshot(ctx: Context, params: Mapping[str, Any]) -> str:
    """CreateInstanceSnapshot: a pending snapshot, one operation each for it and its instance."""
    snapshot_name = v.resource_name(params, "instanceSnapshotName")
    instance = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    tags = v.tags(params)
    outcome = scripted_failure(ctx, "CreateInstanceSnapshot")
    snapshot = make_snapshot(
        ctx.state,
        name=snapshot_name,
        instance=instance,
        created_at=ctx.now,
        timings=ctx.timings,
        tags=tags,
    )
    snapshot.fails = bool(outcome)
    ctx.state.add_snapshot(snapshot)
    common: dict[str, Any] = {
        "created_at": snapshot.created_at,
        "operation_type": "CreateInstanceSnapshot",
        "status": "Started",
        "is_terminal": False,
        "completes_at": snapshot.ready_at,
        **outcome,
    }
    return operations_json(
        ctx,
        ctx.state.record_operation(
            resource_name=snapshot_name,
            resource_type="InstanceSnapshot",
            availability_zone="all",
            operation_details=instance.name,
            **common,
        ),
        ctx.state.record_operation(
            resource_name=instance.name,
            resource_type="Instance",
            availability_zone=instance.availability_zone,
            operation_details=snapshot_name,
            **common,
        ),
    )


def delete_instance(ctx: Context, params: Mapping[str, Any]) -> str:
    """DeleteInstance: removes the instance at once (its snapshots stay)."""
    name = v.resource_name(params, "instanceName")
    v.optional_bool(params, "forceDeleteAddOns")
    record = ctx.state.remove_instance(name)
    return operations_json(
        ctx,
        ctx.state.record_operation(
            resource_name=name,
            resource_type="Instance",
            created_at=ctx.now,
            availability_zone=record.availability_zone,
            operation_type="DeleteInstance",
            status="Succeeded",
            is_terminal=True,
        ),
    )


def delete_instance_snapshot(ctx: Context, params: Mapping[str, Any]) -> str:
    """DeleteInstanceSnapshot: removes the snapshot at once."""
    name = v.resource_name(params, "instanceSnapshotName")
    ctx.state.remove_snapshot(name)
    return operations_json(
        ctx,
        ctx.state.record_operation(
            resource_name=name,
            resource_type="InstanceSnapshot",
            created_at=ctx.now,
            availability_zone="all",
            operation_type="DeleteInstanceSnapshot",
            status="Succeeded",
            is_terminal=True,
        ),
    )


def _close(rule: PortRule, info: Mapping[str, Any]) -> PortRule | None:
    """Return what is left of ``rule`` after closing ``info`` on it (None: all of it)."""
    given = {k: info[k] for k in ("cidrs", "ipv6Cidrs", "cidrListAliases") if info[k] is not None}
    if not given:
        return None
    left = attrs.evolve(
        rule,
        cidrs=tuple(c for c in rule.cidrs if c not in given.get("cidrs", ())),
        ipv6_cidrs=tuple(c for c in rule.ipv6_cidrs if c not in given.get("ipv6Cidrs", ())),
        cidr_list_aliases=tuple(
            c for c in rule.cidr_list_aliases if c not in given.get("cidrListAliases", ())
        ),
    )
    return left if (left.cidrs or left.ipv6_cidrs or left.cidr_list_aliases) else None


def close_instance_public_ports(ctx: Context, params: Mapping[str, Any]) -> str:
    """CloseInstancePublicPorts: removes matching rules (closing a closed port succeeds)."""
    info = v.port_info(params)
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    target = (info["fromPort"], info["toPort"], info["protocol"])
    ports: list[PortRule] = []
    for rule in record.ports:
        if (rule.from_port, rule.to_port, rule.protocol) == target:
            left = _close(rule, info)
            if left is not None:
                ports.append(left)
        else:
            ports.append(rule)
    return _port_operation(ctx, record, ports, "CloseInstancePublicPorts")


def _port_operation(
    ctx: Context, record: InstanceRecord, ports: list[PortRule], operation_type: str
) -> str:
    """Apply the new rules (unless the operation is scripted to fail) and answer its operation.

    Port changes complete at once: the operation is terminal in the answer.
    """
    outcome = scripted_failure(ctx, operation_type)
    if not outcome:
        record.ports = ports
        record.invalidate()
    operation = ctx.state.record_operation(
        resource_name=record.name,
        resource_type="Instance",
        created_at=ctx.now,
        availability_zone=record.availability_zone,
        operation_type=operation_type,
        status=outcome.pop("final_status", "Succeeded"),
        is_terminal=True,
        operation_details=record.name,
        **outcome,
    )
    return dumps({"operation": operation.to_wire(ctx.now)})


def _rule(info: Mapping[str, Any]) -> PortRule:
    """The rule a validated ``PortInfo`` opens: anyone (IPv4 and IPv6) when it names no source."""
    sources = {k: info[k] for k in ("cidrs", "ipv6Cidrs", "cidrListAliases") if info[k]}
    rule = PortRule(from_port=info["fromPort"], to_port=info["toPort"], protocol=info["protocol"])
    if not sources:
        return rule
    return attrs.evolve(
        rule,
        cidrs=tuple(sources.get("cidrs", ())),
        ipv6_cidrs=tuple(sources.get("ipv6Cidrs", ())),
        cidr_list_aliases=tuple(sources.get("cidrListAliases", ())),
    )


def _merge(rule: PortRule, more: PortRule) -> PortRule:
    def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*a, *b)))

    return attrs.evolve(
        rule,
        cidrs=union(rule.cidrs, more.cidrs),
        ipv6_cidrs=union(rule.ipv6_cidrs, more.ipv6_cidrs),
        cidr_list_aliases=union(rule.cidr_list_aliases, more.cidr_list_aliases),
    )


def open_instance_public_ports(ctx: Context, params: Mapping[str, Any]) -> str:
    """OpenInstancePublicPorts: adds a rule, or widens the rule for the same ports and protocol."""
    rule = _rule(v.port_info(params))
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    key = (rule.from_port, rule.to_port, rule.protocol)
    ports = list(record.ports)
    for index, existing in enumerate(ports):
        if (existing.from_port, existing.to_port, existing.protocol) == key:
            ports[index] = _merge(existing, rule)
            break
    else:
        ports.append(rule)
    return _port_operation(ctx, record, ports, "OpenInstancePublicPorts")


def put_instance_public_ports(ctx: Context, params: Mapping[str, Any]) -> str:
    """PutInstancePublicPorts: the given rules replace every rule of the instance."""
    infos = v.port_infos(params)
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    ports: list[PortRule] = []
    for rule in map(_rule, infos):
        key = (rule.from_port, rule.to_port, rule.protocol)
        same = next(
            (i for i, p in enumerate(ports) if (p.from_port, p.to_port, p.protocol) == key), None
        )
        if same is None:
            ports.append(rule)
        else:
            ports[same] = _merge(ports[same], rule)
    return _port_operation(ctx, record, ports, "PutInstancePublicPorts")


# ---------------------------------------------------------------- regions and bundles


def get_regions(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetRegions: every Lightsail region, with their zones when asked for."""
    zones = bool(v.optional_bool(params, "includeAvailabilityZones"))
    database_zones = bool(v.optional_bool(params, "includeRelationalDatabaseAvailabilityZones"))
    return dumps(
        {
            "regions": [
                region_wire(name, zones=zones, database_zones=database_zones)
                for name in LIGHTSAIL_REGIONS
            ]
        }
    )


def get_bundles(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetBundles: one page of the plans, active ones unless includeInactive."""
    include_inactive = bool(v.optional_bool(params, "includeInactive"))
    research = v.enum(params, "appCategory", ("LfR",)) == "LfR"
    after = cursor(ctx, params, "GetBundles", str)
    # Lightsail for Research's plans are listed only when that category is asked for.
    offered = RESEARCH_BUNDLES if research else BUNDLES
    chosen = [b for b in offered if include_inactive or b.is_active]
    chosen.sort(key=lambda b: b.bundle_id)
    ids = [b.bundle_id for b in chosen]
    start = 0 if after is None else bisect.bisect_right(ids, after)
    end = start + ctx.page_size
    next_key = ids[end - 1] if end < len(ids) else None
    fragments = [BUNDLE_JSON[b.bundle_id] for b in chosen[start:end]]
    return page(ctx, "GetBundles", "bundles", fragments, next_key)


#: Wire operation name -> handler: every operation the emulator serves.
HANDLERS: Mapping[str, Handler] = {
    "GetInstance": get_instance,
    "GetInstances": get_instances,
    "GetBlueprints": get_blueprints,
    "GetInstanceSnapshot": get_instance_snapshot,
    "GetInstanceSnapshots": get_instance_snapshots,
    "GetInstanceAccessDetails": get_instance_access_details,
    "GetInstanceMetricData": get_instance_metric_data,
    "GetInstancePortStates": get_instance_port_states,
    "CreateInstances": create_instances,
    "CreateInstancesFromSnapshot": create_instances_from_snapshot,
    "CreateInstanceSnapshot": create_instance_snapshot,
    "DeleteInstance": delete_instance,
    "DeleteInstanceSnapshot": delete_instance_snapshot,
    "CloseInstancePublicPorts": close_instance_public_ports,
    "OpenInstancePublicPorts": open_instance_public_ports,
    "PutInstancePublicPorts": put_instance_public_ports,
    "GetRegions": get_regions,
    "GetBundles": get_bundles,
    **LIFECYCLE_HANDLERS,
}
