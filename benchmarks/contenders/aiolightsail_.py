"""aiolightsail through its public API: ``LightsailClient`` and ``Fleet``."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator, Sequence
from typing import ClassVar

from aiolightsail import Fleet, Instance, LightsailClient, Target, _gate, set_cpu_budget
from benchmarks.harness import BenchTarget

__all__ = [
    "Aiolightsail",
    "AiolightsailBudget2ms",
    "AiolightsailBudget10ms",
    "AiolightsailCheckpoints",
    "AiolightsailFrozen",
    "AiolightsailNoGate",
]


class Aiolightsail:
    """Items are ``aiolightsail.Instance`` models (parsing into them is counted)."""

    blocking: ClassVar[bool] = False

    async def open(self, target: BenchTarget) -> LightsailClient:
        """See :class:`benchmarks.contenders.Contender`."""
        client = LightsailClient(
            target.region,
            aws_access_key_id=target.access_key_id,
            aws_secret_access_key=target.secret_access_key,
            endpoint_url=target.endpoint_url,
        )
        return await client.__aenter__()

    async def first_page(self, client: LightsailClient) -> int:
        """See :class:`benchmarks.contenders.Contender`."""
        return len((await client.get_instances()).items)

    def items(self, client: LightsailClient) -> AsyncIterator[Instance]:
        """See :class:`benchmarks.contenders.Contender`."""
        return client.iter_instances()

    async def close(self, client: LightsailClient) -> None:
        """See :class:`benchmarks.contenders.Contender`."""
        await client.aclose()

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """``Fleet(targets, concurrency=...).iter_instances()``; a failed target is an error."""
        return await self._sweep(targets, concurrency, None)

    async def keep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> list[Instance]:
        """:meth:`sweep`, keeping every instance listed (``benchmarks/held.py``)."""
        kept: list[Instance] = []
        await self._sweep(targets, concurrency, kept)
        return kept

    async def _sweep(
        self, targets: Sequence[BenchTarget], concurrency: int, kept: list[Instance] | None
    ) -> int:
        fleet_targets = [
            Target(
                t.region,
                aws_access_key_id=t.access_key_id,
                aws_secret_access_key=t.secret_access_key,
                endpoint_url=t.endpoint_url,
            )
            for t in targets
        ]
        count = 0
        async with Fleet(fleet_targets, concurrency=concurrency) as fleet:
            stream = fleet.iter_instances()
            async for _target, instance in stream:
                count += 1
                if kept is not None:
                    kept.append(instance)
            if stream.failures:
                raise RuntimeError(f"{len(stream.failures)} targets failed: {stream.failures[0]}")
        return count

    async def aclose(self) -> None:
        """Nothing shared to release: the process-wide session lives on."""


class AiolightsailFrozen(Aiolightsail):
    """The README's advice for services: ``gc.freeze()`` once start-up is done.

    The worker has imported everything when the sweep starts, so that is the
    moment; the sweep itself is unchanged. Full collections then skip the
    ~50,000 objects of the imported modules (aiobotocore and botocore alone).
    """

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """:meth:`Aiolightsail.sweep` after ``gc.freeze()``."""
        gc.freeze()
        try:
            return await super().sweep(targets, concurrency=concurrency)
        finally:
            gc.unfreeze()


class _Budgeted(Aiolightsail):
    """:class:`Aiolightsail` with another setting of ``set_cpu_budget``, made before the sweep."""

    budget: ClassVar[float | None]

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """:meth:`Aiolightsail.sweep` with ``set_cpu_budget(self.budget)``."""
        set_cpu_budget(self.budget)
        return await super().sweep(targets, concurrency=concurrency)


class AiolightsailBudget2ms(_Budgeted):
    """A 2 ms budget per loop iteration: ``set_cpu_budget(0.002)``."""

    budget = 0.002


class AiolightsailBudget10ms(_Budgeted):
    """A 10 ms budget per loop iteration: ``set_cpu_budget(0.010)``."""

    budget = 0.010


class AiolightsailCheckpoints(_Budgeted):
    """No budget: each CPU-heavy step yields once, ``set_cpu_budget(None)``."""

    budget = None


async def _no_turn() -> None:
    """A ``take_turn`` that returns at once, without suspending."""


class AiolightsailNoGate(Aiolightsail):
    """No gate at all: every ``take_turn`` the library calls returns at once.

    Not a setting of the library: the contender swaps ``take_turn`` for a
    no-op in every loaded ``aiolightsail`` module that imported it, so the
    steps run back to back as a library without the gate would run them.
    """

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """:meth:`Aiolightsail.sweep` with ``take_turn`` replaced by a no-op."""
        gated = _gate.take_turn
        callers = [
            module
            for name, module in list(sys.modules.items())
            if name.startswith("aiolightsail") and getattr(module, "take_turn", None) is gated
        ]
        if len(callers) < 2:  # _gate itself and at least one caller
            raise RuntimeError("no module of aiolightsail calls take_turn: nothing to switch off")
        for module in callers:
            module.take_turn = _no_turn  # type: ignore[attr-defined]
        try:
            return await super().sweep(targets, concurrency=concurrency)
        finally:
            for module in callers:
                module.take_turn = gated  # type: ignore[attr-defined]
