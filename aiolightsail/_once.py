"""Run blocking set-up work once, in a thread, however many tasks ask for it at once.

Without this, 64 clients opening together each start the same blocking work
(reading the AWS config and service model, building an SSL context) in 64
threads; the threads fight over the GIL and the event loop stalls for hundreds
of milliseconds (measured: 352 ms with 64 clients). The first caller runs the
work; the others await its result. The result is shared across event loops
(a ``concurrent.futures.Future`` can be awaited from any loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["run_once"]

T = TypeVar("T")

_lock = threading.Lock()
_results: dict[Hashable, concurrent.futures.Future[Any]] = {}


async def run_once(key: Hashable, work: Callable[[], T]) -> T:
    """Run ``work()`` in a thread the first time ``key`` is asked for; return its result.

    A failure is not cached: the next caller tries again.
    """
    with _lock:
        future = _results.get(key)
        owner = future is None
        if future is None:
            future = _results[key] = concurrent.futures.Future()
    if owner:
        try:
            future.set_result(await asyncio.to_thread(work))
        except BaseException as exc:
            with _lock:
                _results.pop(key, None)
            future.set_exception(exc)
            raise
    result: T = await asyncio.wrap_future(future)
    return result


def forget(key: Hashable) -> None:
    """Drop a cached result, so the next ``run_once(key, ...)`` runs the work again."""
    with _lock:
        _results.pop(key, None)
