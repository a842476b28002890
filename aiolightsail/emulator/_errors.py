"""Errors as the Lightsail service sends them.

A Lightsail error is an HTTP 4xx/5xx whose JSON body names the error shape in
``__type`` and carries ``message`` plus Lightsail's own ``code``, ``docs`` and
``tip`` (the four members botocore models on every Lightsail exception shape).
Errors outside the Lightsail model (throttling, unknown operation, malformed
JSON) are sent the way the AWS front end sends them: ``__type`` and
``message`` only.
"""

from __future__ import annotations

import json

from aiolightsail._text import TEXT_MAX, bounded

__all__ = ["DOCS_URL", "MESSAGE_MAX", "ServiceError", "bounded", "invalid_input", "not_found"]

#: What Lightsail puts in the ``docs`` member of its errors.
DOCS_URL = "https://lightsail.aws.amazon.com/ls/docs"
#: The longest error message the emulator sends: the library's one bound on outside
#: text (``aiolightsail._text``). Messages quote what was sent (a name, a value, a
#: canonical request); a request of any size must not make an answer of the same size.
MESSAGE_MAX = TEXT_MAX


#: The HTTP status of each error code the emulator sends. Lightsail's model
#: declares no ``httpStatusCode``; botocore treats any code with any 4xx as a
#: client error, and 5xx (plus ``ThrottlingException`` with 400 and any 429) as
#: retryable in both its ``legacy`` and ``standard`` retry modes.
STATUS_BY_CODE: dict[str, int] = {
    "AccessDeniedException": 403,
    "AccountSetupInProgressException": 400,
    "InvalidInputException": 400,
    "NotFoundException": 400,
    "OperationFailureException": 400,
    "RegionSetupInProgressException": 400,
    "ServiceException": 500,
    "UnauthenticatedException": 401,
    "ThrottlingException": 400,
    "TooManyRequestsException": 429,
    "ServiceUnavailableException": 503,
    "UnknownOperationException": 400,
    "SerializationException": 400,
    "InvalidSignatureException": 403,
    "UnrecognizedClientException": 403,
}

#: Error shapes that Lightsail models: these carry ``code``, ``docs`` and ``tip``.
_LIGHTSAIL_SHAPES = frozenset(
    {
        "AccessDeniedException",
        "AccountSetupInProgressException",
        "InvalidInputException",
        "NotFoundException",
        "OperationFailureException",
        "RegionSetupInProgressException",
        "ServiceException",
        "UnauthenticatedException",
    }
)


class ServiceError(Exception):
    """An error response: raised by handlers, rendered by the server.

    Attributes:
        error_type: The ``__type`` (botocore's error code), e.g. ``NotFoundException``.
        message: The human-readable ``message``.
        status: The HTTP status.
        code: Lightsail's own ``code`` member (``DoesNotExist``...), if any.
        tip: Lightsail's ``tip`` member.
    """

    def __init__(
        self,
        error_type: str,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        tip: str = "",
    ) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.status = status if status is not None else STATUS_BY_CODE.get(error_type, 400)
        self.code = code
        self.tip = tip

    def to_json(self) -> str:
        """Return the error body as the service sends it."""
        body: dict[str, str] = {"__type": self.error_type, "message": bounded(self.message)}
        if self.error_type in _LIGHTSAIL_SHAPES:
            body["code"] = self.code or self.error_type.removesuffix("Exception")
            body["docs"] = DOCS_URL
            body["tip"] = self.tip
        return json.dumps(body)


def not_found(resource_type: str, name: str) -> ServiceError:
    """Return the error Lightsail sends for a missing named resource.

    Args:
        resource_type: ``Instance``, ``InstanceSnapshot``...
        name: The name that was asked for.

    Returns:
        A ``NotFoundException`` (HTTP 400, ``code`` ``DoesNotExist``).
    """
    return ServiceError(
        "NotFoundException",
        f"The {resource_type} does not exist: {name}",
        code="DoesNotExist",
        tip="Please check that the resource name is correct and that it is in this Region.",
    )


def invalid_input(message: str, *, code: str = "InvalidInput") -> ServiceError:
    """Return an ``InvalidInputException`` (HTTP 400) with ``message``.

    Args:
        message: What is wrong, naming the parameter.
        code: Lightsail's ``code`` member.

    Returns:
        The error.
    """
    return ServiceError("InvalidInputException", message, code=code)
