"""The emulator's HTTP server and its public face, :class:`Emulator`.

One aiohttp low-level server answers both Lightsail (JSON 1.1, dispatched on
``X-Amz-Target`` whatever the path, as AWS does) and STS (Query protocol,
form-encoded ``Action=``) on one port. Every request is authenticated with
SigV4 first; the verified principal's account and credential-scope region
select the :class:`~aiolightsail.emulator._state.RegionState`, so one account
never sees another's resources. Faults are injected after authentication.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypedDict

import attrs
from aiohttp import web
from aiohttp.web_protocol import RequestHandler, RequestPayloadError

from aiolightsail._regions import LIGHTSAIL_REGIONS
from aiolightsail.emulator._auth import Account, AuthError, CredentialStore, Principal
from aiolightsail.emulator._catalogue import BLUEPRINTS_BY_ID, BUNDLES_BY_ID, availability_zones
from aiolightsail.emulator._clock import Clock
from aiolightsail.emulator._context import Handler
from aiolightsail.emulator._errors import ServiceError, bounded, invalid_input
from aiolightsail.emulator._faults import FaultKind, Faults, Stats
from aiolightsail.emulator._operations import HANDLERS, Context
from aiolightsail.emulator._organizations import (
    Organization,
    answer_organizations,
    new_organization,
)
from aiolightsail.emulator._pagination import DEFAULT_PAGE_SIZE, PageTokens
from aiolightsail.emulator._quotas import Quotas
from aiolightsail.emulator._seed import make_instance, make_snapshot, seed_instances, seed_snapshots
from aiolightsail.emulator._state import (
    InstanceRecord,
    PortRule,
    RegionState,
    SnapshotRecord,
    StateStore,
    Timings,
)
from aiolightsail.emulator._sts import handle_sts, is_sts_request, sts_error_status, sts_error_xml

__all__ = ["DEFAULT_ACCOUNT", "ClientKwargs", "Emulator"]


class ClientKwargs(TypedDict):
    """Keyword arguments that point a client at an emulator (:meth:`Emulator.client_kwargs`).

    Typed, so that ``LightsailClient(**kwargs)`` and ``boto3.client("lightsail",
    **kwargs)`` type-check as well as run.
    """

    endpoint_url: str
    region_name: str
    aws_access_key_id: str
    aws_secret_access_key: str


#: The account used when none is given: AWS's documented example account and
#: access key (IAM user guide, "Managing access keys"), so no real key is needed.
DEFAULT_ACCOUNT = Account(
    account_id="123456789012",
    access_key_id="AKIAIOSFODNN7EXAMPLE",
    secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # noqa: S106 - an AWS documentation example
    name="emulator",
)

#: Extra accounts for :meth:`Emulator.seed_demo`: AWS's documented example
#: account ids, its second example key pair, and a made-up key in that style.
_DEMO_ACCOUNTS = (
    Account(
        account_id="111122223333",
        access_key_id="AKIAI44QH8DHBEXAMPLE",
        secret_access_key="je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",  # noqa: S106 - an AWS documentation example
        name="demo-production",
    ),
    Account(
        account_id="444455556666",
        access_key_id="AKIAEMULATORSTAGING1",
        secret_access_key="Uq2aiRDrnFw7gCX6Aq1C0yRn4cZt0JEXAMPLEKEY",  # noqa: S106 - fake, in that style
        name="demo-staging",
    ),
)
_DEMO_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")

_TARGET_PREFIX = "Lightsail_20161128"
_JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
#: How long shutdown waits for in-flight handlers (e.g. ones sleeping on
#: injected latency) before cancelling them.
_SHUTDOWN_TIMEOUT = 0.5
#: The default seconds a connection has to send a request's headers (from
#: connecting, or from the previous answer) and then its body. Longer than the
#: 12 s aiobotocore keeps an idle connection, so a client never reuses one the
#: emulator is closing.
HEADER_TIMEOUT = 30.0
BODY_TIMEOUT = 60.0
#: The deepest JSON request accepted: Lightsail's input shapes are at most four
#: levels deep; Python's decoder fails near a thousand.
_MAX_DEPTH = 32

_log = logging.getLogger("aiolightsail.emulator")


def _json_response(status: int, body: str, request_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=body.encode(),
        headers={"x-amzn-RequestId": request_id, "Content-Type": _JSON_CONTENT_TYPE},
    )


def _error_response(error: ServiceError, request_id: str) -> web.Response:
    return _json_response(error.status, error.to_json(), request_id)


def _depth(value: Any) -> int:
    """How deeply ``value`` (decoded JSON) nests lists and objects, counted without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list) and item:
            deepest = max(deepest, level)
            if level > _MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


class _Connection(RequestHandler):
    """aiohttp's connection handler, with a deadline for request headers and one-line logs.

    A connection must complete a request's headers within ``header_timeout``
    seconds of connecting, or of the previous answer: one that trickles them
    (slow-loris) or sends nothing is closed, with one log line when it had sent
    part of a request. A request aiohttp cannot parse (a bad request line,
    headers too large) is answered with AWS's JSON error shape and one log line,
    not a traceback.
    """

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._deadline: asyncio.TimerHandle | None = None
        self._partial = False

    def __repr__(self) -> str:
        # aiohttp's repr reads attributes a half-built handler lacks.
        return f"<_Connection {_peer(getattr(self, 'transport', None))}>"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.awaiting_request()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.request_started()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is not None and data:
            self._partial = True
        super().data_received(data)

    def awaiting_request(self) -> None:
        """Start the headers' deadline (a request was answered, or the connection opened)."""
        self.request_started()
        self._partial = False
        if self.transport is None:  # the client is gone already
            return
        self._deadline = asyncio.get_running_loop().call_later(self._header_timeout, self._too_slow)

    def request_started(self) -> None:
        """Stop the headers' deadline: a request's headers have arrived."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self._partial:
            _log.warning(
                "closed a connection from %s: its request headers were not complete after %gs",
                _peer(self.transport),
                self._header_timeout,
            )
        self.force_close()

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:  # an error of the emulator itself: worth a traceback
            return super().handle_error(request, status, exc, message)
        _log.warning(
            "refused a malformed request from %s: HTTP %d: %s",
            request.remote,
            status,
            bounded(str(exc or message or "")).replace("\n", " "),
        )
        error = ServiceError(
            "SerializationException",
            f"The request is not valid HTTP: {exc or message or 'unreadable'}",
            status=status,
        )
        response = _error_response(error, str(uuid.uuid4()))
        response.force_close()
        return response


def _peer(transport: asyncio.BaseTransport | None) -> str:
    peer = transport.get_extra_info("peername") if transport is not None else None
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"


class _Server(web.Server):
    """aiohttp's low-level server, whose connections are :class:`_Connection`."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout

    def __call__(self) -> RequestHandler:
        return _Connection(
            self, loop=self._loop, header_timeout=self._header_timeout, **self._kwargs
        )


class Emulator:
    """A local, Lightsail-compatible server for tests, demos and benchmarks.

    Point any AWS client's endpoint URL at :attr:`endpoint_url` and sign with
    one of :attr:`accounts`' keys::

        async with Emulator() as emu:
            emu.seed_instances(count=50)
            client = boto3.client("lightsail", **emu.client_kwargs())

    Args:
        accounts: The accounts that may call it; :data:`DEFAULT_ACCOUNT` when ``None``.
        host: The interface to bind (loopback by default: never expose it).
        port: The port; 0 picks a free one.
        page_size: Items per page of the list operations.
        clock: The time source; real time when ``None``. Pass
            :meth:`Clock.manual` to drive lifecycles and session expiry by hand.
        faults: The fault plan; none when ``None``.
        session_ttl: Lifetime of STS sessions, in seconds.
        seed: Seeds generated ids, addresses, fake data and page tokens.
        timings: How long instances and snapshots stay ``pending``.
        header_timeout: Seconds a connection has to complete a request's
            headers, from connecting or from the previous answer; a slower
            one is closed (slow-loris).
        body_timeout: Seconds a request has to deliver its body once its
            headers arrived; a slower one is answered 408 and closed.
        quotas: The service's quotas (AWS's by default) and the bounds on what
            the emulator keeps (:class:`~aiolightsail.emulator.Quotas`).
    """

    def __init__(
        self,
        accounts: Iterable[Account] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
        clock: Clock | None = None,
        faults: Faults | None = None,
        session_ttl: float = 3600.0,
        seed: int = 0,
        timings: Timings | None = None,
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        quotas: Quotas | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size!r}")
        for name, seconds in (("header_timeout", header_timeout), ("body_timeout", body_timeout)):
            if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
                raise ValueError(f"{name} must be a finite number of seconds > 0, got {seconds!r}")
        self.header_timeout = float(header_timeout)
        self.body_timeout = float(body_timeout)
        accounts = list(accounts) if accounts is not None else [DEFAULT_ACCOUNT]
        if not accounts:
            raise ValueError("an Emulator needs at least one account")
        self.clock = clock if clock is not None else Clock()
        self.faults = faults if faults is not None else Faults(seed=seed)
        self.quotas = quotas if quotas is not None else Quotas()
        self.stats = Stats(call_log=self.quotas.call_log)
        self.page_size = page_size
        self.timings = timings if timings is not None else Timings()
        self.seed = seed
        self.credentials = CredentialStore(
            accounts,
            clock=self.clock.now,
            session_ttl=session_ttl,
            max_sessions=self.quotas.sessions,
        )
        self._default_account_id = accounts[0].account_id
        self._host = host
        self._port = port
        self._states = StateStore(seed)
        self._tokens = PageTokens.from_seed(seed)
        #: The organization the accounts belong to (``create_organization``), if any.
        self.organization: Organization | None = None
        self._runner: web.ServerRunner | None = None
        self._closed = False
        self._closing = asyncio.Event()
        self._url: str | None = None
        # What reset() goes back to.
        self._initial_accounts = tuple(accounts)
        self._initial_faults = attrs.evolve(self.faults)
        self._initial_page_size = page_size
        self._initial_timings = self.timings

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the port and start serving; a no-op if already running.

        Raises:
            RuntimeError: If the emulator was closed: create a new one instead.
        """
        if self._closed:
            raise RuntimeError("this Emulator is closed; create a new Emulator to serve again")
        if self._runner is not None:
            return
        server = _Server(
            self._handle,
            header_timeout=self.header_timeout,
            access_log=None,
            # No lingering: a body left unread is a slow client's, not worth waiting for.
            lingering_time=0,
        )
        runner = web.ServerRunner(server, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    async def aclose(self) -> None:
        """Stop serving and close every connection. Idempotent."""
        self._closed = True
        # Wakes handlers sleeping on injected latency, so shutdown never waits for them.
        self._closing.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        if getattr(self, "_runner", None) is not None:
            warnings.warn(
                f"unclosed {self!r}: use 'async with Emulator()' or await aclose()",
                ResourceWarning,
                stacklevel=1,
            )

    def __repr__(self) -> str:
        # Read with defaults: a half-built emulator must describe itself too.
        runner, closed = getattr(self, "_runner", None), getattr(self, "_closed", False)
        state = "running" if runner else ("closed" if closed else "not started")
        return f"<Emulator {getattr(self, '_url', None) or ''} {state}>".replace("  ", " ")

    @property
    def endpoint_url(self) -> str:
        """The URL to give clients, e.g. ``http://127.0.0.1:54321``.

        Raises:
            RuntimeError: If the emulator is not running.
        """
        if self._url is None or self._runner is None:
            raise RuntimeError("the Emulator is not running: use 'async with' or await start()")
        return self._url

    # ------------------------------------------------------------ accounts

    @property
    def accounts(self) -> Mapping[str, Account]:
        """The accounts that may call the emulator, by account id."""
        return self.credentials.accounts

    @property
    def default_account(self) -> Account:
        """The first account given (or :data:`DEFAULT_ACCOUNT`)."""
        return self.credentials.accounts[self._default_account_id]

    def add_account(self, account: Account) -> None:
        """Let another account call the emulator (or replace one by account id).

        Args:
            account: The account.
        """
        self.credentials.add_account(account)

    def client_kwargs(
        self, account_id: str | None = None, region: str = "us-east-1"
    ) -> ClientKwargs:
        """Return keyword arguments for ``LightsailClient(...)``, ``boto3.client("lightsail", ...)``
        and friends.

        Args:
            account_id: Whose keys to use; the default account when ``None``.
            region: The region to sign for.

        Returns:
            ``endpoint_url``, ``region_name``, ``aws_access_key_id`` and
            ``aws_secret_access_key``.
        """
        account = self.accounts[account_id or self._default_account_id]
        return {
            "endpoint_url": self.endpoint_url,
            "region_name": region,
            "aws_access_key_id": account.access_key_id,
            "aws_secret_access_key": account.secret_access_key,
        }

    # ------------------------------------------------------------ state and seeding

    def reset(self) -> None:
        """Forget everything done since construction; keep serving at :attr:`endpoint_url`.

        Drops every resource, every account added and every STS session issued;
        restores the accounts, fault plan, page size and timings given to the
        constructor (``faults`` becomes a fresh copy of that plan, with no
        scripted faults); zeroes ``stats``; turns ``clock`` back to where it
        started. Call it while no request is being served.
        """
        self.clock.reset()
        self.credentials = CredentialStore(
            self._initial_accounts, clock=self.clock.now, session_ttl=self.credentials.session_ttl
        )
        self.faults = attrs.evolve(self._initial_faults)
        self.stats.reset()
        self.page_size = self._initial_page_size
        self.timings = self._initial_timings
        self._states = StateStore(self.seed)
        self.organization = None

    def create_organization(
        self,
        management_account_id: str | None = None,
        *,
        members: Iterable[str] | None = None,
        delegated_administrators: Iterable[str] = (),
    ) -> Organization:
        """Put accounts in an AWS Organization, which ``ListAccounts`` then lists.

        Until this is called, Organizations answers every account with
        ``AWSOrganizationsNotInUseException``. Add suspended or unknown
        accounts with :meth:`Organization.add_member
        <aiolightsail.emulator.Organization.add_member>`.

        Args:
            management_account_id: the account that manages it; the default account when ``None``.
            members: the other accounts' ids (default: every account the emulator knows).
            delegated_administrators: members that may list the accounts too.

        Returns:
            The organization (live: edit it while the emulator runs).
        """
        management = management_account_id or self._default_account_id
        self.organization = new_organization(
            management,
            self.accounts if members is None else members,
            delegated_administrators=delegated_administrators,
        )
        return self.organization

    def state(self, account_id: str | None = None, region: str = "us-east-1") -> RegionState:
        """Return the live state of an account in a region, for assertions and edits.

        Args:
            account_id: The account; the default account when ``None``.
            region: The region.

        Returns:
            The state (created empty on first use).
        """
        return self._states.get(account_id or self._default_account_id, region)

    def seed_instances(
        self,
        account_id: str | None = None,
        region: str = "us-east-1",
        count: int = 10,
        *,
        prefix: str | None = None,
        running: bool = True,
    ) -> list[InstanceRecord]:
        """Add ``count`` varied, realistic instances (deterministic for a given seed).

        Args:
            account_id: The account; the default account when ``None``.
            region: The region.
            count: How many.
            prefix: Name them ``<prefix>-01``, ``<prefix>-02``... instead of
                generated ``<role>-<env>-<hex>`` names.
            running: If false they are created ``pending`` now.

        Returns:
            The records added, in pagination order.
        """
        return seed_instances(
            self.state(account_id, region),
            count,
            now=self.clock.now(),
            timings=self.timings,
            prefix=prefix,
            running=running,
        )

    def seed_snapshots(
        self, account_id: str | None = None, region: str = "us-east-1", count: int = 5
    ) -> list[SnapshotRecord]:
        """Add ``count`` available snapshots of existing (or newly seeded) instances.

        Args:
            account_id: The account; the default account when ``None``.
            region: The region.
            count: How many.

        Returns:
            The records added.
        """
        state = self.state(account_id, region)
        return seed_snapshots(state, count, now=self.clock.now(), timings=self.timings)

    def add_key_pair(
        self, name: str, account_id: str | None = None, region: str = "us-east-1"
    ) -> None:
        """Give an account a key pair in a region, for ``CreateInstances(keyPairName=...)``.

        Every region has ``LightsailDefaultKeyPair`` from the start; a name the
        region does not hold is refused with ``NotFoundException``, as the service
        refuses it.

        Args:
            name: The key pair's name.
            account_id: The account; the default account when ``None``.
            region: The region.
        """
        self.state(account_id, region).key_pairs.add(name)

    def add_instance(
        self,
        account_id: str | None,
        region: str,
        name: str,
        *,
        blueprint_id: str = "ubuntu_22_04",
        bundle_id: str = "micro_3_0",
        availability_zone: str | None = None,
        tags: Mapping[str, str] | None = None,
        state: str = "running",
        created_at: float | None = None,
        ip_address_type: str | None = None,
        key_pair_name: str | None = None,
        ports: Sequence[tuple[int, int, str]] | None = None,
    ) -> InstanceRecord:
        """Add one instance with chosen details.

        Args:
            account_id: The account; the default account when ``None``.
            region: The region.
            name: The instance name (unique in the account and region).
            blueprint_id: A catalogue blueprint id.
            bundle_id: A catalogue bundle id.
            availability_zone: The zone; the region's first when ``None``.
            tags: Tags by key.
            state: ``running``, ``pending`` (boots with the clock) or any
                fixed state such as ``stopped``.
            created_at: Creation time; an hour ago (``now`` when pending) when ``None``.
            ip_address_type: ``dualstack``, ``ipv4`` or ``ipv6``.
            key_pair_name: The SSH key pair name.
            ports: Open ports as (fromPort, toPort, protocol); the blueprint's
                defaults when ``None``.

        Returns:
            The stored record.

        Raises:
            KeyError: For an unknown blueprint or bundle id.
            ServiceError: ``InvalidInputException`` if the name is taken.
        """
        now = self.clock.now()
        if created_at is None:
            created_at = now if state == "pending" else now - 3600.0
        region_state = self.state(account_id, region)
        record = make_instance(
            region_state,
            name=name,
            availability_zone=availability_zone or availability_zones(region)[0],
            blueprint=BLUEPRINTS_BY_ID[blueprint_id],
            bundle=BUNDLES_BY_ID[bundle_id],
            created_at=created_at,
            timings=self.timings,
            tags=tuple((tags or {}).items()),
            key_pair_name=key_pair_name,
            ip_address_type=ip_address_type,
            forced_state=None if state in ("running", "pending") else state,
            ports=None
            if ports is None
            else [PortRule(from_port=f, to_port=t, protocol=p) for f, t, p in ports],
        )
        if state == "running":
            record.ready_at = min(record.ready_at, now)
        return region_state.add_instance(record)

    def add_snapshot(
        self,
        account_id: str | None,
        region: str,
        name: str,
        *,
        instance_name: str,
        state: str = "available",
    ) -> SnapshotRecord:
        """Add one snapshot of an existing instance.

        Args:
            account_id: The account; the default account when ``None``.
            region: The region.
            name: The snapshot name.
            instance_name: The instance it is taken from.
            state: ``available`` or ``pending`` (completes with the clock).

        Returns:
            The stored record.
        """
        region_state = self.state(account_id, region)
        now = self.clock.now()
        record = make_snapshot(
            region_state,
            name=name,
            instance=region_state.get_instance(instance_name),
            created_at=now if state == "pending" else now - 3600.0,
            timings=self.timings,
        )
        if state == "available":
            record.ready_at = min(record.ready_at, now)
        return region_state.add_snapshot(record)

    def seed_demo(
        self,
        *,
        regions: Sequence[str] = _DEMO_REGIONS,
        instances_per_region: tuple[int, int] = (8, 30),
        snapshots_per_instance: float = 0.4,
    ) -> list[Account]:
        """Seed a demo organisation: three accounts, several regions, a few hundred resources.

        Adds two accounts with AWS's documented example ids and keys (if not
        already present) next to the default one, then seeds every account in
        every region with a deterministic number of instances and snapshots.

        Args:
            regions: The regions to populate.
            instances_per_region: (fewest, most) instances per account and region.
            snapshots_per_instance: Snapshots per instance, on average.

        Returns:
            The demo accounts, the default first.
        """
        for account in _DEMO_ACCOUNTS:
            if account.account_id not in self.accounts:
                self.add_account(account)
        accounts = [self.default_account, *(self.accounts[a.account_id] for a in _DEMO_ACCOUNTS)]
        for account in accounts:
            for region in regions:
                state = self.state(account.account_id, region)
                low, high = instances_per_region
                count = low + state.rng.randrange(high - low + 1)
                self.seed_instances(account.account_id, region, count)
                self.seed_snapshots(
                    account.account_id, region, round(count * snapshots_per_instance)
                )
        return accounts

    # ------------------------------------------------------------ serving

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        connection = request.protocol
        if isinstance(connection, _Connection):
            connection.request_started()
        try:
            return await self._answer(request)
        finally:
            if isinstance(connection, _Connection):
                connection.awaiting_request()

    async def _answer(self, request: web.BaseRequest) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        if request.method != "POST":
            # AWS's JSON front ends only route POSTs; anything else is an
            # operation they cannot find.
            return _error_response(
                ServiceError(
                    "UnknownOperationException",
                    f"{request.method} is not supported: Lightsail takes POST requests.",
                    status=405,
                ),
                request_id,
            )
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await request.read()
        except TimeoutError:
            _log.warning(
                "closed a connection from %s: its request body was not complete after %gs",
                request.remote,
                self.body_timeout,
            )
            error = ServiceError("RequestTimeoutException", "The request body was too slow.")
            response = _json_response(408, error.to_json(), request_id)
            response.force_close()
            return response
        except web.HTTPRequestEntityTooLarge as exc:
            error = ServiceError("SerializationException", exc.text or "", status=413)
            return self._error(error, request_id)
        except RequestPayloadError:
            # A Content-Encoding (gzip, deflate) whose bytes do not decode: the
            # client's mistake, answered as AWS answers a body it cannot read.
            encoding = bounded(request.headers.get("Content-Encoding", ""))
            error = ServiceError(
                "SerializationException",
                f"The request body cannot be decoded as its Content-Encoding ({encoding!r}) says.",
            )
            # The rest of the body cannot be read past the bad bytes: the
            # connection ends with this answer (Connection: close).
            response = self._error(error, request_id)
            response.force_close()
            return response
        except ConnectionError:
            _log.info("a client from %s hung up before sending its body", request.remote)
            return self._drop(request)
        headers = request.headers
        path, _, query = request.raw_path.partition("?")
        try:
            principal = self.credentials.verify(
                method=request.method,
                path=path,
                query_string=query,
                headers=headers,
                body=body,
                wall_clock=time.time(),
            )
        except AuthError as err:
            self.stats.auth_failures += 1
            if is_sts_request(headers, body):
                return web.Response(
                    status=sts_error_status(err),
                    text=sts_error_xml(err, request_id),
                    content_type="text/xml",
                    headers={"x-amzn-RequestId": request_id},
                )
            body_json = json.dumps({"__type": err.code, "message": bounded(err.message)})
            return _json_response(err.status, body_json, request_id)
        if is_sts_request(headers, body, principal.service):
            self.stats.sts_requests += 1
            status, xml = handle_sts(
                principal=principal,
                body=body,
                store=self.credentials,
                request_id=request_id,
                stats=self.stats,
            )
            return web.Response(
                status=status,
                text=xml,
                content_type="text/xml",
                headers={"x-amzn-RequestId": request_id},
            )
        if principal.service == "organizations":
            return self._organizations(request, body, principal, request_id)
        return await self._lightsail(
            request, body, principal.account_id, principal.region, request_id
        )

    def _organizations(
        self, request: web.BaseRequest, body: bytes, principal: Principal, request_id: str
    ) -> web.StreamResponse:
        answer = answer_organizations(
            self.organization,
            principal=principal,
            target=request.headers.get("X-Amz-Target", ""),
            body=body,
            page_size=self.page_size,
            tokens=self._tokens,
            faults=self.faults,
            stats=self.stats,
        )
        if answer is None:
            return self._drop(request)
        if isinstance(answer, ServiceError):
            return self._error(answer, request_id)
        return _json_response(200, answer, request_id)

    async def _lightsail(
        self,
        request: web.BaseRequest,
        body: bytes,
        account_id: str,
        region: str,
        request_id: str,
    ) -> web.StreamResponse:
        prefix, _, operation = request.headers.get("X-Amz-Target", "").partition(".")
        handler = HANDLERS.get(operation) if prefix == _TARGET_PREFIX else None
        if handler is None:
            self.stats.errors["UnknownOperationException"] += 1
            target = bounded(request.headers.get("X-Amz-Target", ""))
            return _error_response(
                ServiceError(
                    "UnknownOperationException",
                    f"The operation {target!r} is not one this Lightsail endpoint serves "
                    f"(X-Amz-Target must be {_TARGET_PREFIX}.<Operation>).",
                    status=400,
                ),
                request_id,
            )
        self.stats.requests[operation] += 1
        delay = self.faults.delay(operation)
        if delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
            if self._closing.is_set():
                return self._drop(request)
        fault = self.faults.decide(operation)
        if isinstance(fault, ServiceError):
            self.stats.faults[fault.error_type] += 1
            return self._error(fault, request_id)
        if fault is not None:
            self.stats.faults[fault.value] += 1
            if fault is FaultKind.DROP:
                return self._drop(request)
            if not fault.after_applying:
                return self._error(fault.to_error(), request_id)
        answer = self._carry_out(request, body, operation, handler, account_id, region, request_id)
        if isinstance(fault, FaultKind) and fault.after_applying:
            if fault is FaultKind.APPLY_THEN_DROP:
                return self._drop(request)
            return self._error(fault.to_error(), request_id)
        return answer

    def _carry_out(
        self,
        request: web.BaseRequest,
        body: bytes,
        operation: str,
        handler: Handler,
        account_id: str,
        region: str,
        request_id: str,
    ) -> web.Response:
        if region not in LIGHTSAIL_REGIONS:
            return self._error(
                invalid_input(f"Lightsail is not available in region {region!r}."), request_id
            )
        try:
            params = json.loads(body) if body else {}
        except (ValueError, RecursionError):
            params = None
        if not isinstance(params, dict):
            error = ServiceError("SerializationException", "The request body is not a JSON object.")
            return self._error(error, request_id)
        if _depth(params) > _MAX_DEPTH:
            error = ServiceError(
                "SerializationException",
                f"The request body nests deeper than {_MAX_DEPTH} levels.",
            )
            return self._error(error, request_id)
        context = Context(
            state=self._states.get(account_id, region),
            account_id=account_id,
            region=region,
            now=self.clock.now(),
            page_size=self.page_size,
            tokens=self._tokens,
            timings=self.timings,
            faults=self.faults,
            quotas=self.quotas,
        )
        try:
            text = handler(context, params)
        except ServiceError as error:
            return self._error(error, request_id)
        except Exception:  # noqa: BLE001 - logged with its traceback, answered 500
            # A bug of the emulator: logged with its traceback, answered as AWS
            # answers its own failures.
            _log.exception("%s failed on a request from %s", operation, request.remote)
            return self._error(ServiceError("InternalFailure", "", status=500), request_id)
        return _json_response(200, text, request_id)

    def _error(self, error: ServiceError, request_id: str) -> web.Response:
        self.stats.errors[error.error_type] += 1
        return _error_response(error, request_id)

    @staticmethod
    def _drop(request: web.BaseRequest) -> web.StreamResponse:
        # Abort (RST, no response bytes): the client sees a reset connection,
        # which botocore treats as a retryable connection error. aiohttp then
        # finds the transport gone and drops the response we return.
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=500)
