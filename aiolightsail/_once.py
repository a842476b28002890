"""Run blocking set-up work once, in a thread, however many tasks ask for it at once.

Shared set-up (reading the AWS config files and the service model, building an
SSL context) is asked for by every client that opens; when many open together,
each would start the same blocking work in its own thread, and the threads
fight over the GIL while the event loop stalls (``docs/design.md``, "Shared
set-up"). So the first caller starts the work and every caller, the first
included, waits for its result.

The work belongs to none of its callers: it runs in a thread of its own and
publishes its outcome on a :class:`concurrent.futures.Future`. A caller that
is cancelled, or whose timeout expires, stops waiting; the work goes on, and
the other callers, on this event loop or another, still get its result. One
caller's cancellation never reaches another.

:class:`SharedTasks` is the same contract for work that is a coroutine (an
STS request, an endpoint resolution): one task per key, owned by no caller,
awaited by each through :func:`asyncio.shield`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["SharedTasks", "forget", "run_once"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

_lock = threading.Lock()
_results: dict[Hashable, concurrent.futures.Future[Any]] = {}


def _run(key: Hashable, future: concurrent.futures.Future[Any], work: Callable[[], Any]) -> None:
    try:
        result = work()
    except BaseException as exc:  # noqa: BLE001 - handed to every waiter, raised there
        with _lock:  # a failure is not kept: the next caller tries again
            if _results.get(key) is future:
                del _results[key]
        future.set_exception(exc)
    else:
        future.set_result(result)


async def run_once(key: Hashable, work: Callable[[], T]) -> T:
    """Run ``work()`` in a thread the first time ``key`` is asked for; return its result.

    Concurrent callers of the same key share one run. A failure is not kept:
    the next caller runs the work again. Cancelling a caller cancels only its
    wait.

    Raises:
        Whatever ``work()`` raised.
    """
    with _lock:
        future = _results.get(key)
        if future is None:
            future = _results[key] = concurrent.futures.Future()
            thread = threading.Thread(
                target=_run, args=(key, future, work), name="aiolightsail-set-up", daemon=True
            )
            thread.start()
    if future.done():
        result: T = future.result()
        return result
    return await _wait(future)


async def _wait(future: concurrent.futures.Future[T]) -> T:
    """Await a thread's future without ever cancelling it (unlike :func:`asyncio.wrap_future`)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[T] = loop.create_future()

    def copy(done: concurrent.futures.Future[T]) -> None:
        if waiter.done():  # this caller stopped waiting
            return
        if (exc := done.exception()) is not None:
            waiter.set_exception(exc)
        else:
            waiter.set_result(done.result())

    def wake(done: concurrent.futures.Future[T]) -> None:
        # From the worker thread; a loop closed since has no one left to wake.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(copy, done)

    future.add_done_callback(wake)
    return await waiter


def forget(key: Hashable) -> None:
    """Drop a kept result, so the next ``run_once(key, ...)`` runs the work again."""
    with _lock:
        _results.pop(key, None)


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a shared task's failure as seen: its waiters may all have left at their deadlines.

    The next caller asks again; a failure nobody waits for is not an error to log.
    """
    if not task.cancelled():
        task.exception()


class SharedTasks(Generic[K, T]):
    """One task per key, shared by every caller that asks for the key while it runs.

    The task belongs to no caller: a caller that is cancelled stops only its
    own wait, and the others still get the result. A failed or cancelled task
    is not kept: the next caller starts the work again.

    Args:
        keep: keep a task that succeeded, so later callers get its result
            without new work; otherwise it is dropped when it ends.
        start: how a task is started (default: on the running loop); an
            owner that must cancel its tasks on close passes its own.
    """

    def __init__(
        self,
        *,
        keep: bool,
        start: Callable[[Coroutine[Any, Any, T]], asyncio.Task[T]] | None = None,
    ) -> None:
        self._keep = keep
        self._start = start
        self._tasks: dict[K, asyncio.Task[T]] = {}

    def __len__(self) -> int:
        """How many tasks are held (running, or kept)."""
        return len(self._tasks)

    async def get(self, key: K, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of ``work()`` for ``key``: from the task under way or kept, or a new one.

        Raises:
            Whatever ``work()`` raised; ``CancelledError`` when this caller is cancelled.
        """
        task = self._tasks.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            coro = work()
            task = self._start(coro) if self._start is not None else asyncio.create_task(coro)
            task.add_done_callback(_retrieved)
            self._tasks[key] = task
            if not self._keep:
                task.add_done_callback(lambda done: self._drop(key, done))
        return await asyncio.shield(task)

    def _drop(self, key: K, task: asyncio.Task[T]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
