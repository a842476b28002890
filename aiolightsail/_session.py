"""Shared aiobotocore sessions: one per profile, one loader for all, credentials resolved once.

DESIGN.md's measurements: a fresh aiobotocore session per account costs ~70 ms
and ~10 MiB, while ``create_client`` on a shared session costs 4–9 ms. So
every client of the process shares one session per AWS profile, and those
sessions share one botocore data loader (service models are parsed once).

Credential resolution in botocore is not locked: clients created concurrently
on a fresh session each run the whole provider chain (a ``credential_process``
once per client). :func:`resolve_credentials` resolves once per session under
an :class:`asyncio.Lock`; the session then caches the result (and refreshes
refreshable credentials itself).

Reading the AWS config files is blocking file I/O, so it happens in a thread.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiobotocore.credentials import AioCredentials
    from aiobotocore.session import AioSession

__all__ = ["get_session", "prepare_session", "resolve_credentials"]

_lock = threading.Lock()
_sessions: dict[str | None, AioSession] = {}
# One asyncio.Lock per (session, event loop): asyncio locks are bound to a loop.
_credential_locks: weakref.WeakKeyDictionary[
    AioSession, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()
_prepared: weakref.WeakSet[AioSession] = weakref.WeakSet()


def get_session(profile: str | None = None) -> AioSession:
    """The process-wide aiobotocore session for ``profile`` (``None``: the default chain).

    Sessions share the first session's data loader, so the Lightsail model is
    loaded and parsed once per process.
    """
    with _lock:
        session = _sessions.get(profile)
        if session is None:
            from aiobotocore.session import AioSession

            session = AioSession(profile=profile)
            if _sessions:
                first = next(iter(_sessions.values()))
                session.register_component("data_loader", first.get_component("data_loader"))
            _sessions[profile] = session
        return session


def _warm(session: AioSession) -> None:
    # Everything create_client reads from disk: the config files, then the
    # service model, endpoint rules and defaults, which the loader caches
    # (aiobotocore's own warm-up, also behind AioConfig(warm_up_loader_caches=True)).
    _ = session.full_config
    warm_up: Any = session.warm_up_loader_caches  # type: ignore[attr-defined]  # not in the stubs
    warm_up("lightsail")
    warm_up("sts")


async def prepare_session(session: AioSession) -> None:
    """Do a session's blocking file I/O (config files, service model) in a thread, once."""
    if session in _prepared:
        return
    await asyncio.to_thread(_warm, session)
    _prepared.add(session)


async def resolve_credentials(session: AioSession) -> AioCredentials | None:
    """Resolve ``session``'s credentials once, however many tasks ask at the same time.

    Returns:
        The credentials, or ``None`` when the chain found none (the request
        will then fail with ``UnauthenticatedError``).
    """
    per_loop = _credential_locks.setdefault(session, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    async with lock:
        credentials: Any = await session.get_credentials()
        return credentials  # type: ignore[no-any-return]
