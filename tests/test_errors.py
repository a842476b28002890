"""Service and network errors become typed aiolightsail errors, retried as they should be."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

import aiolightsail as al
from aiolightsail import LightsailClient
from tests.conftest import Wire

# Lightsail's modeled errors (botocore's service model) carry code/docs/tip members,
# which botocore copies into the parsed response; errors raised by AWS's front end
# (signatures, tokens) are not modeled and never carry them.
MODELED = {
    "NotFoundException",
    "InvalidInputException",
    "AccessDeniedException",
    "UnauthenticatedException",
    "OperationFailureException",
    "AccountSetupInProgressException",
    "RegionSetupInProgressException",
}
ERROR_CLASSES = [
    ("NotFoundException", 400, al.NotFoundError),
    ("InvalidInputException", 400, al.InvalidInputError),
    ("AccessDeniedException", 403, al.AccessDeniedError),
    ("UnauthenticatedException", 401, al.UnauthenticatedError),
    ("UnrecognizedClientException", 400, al.UnauthenticatedError),
    ("InvalidSignatureException", 403, al.UnauthenticatedError),
    ("ExpiredTokenException", 400, al.ExpiredCredentialsError),
    ("OperationFailureException", 400, al.OperationFailureError),
    ("AccountSetupInProgressException", 400, al.AccountSetupInProgressError),
    ("RegionSetupInProgressException", 400, al.RegionSetupInProgressError),
    ("SomethingNewException", 400, al.APIError),
]


@pytest.mark.parametrize(("code", "status", "cls"), ERROR_CLASSES)
async def test_error_code_maps_to_class_with_fields(
    code: str, status: int, cls: type[al.APIError], client: LightsailClient, wire: Wire
) -> None:
    """Each Lightsail error code raises its class carrying code, message, tip, docs and ids."""
    wire.error(
        code,
        "Some message",
        status=status,
        code="DoesNotExist",
        tip="Check the name.",
        docs="https://lightsail.aws.amazon.com/ls/docs",
    )
    with pytest.raises(al.APIError) as caught:
        await client.get_instance("web-1")
    err = caught.value
    assert type(err) is cls
    assert err.code == code
    assert err.message == "Some message"
    assert err.operation == "GetInstance"
    assert err.region == "eu-west-1"
    assert err.request_id == "req-1234"
    assert err.http_status == status
    if code in MODELED:
        assert err.tip == "Check the name."
        assert err.docs == "https://lightsail.aws.amazon.com/ls/docs"
    else:
        assert (err.tip, err.docs) == (None, None)
    assert "Some message" in str(err)
    assert err.__cause__ is not None  # raised `from` the botocore error
    assert len(wire.calls) == 1, "non-retryable errors are not retried"


def test_exception_tree_inherits_builtins() -> None:
    """ValidationError is a ValueError and TransportError an OSError, as the tree promises."""
    assert issubclass(al.ValidationError, ValueError)
    assert issubclass(al.TransportError, OSError)
    for cls in (al.ValidationError, al.PaginationError, al.APIError, al.ResponseError):
        assert issubclass(cls, al.LightsailError)
    assert issubclass(al.ExpiredCredentialsError, al.UnauthenticatedError)


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("ServiceException", 500, al.ServiceError),
        ("ThrottlingException", 400, al.ThrottledError),
        ("TooManyRequestsException", 429, al.ThrottledError),
    ],
)
async def test_retryable_errors_are_retried_then_raised(
    code: str,
    status: int,
    cls: type[al.APIError],
    wire: Wire,
    client_factory: Callable[..., LightsailClient],
) -> None:
    """5xx and throttles are retried up to max_attempts total attempts, then raised typed."""
    wire.error(code, "busy", status=status)
    wire.error(code, "busy", status=status)
    wire.error(code, "busy", status=status)
    async with client_factory(max_attempts=3) as client:
        with pytest.raises(cls) as caught:
            await client.get_instance("web-1")
    assert caught.value.http_status == status
    assert len(wire.calls) == 3, "max_attempts counts attempts, the first one included"


@pytest.mark.usefixtures("no_backoff")
async def test_retry_then_success(client: LightsailClient, wire: Wire) -> None:
    """A throttle followed by a success returns the result; the caller never sees the throttle."""
    wire.error("ThrottlingException", "Rate exceeded")
    wire.error("ServiceException", "oops", status=500)
    wire.reply({"instance": {"name": "web-1"}})
    instance = await client.get_instance("web-1")
    assert instance.name == "web-1"
    assert len(wire.calls) == 3


@pytest.mark.usefixtures("no_backoff")
async def test_connection_errors_become_transport_error(
    wire: Wire, client_factory: Callable[..., LightsailClient]
) -> None:
    """A connection that keeps failing ends, after retries, in TransportError (an OSError)."""
    wire.fail(aiohttp.ClientConnectionError("connection reset"), repeat=True)
    async with client_factory(max_attempts=2) as client:
        with pytest.raises(al.TransportError) as caught:
            await client.get_instances()
    assert caught.value.operation == "GetInstances"
    assert caught.value.region == "eu-west-1"


@pytest.mark.usefixtures("no_backoff")
async def test_opt_in_region_not_enabled(
    wire: Wire, client_factory: Callable[..., LightsailClient]
) -> None:
    """UnrecognizedClientException in an opt-in region is reported as RegionNotEnabledError."""
    wire.error(
        "UnrecognizedClientException", "The security token included in the request is invalid."
    )
    async with client_factory("ap-east-1") as client:
        with pytest.raises(al.RegionNotEnabledError) as caught:
            await client.get_instances()
    assert isinstance(caught.value, al.APIError)
    assert caught.value.code == "UnrecognizedClientException"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 200),
        ("<html><body>502 Bad Gateway</body></html>", 403),
        ('{"instance": "a string"}', 200),
        ('{"instance": {"name": 42}}', 200),
        ('{"instance": {"createdAt": "yesterday"}}', 200),
        ('{"instance": {"tags": {"key": "x"}}}', 200),
    ],
)
async def test_bad_responses_raise_lightsail_errors(
    body: str, status: int, client: LightsailClient, wire: Wire
) -> None:
    """Unreadable or mistyped answers give a LightsailError, never a KeyError/TypeError."""
    wire.reply(body, status=status)
    with pytest.raises(al.LightsailError) as caught:
        await client.get_instance("web-1")
    assert "GetInstance" in str(caught.value)


async def test_missing_member_is_a_response_error(client: LightsailClient, wire: Wire) -> None:
    """A 200 without the operation's result member is a ResponseError naming the member."""
    wire.reply({})
    with pytest.raises(al.ResponseError, match="instance"):
        await client.get_instance("web-1")
