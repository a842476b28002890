"""One SSL context per verification setting, shared by every request of the process.

Building an SSL context loads the CA bundle: 40–80 ms of CPU
(``docs/design.md``, "The shared SSL context"). ``ssl.SSLContext`` is safe to
share between connections, so each setting gets one, built once in a thread
(``_once.run_once``) however many clients ask at the same time.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiolightsail._once import run_once

__all__ = ["ssl_context"]

_contexts: dict[str | bool, ssl.SSLContext | bool] = {}


def _build(verify: str | bool) -> ssl.SSLContext | bool:
    from botocore.httpsession import get_cert_path

    if verify is False:
        return False
    bundle: Any = verify  # a path, or True for botocore's bundle
    return ssl.create_default_context(cafile=get_cert_path(bundle))


async def ssl_context(verify: str | bool) -> ssl.SSLContext | bool:
    """The context that verifies with ``verify``: ``True`` (botocore's CA bundle), a
    bundle's path, or ``False`` (no verification: aiohttp's ``ssl=False``)."""
    context = _contexts.get(verify)
    if context is None:
        context = await run_once(("ssl", verify), lambda: _build(verify))
        context = _contexts.setdefault(verify, context)
    return context
