"""``Fleet.act``: start, stop or reboot one instance and wait for its new state, on one deadline.

A bot's "reboot web-1" is four steps: find where ``web-1`` lives, send the
action, wait for the action's operations to end, wait for the instance to be
in the state the action leads to. Each step here takes what is left of one
``timeout``, so the bot gives one number and gets back the final
:class:`~aiolightsail.Instance` or one error:

* before anything is sent (finding the instance, opening its client): the
  lookup's own errors; ``WaitTimeoutError`` (``last`` ``None``) if the deadline
  passes, and nothing was sent;
* the action itself: the client's errors (a refused action is an
  ``APIError``, an uncertain one a ``WriteOutcomeUnknownError``); the
  deadline passing while its request may have left is a
  ``WriteOutcomeUnknownError`` too (``docs/reliability.md``, "Writes are done
  once"): the action may have been done, and is not sent again;
* the waits: ``WaitFailedError`` (the operation failed, the instance is going
  away) or ``WaitTimeoutError`` with ``last``, what was seen last.

The action methods of ``LightsailClient`` are unchanged: they send and
return the operations; this is built on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from aiolightsail import _validation as check
from aiolightsail._client import LightsailClient
from aiolightsail._enums import InstanceStateName
from aiolightsail._errors import (
    NotFoundError,
    ValidationError,
    WaitTimeoutError,
    WriteOutcomeUnknownError,
)
from aiolightsail._models import Instance, Operation
from aiolightsail._target import Target
from aiolightsail._waiters import Timer

if TYPE_CHECKING:
    from aiolightsail.fanout._fleet import Fleet

__all__ = ["ACTIONS", "act"]

_Send = Callable[[LightsailClient, str], Awaitable[list[Operation]]]

#: Each action: how it is sent, its wire operation, and the state it leads to.
ACTIONS: dict[str, tuple[_Send, str, InstanceStateName]] = {
    "start": (LightsailClient.start_instance, "StartInstance", InstanceStateName.RUNNING),
    "stop": (LightsailClient.stop_instance, "StopInstance", InstanceStateName.STOPPED),
    "reboot": (LightsailClient.reboot_instance, "RebootInstance", InstanceStateName.RUNNING),
}


async def _locate(fleet: Fleet, name: str) -> Target:
    """The one target that has an instance called ``name``."""
    found = await fleet.find_instances(name)
    if len(found) == 1:
        return found[0][0]
    if found:
        places = ", ".join(target.label for target, _ in found)
        raise ValidationError(
            "instance_name",
            f"names an instance in {len(found)} targets ({places}): pass target= one of them",
            name,
        )
    unsearched = ", ".join(failure.target.label for failure in found.failures)
    raise NotFoundError(
        f"no instance called {name} in the fleet's {len(fleet.targets)} targets"
        + (f" (could not search {unsearched})" if unsearched else ""),
        code="NotFoundException",
        operation="GetInstance",
    )


async def act(
    fleet: Fleet,
    action: str,
    instance_name: str,
    *,
    target: Target | None,
    timeout: float,  # noqa: ASYNC109 - see Fleet.act
    timer: Timer,
) -> Instance:
    """See :meth:`aiolightsail.Fleet.act`."""
    send, operation, wanted = ACTIONS[check.choice(action, "action", frozenset(ACTIONS))]
    name = check.resource_name(instance_name, "instance_name")
    limit = check.seconds(timeout, "timeout")
    if target is not None and target not in fleet.targets:
        raise ValidationError("target", "must be one of the fleet's targets", target)
    deadline = timer.now() + limit
    doing = f"{action} {name}"

    def left(last: Instance | Sequence[Operation] | None) -> float:
        remaining = deadline - timer.now()
        if remaining <= 0:
            raise WaitTimeoutError(f"{doing}: not done within {limit:g}s", last=last)
        return remaining

    # The timer may be a test's clock; each step is bounded in loop time too.
    bound = asyncio.timeout(left(None))
    try:
        async with bound:
            where = target if target is not None else await _locate(fleet, name)
            client = await fleet.client(where)
    except TimeoutError as exc:
        if not bound.expired():
            raise
        raise WaitTimeoutError(
            f"{doing}: not found within {limit:g}s; nothing was sent", last=None
        ) from exc
    bound = asyncio.timeout(left(None))
    try:
        async with bound:
            operations = await send(client, name)
    except TimeoutError as exc:
        if not bound.expired():
            raise
        raise WriteOutcomeUnknownError(
            f"{doing}: the deadline of {limit:g}s passed while the request was in flight, so "
            "it may have been done",
            operation=operation,
            region=where.region,
            resources=(name,),
            check=f"{name}'s state and its operations for a {operation} started after the call",
        ) from exc
    await client.wait_for_operations(operations, timeout=left(operations))
    return await client.wait_for_instance_state(name, wanted, timeout=left(operations))
