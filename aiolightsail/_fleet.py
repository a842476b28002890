"""``Fleet``: one query fanned out over many accounts × regions at once.

A :class:`Fleet` owns one :class:`~aiolightsail.LightsailClient` per target,
created on first use and reused until the fleet closes (a bot polling every
minute pays for a client once).

Concurrency is structured (``docs/design.md``, "Concurrency"): each stream
runs its producers, one per target, in an :class:`asyncio.TaskGroup` inside
one task the fleet owns; the producers send pages into a bounded channel
(``_channel``) that the group's owner closes in a ``finally``, so the stream
always ends, with every target's items or its :class:`FleetFailure`. Leaving
a stream early (``break``, an exception, cancellation) cancels its group at
once with ``async with``/:meth:`FleetStream.aclose`, and in any case when the
fleet closes.

Bounds: ``concurrency`` requests in flight across the fleet, and one request
at a time per target, acquired per page, so a target with a thousand pages
takes its turn with the others instead of starving them (asyncio's
semaphores wake waiters in FIFO order).

Memory: each target's producer holds at most one page while the consumer is
busy, so a sweep's memory is about one page per target in flight, however
many items there are.

Failures belong to the stream: a target that fails is recorded in that
stream's ``failures`` with its error and the page token to resume from, and
the others carry on; ``fail_fast=True`` cancels the rest and raises instead.
The fleet keeps no failures, so two streams read at once never see each
other's.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypedDict, TypeVar, Unpack

import attrs

from aiolightsail import _botocore, _instrument, _waiters
from aiolightsail import _validation as check
from aiolightsail._botocore import Config
from aiolightsail._channel import Channel, ChannelClosed, ChannelReader, EndOfChannel, stop
from aiolightsail._client import (
    DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    LightsailClient,
)
from aiolightsail._errors import (
    ExpiredCredentialsError,
    LightsailError,
    NotFoundError,
    TargetTimeoutError,
    ValidationError,
)
from aiolightsail._models import Blueprint, Instance, InstanceSnapshot, Page
from aiolightsail._pagination import DEFAULT_MAX_PAGES, PageIterator
from aiolightsail._regions import LIGHTSAIL_REGIONS
from aiolightsail._repr import SafeRepr
from aiolightsail._target import DEFAULT_ROLE_SESSION_NAME, Target
from aiolightsail._watch import InstanceWatch, chosen_targets

__all__ = [
    "DEFAULT_TARGET_TIMEOUT",
    "Fleet",
    "FleetFailure",
    "FleetStream",
    "FoundInstances",
    "Target",
]

#: Seconds of request time a target may take per stream by default
#: (``docs/reliability.md``, "Deadlines").
DEFAULT_TARGET_TIMEOUT = 300.0

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen(kw_only=True)
class FleetFailure(SafeRepr):
    """A target that failed, why, and where to resume it.

    Attributes:
        target: the target.
        error: the error (a :class:`~aiolightsail.LightsailError`).
        page_token: for list streams, the token of the page that failed
            (``None``: the first page); pass it back through ``page_tokens=``
            to resume with nothing skipped or repeated.
    """

    target: Target
    error: LightsailError
    page_token: str | None = None


class FoundInstances(list[tuple[Target, Instance]]):
    """What :meth:`Fleet.find_instances` found: ``(target, instance)`` pairs, in target order.

    Attributes:
        failures: the targets that could not be searched (not those without
            the instance): a name missing from the list may be in one of them.
    """

    def __init__(self, found: Iterable[tuple[Target, Instance]] = ()) -> None:
        super().__init__(found)
        self.failures: list[FleetFailure] = []


#: What a producer sends to its stream: a target's items, or that it is done (and how).
_Event = tuple[Literal["items", "done"], Target, Any]
#: A producer: sends ``("items", target, items)`` events; returns the target's failure or None.
_Produce = Callable[[Target, Callable[[_Event], Awaitable[None]]], Awaitable[FleetFailure | None]]


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a shared task's failure as seen: its waiters may all have left at their deadlines.

    The next caller asks again; a failure nobody waits for is not an error to log.
    """
    if not task.cancelled():
        task.exception()


@attrs.define
class _Budget(SafeRepr):
    """What is left of a target's ``target_timeout`` (``None``: no limit)."""

    remaining: float | None


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

    def __init__(self, fleet: Fleet, targets: Sequence[Target], produce: _Produce) -> None:
        self._fleet = fleet
        self._targets = targets
        self._produce = produce
        # Pages waiting for the consumer: each producer also holds at most one page
        # while it waits here, so a stream's memory is bounded by its targets.
        self._channel: Channel[_Event] = Channel(max(1, min(len(targets), fleet.concurrency)))
        self._runner: asyncio.Task[None] | None = None
        self._buffer: tuple[Any, ...] = ()
        self._buffer_target: Target | None = None
        self._index = 0
        self._closed = False
        self.failures: list[FleetFailure] = []
        self.targets_total = len(targets)
        self.targets_done = 0
        #: Failures that are answers, not incidents (a name not in a target): logged at DEBUG.
        self._expected: tuple[type[LightsailError], ...] = ()

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
            self._fleet._require_open()
            self._runner = self._fleet._start(self._run())
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
        """Run one producer per target in a task group; close the channel however it ends.

        A bug (in a map function, or ours) or a fail_fast failure reaches the
        consumer as itself; the group has cancelled the other producers.
        """
        cancelled = (
            "the Fleet was closed while this stream was being read; its results are incomplete"
        )
        with self._channel.closing(cancelled):
            async with asyncio.TaskGroup() as group:
                for target in self._targets:
                    group.create_task(self._produce_one(target))

    async def _produce_one(self, target: Target) -> None:
        run = _instrument.TargetRun(self._fleet._dispatch, label=target.label, region=target.region)

        async def send(event: _Event) -> None:
            await self._channel.send(event)
            if event[0] == "items":
                run.items += len(event[2])

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
            run.failed(failure.error, reported=not (self._fleet.fail_fast or expected))
        if failure is not None and self._fleet.fail_fast:
            self.failures.append(failure)
            raise failure.error
        try:
            await self._channel.send(("done", target, failure))
        except ChannelClosed:
            return


def _static_keys(target: Target) -> tuple[str, str, str | None] | None:
    """A target's static keys as ``(key id, secret, token)``, or ``None``."""
    if target.aws_access_key_id and target.aws_secret_access_key:
        return (target.aws_access_key_id, target.aws_secret_access_key, target.aws_session_token)
    return None


def _key_account(index: int, pair: object) -> dict[str, Any]:
    """``Fleet.across``'s ``keys[index]`` as Target keyword arguments, checked (never echoed)."""
    if (
        not isinstance(pair, tuple)
        or len(pair) not in (2, 3)
        or not all(isinstance(part, str) for part in pair[:2])
        or (len(pair) == 3 and pair[2] is not None and not isinstance(pair[2], str))
    ):
        raise ValidationError(
            f"keys[{index}]",
            "must be (access_key_id, secret_access_key) or "
            "(access_key_id, secret_access_key, session_token), as strings",
            show=False,
        )
    token = pair[2] if len(pair) == 3 else None
    return {
        "aws_access_key_id": pair[0],
        "aws_secret_access_key": pair[1],
        "aws_session_token": token,
    }


def _configured_region(account: Mapping[str, Any]) -> str:
    """The region botocore would use for ``account``'s profile (environment, then config file)."""
    profile = account.get("profile")
    try:
        region = _botocore.configured_region(profile)
    except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
        _botocore.reraise(exc, operation=None, region=None)
    if region is None:
        whose = f"profile {profile!r}" if profile else "the default profile"
        raise ValidationError(
            "regions",
            f"{whose} has no region configured: pass regions=[...] "
            "(or set AWS_REGION or AWS_DEFAULT_REGION, or `region` in the profile)",
            show=False,
        )
    return region


class _FleetOptions(TypedDict, total=False):
    """The keyword arguments of :class:`Fleet`, as :meth:`Fleet.across` passes them on."""

    concurrency: int
    fail_fast: bool
    target_timeout: float | None
    max_attempts: int | None
    retry_mode: Literal["standard", "adaptive"] | None
    connect_timeout: float
    read_timeout: float
    attempt_timeout: float
    call_timeout: float | None
    max_pages: int
    instrument: _instrument.InstrumentHook | Sequence[_instrument.InstrumentHook] | None
    config: Config | None


class Fleet:
    """Query many (account, region) targets concurrently, one merged stream of results.

    ::

        async with Fleet(targets, concurrency=32) as fleet:
            stream = fleet.iter_instances()
            async for target, instance in stream:
                ...
            for failure in stream.failures:
                ...

    Args:
        targets: the targets; duplicates are dropped.
        concurrency: requests in flight across the whole fleet.
        fail_fast: on the first failing target, cancel the rest and raise its error.
        target_timeout: seconds of request time allowed per target per stream
            (time spent waiting for the consumer does not count); ``None``: no limit.
        max_attempts: total attempts per request, for the clients and for
            STS (see LightsailClient; ``None``: from the configuration).
        retry_mode: ``"standard"`` or ``"adaptive"``, for the clients and
            for STS (see LightsailClient; ``None``: from the configuration).
        connect_timeout: the clients' ``connect_timeout`` (see LightsailClient).
        read_timeout: the clients' ``read_timeout``.
        attempt_timeout: the clients' ``attempt_timeout``.
        call_timeout: the clients' ``call_timeout``.
        max_pages: the clients' ``max_pages``: pages per target per listing.
        instrument: a hook, or a list of hooks, called with an event for each
            request attempt, retry, page and target (``docs/guides/observability.md``).
        config: a botocore ``Config`` merged over every client's and STS
            client's own (see LightsailClient).

    Failures belong to each stream (``stream.failures``); the fleet keeps none.
    """

    def __init__(
        self,
        targets: Iterable[Target],
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        target_timeout: float | None = DEFAULT_TARGET_TIMEOUT,
        max_attempts: int | None = None,
        retry_mode: Literal["standard", "adaptive"] | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        attempt_timeout: float = DEFAULT_ATTEMPT_TIMEOUT,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
        max_pages: int = DEFAULT_MAX_PAGES,
        instrument: _instrument.InstrumentHook | Sequence[_instrument.InstrumentHook] | None = None,
        config: Config | None = None,
    ) -> None:
        self.targets: tuple[Target, ...] = tuple(dict.fromkeys(targets))
        for i, target in enumerate(self.targets):
            if not isinstance(target, Target):
                raise ValidationError(f"targets[{i}]", "must be a Target", target)
        self.concurrency = check.integer(concurrency, "concurrency", low=1, high=100_000)
        self.fail_fast = check.boolean(fail_fast, "fail_fast")
        self.target_timeout = check.optional_seconds(target_timeout, "target_timeout")
        self.max_attempts = (
            None
            if max_attempts is None
            else check.integer(max_attempts, "max_attempts", low=1, high=100)
        )
        if retry_mode is not None:
            check.choice(retry_mode, "retry_mode", frozenset(_botocore.RETRY_MODES))
        _botocore.check_config(config)
        self._client_options: dict[str, Any] = {
            "max_attempts": self.max_attempts,
            "retry_mode": retry_mode,
            "config": config,
            "connect_timeout": check.seconds(connect_timeout, "connect_timeout"),
            "read_timeout": check.seconds(read_timeout, "read_timeout"),
            "attempt_timeout": check.seconds(attempt_timeout, "attempt_timeout"),
            "call_timeout": check.optional_seconds(call_timeout, "call_timeout"),
            "max_pages": check.integer(max_pages, "max_pages", low=1, high=10_000_000),
        }
        # One dispatch for the fleet and its clients: a failing hook is reported once.
        self._dispatch = _instrument.dispatch_of(instrument)
        self._state = "new"
        self._semaphore: asyncio.Semaphore | None = None
        self._target_locks: dict[Target, asyncio.Lock] = {}
        self._clients: dict[Target, LightsailClient] = {}
        self._client_locks: dict[Target, asyncio.Lock] = {}
        self._roles: dict[tuple[str | int | None, ...], asyncio.Task[_botocore.RoleSession]] = {}
        self._account_ids: dict[tuple[str | None, ...], asyncio.Task[str]] = {}
        # The tasks the fleet owns: one per stream being read, one per role being assumed.
        self._tasks: set[asyncio.Task[Any]] = set()

    #: Where watches read the time and sleep, handed on to the fleet's clients'
    #: waiters (a test may give the emulator's clock).
    _timer: _waiters.Timer = _waiters.LOOP_TIMER

    @classmethod
    def across(
        cls,
        regions: Iterable[str] | Literal["all"] | None = "all",
        *,
        profiles: Iterable[str | None] | None = None,
        role_arns: Iterable[str] | None = None,
        role_source_profile: str | None = None,
        keys: Iterable[tuple[str, str] | tuple[str, str, str | None]] | None = None,
        endpoint_url: str | None = None,
        **fleet_options: Unpack[_FleetOptions],
    ) -> Fleet:
        """A fleet over the cross product of regions × accounts.

        Accounts are the ``profiles`` (``None`` in the list means the default
        credential chain), the ``role_arns`` (assumed with
        ``role_source_profile``, or the default chain) and the ``keys``
        (static keys, one account each). With none of them, the default
        credentials are the one account. Targets needing more (a role's
        ``external_id``...) are built as :class:`Target` and passed to
        :class:`Fleet`.

        Args:
            regions: region names; ``"all"`` for every Lightsail region; ``None``
                for each account's configured region: ``AWS_REGION``, then
                ``AWS_DEFAULT_REGION``, then the ``region`` of its profile (of
                ``role_source_profile`` for roles, of the default profile for
                keys), read through botocore. The config files are read here,
                on the calling thread (small files, once per profile per
                process): call it before the event loop runs, or in a thread.
            profiles: AWS config profiles.
            role_arns: roles to assume, one account each.
            role_source_profile: the profile whose credentials assume the roles.
            keys: static keys, one account each: ``(access_key_id,
                secret_access_key)`` or ``(access_key_id, secret_access_key,
                session_token)``. Neither shows in labels or ``repr``.
            endpoint_url: send every request here (the emulator, a proxy).
            **fleet_options: passed to :class:`Fleet`.

        Returns:
            The fleet (not yet entered).

        Raises:
            ValidationError: no regions, a malformed region, role ARN or key,
                or (``regions=None``) an account with no configured region.
        """
        if isinstance(regions, str) and regions != "all":
            raise ValidationError("regions", "must be a list of regions, 'all' or None", regions)
        accounts: list[dict[str, Any]] = [{"profile": p} for p in dict.fromkeys(profiles or ())]
        accounts += [
            {"role_arn": r, "profile": role_source_profile} for r in dict.fromkeys(role_arns or ())
        ]
        accounts += [_key_account(i, pair) for i, pair in enumerate(keys or ())]
        if not accounts:
            accounts = [{}]
        fixed: list[str] | None = None
        if regions is not None:
            fixed = list(LIGHTSAIL_REGIONS) if regions == "all" else list(dict.fromkeys(regions))
            if not fixed:
                raise ValidationError("regions", "must name at least one region", fixed)
        targets = [
            Target(region, endpoint_url=endpoint_url, **account)
            for account in accounts
            for region in (fixed if fixed is not None else [_configured_region(account)])
        ]
        return cls(targets, **fleet_options)

    # -- lifecycle ------------------------------------------------------------

    def __repr__(self) -> str:
        # Read with defaults: a half-built fleet (its __init__ refused an argument)
        # must describe itself too.
        targets = len(getattr(self, "targets", ()))
        concurrency = getattr(self, "concurrency", None)
        state = getattr(self, "_state", "incomplete")
        return f"<Fleet {targets} targets, concurrency={concurrency} [{state}]>"

    @property
    def failures(self) -> list[FleetFailure]:
        """Not kept: failures belong to each stream.

        Raises:
            AttributeError: always, naming ``stream.failures`` instead.
        """
        raise AttributeError(
            "a Fleet keeps no failures; each stream has its own: "
            "stream = fleet.iter_instances(); async for ... in stream: ...; stream.failures"
        )

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError(f"this Fleet is {self._state}; create a new Fleet instead")
        self._state = "open"
        self._semaphore = asyncio.Semaphore(self.concurrency)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel every task the fleet started and close every client. Idempotent.

        Closing runs to its end even if the caller is cancelled meanwhile (the
        fleet is marked closed already, so nothing would close its clients
        later); the cancellation is re-raised then.
        """
        if self._state == "closed":
            return
        self._state = "closed"
        closing = asyncio.ensure_future(self._close())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing
            raise

    async def _close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            # Each stream's task closes its channel as it ends, waking its consumer.
            await asyncio.wait(tasks)
        clients, self._clients = list(self._clients.values()), {}
        # Closing is independent per client; one failing to close must not leak the rest.
        results = await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result

    def __del__(self, _warn: Any = warnings.warn) -> None:
        if getattr(self, "_state", None) == "open":
            _warn(
                f"{self!r} was never closed; use 'async with Fleet(...)'",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    def _require_open(self) -> asyncio.Semaphore:
        if self._semaphore is None or self._state != "open":
            raise RuntimeError(
                "this Fleet is not open; use it as 'async with Fleet(targets) as fleet:'"
                if self._state == "new"
                else "this Fleet is closed; create a new Fleet"
            )
        return self._semaphore

    def _start(self, coro: Coroutine[Any, Any, R]) -> asyncio.Task[R]:
        """Run ``coro`` in a task the fleet owns: closing the fleet cancels and awaits it."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- clients --------------------------------------------------------------

    async def client(self, target: Target) -> LightsailClient:
        """The fleet's open client for ``target``, created on first use and reused.

        Raises:
            LightsailError: the client could not be created (credentials, STS).
        """
        self._require_open()
        client = self._clients.get(target)
        if client is not None:
            return client
        lock = self._client_locks.setdefault(target, asyncio.Lock())
        async with lock:
            client = self._clients.get(target)
            if client is None:
                client = await self._open_client(target)
                if self._state != "open":  # closed while we were creating it
                    await client.aclose()
                    raise RuntimeError("this Fleet is closed; create a new Fleet")
                self._clients[target] = client
        return client

    async def _open_client(self, target: Target) -> LightsailClient:
        options: dict[str, Any] = {"endpoint_url": target.endpoint_url, **self._client_options}
        if target.role_arn is not None:
            role = await self._role(target)
            client = LightsailClient(target.region, session=role.session, **options)
        else:
            client = LightsailClient(
                target.region,
                profile=target.profile,
                aws_access_key_id=target.aws_access_key_id,
                aws_secret_access_key=target.aws_secret_access_key,
                aws_session_token=target.aws_session_token,
                **options,
            )
        client._timer = self._timer
        client._dispatch, client._label = self._dispatch, target.label
        return await client.__aenter__()

    async def _role(self, target: Target) -> _botocore.RoleSession:
        # One AssumeRole per (role, base credentials), shared by all regions of the
        # account; concurrent first uses await the same task.
        key = target._credential_key()
        task = self._roles.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            assert target.role_arn is not None  # noqa: S101 - only called for role targets
            task = self._start(
                _botocore.assume_role_session(
                    target.role_arn,
                    base=_botocore.get_session(target.profile),
                    region=target.region,
                    endpoint_url=target.endpoint_url,
                    access_key=_static_keys(target),
                    session_name=target.role_session_name or DEFAULT_ROLE_SESSION_NAME,
                    external_id=target.external_id,
                    duration_seconds=target.duration_seconds,
                    settings=self._sts_settings(),
                )
            )
            task.add_done_callback(_retrieved)
            self._roles[key] = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
            _botocore.reraise(exc, operation="AssumeRole", region=target.region)

    def _sts_settings(self) -> _botocore.StsSettings:
        options = self._client_options
        return _botocore.StsSettings(
            call_timeout=options["call_timeout"],
            connect_timeout=options["connect_timeout"],
            read_timeout=options["read_timeout"],
            attempt_timeout=options["attempt_timeout"],
            max_attempts=options["max_attempts"],
            retry_mode=options["retry_mode"],
            config=options["config"],
        )

    async def account_id(self, target: Target) -> str:
        """The 12-digit id of ``target``'s account.

        A role target's comes from its ``role_arn``, without a request. Any
        other target's is asked of STS (``sts:GetCallerIdentity``, at the
        target's region and endpoint) once per set of credentials for the
        fleet's life: every region of a profile or of a pair of keys shares
        one request, and concurrent callers wait for the same one. A failure
        is not kept; the next call asks again.

        Args:
            target: a target of this fleet.

        Returns:
            The account id, e.g. ``"123456789012"``.

        The request (credentials included) runs within the fleet's
        ``call_timeout``, and each call of this method within its
        ``target_timeout``.

        Raises:
            ValidationError: ``target`` is not a target of this fleet.
            TargetTimeoutError: ``target_timeout`` passed first.
            LightsailError: STS could not tell (credentials, network: the
                translated error, as for any request).
        """
        self._require_open()
        if target not in self.targets:
            raise ValidationError("target", "must be a target of this fleet", target)
        if target.role_arn is not None:
            return target.account
        key = target._base_key()
        task = self._account_ids.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self._start(
                _botocore.caller_account_id(
                    _botocore.get_session(target.profile),
                    region=target.region,
                    endpoint_url=target.endpoint_url,
                    access_key=_static_keys(target),
                    settings=self._sts_settings(),
                )
            )
            task.add_done_callback(_retrieved)
            self._account_ids[key] = task
        try:
            # The request itself is bounded by call_timeout; each caller by target_timeout.
            return await self._timed(asyncio.shield(task))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
            _botocore.reraise(exc, operation="GetCallerIdentity", region=target.region)

    # -- streams --------------------------------------------------------------

    def iter_instances(
        self,
        *,
        targets: Iterable[Target] | None = None,
        page_tokens: Mapping[Target, str | None] | None = None,
    ) -> FleetStream[Instance]:
        """Stream ``(target, Instance)`` for every instance of every target.

        Args:
            targets: a subset of the fleet's targets (default: all).
            page_tokens: per target, the page to start from (from ``FleetFailure.page_token``).

        Returns:
            The stream.
        """
        return self._paged(
            lambda client, token: client.iter_instances(page_token=token), targets, page_tokens
        )

    def iter_blueprints(
        self,
        *,
        include_inactive: bool = False,
        targets: Iterable[Target] | None = None,
        page_tokens: Mapping[Target, str | None] | None = None,
    ) -> FleetStream[Blueprint]:
        """Stream ``(target, Blueprint)`` for every blueprint offered to every target.

        Args:
            include_inactive: include blueprints no longer offered.
            targets: a subset of the fleet's targets.
            page_tokens: per target, the page to start from.

        Returns:
            The stream.
        """
        check.boolean(include_inactive, "include_inactive")
        return self._paged(
            lambda client, token: client.iter_blueprints(
                include_inactive=include_inactive, page_token=token
            ),
            targets,
            page_tokens,
        )

    def iter_instance_snapshots(
        self,
        *,
        targets: Iterable[Target] | None = None,
        page_tokens: Mapping[Target, str | None] | None = None,
    ) -> FleetStream[InstanceSnapshot]:
        """Stream ``(target, InstanceSnapshot)`` for every snapshot of every target.

        Args:
            targets: a subset of the fleet's targets.
            page_tokens: per target, the page to start from.

        Returns:
            The stream.
        """
        return self._paged(
            lambda client, token: client.iter_instance_snapshots(page_token=token),
            targets,
            page_tokens,
        )

    def map(
        self,
        fn: Callable[[LightsailClient], Awaitable[R]],
        *,
        targets: Iterable[Target] | None = None,
    ) -> FleetStream[R]:
        """Run ``await fn(client)`` for every target; stream ``(target, result)`` as they finish.

        Args:
            fn: an async function of one open :class:`LightsailClient`.
            targets: a subset of the fleet's targets.

        Returns:
            The stream; targets whose ``fn`` raised a LightsailError are in its
            ``failures``; any other exception from ``fn`` ends the stream and
            is raised from it as it is.
        """
        semaphore = self._require_open()
        if not callable(fn):
            raise ValidationError("fn", "must be an async function of a LightsailClient", fn)

        async def produce(
            target: Target, send: Callable[[_Event], Awaitable[None]]
        ) -> FleetFailure | None:
            async def work() -> R:
                client = await self.client(target)
                async with semaphore:
                    return await fn(client)

            # Anything but a LightsailError is the caller's bug (or ours): it
            # leaves the producer and ends the stream, raised as itself.
            try:
                result = await self._timed(work())
            except LightsailError as exc:
                return FleetFailure(target=target, error=exc)
            await send(("items", target, (result,)))
            return None

        return self._stream(targets, produce)

    def watch_instances(
        self,
        *,
        interval: float = 60.0,
        targets: Iterable[Target] | None = None,
        max_sweeps: int | None = None,
    ) -> InstanceWatch:
        """A feed of the instances added, removed and changed in every target, sweep after sweep.

        ::

            async with fleet.watch_instances(interval=60) as watch:
                async for change in watch:  # InstanceChange(target, kind, before, after, changed)
                    ...

        The first sweep yields ``"added"`` for every instance present. A
        target whose listing fails keeps its previous view (no false
        ``"removed"``) and is reported in ``watch.failures``. Sweeps never
        overlap, and a new one starts only when the consumer asks for more,
        so a slow consumer slows the sweeps instead of growing memory.

        Args:
            interval: seconds from the start of one sweep to the start of the next.
            targets: a subset of the fleet's targets (default: all).
            max_sweeps: end the feed after this many sweeps (default: never).

        Returns:
            The watch, an async iterator of :class:`~aiolightsail.InstanceChange`.
        """
        self._require_open()
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise ValidationError("interval", "must be a number of seconds, 0 or more", interval)
        if max_sweeps is not None:
            check.integer(max_sweeps, "max_sweeps", low=1, high=2**62)
        chosen = chosen_targets(self.targets, targets)
        return InstanceWatch(
            targets=chosen,
            interval=float(interval),
            max_sweeps=max_sweeps,
            list_target=self._list_instances,
            start=self._start,
            require_open=self._require_open,
            timer=self._timer,
            capacity=max(1, min(len(chosen), self.concurrency)),
            fail_fast=self.fail_fast,
        )

    async def _list_instances(self, target: Target) -> tuple[Instance, ...] | FleetFailure:
        """Every instance of ``target``, or its failure: what one watch sweep asks of a target."""
        semaphore = self._require_open()
        budget = _Budget(self.target_timeout)
        iterator: PageIterator[Instance] | None = None
        items: list[Instance] = []
        run = _instrument.TargetRun(self._dispatch, label=target.label, region=target.region)
        try:
            async with semaphore:
                client = await self._timed(self.client(target), budget)
            iterator = client.iter_instances()
            lock = self._target_locks.setdefault(target, asyncio.Lock())
            while True:
                async with semaphore, lock:
                    page = await self._timed(self._page(target, iterator), budget)
                if page is None:
                    run.finished()
                    return tuple(items)
                items.extend(page.items)
                run.items = len(items)
        except LightsailError as exc:
            run.failed(exc, reported=not self.fail_fast)
            token = iterator.page_token if iterator is not None else None
            return FleetFailure(target=target, error=exc, page_token=token)
        except BaseException as exc:
            run.interrupted(exc)
            raise

    async def find_instances(
        self, name: str, *, targets: Iterable[Target] | None = None
    ) -> FoundInstances:
        """Find the instances called ``name`` in every target (names are unique per target only).

        Args:
            name: the instance name.
            targets: a subset of the fleet's targets (default: all).

        Returns:
            ``(target, instance)`` pairs in the fleet's target order, as a list
            whose ``failures`` name the targets that could not be searched.
        """
        instance_name = check.resource_name(name, "name")
        order = {target: index for index, target in enumerate(self.targets)}
        found = FoundInstances()
        async with self.map(lambda c: c.get_instance(instance_name), targets=targets) as stream:
            stream._expected = (NotFoundError,)
            async for target, instance in stream:
                found.append((target, instance))
        found.sort(key=lambda pair: order[pair[0]])
        found.failures = [f for f in stream.failures if not isinstance(f.error, NotFoundError)]
        return found

    def _paged(
        self,
        make: Callable[[LightsailClient, str | None], PageIterator[T]],
        targets: Iterable[Target] | None,
        page_tokens: Mapping[Target, str | None] | None,
    ) -> FleetStream[T]:
        semaphore = self._require_open()
        tokens = dict(page_tokens or {})
        for target, token in tokens.items():
            if target not in self.targets:
                raise ValidationError(
                    "page_tokens", "must be keyed by targets of this fleet", target
                )
            check.page_token(token, f"page_tokens[{target.label!r}]")

        async def produce(
            target: Target, send: Callable[[_Event], Awaitable[None]]
        ) -> FleetFailure | None:
            iterator: PageIterator[T] | None = None
            budget = _Budget(self.target_timeout)
            try:
                async with semaphore:  # a new client is work too: count it against the bound
                    client = await self._timed(self.client(target), budget)
                iterator = make(client, tokens.get(target))
                lock = self._target_locks.setdefault(target, asyncio.Lock())
                while True:
                    async with semaphore, lock:
                        page = await self._timed(self._page(target, iterator), budget)
                    if page is None:
                        return None
                    if page.items:
                        await send(("items", target, page.items))
                    # Not held while the next page is fetched: with hundreds of
                    # targets in flight, held pages were a third of the heap
                    # that every full garbage collection walked.
                    del page
            except LightsailError as exc:
                token = iterator.resume_token if iterator is not None else tokens.get(target)
                return FleetFailure(target=target, error=exc, page_token=token)

        return self._stream(targets, produce)

    async def _page(self, target: Target, iterator: PageIterator[T]) -> Page[T] | None:
        try:
            return await iterator.next_page()
        except ExpiredCredentialsError:
            # The service expired the token before the expiry it gave us (or our
            # clock is behind): refresh once and retry the same page.
            if target.role_arn is None:
                raise
            role = await self._role(target)
            await role.credentials.force_refresh()
            return await iterator.next_page()

    async def _timed(self, awaitable: Awaitable[R], budget: _Budget | None = None) -> R:
        """Await within the target's remaining time (``target_timeout`` when no budget)."""
        budget = budget or _Budget(self.target_timeout)
        if budget.remaining is None:
            return await awaitable
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = asyncio.timeout(max(budget.remaining, 0.0))
        try:
            async with deadline:
                return await awaitable
        except TimeoutError as exc:
            if not deadline.expired():  # a request's own timeout: not the target's
                raise
            raise TargetTimeoutError(
                f"target took longer than target_timeout={self.target_timeout:g}s"
            ) from exc
        finally:
            budget.remaining -= loop.time() - started

    def _stream(self, targets: Iterable[Target] | None, produce: _Produce) -> FleetStream[Any]:
        chosen = self.targets if targets is None else tuple(dict.fromkeys(targets))
        unknown = [t for t in chosen if t not in self.targets]
        if unknown:
            raise ValidationError("targets", "must be targets of this fleet", unknown[0])
        return FleetStream(self, chosen, produce)
