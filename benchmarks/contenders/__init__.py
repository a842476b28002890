"""The contenders: one small module per library, one class per way of using it.

Each class offers the same five moves, so that one workload runs unchanged
against all of them:

- ``open(target)``: a client for one (account, region), ready for calls;
- ``first_page(client)``: one ``GetInstances`` call; the number of items;
- ``items(client)``: every instance of the region, page after page;
- ``close(client)``;
- ``sweep(targets, concurrency=...)``: list every instance of every target,
  clients included, the way users of that library write a fan-out.

Blocking libraries (boto3) implement :class:`BlockingContender`; :class:`Blocking`
runs them unchanged under the same async workloads (their calls then hold
the loop, which is what they do in async programs, so no event-loop stall is
reported for them).

The registry maps a name to ``module:Class`` and imports lazily, so a
contender process imports only its own library.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar, Protocol

from benchmarks.harness import BenchTarget

__all__ = ["CONTENDERS", "Blocking", "BlockingContender", "Contender", "load"]


class Contender(Protocol):
    """An async way of listing Lightsail instances."""

    #: The blocking ones hold the event loop by nature: no stall figure for them.
    blocking: ClassVar[bool]

    async def open(self, target: BenchTarget) -> Any:
        """A client for ``target``, ready for calls."""

    async def first_page(self, client: Any) -> int:
        """One GetInstances call; how many items it returned."""

    def items(self, client: Any) -> AsyncIterator[Any]:
        """Every instance of the client's region, page after page."""

    async def close(self, client: Any) -> None:
        """Close ``client``."""

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """List every instance of every target, clients included; the number listed."""

    async def aclose(self) -> None:
        """Release what the contender shares between clients."""


class BlockingContender(Protocol):
    """A blocking way of listing Lightsail instances (the same moves, not awaitable)."""

    def open(self, target: BenchTarget) -> Any:
        """A client for ``target``."""

    def first_page(self, client: Any) -> int:
        """One GetInstances call; how many items it returned."""

    def items(self, client: Any) -> Iterator[Any]:
        """Every instance of the client's region."""

    def close(self, client: Any) -> None:
        """Close ``client``."""

    def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """List every instance of every target; the number listed."""


class Blocking:
    """Runs a :class:`BlockingContender` under the async workloads, on the loop's thread.

    The adapter adds one coroutine per call and one async-generator step per
    item (well under a microsecond, against hundreds for boto3's parsing).
    """

    blocking: ClassVar[bool] = True

    def __init__(self, inner: BlockingContender) -> None:
        self._inner = inner

    async def open(self, target: BenchTarget) -> Any:
        """See :class:`Contender`."""
        return self._inner.open(target)

    async def first_page(self, client: Any) -> int:
        """See :class:`Contender`."""
        return self._inner.first_page(client)

    async def items(self, client: Any) -> AsyncIterator[Any]:
        """See :class:`Contender`."""
        for item in self._inner.items(client):
            yield item

    async def close(self, client: Any) -> None:
        """See :class:`Contender`."""
        self._inner.close(client)

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """See :class:`Contender`."""
        return self._inner.sweep(targets, concurrency=concurrency)

    async def aclose(self) -> None:
        """See :class:`Contender`."""


#: name -> (module, class, one-line description for the report).
CONTENDERS: dict[str, tuple[str, str, str]] = {
    "aiolightsail": (
        "aiolightsail_",
        "Aiolightsail",
        "`LightsailClient.iter_instances` (attrs models); sweeps with `Fleet.iter_instances`",
    ),
    "aiolightsail+freeze": (
        "aiolightsail_",
        "AiolightsailFrozen",
        "the same after `gc.freeze()` at start-up, as the README advises services (sweeps only)",
    ),
    "aiolightsail+2ms": (
        "aiolightsail_",
        "AiolightsailBudget2ms",
        "the same with `set_cpu_budget(0.002)`: CPU-heavy steps share 2 ms per loop iteration "
        "(sweeps only)",
    ),
    "aiolightsail+10ms": (
        "aiolightsail_",
        "AiolightsailBudget10ms",
        "the same with `set_cpu_budget(0.010)`: 10 ms per loop iteration (sweeps only)",
    ),
    "aiolightsail+checkpoints": (
        "aiolightsail_",
        "AiolightsailCheckpoints",
        "the same with `set_cpu_budget(None)`: each CPU-heavy step yields once (sweeps only)",
    ),
    "aiolightsail+nogate": (
        "aiolightsail_",
        "AiolightsailNoGate",
        "the same with every `take_turn` swapped for a no-op: no yield at all (sweeps only)",
    ),
    "aiobotocore-fresh": (
        "aiobotocore_",
        "FreshSession",
        "a new `get_session()` per target, `get_paginator('get_instances')`, `asyncio.gather`",
    ),
    "aiobotocore-shared": (
        "aiobotocore_",
        "SharedSession",
        "one `AioSession`, a client per target, paginator, `asyncio.gather`",
    ),
    "boto3": (
        "boto3_",
        "Sequential",
        "one boto3 `Session`, a client per target, paginator, one target after another",
    ),
    "boto3-threads": (
        "boto3_",
        "Threaded",
        "a `ThreadPoolExecutor(16)`, a boto3 `Session` per thread, a client per target",
    ),
    "capo-lightsail": (
        "capo_",
        "Capo",
        "`AsyncLightsailClient.get_instances` looping `page_token` by hand, `asyncio.gather`",
    ),
}


def load(name: str) -> Contender:
    """Import and build the contender called ``name``."""
    module_name, class_name, _ = CONTENDERS[name]
    module = importlib.import_module(f"benchmarks.contenders.{module_name}")
    contender = getattr(module, class_name)()
    if getattr(contender, "blocking", False) and not isinstance(contender, Blocking):
        return Blocking(contender)
    return contender  # type: ignore[no-any-return]
