"""``Target`` and ``Fleet``: one query fanned out over many accounts × regions at once.

A :class:`Fleet` owns one :class:`~aiolightsail.LightsailClient` per target,
created on first use and reused until the fleet closes (a bot polling every
minute pays for a client once). Work runs in tasks the fleet owns; a stream
left early (``break``, an exception, cancellation) cancels its tasks, and
closing the fleet cancels and awaits whatever is left.

Bounds: ``concurrency`` requests in flight across the fleet, and one request
at a time per target, acquired per page, so a target with a thousand pages
takes its turn with the others instead of starving them (asyncio's
semaphores wake waiters in FIFO order).

Memory: each target's producer holds at most one page while the consumer is
busy, so a sweep's memory is about one page per target in flight, however
many items there are.

Failures are per target: a target that fails is recorded in
``stream.failures`` / ``fleet.failures`` with its error and the page token to
resume from, and the others carry on; ``fail_fast=True`` cancels the rest
and raises instead.
"""

from __future__ import annotations

import asyncio
import re
import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar

import attrs

from aiolightsail import _botocore
from aiolightsail import _validation as check
from aiolightsail._client import DEFAULT_MAX_ATTEMPTS, LightsailClient
from aiolightsail._errors import (
    ExpiredCredentialsError,
    LightsailError,
    TargetTimeoutError,
    ValidationError,
)
from aiolightsail._models import Blueprint, Instance, InstanceSnapshot, Page
from aiolightsail._pagination import PageIterator
from aiolightsail._regions import LIGHTSAIL_REGIONS

__all__ = ["Fleet", "FleetFailure", "FleetStream", "Target"]

T = TypeVar("T")
R = TypeVar("R")

_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}")


def _check_region(_target: Any, _attribute: Any, value: str) -> None:
    check.region(value)


def _optional_text(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.string(value, attribute.name)


def _optional_secret(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Never echo what was given: it may be the secret itself.
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(attribute.name, "must be a non-empty str", show=False)


def _optional_endpoint(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.endpoint_url(value, attribute.name)


@attrs.frozen
class Target:
    """One (account, region) to query.

    The account is given by exactly one of: ``profile`` (an AWS config
    profile), static keys, or nothing (the default credential chain); a
    ``role_arn`` is then assumed with those credentials (STS AssumeRole at the
    region's endpoint), once per role for all its regions, refreshed before
    expiry. Secret fields are left out of ``repr``.

    Args:
        region: the region, e.g. ``"eu-west-1"``.
        profile: an AWS config profile.
        role_arn: ``arn:aws:iam::<account>:role/<name>`` to assume.
        aws_access_key_id: a static access key.
        aws_secret_access_key: its secret (hidden from ``repr``).
        aws_session_token: a session token (hidden from ``repr``).
        endpoint_url: send Lightsail (and STS) requests here, e.g. the emulator.
        name: a label for output; defaults to ``account/region``.
    """

    region: str = attrs.field(validator=_check_region)
    profile: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    role_arn: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    aws_access_key_id: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_text
    )
    aws_secret_access_key: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_secret
    )
    aws_session_token: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_secret
    )
    endpoint_url: str | None = attrs.field(default=None, kw_only=True, validator=_optional_endpoint)
    name: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        check.credentials(
            profile=self.profile,
            access_key_id=self.aws_access_key_id,
            secret_access_key=self.aws_secret_access_key,
            session_token=self.aws_session_token,
        )
        if self.role_arn is not None and not _ROLE_ARN.fullmatch(self.role_arn):
            raise ValidationError(
                "role_arn", "must look like arn:aws:iam::123456789012:role/name", self.role_arn
            )

    @property
    def account(self) -> str:
        """A label for the account: the role's account id, the profile, or the access key id."""
        if self.role_arn is not None:
            match = _ROLE_ARN.fullmatch(self.role_arn)
            assert match is not None  # noqa: S101 - checked in __attrs_post_init__
            return match["account"]
        if self.profile is not None:
            return self.profile
        if self.aws_access_key_id is not None:
            return self.aws_access_key_id
        return "default"

    @property
    def label(self) -> str:
        """``name``, or ``account/region``."""
        return self.name or f"{self.account}/{self.region}"

    def _credential_key(self) -> tuple[str | None, ...]:
        # Targets that share this key share credentials (and an assumed role).
        return (self.role_arn, self.profile, self.aws_access_key_id, self.endpoint_url)


@attrs.frozen(kw_only=True)
class FleetFailure:
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


_Event = tuple[Literal["items", "failure", "raise", "done", "closed"], Target | None, Any]


@attrs.define
class _Budget:
    """What is left of a target's ``target_timeout`` (``None``: no limit)."""

    remaining: float | None


class FleetStream(Generic[T]):
    """A merged stream of ``(target, item)`` from every target, items as their pages arrive.

    Iterate it with ``async for``; leave early and its tasks are cancelled
    (at once with ``async with`` or :meth:`aclose`, otherwise when the stream
    is dropped, and in any case when the fleet closes).

    Attributes:
        failures: the targets that failed in this stream, as they fail.
        targets_total: how many targets the stream covers.
        targets_done: how many have finished (answered in full, or failed), for progress.
    """

    def __init__(
        self,
        fleet: Fleet,
        targets: Sequence[Target],
        produce: Callable[[Target, asyncio.Queue[_Event]], Awaitable[None]],
    ) -> None:
        self._fleet = fleet
        self._targets = targets
        self._produce = produce
        # Pages waiting for the consumer: each producer also holds at most one page
        # while it waits here, so a stream's memory is bounded by its targets.
        self._queue: asyncio.Queue[_Event] = asyncio.Queue(
            maxsize=max(1, min(len(targets), fleet.concurrency))
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._buffer: tuple[Any, ...] = ()
        self._buffer_target: Target | None = None
        self._index = 0
        self._remaining = len(targets)
        self._started = False
        self._closed = False
        self.failures: list[FleetFailure] = []
        self.targets_total = len(targets)
        self.targets_done = 0

    def __aiter__(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _start(self) -> None:
        self._started = True
        for target in self._targets:
            task = self._fleet._spawn(self._produce(target, self._queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def __anext__(self) -> tuple[Target, T]:
        if self._closed:
            raise StopAsyncIteration
        if not self._started:
            self._fleet._require_open()
            self._start()
        while self._index >= len(self._buffer):
            if self._remaining == 0:
                await self.aclose()
                raise StopAsyncIteration
            self._buffer, self._index = (), 0  # a consumed page is not held while waiting
            try:
                kind, target, payload = await self._queue.get()
            except asyncio.CancelledError:
                # The consumer is being cancelled: cancel everything underneath first.
                await self.aclose()
                raise
            if kind == "items":
                self._buffer, self._buffer_target, self._index = payload, target, 0
            elif kind == "failure":
                self.failures.append(payload)
                self._fleet.failures.append(payload)
                if self._fleet.fail_fast:
                    await self.aclose()
                    raise payload.error
            elif kind == "raise":
                # Not a target's failure but a programming error (in `fn`, or ours).
                await self.aclose()
                raise payload
            elif kind == "closed":
                raise RuntimeError(
                    "the Fleet was closed while this stream was being read; "
                    "its results are incomplete"
                )
            else:
                self._remaining -= 1
                self.targets_done += 1
        item = self._buffer[self._index]
        self._index += 1
        assert self._buffer_target is not None  # noqa: S101 - set with the buffer
        return self._buffer_target, item

    async def aclose(self) -> None:
        """Cancel this stream's remaining work and wait for it. Idempotent."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _abort(self) -> None:
        """The fleet is closing: stop the producers and wake a consumer waiting for items."""
        for task in self._tasks:
            task.cancel()
        while not self._queue.empty():
            self._queue.get_nowait()
        if not self._closed:
            self._queue.put_nowait(("closed", None, None))

    def __del__(self) -> None:
        # Left with `break` and dropped: stop the producers now rather than at fleet close.
        for task in getattr(self, "_tasks", ()):
            task.cancel()


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
            "(or set AWS_DEFAULT_REGION, or `region` in the profile)",
            show=False,
        )
    return region


class Fleet:
    """Query many (account, region) targets concurrently, one merged stream of results.

    ::

        async with Fleet(targets, concurrency=32) as fleet:
            async for target, instance in fleet.iter_instances():
                ...
            for failure in fleet.failures:
                ...

    Args:
        targets: the targets; duplicates are dropped.
        concurrency: requests in flight across the whole fleet.
        fail_fast: on the first failing target, cancel the rest and raise its error.
        target_timeout: seconds of request time allowed per target per stream
            (time spent waiting for the consumer does not count).
        max_attempts: total attempts per request (see LightsailClient).

    Attributes:
        failures: the failures of the stream most recently started.
    """

    def __init__(
        self,
        targets: Iterable[Target],
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        target_timeout: float | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self.targets: tuple[Target, ...] = tuple(dict.fromkeys(targets))
        for i, target in enumerate(self.targets):
            if not isinstance(target, Target):
                raise ValidationError(f"targets[{i}]", "must be a Target", target)
        self.concurrency = check.integer(concurrency, "concurrency", low=1, high=100_000)
        self.fail_fast = check.boolean(fail_fast, "fail_fast")
        if target_timeout is not None and (
            isinstance(target_timeout, bool)
            or not isinstance(target_timeout, int | float)
            or target_timeout <= 0
        ):
            raise ValidationError("target_timeout", "must be a positive number of seconds")
        self.target_timeout = target_timeout
        self.max_attempts = check.integer(max_attempts, "max_attempts", low=1, high=100)
        self.failures: list[FleetFailure] = []
        self._state = "new"
        self._semaphore: asyncio.Semaphore | None = None
        self._target_locks: dict[Target, asyncio.Lock] = {}
        self._clients: dict[Target, LightsailClient] = {}
        self._client_locks: dict[Target, asyncio.Lock] = {}
        self._roles: dict[tuple[str | None, ...], asyncio.Task[_botocore.RoleSession]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._streams: weakref.WeakSet[FleetStream[Any]] = weakref.WeakSet()

    @classmethod
    def across(
        cls,
        regions: Iterable[str] | Literal["all"] | None = "all",
        *,
        profiles: Iterable[str | None] | None = None,
        role_arns: Iterable[str] | None = None,
        role_source_profile: str | None = None,
        endpoint_url: str | None = None,
        **fleet_options: Any,
    ) -> Fleet:
        """A fleet over the cross product of regions × accounts.

        Accounts are the ``profiles`` (``None`` in the list means the default
        credential chain) and the ``role_arns`` (assumed with
        ``role_source_profile``, or the default chain). With neither, the
        default credentials are the one account.

        Args:
            regions: region names; ``"all"`` for every Lightsail region; ``None``
                for each account's configured region (``AWS_DEFAULT_REGION``, or
                the ``region`` of its profile, or of ``role_source_profile`` for
                roles), read from the AWS config files through botocore.
            profiles: AWS config profiles.
            role_arns: roles to assume, one account each.
            role_source_profile: the profile whose credentials assume the roles.
            endpoint_url: send every request here (the emulator, a proxy).
            **fleet_options: passed to :class:`Fleet`.

        Returns:
            The fleet (not yet entered).

        Raises:
            ValidationError: no regions, a malformed region or role ARN, or
                (``regions=None``) an account with no configured region.
        """
        if isinstance(regions, str) and regions != "all":
            raise ValidationError("regions", "must be a list of regions, 'all' or None", regions)
        accounts: list[dict[str, Any]] = [{"profile": p} for p in dict.fromkeys(profiles or ())]
        accounts += [
            {"role_arn": r, "profile": role_source_profile} for r in dict.fromkeys(role_arns or ())
        ]
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
        return (
            f"<Fleet {len(self.targets)} targets, concurrency={self.concurrency} [{self._state}]>"
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
        """Cancel every task the fleet started and close every client. Idempotent."""
        if self._state == "closed":
            return
        self._state = "closed"
        for stream in list(self._streams):
            stream._abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
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

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
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
        options: dict[str, Any] = {
            "endpoint_url": target.endpoint_url,
            "max_attempts": self.max_attempts,
        }
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
        return await client.__aenter__()

    async def _role(self, target: Target) -> _botocore.RoleSession:
        # One AssumeRole per (role, base credentials), shared by all regions of the
        # account; concurrent first uses await the same task.
        key = target._credential_key()
        task = self._roles.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            assert target.role_arn is not None  # noqa: S101 - only called for role targets
            keys = (
                (target.aws_access_key_id, target.aws_secret_access_key, target.aws_session_token)
                if target.aws_access_key_id and target.aws_secret_access_key
                else None
            )
            task = self._spawn(
                _botocore.assume_role_session(
                    target.role_arn,
                    base=_botocore.get_session(target.profile),
                    region=target.region,
                    endpoint_url=target.endpoint_url,
                    access_key=keys,
                )
            )
            self._roles[key] = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
            _botocore.reraise(exc, operation="AssumeRole", region=target.region)

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
            The stream; targets whose ``fn`` raised a LightsailError are in its ``failures``.
        """
        semaphore = self._require_open()
        if not callable(fn):
            raise ValidationError("fn", "must be an async function of a LightsailClient", fn)

        async def produce(target: Target, queue: asyncio.Queue[_Event]) -> None:
            async def work() -> R:
                client = await self.client(target)
                async with semaphore:
                    return await fn(client)

            try:
                result = await self._timed(work())
            except asyncio.CancelledError:
                raise
            except LightsailError as exc:
                await queue.put(("failure", target, FleetFailure(target=target, error=exc)))
            except Exception as exc:  # noqa: BLE001 - `fn` is the caller's: hand its bug back
                await queue.put(("raise", target, exc))
            else:
                await queue.put(("items", target, (result,)))
            await queue.put(("done", target, None))

        return self._stream(targets, produce)

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

        async def produce(target: Target, queue: asyncio.Queue[_Event]) -> None:
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
                        break
                    if page.items:
                        await queue.put(("items", target, page.items))
                    # Not held while the next page is fetched: with hundreds of
                    # targets in flight, held pages were a third of the heap
                    # that every full garbage collection walked.
                    del page
            except asyncio.CancelledError:
                raise
            except LightsailError as exc:
                token = iterator.page_token if iterator is not None else tokens.get(target)
                failure = FleetFailure(target=target, error=exc, page_token=token)
                await queue.put(("failure", target, failure))
            except Exception as exc:  # noqa: BLE001 - a bug must surface, not hang the stream
                await queue.put(("raise", target, exc))
            await queue.put(("done", target, None))

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
        try:
            async with asyncio.timeout(max(budget.remaining, 0.0)):
                return await awaitable
        except TimeoutError as exc:
            raise TargetTimeoutError(
                f"target took longer than target_timeout={self.target_timeout}s"
            ) from exc
        finally:
            budget.remaining -= loop.time() - started

    def _stream(
        self,
        targets: Iterable[Target] | None,
        produce: Callable[[Target, asyncio.Queue[_Event]], Awaitable[None]],
    ) -> FleetStream[Any]:
        chosen = self.targets if targets is None else tuple(dict.fromkeys(targets))
        unknown = [t for t in chosen if t not in self.targets]
        if unknown:
            raise ValidationError("targets", "must be targets of this fleet", unknown[0])
        self.failures = []
        stream: FleetStream[Any] = FleetStream(self, chosen, produce)
        self._streams.add(stream)
        return stream
