"""``Fleet``: one query fanned out over many accounts × regions at once, the public face.

The fleet's parts, one job each: the scope (``_scope``: open state, owned
tasks, the clients lent to targets in flight, roles and account ids shared
per account), the per-target engine (``_engine``: concurrency, turns,
deadline budget, credential refresh), the stream (``_stream``), the watch
(``_watch``), accounts × regions (``_across``) and the failure types
(``_failure``). The fleet checks what it is given and wires them together.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, TypedDict, TypeVar, Unpack, overload

from aiolightsail import _instrument, _waiters
from aiolightsail import _validation as check
from aiolightsail._botocore import Config
from aiolightsail._client import DEFAULT_WAIT_TIMEOUT, LightsailClient
from aiolightsail._errors import LightsailError, NotFoundError, ValidationError
from aiolightsail._models import Blueprint, Instance, InstanceSnapshot
from aiolightsail._options import (
    DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    ClientOptions,
)
from aiolightsail._pagination import DEFAULT_MAX_PAGES, PageIterator
from aiolightsail._target import Target
from aiolightsail.fanout import _act
from aiolightsail.fanout._across import expand
from aiolightsail.fanout._engine import DEFAULT_TARGET_TIMEOUT, Budget, Engine
from aiolightsail.fanout._failure import FleetFailure, FoundInstances
from aiolightsail.fanout._organization import DEFAULT_ORGANIZATIONS_REGION, organization_targets
from aiolightsail.fanout._scope import Scope
from aiolightsail.fanout._stream import FleetStream, Produce, Send
from aiolightsail.fanout._watch import InstanceChange, InstanceWatch, TargetHealthChange

__all__ = ["Fleet"]

T = TypeVar("T")
R = TypeVar("R")


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
        # Each target's position, built once: membership and order in O(1) per target.
        self._positions: dict[Target, int] = {}
        for i, target in enumerate(self.targets):
            if not isinstance(target, Target):
                raise ValidationError(f"targets[{i}]", "must be a Target", target)
            self._positions[target] = i
        self.concurrency = check.integer(concurrency, "concurrency", low=1, high=100_000)
        self.fail_fast = check.boolean(fail_fast, "fail_fast")
        self.target_timeout = check.optional_seconds(target_timeout, "target_timeout")
        options = ClientOptions(
            max_attempts=max_attempts,
            retry_mode=retry_mode,
            config=config,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            attempt_timeout=attempt_timeout,
            call_timeout=call_timeout,
            max_pages=max_pages,
        )
        self.max_attempts = options.max_attempts
        # One dispatch for the fleet and its clients: a failing hook is reported once.
        self._dispatch = _instrument.dispatch_of(instrument)
        self._scope = Scope(
            concurrency=self.concurrency,
            options=options,
            dispatch=self._dispatch,
            timer=lambda: self._timer,
        )
        self._engine = Engine(self._scope, target_timeout=self.target_timeout)

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
        targets = expand(
            regions,
            profiles=profiles,
            role_arns=role_arns,
            role_source_profile=role_source_profile,
            keys=keys,
            endpoint_url=endpoint_url,
        )
        return cls(targets, **fleet_options)

    @classmethod
    async def from_organization(
        cls,
        role_name: str,
        *,
        regions: Iterable[str] | Literal["all"] = "all",
        profile: str | None = None,
        external_id: str | None = None,
        role_session_name: str | None = None,
        duration_seconds: int | None = None,
        skip_management_account: bool = False,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        endpoint_url: str | None = None,
        organizations_region: str = DEFAULT_ORGANIZATIONS_REGION,
        **fleet_options: Unpack[_FleetOptions],
    ) -> Fleet:
        """A fleet over every active account of an AWS Organization × ``regions``, by role.

        Lists the organization's accounts (Organizations ``ListAccounts``,
        every page) with ``profile``'s credentials, which must be the
        management account's or a delegated administrator's, and builds one
        target per active account and region that assumes
        ``arn:<partition>:iam::<account>:role/<role_name>`` with those same
        credentials.

        Args:
            role_name: the role every account has (``OrganizationAccountAccessRole``,
                or your own), with its path if it has one.
            regions: region names, or ``"all"`` for every Lightsail region.
            profile: the profile that lists the accounts and assumes the roles
                (``None``: the default credential chain).
            external_id: AssumeRole's ``ExternalId``, for every role.
            role_session_name: AssumeRole's ``RoleSessionName``, for every role.
            duration_seconds: the roles' credentials' lifetime, 900 to 43200.
            skip_management_account: leave out the account that manages the
                organization (asked of ``DescribeOrganization``), which often
                has no such role.
            include: only these account ids (each must be an active account).
            exclude: never these account ids.
            endpoint_url: send every request here (Organizations, STS,
                Lightsail), e.g. the emulator.
            organizations_region: where Organizations is called: ``us-east-1``
                in the ``aws`` partition.
            **fleet_options: passed to :class:`Fleet`; its deadlines and
                retries apply to the Organizations requests too.

        Returns:
            The fleet (not yet entered), its targets in the listing's account
            order, each account's regions in the order given.

        Raises:
            ValidationError: a malformed argument (nothing is sent), or
                ``include`` naming an account that is not an active one.
            LightsailError: Organizations refused or failed; for instance
                ``AccessDeniedError`` for a member account, an ``APIError``
                with code ``AWSOrganizationsNotInUseException`` outside any
                organization.
        """
        options = cls((), **fleet_options)  # checks the options before anything is sent
        targets = await organization_targets(
            role_name,
            regions=regions,
            profile=profile,
            external_id=external_id,
            role_session_name=role_session_name,
            duration_seconds=duration_seconds,
            skip_management_account=skip_management_account,
            include=include,
            exclude=exclude,
            endpoint_url=endpoint_url,
            organizations_region=organizations_region,
            options=options._scope.options,
        )
        return cls(targets, **fleet_options)

    # -- lifecycle ------------------------------------------------------------

    def __repr__(self) -> str:
        # Read with defaults: a half-built fleet (its __init__ refused an argument)
        # must describe itself too.
        targets = len(getattr(self, "targets", ()))
        concurrency = getattr(self, "concurrency", None)
        scope = getattr(self, "_scope", None)
        state = scope.state if scope is not None else "incomplete"
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
        if self._scope.state != "new":
            raise RuntimeError(f"this Fleet is {self._scope.state}; create a new Fleet instead")
        self._scope.open()
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
        if self._scope.state == "closed":
            return
        self._scope.state = "closed"
        closing = asyncio.ensure_future(self._scope.close())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing
            raise

    def __del__(self, _warn: Any = warnings.warn) -> None:
        scope = getattr(self, "_scope", None)
        if scope is not None and scope.state == "open":
            _warn(
                f"{self!r} was never closed; use 'async with Fleet(...)'",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    def _require_open(self) -> object:
        return self._scope.require_open()

    def _choose(self, targets: Iterable[Target] | None) -> tuple[Target, ...]:
        """``targets`` (deduplicated, in the order given), or all; each must be the fleet's."""
        if targets is None:
            return self.targets
        chosen = tuple(dict.fromkeys(targets))
        for target in chosen:
            if target not in self._positions:
                raise ValidationError("targets", "must be targets of this fleet", target)
        return chosen

    def _stream(
        self,
        targets: Iterable[Target] | None,
        produce: Produce,
        *,
        expected: tuple[type[LightsailError], ...] = (),
    ) -> FleetStream[Any]:
        self._require_open()
        return FleetStream(
            self._choose(targets),
            produce,
            concurrency=self.concurrency,
            fail_fast=self.fail_fast,
            dispatch=self._dispatch,
            start=self._scope.start,
            require_open=self._scope.require_open,
            prepare=self._scope.prepare,
            expected=expected,
        )

    # -- clients and accounts ---------------------------------------------------

    async def client(self, target: Target) -> LightsailClient:
        """The fleet's open client for ``target``, created on first use and kept until it closes.

        A sweep opens and closes its own clients; a client asked for here is
        kept, and sweeps of its target use it too.

        Raises:
            LightsailError: the client could not be created (credentials, STS).
        """
        self._require_open()
        return await self._scope.pinned_client(target)

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
        if target not in self._positions:
            raise ValidationError("target", "must be a target of this fleet", target)
        if target.role_arn is not None:
            return target.account
        # The request itself is bounded by call_timeout; each caller by target_timeout.
        return await Budget(self.target_timeout).run(self._scope.account_id(target))

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
        self._require_open()
        if not callable(fn):
            raise ValidationError("fn", "must be an async function of a LightsailClient", fn)
        return self._map(fn, targets)

    def _map(
        self,
        fn: Callable[[LightsailClient], Awaitable[R]],
        targets: Iterable[Target] | None,
        *,
        expected: tuple[type[LightsailError], ...] = (),
    ) -> FleetStream[R]:
        engine = self._engine

        async def produce(target: Target, send: Send) -> FleetFailure | None:
            # Anything but a LightsailError is the caller's bug (or ours): it
            # leaves the producer and ends the stream, raised as itself.
            try:
                result = await engine.call(target, fn)
            except LightsailError as exc:
                return FleetFailure(target=target, error=exc)
            await send((result,))
            return None

        return self._stream(targets, produce, expected=expected)

    @overload
    def watch_instances(
        self,
        *,
        interval: float = 60.0,
        targets: Iterable[Target] | None = None,
        max_sweeps: int | None = None,
        health: Literal[False] = False,
    ) -> InstanceWatch[InstanceChange]: ...

    @overload
    def watch_instances(
        self,
        *,
        interval: float = 60.0,
        targets: Iterable[Target] | None = None,
        max_sweeps: int | None = None,
        health: bool,
    ) -> InstanceWatch[InstanceChange | TargetHealthChange]: ...

    def watch_instances(
        self,
        *,
        interval: float = 60.0,
        targets: Iterable[Target] | None = None,
        max_sweeps: int | None = None,
        health: bool = False,
    ) -> InstanceWatch[InstanceChange] | InstanceWatch[InstanceChange | TargetHealthChange]:
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
            health: also yield a :class:`~aiolightsail.TargetHealthChange` when a
                target starts failing (once, however many sweeps it fails) and
                when it answers again.

        Returns:
            The watch, an async iterator of :class:`~aiolightsail.InstanceChange`
            (and, with ``health=True``, of :class:`~aiolightsail.TargetHealthChange`).
        """
        self._require_open()
        interval = check.duration(interval, "interval")
        if max_sweeps is not None:
            check.integer(max_sweeps, "max_sweeps", low=1, high=2**62)
        check.boolean(health, "health")
        watch: InstanceWatch[Any] = InstanceWatch(
            targets=self._choose(targets),
            interval=interval,
            max_sweeps=max_sweeps,
            list_target=self._list_instances,
            start=self._scope.start,
            require_open=self._require_open,
            timer=self._timer,
            concurrency=self.concurrency,
            fail_fast=self.fail_fast,
            prepare=self._scope.prepare,
            health=health,
        )
        return watch

    async def _list_instances(self, target: Target) -> tuple[Instance, ...] | FleetFailure:
        """Every instance of ``target``, or its failure: what one watch sweep asks of a target."""
        items: list[Instance] = []
        run = _instrument.TargetRun(self._dispatch, label=target.label, region=target.region)

        async def collect(page: tuple[Instance, ...]) -> None:
            items.extend(page)
            run.items = len(items)

        try:
            failure = await self._engine.pages(
                target, lambda client: client.iter_instances(), collect
            )
        except BaseException as exc:
            run.interrupted(exc)
            raise
        if failure is not None:
            run.failed(failure.error, reported=not self.fail_fast)
            return failure
        run.finished()
        return tuple(items)

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
        self._require_open()
        found = FoundInstances()
        stream = self._map(
            lambda c: c.get_instance(instance_name), targets, expected=(NotFoundError,)
        )
        async with stream:
            async for target, instance in stream:
                found.append((target, instance))
        found.sort(key=lambda pair: self._positions[pair[0]])
        found.failures = [f for f in stream.failures if not isinstance(f.error, NotFoundError)]
        return found

    async def act(
        self,
        action: str,
        instance_name: str,
        *,
        target: Target | None = None,
        # A parameter, not asyncio.timeout(): one deadline over the steps, and a deadline
        # that ends the action's request must read as "outcome unknown", not "not done".
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
    ) -> Instance:
        """Start, stop or reboot one instance, and wait until it is in its new state.

        One deadline covers it all: finding the instance, the action, its
        operations, the new state. The action methods of the client (which
        return the operations at once) are what it sends::

            instance = await fleet.act("reboot", "web-1", timeout=300)
            print(instance.name, instance.state_name)  # web-1 running

        Args:
            action: ``"start"`` (to ``running``), ``"stop"`` (to ``stopped``) or
                ``"reboot"`` (its operation ended, ``running``).
            instance_name: the instance.
            target: where it is; ``None``: the one target that has an instance
                of that name (see :meth:`find_instances`).
            timeout: seconds for everything.

        Returns:
            The instance in its new state.

        Raises:
            ValidationError: a bad argument; a ``target`` not of this fleet; a name
                found in several targets (nothing is sent).
            NotFoundError: no target has the instance (nothing is sent).
            WaitTimeoutError: the deadline passed before the instance was found
                (``last`` ``None``; nothing was sent) or while waiting (``last``:
                the operations, then the instance).
            WriteOutcomeUnknownError: the deadline passed while the action's request
                was in flight, or the client could not tell whether it was done: it
                may have been, and it is not sent again (see ``docs/reliability.md``).
            WaitFailedError: the action's operation failed, or the instance is
                going away.
            APIError: the service refused the action (starting a running instance).
        """
        self._require_open()
        return await _act.act(
            self, action, instance_name, target=target, timeout=timeout, timer=self._timer
        )

    def _paged(
        self,
        make: Callable[[LightsailClient, str | None], PageIterator[T]],
        targets: Iterable[Target] | None,
        page_tokens: Mapping[Target, str | None] | None,
    ) -> FleetStream[T]:
        self._require_open()
        tokens = dict(page_tokens or {})
        for target, token in tokens.items():
            if target not in self._positions:
                raise ValidationError(
                    "page_tokens", "must be keyed by targets of this fleet", target
                )
            check.page_token(token, f"page_tokens[{target.label!r}]")
        engine = self._engine

        async def produce(target: Target, send: Send) -> FleetFailure | None:
            token = tokens.get(target)
            return await engine.pages(
                target, lambda client: make(client, token), send, page_token=token
            )

        return self._stream(targets, produce)
