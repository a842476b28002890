"""Writes are done once: an uncertain write is reconciled by a read, never re-sent blind.

A write (the operations table's ``writes=True``) is **uncertain** when its
request may have reached the service and no answer says what happened: the
connection was reset, closed or timed out after it was made, an attempt ran
past its deadline, the service answered a 5xx, or it answered a success that
cannot be read. botocore would re-send it (up to five times): on Lightsail a
second ``CreateInstances`` fails "name already in use", so a create that
succeeded would be reported as a failure, and a second reboot reboots twice.

Here the transport raises :class:`~aiolightsail._botocore.UncertainWrite`
instead of retrying such an attempt, and :func:`send_once` reads what the
write would have changed (each write's :class:`_Rule`):

* it **took effect**: the call returns the write's operations as the service
  lists them (the newest of the write's type for each resource);
* it **did not**: the write is sent again, and only then, within the call's
  attempts and ``call_timeout``;
* the read **cannot tell** (or fails, or the deadline passes while a request
  is in doubt): :class:`~aiolightsail.WriteOutcomeUnknownError`, saying what to
  check, from the failure that made the write uncertain.

Failures that say nothing was done (a connection never made, any 4xx,
throttles included) are retried by the transport as for any call. The rules,
per operation, and why reboot has none, are in ``docs/reliability.md``
("Writes are done once").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar

import attrs

from aiolightsail import _botocore, _logging
from aiolightsail import _operations as ops
from aiolightsail._enums import InstanceStateName
from aiolightsail._errors import (
    LightsailError,
    NotFoundError,
    RequestTimeoutError,
    ResponseError,
    WriteOutcomeUnknownError,
)
from aiolightsail._models import (
    Instance,
    InstancePortState,
    InstanceSnapshot,
    InstanceState,
    Operation,
)
from aiolightsail._repr import SafeRepr

__all__ = ["RULES", "Reads", "send_once"]

_log = _logging.logger("aiolightsail.writes")

T = TypeVar("T")
Params = Mapping[str, Any]


class Reads(Protocol):
    """The reads that tell whether a write took effect (``LightsailClient`` provides them)."""

    async def get_instance(self, instance_name: str) -> Instance: ...

    async def get_instance_state(self, instance_name: str) -> InstanceState: ...

    async def get_instance_snapshot(self, instance_snapshot_name: str) -> InstanceSnapshot: ...

    async def get_instance_port_states(self, instance_name: str) -> list[InstancePortState]: ...

    def iter_operations_for_resource(self, resource_name: str) -> AsyncIterator[Operation]: ...


@attrs.frozen
class _Verdict(SafeRepr):
    """What a read says of a write: done, not done, or it cannot tell; and what it saw."""

    outcome: Literal["done", "not done", "unknown"]
    seen: str


def _done(seen: str) -> _Verdict:
    return _Verdict("done", seen)


def _not_done(seen: str) -> _Verdict:
    return _Verdict("not done", seen)


def _unknown(seen: str) -> _Verdict:
    return _Verdict("unknown", seen)


async def _find(get: Callable[[str], Awaitable[T]], name: str) -> T | None:
    try:
        return await get(name)
    except NotFoundError:
        return None


# -- the reads of each write ---------------------------------------------------------


def _names(params: Params) -> list[str]:
    return list(params["instanceNames"])


def _member(instance: Instance, member: str) -> str | None:
    """What ``instance`` holds of a creation parameter."""
    if member == "blueprintId":
        return instance.blueprint_id
    if member == "bundleId":
        return instance.bundle_id
    return instance.location.availability_zone if instance.location else None


async def _created(reads: Reads, params: Params, members: Sequence[str]) -> _Verdict:
    """Instances created: each name exists with the requested ``members``
    (``blueprintId``, ``bundleId``, ``availabilityZone``)."""
    names = _names(params)
    found = [await _find(reads.get_instance, name) for name in names]
    missing = [name for name, instance in zip(names, found, strict=True) if instance is None]
    if len(missing) == len(names):
        return _not_done(f"no instance named {', '.join(names)} exists")
    other = [
        name
        for name, instance in zip(names, found, strict=True)
        if instance is not None and any(_member(instance, m) != params[m] for m in members)
    ]
    if not missing and not other:
        return _done(f"every instance exists ({', '.join(names)})")
    return _unknown(
        "; ".join(
            part
            for part in (
                f"missing: {', '.join(missing)}" if missing else "",
                f"another blueprint, bundle or zone: {', '.join(other)}" if other else "",
            )
            if part
        )
    )


async def _create_instances(reads: Reads, params: Params) -> _Verdict:
    return await _created(reads, params, ("blueprintId", "bundleId", "availabilityZone"))


async def _create_from_snapshot(reads: Reads, params: Params) -> _Verdict:
    return await _created(reads, params, ("bundleId", "availabilityZone"))


async def _create_snapshot(reads: Reads, params: Params) -> _Verdict:
    name, instance = params["instanceSnapshotName"], params["instanceName"]
    snapshot = await _find(reads.get_instance_snapshot, name)
    if snapshot is None:
        return _not_done(f"no snapshot {name}")
    if snapshot.from_instance_name != instance:
        return _unknown(f"snapshot {name} exists, from {snapshot.from_instance_name!r}")
    return _done(f"snapshot {name} of {instance} exists")


_GONE = frozenset({InstanceStateName.SHUTTING_DOWN, InstanceStateName.TERMINATED})


async def _delete_instance(reads: Reads, params: Params) -> _Verdict:
    name = params["instanceName"]
    instance = await _find(reads.get_instance, name)
    if instance is None or instance.state_name in _GONE:
        return _done(f"instance {name} is gone")
    return _not_done(f"instance {name} is {instance.state_name}")


async def _delete_snapshot(reads: Reads, params: Params) -> _Verdict:
    name = params["instanceSnapshotName"]
    if await _find(reads.get_instance_snapshot, name) is None:
        return _done(f"snapshot {name} is gone")
    return _not_done(f"snapshot {name} still exists")


def _by_state(
    done: frozenset[str], not_done: frozenset[str]
) -> Callable[[Reads, Params], Awaitable[_Verdict]]:
    async def judge(reads: Reads, params: Params) -> _Verdict:
        name = params["instanceName"]
        state = await _find(reads.get_instance_state, name)
        now = None if state is None else state.name
        seen = f"instance {name} is {now or 'not found'}"
        if now in done:
            return _done(seen)
        if now in not_done:
            return _not_done(seen)
        return _unknown(seen)

    return judge


async def _reboot(_reads: Reads, params: Params) -> _Verdict:
    return _unknown(
        f"no read can tell whether instance {params['instanceName']} was rebooted: it is "
        "running before and after a reboot"
    )


def _key(info: Mapping[str, Any]) -> tuple[Any, ...]:
    return (info["fromPort"], info["toPort"], info["protocol"])


def _state_key(state: InstancePortState) -> tuple[Any, ...]:
    return (state.from_port, state.to_port, state.protocol)


_SOURCES = (
    ("cidrs", "cidrs"),
    ("ipv6Cidrs", "ipv6_cidrs"),
    ("cidrListAliases", "cidr_list_aliases"),
)


def _open(states: Sequence[InstancePortState]) -> list[InstancePortState]:
    return [s for s in states if s.state in (None, "open")]


def _covers(state: InstancePortState, info: Mapping[str, Any]) -> bool:
    """Whether the open rule ``state`` lets in everything ``info`` asked for."""
    return _state_key(state) == _key(info) and all(
        set(info.get(wire, ())) <= set(getattr(state, name)) for wire, name in _SOURCES
    )


def _overlaps(state: InstancePortState, info: Mapping[str, Any]) -> bool:
    """Whether the open rule ``state`` still lets in some of what ``info`` closes."""
    if _state_key(state) != _key(info):
        return False
    asked = [(wire, name) for wire, name in _SOURCES if info.get(wire)]
    if not asked:
        return True
    return any(set(info[wire]) & set(getattr(state, name)) for wire, name in asked)


async def _port_states(reads: Reads, params: Params) -> list[InstancePortState]:
    return _open(await reads.get_instance_port_states(params["instanceName"]))


async def _open_ports(reads: Reads, params: Params) -> _Verdict:
    info = params["portInfo"]
    if any(_covers(state, info) for state in await _port_states(reads, params)):
        return _done(f"ports {_key(info)} are open")
    return _not_done(f"ports {_key(info)} are not open")


async def _close_ports(reads: Reads, params: Params) -> _Verdict:
    info = params["portInfo"]
    if any(_overlaps(state, info) for state in await _port_states(reads, params)):
        return _not_done(f"ports {_key(info)} are still open")
    return _done(f"ports {_key(info)} are closed")


async def _put_ports(reads: Reads, params: Params) -> _Verdict:
    infos = params["portInfos"]
    states = await _port_states(reads, params)
    keys = {_key(info) for info in infos}
    if all(any(_covers(s, info) for s in states) for info in infos) and all(
        _state_key(s) in keys for s in states
    ):
        return _done("the open rules are the requested ones")
    return _not_done("the open rules are not the requested ones")


# -- the rules ------------------------------------------------------------------------


@attrs.frozen
class _Rule(SafeRepr):
    """How to tell whether one write took effect, and where its outcome is listed.

    Attributes:
        judge: the read and its verdict.
        resources: the names whose operations are the write's outcome.
        types: the ``operationType`` of those operations.
        check: what a caller should look at when the outcome is unknown.
    """

    judge: Callable[[Reads, Params], Awaitable[_Verdict]]
    resources: Callable[[Params], list[str]]
    types: frozenset[str]
    check: Callable[[Params], str]


def _instance(params: Params) -> list[str]:
    return [params["instanceName"]]


def _snapshot(params: Params) -> list[str]:
    return [params["instanceSnapshotName"]]


def _check_instances(params: Params) -> str:
    return f"whether instances {', '.join(_names(params))} exist (get_instance)"


def _check_operations(kind: str) -> Callable[[Params], str]:
    def check(params: Params) -> str:
        name = params.get("instanceName") or params.get("instanceSnapshotName")
        return f"the {kind} operations of {name} (get_operations_for_resource)"

    return check


_CREATED = frozenset({"CreateInstance", "CreateInstancesFromSnapshot"})
_RUNNING = frozenset({InstanceStateName.PENDING, InstanceStateName.RUNNING})
_STOPPED = frozenset({InstanceStateName.STOPPING, InstanceStateName.STOPPED})

#: Each write's rule, by wire name.
RULES: Mapping[str, _Rule] = {
    "CreateInstances": _Rule(_create_instances, _names, _CREATED, _check_instances),
    "CreateInstancesFromSnapshot": _Rule(_create_from_snapshot, _names, _CREATED, _check_instances),
    "CreateInstanceSnapshot": _Rule(
        _create_snapshot,
        lambda p: [p["instanceSnapshotName"], p["instanceName"]],
        frozenset({"CreateInstanceSnapshot"}),
        lambda p: f"whether snapshot {p['instanceSnapshotName']} exists (get_instance_snapshot)",
    ),
    "DeleteInstance": _Rule(
        _delete_instance,
        _instance,
        frozenset({"DeleteInstance"}),
        lambda p: f"whether instance {p['instanceName']} still exists (get_instance)",
    ),
    "DeleteInstanceSnapshot": _Rule(
        _delete_snapshot,
        _snapshot,
        frozenset({"DeleteInstanceSnapshot"}),
        lambda p: f"whether snapshot {p['instanceSnapshotName']} still exists",
    ),
    "StartInstance": _Rule(
        _by_state(_RUNNING, frozenset({InstanceStateName.STOPPED})),
        _instance,
        frozenset({"StartInstance"}),
        lambda p: f"the state of instance {p['instanceName']} (get_instance_state)",
    ),
    "StopInstance": _Rule(
        _by_state(_STOPPED, frozenset({InstanceStateName.RUNNING})),
        _instance,
        frozenset({"StopInstance"}),
        lambda p: f"the state of instance {p['instanceName']} (get_instance_state)",
    ),
    "RebootInstance": _Rule(
        _reboot, _instance, frozenset({"RebootInstance"}), _check_operations("RebootInstance")
    ),
    "OpenInstancePublicPorts": _Rule(
        _open_ports,
        _instance,
        frozenset({"OpenInstancePublicPorts"}),
        lambda p: f"the ports of instance {p['instanceName']} (get_instance_port_states)",
    ),
    "CloseInstancePublicPorts": _Rule(
        _close_ports,
        _instance,
        frozenset({"CloseInstancePublicPorts"}),
        lambda p: f"the ports of instance {p['instanceName']} (get_instance_port_states)",
    ),
    "PutInstancePublicPorts": _Rule(
        _put_ports,
        _instance,
        frozenset({"PutInstancePublicPorts"}),
        lambda p: f"the ports of instance {p['instanceName']} (get_instance_port_states)",
    ),
}


def _not_older(operation: Operation, than: Operation) -> bool:
    """Whether ``operation`` started no earlier than ``than`` (a listing is oldest first)."""
    if operation.created_at is None or than.created_at is None:
        return operation.created_at is not None or than.created_at is None
    return operation.created_at >= than.created_at


async def _operations(reads: Reads, rule: _Rule, params: Params) -> list[Operation]:
    """The newest operation of the write's type for each of its resources, as listed."""
    found: list[Operation] = []
    for name in rule.resources(params):
        newest: Operation | None = None
        try:
            async for operation in reads.iter_operations_for_resource(name):
                ours = operation.operation_type in rule.types and operation.resource_name == name
                if ours and (newest is None or _not_older(operation, newest)):
                    newest = operation
        except NotFoundError:
            continue
        if newest is not None:
            found.append(newest)
    return found


# -- one write ---------------------------------------------------------------------------


def _uncertainty(
    uncertain: _botocore.UncertainWrite, op: ops.Op[Any], region: str | None
) -> Exception:
    """The failure that made a write uncertain, as the caller would have seen it."""
    failure = uncertain.failure
    translated = _botocore.translate(failure, operation=op.wire, region=region)
    if translated is None:
        return failure
    translated.__cause__ = failure
    return translated


async def send_once(
    reads: Reads,
    op: ops.Op[Any],
    params: Params,
    *,
    send: Callable[[_botocore.Sending], Awaitable[Mapping[str, Any]]],
    convert: Callable[[Mapping[str, Any], ops.Op[Any]], Awaitable[Any]],
    within: float | None,
    attempts: int,
    region: str | None,
) -> Any:
    """Send the write ``op`` and return its result, by the rule of the module.

    Args:
        reads: the client, for the reads that reconcile.
        op: the write.
        params: its wire parameters.
        send: one call of the write (retried by the transport for failures that
            say nothing was done; an uncertain attempt raises ``UncertainWrite``).
        convert: the answer to the result (a list of operations, or one).
        within: ``call_timeout``: the whole write, reads and re-sends included.
        attempts: the most times the write is sent.
        region: for the errors.

    Raises:
        WriteOutcomeUnknownError: no read could tell whether it took effect.
        LightsailError: the write failed (for certain), or a read showed it was
            not done and no attempt is left: the failure that made it uncertain.
    """
    rule = RULES[op.wire]
    resources = tuple(rule.resources(params))

    def unknown(seen: str) -> WriteOutcomeUnknownError:
        return WriteOutcomeUnknownError(
            f"{op.wire} may or may not have taken effect: {seen}",
            operation=op.wire,
            region=region,
            resources=resources,
            check=rule.check(params),
        )

    sending = _botocore.Sending()
    reconciling = False
    deadline = asyncio.timeout(within)
    try:
        async with deadline:
            cause: Exception = RuntimeError("no attempt")  # replaced by the first attempt
            for attempt in range(1, attempts + 1):
                try:
                    response = await send(sending)
                except _botocore.UncertainWrite as uncertain:
                    cause = _uncertainty(uncertain, op, region)
                else:
                    try:
                        return await convert(response, op)
                    except ResponseError as exc:  # a success the models could not read
                        cause = exc
                reconciling = True
                try:
                    verdict = await rule.judge(reads, params)
                except LightsailError as exc:
                    raise unknown(f"{cause}; the read that would tell failed: {exc}") from cause
                _log.debug(
                    "%s in %s was uncertain after send %d (%s): %s, %s",
                    op.wire,
                    region,
                    attempt,
                    type(cause).__name__,
                    verdict.outcome,
                    verdict.seen,
                )
                if verdict.outcome == "done":
                    found = await _operations(reads, rule, params)
                    if op.shape == "one":
                        if not found:
                            raise unknown(f"{verdict.seen}, but its operation is not listed")
                        return found[0]
                    return found
                if verdict.outcome == "unknown":
                    raise unknown(f"{cause}; {verdict.seen}") from cause
                reconciling = False
            raise cause  # not done, and no attempt left: the failure stands
    except TimeoutError as exc:
        if not deadline.expired():
            raise
        if sending.in_doubt or reconciling:
            raise unknown(f"call_timeout={within:g}s passed while a request was in doubt") from exc
        raise RequestTimeoutError(
            f"{op.wire} took longer than call_timeout={within:g}s "
            "(every attempt and backoff included)",
            operation=op.wire,
            region=region,
        ) from exc
