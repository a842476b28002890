"""Take turns at CPU-heavy steps, so that many concurrent tasks cannot stall the event loop.

asyncio runs every callback that is ready at the start of a loop iteration
before it looks at timers and sockets again. When 64 clients open at once,
each ``create_client`` runs ~5 ms of Python without a real suspension point,
all in one iteration: the loop stalled for 340 ms in our measurement, and a
chat bot's heartbeat or a web server's requests waited that long. The same
happens when many pages arrive together and are converted to models.

Steps that hold the gate run one per loop iteration: the holder releases the
gate with ``call_soon``, i.e. in the *next* iteration, so tasks that become
ready in the same iteration find it taken and queue (a plain ``asyncio.Lock``
released at once would let them all through back to back); each waiter then
runs after the loop has served timers and I/O again. The work is CPU-bound and
single-threaded anyway, so taking turns costs no throughput. An uncontended
gate is taken without suspending.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator

__all__ = ["cpu_turn", "take_turn"]

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


@contextlib.asynccontextmanager
async def cpu_turn() -> AsyncIterator[None]:
    """Hold the running loop's gate for a CPU-heavy step: ``async with cpu_turn(): ...``."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Lock()
    await gate.acquire()
    try:
        yield
    finally:
        loop.call_soon(gate.release)


async def take_turn() -> None:
    """Wait for the gate, for CPU work that runs until the caller's next real suspension.

    The gate stays taken until the next loop iteration, so the rest of the
    caller's step (building and signing a request, or parsing a response and
    building its models, ~1-2 ms a page) is the only such step in this
    iteration: when 45 answers land in one ``select``, the loop serves its
    timers between each, instead of running all 45 (~170 ms measured in the
    sweep benchmark) before anything else.
    """
    async with cpu_turn():
        pass
