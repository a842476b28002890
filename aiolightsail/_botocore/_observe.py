"""Each attempt of each request, reported to the library's instrumentation.

The transport (``_transport``) sends a call's attempts in a loop as
botocore's endpoint does: it fires ``request-created`` for each attempt,
sends it, reads the answer, then asks its ``needs-retry`` handlers whether to
try again and after what backoff. Two handlers among the transport's retry
handlers report that loop to :class:`~aiolightsail._instrument.Requests`
with plain values:

* ``request-created`` (just before the attempt is signed and sent):
  :meth:`~aiolightsail._instrument.Requests.attempt_started` with the attempt
  number botocore keeps in the call's context; an attempt after the first is
  a retry, reported once its backoff is over;
* ``needs-retry``, registered last (after the handlers of ``_error_answers``
  have put back the code the server sent):
  :meth:`~aiolightsail._instrument.Requests.attempt_ended` with the answer's
  status, error code and request id, or the class of the failure when there
  was no answer. It returns nothing, so it never changes botocore's decision.

Each call's :class:`~aiolightsail._instrument.Attempts` lives in the call's
own context (``request_dict["context"]``, which every request of the call
shares), so concurrent calls on one client are told apart.
"""

from __future__ import annotations

from typing import Any

from aiolightsail._botocore._transport import Transport
from aiolightsail._instrument import Attempts, Requests

__all__ = ["observe_requests"]

#: Where a call's attempts are kept in its botocore context.
_KEY = "aiolightsail-attempts"


def _retries(context: Any) -> tuple[int, int | None]:
    """(attempt, max attempts) from a call's context (botocore's ``retries`` member)."""
    retries = context.get("retries") if isinstance(context, dict) else None
    if not isinstance(retries, dict):
        return 1, None
    attempt, most = retries.get("attempt"), retries.get("max")
    return (
        attempt if isinstance(attempt, int) else 1,
        most if isinstance(most, int) else None,
    )


def _answer(response: Any) -> tuple[int | None, str | None, str | None]:
    """(status, error code, request id) of botocore's ``(http, parsed)`` answer."""
    http, parsed = response
    status = getattr(http, "status_code", None)
    status = status if isinstance(status, int) else None
    if not isinstance(parsed, dict):
        failed = status is None or status >= 300
        return status, str(status) if failed else None, None
    meta = parsed.get("ResponseMetadata")
    request_id = meta.get("RequestId") if isinstance(meta, dict) else None
    if request_id is None:
        # A success read by the lean path has no ResponseMetadata: botocore's
        # JSON parser takes the id from this header.
        headers = getattr(http, "headers", None)
        request_id = headers.get("x-amzn-requestid") if isinstance(headers, dict) else None
    request_id = request_id if isinstance(request_id, str) and request_id else None
    error = parsed.get("Error")
    code: str | None = None
    if (status is not None and status >= 300) or error:
        found = error.get("Code") if isinstance(error, dict) else None
        code = found if isinstance(found, str) and found else str(status)
    return status, code, request_id


def observe_requests(client: Transport, requests: Requests) -> None:
    """Report every attempt of ``client``'s Lightsail calls to ``requests``."""

    def started(request: Any = None, operation_name: str = "", **_: Any) -> None:
        context = getattr(request, "context", None)
        if not isinstance(context, dict):
            return
        attempts = context.get(_KEY)
        if attempts is None:
            attempts = context[_KEY] = Attempts()
        attempt, most = _retries(context)
        requests.attempt_started(attempts, operation_name, attempt, most)

    def ended(
        response: Any = None,
        caught_exception: BaseException | None = None,
        attempts: int = 1,
        operation: Any = None,
        request_dict: Any = None,
        **_: Any,
    ) -> None:
        context = request_dict.get("context") if isinstance(request_dict, dict) else None
        record = context.get(_KEY) if isinstance(context, dict) else None
        if record is None:
            return
        if response is not None:
            status, code, request_id = _answer(response)
        else:
            status, request_id = None, None
            code = type(caught_exception).__name__ if caught_exception is not None else "Unknown"
        requests.attempt_ended(
            record,
            getattr(operation, "name", ""),
            attempts,
            _retries(context)[1],
            status=status,
            error_code=code,
            request_id=request_id,
        )

    retries = client.retries
    events = retries.handlers
    events.register_last(
        f"request-created.{retries.service}", started, unique_id="aiolightsail-observe-started"
    )
    events.register_last(
        f"needs-retry.{retries.service}", ended, unique_id="aiolightsail-observe-ended"
    )
    retries.chain()
