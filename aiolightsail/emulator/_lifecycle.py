"""Starting, stopping and rebooting instances, and reading the operations they start.

A start, stop or reboot validates the instance's current state, then gives
it a :class:`~aiolightsail.emulator._state.Transition` read against the
clock: a stop shows ``stopping`` for ``Timings.instance_stop`` seconds, then
``stopped``; a start ``pending``, then ``running``; a reboot ``rebooting``,
then ``running``. The operation it answers reports ``Started`` until the
transition ends, then ``Succeeded`` — or ``Failed`` when
``Faults.fail_operations`` scripted it, and the instance is back where it
was. A reboot's operation is terminal at once, as the AWS CLI's example of
``reboot-instance`` shows, while the instance goes on rebooting.

Operations are kept per (account, region) in the order they started;
``GetOperations`` and ``GetOperationsForResource`` list them oldest first, as
the API reference says, in pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiolightsail.emulator import _validation as v
from aiolightsail.emulator._context import (
    Context,
    Handler,
    cursor,
    dumps,
    operations_json,
    page,
    scripted_failure,
)
from aiolightsail.emulator._errors import invalid_input
from aiolightsail.emulator._seed import public_ipv4
from aiolightsail.emulator._state import STATE_CODES, InstanceRecord, Transition

__all__ = ["LIFECYCLE_HANDLERS"]


def _instance(ctx: Context, params: Mapping[str, Any]) -> InstanceRecord:
    return ctx.state.get_instance(v.resource_name(params, "instanceName"))


def _refuse(record: InstanceRecord, state: str, action: str, allowed: tuple[str, ...]) -> None:
    raise invalid_input(
        f"The instance {record.name} is {state}: it can be {action} only when "
        f"{' or '.join(allowed)}."
    )


def _transition(
    ctx: Context,
    record: InstanceRecord,
    *,
    operation_type: str,
    state: str,
    then: str,
    back: str,
    seconds: float,
    terminal_at_once: bool = False,
) -> str:
    """Put ``record`` through ``state`` to ``then`` (``back`` if the operation fails)."""
    outcome = scripted_failure(ctx, operation_type)
    until = ctx.now + seconds
    if outcome and terminal_at_once:
        until = ctx.now  # a failed reboot never starts: the instance keeps running
    record.transition = Transition(state=state, until=until, then=back if outcome else then)
    record.invalidate()
    if terminal_at_once:
        status = outcome.pop("final_status", "Succeeded")
        fields: dict[str, Any] = {"status": status, "is_terminal": True, **outcome}
    else:
        fields = {"status": "Started", "is_terminal": False, "completes_at": until, **outcome}
    operation = ctx.state.record_operation(
        resource_name=record.name,
        resource_type="Instance",
        created_at=ctx.now,
        availability_zone=record.availability_zone,
        operation_type=operation_type,
        operation_details="",
        **fields,
    )
    return operations_json(ctx, operation)


def start_instance(ctx: Context, params: Mapping[str, Any]) -> str:
    """StartInstance: a stopped instance goes pending, then running."""
    record = _instance(ctx, params)
    state = record.state_name(ctx.now)
    if state != "stopped":
        _refuse(record, state, "started", ("stopped",))
    if record.public_ip_address is not None and not record.is_static_ip:
        # A dynamic address is released at the stop: the start attaches a new one.
        record.public_ip_address = public_ipv4(ctx.state.rng)
    return _transition(
        ctx,
        record,
        operation_type="StartInstance",
        state="pending",
        then="running",
        back="stopped",
        seconds=ctx.timings.instance_start,
    )


def stop_instance(ctx: Context, params: Mapping[str, Any]) -> str:
    """StopInstance: a running instance goes stopping, then stopped; ``force`` also when stuck."""
    force = bool(v.optional_bool(params, "force"))
    record = _instance(ctx, params)
    state = record.state_name(ctx.now)
    # A forced stop is for instances stuck on their way (Lightsail API reference, "force").
    allowed = ("running", "rebooting", "pending", "stopping") if force else ("running", "rebooting")
    if state not in allowed:
        _refuse(record, state, "stopped", allowed)
    return _transition(
        ctx,
        record,
        operation_type="StopInstance",
        state="stopping",
        then="stopped",
        back="running",
        seconds=ctx.timings.instance_stop,
    )


def reboot_instance(ctx: Context, params: Mapping[str, Any]) -> str:
    """RebootInstance: a running instance goes rebooting, then running again."""
    record = _instance(ctx, params)
    state = record.state_name(ctx.now)
    if state != "running":
        _refuse(record, state, "rebooted", ("running",))
    return _transition(
        ctx,
        record,
        operation_type="RebootInstance",
        state="rebooting",
        then="running",
        back="running",
        seconds=ctx.timings.instance_reboot,
        terminal_at_once=True,
    )


def get_instance_state(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetInstanceState: the instance's state code and name."""
    state = _instance(ctx, params).state_name(ctx.now)
    return dumps({"state": {"code": STATE_CODES.get(state, 0), "name": state}})


def get_operation(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetOperation: one operation by id, as it stands now."""
    operation = ctx.state.get_operation(v.required_str(params, "operationId"))
    return dumps({"operation": operation.to_wire(ctx.now)})


def get_operations(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetOperations: one page of every operation of the account in the region, oldest first."""
    after = cursor(ctx, params, "GetOperations", int)
    items, next_key = ctx.state.page_operations(after, ctx.page_size)
    fragments = [dumps(o.to_wire(ctx.now)) for o in items]
    return page(ctx, "GetOperations", "operations", fragments, next_key)


def get_operations_for_resource(ctx: Context, params: Mapping[str, Any]) -> str:
    """GetOperationsForResource: one page of one resource's operations, oldest first."""
    name = v.resource_name(params, "resourceName")
    after = cursor(ctx, params, "GetOperationsForResource", int)
    items, next_key = ctx.state.page_operations(after, ctx.page_size, resource_name=name)
    fragments = [dumps(o.to_wire(ctx.now)) for o in items]
    return page(ctx, "GetOperationsForResource", "operations", fragments, next_key)


#: The handlers of this module, by wire operation name.
LIFECYCLE_HANDLERS: Mapping[str, Handler] = {
    "StartInstance": start_instance,
    "StopInstance": stop_instance,
    "RebootInstance": reboot_instance,
    "GetInstanceState": get_instance_state,
    "GetOperation": get_operation,
    "GetOperations": get_operations,
    "GetOperationsForResource": get_operations_for_resource,
}
