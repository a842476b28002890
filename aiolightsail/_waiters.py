"""Waiting for operations, instance states, snapshots and deletions, by polling.

botocore has no waiters for Lightsail. These poll with ordinary requests
(each one validated, signed, retried and translated like any other call),
waiting between polls with a capped backoff: 1 s, 2 s, 4 s, 8 s, then every
15 s (Lightsail's transitions take tens of seconds; ``docs/bots.md``), or a
fixed ``interval``. The last poll happens at the deadline; a request still
unanswered at the deadline is cancelled.

Everything here awaits only requests and the :class:`Timer`'s ``sleep``, so
a waiter can be cancelled at any point and leaves nothing running. The timer
is the event loop's clock by default; a test (or the pytest plugin's
``lightsail_client``) gives the client the emulator's manual clock instead,
whose ``sleep`` moves emulated time, so waits need no wall-clock time.

This module needs the client only through :class:`Reads`, so that the client
can offer the waiters as its methods without an import cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Protocol, TypeVar

from aiolightsail import _logging
from aiolightsail import _validation as check
from aiolightsail._enums import (
    InstanceSnapshotState,
    InstanceStateName,
    OperationStatus,
    is_final_status,
)
from aiolightsail._errors import (
    NotFoundError,
    ResponseError,
    ValidationError,
    WaitFailedError,
    WaitTimeoutError,
)
from aiolightsail._models import Instance, InstanceSnapshot, Operation
from aiolightsail._repr import one_line

__all__ = [
    "LOOP_TIMER",
    "Reads",
    "Timer",
    "wait_for_instance_snapshot",
    "wait_for_instance_state",
    "wait_for_operations",
    "wait_for_public_ip",
    "wait_until_deleted",
]

#: What a poll sees: what ``WaitTimeoutError.last`` may hold.
T = TypeVar("T", bound="Instance | InstanceSnapshot | Sequence[Operation] | None")

_log = _logging.logger("aiolightsail.waiters")

#: The first wait between polls, and the longest, in seconds (``docs/bots.md``).
FIRST_DELAY = 1.0
MAX_DELAY = 15.0

#: States an instance does not come back from: waiting for any other state then fails.
_NO_RETURN = frozenset({InstanceStateName.SHUTTING_DOWN, InstanceStateName.TERMINATED})
_INSTANCE_STATES = frozenset(InstanceStateName)


class Timer(Protocol):
    """Where waiters and watches read the time and sleep: the event loop, or a test's clock."""

    def now(self) -> float:
        """The current time in seconds (only differences matter)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class _LoopTimer:
    """The running event loop's monotonic clock and :func:`asyncio.sleep`."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


#: The default timer.
LOOP_TIMER: Timer = _LoopTimer()


class Reads(Protocol):
    """The requests the waiters poll with (``LightsailClient`` provides them)."""

    async def get_operation(self, operation_id: str) -> Operation: ...

    async def get_instance(self, instance_name: str) -> Instance: ...

    async def get_instance_snapshot(self, instance_snapshot_name: str) -> InstanceSnapshot: ...


def _about(asked: str, answered: object, *, what: str, operation: str) -> None:
    """Refuse an answer about another resource than the one asked about.

    A waiter decides from what the answer says of a resource; an answer about
    another operation or instance (a broken proxy's cache, a hostile server)
    would make it report success for what it never saw, so the answer's own
    identity must be the one asked for.

    Raises:
        ResponseError: the answer names another resource, or none.
    """
    if answered != asked:
        shown = "none" if answered is None else repr(answered)
        raise ResponseError(
            f"asked about {what} {asked!r}, the answer is about {shown}", operation=operation
        )


def _delays(interval: float | None) -> Iterator[float]:
    delay = FIRST_DELAY if interval is None else interval
    while True:
        yield delay
        if interval is None:
            delay = min(delay * 2, MAX_DELAY)


def _status(last: object) -> str | None:
    """How the last thing seen stood (``Started``, ``stopping``), for a timeout's message."""
    if isinstance(last, Operation):
        return None if last.status is None else str(last.status)
    if isinstance(last, Instance):
        return None if last.state_name is None else str(last.state_name)
    if isinstance(last, InstanceSnapshot):
        return None if last.state is None else str(last.state)
    if isinstance(last, list) and last:
        statuses = [_status(item) for item in last if not _final(item)] or [_status(last[-1])]
        known = [status for status in dict.fromkeys(statuses) if status is not None]
        return " and ".join(known) or None
    return None


def _timed_out(
    what: str, limit: float, last: Instance | InstanceSnapshot | Sequence[Operation] | None
) -> WaitTimeoutError:
    status = _status(last)
    if status is not None:
        return WaitTimeoutError(f"{what}: still {status} after {limit:g} s", last=last)
    if last is None:
        return WaitTimeoutError(f"{what}: no answer within the timeout of {limit:g} s")
    return WaitTimeoutError(f"{what}: still not done after {limit:g} s", last=last)


async def poll(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    what: str,
    within: object,
    interval: object,
    timer: Timer,
    seen: T | None = None,
) -> T:
    """Call ``fetch`` until ``done(result)``; the result that was done.

    Args:
        fetch: one poll (one or a few requests).
        done: whether a result is what was waited for; may raise ``WaitFailedError``.
        what: what is waited for, for the timeout's message.
        within: the timeout: seconds in all, requests included.
        interval: seconds between polls; ``None`` for the capped backoff.
        timer: the clock and the sleep.
        seen: what is known before the first poll (the operations as started), if anything.

    Raises:
        WaitTimeoutError: ``timeout`` passed first; ``last`` is the last result, and the
            message says how it stood (``still Started after 2 s``).
        ValidationError: ``timeout`` or ``interval`` is not a finite number of seconds,
            more than 0 and at most a day (``_validation.seconds``).
    """
    limit = check.seconds(within, "timeout")
    delays = _delays(check.optional_seconds(interval, "interval"))
    deadline = timer.now() + limit
    last: T | None = seen
    polls = 0
    while True:
        # The timer may be a test's clock; the request is bounded in loop time too.
        bound = asyncio.timeout(max(deadline - timer.now(), 0.0))
        try:
            async with bound:
                result = await fetch()
        except TimeoutError as exc:
            if not bound.expired():
                raise
            raise _timed_out(what, limit, last) from exc
        polls += 1
        if done(result):
            _log.debug("waiting for %s: done at poll %d", what, polls)
            return result
        last = result
        remaining = deadline - timer.now()
        if remaining <= 0:
            raise _timed_out(what, limit, last)
        delay = min(next(delays), remaining)
        _log.debug(
            "waiting for %s: not yet at poll %d; next poll in %.3gs (%.3gs left)",
            what,
            polls,
            delay,
            remaining,
        )
        await timer.sleep(delay)


# -- operations ------------------------------------------------------------------------


def _final(operation: Operation) -> bool:
    return bool(operation.is_terminal) or is_final_status(operation.status)


#: A waiter error's ``str`` is one short line: the operation ids it names (the rest are
#: counted) and the characters of the service's error details it quotes (``last`` has all).
_NAMED_IDS = 2
_CODE_SHOWN = 60
_DETAILS_SHOWN = 80


def _operations_named(operations: Sequence[Operation]) -> str:
    ids = [str(o.id) for o in operations]
    if len(ids) <= _NAMED_IDS:
        return "operation" + ("s" if len(ids) > 1 else "") + " " + " and ".join(ids)
    return f"operations {', '.join(ids[:_NAMED_IDS])} and {len(ids) - _NAMED_IDS} more"


def _check_failed(operations: Sequence[Operation]) -> None:
    for operation in operations:
        if operation.status == OperationStatus.FAILED:
            code = one_line(operation.error_code or "no error code", _CODE_SHOWN)
            details = operation.error_details
            raise WaitFailedError(
                f"operation {operation.id} ({operation.operation_type} of "
                f"{operation.resource_name}) failed: {code}"
                + (f": {one_line(details, _DETAILS_SHOWN)}" if details else ""),
                last=operation,
            )


async def wait_for_operations(
    client: Reads,
    operations: Sequence[Operation],
    *,
    within: float,
    interval: float | None,
    timer: Timer,
) -> list[Operation]:
    """Poll each operation until every one is final; see ``LightsailClient.wait_for_operations``."""
    if isinstance(operations, Operation | str | bytes) or not isinstance(operations, Sequence):
        raise ValidationError("operations", "must be a list of Operation", operations)
    for index, operation in enumerate(operations):
        if not isinstance(operation, Operation):
            raise ValidationError(f"operations[{index}]", "must be an Operation", operation)
        check.string(operation.id, f"operations[{index}].id")
    current = list(operations)
    _check_failed(current)

    async def fetch() -> list[Operation]:
        for index, operation in enumerate(current):
            if not _final(operation):
                assert operation.id is not None  # noqa: S101 - checked above
                answered = await client.get_operation(operation.id)
                _about(operation.id, answered.id, what="operation", operation="GetOperation")
                current[index] = answered
        return list(current)

    def done(seen: list[Operation]) -> bool:
        _check_failed(seen)
        return all(map(_final, seen))

    if done(current):
        return current
    return await poll(
        fetch,
        done,
        what=_operations_named(current),
        within=within,
        interval=interval,
        timer=timer,
        seen=list(current),
    )


# -- instances and snapshots -------------------------------------------------------------


async def _wait_for_instance(
    client: Reads,
    instance_name: str,
    reached: Callable[[Instance], bool],
    *,
    goal: str,
    within: float,
    interval: float | None,
    timer: Timer,
) -> Instance:
    """Poll the instance until ``reached(instance)``; it fails once the instance is going away.

    ``goal`` completes "instance NAME to ..." and "... will not ...": ``be running``.
    """
    name = check.resource_name(instance_name, "instance_name")

    def done(instance: Instance) -> bool:
        if reached(instance):
            return True
        now = instance.state_name
        if now in _NO_RETURN:
            raise WaitFailedError(f"instance {name} is {now} and will not {goal}", last=instance)
        return False

    async def fetch() -> Instance:
        instance = await client.get_instance(name)
        _about(name, instance.name, what="instance", operation="GetInstance")
        return instance

    return await poll(
        fetch,
        done,
        what=f"instance {name} to {goal}",
        within=within,
        interval=interval,
        timer=timer,
    )


async def wait_for_instance_state(
    client: Reads,
    instance_name: str,
    state: str,
    *,
    within: float,
    interval: float | None,
    timer: Timer,
) -> Instance:
    """Poll the instance until its state is ``state``; see the client's method."""
    wanted = check.choice(state, "state", _INSTANCE_STATES)
    return await _wait_for_instance(
        client,
        instance_name,
        lambda instance: instance.state_name == wanted,
        goal=f"be {wanted}",
        within=within,
        interval=interval,
        timer=timer,
    )


async def wait_for_public_ip(
    client: Reads,
    instance_name: str,
    *,
    within: float,
    interval: float | None,
    timer: Timer,
) -> Instance:
    """Poll the instance until it has a public IPv4 address; see the client's method."""
    return await _wait_for_instance(
        client,
        instance_name,
        lambda instance: bool(instance.public_ip_address),
        goal="have a public IP",
        within=within,
        interval=interval,
        timer=timer,
    )


async def wait_for_instance_snapshot(
    client: Reads,
    instance_snapshot_name: str,
    *,
    within: float,
    interval: float | None,
    timer: Timer,
) -> InstanceSnapshot:
    """Poll the snapshot until it is available; see the client's method."""
    name = check.resource_name(instance_snapshot_name, "instance_snapshot_name")

    def done(snapshot: InstanceSnapshot) -> bool:
        if snapshot.state == InstanceSnapshotState.ERROR:
            raise WaitFailedError(f"instance snapshot {name} ended in error", last=snapshot)
        return snapshot.state == InstanceSnapshotState.AVAILABLE

    async def fetch() -> InstanceSnapshot:
        snapshot = await client.get_instance_snapshot(name)
        _about(name, snapshot.name, what="instance snapshot", operation="GetInstanceSnapshot")
        return snapshot

    return await poll(
        fetch,
        done,
        what=f"instance snapshot {name} to be available",
        within=within,
        interval=interval,
        timer=timer,
    )


async def wait_until_deleted(
    get: Callable[[str], Awaitable[T]],
    name: str,
    *,
    what: str,
    operation: str,
    within: float,
    interval: float | None,
    timer: Timer,
) -> None:
    """Poll ``get(name)`` (the wire ``operation``) until it raises ``NotFoundError``;
    see the client's methods."""

    async def fetch() -> T | None:
        try:
            found = await get(name)
        except NotFoundError:
            return None
        _about(name, getattr(found, "name", None), what=what, operation=operation)
        return found

    await poll(
        fetch,
        lambda found: found is None,
        what=f"{what} {name} to be deleted",
        within=within,
        interval=interval,
        timer=timer,
    )
