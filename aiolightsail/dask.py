"""Sweeps sharded over a Dask distributed cluster (the ``[dask]`` extra).

::

    from dask.distributed import Client, LocalCluster
    from aiolightsail.dask import sweep

    with LocalCluster(n_workers=2) as cluster, Client(cluster) as client:
        result = sweep(targets, "instances", client=client, shards=8, concurrency=64)
    result.items        # [(Target, Instance)], in target order
    result.failures     # [FleetFailure], the library's own error classes
    result.to_arrow()   # a pyarrow.Table, one row per item

The targets are cut into shards that keep each credential source (a profile,
a role, a pair of static keys) whole, so each role is assumed in one worker
and the driver makes no request at all; within that, shards balance their
number of targets. Each shard is one Dask task: an ordinary
:class:`~aiolightsail.Fleet` over its targets, whose items and failures come
back as the task's one result. A task that Dask re-runs (its worker died)
still delivers one result, so nothing is counted twice; a shard that cannot
finish at all comes back as a :class:`ShardError` failure for each of its
targets, so no target is missing either.

Credentials travel by reference: profiles, roles and the default chain are
resolved on the workers (``docs/guides/beyond-one-process.md`` says how to give
workers credentials). A target with static keys is sent only if it was built
with ``pickle_secrets=True``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, Unpack

import attrs
import distributed

from aiolightsail import _validation as check
from aiolightsail._errors import LightsailError, ValidationError
from aiolightsail._models import to_dict
from aiolightsail._repr import SafeRepr
from aiolightsail._target import Target
from aiolightsail.fanout import Fleet, FleetFailure, FleetStream
from aiolightsail.fanout._fleet import _FleetOptions

if TYPE_CHECKING:
    import pyarrow

__all__ = ["Listing", "ShardError", "SweepResult", "shard", "sweep", "sweep_async"]

#: What a sweep lists: the fleet's listing of the same name (``iter_instances``...).
Listing = Literal["instances", "instance_snapshots", "blueprints"]
_LISTINGS: frozenset[str] = frozenset({"instances", "instance_snapshots", "blueprints"})
#: The target columns of :meth:`SweepResult.to_arrow`, before the item's own members.
_TARGET_COLUMNS = ("target", "target_account", "target_region")


class ShardError(LightsailError):
    """The shard that held this target could not finish (its worker died, or Dask gave up on it).

    ``__cause__`` is what Dask reported (``KilledWorker``, a cancellation, an
    exception on the worker).

    Attributes:
        shard: the shard's index.
    """

    def __init__(self, message: str, *, shard: int) -> None:
        self.shard = shard
        super().__init__(message)


@attrs.frozen(kw_only=True)
class SweepResult(SafeRepr):
    """What a sharded sweep found.

    Attributes:
        items: ``(target, item)`` pairs, in the order of the targets given (a
            target's items in the service's order).
        failures: one :class:`~aiolightsail.FleetFailure` per target that
            failed, in target order; a target of a shard that could not
            finish fails with :class:`ShardError`.
        shards: how many shards the sweep ran.
    """

    items: list[tuple[Target, Any]]
    failures: list[FleetFailure]
    shards: int

    def to_arrow(self) -> pyarrow.Table:
        """The items as a ``pyarrow.Table``: one row per item.

        The columns are ``target`` (the target's label), ``target_account``
        and ``target_region``, then the item's members as
        :func:`~aiolightsail.to_dict` gives them (nested members as structs
        and lists, times as UTC timestamps, secrets left out).

        Returns:
            The table (with only the target columns when there is no item).
        """
        import pyarrow as pa

        rows = [
            {
                "target": target.label,
                "target_account": target.account,
                "target_region": target.region,
                **to_dict(item),
            }
            for target, item in self.items
        ]
        if not rows:
            return pa.table({name: pa.array([], pa.string()) for name in _TARGET_COLUMNS})
        return pa.Table.from_pylist(rows)


def shard(targets: Iterable[Target], shards: int) -> list[list[Target]]:
    """Cut ``targets`` into at most ``shards`` shards, each credential source whole.

    Targets that share credentials (a profile, a role and its parameters, a
    pair of static keys; and the endpoint) stay in one shard; the groups are
    then spread so that the shards' numbers of targets are as even as they
    can be (largest group first, into the smallest shard). When the two
    conflict, grouping wins: one profile with 100 regions is one shard of
    100. Within a shard, targets keep their given order.

    Args:
        targets: the targets (duplicates are dropped, as :class:`Fleet` drops them).
        shards: the most shards wanted, 1 or more.

    Returns:
        The non-empty shards, each a list of targets; fewer than ``shards``
        when there are fewer credential sources.

    Raises:
        ValidationError: a target that is not a :class:`Target`, or a bad ``shards``.
    """
    wanted = check.integer(shards, "shards", low=1, high=100_000)
    ordered = _targets(targets)
    groups: dict[tuple[Any, ...], list[Target]] = {}
    for target in ordered:
        groups.setdefault(target._credential_key(), []).append(target)
    bins: list[list[Target]] = [[] for _ in range(min(wanted, len(groups)))]
    # Sorted by size, largest first; ties keep the order of first appearance.
    for group in sorted(groups.values(), key=len, reverse=True):
        min(bins, key=len).extend(group)
    position = {target: index for index, target in enumerate(ordered)}
    return [sorted(members, key=position.__getitem__) for members in bins]


def _targets(targets: Iterable[Target]) -> list[Target]:
    if isinstance(targets, Target | str):
        raise ValidationError("targets", "must be an iterable of Target", targets)
    ordered = list(dict.fromkeys(targets))
    for index, target in enumerate(ordered):
        if not isinstance(target, Target):
            raise ValidationError(f"targets[{index}]", "must be a Target", target)
    return ordered


@attrs.frozen(kw_only=True)
class _Shard(SafeRepr):
    """One task's work: the shard's targets, what to list and the fleet's options."""

    index: int
    targets: tuple[Target, ...]
    listing: Listing
    options: dict[str, Any]


@attrs.frozen(kw_only=True)
class _ShardResult(SafeRepr):
    """One task's result: items and failures keyed by the target's position in the shard."""

    index: int
    items: list[tuple[int, Any]]
    failures: list[tuple[int, LightsailError, str | None]]


def _run_shard(work: _Shard) -> _ShardResult:
    """Run one shard on a worker: an ordinary Fleet over its targets, in a new event loop.

    The worker's task thread has no event loop of its own: each shard runs
    its fleet in one, closed when the shard ends (clients, sessions, tasks).
    """
    return asyncio.run(_sweep_shard(work))


async def _sweep_shard(work: _Shard) -> _ShardResult:
    position = {target: index for index, target in enumerate(work.targets)}
    items: list[tuple[int, Any]] = []
    async with Fleet(work.targets, **work.options) as fleet:
        stream: FleetStream[Any] = getattr(fleet, f"iter_{work.listing}")()
        async with stream:
            async for target, item in stream:
                items.append((position[target], item))
    failures = [(position[f.target], f.error, f.page_token) for f in stream.failures]
    return _ShardResult(index=work.index, items=items, failures=failures)


def _plan(
    targets: Iterable[Target],
    listing: str,
    client: object,
    shards: int,
    options: dict[str, Any],
    *,
    asynchronous: bool,
) -> tuple[list[Target], list[_Shard]]:
    """Check everything on the driver, before any task is sent; cut the shards."""
    if not isinstance(client, distributed.Client):
        raise ValidationError("client", "must be a dask.distributed Client", client)
    if client.asynchronous != asynchronous:
        raise ValidationError(
            "client",
            "must be an asynchronous Client (Client(..., asynchronous=True)) for sweep_async"
            if asynchronous
            else "must be a synchronous Client for sweep; use sweep_async with an asynchronous one",
            show=False,
        )
    check.choice(listing, "listing", _LISTINGS)
    ordered = _targets(targets)
    for index, target in enumerate(ordered):
        if target._has_static_secret() and not target.pickle_secrets:
            raise ValidationError(
                f"targets[{index}]",
                "has static keys, which would travel to the workers in plain text: "
                "give the workers credentials by profile, role or environment, or build "
                "the Target with pickle_secrets=True",
                show=False,
            )
    Fleet((), **options)  # checks the options here, once, instead of in every worker
    cut = shard(ordered, shards)
    work = [
        _Shard(index=i, targets=tuple(members), listing=listing, options=options)  # type: ignore[arg-type]
        for i, members in enumerate(cut)
    ]
    return ordered, work


class _Gather:
    """Collects the shards' results as they finish, each shard once, in target order at the end."""

    def __init__(self, ordered: list[Target], work: list[_Shard]) -> None:
        self._position = {target: index for index, target in enumerate(ordered)}
        self._work = work
        self._done: set[int] = set()
        self._items: list[tuple[int, Target, Any]] = []
        self._failures: list[FleetFailure] = []

    def add(self, result: _ShardResult) -> None:
        if result.index in self._done:
            return  # a shard's results count once
        self._done.add(result.index)
        targets = self._work[result.index].targets
        self._items.extend(
            (self._position[targets[i]], targets[i], item) for i, item in result.items
        )
        self._failures.extend(
            FleetFailure(target=targets[i], error=error, page_token=token)
            for i, error, token in result.failures
        )

    def lost(self, index: int, cause: BaseException) -> None:
        if index in self._done:
            return
        self._done.add(index)
        for target in self._work[index].targets:
            error = ShardError(
                f"shard {index} could not finish: {type(cause).__name__}: {cause}", shard=index
            )
            error.__cause__ = cause
            self._failures.append(FleetFailure(target=target, error=error))

    def result(self) -> SweepResult:
        # Stable sorts: a target's items keep the order its pages gave them.
        self._items.sort(key=lambda entry: entry[0])
        self._failures.sort(key=lambda failure: self._position[failure.target])
        return SweepResult(
            items=[(target, item) for _, target, item in self._items],
            failures=self._failures,
            shards=len(self._work),
        )


def _submit(
    client: distributed.Client, work: list[_Shard]
) -> dict[distributed.Future[_ShardResult], int]:
    """One task per shard, under keys of this sweep's own (a shard is never taken for another)."""
    sweep_id = uuid.uuid4().hex
    return {
        client.submit(_run_shard, item, key=f"aiolightsail-shard-{sweep_id}-{i}", pure=False): i
        for i, item in enumerate(work)
    }


def _settle(gather: _Gather, index: int, outcome: object, fail_fast: bool) -> None:
    """Record one finished task: its result, or its shard as lost (fail_fast: raise instead)."""
    if isinstance(outcome, _ShardResult):
        gather.add(outcome)
    elif fail_fast and isinstance(outcome, LightsailError):
        raise outcome
    else:
        gather.lost(index, outcome if isinstance(outcome, BaseException) else RuntimeError(outcome))


def sweep(
    targets: Iterable[Target],
    listing: Listing,
    *,
    client: distributed.Client,
    shards: int = 8,
    **fleet_options: Unpack[_FleetOptions],
) -> SweepResult:
    """List every target's ``listing`` on a Dask cluster, ``shards`` tasks at most.

    Synchronous, for scripts and executor tasks; results are gathered as the
    shards finish. Nothing is sent until every argument is checked.

    Args:
        targets: the targets (duplicates dropped).
        listing: ``"instances"``, ``"instance_snapshots"`` or ``"blueprints"``.
        client: a synchronous ``dask.distributed.Client``.
        shards: the most shards (Dask tasks); see :func:`shard`.
        **fleet_options: passed to each shard's :class:`~aiolightsail.Fleet`
            (``concurrency`` is per shard). With ``fail_fast=True`` the first
            failure is raised and the other shards are cancelled.

    Returns:
        The items and failures of every target.

    Raises:
        ValidationError: a bad argument, or a target with static keys that
            was not built with ``pickle_secrets=True``.
        LightsailError: with ``fail_fast=True``, the first failure.
    """
    ordered, work = _plan(targets, listing, client, shards, dict(fleet_options), asynchronous=False)
    gather = _Gather(ordered, work)
    futures = _submit(client, work)
    try:
        for future in distributed.as_completed(list(futures)):
            outcome = _outcome_of(future)
            _settle(gather, futures[future], outcome, bool(fleet_options.get("fail_fast")))
    finally:
        client.cancel(list(futures))
    return gather.result()


def _outcome_of(future: distributed.Future[_ShardResult]) -> object:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a shard's end, whatever it was, is recorded
        return exc


async def sweep_async(
    targets: Iterable[Target],
    listing: Listing,
    *,
    client: distributed.Client,
    shards: int = 8,
    **fleet_options: Unpack[_FleetOptions],
) -> SweepResult:
    """:func:`sweep` for asyncio programs, with an asynchronous Dask client.

    Args:
        targets: the targets (duplicates dropped).
        listing: ``"instances"``, ``"instance_snapshots"`` or ``"blueprints"``.
        client: a ``dask.distributed.Client(..., asynchronous=True)`` of this event loop.
        shards: the most shards (Dask tasks).
        **fleet_options: passed to each shard's :class:`~aiolightsail.Fleet`.

    Returns:
        The items and failures of every target.

    Raises:
        ValidationError: a bad argument, or a target with static keys that
            was not built with ``pickle_secrets=True``.
        LightsailError: with ``fail_fast=True``, the first failure.
    """
    ordered, work = _plan(targets, listing, client, shards, dict(fleet_options), asynchronous=True)
    gather = _Gather(ordered, work)
    futures = _submit(client, work)
    try:
        async for future in distributed.as_completed(list(futures)):
            try:
                outcome: object = await future
            except Exception as exc:  # noqa: BLE001 - a shard's end, whatever it was, is recorded
                outcome = exc
            _settle(gather, futures[future], outcome, bool(fleet_options.get("fail_fast")))
    finally:
        await client.cancel(list(futures))
    return gather.result()
