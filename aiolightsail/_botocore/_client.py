"""Opening a Lightsail transport: credentials, endpoint and settings, resolved once.

:func:`open_lightsail` does everything :class:`~aiolightsail.LightsailClient`
needs from aiobotocore when it opens: the shared session of its profile (or
the caller's), the session's one-time set-up, credentials resolved once, the
endpoint resolved once per (session, region, endpoint URL), and a
:class:`~aiolightsail._botocore._transport.Transport` with our retries,
timeouts, User-Agent and shared SSL contexts. Requests then never touch
aiobotocore's client: the transport builds, signs, sends and reads them.
"""

from __future__ import annotations

import asyncio
import functools
import platform
import sys
import weakref
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

from aiolightsail._botocore import _sessions, _settings
from aiolightsail._botocore._ssl import ssl_context
from aiolightsail._botocore._transport import Retries, Transport, open_http
from aiolightsail._gate import take_turn
from aiolightsail._once import SharedTasks

if TYPE_CHECKING:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession
    from botocore.config import Config
    from botocore.model import ServiceModel

__all__ = ["TransportOptions", "open_lightsail", "open_transport", "user_agent"]


@functools.cache
def user_agent() -> str:
    """The User-Agent header of every request: what the client is, built once per process.

    botocore otherwise rebuilds and sanitises its structured User-Agent (SDK,
    OS, language, per-request feature metrics) twice per request, ~0.15 ms, or
    7 % of a page's CPU (``docs/design.md``). ``Config(user_agent=...)`` is
    botocore's documented override; AWS reads the header only for its metrics.
    """
    import aiobotocore
    import botocore

    from aiolightsail import __version__

    return (
        f"aiolightsail/{__version__} md/aiobotocore#{aiobotocore.__version__} "
        f"md/Botocore#{botocore.__version__} ua/2.1 os/{sys.platform} "
        f"lang/python#{platform.python_version()}"
    )


class _Endpoint:
    """Where a service's requests go in one region, and how they are signed."""

    __slots__ = ("environ_proxies", "service_model", "signing", "url")

    def __init__(self, url: str, signing: tuple[str, str], service_model: ServiceModel) -> None:
        from botocore.utils import get_environ_proxies

        self.url = url
        self.signing = signing
        self.service_model = service_model
        # Read once: scanning the environment for proxies was a third of opening a client.
        self.environ_proxies: dict[str, str] = get_environ_proxies(url)


#: Endpoints resolved, per session.
_endpoints: weakref.WeakKeyDictionary[AioSession, dict[_Key, _Endpoint]] = (
    weakref.WeakKeyDictionary()
)
#: Resolutions under way: many clients of one region opening together share one.
_resolving: SharedTasks[tuple[Any, ...], _Endpoint] = SharedTasks(keep=False)
#: One model per service for every transport (the Lightsail model is ~5,000 objects).
_models: dict[str, ServiceModel] = {}
#: The probe client signs nothing; static placeholder keys keep it from running the
#: credential chain (an instance-metadata lookup can take seconds).
_PROBE_KEY = "AKIAPROBENEVERSIGNS00"


#: (service, region, endpoint URL, use_fips_endpoint, use_dualstack_endpoint): what
#: decides an endpoint besides the session's own configuration.
_Key = tuple[str, str, "str | None", "bool | None", "bool | None"]


async def _probe(session: AioSession, key: _Key) -> _Endpoint:
    """Build an aiobotocore client of ``service``, read its endpoint and signing, close it."""
    from aiobotocore.config import AioConfig

    service, region, endpoint_url, fips, dualstack = key
    await take_turn()  # milliseconds of CPU with no suspension point
    async with session.create_client(
        service,  # type: ignore[call-overload]  # "lightsail" or "sts", typed by literal
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=_PROBE_KEY,
        aws_secret_access_key=_PROBE_KEY,
        config=AioConfig(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack),
    ) as probe:
        meta: Any = probe.meta
        model = _models.setdefault(service, meta.service_model)
        return _Endpoint(meta.endpoint_url, (model.signing_name, meta.region_name), model)


async def _endpoint(session: AioSession, key: _Key) -> _Endpoint:
    """The endpoint of ``key`` for ``session``, resolved once.

    The resolution belongs to no caller (``SharedTasks``): a caller's
    cancellation stops only its own wait.
    """
    known = _endpoints.get(session)
    if known is not None and key in known:
        return known[key]
    task_key = (asyncio.get_running_loop(), id(session), *key)
    endpoint = await _resolving.get(task_key, lambda: _probe(session, key))
    _endpoints.setdefault(session, {})[key] = endpoint
    return endpoint


async def open_transport(
    session: AioSession,
    service: str,
    *,
    region: str,
    endpoint_url: str | None,
    credentials: Any,
    config: AioConfig,
    attempt_timeout: float | None,
) -> Transport:
    """A transport of ``service`` in ``region``, set up by ``config`` (retries, timeouts,
    pool size, User-Agent, proxies) and ``session`` (CA bundle, endpoint resolution).

    Raises:
        botocore, aiobotocore and aiohttp exceptions; callers translate them.
    """
    from botocore.httpsession import ProxyConfiguration

    await _sessions.prepare_session(session)
    settings: Any = config  # the stubs do not list Config's attributes
    endpoint = await _endpoint(
        session,
        (
            service,
            region,
            endpoint_url,
            settings.use_fips_endpoint,
            settings.use_dualstack_endpoint,
        ),
    )
    retries: dict[str, Any] = dict(settings.retries or {})
    attempts = retries.get("total_max_attempts")
    if attempts is None:
        attempts = retries.get("max_attempts", 2) + 1
    verify: Any = session.get_config_variable("ca_bundle") or True
    context = await ssl_context(verify)
    proxies = ProxyConfiguration(
        proxies=settings.proxies or endpoint.environ_proxies,
        proxies_settings=settings.proxies_config,
    )
    proxy_url = proxies.proxy_url_for(endpoint.url)
    proxy = (proxy_url, proxies.proxy_headers_for(endpoint.url)) if proxy_url else None
    # Building the retry policy is a fraction of a millisecond with no suspension
    # point: clients that waited for the same endpoint must not all build at once.
    await take_turn()
    policy = Retries(
        endpoint.service_model, mode=retries.get("mode", "standard"), total_max_attempts=attempts
    )
    timeout = aiohttp.ClientTimeout(
        total=attempt_timeout,
        sock_connect=settings.connect_timeout,
        sock_read=settings.read_timeout,
    )
    agent = " ".join(filter(None, (settings.user_agent or user_agent(), settings.user_agent_extra)))
    # Counted as a user of the loop's session: nothing may fail after it.
    http = open_http(tcp_keepalive=bool(settings.tcp_keepalive))
    return Transport(
        region=region,
        http=http,
        service_model=endpoint.service_model,
        url=endpoint.url,
        signing=endpoint.signing,
        credentials=credentials,
        retries=policy,
        timeout=timeout,
        ssl_context=context,
        proxy=proxy,
        user_agent=agent,
        max_pool_connections=settings.max_pool_connections or 10,
        config=config,
    )


class TransportOptions(Protocol):
    """How a transport sends requests (a :class:`~aiolightsail._options.ClientOptions` is one)."""

    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...
    @property
    def attempt_timeout(self) -> float: ...
    @property
    def call_timeout(self) -> float | None: ...
    @property
    def max_attempts(self) -> int | None: ...
    @property
    def retry_mode(self) -> str | None: ...
    @property
    def max_pool_connections(self) -> int: ...
    @property
    def config(self) -> Config | None: ...


async def open_lightsail(
    *,
    region: str | None,
    session: AioSession | None,
    profile: str | None,
    access_key: tuple[str, str, str | None] | None,
    endpoint_url: str | None,
    options: TransportOptions,
) -> Transport:
    """Open a Lightsail transport of ``session`` (default: the shared session of ``profile``).

    Its region is ``region``, else the configured one
    (``_settings.region_or_refuse``); its retry policy, User-Agent and the
    merge with the caller's ``config`` are ``_settings.client_config``'s.
    Its requests never follow a redirect, each attempt has ``attempt_timeout``
    seconds from asking for a connection to the last byte, and error answers
    are read by the rules of ``_error_answers`` (every HTTP 429 a throttle; an
    unreadable error body classified by its status).

    Raises:
        ValidationError: no region anywhere, or a configured value that is
            malformed (``_settings``).
        botocore, aiobotocore and aiohttp exceptions; callers translate them.
    """
    from aiobotocore.credentials import AioCredentials

    # A missing profile or a broken config file fails here.
    session = session or _sessions.get_session(profile)
    await _sessions.prepare_session(session)
    # Clients waiting for the same set-up all wake in one loop iteration.
    await take_turn()
    region = _settings.region_or_refuse(session, region, options.config)
    client_config = _settings.client_config(
        session,
        base_user_agent=user_agent(),
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        max_pool_connections=options.max_pool_connections,
        max_attempts=options.max_attempts,
        retry_mode=options.retry_mode,
        config=options.config,
    )
    credentials: Any = (
        AioCredentials(*access_key)
        if access_key is not None
        else await _sessions.resolve_credentials(session)
    )
    return await open_transport(
        session,
        "lightsail",
        region=region,
        endpoint_url=endpoint_url,
        credentials=credentials,
        config=client_config,
        attempt_timeout=options.attempt_timeout,
    )
