"""A small STS: ``GetCallerIdentity`` and ``AssumeRole`` over the Query protocol.

Fleet code assumes a role per account (``Target(role_arn=...)``), so the
emulator answers STS on the same port as Lightsail. STS is a Query-protocol
service: botocore POSTs a form-encoded body (``Action=AssumeRole&Version=
2011-06-15&RoleArn=...``) and parses XML in the namespace
``https://sts.amazonaws.com/doc/2011-06-15/``. The responses here follow
botocore's ``sts`` model (``botocore/data/sts/2011-06-15/service-2.json``):
each is ``<{Action}Response><{Action}Result>...</{Action}Result>
<ResponseMetadata><RequestId>`` and each error is ``<ErrorResponse><Error>
<Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>``,
which ``botocore.parsers.QueryParser`` reads into ``Error.Code``.

The emulator has no IAM: any caller may assume any role named in an account
the :class:`~aiolightsail.emulator._auth.CredentialStore` knows, and gets
temporary credentials for *that* account. Everything else STS checks on its
own parameters (session-name syntax, duration bounds) is checked here with
AWS's codes and messages, because botocore checks only minimum lengths and
values on the client side.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from aiolightsail.emulator._auth import (
    ROLE_ARN_PATTERN,
    AuthError,
    CredentialStore,
    Principal,
    unique_id_for,
)
from aiolightsail.emulator._errors import bounded
from aiolightsail.emulator._faults import AssumeRoleCall, Stats

__all__ = [
    "STS_NAMESPACE",
    "STS_VERSION",
    "handle_sts",
    "is_sts_request",
    "sts_error_status",
    "sts_error_xml",
]

#: The API version every STS request names in ``Version``.
STS_VERSION = "2011-06-15"
#: The XML namespace of STS responses (the model's ``xmlNamespace``).
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"

# The bounds of AssumeRole's parameters, from botocore's sts model
# (roleSessionNameType: min 2, max 64, pattern [\w+=,.@-]*;
# roleDurationSecondsType: min 900, max 43200;
# externalIdType: min 2, max 1224, pattern [\w+=,.@:\/-]*).
_SESSION_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)
_SESSION_NAME_LENGTH = (2, 64)
_DURATION_RANGE = (900, 43200)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*", re.ASCII)
_EXTERNAL_ID_LENGTH = (2, 1224)

# Our JSON-protocol codes -> STS's Query-protocol codes and statuses. Query
# services use the generic codes of AWS's "Common Errors" pages (InvalidClientTokenId
# 403, MissingAuthenticationToken 403, IncompleteSignature 400) and
# SignatureDoesNotMatch 403 (moto's core/exceptions.py sends the same); an
# expired session is ExpiredToken with 403 (aws/aws-sdk-java-v2#1649 quotes
# "The security token included in the request is expired (Service: Sts, Status
# Code: 403"; cfn-sphere/cfn-sphere#55 shows IAM's 403 ExpiredToken document).
_STS_AUTH_ERRORS: Mapping[str, tuple[str, int]] = {
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "ExpiredTokenException": ("ExpiredToken", 403),
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 400),
}


class _StsError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def is_sts_request(
    headers: Mapping[str, str], body: bytes, principal_service: str | None = None
) -> bool:
    """Tell an STS request from a Lightsail one.

    After verification the credential scope decides; before it (to answer an
    authentication failure in the right format) the shape of the request does:
    Lightsail's JSON protocol always sends ``X-Amz-Target``, STS's Query
    protocol a form-encoded body with ``Action=``.

    Args:
        headers: The request headers (any case).
        body: The request body.
        principal_service: The verified principal's scope service, if known.

    Returns:
        Whether the request is for STS.
    """
    if principal_service is not None:
        return principal_service == "sts"
    lowered = {name.lower(): value for name, value in headers.items()}
    if "x-amz-target" in lowered:
        return False
    content_type = lowered.get("content-type", "")
    return content_type.startswith("application/x-www-form-urlencoded") and (
        body.startswith(b"Action=") or b"&Action=" in body
    )


def handle_sts(
    *,
    principal: Principal,
    body: bytes,
    store: CredentialStore,
    request_id: str,
    wall_clock: float | None = None,
    stats: Stats | None = None,
) -> tuple[int, str]:
    """Answer a verified STS request.

    Args:
        principal: Who the request comes from (already verified).
        body: The form-encoded request body.
        store: The credential store that mints sessions for ``AssumeRole``.
        request_id: The ``RequestId`` to put in the response.
        wall_clock: The real time in epoch seconds (:func:`time.time` when
            ``None``); ``AssumeRole``'s ``Expiration`` is expressed in it.
        stats: Where to count the action and record ``AssumeRole``'s parameters.

    Returns:
        The HTTP status and the XML body: 200 with the action's response, or an
        STS error (``InvalidAction`` 400, ``MissingAction`` 400,
        ``ValidationError`` 400, ``AccessDenied`` 403).
    """
    params = {
        name: values[0]
        for name, values in parse_qs(
            body.decode("utf-8", errors="replace"), keep_blank_values=True
        ).items()
    }
    action = params.get("Action")
    if not action:
        message = "The request must contain the parameter Action"
        return 400, _error_document("MissingAction", message, request_id)
    version = params.get("Version") or "NO_VERSION_SPECIFIED"
    handler = _ACTIONS.get(action) if version == STS_VERSION else None
    if handler is None:
        # AWS's wording for an action it does not know in that version.
        message = f"Could not find operation {action} for version {version}"
        return 400, _error_document("InvalidAction", message, request_id)
    wall_now = time.time() if wall_clock is None else wall_clock
    if stats is not None:
        stats.sts_actions[action] += 1
        if action == "AssumeRole":
            duration = params.get("DurationSeconds")
            stats.log_assume_role(
                AssumeRoleCall(
                    caller_account_id=principal.account_id,
                    role_arn=params.get("RoleArn"),
                    role_session_name=params.get("RoleSessionName"),
                    external_id=params.get("ExternalId"),
                    duration_seconds=int(duration) if duration and duration.isdigit() else None,
                )
            )
    try:
        result = handler(principal, params, store, wall_now)
    except _StsError as error:
        return error.status, _error_document(error.code, error.message, request_id)
    return 200, (
        f'<{action}Response xmlns="{STS_NAMESPACE}">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def sts_error_status(err: AuthError) -> int:
    """Return the HTTP status STS uses for an authentication failure.

    Args:
        err: The failure from ``CredentialStore.verify``.

    Returns:
        STS's status for it (403 for bad or missing credentials and signatures).
    """
    return _STS_AUTH_ERRORS.get(err.code, (err.code, err.status))[1]


def sts_error_xml(err: AuthError, request_id: str) -> str:
    """Render an authentication failure the way STS sends it.

    Send it with :func:`sts_error_status`: STS's statuses differ from Lightsail's.

    Args:
        err: The failure from ``CredentialStore.verify``.
        request_id: The ``RequestId`` to put in the response.

    Returns:
        An STS ``ErrorResponse`` document with STS's code for the failure
        (``SignatureDoesNotMatch``, ``InvalidClientTokenId``, ``ExpiredToken``,
        ``MissingAuthenticationToken``, ``IncompleteSignature``).
    """
    code = _STS_AUTH_ERRORS.get(err.code, (err.code, err.status))[0]
    return _error_document(code, err.message, request_id)


def _error_document(code: str, message: str, request_id: str) -> str:
    return (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}">'
        f"<Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(bounded(message))}</Message></Error>"
        f"<RequestId>{escape(request_id)}</RequestId>"
        "</ErrorResponse>"
    )


def _get_caller_identity(
    principal: Principal, params: Mapping[str, str], store: CredentialStore, wall_now: float
) -> str:
    del params, store, wall_now  # GetCallerIdentity takes no parameters
    return (
        f"<Arn>{escape(principal.arn)}</Arn>"
        f"<UserId>{escape(unique_id_for(principal.arn))}</UserId>"
        f"<Account>{principal.account_id}</Account>"
    )


def _assume_role(
    principal: Principal, params: Mapping[str, str], store: CredentialStore, wall_now: float
) -> str:
    role_arn = params.get("RoleArn")
    session_name = params.get("RoleSessionName")
    duration = params.get("DurationSeconds")
    problems = [
        *_required("roleArn", role_arn),
        *_session_name_problems(session_name),
        *_duration_problems(duration),
        *_external_id_problems(params.get("ExternalId")),
    ]
    if problems or role_arn is None or session_name is None:
        # AWS's aggregated validation message, e.g. "1 validation error
        # detected: Value 'a' at 'roleSessionName' failed to satisfy
        # constraint: Member must have length greater than or equal to 2".
        noun = "error" if len(problems) == 1 else "errors"
        raise _StsError(
            "ValidationError",
            f"{len(problems)} validation {noun} detected: {'; '.join(problems)}",
            400,
        )
    match = ROLE_ARN_PATTERN.fullmatch(role_arn)
    if match is None or match["account"] not in store.accounts:
        # With no IAM, a role is assumable iff its account exists; what AWS says
        # when the trust policy or the role is missing is this AccessDenied.
        raise _StsError(
            "AccessDenied",
            f"User: {principal.arn} is not authorized to perform: sts:AssumeRole "
            f"on resource: {role_arn}",
            403,
        )
    credentials = store.issue_session(
        account_id=match["account"],
        role_arn=role_arn,
        session_name=session_name,
        duration=None if duration is None else float(duration),
    )
    # The client compares Expiration with its own, real clock (botocore's
    # refreshable credentials refresh 15 minutes ahead and refuse credentials
    # that are "still expired" after a refresh), so it is expressed in real
    # time: now plus what is left of the session by the store's clock, which
    # may be a manual test clock standing in 2024. Whole seconds rounded down,
    # as AWS sends them, so a client never believes they outlive the session.
    remaining = credentials.expiration - store.now()
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(wall_now + remaining)))
    return (
        "<AssumedRoleUser>"
        f"<AssumedRoleId>{escape(credentials.assumed_role_id)}</AssumedRoleId>"
        f"<Arn>{escape(credentials.arn)}</Arn>"
        "</AssumedRoleUser>"
        "<Credentials>"
        f"<AccessKeyId>{credentials.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{escape(credentials.secret_access_key)}</SecretAccessKey>"
        f"<SessionToken>{escape(credentials.session_token)}</SessionToken>"
        f"<Expiration>{expiration}</Expiration>"
        "</Credentials>"
    )


def _required(member: str, value: str | None) -> list[str]:
    if value is None:
        return [f"Value null at '{member}' failed to satisfy constraint: Member must not be null"]
    return []


def _text_problems(
    member: str, value: str, length: tuple[int, int], pattern: re.Pattern[str], shown: str
) -> list[str]:
    """STS's constraint messages for a text member: its length bounds and its pattern."""
    at = f"Value '{value}' at '{member}' failed to satisfy constraint: Member must"
    low, high = length
    problems = []
    if len(value) < low:
        problems.append(f"{at} have length greater than or equal to {low}")
    if len(value) > high:
        problems.append(f"{at} have length less than or equal to {high}")
    if not pattern.fullmatch(value):
        problems.append(f"{at} satisfy regular expression pattern: {shown}")
    return problems


def _session_name_problems(value: str | None) -> list[str]:
    if value is None:
        return _required("roleSessionName", value)
    return _text_problems(
        "roleSessionName", value, _SESSION_NAME_LENGTH, _SESSION_NAME, r"[\w+=,.@-]*"
    )


def _external_id_problems(value: str | None) -> list[str]:
    if value is None:
        return []
    return _text_problems("externalId", value, _EXTERNAL_ID_LENGTH, _EXTERNAL_ID, r"[\w+=,.@:\/-]*")


def _duration_problems(value: str | None) -> list[str]:
    if value is None:
        return []
    at = f"Value '{value}' at 'durationSeconds' failed to satisfy constraint: Member must"
    if not value.isdigit():
        return [f"{at} be an integer"]
    low, high = _DURATION_RANGE
    if int(value) < low:
        return [f"{at} have value greater than or equal to {low}"]
    if int(value) > high:
        return [f"{at} have value less than or equal to {high}"]
    return []


_ACTIONS = {
    "AssumeRole": _assume_role,
    "GetCallerIdentity": _get_caller_identity,
}
