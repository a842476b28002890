"""Take turns at CPU-heavy steps, so that many concurrent tasks do not stall the event loop.

asyncio runs every callback that is ready at the start of a loop iteration
before it looks at timers and sockets again, so many tasks whose CPU-heavy
steps become ready together would otherwise hold the loop for the sum of
those steps. Each such step of the library (building a client, building and
signing a request, parsing an answer into models) starts with
:func:`take_turn`, which works in one of two ways, chosen process-wide with
:func:`set_cpu_budget`:

- **a budget** (by default :data:`DEFAULT_BUDGET` seconds): the steps of one
  loop iteration share it. While it lasts, a step goes ahead without
  suspending; after it, steps queue, first come first served, and the loop
  serves its timers and sockets before the next batch. A batch is as many
  waiters as fitted the budget in the last one, and it stops early when a
  step overruns; a step costing more than the whole budget still runs, alone.
- **checkpoints** (``set_cpu_budget(None)``): each step yields to the loop
  once, and nothing more.

A change of setting applies from the next step on, on every event loop;
steps already waiting are let go as the new setting allows. The clock is a
module attribute so that tests can drive it.
"""

from __future__ import annotations

import asyncio
import collections
import time
import weakref

from aiolightsail import _validation as check

__all__ = ["DEFAULT_BUDGET", "get_cpu_budget", "set_cpu_budget", "take_turn"]

#: Seconds of CPU-heavy steps per loop iteration by default: a few pages' parsing
#: and models. Chosen with the ``sweep`` and ``sweep_busy`` benchmarks: a smaller
#: budget does not shorten the longest loop gap of an idle loop, and makes a sweep
#: beside a busy application much slower; a larger one lengthens that gap.
DEFAULT_BUDGET = 0.005

_budget: float | None = DEFAULT_BUDGET
_clock = time.perf_counter


def get_cpu_budget() -> float | None:
    """Return the current setting of :func:`set_cpu_budget`.

    Returns:
        The budget in seconds, or ``None`` when steps only yield once.
    """
    return _budget


def set_cpu_budget(seconds: float | None) -> None:
    """Choose how the library's CPU-heavy steps share the event loop, process-wide.

    Building a client, building and signing a request, and parsing an answer
    into models each take milliseconds of CPU. With a budget, the steps of
    one event-loop iteration share ``seconds`` of CPU, and later steps wait
    for a later iteration, so that timers and sockets are served in between.
    A larger budget finishes a fan-out sooner on a loop that is busy with
    other work; a smaller one keeps each loop iteration shorter.

    Args:
        seconds: the budget per loop iteration, in seconds (0.005 unless
            set); ``None`` or ``0``: no budget, each step yields to the event
            loop once and then runs.

    Raises:
        ValidationError: ``seconds`` is neither ``None`` nor a finite number
            ``>= 0`` (bools are refused).
    """
    global _budget
    _budget = None if seconds is None else (check.duration(seconds, "seconds") or None)


class _Turns:
    """One event loop's budget and queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._since: float | None = None  # when this iteration's first step began
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._requeued: list[asyncio.Future[None]] = []  # let go, but over the budget
        self._size = 1  # how many waiters the next batch lets go
        self._batch_start: float | None = None  # when the current batch's first step began
        self._batch_steps = 0  # steps the current batch has run
        self._ticking = False

    async def take(self) -> None:
        if not self._waiters and not self._requeued and self._within_budget():
            return
        requeued = False
        while True:
            future: asyncio.Future[None] = self._loop.create_future()
            # Let go, but the batch's budget was spent: first in line for the next one.
            (self._requeued if requeued else self._waiters).append(future)
            if not self._ticking:
                self._ticking = True
                self._loop.call_soon(self._tick)
            try:
                await future
            except asyncio.CancelledError:
                queue = self._requeued if requeued else self._waiters
                if future in queue:  # not let go yet: leave the line
                    queue.remove(future)
                raise
            if self._batch_start is None:
                self._batch_start = _clock()
            # The iteration's one budget, shared with steps that found the gate free;
            # a batch's first step always goes, so the line always moves.
            if self._within_budget() or not self._batch_steps:
                self._batch_steps += 1
                return
            requeued = True

    def _within_budget(self) -> bool:
        """Whether this iteration's steps so far leave budget (the first one starts the count)."""
        now = _clock()
        if self._since is None:
            self._since = now
            self._loop.call_soon(self._new_iteration)
            return True
        return _budget is None or now - self._since < _budget

    def _new_iteration(self) -> None:
        self._since = None

    def _tick(self) -> None:
        """Once per iteration while tasks wait: size the next batch from the last, let it go.

        The batch let go in the last iteration has just run (its wake-ups were
        queued before this callback), so the time since its first step is its cost.
        """
        if self._batch_steps and self._batch_start is not None:
            per_step = (_clock() - self._batch_start) / self._batch_steps
            size = self._size * 2
            if _budget is not None and per_step > 0:
                size = min(size, int(_budget / per_step))
            self._size = max(1, size)
        self._batch_start, self._batch_steps = None, 0
        self._waiters.extendleft(reversed(self._requeued))
        self._requeued.clear()
        let_go = 0
        while self._waiters and let_go < self._size:
            future = self._waiters.popleft()
            if not future.done():  # a cancelled waiter is skipped
                future.set_result(None)
                let_go += 1
        if let_go:
            self._loop.call_soon(self._tick)
        else:
            self._ticking = False


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = weakref.WeakKeyDictionary()


async def take_turn() -> None:
    """Wait, if the event loop should serve other work first, before a CPU-heavy step.

    The step is the caller's work until its next real suspension: building
    and signing a request, parsing an answer into models, building a client.
    With a budget, this returns at once while the loop iteration's budget
    lasts; without one (:func:`set_cpu_budget` ``(None)``), it yields once.
    """
    if _budget is None:
        await asyncio.sleep(0)
        return
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = _Turns(loop)
    await turns.take()
