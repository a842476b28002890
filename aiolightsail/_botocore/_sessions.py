"""Shared aiobotocore sessions: one per profile, one loader for all, credentials resolved once.

A fresh aiobotocore session per account costs ~70 ms and ~10 MiB, while
``create_client`` on a shared session costs 4–9 ms (``docs/design.md``,
"Sessions"). So every client of the process shares one session per AWS
profile, and those sessions share one botocore data loader (service models are
parsed once).

Credential resolution in botocore is not locked: clients created concurrently
on a fresh session each run the whole provider chain (a ``credential_process``
once per client). :func:`resolve_credentials` resolves once per session under
an :class:`asyncio.Lock`; the session then caches the result (and refreshes
refreshable credentials itself). Resolution, role assumption and identity
calls run inside the caller's deadline; an abandoned ``credential_process``
helper is ended (``_credentials``).

Reading the AWS config files is blocking file I/O, so it happens in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import threading
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, NamedTuple

from aiobotocore.credentials import AioRefreshableCredentials

from aiolightsail._botocore import _credentials, _settings
from aiolightsail._models import compile_converters
from aiolightsail._once import forget, run_once
from aiolightsail._operations import OPERATIONS

if TYPE_CHECKING:
    from aiobotocore.credentials import AioCredentials
    from aiobotocore.session import AioSession
    from botocore.config import Config

    from aiolightsail._botocore._transport import Transport

__all__ = [
    "RoleSession",
    "StsSettings",
    "assume_role_session",
    "caller_account_id",
    "clear",
    "configured_region",
    "get_session",
    "is_session",
    "new_session",
    "prepare_session",
    "resolve_credentials",
    "uses_shared_loader",
]

_lock = threading.Lock()
_sessions: dict[str | None, AioSession] = {}
# One asyncio.Lock per (session, event loop): asyncio locks are bound to a loop.
_credential_locks: weakref.WeakKeyDictionary[
    AioSession, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()
_prepared: weakref.WeakSet[AioSession] = weakref.WeakSet()
_loader: Any = None
#: The only services our sessions build clients for.
_SERVICES = frozenset({"lightsail", "sts"})


def new_session(profile: str | None = None) -> AioSession:
    """A new aiobotocore session that shares the process-wide data loader."""
    global _loader
    from aiobotocore.session import AioSession

    session = AioSession(profile=profile)
    with _lock:
        if _loader is None:
            _loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _loader)
    return session


def get_session(profile: str | None = None) -> AioSession:
    """The process-wide aiobotocore session for ``profile`` (``None``: the default chain).

    All sessions share one data loader, so the Lightsail model is loaded and
    parsed once per process.
    """
    session = _sessions.get(profile)
    if session is None:
        session = _sessions.setdefault(profile, new_session(profile))
    return session


def _warm(session: AioSession) -> None:
    # Everything create_client reads from disk: the config files, then the
    # service model, endpoint rules and defaults, which the loader caches
    # (aiobotocore's own warm-up, also behind AioConfig(warm_up_loader_caches=True)).
    _ = session.full_config
    warm_up: Any = session.warm_up_loader_caches  # type: ignore[attr-defined]  # not in the stubs
    warm_up("lightsail")
    warm_up("sts")
    if uses_shared_loader(session):  # ours, never a caller's session
        _trim_loaded_data(_loader)
    compile_converters(op.model for op in OPERATIONS.values())


def uses_shared_loader(session: AioSession) -> bool:
    """Whether ``session`` is one of ours, reading the shared (trimmed) loader."""
    return _loader is not None and session.get_component("data_loader") is _loader


def _trim_loaded_data(loader: Any) -> None:
    """Drop, from the shared loader's cache, the data no client of ours will read.

    The loader caches what it parsed for as long as the process lives, and the
    garbage collector walks all of it on every full collection: the endpoint
    catalogue (``endpoints.json``) alone is ~23,000 tracked objects, the
    Lightsail model ~4,900, where one Lightsail and one STS client need a few
    hundred. The catalogue keeps only the ``lightsail`` and ``sts`` entries of
    each partition; the Lightsail model keeps the operations of the table
    (``_operations.OPERATIONS``) and the shapes they reach (so a client also
    builds one operation model per operation we call instead of ~160). Run by
    :func:`prepare_session` before a session's first client; later runs (other
    profiles' sessions) find it done.
    """
    endpoints, _path = loader.load_data_with_path("endpoints")
    for partition in endpoints.get("partitions", ()):
        services = partition.get("services", {})
        if not services.keys() <= _SERVICES:
            partition["services"] = {name: services[name] for name in _SERVICES if name in services}
    model = loader.load_service_model("lightsail", "service-2")
    if not model["operations"].keys() <= OPERATIONS.keys():
        _trim_service_model(model, frozenset(OPERATIONS))


def _trim_service_model(model: dict[str, Any], operations: frozenset[str]) -> None:
    """Keep only ``operations`` in a service model dict, and the shapes they reach."""
    kept = {name: op for name, op in model["operations"].items() if name in operations}
    shapes = model["shapes"]
    reached: set[str] = set()
    pending = [
        ref["shape"]
        for op in kept.values()
        for ref in (op.get("input"), op.get("output"), *op.get("errors", ()))
        if ref
    ]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        shape = shapes[name]
        pending.extend(ref["shape"] for ref in shape.get("members", {}).values())
        pending.extend(shape[key]["shape"] for key in ("member", "key", "value") if key in shape)
    model["operations"] = kept
    model["shapes"] = {name: shape for name, shape in shapes.items() if name in reached}


async def prepare_session(session: AioSession) -> None:
    """Do a session's blocking file I/O (config files, service model) in a thread, once."""
    if session in _prepared:
        return
    await run_once(("warm", id(session)), lambda: _warm(session))
    _prepared.add(session)
    forget(("warm", id(session)))


async def resolve_credentials(session: AioSession) -> AioCredentials | None:
    """Resolve ``session``'s credentials once, however many tasks ask at the same time.

    It runs in the caller's task, inside the caller's deadline: a caller
    that gives up ends the ``credential_process`` helper it started (with its
    children), and the next caller starts its own.

    Returns:
        The credentials, or ``None`` when the chain found none (the request
        will then fail with ``UnauthenticatedError``).

    Raises:
        CredentialsUnavailable: a source failed or gave something unusable.
        botocore exceptions (a missing profile, STS or SSO refusing); callers translate them.
    """
    per_loop = _credential_locks.setdefault(session, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    async with lock:
        _credentials.adopt_helpers(session)
        with _credentials.named_failures():
            credentials: Any = await session.get_credentials()
        return credentials  # type: ignore[no-any-return]


class _AssumedRoleCredentials(AioRefreshableCredentials):
    """Refreshable STS credentials that can also be refreshed on demand.

    botocore refreshes 15 minutes before the expiry it was told; a service
    that revokes or expires the token earlier (``ExpiredTokenException``)
    needs :meth:`force_refresh`.
    """

    async def force_refresh(self) -> None:
        """Fetch new credentials now, whatever the recorded expiry says."""
        # Both members are aiobotocore's (credentials.py), absent from the type stubs.
        this: Any = self
        async with this._refresh_lock:
            await this._protected_refresh(is_mandatory=True)


class _FixedProvider:
    """A credential provider that hands out one credentials object."""

    METHOD = "aiolightsail-assume-role"
    CANONICAL_NAME = "aiolightsail-assume-role"

    def __init__(self, credentials: _AssumedRoleCredentials) -> None:
        self._credentials = credentials

    async def load(self) -> _AssumedRoleCredentials:
        return self._credentials


class RoleSession:
    """An aiobotocore session whose credentials come from ``sts:AssumeRole``, refreshed.

    One per (role, role parameters, base credentials): every region of that
    account shares it, so the role is assumed once, not once per region. It
    reads the base profile's configuration (endpoints, retries, application
    id), as the base session does; only its credentials differ.
    """

    def __init__(self, session: AioSession, credentials: _AssumedRoleCredentials) -> None:
        self.session = session
        self.credentials = credentials


class StsSettings(NamedTuple):
    """How STS requests are sent: the deadlines, retries and caller's config of the clients.

    ``call_timeout`` bounds each AssumeRole or GetCallerIdentity, base credentials included.
    """

    call_timeout: float | None = 90.0
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    attempt_timeout: float = 30.0
    max_attempts: int | None = None
    retry_mode: str | None = None
    config: Config | None = None


@contextlib.asynccontextmanager
async def _sts(
    base: AioSession,
    *,
    region: str,
    endpoint_url: str | None,
    access_key: tuple[str, str, str | None] | None,
    settings: StsSettings,
) -> AsyncIterator[Transport]:
    """An STS transport of ``base`` (or ``access_key``), configured as Lightsail ones are.

    STS is called at its regional endpoint in ``region`` (or at
    ``endpoint_url``, or the profile's or environment's STS endpoint),
    through the same transport as Lightsail (no redirects, a deadline per
    attempt), with the same retry policy and merge of the caller's config
    (``_settings.client_config``).
    """
    from aiobotocore.credentials import AioCredentials

    from aiolightsail import _logging
    from aiolightsail._botocore._client import open_transport, user_agent

    # STS answers carry a secret key and a session token: redact before the first call.
    _logging.install()
    await prepare_session(base)
    credentials: Any = (
        AioCredentials(*access_key) if access_key is not None else await resolve_credentials(base)
    )
    config = _settings.client_config(
        base,
        base_user_agent=user_agent(),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_pool_connections=None,
        max_attempts=settings.max_attempts,
        retry_mode=settings.retry_mode,
        config=settings.config,
    )
    sts = await open_transport(
        base,
        "sts",
        region=region,
        endpoint_url=endpoint_url,
        credentials=credentials,
        config=config,
        attempt_timeout=settings.attempt_timeout,
    )
    try:
        yield sts
    finally:
        await sts.aclose()


def _role_credentials(answer: dict[str, Any]) -> dict[str, Any]:
    """The credentials of an AssumeRole answer, as botocore's refreshable credentials take them.

    Raises:
        ResponseParserError: naming what is missing or unusable: no
            ``Credentials``, a key or token that is not 1 to 8192 visible
            ASCII characters (signing with it, or sending the token as a
            header, could only fail later and obscurely), no ``Expiration``,
            or an ``Expiration`` already past (by this machine's clock).
    """
    from botocore.parsers import ResponseParserError

    from aiolightsail import _logging
    from aiolightsail import _validation as check

    creds = answer.get("Credentials")
    if not isinstance(creds, dict):
        raise ResponseParserError("AssumeRole answered no Credentials")
    for name in ("SecretAccessKey", "SessionToken"):
        if isinstance(creds.get(name), str):
            _logging.register_secret(creds[name])
    for name in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        if not check.sendable_credential(creds.get(name)):
            raise ResponseParserError(
                f"AssumeRole answered a {name} that is not 1 to 8192 visible ASCII characters"
                if name in creds
                else f"AssumeRole answered Credentials without a {name}"
            )
    expiration = creds.get("Expiration")
    if not isinstance(expiration, datetime.datetime):
        raise ResponseParserError("AssumeRole answered Credentials without an Expiration time")
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    if expiration <= now:
        raise ResponseParserError(
            f"AssumeRole answered credentials that expired at {expiration.isoformat()}, "
            f"before this machine's time {now.isoformat(timespec='seconds')}: "
            "a stale answer, or a clock that is wrong"
        )
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "token": creds["SessionToken"],
        "expiry_time": expiration.isoformat(),
    }


async def assume_role_session(
    role_arn: str,
    *,
    base: AioSession,
    region: str,
    endpoint_url: str | None = None,
    access_key: tuple[str, str, str | None] | None = None,
    session_name: str = "aiolightsail",
    external_id: str | None = None,
    duration_seconds: int | None = None,
    settings: StsSettings = StsSettings(),  # noqa: B008 - an immutable NamedTuple
) -> RoleSession:
    """Assume ``role_arn`` with ``base``'s credentials (or ``access_key``) and wrap the result.

    ``session_name``, ``external_id`` and ``duration_seconds`` are
    AssumeRole's ``RoleSessionName``, ``ExternalId`` and ``DurationSeconds``
    (the last two sent only when given). The new session reads ``base``'s
    profile, so that profile's endpoints and settings apply to the role's
    Lightsail requests as to its STS request.

    The whole of it (the base credentials, AssumeRole and its retries) runs
    within ``settings.call_timeout``, and so does each later refresh.

    Raises:
        RequestTimeoutError: ``settings.call_timeout`` passed first.
        botocore exceptions (``ResponseParserError`` for an answer without
        usable credentials, or with expired ones); callers translate them.
    """
    from aiobotocore.credentials import AioCredentialResolver

    from aiolightsail import _logging

    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if external_id is not None:
        params["ExternalId"] = external_id
    if duration_seconds is not None:
        params["DurationSeconds"] = duration_seconds

    async def fetch() -> dict[str, Any]:
        _logging.install()  # cheap; covers loggers made by modules imported since
        async with (
            _credentials.deadline(
                settings.call_timeout,
                "AssumeRole (with the base credentials it is signed with)",
                operation="AssumeRole",
                region=region,
            ),
            _sts(
                base,
                region=region,
                endpoint_url=endpoint_url,
                access_key=access_key,
                settings=settings,
            ) as sts,
        ):
            answer = await sts.call("AssumeRole", params)
        return _role_credentials(answer)

    credentials = _AssumedRoleCredentials.create_from_metadata(
        await fetch(), refresh_using=fetch, method=_FixedProvider.METHOD
    )
    # The base's profile, not a bare session: its endpoints, retries and
    # application id are the account's configuration for Lightsail too.
    session = new_session(base.profile)
    providers: list[Any] = [_FixedProvider(credentials)]  # duck-typed provider, as botocore's
    session.register_component("credential_provider", AioCredentialResolver(providers=providers))
    return RoleSession(session, credentials)


async def caller_account_id(
    base: AioSession,
    *,
    region: str,
    endpoint_url: str | None = None,
    access_key: tuple[str, str, str | None] | None = None,
    settings: StsSettings = StsSettings(),  # noqa: B008 - an immutable NamedTuple
) -> str:
    """The 12-digit account id of ``base``'s credentials (or ``access_key``), from STS.

    One ``sts:GetCallerIdentity`` request, sent as :func:`assume_role_session`
    sends, within ``settings.call_timeout`` (the base credentials included).

    Raises:
        RequestTimeoutError: ``settings.call_timeout`` passed first.
        botocore exceptions, and ``ResponseParserError`` for an answer
        without a 12-digit ``Account``; callers translate them.
    """
    from botocore.parsers import ResponseParserError

    async with (
        _credentials.deadline(
            settings.call_timeout,
            "GetCallerIdentity (with the credentials it is signed with)",
            operation="GetCallerIdentity",
            region=region,
        ),
        _sts(
            base, region=region, endpoint_url=endpoint_url, access_key=access_key, settings=settings
        ) as sts,
    ):
        answer = await sts.call("GetCallerIdentity", {})
    account = answer.get("Account")
    if not (
        isinstance(account, str) and len(account) == 12 and account.isascii() and account.isdigit()
    ):
        raise ResponseParserError("GetCallerIdentity answered no 12-digit Account")
    return account


def clear() -> None:
    """Forget the shared sessions (they re-read the AWS config files when next used).

    For tests that change ``AWS_CONFIG_FILE``/``AWS_SHARED_CREDENTIALS_FILE``,
    and for long-running programs after the files change.
    """
    with _lock:
        _sessions.clear()


def is_session(value: object) -> bool:
    """Whether ``value`` is an aiobotocore session a client can be built on."""
    from aiobotocore.session import AioSession

    return isinstance(value, AioSession)


def configured_region(profile: str | None) -> str | None:
    """The region configured for ``profile``'s shared session (``_settings.configured_region``).

    Reads the AWS config files the first time a profile's session needs them
    (blocking, small); the session keeps what it read.

    Raises:
        botocore exceptions (a missing profile, an unreadable file); callers translate them.
    """
    return _settings.configured_region(get_session(profile))
