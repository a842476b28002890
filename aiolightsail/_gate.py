"""Take turns at CPU-heavy steps, so that many concurrent tasks cannot stall the event loop.

asyncio runs every callback that is ready at the start of a loop iteration
before it looks at timers and sockets again. When 64 clients open at once,
each ``create_client`` runs milliseconds of Python without a real suspension
point, all in one iteration: the loop stalled for 340 ms in our measurement,
and a chat bot's heartbeat or a web server's requests waited that long. The
same happens when many answers arrive together: in the 128-target sweep
benchmark, 45 of them landing in one ``select`` ran ~170 ms of parsing,
models and next requests before the loop served anything else.

So each such step starts with :func:`take_turn`. The steps of one loop
iteration share a budget of :data:`BUDGET` seconds: while it lasts, a step
goes ahead without suspending; after it, steps queue (first come, first
served) and the loop serves its timers and sockets before the next batch.
Each iteration lets as many waiters go as fitted the budget last time (a
batch stops early if a step overruns), so cheap steps still run many to an
iteration. An earlier version let exactly one step go per two iterations:
in a busy application, whose own callbacks take 5 ms of every iteration, a
128-target sweep then took 19 s; it takes 10.5 s with the budget, and 4.9 s
with no gate at all (which adds the sweep's steps to the application's
iterations instead). In the idle-loop sweep benchmark the longest gap is the
garbage collector's longest pause plus about 10 ms.

The work is CPU-bound and single-threaded anyway, so taking turns costs no
throughput, only order. The budget and the clock are module attributes so
that tests can set them.
"""

from __future__ import annotations

import asyncio
import collections
import time
import weakref

__all__ = ["BUDGET", "take_turn"]

#: Seconds of gated steps per loop iteration, before later steps wait for the next one:
#: about one page's parsing and models, a small part of any loop's latency target.
BUDGET = 0.002
_clock = time.perf_counter


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
        return now - self._since < BUDGET

    def _new_iteration(self) -> None:
        self._since = None

    def _tick(self) -> None:
        """Once per iteration while tasks wait: size the next batch from the last, let it go.

        The batch let go in the last iteration has just run (its wake-ups were
        queued before this callback), so the time since its first step is its cost.
        """
        if self._batch_steps and self._batch_start is not None:
            per_step = (_clock() - self._batch_start) / self._batch_steps
            fits = int(BUDGET / per_step) if per_step > 0 else self._size * 2
            self._size = max(1, min(fits, self._size * 2))
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
    """Wait, if this loop iteration's budget is spent, before a CPU-heavy step.

    The step is the caller's work until its next real suspension: building
    and signing a request, parsing an answer into models, building a client.
    """
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = _Turns(loop)
    await turns.take()
