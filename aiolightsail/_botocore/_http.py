"""The HTTP session every client of ours sends through: redirects refused, attempts bounded.

aiobotocore's ``AIOHTTPSession`` calls ``aiohttp.ClientSession.request`` with
aiohttp's defaults, which follow up to ten redirects. Lightsail never
redirects, and boto3 (urllib3 under botocore) never follows one: a followed
redirect sends the signed request, its ``X-Amz-Security-Token`` and, for
307/308, its body (launch scripts included) to whatever host the answer names,
and takes that host's answer for Lightsail's. Here every request is sent with
``allow_redirects=False``, and a 3xx answer raises :class:`Redirected`, which
:func:`~aiolightsail._botocore.translate` turns into
:class:`~aiolightsail.RedirectError`. botocore does not retry it.

aiobotocore's timeouts are per read (``read_timeout``) and per connection
(``connect_timeout``): a body trickled one byte per read window never times
out. Each request here also carries aiohttp's *total* timeout, the attempt's
deadline from asking for a connection to the last byte of the body; an attempt
past it fails as a read timeout, which botocore retries like any other.

:func:`session_class` makes the class for one deadline: aiobotocore builds the
HTTP session itself from ``AioConfig(http_session_cls=...)``, so the deadline
travels as a class attribute.
"""

from __future__ import annotations

import functools
from typing import Any

import aiohttp
from yarl import URL

from aiolightsail._botocore._ssl import SharedSSLSession

__all__ = ["LightsailHTTPSession", "Redirected", "session_class"]


class Redirected(Exception):  # noqa: N818 - a signal for translate, never seen by callers
    """An answer with an HTTP 3xx status; raised by :meth:`LightsailHTTPSession.send`."""

    def __init__(self, status: int, location: str | None) -> None:
        self.status = status
        self.location = location
        super().__init__(f"HTTP {status} redirect{where(location)} refused")


def where(location: str | None) -> str:
    """`` to scheme://host`` of a redirect's target (no path or query: they may carry
    anything), or nothing when the header is missing or unreadable."""
    if not location:
        return ""
    try:
        url = URL(location)
    except (ValueError, TypeError):
        return ""
    if not url.is_absolute() or not url.host:
        return " to a relative location"
    return f" to {url.scheme}://{url.host[:100]}"


class _NoRedirects:
    """An aiohttp session as aiobotocore uses it, whose requests never follow a redirect."""

    __slots__ = ("_session", "_timeout")

    def __init__(self, session: aiohttp.ClientSession, timeout: aiohttp.ClientTimeout) -> None:
        self._session = session
        self._timeout = timeout

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        # aiobotocore passes a timeout only to override the read timeout of one request.
        override = kwargs.get("timeout")
        kwargs["timeout"] = (
            aiohttp.ClientTimeout(
                total=self._timeout.total,
                sock_connect=self._timeout.sock_connect,
                sock_read=override.sock_read,
            )
            if isinstance(override, aiohttp.ClientTimeout)
            else self._timeout
        )
        return self._session.request(method, url, **kwargs)


class LightsailHTTPSession(SharedSSLSession):
    """aiobotocore's aiohttp session: shared SSL contexts, no redirects, a deadline per attempt.

    Attributes:
        attempt_timeout: seconds from asking for a connection to the last
            byte of the answer (``None``: no total deadline).
    """

    attempt_timeout: float | None = None

    def __init__(self, *args: Any, timeout: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, timeout=timeout, **kwargs)
        connect, read = timeout if isinstance(timeout, list | tuple) else (timeout, timeout)
        self._attempt = aiohttp.ClientTimeout(
            total=self.attempt_timeout, sock_connect=connect, sock_read=read
        )

    async def _get_session(self, proxy_url: str | None) -> Any:
        return _NoRedirects(await super()._get_session(proxy_url), self._attempt)

    async def send(self, request: Any) -> Any:
        """Send ``request`` once; a 3xx answer raises :class:`Redirected`."""
        response = await super().send(request)
        if 300 <= response.status_code < 400:
            raise Redirected(response.status_code, response.headers.get("location"))
        return response


@functools.cache
def session_class(attempt_timeout: float | None) -> type[LightsailHTTPSession]:
    """The session class whose requests have ``attempt_timeout`` seconds each."""
    return type(
        "LightsailHTTPSession", (LightsailHTTPSession,), {"attempt_timeout": attempt_timeout}
    )
