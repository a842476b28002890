"""aiobotocore's aiohttp session, with one SSL context shared by every client.

aiobotocore's ``AIOHTTPSession`` builds a fresh SSL context (loading the CA
bundle) per client: 40–80 ms of CPU on each new client's first request
(``docs/design.md``, "The shared SSL context"). Every client with the same
verification settings can use the same context (``ssl.SSLContext`` is safe to
share between connections), so it is built once per settings, in a thread as
aiobotocore does, and cached.
"""

from __future__ import annotations

import threading
from typing import Any

from aiobotocore.httpsession import AIOHTTPSession

from aiolightsail._once import run_once

__all__ = ["SharedSSLSession"]

_contexts: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_lock = threading.Lock()
# The type stubs do not describe AIOHTTPSession's private members used here.
_Base: Any = AIOHTTPSession


class SharedSSLSession(_Base):  # type: ignore[misc]  # a base typed Any, see above
    """An ``AIOHTTPSession`` whose SSL contexts come from a process-wide cache."""

    def _build_ssl_contexts(self, proxy_url: str | None) -> tuple[Any, Any]:
        key = (self._verify, self._cert_file, self._key_file, proxy_url)
        with _lock:
            cached = _contexts.get(key)
        if cached is None:
            cached = super()._build_ssl_contexts(proxy_url)
            with _lock:
                cached = _contexts.setdefault(key, cached)
        return cached

    async def _create_connector(self, proxy_url: str | None) -> Any:
        key = (self._verify, self._cert_file, self._key_file, proxy_url)
        if key not in _contexts:
            # Build the context off the event loop (file I/O, ~50 ms), once,
            # even when many clients make their first request together.
            await run_once(("ssl", *key), lambda: self._build_ssl_contexts(proxy_url))
        return await super()._create_connector(proxy_url)
