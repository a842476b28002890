"""Redirects are refused: a 3xx answer is :class:`Redirected`, never followed.

Lightsail never redirects, and boto3 (urllib3 under botocore) never follows
one, while aiohttp follows up to ten by default: a followed redirect sends the
signed request, its ``X-Amz-Security-Token`` and, for 307/308, its body
(launch scripts included) to whatever host the answer names, and takes that
host's answer for Lightsail's. The transport (``_transport``) sends every
request with ``allow_redirects=False`` and raises :class:`Redirected` for a
3xx answer, which :func:`~aiolightsail._botocore.translate` turns into
:class:`~aiolightsail.RedirectError`; it is not retried.
"""

from __future__ import annotations

from yarl import URL

__all__ = ["Redirected", "where"]


class Redirected(Exception):  # noqa: N818 - a signal for translate, never seen by callers
    """An answer with an HTTP 3xx status; raised by the transport."""

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
