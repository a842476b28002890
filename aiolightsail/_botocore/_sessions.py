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
import threading
import weakref
from typing import TYPE_CHECKING, Any

from aiolightsail._botocore import _credentials, _settings
from aiolightsail._once import forget, run_once
from aiolightsail._operations import OPERATIONS

if TYPE_CHECKING:
    from aiobotocore.credentials import AioCredentials
    from aiobotocore.session import AioSession

__all__ = [
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
_SERVICES = frozenset({"lightsail", "organizations", "sts"})


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
