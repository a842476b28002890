"""``LightsailClient``: the instance operations, typed, over one aiobotocore client.

Every method checks its input first (``_validation``), sends one request
through the botocore boundary (``_botocore``), and builds models from the
answer as the operations table says (``_operations``); every failure of a
request is translated in one place (``_botocore.translate``).
"""

from __future__ import annotations

import asyncio
import functools
import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from aiolightsail import _botocore, _instrument, _logging, _waiters, _writes
from aiolightsail import _operations as ops
from aiolightsail import _validation as check
from aiolightsail._botocore import Config
from aiolightsail._errors import RequestTimeoutError, ResponseError, ValidationError
from aiolightsail._gate import take_turn
from aiolightsail._models import (
    Blueprint,
    Bundle,
    Instance,
    InstanceAccessDetails,
    InstancePortState,
    InstanceSnapshot,
    InstanceState,
    MetricDatapoint,
    Operation,
    Page,
    PortInfo,
    Region,
)
from aiolightsail._models import Model as _Model
from aiolightsail._models._answers import convert_answer, decode_answer
from aiolightsail._options import (
    DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_POOL_CONNECTIONS,
    DEFAULT_READ_TIMEOUT,
    ClientOptions,
)
from aiolightsail._pagination import DEFAULT_MAX_PAGES, PageIterator

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

__all__ = [
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_READ_TIMEOUT",
    "LightsailClient",
]


_M = TypeVar("_M", bound=_Model)

#: What a client's call_timeout bounds when it opens, as its RequestTimeoutError says.
OPENING = "opening the client (resolving credentials, reading the configuration)"

#: How long a waiter waits by default, in seconds.
DEFAULT_WAIT_TIMEOUT = 600.0


def _unfit(exc: Exception, op: ops.Op[Any]) -> ResponseError:
    """What a caller gets when ``op``'s answer does not fit its model: a ResponseError
    naming the operation and what did not fit, whatever the models raised.

    Every answer is checked at the boundary: a value no model check foresaw (a
    timestamp out of range, a structure nested past the interpreter's depth)
    must be one target's failure, never an exception that ends a fleet stream.
    """
    return ResponseError(
        f"the answer does not fit the {op.model.__name__} model: {type(exc).__name__}: {exc}",
        operation=op.wire,
    )


def _access_key(
    key_id: str | None, secret: str | None, token: str | None
) -> tuple[str, str, str | None] | None:
    """Static keys as ``(key id, secret, token)``, or ``None`` without a key id."""
    return None if key_id is None else (key_id, secret or "", token)


def _inactive(include_inactive: bool) -> dict[str, Any]:
    """The ``includeInactive`` parameter of the catalogue listings (sent only when true)."""
    return {"includeInactive": True} if check.boolean(include_inactive, "include_inactive") else {}


class LightsailClient:
    """An async client for one region of one AWS account.

    Use it as an async context manager::

        async with LightsailClient("eu-west-1", profile="prod") as client:
            async for instance in client.iter_instances():
                print(instance.name, instance.state_name)

    Requests are signed, retried (botocore's ``standard`` mode by default:
    throttles, 5xx and connection errors, with jittered exponential backoff)
    and sent over aiohttp; one client holds one connection pool.

    The region and the retry policy follow boto3's configuration rules,
    read through botocore when the client opens (``docs/guides/configuration.md``
    has the table of every setting).

    Args:
        region: the AWS region, e.g. ``"eu-west-1"``. Any well-formed region
            name is accepted, so new regions work. ``None``: ``AWS_REGION``,
            then ``AWS_DEFAULT_REGION``, then the profile's ``region``,
            resolved when the client opens.
        region_name: ``region`` under botocore's name, so that the keyword
            arguments of a boto3 client (``emulator.client_kwargs()``) open
            this client too. Give one of the two, or the same region in both.
        profile: an AWS config profile; credentials then come from it.
        aws_access_key_id: a static access key (with ``aws_secret_access_key``).
        aws_secret_access_key: the static secret key (never shown in ``repr``).
        aws_session_token: the session token of temporary credentials.
        endpoint_url: send requests here instead of AWS (e.g. the emulator).
        max_attempts: total attempts per request, first try included, 1 to
            100. ``None``: ``config``'s ``retries``, else ``AWS_MAX_ATTEMPTS``,
            else the profile's ``max_attempts``, else
            :data:`DEFAULT_MAX_ATTEMPTS`.
        retry_mode: ``"standard"`` or ``"adaptive"`` (standard, plus a
            client-side rate limiter that slows down when throttled).
            ``None``: ``config``'s ``retries``, else ``AWS_RETRY_MODE``, else
            the profile's ``retry_mode``, else ``"standard"``; a configured
            ``legacy`` runs as ``standard``.
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for the next bytes of an answer.
        attempt_timeout: seconds one attempt may take, from asking for a
            connection to the last byte of the answer; a late attempt is
            retried like a dropped connection.
        call_timeout: seconds one method call may take, every attempt and
            backoff included (``None``: no limit); past it the call raises
            :class:`RequestTimeoutError`.
        max_pages: the most pages an ``iter_*`` listing follows; a service
            still sending tokens past it is stopped with :class:`PaginationError`.
        max_pool_connections: the connection pool's size.
        session: an aiobotocore session to use instead of the shared one.
        instrument: a hook, or a list of hooks, called with an event for each
            request attempt, retry and page (``docs/guides/observability.md``).
        config: a botocore ``Config`` (or aiobotocore ``AioConfig``) merged
            over the client's own: what it sets wins (proxies,
            ``proxies_config``, ``tcp_keepalive``, ``max_pool_connections``,
            timeouts, ``user_agent_appid``, ``user_agent_extra``...), except
            ``retries``, which ``max_attempts``/``retry_mode`` override when
            given, and ``http_session_cls``, which is refused: the library
            sends its requests itself (redirects refused, each attempt
            bounded). ``client_cert``, ``connector_args`` and the proxy TLS
            files of ``proxies_config`` are not applied by that transport,
            and are refused too (``docs/guides/configuration.md``).

    Raises:
        ValidationError: an argument is malformed (nothing is opened). When
            the client opens: no region given nor configured, or a
            configured retry setting that is malformed.
    """

    #: Where the waiters read the time and sleep (a test may give the emulator's clock).
    _timer: _waiters.Timer = _waiters.LOOP_TIMER

    def __init__(
        self,
        region: str | None = None,
        *,
        region_name: str | None = None,
        profile: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int | None = None,
        retry_mode: Literal["standard", "adaptive"] | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        attempt_timeout: float = DEFAULT_ATTEMPT_TIMEOUT,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_pool_connections: int = DEFAULT_MAX_POOL_CONNECTIONS,
        session: AioSession | None = None,
        instrument: _instrument.InstrumentHook | Sequence[_instrument.InstrumentHook] | None = None,
        config: Config | None = None,
    ) -> None:
        if region_name is not None:
            if region is not None and region != region_name:
                raise ValidationError(
                    "region_name", f"names another region than region={region!r}: give one"
                )
            region = check.region(region_name, "region_name")
        elif region is not None:
            region = check.region(region)
        check.credentials(
            profile=profile,
            access_key_id=aws_access_key_id,
            secret_access_key=aws_secret_access_key,
            session_token=aws_session_token,
        )
        if endpoint_url is not None:
            check.endpoint_url(endpoint_url)
        if session is not None and not _botocore.is_session(session):
            raise ValidationError(
                "session", f"must be an aiobotocore AioSession, not {type(session).__name__}"
            )
        options = ClientOptions(
            max_attempts=max_attempts,
            retry_mode=retry_mode,
            config=config,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            attempt_timeout=attempt_timeout,
            call_timeout=call_timeout,
            max_pages=max_pages,
            max_pool_connections=max_pool_connections,
        )
        self._setup(
            region,
            options=options,
            profile=profile,
            access_key=_access_key(aws_access_key_id, aws_secret_access_key, aws_session_token),
            endpoint_url=endpoint_url,
            session=session,
            dispatch=_instrument.dispatch_of(instrument),
        )

    @classmethod
    def _create(
        cls,
        region: str | None,
        *,
        options: ClientOptions,
        profile: str | None = None,
        access_key: tuple[str, str, str | None] | None = None,
        endpoint_url: str | None = None,
        session: AioSession | None = None,
        dispatch: _instrument.Dispatch | None = None,
        label: str | None = None,
        timer: _waiters.Timer | None = None,
    ) -> Self:
        """A client from parts already checked (a fleet's target, a test fixture's emulator).

        Args:
            region: the region (checked), or ``None`` for the configured one.
            options: how requests are sent.
            profile: the profile whose credentials sign (unless ``access_key``/``session``).
            access_key: static ``(key id, secret, token)``.
            endpoint_url: where requests go (checked).
            session: an aiobotocore session to use instead of the shared one.
            dispatch: the instrumentation hooks' dispatch, shared with the caller.
            label: the fleet target's label in events and log records.
            timer: where the waiters read the time and sleep (default: the loop's).
        """
        client = cls.__new__(cls)
        client._setup(
            region,
            options=options,
            profile=profile,
            access_key=access_key,
            endpoint_url=endpoint_url,
            session=session,
            dispatch=dispatch,
            label=label,
            timer=timer,
        )
        return client

    def _setup(
        self,
        region: str | None,
        *,
        options: ClientOptions,
        profile: str | None,
        access_key: tuple[str, str, str | None] | None,
        endpoint_url: str | None,
        session: AioSession | None,
        dispatch: _instrument.Dispatch | None,
        label: str | None = None,
        timer: _waiters.Timer | None = None,
    ) -> None:
        self._region = region
        self._options = options
        self._profile = profile
        self._access_key = access_key
        self._endpoint_url = endpoint_url
        self._session = session
        self._dispatch = dispatch
        #: The fleet target's label in events and log records.
        self._label = label
        if timer is not None:
            self._timer = timer
        self._client: _botocore.Transport | None = None
        self._state = "new"

    # -- lifecycle ----------------------------------------------------------

    @property
    def region(self) -> str:
        """The client's region: as given, or as resolved when the client opened.

        Raises:
            RuntimeError: no region was given and the client has not opened yet.
        """
        if self._region is None:
            raise RuntimeError(
                "this LightsailClient was given no region: it is resolved from the "
                "configuration when the client opens (async with LightsailClient() as client)"
            )
        return self._region

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has run."""
        return self._state == "closed"

    def __repr__(self) -> str:
        # Credentials are never shown; only where they come from. Every attribute
        # is read with a default: a half-built client (its __init__ refused an
        # argument) must describe itself too, e.g. in a traceback's locals.
        profile = getattr(self, "_profile", None)
        source = (
            f"profile={profile!r}"
            if profile
            else "static keys"
            if getattr(self, "_access_key", None)
            else "default credentials"
        )
        endpoint_url = getattr(self, "_endpoint_url", None)
        endpoint = f", endpoint_url={endpoint_url!r}" if endpoint_url else ""
        region = getattr(self, "_region", None)
        state = getattr(self, "_state", "incomplete")
        return f"<LightsailClient region={region!r} {source}{endpoint} [{state}]>"

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError(
                f"this LightsailClient is {self._state}; a client can be entered once. "
                "Create a new LightsailClient instead."
            )
        self._state = "opening"
        try:
            await self._open()
        except BaseException:
            self._state = "closed"
            raise
        self._state = "open"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _open(self) -> None:
        # ~0.3 ms of set-up before the first suspension: a Fleet starting 128
        # targets at once would run all of it in one loop iteration (38 ms).
        await take_turn()
        _logging.install()
        if self._access_key is not None:
            for secret in self._access_key[1:]:
                _logging.register_secret(secret)
        try:
            opening = _botocore.open_lightsail(
                region=self._region,
                session=self._session,
                profile=self._profile,
                access_key=self._access_key,
                endpoint_url=self._endpoint_url,
                options=self._options,
            )
            # Resolving credentials is part of opening: a credential_process that
            # never answers must not hold the client past its call_timeout.
            self._client = await _botocore.within(
                opening, self._options.call_timeout, OPENING, operation=None, region=self._region
            )
        except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
            _botocore.reraise(exc, operation=None, region=self._region)
        self._region = self._client.region
        requests = _instrument.Requests(
            region=self._region,
            target=self._label,
            dispatch=self._dispatch,
            max_attempts=self._client.max_attempts,
        )
        _botocore.observe_requests(self._client, requests)
        # Modules imported while the client was built may have made new loggers.
        _logging.install()

    async def aclose(self) -> None:
        """Close the connection pool. Idempotent; the client cannot be reopened."""
        if self._state == "closed":
            return
        self._state = "closed"
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def __del__(self, _warn: Any = warnings.warn) -> None:
        if getattr(self, "_state", None) == "open":
            _warn(
                f"{self!r} was never closed; use 'async with LightsailClient(...)' "
                "or await client.aclose()",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    def _require_open(self) -> _botocore.Transport:
        if self._client is None:
            if self._state == "closed":
                raise RuntimeError(
                    "this LightsailClient is closed; create a new one "
                    "(async with LightsailClient(...) as client: ...)"
                )
            raise RuntimeError(
                "this LightsailClient is not open; use it as "
                "'async with LightsailClient(...) as client:'"
            )
        return self._client

    # -- plumbing: one request, shaped by the operations table ----------------

    async def _call(
        self, op: ops.Op[Any], params: dict[str, Any], write: _botocore.Sending | None = None
    ) -> dict[str, Any]:
        client = self._require_open()
        await take_turn()  # building and signing the request is one turn's work
        deadline = asyncio.timeout(self._options.call_timeout)
        try:
            async with deadline:
                return await client.call(op.wire, params, write=write)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                raise RequestTimeoutError(
                    f"{op.wire} took longer than call_timeout={self._options.call_timeout:g}s "
                    "(every attempt and backoff included)",
                    operation=op.wire,
                    region=self._region,
                ) from exc
            _botocore.reraise(exc, operation=op.wire, region=self._region)

    async def _answer(self, op: ops.Op[Any], params: dict[str, Any]) -> tuple[Any, str | None]:
        """Send ``op``; its result as models (one, or a tuple), and its ``nextPageToken``."""
        return await self._decode(await self._call(op, params), op)

    @staticmethod
    async def _decode(answer: Mapping[str, Any], op: ops.Op[Any]) -> tuple[Any, str | None]:
        """``op``'s answer as models (one, or a tuple), and its ``nextPageToken``.

        Raises:
            ResponseError: the answer does not fit, whatever decoding raised.
        """
        # Decoding into models is this step's work: take a turn first, so that
        # many answers arriving together do not stall the loop.
        await take_turn()
        try:
            if isinstance(answer, _botocore.Body):
                return decode_answer(op, answer.body)
            return convert_answer(op, answer)
        except ResponseError:
            raise
        except Exception as exc:
            raise _unfit(exc, op) from exc

    async def _result(self, answer: Mapping[str, Any], op: ops.Op[Any]) -> Any:
        result, _ = await self._decode(answer, op)
        return result

    async def _write(self, op: ops.Op[Any], params: dict[str, Any]) -> Any:
        """Send the write ``op``; an uncertain outcome is reconciled by a read (``_writes``)."""
        return await _writes.send_once(
            self,
            op,
            params,
            send=lambda sending: self._call(op, params, write=sending),
            convert=self._result,
            within=self._options.call_timeout,
            attempts=self._require_open().max_attempts,
            region=self._region,
        )

    async def _one(self, op: ops.Op[_M], params: dict[str, Any]) -> _M:
        """Send ``op``; its result member is one object."""
        if op.writes:
            written: _M = await self._write(op, params)
            return written
        result, _ = await self._answer(op, params)
        return result  # type: ignore[no-any-return]  # the op's model, by its answer type

    async def _list(self, op: ops.Op[_M], params: dict[str, Any]) -> list[_M]:
        """Send ``op``; its result member is a list."""
        if op.writes:
            return list(await self._write(op, params))
        result, _ = await self._answer(op, params)
        return list(result)

    async def _page(
        self, op: ops.Op[_M], params: dict[str, Any], page_token: str | None
    ) -> Page[_M]:
        """Send ``op`` for the page at ``page_token`` (``None``: the first)."""
        if page_token is not None:
            params = {**params, "pageToken": page_token}
        items, token = await self._answer(op, params)
        if token and not check.sendable_token(token):
            # It could be neither followed nor handed back as a resume token.
            raise ResponseError(
                "nextPageToken is blank or not UTF-8 text: it cannot be sent back",
                operation=op.wire,
            )
        return Page(items=items, next_page_token=token or None)

    def _iterate(
        self, op: ops.Op[_M], params: dict[str, Any], page_token: str | None
    ) -> PageIterator[_M]:
        """Every item of ``op``'s pages, from ``page_token`` on."""
        check.page_token(page_token)
        fetch = functools.partial(self._page, op, params)
        return PageIterator(
            fetch
            if self._dispatch is None
            else _instrument.observe_pages(
                fetch,
                self._dispatch,
                operation=op.wire,
                region=lambda: self.region,
                target=self._label,
            ),
            operation=op.wire,
            page_token=page_token,
            max_pages=self._options.max_pages,
        )

    # -- instances ------------------------------------------------------------

    async def get_instance(self, instance_name: str) -> Instance:
        """Get one instance.

        Args:
            instance_name: the instance's name.

        Returns:
            The instance.

        Raises:
            NotFoundError: there is no such instance in this account and region.
            ValidationError: the name is malformed (nothing was sent).
        """
        name = check.resource_name(instance_name, "instance_name")
        return await self._one(ops.GET_INSTANCE, {"instanceName": name})

    async def get_instances(self, *, page_token: str | None = None) -> Page[Instance]:
        """Get one page of the region's instances.

        Args:
            page_token: a ``next_page_token`` from an earlier page; ``None`` for the first.

        Returns:
            The page; its ``next_page_token`` is ``None`` on the last page.
        """
        return await self._page(ops.GET_INSTANCES, {}, check.page_token(page_token))

    def iter_instances(self, *, page_token: str | None = None) -> PageIterator[Instance]:
        """Iterate over every instance of the region, fetching pages as they are needed.

        Args:
            page_token: resume from this page (e.g. ``error.page_token`` of a failed scan).

        Returns:
            An async iterator of :class:`Instance`; see :class:`PageIterator`.
        """
        return self._iterate(ops.GET_INSTANCES, {}, page_token)

    async def get_instance_access_details(
        self, instance_name: str, *, protocol: str = "ssh"
    ) -> InstanceAccessDetails:
        """Get temporary SSH or RDP credentials for an instance.

        The returned key material and passwords are secrets: they are kept out
        of ``repr``, logs and :func:`aiolightsail.to_dict`.

        Args:
            instance_name: the instance's name.
            protocol: ``"ssh"`` or ``"rdp"``.

        Returns:
            The access details.
        """
        name = check.resource_name(instance_name, "instance_name")
        proto = check.choice(protocol, "protocol", check.ACCESS_PROTOCOLS)
        params = {"instanceName": name, "protocol": proto}
        return await self._one(ops.GET_INSTANCE_ACCESS_DETAILS, params)

    async def get_instance_metric_data(
        self,
        instance_name: str,
        *,
        metric_name: str,
        start_time: datetime,
        end_time: datetime,
        period: int,
        statistics: Sequence[str],
        unit: str | None = None,
    ) -> list[MetricDatapoint]:
        """Get an instance metric's datapoints over a time window.

        Args:
            instance_name: the instance's name.
            metric_name: an :class:`~aiolightsail.InstanceMetricName` (or its
                string, e.g. ``"CPUUtilization"``, ``"NetworkIn"``).
            start_time: an aware ``datetime``; naive ones are refused, not guessed.
            end_time: an aware ``datetime`` later than ``start_time``.
            period: the datapoints' granularity in seconds: 60..86400, whole minutes.
            statistics: some of :class:`~aiolightsail.MetricStatistic` (``Minimum``,
                ``Maximum``, ``Sum``, ``Average``, ``SampleCount``).
            unit: the metric's unit; ``None`` (the default) picks the one unit the
                metric is published in (``InstanceMetricName.unit``), which is
                the only one the service accepts.

        Returns:
            The datapoints, sorted by timestamp.

        Raises:
            ValidationError: a malformed argument, or a unit the metric is not published in.
        """
        name = check.resource_name(instance_name, "instance_name")
        metric = check.choice(metric_name, "metric_name", check.METRIC_NAMES)
        start, end = check.time_window(start_time, end_time)
        params = {
            "instanceName": name,
            "metricName": metric,
            "period": check.period(period),
            "startTime": start,
            "endTime": end,
            "statistics": check.statistics(statistics),
            "unit": check.metric_unit(unit, metric),
        }
        points = await self._list(ops.GET_INSTANCE_METRIC_DATA, params)
        points.sort(key=lambda p: (p.timestamp is None, p.timestamp))
        return points

    async def get_instance_port_states(self, instance_name: str) -> list[InstancePortState]:
        """Get the firewall port states of an instance.

        Args:
            instance_name: the instance's name.

        Returns:
            The port states.
        """
        name = check.resource_name(instance_name, "instance_name")
        return await self._list(ops.GET_INSTANCE_PORT_STATES, {"instanceName": name})

    async def create_instances(
        self,
        *,
        instance_names: Sequence[str],
        availability_zone: str,
        blueprint_id: str,
        bundle_id: str,
        key_pair_name: str | None = None,
        user_data: str | None = None,
        tags: Mapping[str, str] | None = None,
        ip_address_type: str | None = None,
    ) -> list[Operation]:
        """Create instances from a blueprint.

        Args:
            instance_names: the new instances' names (unique, at least one).
            availability_zone: a zone of the client's region, e.g. ``"eu-west-1a"``.
            blueprint_id: the image, e.g. ``"ubuntu_24_04"``.
            bundle_id: the size, e.g. ``"nano_3_0"``.
            key_pair_name: the SSH key pair to install.
            user_data: a launch script (a secret: never logged or echoed).
            tags: tags as ``{key: value}``; an empty value makes a key-only tag.
            ip_address_type: ``"dualstack"``, ``"ipv4"`` or ``"ipv6"``.

        Returns:
            The operations the service started, one per instance.
        """
        params: dict[str, Any] = {
            "instanceNames": check.resource_names(instance_names, "instance_names"),
            "availabilityZone": check.availability_zone(
                availability_zone, "availability_zone", in_region=self.region
            ),
            "blueprintId": check.string(blueprint_id, "blueprint_id"),
            "bundleId": check.string(bundle_id, "bundle_id"),
        }
        self._launch_options(params, key_pair_name, user_data, tags, ip_address_type)
        return await self._list(ops.CREATE_INSTANCES, params)

    @staticmethod
    def _launch_options(
        params: dict[str, Any],
        key_pair_name: str | None,
        user_data: str | None,
        tags: Mapping[str, str] | None,
        ip_address_type: str | None,
    ) -> None:
        if key_pair_name is not None:
            params["keyPairName"] = check.resource_name(key_pair_name, "key_pair_name")
        if user_data is not None:
            params["userData"] = check.user_data(user_data)
        if tags:
            params["tags"] = check.tags(tags)
        elif tags is not None:
            check.tags(tags)
        if ip_address_type is not None:
            params["ipAddressType"] = check.choice(
                ip_address_type, "ip_address_type", check.IP_ADDRESS_TYPES
            )

    async def create_instances_from_snapshot(
        self,
        *,
        instance_names: Sequence[str],
        availability_zone: str,
        bundle_id: str,
        instance_snapshot_name: str | None = None,
        key_pair_name: str | None = None,
        user_data: str | None = None,
        tags: Mapping[str, str] | None = None,
        ip_address_type: str | None = None,
        source_instance_name: str | None = None,
        restore_date: date | None = None,
        use_latest_restorable_auto_snapshot: bool | None = None,
    ) -> list[Operation]:
        """Create instances from a manual snapshot, or from an automatic one of an instance.

        Give exactly one source: ``instance_snapshot_name`` (a manual snapshot),
        or ``source_instance_name`` with either ``restore_date`` or
        ``use_latest_restorable_auto_snapshot=True`` (an automatic snapshot).

        Args:
            instance_names: the new instances' names (unique, at least one).
            availability_zone: a zone of the client's region.
            bundle_id: the size, at least the snapshot's.
            instance_snapshot_name: the manual snapshot to restore.
            key_pair_name: the SSH key pair to install.
            user_data: a launch script (a secret: never logged or echoed).
            tags: tags as ``{key: value}``.
            ip_address_type: ``"dualstack"``, ``"ipv4"`` or ``"ipv6"``.
            source_instance_name: the instance whose automatic snapshot to restore.
            restore_date: the day of the automatic snapshot.
            use_latest_restorable_auto_snapshot: restore the newest automatic snapshot.

        Returns:
            The operations the service started.
        """
        params: dict[str, Any] = {
            "instanceNames": check.resource_names(instance_names, "instance_names"),
            "availabilityZone": check.availability_zone(
                availability_zone, "availability_zone", in_region=self.region
            ),
            "bundleId": check.string(bundle_id, "bundle_id"),
        }
        if (instance_snapshot_name is None) == (source_instance_name is None):
            raise ValidationError(
                "instance_snapshot_name",
                "give exactly one of instance_snapshot_name and source_instance_name",
                instance_snapshot_name,
            )
        if instance_snapshot_name is not None:
            params["instanceSnapshotName"] = check.resource_name(
                instance_snapshot_name, "instance_snapshot_name"
            )
            for name, given in (
                ("restore_date", restore_date),
                ("use_latest_restorable_auto_snapshot", use_latest_restorable_auto_snapshot),
            ):
                if given is not None:
                    raise ValidationError(
                        name,
                        "only goes with source_instance_name, not instance_snapshot_name",
                        given,
                    )
        else:
            params["sourceInstanceName"] = check.resource_name(
                source_instance_name, "source_instance_name"
            )
            latest = use_latest_restorable_auto_snapshot
            if latest is not None:
                check.boolean(latest, "use_latest_restorable_auto_snapshot")
            if (restore_date is None) == (not latest):
                raise ValidationError(
                    "restore_date",
                    "give either restore_date or use_latest_restorable_auto_snapshot=True",
                    restore_date,
                )
            if restore_date is not None:
                if not isinstance(restore_date, date):
                    raise ValidationError("restore_date", "must be a datetime.date", restore_date)
                params["restoreDate"] = restore_date.strftime("%Y-%m-%d")
            else:
                params["useLatestRestorableAutoSnapshot"] = True
        self._launch_options(params, key_pair_name, user_data, tags, ip_address_type)
        return await self._list(ops.CREATE_INSTANCES_FROM_SNAPSHOT, params)

    async def delete_instance(
        self, instance_name: str, *, force_delete_add_ons: bool = False
    ) -> list[Operation]:
        """Delete an instance.

        Args:
            instance_name: the instance's name.
            force_delete_add_ons: also delete its add-ons (automatic snapshots).

        Returns:
            The operations the service started.
        """
        params: dict[str, Any] = {
            "instanceName": check.resource_name(instance_name, "instance_name")
        }
        if check.boolean(force_delete_add_ons, "force_delete_add_ons"):
            params["forceDeleteAddOns"] = True
        return await self._list(ops.DELETE_INSTANCE, params)

    async def close_instance_public_ports(
        self, instance_name: str, port_info: PortInfo
    ) -> Operation:
        """Close a firewall rule of an instance.

        Args:
            instance_name: the instance's name.
            port_info: the rule to close.

        Returns:
            The operation the service started.
        """
        name = check.resource_name(instance_name, "instance_name")
        if not isinstance(port_info, PortInfo):
            raise ValidationError(
                "port_info", f"must be a PortInfo, not {type(port_info).__name__}", port_info
            )
        params = {"instanceName": name, "portInfo": check.port_info(port_info)}
        return await self._one(ops.CLOSE_INSTANCE_PUBLIC_PORTS, params)

    async def open_instance_public_ports(
        self, instance_name: str, port_info: PortInfo
    ) -> Operation:
        """Open a firewall rule of an instance (or widen the rule for the same ports).

        Args:
            instance_name: the instance's name.
            port_info: the rule to open; without ``cidrs``, ``ipv6_cidrs`` or
                ``cidr_list_aliases`` it is open to everyone.

        Returns:
            The operation the service started.
        """
        name = check.resource_name(instance_name, "instance_name")
        params = {"instanceName": name, "portInfo": check.port_info(port_info)}
        return await self._one(ops.OPEN_INSTANCE_PUBLIC_PORTS, params)

    async def put_instance_public_ports(
        self, instance_name: str, port_infos: Sequence[PortInfo]
    ) -> Operation:
        """Replace every firewall rule of an instance with ``port_infos``.

        Rules not listed are closed, SSH and RDP included: an empty sequence closes every port.

        Args:
            instance_name: the instance's name.
            port_infos: the rules the instance is left with.

        Returns:
            The operation the service started.
        """
        name = check.resource_name(instance_name, "instance_name")
        params = {"instanceName": name, "portInfos": check.port_infos(port_infos)}
        return await self._one(ops.PUT_INSTANCE_PUBLIC_PORTS, params)

    # -- power ----------------------------------------------------------------

    async def start_instance(self, instance_name: str) -> list[Operation]:
        """Start a stopped instance.

        Args:
            instance_name: the instance's name.

        Returns:
            The operations the service started; see :meth:`wait_for_operations`
            and :meth:`wait_for_instance_state`.
        """
        name = check.resource_name(instance_name, "instance_name")
        return await self._list(ops.START_INSTANCE, {"instanceName": name})

    async def stop_instance(self, instance_name: str, *, force: bool = False) -> list[Operation]:
        """Stop a running instance.

        Args:
            instance_name: the instance's name.
            force: stop it even if it is stuck (e.g. in ``stopping``); the
                service warns that this can lose data not yet written to disk.

        Returns:
            The operations the service started.
        """
        params: dict[str, Any] = {
            "instanceName": check.resource_name(instance_name, "instance_name")
        }
        if check.boolean(force, "force"):
            params["force"] = True
        return await self._list(ops.STOP_INSTANCE, params)

    async def reboot_instance(self, instance_name: str) -> list[Operation]:
        """Reboot a running instance.

        Args:
            instance_name: the instance's name.

        Returns:
            The operations the service started (the operation may be final at
            once while the instance is still rebooting: wait for its state).
        """
        name = check.resource_name(instance_name, "instance_name")
        return await self._list(ops.REBOOT_INSTANCE, {"instanceName": name})

    async def get_instance_state(self, instance_name: str) -> InstanceState:
        """Get an instance's state (a lighter request than :meth:`get_instance`).

        Args:
            instance_name: the instance's name.

        Returns:
            The state; its ``name`` is an :class:`~aiolightsail.InstanceStateName` when known.

        Raises:
            NotFoundError: there is no such instance.
        """
        name = check.resource_name(instance_name, "instance_name")
        return await self._one(ops.GET_INSTANCE_STATE, {"instanceName": name})

    # -- operations -------------------------------------------------------------

    async def get_operation(self, operation_id: str) -> Operation:
        """Get one operation, as it stands now.

        Args:
            operation_id: the operation's ``id``.

        Returns:
            The operation.

        Raises:
            NotFoundError: there is no such operation in this account and region.
        """
        operation = check.string(operation_id, "operation_id")
        return await self._one(ops.GET_OPERATION, {"operationId": operation})

    async def get_operations(self, *, page_token: str | None = None) -> Page[Operation]:
        """Get one page of the region's operations, oldest first.

        Args:
            page_token: a ``next_page_token`` from an earlier page.

        Returns:
            The page.
        """
        return await self._page(ops.GET_OPERATIONS, {}, check.page_token(page_token))

    def iter_operations(self, *, page_token: str | None = None) -> PageIterator[Operation]:
        """Iterate over every operation of the region, oldest first.

        Args:
            page_token: resume from this page.

        Returns:
            An async iterator of :class:`Operation`.
        """
        return self._iterate(ops.GET_OPERATIONS, {}, page_token)

    async def get_operations_for_resource(
        self, resource_name: str, *, page_token: str | None = None
    ) -> Page[Operation]:
        """Get one page of one resource's operations, oldest first.

        Args:
            resource_name: the resource's name (an instance, a snapshot...).
            page_token: a ``next_page_token`` from an earlier page.

        Returns:
            The page.
        """
        params = {"resourceName": check.resource_name(resource_name, "resource_name")}
        return await self._page(
            ops.GET_OPERATIONS_FOR_RESOURCE, params, check.page_token(page_token)
        )

    def iter_operations_for_resource(
        self, resource_name: str, *, page_token: str | None = None
    ) -> PageIterator[Operation]:
        """Iterate over every operation of one resource, oldest first.

        Args:
            resource_name: the resource's name.
            page_token: resume from this page.

        Returns:
            An async iterator of :class:`Operation`.
        """
        params = {"resourceName": check.resource_name(resource_name, "resource_name")}
        return self._iterate(ops.GET_OPERATIONS_FOR_RESOURCE, params, page_token)

    # -- regions and bundles ----------------------------------------------------

    async def get_regions(self, *, include_availability_zones: bool = False) -> list[Region]:
        """Get every region Lightsail offers (the answer does not depend on the client's region).

        Args:
            include_availability_zones: also list each region's availability zones.

        Returns:
            The regions.
        """
        params: dict[str, Any] = {}
        if check.boolean(include_availability_zones, "include_availability_zones"):
            params["includeAvailabilityZones"] = True
        return await self._list(ops.GET_REGIONS, params)

    async def get_bundles(
        self, *, include_inactive: bool = False, page_token: str | None = None
    ) -> Page[Bundle]:
        """Get one page of the instance plans (sizes and prices).

        Args:
            include_inactive: include bundles no longer offered for new instances.
            page_token: a ``next_page_token`` from an earlier page.

        Returns:
            The page.
        """
        params = _inactive(include_inactive)
        return await self._page(ops.GET_BUNDLES, params, check.page_token(page_token))

    def iter_bundles(
        self, *, include_inactive: bool = False, page_token: str | None = None
    ) -> PageIterator[Bundle]:
        """Iterate over every bundle, fetching pages as they are needed.

        Args:
            include_inactive: include bundles no longer offered.
            page_token: resume from this page.

        Returns:
            An async iterator of :class:`Bundle`.
        """
        return self._iterate(ops.GET_BUNDLES, _inactive(include_inactive), page_token)

    # -- blueprints -----------------------------------------------------------

    async def get_blueprints(
        self, *, include_inactive: bool = False, page_token: str | None = None
    ) -> Page[Blueprint]:
        """Get one page of the images instances can be created from.

        Args:
            include_inactive: include blueprints no longer offered for new instances.
            page_token: a ``next_page_token`` from an earlier page.

        Returns:
            The page.
        """
        params = _inactive(include_inactive)
        return await self._page(ops.GET_BLUEPRINTS, params, check.page_token(page_token))

    def iter_blueprints(
        self, *, include_inactive: bool = False, page_token: str | None = None
    ) -> PageIterator[Blueprint]:
        """Iterate over every blueprint, fetching pages as they are needed.

        Args:
            include_inactive: include blueprints no longer offered.
            page_token: resume from this page.

        Returns:
            An async iterator of :class:`Blueprint`.
        """
        return self._iterate(ops.GET_BLUEPRINTS, _inactive(include_inactive), page_token)

    # -- snapshots ------------------------------------------------------------

    async def get_instance_snapshot(self, instance_snapshot_name: str) -> InstanceSnapshot:
        """Get one instance snapshot.

        Args:
            instance_snapshot_name: the snapshot's name.

        Returns:
            The snapshot.

        Raises:
            NotFoundError: there is no such snapshot.
        """
        name = check.resource_name(instance_snapshot_name, "instance_snapshot_name")
        return await self._one(ops.GET_INSTANCE_SNAPSHOT, {"instanceSnapshotName": name})

    async def get_instance_snapshots(
        self, *, page_token: str | None = None
    ) -> Page[InstanceSnapshot]:
        """Get one page of the region's instance snapshots.

        Args:
            page_token: a ``next_page_token`` from an earlier page.

        Returns:
            The page.
        """
        return await self._page(ops.GET_INSTANCE_SNAPSHOTS, {}, check.page_token(page_token))

    def iter_instance_snapshots(
        self, *, page_token: str | None = None
    ) -> PageIterator[InstanceSnapshot]:
        """Iterate over every instance snapshot of the region.

        Args:
            page_token: resume from this page.

        Returns:
            An async iterator of :class:`InstanceSnapshot`.
        """
        return self._iterate(ops.GET_INSTANCE_SNAPSHOTS, {}, page_token)

    async def create_instance_snapshot(
        self,
        *,
        instance_name: str,
        instance_snapshot_name: str,
        tags: Mapping[str, str] | None = None,
    ) -> list[Operation]:
        """Snapshot an instance.

        Args:
            instance_name: the instance to snapshot.
            instance_snapshot_name: the new snapshot's name.
            tags: tags as ``{key: value}``.

        Returns:
            The operations the service started.
        """
        params: dict[str, Any] = {
            "instanceName": check.resource_name(instance_name, "instance_name"),
            "instanceSnapshotName": check.resource_name(
                instance_snapshot_name, "instance_snapshot_name"
            ),
        }
        if tags is not None and (tag_list := check.tags(tags)):
            params["tags"] = tag_list
        return await self._list(ops.CREATE_INSTANCE_SNAPSHOT, params)

    async def delete_instance_snapshot(self, instance_snapshot_name: str) -> list[Operation]:
        """Delete an instance snapshot.

        Args:
            instance_snapshot_name: the snapshot's name.

        Returns:
            The operations the service started.
        """
        name = check.resource_name(instance_snapshot_name, "instance_snapshot_name")
        params = {"instanceSnapshotName": name}
        return await self._list(ops.DELETE_INSTANCE_SNAPSHOT, params)

    # -- waiters ------------------------------------------------------------------

    async def wait_for_operations(
        self,
        operations: Sequence[Operation],
        *,
        # A parameter, not asyncio.timeout(): the error then carries what was last seen.
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
        interval: float | None = None,
    ) -> list[Operation]:
        """Wait until every operation is final (succeeded, completed or failed).

        Each poll reads the operations not yet final with :meth:`get_operation`.

        Args:
            operations: what a call such as :meth:`stop_instance` returned.
            timeout: seconds to wait in all, requests included.
            interval: seconds between polls; ``None`` starts at 1 s and doubles up to 15 s.

        Returns:
            The operations as they ended, in the order given.

        Raises:
            WaitFailedError: an operation failed (``last`` is that operation).
            WaitTimeoutError: ``timeout`` passed first (``last``: the operations as last seen).
        """
        return await _waiters.wait_for_operations(
            self, operations, within=timeout, interval=interval, timer=self._timer
        )

    async def wait_for_instance_state(
        self,
        instance_name: str,
        state: str,
        *,
        # A parameter, not asyncio.timeout(): the error then carries what was last seen.
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
        interval: float | None = None,
    ) -> Instance:
        """Wait until the instance is in ``state``.

        Args:
            instance_name: the instance's name.
            state: an :class:`~aiolightsail.InstanceStateName` (``"running"``, ``"stopped"``...).
            timeout: seconds to wait in all, requests included.
            interval: seconds between polls; ``None`` starts at 1 s and doubles up to 15 s.

        Returns:
            The instance, in that state.

        Raises:
            WaitFailedError: the instance is shutting down or terminated instead.
            WaitTimeoutError: ``timeout`` passed first (``last``: the instance as last seen).
            NotFoundError: there is no such instance (any more).
        """
        return await _waiters.wait_for_instance_state(
            self, instance_name, state, within=timeout, interval=interval, timer=self._timer
        )

    async def wait_for_public_ip(
        self,
        instance_name: str,
        *,
        # A parameter, not asyncio.timeout(): the error then carries what was last seen.
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
        interval: float | None = None,
    ) -> Instance:
        """Wait until the instance has a public IPv4 address.

        An instance has none while it is ``pending`` and none while it is stopped;
        it gets a new one each time it starts (unless a static IP is attached).

        Args:
            instance_name: the instance's name.
            timeout: seconds to wait in all, requests included.
            interval: seconds between polls; ``None`` starts at 1 s and doubles up to 15 s.

        Returns:
            The instance, with its ``public_ip_address``.

        Raises:
            WaitFailedError: the instance is shutting down or terminated instead.
            WaitTimeoutError: ``timeout`` passed first (``last``: the instance as last seen).
            NotFoundError: there is no such instance (any more).
        """
        return await _waiters.wait_for_public_ip(
            self, instance_name, within=timeout, interval=interval, timer=self._timer
        )

    async def wait_for_instance_snapshot(
        self,
        instance_snapshot_name: str,
        *,
        # A parameter, not asyncio.timeout(): the error then carries what was last seen.
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
        interval: float | None = None,
    ) -> InstanceSnapshot:
        """Wait until the snapshot is ``available``.

        Args:
            instance_snapshot_name: the snapshot's name.
            timeout: seconds to wait in all, requests included.
            interval: seconds between polls; ``None`` starts at 1 s and doubles up to 15 s.

        Returns:
            The snapshot, available.

        Raises:
            WaitFailedError: the snapshot ended in ``error`` (``last`` is the snapshot).
            WaitTimeoutError: ``timeout`` passed first (``last``: the snapshot as last seen).
            NotFoundError: there is no such snapshot (any more).
        """
        return await _waiters.wait_for_instance_snapshot(
            self, instance_snapshot_name, within=timeout, interval=interval, timer=self._timer
        )

    async def wait_until_instance_deleted(
        self,
        instance_name: str,
        *,
        # A parameter, not asyncio.timeout(): the error then carries what was last seen.
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
        interval: float | None = None,
    ) -> None:
        """Wait until :meth:`get_instance` no longer finds the instance.

        Args:
            instance_name: the instance's name.
            timeout: seconds to wait in all, requests included.
            interval: seconds between polls; ``None`` starts at 1 s and doubles up to 15 s.

        Raises:
            WaitTimeoutError: ``timeout`` passed first (``last``: the instance as last seen).
        """
        name = check.resource_name(instance_name, "instance_name")
        await _waiters.wait_until_deleted(
            self.get_instance,
            name,
            what="instance",
            operation=ops.GET_INSTANCE.wire,
            within=timeout,
            interval=interval,
            timer=self._timer,
        )

    async def wait_until_instance_snapshot_deleted(
        self,
        instance_snapshot_name: str,
        *,
        # A parameter, not asyncio.timeout(): the error then carries what was last seen.
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109
        interval: float | None = None,
    ) -> None:
        """Wait until :meth:`get_instance_snapshot` no longer finds the snapshot.

        Args:
            instance_snapshot_name: the snapshot's name.
            timeout: seconds to wait in all, requests included.
            interval: seconds between polls; ``None`` starts at 1 s and doubles up to 15 s.

        Raises:
            WaitTimeoutError: ``timeout`` passed first (``last``: the snapshot as last seen).
        """
        name = check.resource_name(instance_snapshot_name, "instance_snapshot_name")
        await _waiters.wait_until_deleted(
            self.get_instance_snapshot,
            name,
            what="instance snapshot",
            operation=ops.GET_INSTANCE_SNAPSHOT.wire,
            within=timeout,
            interval=interval,
            timer=self._timer,
        )
