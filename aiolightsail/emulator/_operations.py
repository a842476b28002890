"""The fourteen Lightsail operations.

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
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator import _validation as v
from aiolightsail.emulator._catalogue import (
    BLUEPRINT_JSON,
    BLUEPRINTS,
    BLUEPRINTS_BY_ID,
    BUNDLES_BY_ID,
    METRIC_UNITS,
    Blueprint,
    Bundle,
    availability_zones,
)
from aiolightsail.emulator._errors import invalid_input
from aiolightsail.emulator._pagination import PageTokens
from aiolightsail.emulator._seed import (
    access_details,
    make_instance,
    make_snapshot,
    metric_datapoints,
)
from aiolightsail.emulator._state import OperationRecord, PortRule, RegionState, Timings

__all__ = ["HANDLERS", "Context", "Handler"]

_COMPACT = (",", ":")
#: How many instances one CreateInstances call may name (the console's limit).
MAX_INSTANCES_PER_CALL = 20
#: CloudWatch's limit on datapoints per request, which Lightsail metrics inherit.
MAX_DATAPOINTS = 1440
_STATISTICS = ("Minimum", "Maximum", "Sum", "Average", "SampleCount")
_IP_ADDRESS_TYPES = ("dualstack", "ipv4", "ipv6")


@attrs.frozen(kw_only=True)
class Context(SafeRepr):
    """What a handler knows about the request it serves."""

    state: RegionState
    account_id: str
    region: str
    now: float
    page_size: int
    tokens: PageTokens
    timings: Timings


Handler = Callable[[Context, Mapping[str, Any]], str]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=_COMPACT)


def _operations(*operations: OperationRecord) -> str:
    return _dumps({"operations": [o.to_wire() for o in operations]})


# ---------------------------------------------------------------- pagination


def _cursor(ctx: Context, params: Mapping[str, Any], operation: str, kind: type) -> Any:
    token = v.optional_str(params, "pageToken")
    if not token:
        return None
    key = ctx.tokens.decode(
        token, account_id=ctx.account_id, region=ctx.region, operation=operation
    )
    if not isinstance(key, kind) or isinstance(key, bool):
        raise invalid_input("The pageToken is not valid for this operation.")
    return key


def _page(
    ctx: Context, operation: str, member: str, fragments: list[str], next_key: int | str | None
) -> str:
    body = f'{{"{member}":[{",".join(fragments)}]'
    if next_key is not None:
        token = ctx.tokens.encode(
            account_id=ctx.account_id, region=ctx.region, operation=operation, key=next_key
        )
        body += f',"nextPageToken":"{token}"'
    return body + "}"


def get_instances(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstances: one page of instances, oldest first."""
    after = _cursor(ctx, params, "GetInstances", int)
    items, next_key = ctx.state.page_instances(after, ctx.page_size)
    return _page(ctx, "GetInstances", "instances", [i.to_json(ctx.now) for i in items], next_key)


def get_instance_snapshots(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceSnapshots: one page of snapshots, oldest first."""
    after = _cursor(ctx, params, "GetInstanceSnapshots", int)
    items, next_key = ctx.state.page_snapshots(after, ctx.page_size)
    fragments = [_dumps(s.to_wire(ctx.now)) for s in items]
    return _page(ctx, "GetInstanceSnapshots", "instanceSnapshots", fragments, next_key)


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
    after = _cursor(ctx, params, "GetBlueprints", str)
    ids, fragments = _BLUEPRINT_VIEWS[include_inactive, research]
    start = 0 if after is None else bisect.bisect_right(ids, after)
    end = start + ctx.page_size
    next_key = ids[end - 1] if end < len(ids) else None
    return _page(ctx, "GetBlueprints", "blueprints", fragments[start:end], next_key)


# ---------------------------------------------------------------- single reads


def get_instance(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstance: one instance by name."""
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    return f'{{"instance":{record.to_json(ctx.now)}}}'


def get_instance_snapshot(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceSnapshot: one snapshot by name."""
    record = ctx.state.get_snapshot(v.resource_name(params, "instanceSnapshotName"))
    return _dumps({"instanceSnapshot": record.to_wire(ctx.now)})


def get_instance_port_states(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstancePortStates: the open firewall rules of an instance."""
    record = ctx.state.get_instance(v.resource_name(params, "instanceName"))
    return _dumps({"portStates": [p.to_port_state() for p in record.ports]})


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
    return _dumps({"accessDetails": access_details(record, protocol, ctx.now)})


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
    return _dumps({"metricName": metric, "metricData": points})


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
    if len(names) > MAX_INSTANCES_PER_CALL:
        raise invalid_input(
            f"The instanceNames parameter names {len(names)} instances; "
            f"at most {MAX_INSTANCES_PER_CALL} are allowed per call."
        )
    for name in names:
        v.check_resource_name(name, "instance name")
    repeated = sorted({n for n in names if names.count(n) > 1})
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
            )
        )
    return _operations(*operations)


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
    snapshot = make_snapshot(
        ctx.state,
        name=snapshot_name,
        instance=instance,
        created_at=ctx.now,
        timings=ctx.timings,
        tags=tags,
    )
    ctx.state.add_snapshot(snapshot)
    common: dict[str, Any] = {
        "created_at": snapshot.created_at,
        "operation_type": "CreateInstanceSnapshot",
        "status": "Started",
        "is_terminal": False,
    }
    return _operations(
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
    return _operations(
        ctx.state.record_operation(
            resource_name=name,
            resource_type="Instance",
            created_at=ctx.now,
            availability_zone=record.availability_zone,
            operation_type="DeleteInstance",
            status="Succeeded",
            is_terminal=True,
        )
    )


def delete_instance_snapshot(ctx: Context, params: Mapping[str, Any]) -> str:
    """DeleteInstanceSnapshot: removes the snapshot at once."""
    name = v.resource_name(params, "instanceSnapshotName")
    ctx.state.remove_snapshot(name)
    return _operations(
        ctx.state.record_operation(
            resource_name=name,
            resource_type="InstanceSnapshot",
            created_at=ctx.now,
            availability_zone="all",
            operation_type="DeleteInstanceSnapshot",
            status="Succeeded",
            is_terminal=True,
        )
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
    record.ports = ports
    record.invalidate()
    operation = ctx.state.record_operation(
        resource_name=record.name,
        resource_type="Instance",
        created_at=ctx.now,
        availability_zone=record.availability_zone,
        operation_type="CloseInstancePublicPorts",
        status="Succeeded",
        is_terminal=True,
        operation_details=record.name,
    )
    return _dumps({"operation": operation.to_wire()})


#: Wire operation name -> handler: the fourteen operations of the contract.
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
}
