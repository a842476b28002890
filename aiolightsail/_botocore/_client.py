"""Opening an aiobotocore Lightsail client, and calling it by wire name.

:func:`open_lightsail` does everything :class:`~aiolightsail.LightsailClient`
needs from aiobotocore when it opens: the shared session of its profile (or
the caller's), the session's one-time set-up, credentials resolved once, and
a client configured with our retries, timeouts, User-Agent and shared SSL
contexts, trimmed of what the garbage collector would otherwise walk for
nothing. :class:`BotoLightsail` is the open client as the rest of the library
sees it: one coroutine, :meth:`BotoLightsail.call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import platform
import sys
from typing import TYPE_CHECKING, Any

from aiolightsail._botocore import _sessions, _settings
from aiolightsail._botocore._error_answers import read_error_answers
from aiolightsail._botocore._http import session_class
from aiolightsail._gate import take_turn

if TYPE_CHECKING:
    from aiobotocore.session import AioSession
    from botocore.config import Config

__all__ = ["BotoLightsail", "open_lightsail", "user_agent"]


@functools.cache
def user_agent() -> str:
    """The User-Agent header of every request: what the client is, built once per process.

    botocore otherwise rebuilds and sanitises its structured User-Agent (SDK,
    OS, language, per-request feature metrics) twice per request, ~0.15 ms, or
    7 % of a page's CPU (``docs/design.md``). ``Config(user_agent=...)`` is
    botocore's documented override; AWS reads the header only for its metrics.
    An application id (``AWS_SDK_UA_APP_ID``...) is appended per client by
    ``_settings.client_config``.
    """
    import aiobotocore
    import botocore

    from aiolightsail import __version__

    return (
        f"aiolightsail/{__version__} md/aiobotocore#{aiobotocore.__version__} "
        f"md/Botocore#{botocore.__version__} ua/2.1 os/{sys.platform} "
        f"lang/python#{platform.python_version()}"
    )


class BotoLightsail:
    """An open aiobotocore Lightsail client, reduced to what the library calls."""

    def __init__(self, client: Any, stack: contextlib.AsyncExitStack, region: str) -> None:
        self.raw = client  # for tests and diagnostics only
        self.region = region
        #: The effective attempts per call (argument, config, environment or profile).
        self.max_attempts: int = client.meta.config.retries["total_max_attempts"]
        # _make_api_call is what every generated method of a botocore client
        # calls; calling it by wire name keeps the names in the operations table.
        self._call = client._make_api_call
        self._stack = stack

    async def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send one request (signed, retried) and return botocore's parsed answer.

        Raises:
            botocore, aiobotocore and aiohttp exceptions; callers translate them.
        """
        response: dict[str, Any] = await self._call(operation, params)
        return response

    async def aclose(self) -> None:
        """Close the client's connection pool, to the end even when cancelled meanwhile.

        A close cut short by a cancellation (a task leaving ``async with Fleet``
        at any moment) would leave the pool's aiohttp session open for good:
        the client is marked closed already, so nothing would close it again.
        The cancellation is re-raised once the pool is closed.
        """
        closing = asyncio.ensure_future(self._stack.aclose())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing
            raise


async def open_lightsail(
    *,
    region: str | None,
    session: AioSession | None,
    profile: str | None,
    access_key: tuple[str, str, str | None] | None,
    endpoint_url: str | None,
    max_attempts: int | None,
    retry_mode: str | None,
    connect_timeout: float,
    read_timeout: float,
    attempt_timeout: float,
    max_pool_connections: int | None,
    config: Config | None = None,
) -> BotoLightsail:
    """Open a Lightsail client of ``session`` (default: the shared session of ``profile``).

    Its region is ``region``, else the configured one
    (``_settings.region_or_refuse``); its retry policy, User-Agent and the
    merge with the caller's ``config`` are ``_settings.client_config``'s.
    Its requests never follow a redirect, each attempt has ``attempt_timeout``
    seconds from asking for a connection to the last byte (``_http``), and
    error answers are read by the rules of ``_error_answers`` (every
    HTTP 429 a throttle; an unreadable error body classified by its status).

    Raises:
        ValidationError: no region anywhere, or a configured value that is
            malformed (``_settings``).
        botocore, aiobotocore and aiohttp exceptions; callers translate them.
    """
    keys = access_key or (None, None, None)
    stack = contextlib.AsyncExitStack()
    try:
        # A missing profile or a broken config file fails here.
        session = session or _sessions.get_session(profile)
        await _sessions.prepare_session(session)
        # Clients waiting for the same set-up all wake in one loop iteration.
        await take_turn()
        region = _settings.region_or_refuse(session, region, config)
        client_config = _settings.client_config(
            session,
            base_user_agent=user_agent(),
            http_session_cls=session_class(attempt_timeout),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool_connections,
            max_attempts=max_attempts,
            retry_mode=retry_mode,
            config=config,
        )
        if access_key is None:
            await _sessions.resolve_credentials(session)
        await take_turn()  # milliseconds of CPU with no suspension point
        client = await stack.enter_async_context(
            session.create_client(
                "lightsail",
                region_name=region,
                endpoint_url=endpoint_url,
                aws_access_key_id=keys[0],
                aws_secret_access_key=keys[1],
                aws_session_token=keys[2],
                config=client_config,
            )
        )
    except BaseException:
        await stack.aclose()
        raise
    read_error_answers(client, "lightsail")
    _prune_operation_models(client)
    if _sessions.uses_shared_loader(session):  # ours: the same rules for every client
        _share_endpoint_provider(client, "lightsail")
    return BotoLightsail(client, stack, region)


def _prune_operation_models(client: Any) -> None:
    """Forget the OperationModels that building the client made; calls rebuild theirs.

    Building a client builds one per operation of the model and caches them on
    the client's own ServiceModel (botocore's ``instance_cache``, in
    ``_instance_cache``): objects that the garbage collector walks on every
    full collection, for operations most clients never call (a sweep calls
    one). Each is rebuilt, once per client, when first called. A botocore
    without that attribute is left alone.
    """
    cache = getattr(client.meta.service_model, "_instance_cache", None)
    if not isinstance(cache, dict):
        return
    for key in list(cache):
        if isinstance(key, tuple) and key[:1] == ("operation_model",):
            del cache[key]


#: One endpoint-rules evaluator per service for the clients of our sessions, see below.
_shared_providers: dict[str, Any] = {}


def _share_endpoint_provider(client: Any, service: str) -> None:
    """Let every client of our sessions use one evaluator of the service's endpoint rules.

    botocore parses the endpoint rule set into a tree of rule objects for each
    client (~45 GC-tracked objects), although every client of a service gets
    the same rules from the shared loader; the evaluator is a pure function of
    its parameters (region, endpoint URL, FIPS, dual-stack) with its own cache.
    A botocore without these attributes is left alone.
    """
    resolver = getattr(client, "_ruleset_resolver", None)
    provider = getattr(resolver, "_provider", None)
    if provider is None or not hasattr(provider, "resolve_endpoint"):
        return
    shared = _shared_providers.setdefault(service, provider)
    if shared is not provider and type(shared) is type(provider):
        resolver._provider = shared  # type: ignore[union-attr]
