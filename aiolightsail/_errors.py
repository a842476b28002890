"""The exception tree, and how an error answer of the service becomes one of its classes.

::

    LightsailError
    ├── ValidationError (also ValueError)      bad input, caught before any request
    ├── PaginationError                        a repeated token, or a listing past its bound
    ├── ResponseError                          a response the library cannot read
    │   └── RedirectError                      an HTTP 3xx: never followed
    ├── TransportError (also OSError)          no usable answer: connection, timeout
    │   ├── RequestTimeoutError (also TimeoutError)  a call or its attempts ran past a timeout
    │   └── TargetTimeoutError (also TimeoutError)   a fleet target ran past target_timeout
    ├── WaitTimeoutError (also TimeoutError)   a waiter's timeout passed first (.last)
    ├── WaitFailedError                        what a waiter waited for failed (.last)
    ├── WriteOutcomeUnknownError               a write may or may not have taken effect
    └── APIError                               the service said no
        ├── NotFoundError
        ├── InvalidInputError
        ├── AccessDeniedError
        ├── UnauthenticatedError
        │   └── ExpiredCredentialsError
        ├── OperationFailureError
        ├── ServiceError
        ├── AccountSetupInProgressError
        ├── RegionSetupInProgressError
        ├── RegionNotEnabledError
        └── ThrottledError

Every failure of a request is translated in one place
(``aiolightsail._botocore.translate``) with ``raise ... from exc``, so no
botocore or aiohttp exception reaches a caller, and the original stays
reachable as ``__cause__``. Exceptions that are not failures of a request (a
bug, or a caller's function raising inside ``Fleet.map``) are never relabelled.

Every class pickles with all its attributes (``code``, ``message``,
``request_id``, ``page_token``...), so a failure can cross a process boundary
(``aiolightsail.dask``, ``multiprocessing``); the ``__cause__`` chain stays
behind, as it does for every pickled exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    # For annotations only: the models import this module.
    from aiolightsail._models import Instance, InstanceSnapshot, Operation

from aiolightsail._text import bounded

__all__ = [
    "APIError",
    "AccessDeniedError",
    "AccountSetupInProgressError",
    "ExpiredCredentialsError",
    "InvalidInputError",
    "LightsailError",
    "NotFoundError",
    "OperationFailureError",
    "PaginationError",
    "RedirectError",
    "RegionNotEnabledError",
    "RegionSetupInProgressError",
    "RequestTimeoutError",
    "ResponseError",
    "ServiceError",
    "TargetTimeoutError",
    "ThrottledError",
    "TransportError",
    "UnauthenticatedError",
    "ValidationError",
    "WaitFailedError",
    "WaitTimeoutError",
    "WriteOutcomeUnknownError",
    "api_error_from_response",
]


class LightsailError(Exception):
    """The root of every error aiolightsail raises.

    Attributes:
        page_token: set on errors raised while fetching a page of a list
            operation: the ``pageToken`` of the page that failed (``None`` for
            the first page). Passing it back as ``page_token=`` resumes the
            listing with no item skipped or repeated.

    Only :class:`APIError` and its subclasses carry the service's answer
    (``code``, ``request_id``, Lightsail's ``tip``...). Where a type says no
    more than ``LightsailError`` (``FleetFailure.error``, ``except
    LightsailError``), narrow it with ``isinstance`` before reading them;
    type checkers follow the check::

        if isinstance(failure.error, APIError):
            print(failure.error.code, failure.error.tip)
    """

    page_token: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # BaseException's own reduce calls cls(*args), which loses every
        # keyword-only argument; rebuild without __init__ instead, from the
        # message arguments and the attributes as they are.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(
    cls: type[LightsailError], args: tuple[Any, ...], state: dict[str, Any]
) -> LightsailError:
    """Unpickle an error of ``cls``: its ``args`` and attributes, as they were pickled."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ValidationError(LightsailError, ValueError):
    """An argument broke a rule; nothing was sent.

    Attributes:
        parameter: the parameter's name as the caller wrote it (``"port_info.from_port"``).
        rule: the rule that was broken, in words.
        value: the offending value (never a secret: secret parameters are not echoed).
    """

    def __init__(self, parameter: str, rule: str, value: object = None, *, show: bool = True):
        self.parameter = parameter
        self.rule = rule
        self.value = value if show else None
        shown = f" (got {bounded(repr(value))})" if show else ""
        super().__init__(f"{parameter}: {rule}{shown}")


class PaginationError(LightsailError):
    """A listing was stopped: the service repeated a page token, or sent more pages than allowed.

    Following a repeated token would loop forever; a listing longer than
    ``max_pages`` pages, or with more empty pages in a row than a real one has,
    is a service that never ends its listing. ``page_token`` is the token that
    was not followed: resuming from it continues right after the last page
    delivered.
    """


class ResponseError(LightsailError):
    """The service answered with something the library cannot read (bad JSON, wrong types)."""

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        message = bounded(message)
        super().__init__(f"{operation}: {message}" if operation else message)


class RedirectError(ResponseError):
    """The endpoint answered with a redirect (HTTP 3xx), which was not followed.

    Lightsail never redirects; following one would send the signed request,
    its session token and its body to another host, and take that host's
    answer for Lightsail's. Check ``endpoint_url`` and any proxy in between.

    Attributes:
        status: the HTTP status (301, 302, 303, 307, 308...).
        location: the ``Location`` header as sent, or ``None``.
    """

    def __init__(
        self, message: str, *, status: int, location: str | None, operation: str | None = None
    ) -> None:
        self.status = status
        self.location = None if location is None else bounded(location)
        super().__init__(message, operation=operation)


class TransportError(LightsailError, OSError):
    """No usable answer arrived: the connection failed, was dropped, or timed out.

    Raised only after botocore's retries are spent.
    """

    def __init__(self, message: str, *, operation: str | None = None, region: str | None = None):
        self.operation = operation
        self.region = region
        super().__init__(bounded(message))


class RequestTimeoutError(TransportError, TimeoutError):
    """A call ran past ``call_timeout``, or its last attempt past its own deadline.

    The per-attempt deadlines are ``connect_timeout`` (to connect),
    ``read_timeout`` (between two reads) and ``attempt_timeout`` (from
    connecting to the last byte); an attempt that times out is retried like
    any connection error, within ``call_timeout``.
    """


class TargetTimeoutError(TransportError, TimeoutError):
    """A :class:`~aiolightsail.Fleet` target spent longer than ``target_timeout`` on requests."""


class WaitTimeoutError(LightsailError, TimeoutError):
    r"""A waiter's ``timeout`` passed before what it waited for happened.

    Its ``str`` is one short line (what was awaited, how long); the object
    itself is in ``last``, never in the message.

    Attributes:
        last: the last object the waiter saw: the ``Instance`` (instance waits
            and ``Fleet.act``), the ``InstanceSnapshot``, the ``Operation``\ s
            (``wait_for_operations``), or ``None`` if no answer arrived in time.
            Narrow it with ``isinstance`` (``isinstance(error.last, Instance)``).
    """

    def __init__(
        self,
        message: str,
        *,
        last: Instance | InstanceSnapshot | Sequence[Operation] | None = None,
    ) -> None:
        self.last = last
        super().__init__(bounded(message))


class WaitFailedError(LightsailError):
    """What a waiter waited for can no longer happen: an operation failed, a snapshot
    ended in ``error``, an instance is shutting down.

    Its ``str`` is one short line; the object is in ``last``.

    Attributes:
        last: the object that failed: the ``Operation``, the ``InstanceSnapshot``,
            or the ``Instance``. Narrow it with ``isinstance``.
    """

    def __init__(self, message: str, *, last: Instance | InstanceSnapshot | Operation) -> None:
        self.last = last
        super().__init__(bounded(message))


class WriteOutcomeUnknownError(LightsailError):
    """A write may or may not have taken effect, and no read could tell which.

    A write (create, delete, start, stop, reboot, a port change) is uncertain
    when its request may have reached the service and no answer said what
    happened: the connection was reset or timed out after it was made, or the
    service answered a 5xx. The library then reads what the write would have
    changed, returns the real outcome when the read tells, and re-sends only
    when the read shows the write was not done; this error is what is left
    (``docs/reliability.md``, "Writes are done once"). Its ``__cause__`` is the
    failure that made the write uncertain.

    Attributes:
        operation: the wire operation (``"CreateInstances"``).
        region: the region the request went to.
        resources: the names the write was about.
        check: what to look at to learn the outcome, in words.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        region: str | None,
        resources: tuple[str, ...],
        check: str,
    ) -> None:
        self.operation = operation
        self.region = region
        self.resources = resources
        self.check = check
        where = " ".join(part for part in (operation, region) if part)
        super().__init__(f"{bounded(message)} [{where}]; check: {check}")


class APIError(LightsailError):
    """The service refused a request.

    Attributes:
        code: the service's error code (``"NotFoundException"``).
        message: the service's message.
        operation: the wire operation (``"GetInstance"``).
        region: the region the request went to.
        request_id: AWS's request id, for support cases.
        http_status: the HTTP status of the answer.
        tip: Lightsail's own hint on what to do, when it sent one.
        docs: a link to Lightsail's documentation, when it sent one.
    """

    #: The error codes this class stands for (consulted when translating).
    codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        message: str,
        *,
        code: str,
        operation: str | None = None,
        region: str | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        tip: str | None = None,
        docs: str | None = None,
    ) -> None:
        # The service's text, each piece bounded: a 4 MiB message or code is a
        # broken or hostile answer, not something to keep whole.
        self.code = code = bounded(code)
        self.message = message = bounded(message)
        self.operation = operation
        self.region = region
        self.request_id = None if request_id is None else bounded(request_id)
        self.http_status = http_status
        self.tip = None if tip is None else bounded(tip)
        self.docs = None if docs is None else bounded(docs)
        where = " ".join(part for part in (operation, region) if part)
        super().__init__(f"{code}: {message}" + (f" [{where}]" if where else ""))


class NotFoundError(APIError):
    """The named resource does not exist in this account and region."""

    codes = frozenset({"NotFoundException"})


class InvalidInputError(APIError):
    """The service rejected the input (a rule the client-side checks do not know)."""

    codes = frozenset({"InvalidInputException", "ValidationException", "SerializationException"})


class AccessDeniedError(APIError):
    """The credentials are valid but not allowed to do this."""

    codes = frozenset({"AccessDeniedException", "AccessDenied"})


class UnauthenticatedError(APIError):
    """The service did not accept the credentials or the signature."""

    codes = frozenset(
        {
            "UnauthenticatedException",
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "IncompleteSignatureException",
            "MissingAuthenticationTokenException",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
        }
    )


class ExpiredCredentialsError(UnauthenticatedError):
    """The temporary (STS) credentials have expired."""

    codes = frozenset({"ExpiredTokenException", "ExpiredToken", "RequestExpired"})


class OperationFailureError(APIError):
    """The operation was accepted but could not be carried out (a resource's state forbids it)."""

    codes = frozenset({"OperationFailureException"})


class ServiceError(APIError):
    """The service failed on its side (HTTP 5xx), after botocore's retries."""

    codes = frozenset({"ServiceException", "InternalFailure", "ServiceUnavailable"})


class AccountSetupInProgressError(APIError):
    """Lightsail is still being set up for this account; try again in a few minutes."""

    codes = frozenset({"AccountSetupInProgressException"})


class RegionSetupInProgressError(APIError):
    """Lightsail is still being set up in this region for this account."""

    codes = frozenset({"RegionSetupInProgressException"})


class RegionNotEnabledError(APIError):
    """The account has not enabled this opt-in region.

    AWS answers such requests with ``UnrecognizedClientException`` ("The
    security token included in the request is invalid"), the same code as a
    bad key; translation raises this class instead when the region is an
    opt-in region (``aiolightsail.OPT_IN_REGIONS``), so fan-outs can report it
    apart from genuinely bad credentials.
    """


class ThrottledError(APIError):
    """The service is rate-limiting these credentials, after botocore's retries.

    Lightsail's model declares no throttling error; throttles arrive as
    ``ThrottlingException`` (HTTP 400) or HTTP 429. Every HTTP 429 is one,
    whatever its body's code (kept in ``code``).
    """

    codes = frozenset(
        {
            "ThrottlingException",
            "Throttling",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "RequestThrottledException",
            "SlowDown",
        }
    )


_BY_CODE: dict[str, type[APIError]] = {
    code: cls
    for cls in (
        NotFoundError,
        InvalidInputError,
        AccessDeniedError,
        UnauthenticatedError,
        ExpiredCredentialsError,
        OperationFailureError,
        ServiceError,
        AccountSetupInProgressError,
        RegionSetupInProgressError,
        ThrottledError,
    )
    for code in cls.codes
}


def _api_error_class(code: str, status: int | None, region: str | None) -> type[APIError]:
    if code == "UnrecognizedClientException" and region is not None:
        from aiolightsail._regions import OPT_IN_REGIONS

        if region in OPT_IN_REGIONS:
            return RegionNotEnabledError
    if status == 429:  # a throttle whatever the code says, as it was retried
        return ThrottledError
    if (cls := _BY_CODE.get(code)) is not None:
        return cls
    if status is not None and status >= 500:
        return ServiceError
    return APIError


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def api_error_from_response(
    response: Mapping[str, Any], *, operation: str | None, region: str | None
) -> APIError:
    """Build the most specific :class:`APIError` from a botocore error response dict.

    botocore puts ``Error.Code``/``Error.Message`` from ``__type``/``message``
    and, for modeled Lightsail errors, also copies the body's ``code``,
    ``docs`` and ``tip`` members to the top level of the response
    (``botocore.endpoint._add_modeled_error_fields``).
    """
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    status = meta.get("HTTPStatusCode")
    status = status if isinstance(status, int) else None
    code = _str_or_none(error.get("Code")) or (str(status) if status else "Unknown")
    message = _str_or_none(error.get("Message")) or _str_or_none(response.get("message")) or ""
    cls = _api_error_class(code, status, region)
    return cls(
        message,
        code=code,
        operation=operation,
        region=region,
        request_id=_str_or_none(meta.get("RequestId")),
        http_status=status,
        tip=_str_or_none(response.get("tip")),
        docs=_str_or_none(response.get("docs")),
    )
