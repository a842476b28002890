"""``FleetStream``: one merged stream of ``(target, item)`` from many targets.

Concurrency is structured (``docs/design.md``, "Concurrency"): a stream runs
its workers in an :class:`asyncio.TaskGroup` inside one task its fleet owns;
the workers take the targets in order, at most ``concurrency`` at once, and
send pages into a bounded channel (``_channel``) that the group's owner
closes in a ``finally``, so the stream always ends, with every target's items
or its :class:`FleetFailure`. Leaving a stream early (``break``, an
exception, cancellation) cancels its group at once with ``async with``/
:meth:`FleetStream.aclose`, and in any case when the fleet closes.

Memory: a worker holds at most one page while the consumer is busy, and a
target that has not started holds nothing, so a stream's memory is about one
page per worker, however many targets and items there are.

Failures belong to the stream: a target that fails is recorded in that
stream's ``failures`` with its error and the page token to resume from, and
the others carry on; ``fail_fast=True`` cancels the rest and raises instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, Generic, Literal, TypeVar

from aiolightsail import _instrument
from aiolightsail._errors import LightsailError
from aiolightsail._target import Target
from aiolightsail.fanout._channel import Channel, ChannelClosed, ChannelReader, EndOfChannel, stop
from aiolightsail.fanout._failure import FleetFailure
from aiolightsail.fanout._scope import on_client_open

__all__ = ["FleetStream", "Produce", "Send", "run_workers"]

T = TypeVar("T")

#: Workers started at once; each that opens its target's client starts two more.
_FIRST = 16

#: What a producer sends to its stream: a target's items, or that it is done (and how).
_Event = tuple[Literal["items", "done"], Target, Any]
#: Sends one target's items to the consumer.
Send = Callable[[tuple[Any, ...]], Awaitable[None]]
#: A producer: sends a target's items; returns the target's failure or None.
Produce = Callable[[Target, Send], Awaitable[FleetFailure | None]]


async def run_workers(
    targets: Sequence[Target],
    workers: int,
    work: Callable[[Target], Coroutine[Any, Any, None]],
    *,
    prepare: Callable[[Target], Awaitable[None]] | None = None,
) -> None:
    """Run ``work(target)`` for every target, at most ``workers`` at once, in target order.

    A worker per slot, not a task per target: ten thousand targets cost as
    many tasks as the fleet's concurrency, and a target that has not started
    holds nothing. The first exception cancels the rest (a task group).

    ``prepare(first target)`` runs first: the process-wide set-up every client
    waits for (``Scope.prepare``). Then workers start as set-ups end (a slow
    start): :data:`_FIRST` at once, and two more each time one of them has
    opened its target's client (``Scope.client`` calls :data:`on_client_open`).
    Started all at once, every worker would build its client in the same loop
    iterations as the first targets' requests, and the first item would come
    after every client was built.
    """
    if prepare is not None and targets:
        await prepare(targets[0])
    remaining: Iterator[Target] = iter(targets)
    count = max(1, min(workers, len(targets)))
    started = 0

    async with asyncio.TaskGroup() as group:

        def grow(more: int) -> None:
            nonlocal started
            while more and started < count:
                try:
                    group.create_task(worker())
                except RuntimeError:  # the group is shutting down: start nothing
                    return
                started += 1
                more -= 1

        async def worker() -> None:
            on_client_open.set(lambda: grow(2))
            for target in remaining:
                await work(target)
                grow(2)  # a target done without opening a client makes room too

        grow(_FIRST)


class FleetStream(ChannelReader, Generic[T]):
    """A merged stream of ``(target, item)`` from every target, items as their pages arrive.

    Iterate it with ``async for``; it ends when every target has answered in
    full or failed. Leave it early and its tasks are cancelled: at once with
    ``async with`` or :meth:`aclose`, otherwise when the fleet closes.

    Attributes:
        failures: the targets that failed in this stream, in the order they failed.
        targets_total: how many targets the stream covers.
        targets_done: how many have finished (answered in full, or failed), for progress.
    """

    def __init__(
        self,
        targets: Sequence[Target],
        produce: Produce,
        *,
        concurrency: int,
        fail_fast: bool,
        dispatch: _instrument.Dispatch | None,
        start: Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]],
        require_open: Callable[[], object],
        prepare: Callable[[Target], Awaitable[None]] | None = None,
        expected: tuple[type[LightsailError], ...] = (),
    ) -> None:
        self._targets = targets
        self._produce = produce
        self._concurrency = concurrency
        self._fail_fast = fail_fast
        self._dispatch = dispatch
        self._start = start
        self._require_open = require_open
        self._prepare = prepare
        #: Failures that are answers, not incidents (a name not in a target): logged at DEBUG.
        self._expected = expected
        # Pages waiting for the consumer: each worker also holds at most one page
        # while it waits here, so a stream's memory is bounded by its workers.
        self._channel: Channel[_Event] = Channel(max(1, min(len(targets), concurrency)))
        self._runner: asyncio.Task[None] | None = None
        self._buffer: tuple[Any, ...] = ()
        self._buffer_target: Target | None = None
        self._index = 0
        self._closed = False
        self.failures: list[FleetFailure] = []
        self.targets_total = len(targets)
        self.targets_done = 0

    def __repr__(self) -> str:
        # Read with defaults: a half-built stream must describe itself too.
        closed, runner = getattr(self, "_closed", False), getattr(self, "_runner", None)
        state = "closed" if closed else "running" if runner else "new"
        return (
            f"<FleetStream {getattr(self, 'targets_done', 0)}/"
            f"{getattr(self, 'targets_total', '?')} targets done, "
            f"{len(getattr(self, 'failures', ()))} failed [{state}]>"
        )

    async def __anext__(self) -> tuple[Target, T]:
        if self._closed:
            raise StopAsyncIteration
        if self._runner is None:
            self._require_open()
            self._runner = self._start(self._run())
        while self._index >= len(self._buffer):
            self._buffer, self._index = (), 0  # a consumed page is not held while waiting
            try:
                kind, target, payload = await self._channel.receive()
            except EndOfChannel:
                await self.aclose()
                raise StopAsyncIteration from None
            except BaseException:
                # Cancelled, or the stream's own error (a bug, fail_fast): stop the rest first.
                await self.aclose()
                raise
            if kind == "items":
                self._buffer, self._buffer_target, self._index = payload, target, 0
            else:
                self.targets_done += 1
                if payload is not None:
                    self.failures.append(payload)
        item = self._buffer[self._index]
        self._index += 1
        assert self._buffer_target is not None  # noqa: S101 - set with the buffer
        return self._buffer_target, item

    async def aclose(self) -> None:
        """Cancel this stream's remaining work and wait for it to end. Idempotent."""
        self._closed = True
        self._buffer = ()
        await stop(self._runner)

    async def _run(self) -> None:
        """Run the workers; close the channel however they end.

        A bug (in a map function, or ours) or a fail_fast failure reaches the
        consumer as itself; the group has cancelled the other workers.
        """
        cancelled = (
            "the Fleet was closed while this stream was being read; its results are incomplete"
        )
        with self._channel.closing(cancelled):
            await run_workers(
                self._targets, self._concurrency, self._produce_one, prepare=self._prepare
            )

    async def _produce_one(self, target: Target) -> None:
        if self._channel.closed:
            return  # the consumer is gone: start nothing new
        run = _instrument.TargetRun(self._dispatch, label=target.label, region=target.region)

        async def send(items: tuple[Any, ...]) -> None:
            await self._channel.send(("items", target, items))
            run.items += len(items)

        try:
            failure = await self._produce(target, send)
        except ChannelClosed:
            run.cancelled()
            return  # the consumer is gone
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                run.interrupted(exc)
                raise  # the stream is ending: not this target's failure
            # A CancelledError from below that nobody asked for (a future that
            # someone else cancelled): this target failed; the stream goes on.
            failure = FleetFailure(
                target=target,
                error=LightsailError("the request was cancelled from outside the fleet"),
            )
        except BaseException as exc:
            run.interrupted(exc)
            raise
        if failure is None:
            run.finished()
        else:
            expected = isinstance(failure.error, self._expected)
            run.failed(failure.error, reported=not (self._fail_fast or expected))
        if failure is not None and self._fail_fast:
            self.failures.append(failure)
            raise failure.error
        try:
            await self._channel.send(("done", target, failure))
        except ChannelClosed:
            return
