"""``fleet.watch_instances()``: a feed of what changed in every target's instances.

A watch sweeps every target (one listing each, concurrently, as a fleet
stream does), compares each target's listing with its previous one, and
yields an :class:`InstanceChange` per instance added, removed or changed.
The first sweep yields ``"added"`` for everything present, so a consumer can
build its whole view from the feed.

Structure, as for fleet streams (``_stream``): the sweeps run in one task the
fleet owns, each sweep a task group of workers (at most the fleet's
concurrency) that take the targets in order; changes go through a bounded
:class:`~aiolightsail.fanout._channel.Channel` that the task closes in a
``finally``. So:

* **sweeps never overlap**: the next one starts when the previous one has
  ended, ``interval`` seconds after it started (at once if it took longer),
  and only once the consumer has taken every change and asks for more;
* **memory is bounded**: a slow consumer holds up the sweep (workers wait
  on the full channel) instead of buffering sweeps; the view holds, per
  target that has instances, its last listing keyed by ARN (what the next
  diff needs, and nothing for a target without instances);
* **leaving starts nothing new**: a consumer that stops asking (``break``)
  gets no further sweep; ``async with`` / :meth:`InstanceWatch.aclose` also
  cancels the sweep in flight, and closing the fleet cancels everything;
* **a failing target keeps its view**: a target whose listing fails, even
  after some pages, yields nothing for that sweep (no false ``"removed"``)
  and is reported in :attr:`InstanceWatch.failures`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import sys
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, Generic, Literal, cast

import attrs

from aiolightsail import _logging
from aiolightsail._models import Instance
from aiolightsail._repr import SafeRepr, one_line
from aiolightsail._target import Target
from aiolightsail._waiters import Timer
from aiolightsail.fanout._channel import Channel, ChannelClosed, ChannelReader, EndOfChannel, stop
from aiolightsail.fanout._failure import FleetFailure
from aiolightsail.fanout._stream import run_workers

if sys.version_info >= (3, 13):
    from typing import TypeVar
else:  # a TypeVar's default (PEP 696) is 3.13's
    from typing_extensions import TypeVar

__all__ = ["InstanceChange", "InstanceWatch", "ListTarget", "TargetHealthChange", "diff"]

_log = _logging.logger("aiolightsail.watch")

#: How many failures a watch remembers (oldest dropped): a watch runs for months.
MAX_FAILURES = 1000

ChangeKind = Literal["added", "removed", "changed"]
_FIELDS = Instance.__struct_fields__
#: Where each attribute of Instance stands: a change's ``str`` names them in this order.
_ORDER = {name: index for index, name in enumerate(_FIELDS)}
#: The view of a target without instances.
_NONE: Mapping[str, Instance] = {}


@attrs.frozen(kw_only=True)
class InstanceChange(SafeRepr):
    """One instance of one target that appeared, disappeared or changed between two sweeps.

    Attributes:
        target: where the instance is.
        kind: ``"added"``, ``"removed"`` or ``"changed"``.
        before: the instance as the previous sweep saw it (``None`` when added).
        after: the instance as this sweep saw it (``None`` when removed).
        changed: for ``"changed"``, the names of the :class:`~aiolightsail.Instance`
            attributes that differ (``{"state"}``, ``{"networking"}``...); empty otherwise.
        sweep: the sweep that saw it, from 1 (the first sweep's changes are
            the inventory as it stood: every instance ``"added"``).
    """

    target: Target
    kind: ChangeKind
    before: Instance | None
    after: Instance | None
    changed: frozenset[str] = frozenset()
    sweep: int = 1

    @property
    def instance(self) -> Instance:
        """The instance as last seen: ``after``, or ``before`` when removed."""
        instance = self.after if self.after is not None else self.before
        assert instance is not None  # noqa: S101 - one of them is always set
        return instance

    def __str__(self) -> str:
        """One line a bot can post as it is.

        ``web-1 (prod/eu-west-1) appeared, running``, ``web-1 (prod/eu-west-1)
        is gone (was stopped)``, ``web-1 (prod/eu-west-1): state running →
        stopped; public_ip_address 3.250.1.7 → none``: each changed attribute
        by name, with its old and new values when they are short scalars.
        """
        head = f"{_shown(self.instance.name)} ({self.target.label})"
        if self.kind == "added":
            return f"{head} appeared, {_shown(self.instance.state_name)}"
        if self.kind == "removed":
            return f"{head} is gone (was {_shown(self.instance.state_name)})"
        parts = []
        for name in sorted(self.changed, key=lambda name: _ORDER.get(name, len(_ORDER))):
            if name in _VALUES_SHOWN:
                old, new = (_shown(_value(i, name)) for i in (self.before, self.after))
                parts.append(f"{name} {old} → {new}")
            else:
                parts.append(f"{name} changed")
        return f"{head}: {'; '.join(parts)}"


@attrs.frozen(kw_only=True)
class TargetHealthChange(SafeRepr):
    """A target of a watch started failing, or answers again (``watch_instances(health=True)``).

    A target that fails sweep after sweep is reported once, when it starts;
    ``"recovered"`` when a later sweep lists it again.

    Attributes:
        target: the target.
        kind: ``"failing"`` or ``"recovered"``.
        failure: for ``"failing"``, the sweep's :class:`~aiolightsail.FleetFailure`
            (its ``error`` says why); ``None`` for ``"recovered"``.
        sweep: the sweep that saw it, from 1.
    """

    target: Target
    kind: Literal["failing", "recovered"]
    failure: FleetFailure | None = None
    sweep: int = 1

    def __str__(self) -> str:
        """One line a bot can post as it is: ``prod/eu-west-1 is failing: ThrottledError: …``
        or ``prod/eu-west-1 answers again``."""
        if self.failure is None:
            return f"{self.target.label} answers again"
        error = self.failure.error
        return f"{self.target.label} is failing: {type(error).__name__}: {_shown(str(error))}"


#: Characters of one value that a change's ``str`` keeps (the change holds them whole).
_VALUE_SHOWN = 80
#: The attributes whose old and new values a change's ``str`` shows (``state`` by its
#: name); the others, nested structures, are named only.
_VALUES_SHOWN = frozenset(
    {
        "state",
        "public_ip_address",
        "private_ip_address",
        "ipv6_addresses",
        "is_static_ip",
        "ip_address_type",
        "blueprint_id",
        "bundle_id",
        "ssh_key_name",
        "username",
    }
)


def _value(instance: Instance | None, name: str) -> object:
    if instance is None:
        return None
    return instance.state_name if name == "state" else getattr(instance, name)


def _shown(value: object) -> str:
    if value is None or value == ():
        return "none"
    if isinstance(value, tuple):
        value = ", ".join(map(str, value))
    return one_line(str(value), _VALUE_SHOWN)


#: Either kind of event of a watch.
WatchEvent = InstanceChange | TargetHealthChange
#: What a watch yields: instance changes, and target health changes when asked for.
E = TypeVar("E", default=InstanceChange)


def _key(instance: Instance) -> str:
    # An instance deleted and recreated under its name between two sweeps has
    # a new ARN: it is removed and added, not changed.
    return instance.arn or f"name:{instance.name}"


def diff(
    target: Target,
    before: Mapping[str, Instance],
    after: Mapping[str, Instance],
    *,
    sweep: int = 1,
) -> list[InstanceChange]:
    """The changes from one view of a target to the next (views keyed by ARN).

    Args:
        target: the target both views are of.
        before: the previous view.
        after: the new view.
        sweep: the number of the sweep that made ``after``.

    Returns:
        Removed instances first, then added and changed ones in the new view's order.
    """
    changes = [
        InstanceChange(target=target, kind="removed", before=old, after=None, sweep=sweep)
        for key, old in before.items()
        if key not in after
    ]
    for key, new in after.items():
        old = before.get(key)
        if old is None:
            changes.append(
                InstanceChange(target=target, kind="added", before=None, after=new, sweep=sweep)
            )
        elif old != new:
            fields = frozenset(f for f in _FIELDS if getattr(old, f) != getattr(new, f))
            changes.append(
                InstanceChange(
                    target=target,
                    kind="changed",
                    before=old,
                    after=new,
                    changed=fields,
                    sweep=sweep,
                )
            )
    return changes


#: Lists a target's instances in full, or says why it could not.
ListTarget = Callable[[Target], Awaitable[tuple[Instance, ...] | FleetFailure]]


class InstanceWatch(ChannelReader, Generic[E]):
    """An async iterator of :class:`InstanceChange`, sweep after sweep (``fleet.watch_instances``).

    Use it with ``async with`` so that leaving the loop also cancels the sweep in flight::

        async with fleet.watch_instances(interval=60) as watch:
            async for change in watch:
                print(change.kind, change.target.label, change.instance.name)

    Made with ``health=True``, it also yields a :class:`TargetHealthChange`
    when a target starts failing and when it answers again (its type is then
    ``InstanceWatch[InstanceChange | TargetHealthChange]``); ``str()`` of
    either kind of event is a line to post as it is.

    Attributes:
        sweeps: how many sweeps have ended.
        failures: the failures of the targets whose listing failed, oldest first
            (the last 1,000), each a :class:`~aiolightsail.FleetFailure`.
        failing: per target, its failure in the last sweep that reached it;
            a target leaves it when a later sweep lists it.
    """

    def __init__(
        self,
        *,
        targets: Sequence[Target],
        interval: float,
        max_sweeps: int | None,
        list_target: ListTarget,
        start: Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]],
        require_open: Callable[[], object],
        timer: Timer,
        concurrency: int,
        fail_fast: bool,
        prepare: Callable[[Target], Awaitable[None]] | None = None,
        health: bool = False,
    ) -> None:
        self._targets = targets
        self._health = health
        self._interval = interval
        self._max_sweeps = max_sweeps
        self._list_target = list_target
        self._start = start
        self._require_open = require_open
        self._timer = timer
        self._fail_fast = fail_fast
        # Batches of one target's changes; producers wait while it is full.
        self._concurrency = concurrency
        self._prepare = prepare
        self._channel: Channel[tuple[WatchEvent, ...]] = Channel(
            max(1, min(len(targets), concurrency))
        )
        # Per target with instances, its last listing by key (``_key``); no entry: none.
        self._views: dict[Target, dict[str, Instance]] = {}
        self._wanting = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._buffer: tuple[WatchEvent, ...] = ()
        self._index = 0
        self._closed = False
        self.sweeps = 0
        self.failures: collections.deque[FleetFailure] = collections.deque(maxlen=MAX_FAILURES)
        self.failing: dict[Target, FleetFailure] = {}

    def __repr__(self) -> str:
        # Read with defaults: a half-built watch must describe itself too.
        closed, runner = getattr(self, "_closed", False), getattr(self, "_runner", None)
        state = "closed" if closed else "running" if runner else "new"
        return (
            f"<InstanceWatch {len(getattr(self, '_targets', ()))} targets, "
            f"{getattr(self, 'sweeps', 0)} sweeps, "
            f"{len(getattr(self, 'failing', {}))} failing [{state}]>"
        )

    async def __anext__(self) -> E:
        if self._closed:
            raise StopAsyncIteration
        if self._runner is None:
            self._require_open()
            self._runner = self._start(self._run())
        while self._index >= len(self._buffer):
            self._buffer, self._index = (), 0
            if not len(self._channel):
                self._wanting.set()  # everything sent has been taken: a new sweep may start
            try:
                batch = await self._channel.receive()
            except EndOfChannel:
                await self.aclose()
                raise StopAsyncIteration from None
            except BaseException:
                await self.aclose()
                raise
            finally:
                self._wanting.clear()
            self._buffer = batch
        change = self._buffer[self._index]
        self._index += 1
        # A TargetHealthChange is only ever sent to a watch made with health=True, whose E
        # includes it.
        return cast("E", change)

    async def aclose(self) -> None:
        """Cancel the sweep in flight and start no other. Idempotent."""
        self._closed = True
        self._buffer = ()
        await stop(self._runner)

    async def _run(self) -> None:
        """Sweep until ``max_sweeps``; close the channel however it ends.

        A bug, or a fail_fast failure, reaches the consumer as itself.
        """
        with self._channel.closing("the watch was closed while it was being read"):
            while self._max_sweeps is None or self.sweeps < self._max_sweeps:
                started = self._timer.now()
                await run_workers(
                    self._targets,
                    self._concurrency,
                    functools.partial(self._sweep, sweep=self.sweeps + 1),
                    prepare=self._prepare,
                )
                self.sweeps += 1
                _log.debug(
                    "sweep %d of %d targets ended in %.3fs, %d failing",
                    self.sweeps,
                    len(self._targets),
                    self._timer.now() - started,
                    len(self.failing),
                )
                if self._max_sweeps is not None and self.sweeps >= self._max_sweeps:
                    break
                await self._timer.sleep(max(0.0, started + self._interval - self._timer.now()))
                await self._wanting.wait()

    async def _sweep(self, target: Target, sweep: int) -> None:
        """List one target; send its changes, or record its failure and keep its view."""
        listed = await self._list_target(target)
        if not isinstance(listed, tuple):  # the target's FleetFailure
            self.failures.append(listed)
            started_failing = target not in self.failing
            self.failing[target] = listed
            if self._fail_fast:
                raise listed.error
            if self._health and started_failing:
                await self._send(
                    TargetHealthChange(target=target, kind="failing", failure=listed, sweep=sweep)
                )
            return
        events: list[WatchEvent] = []
        if self.failing.pop(target, None) is not None and self._health:
            events.append(TargetHealthChange(target=target, kind="recovered", sweep=sweep))
        view = {_key(instance): instance for instance in listed}
        del listed
        events += diff(target, self._views.get(target, _NONE), view, sweep=sweep)
        if view:
            self._views[target] = view
        else:
            self._views.pop(target, None)
        if events:
            await self._send(*events)

    async def _send(self, *events: WatchEvent) -> None:
        """Hand one target's events of a sweep to the consumer (dropped once it has left)."""
        with contextlib.suppress(ChannelClosed):
            await self._channel.send(events)
