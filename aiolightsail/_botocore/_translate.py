"""The one place that turns botocore's, aiobotocore's and aiohttp's failures into ours.

:func:`translate` maps what a request raised to the most specific class of
aiolightsail's tree (``_errors``). It maps only failures of those libraries
and of the network; anything else (a bug in our code, or in a function a
caller handed to :meth:`~aiolightsail.Fleet.map`) is not a failure of the
request, and callers re-raise it as it is.
"""

from __future__ import annotations

import asyncio
import types
from typing import NoReturn

from aiolightsail import _logging
from aiolightsail._botocore._credentials import CredentialsUnavailable
from aiolightsail._botocore._http import Redirected, where
from aiolightsail._errors import (
    ExpiredCredentialsError,
    LightsailError,
    RedirectError,
    RequestTimeoutError,
    ResponseError,
    TransportError,
    UnauthenticatedError,
    ValidationError,
    api_error_from_response,
)
from aiolightsail._text import bounded

__all__ = ["reraise", "translate"]

#: Modules whose own code reads responses: an error raised inside them while a
#: response is being read is the response's fault, not a bug of ours.
_READERS = ("botocore.", "aiobotocore.", "aiohttp.", "json.", "orjson")


def _raised_in_reader(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by code of botocore, aiobotocore, aiohttp or a JSON decoder."""
    tb: types.TracebackType | None = exc.__traceback__
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return module.startswith(_READERS)


def translate(
    exc: BaseException, *, operation: str | None, region: str | None
) -> LightsailError | None:
    """Map an exception raised by botocore, aiobotocore, aiohttp or the network to our tree.

    Callers ``raise translate(exc, ...) from exc``, or re-raise ``exc`` itself
    when this returns ``None``. :class:`asyncio.CancelledError` must never be
    passed here.

    Args:
        exc: what the request raised.
        operation: the wire operation name, for the message.
        region: the region of the client.

    Returns:
        The exception to raise, ``exc`` itself when it is already a
        :class:`LightsailError`, or ``None`` when ``exc`` is not a failure of
        those libraries (a programming error, which must surface as itself).
    """
    from botocore import exceptions as bce
    from botocore.parsers import ResponseParserError

    assert not isinstance(exc, asyncio.CancelledError)  # noqa: S101 - a programming error
    if isinstance(exc, LightsailError):
        return exc
    _sanitise(exc)
    if isinstance(exc, Redirected):
        return RedirectError(
            f"the endpoint answered HTTP {exc.status}, a redirect{where(exc.location)}; "
            "Lightsail never redirects, so it was not followed (check endpoint_url and proxies)",
            status=exc.status,
            location=exc.location,
            operation=operation,
        )
    if isinstance(exc, bce.ClientError):
        return api_error_from_response(exc.response, operation=operation, region=region)
    if isinstance(exc, ResponseParserError):
        return ResponseError(f"unreadable response: {exc}", operation=operation)
    if isinstance(exc, CredentialsUnavailable):
        cls = ExpiredCredentialsError if exc.expired else UnauthenticatedError
        return cls(str(exc), code=exc.code, operation=operation, region=region)
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return UnauthenticatedError(
            str(exc), code="NoCredentials", operation=operation, region=region
        )
    if isinstance(exc, bce.ProfileNotFound):
        return ValidationError("profile", "no such profile in the AWS config files", show=False)
    if isinstance(exc, bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return RequestTimeoutError(
            f"{operation or 'request'} timed out in {region or 'unknown region'} "
            f"(its last attempt, after retries): {type(exc).__name__}: {exc}",
            operation=operation,
            region=region,
        )
    if isinstance(exc, bce.HTTPClientError | bce.ConnectionError | OSError | TimeoutError):
        return TransportError(
            f"{operation or 'request'} failed in {region or 'unknown region'}: "
            f"{type(exc).__name__}: {exc}",
            operation=operation,
            region=region,
        )
    if isinstance(exc, bce.BotoCoreError):
        return LightsailError(f"{operation or 'request'} failed: {exc}")
    if isinstance(exc, ValueError | TypeError | KeyError | AttributeError | IndexError) and (
        _raised_in_reader(exc)
    ):
        # botocore's own parser (error documents, headers) tripping over a
        # malformed answer: the answer is at fault, so say so.
        return ResponseError(
            f"unreadable response: {type(exc).__name__}: {exc}", operation=operation
        )
    return None


def _sanitise(exc: BaseException) -> None:
    """Redact and bound the messages of ``exc`` and of every exception it was raised
    from or while handling (its ``__cause__`` and ``__context__``, all the way down).

    botocore's parsers put the whole response body in their messages (an STS
    answer: a secret key and a session token), and the translated error keeps
    them as ``__cause__``, printed with every traceback. Messages are
    ``args``; an exception whose message does not come from them is left as it is
    (the transport keeps secrets out of those: ``_transport``).
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < _CHAIN_MAX:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        try:
            text = str(current)
        except Exception:  # noqa: BLE001 - an exception that cannot say what it is
            text = ""
        cleaned = bounded(_logging.redact(text))
        if cleaned != text and current.args:
            current.args = (cleaned,)
        pending.extend(e for e in (current.__context__, current.__cause__) if e is not None)


#: The most exceptions of one chain looked at (a chain is a handful; a cycle is not endless).
_CHAIN_MAX = 64


def reraise(exc: Exception, *, operation: str | None, region: str | None) -> NoReturn:
    """Raise ``exc`` translated (``from exc``), or as itself when :func:`translate` declines.

    Call it from an ``except Exception as exc:`` block around a request.
    """
    translated = translate(exc, operation=operation, region=region)
    if translated is None:
        raise exc
    raise translated from exc
