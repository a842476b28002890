"""Who may call the emulator: accounts, credentials and SigV4 verification.

Unmodified AWS clients (boto3, the AWS CLI, aiobotocore) sign every request
with Signature Version 4, so the emulator checks those signatures exactly the
way AWS does: it rebuilds the canonical request from what arrived on the wire,
derives the signing key from the secret it holds for the access key, and
compares signatures in constant time. A request the emulator accepts is one a
real region would accept, and a request with a wrong secret, a stale clock or
an expired session is refused with the error code, message and HTTP status
that AWS sends, so client code written against the emulator handles the real
failures too.

The design:

* :class:`CredentialStore` owns two kinds of keys: each :class:`Account`'s
  long-term ``AKIA...`` key, and the temporary ``ASIA...`` keys (with a
  session token and an expiration read from the injected ``clock``) that
  :meth:`CredentialStore.issue_session` mints for STS ``AssumeRole``.
* :meth:`CredentialStore.verify` checks, in this order: a missing
  ``Authorization`` header, a malformed one or a malformed credential scope,
  a bad or stale date, an unknown key, a region the account has not enabled,
  a missing, wrong or expired session token, and last the signature itself.
  The signature comes last because it needs the secret that the earlier
  steps look up. It returns the :class:`Principal` the request comes from or
  raises :class:`AuthError`.
* It runs on every request, so the per-request work is two SHA-256 hashes
  (body, canonical request) and one HMAC (~35 us for a 1 KiB body): the
  four-HMAC signing-key derivation is cached per (secret, date, region,
  service), which changes once a day per key.

The canonical request follows botocore's ``SigV4Auth`` (``botocore/auth.py``),
the signer every supported client uses, and AWS's "Create a canonical request
for Signature Version 4" (IAM user guide): the path is normalised
(``botocore.utils.remove_dot_segments``) and URI-encoded once more, which is
the double encoding AWS expects from every service but S3; query parameters
are decoded and re-encoded with only ``-_.~`` left bare, then sorted.

Error codes and statuses (all ``Sender`` faults). Lightsail is a JSON 1.1
("coral") service, and coral JSON services answer authentication failures
with HTTP 400: the DynamoDB developer guide's "Error messages and codes"
table (``UnrecognizedClientException``, ``MissingAuthenticationTokenException``
... all 400), boto3 issue #509 (``UnrecognizedClientException``, HTTPStatusCode
400), aws/aws-sdk-js#284 (``InvalidSignatureException``, 400) and
ArranJacques/laravel-aws-cognito-auth#25 (a JSON 1.1 service, 400). The one
exception made here is a request with no ``Authorization`` at all: 403, as
the "Common Errors" pages of the AWS API references list
``MissingAuthenticationToken``; DynamoDB's table says 400, so this one is the
least certain. The REST-JSON front ends (API Gateway, Lambda, Glacier)
send 403 for all of these; Lightsail is not one of them. STS, a Query
service, uses other codes and 403s; ``_sts.py`` maps these errors to them.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import functools
import hashlib
import hmac
import math
import re
import secrets
import time
import types
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote, unquote_plus

import attrs

from aiolightsail._repr import SafeRepr

__all__ = [
    "ALGORITHM",
    "MAX_CLOCK_SKEW",
    "ROLE_ARN_PATTERN",
    "SIGNING_SERVICES",
    "Account",
    "AuthError",
    "CredentialStore",
    "Principal",
    "SessionCredentials",
    "unique_id_for",
]

#: The only signing algorithm the emulator accepts (SigV4a is not offered:
#: botocore uses it only when ``awscrt`` is installed and a model asks for it).
ALGORITHM = "AWS4-HMAC-SHA256"

#: How far the request's date may be from the server's clock, in seconds.
#: AWS: "the date stamp on the request is more than 15 minutes" away is refused
#: ("Common Errors", ``RequestExpired``; SigV4 docs, "Elements of a request").
MAX_CLOCK_SKEW = 15 * 60

#: The credential-scope services the emulator answers.
SIGNING_SERVICES = frozenset({"lightsail", "organizations", "sts"})

# The messages AWS sends, verbatim: clients and their users match on them.
_MSG_NO_CREDENTIALS = "Request is missing Authentication Token"
_MSG_UNKNOWN_CREDENTIALS = "The security token included in the request is invalid."
_MSG_EXPIRED_SESSION = "The security token included in the request is expired"
#: How long an expired session is still recognised (and answered "expired"), in seconds.
EXPIRED_KEPT = 86_400.0
_MSG_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)

_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z", re.ASCII)
_ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
# Loose on purpose: a region AWS adds tomorrow must verify; the catalogue of
# real regions is the server's business, not the signature's.
_SCOPE_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: A role ARN, ``arn:aws:iam::<account>:role/[<path>/]<name>``, with IAM's
#: character set for paths and names (IAM API reference, ``Role``).
ROLE_ARN_PATTERN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):role/(?P<path>(?:[\w+=,.@-]+/)*)(?P<name>[\w+=,.@-]{1,64})",
    re.ASCII,
)
# 16 characters after the 4-letter prefix, like real keys (20 in all).
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class AuthError(Exception):
    """A request the emulator refuses to authenticate.

    Attributes:
        code: The AWS error code, e.g. ``InvalidSignatureException``.
        message: The message AWS sends with it.
        status: The HTTP status AWS sends with it (for Lightsail's JSON protocol;
            ``_sts.sts_error_xml`` and ``sts_error_status`` translate for STS).
    """

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _missing_token() -> AuthError:
    return AuthError("MissingAuthenticationTokenException", _MSG_NO_CREDENTIALS, 403)


def _incomplete(message: str) -> AuthError:
    return AuthError("IncompleteSignatureException", message, 400)


def _invalid_signature(message: str = _MSG_SIGNATURE_MISMATCH) -> AuthError:
    return AuthError("InvalidSignatureException", message, 400)


def _unrecognized() -> AuthError:
    return AuthError("UnrecognizedClientException", _MSG_UNKNOWN_CREDENTIALS, 400)


def _expired() -> AuthError:
    return AuthError("ExpiredTokenException", _MSG_EXPIRED_SESSION, 400)


def _frozen_regions(regions: Iterable[str]) -> frozenset[str]:
    # A set or list passed by a test or a config file still becomes immutable.
    return frozenset(regions)


def _check_account_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not _ACCOUNT_ID.fullmatch(value):
        raise ValueError(f"{attribute.name} must be 12 digits, got {value!r}")


def _check_non_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValueError(f"{attribute.name} must not be empty")


@attrs.frozen(kw_only=True)
class Account(SafeRepr):
    """An AWS account the emulator knows, with its long-term access key.

    The secret access key is left out of ``repr``.

    Attributes:
        account_id: The 12-digit account ID.
        access_key_id: The long-term access key ID, e.g. ``AKIA...``.
        secret_access_key: Its secret (not shown in ``repr``).
        name: The IAM user name the key belongs to (``emulator`` when ``None``).
        disabled_regions: Opt-in regions this account has not enabled; requests
            signed for them are refused as AWS refuses them, with
            ``UnrecognizedClientException``.
    """

    account_id: str = attrs.field(validator=_check_account_id)
    access_key_id: str = attrs.field(validator=_check_non_empty)
    secret_access_key: str = attrs.field(repr=False, validator=_check_non_empty)
    name: str | None = None
    disabled_regions: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_regions)

    @property
    def arn(self) -> str:
        """The ARN of the IAM user that owns the long-term key."""
        return f"arn:aws:iam::{self.account_id}:user/{self.name or 'emulator'}"


@attrs.frozen(kw_only=True)
class Principal(SafeRepr):
    """Who a verified request comes from.

    Attributes:
        account_id: The account the credentials act in.
        access_key_id: The access key that signed the request.
        region: The region from the credential scope.
        service: The service from the credential scope (``lightsail``, ``sts`` or
            ``organizations``).
        arn: ``arn:aws:iam::<account>:user/<name>`` for long-term keys,
            ``arn:aws:sts::<account>:assumed-role/<role>/<session>`` for STS ones.
        session_token: The session token of temporary credentials, else ``None``
            (not shown in ``repr``).
    """

    account_id: str
    access_key_id: str
    region: str
    service: str
    arn: str
    session_token: str | None = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class SessionCredentials(SafeRepr):
    """Temporary credentials minted by :meth:`CredentialStore.issue_session`.

    The secret and the session token are left out of ``repr``.

    Attributes:
        access_key_id: The temporary key ID (``ASIA...``).
        secret_access_key: Its secret (not shown in ``repr``).
        session_token: The token that must accompany every request (not shown).
        expiration: When the credentials expire, in the store clock's epoch seconds.
        account_id: The account the credentials act in.
        arn: ``arn:aws:sts::<account>:assumed-role/<role>/<session>``.
        assumed_role_id: ``<role id>:<session>``, STS's ``AssumedRoleId``.
    """

    access_key_id: str
    secret_access_key: str = attrs.field(repr=False)
    session_token: str = attrs.field(repr=False)
    expiration: float
    account_id: str
    arn: str
    assumed_role_id: str


def unique_id_for(arn: str) -> str:
    """Return the stable IAM unique ID AWS would show for a principal ARN.

    AWS gives each user an ``AIDA...`` ID and each role an ``AROA...`` ID;
    ``GetCallerIdentity`` shows ``AROA...:<session>`` for assumed roles. The
    emulator derives them from the ARN so that they never change between runs.

    Args:
        arn: An ``arn:aws:iam::<account>:user/<name>`` or
            ``arn:aws:sts::<account>:assumed-role/<role>/<session>`` ARN.

    Returns:
        The ``UserId`` that ``GetCallerIdentity`` reports for that ARN.
    """
    parts = arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 else arn
    account = parts[4] if len(parts) == 6 else ""
    if resource.startswith("assumed-role/"):
        _, role, session = resource.split("/", 2)
        return f"{_derived_id('AROA', account, role)}:{session}"
    return _derived_id("AIDA", account, resource)


def _derived_id(prefix: str, account: str, name: str) -> str:
    digest = hashlib.sha256(f"{account}/{name}".encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


@attrs.frozen
class _ParsedAuthorization(SafeRepr):
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class CredentialStore:
    """The accounts and credentials the emulator accepts, and SigV4 verification.

    Args:
        accounts: The initial accounts.
        clock: Returns the emulator's current time in epoch seconds
            (``time.time`` or the emulator's ``Clock.now``, manual or not);
            sessions expire by it. STS still tells clients their expiration in
            real time (see ``_sts``), so a manual clock does not confuse them.
        session_ttl: How long issued sessions live, in seconds; also the cap on
            a requested duration (a role's "maximum session duration").

    Raises:
        ValueError: If ``session_ttl`` is not positive, or the accounts clash
            (see :meth:`add_account`).
    """

    def __init__(
        self,
        accounts: Iterable[Account],
        *,
        clock: Callable[[], float],
        session_ttl: float = 3600.0,
        max_sessions: int = 10_000,
    ) -> None:
        if not (session_ttl > 0 and math.isfinite(session_ttl)):  # NaN: sessions never expire
            raise ValueError(f"session_ttl must be a finite number > 0, got {session_ttl!r}")
        if isinstance(max_sessions, bool) or not isinstance(max_sessions, int) or max_sessions < 1:
            raise ValueError(f"max_sessions must be a positive int, got {max_sessions!r}")
        self._clock = clock
        self._session_ttl = session_ttl
        self._max_sessions = max_sessions
        self._accounts: dict[str, Account] = {}
        self._long_term_keys: dict[str, Account] = {}
        # Expired sessions are kept for a while (EXPIRED_KEPT) so that their use
        # is answered with ExpiredTokenException, as AWS does, rather than an
        # unknown-key error; then forgotten, as are the oldest past max_sessions.
        self._sessions: dict[str, SessionCredentials] = {}
        self.accounts: Mapping[str, Account] = types.MappingProxyType(self._accounts)
        for account in accounts:
            self.add_account(account)

    @property
    def session_ttl(self) -> float:
        """The lifetime of issued sessions and the cap on requested durations."""
        return self._session_ttl

    def now(self) -> float:
        """Return the store clock's time in epoch seconds: sessions expire by it."""
        return self._clock()

    def add_account(self, account: Account) -> None:
        """Add an account, or replace the one with the same account ID.

        Replacing an account (to change its key or its disabled regions) drops
        its previous long-term key; sessions already issued stay valid.

        Args:
            account: The account to add.

        Raises:
            ValueError: If another account already uses ``account.access_key_id``.
        """
        owner = self._long_term_keys.get(account.access_key_id)
        if (owner is not None and owner.account_id != account.account_id) or (
            account.access_key_id in self._sessions
        ):
            raise ValueError(
                f"access key {account.access_key_id!r} already belongs to another account"
            )
        previous = self._accounts.get(account.account_id)
        if previous is not None:
            del self._long_term_keys[previous.access_key_id]
        self._accounts[account.account_id] = account
        self._long_term_keys[account.access_key_id] = account

    def issue_session(
        self,
        *,
        account_id: str,
        role_arn: str,
        session_name: str,
        duration: float | None = None,
    ) -> SessionCredentials:
        """Mint temporary credentials for a role in an account.

        Args:
            account_id: The account the credentials act in.
            role_arn: ``arn:aws:iam::<account_id>:role/[<path>/]<name>``.
            session_name: The ``RoleSessionName``; it ends the assumed-role ARN.
            duration: The requested lifetime in seconds; capped by the store's
                ``session_ttl``. ``None`` means ``session_ttl``.

        Returns:
            New credentials that expire at ``clock() + min(duration, session_ttl)``.

        Raises:
            KeyError: If ``account_id`` is not in the store.
            ValueError: If ``role_arn`` is not a role ARN in ``account_id``, or
                ``duration`` is not positive.
        """
        if account_id not in self._accounts:
            raise KeyError(account_id)
        match = ROLE_ARN_PATTERN.fullmatch(role_arn)
        if match is None or match["account"] != account_id:
            raise ValueError(f"{role_arn!r} is not a role ARN in account {account_id}")
        if duration is not None and duration <= 0:
            raise ValueError(f"duration must be positive, got {duration!r}")
        lifetime = self._session_ttl if duration is None else min(duration, self._session_ttl)
        arn = f"arn:aws:sts::{account_id}:assumed-role/{match['name']}/{session_name}"
        access_key_id = self._new_session_key()
        credentials = SessionCredentials(
            access_key_id=access_key_id,
            # 40 characters, like a real secret access key.
            secret_access_key=base64.b64encode(secrets.token_bytes(30)).decode(),
            session_token=base64.b64encode(secrets.token_bytes(96)).decode(),
            expiration=self._clock() + lifetime,
            account_id=account_id,
            arn=arn,
            assumed_role_id=unique_id_for(arn),
        )
        self._sessions[access_key_id] = credentials
        self._prune()
        return credentials

    def _prune(self) -> None:
        """Forget sessions expired more than :data:`EXPIRED_KEPT` ago, and the oldest ones
        past ``max_sessions`` (sessions are kept in the order they were issued)."""
        sessions = self._sessions
        forgotten = self._clock() - EXPIRED_KEPT
        while sessions:
            oldest_key = next(iter(sessions))
            oldest = sessions[oldest_key]
            if len(sessions) <= self._max_sessions and oldest.expiration > forgotten:
                break
            del sessions[oldest_key]

    @property
    def session_count(self) -> int:
        """How many sessions are kept (live, or expired less than a day ago)."""
        return len(self._sessions)

    def _new_session_key(self) -> str:
        while True:
            key = "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
            if key not in self._sessions and key not in self._long_term_keys:
                return key

    def verify(
        self,
        *,
        method: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
        wall_clock: float | None = None,
    ) -> Principal:
        """Check a request's SigV4 signature the way AWS does.

        Args:
            method: The HTTP method, e.g. ``POST``.
            path: The request path exactly as sent, still percent-encoded and
                without the query (aiohttp: ``request.raw_path.partition("?")[0]``).
            query_string: The raw query string after ``?``, still encoded.
            headers: The request headers; names in any case. A multi-dict's
                repeated headers are joined with commas, as SigV4 specifies.
            body: The request body, exactly as received.
            wall_clock: The real time in epoch seconds to judge ``X-Amz-Date``
                against; :func:`time.time` when ``None``. Kept apart from the
                store's clock because the client signs with *its* real clock,
                while session expiry follows emulated time.

        Returns:
            The principal the request comes from.

        Raises:
            AuthError: ``MissingAuthenticationTokenException`` (no
                ``Authorization``), ``IncompleteSignatureException`` (malformed
                header, scope or date), ``InvalidSignatureException`` (clock
                skew over 15 minutes, payload hash or signature mismatch),
                ``UnrecognizedClientException`` (unknown key, wrong or missing
                session token, disabled region) or ``ExpiredTokenException``.
        """
        lowered = _lower_headers(headers)
        authorization = lowered.get("authorization")
        if not authorization:
            raise _missing_token()
        parsed = _parse_authorization(authorization)
        amz_date, signed_at = _request_date(lowered, authorization)
        if parsed.date != amz_date[:8]:
            raise _incomplete(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                f"of date from HTTP: '{parsed.date}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        _check_clock_skew(amz_date, signed_at, time.time() if wall_clock is None else wall_clock)

        secret, account_id, arn, session_token = self._resolve(parsed, lowered)

        body_hash = hashlib.sha256(body).hexdigest()
        declared_hash = lowered.get("x-amz-content-sha256")
        # Outside S3, AWS hashes the body itself; a declared hash (or
        # UNSIGNED-PAYLOAD) that disagrees can only be a tampered or unsigned body.
        if declared_hash is not None and declared_hash != body_hash:
            raise _invalid_signature()

        canonical_request = "\n".join(
            (
                method.upper(),
                _canonical_uri(path),
                _canonical_query(query_string),
                "".join(
                    f"{name}:{_trim(lowered.get(name, ''))}\n" for name in parsed.signed_headers
                ),
                ";".join(parsed.signed_headers),
                body_hash,
            )
        )
        scope = f"{parsed.date}/{parsed.region}/{parsed.service}/aws4_request"
        string_to_sign = "\n".join(
            (
                ALGORITHM,
                amz_date,
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            )
        )
        key = _signing_key(secret, parsed.date, parsed.region, parsed.service)
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        # Bytes, not str: compare_digest refuses non-ASCII str, and a client's
        # garbage signature must be a mismatch, not a crash.
        if not hmac.compare_digest(expected.encode(), parsed.signature.encode()):
            raise _invalid_signature()
        return Principal(
            account_id=account_id,
            access_key_id=parsed.access_key_id,
            region=parsed.region,
            service=parsed.service,
            arn=arn,
            session_token=session_token,
        )

    def _resolve(
        self, parsed: _ParsedAuthorization, lowered: Mapping[str, str]
    ) -> tuple[str, str, str, str | None]:
        """Return (secret, account ID, ARN, session token) for the signing key."""
        token = lowered.get("x-amz-security-token")
        account = self._long_term_keys.get(parsed.access_key_id)
        if account is not None:
            # AWS refuses a long-term key that comes with a session token.
            if token is not None or parsed.region in account.disabled_regions:
                raise _unrecognized()
            return account.secret_access_key, account.account_id, account.arn, None
        credentials = self._sessions.get(parsed.access_key_id)
        if credentials is None:
            raise _unrecognized()
        if token is None or not hmac.compare_digest(
            token.encode(), credentials.session_token.encode()
        ):
            raise _unrecognized()
        if self._clock() >= credentials.expiration:
            raise _expired()
        owner = self._accounts.get(credentials.account_id)
        if owner is None or parsed.region in owner.disabled_regions:
            raise _unrecognized()
        return (
            credentials.secret_access_key,
            credentials.account_id,
            credentials.arn,
            credentials.session_token,
        )


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    repeated: set[str] = set()
    # items(), not the mapping protocol: on an aiohttp CIMultiDict it yields
    # every occurrence of a repeated header, which SigV4 joins with commas
    # after trimming each value (botocore's SigV4Auth.canonical_headers).
    for name, value in headers.items():
        key = name.lower()
        if key in lowered:
            if key not in repeated:
                repeated.add(key)
                lowered[key] = _trim(lowered[key])
            lowered[key] = f"{lowered[key]},{_trim(value)}"
        else:
            lowered[key] = value
    return lowered


def _trim(value: str) -> str:
    # SigV4 "Trimall", exactly as botocore's SigV4Auth._header_value does it.
    return " ".join(value.split())


def _parse_authorization(header: str) -> _ParsedAuthorization:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    fields: dict[str, str] = {}
    for raw_part in rest.split(","):
        part = raw_part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise _incomplete(
                f"'{part}' not a valid key=value pair (missing equal-sign) in "
                f"Authorization header: '{header}'."
            )
        fields[name.strip()] = value.strip()
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if missing:
        raise _incomplete("".join(missing) + f"Authorization={header}")

    credential = fields["Credential"]
    scope = credential.split("/")
    if len(scope) != 5 or not all(scope):
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, date, region, service, terminator = scope
    if not (len(date) == 8 and date.isdigit()):
        raise _incomplete(f"Credential should be scoped to a valid date, not '{date}'. ")
    if not _SCOPE_REGION.fullmatch(region):
        raise _incomplete(f"Credential should be scoped to a valid region, not '{region}'. ")
    if service not in SIGNING_SERVICES:
        raise _incomplete(
            f"Credential should be scoped to correct service: "
            f"{' or '.join(repr(s) for s in sorted(SIGNING_SERVICES))}. "
        )
    if terminator != "aws4_request":
        raise _incomplete(
            f"Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{terminator}'. "
        )
    signed_headers = tuple(fields["SignedHeaders"].split(";"))
    # AWS: "The host header must be included as a signed header" (SigV4 docs,
    # "Create a canonical request"); without it a signature could be replayed
    # against another endpoint.
    if "host" not in signed_headers:
        raise _incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    return _ParsedAuthorization(
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=signed_headers,
        signature=fields["Signature"],
    )


def _request_date(lowered: Mapping[str, str], authorization: str) -> tuple[str, float]:
    """Return the request time, in SigV4's basic format and in epoch seconds."""
    amz_date = lowered.get("x-amz-date")
    if amz_date is not None:
        signed_at = _parse_amz_date(amz_date)
        if signed_at is None:
            raise _incomplete(
                f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
                "See http://en.wikipedia.org/wiki/ISO_8601"
            )
        return amz_date, signed_at
    # The SigV4 spec lets an HTTP Date header stand in for X-Amz-Date, and
    # botocore signs with Date when a request already carries one.
    http_date = lowered.get("date")
    if http_date is not None:
        try:
            stamp = email.utils.parsedate_to_datetime(http_date)
        except (TypeError, ValueError):
            stamp = None
        if stamp is not None:
            # botocore writes the zone as "-0000" (email.utils.formatdate), which
            # RFC 5322 calls UTC and Python parses as a naive datetime.
            epoch = stamp.replace(tzinfo=stamp.tzinfo or datetime.UTC).timestamp()
            return _format(epoch), epoch
    raise _incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
        f"header. Authorization={authorization}"
    )


def _parse_amz_date(value: str) -> float | None:
    match = _AMZ_DATE.fullmatch(value)
    if match is None:
        return None
    # Not time.strptime: it was a quarter of verify's time.
    try:
        year, month, day, hour, minute, second = map(int, match.groups())
        stamp = datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.UTC)
    except ValueError:  # a well-shaped impossible date: month 13, hour 25...
        return None
    return stamp.timestamp()


def _format(epoch: float) -> str:
    return time.strftime(_AMZ_DATE_FORMAT, time.gmtime(epoch))


def _check_clock_skew(amz_date: str, signed_at: float, now: float) -> None:
    # The wording of coral's refusals, e.g. "Signature expired: 20251105T220858Z
    # is now earlier than 20251106T132108Z (20251106T132608Z - 5 min.)" in
    # boto/botocore#3587 (that service allows 5 minutes; Lightsail and STS 15).
    if signed_at < now - MAX_CLOCK_SKEW:
        raise _invalid_signature(
            f"Signature expired: {amz_date} is now earlier than "
            f"{_format(now - MAX_CLOCK_SKEW)} ({_format(now)} - 15 min.)"
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        raise _invalid_signature(
            f"Signature not yet current: {amz_date} is still later than "
            f"{_format(now + MAX_CLOCK_SKEW)} ({_format(now)} + 15 min.)"
        )


def _canonical_uri(raw_path: str) -> str:
    # botocore: quote(normalize_url_path(urlsplit(url).path), safe='/~') on the
    # already-encoded path -- AWS's double encoding for every service but S3.
    return quote(_remove_dot_segments(raw_path) or "/", safe="/~")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, plus the collapse of repeated slashes that AWS
    # applies; the same algorithm as botocore.utils.remove_dot_segments.
    if not path:
        return "/"
    output: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if output:
                output.pop()
        else:
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def _canonical_query(query_string: str) -> str:
    if not query_string:
        return ""
    pairs: list[tuple[str, str]] = []
    for pair in query_string.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        # Decode as a form (botocore sends urlencode()'s '+' for a space), then
        # encode as SigV4 wants: everything but unreserved characters, %20 for space.
        pairs.append(
            (
                quote(unquote_plus(name), safe="-_.~"),
                quote(unquote_plus(value), safe="-_.~"),
            )
        )
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


@functools.lru_cache(maxsize=4096)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    # Four HMACs that only change once a day per key: cached, since verify runs
    # on every request and a fleet sweep signs thousands with the same keys.
    k_date = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    k_region = hmac.new(k_date, region.encode(), hashlib.sha256).digest()
    k_service = hmac.new(k_region, service.encode(), hashlib.sha256).digest()
    return hmac.new(k_service, b"aws4_request", hashlib.sha256).digest()
