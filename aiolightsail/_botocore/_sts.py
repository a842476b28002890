"""STS behind the boundary: assumed roles (refreshed) and caller identities.

STS is called through the same transport as Lightsail (``_client.open_transport``:
no redirects, a deadline per attempt), with the same retry policy and merge of
the caller's config (``_settings.client_config``), at its regional endpoint;
each call, the credentials it is signed with included, runs within the
options' ``call_timeout`` (``_credentials.deadline``).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from aiobotocore.credentials import AioRefreshableCredentials

from aiolightsail import _logging
from aiolightsail import _validation as check
from aiolightsail._botocore import _credentials, _settings
from aiolightsail._botocore._client import TransportOptions, open_transport, user_agent
from aiolightsail._botocore._sessions import new_session, prepare_session, resolve_credentials

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

    from aiolightsail._botocore._transport import Transport

__all__ = ["RoleSession", "assume_role_session", "caller_account_id"]


class _AssumedRoleCredentials(AioRefreshableCredentials):
    """Refreshable STS credentials that can also be refreshed on demand.

    botocore refreshes 15 minutes before the expiry it was told; a service
    that revokes or expires the token earlier (``ExpiredTokenException``)
    needs :meth:`force_refresh`.
    """

    async def force_refresh(self) -> None:
        """Fetch new credentials now, whatever the recorded expiry says."""
        # Both members are aiobotocore's (credentials.py), absent from the type stubs.
        this: Any = self
        async with this._refresh_lock:
            await this._protected_refresh(is_mandatory=True)


class _FixedProvider:
    """A credential provider that hands out one credentials object."""

    METHOD = "aiolightsail-assume-role"
    CANONICAL_NAME = "aiolightsail-assume-role"

    def __init__(self, credentials: _AssumedRoleCredentials) -> None:
        self._credentials = credentials

    async def load(self) -> _AssumedRoleCredentials:
        return self._credentials


class RoleSession:
    """An aiobotocore session whose credentials come from ``sts:AssumeRole``, refreshed.

    One per (role, role parameters, base credentials): every region of that
    account shares it, so the role is assumed once, not once per region. It
    reads the base profile's configuration (endpoints, retries, application
    id), as the base session does; only its credentials differ.
    """

    def __init__(self, session: AioSession, credentials: _AssumedRoleCredentials) -> None:
        self.session = session
        self.credentials = credentials


@contextlib.asynccontextmanager
async def _sts(
    base: AioSession,
    *,
    service: str = "sts",
    region: str,
    endpoint_url: str | None,
    access_key: tuple[str, str, str | None] | None,
    options: TransportOptions,
) -> AsyncIterator[Transport]:
    """An STS transport of ``base`` (or ``access_key``), configured as Lightsail ones are.

    (Or of another global service called the same way: ``service="organizations"``.)

    STS is called at its regional endpoint in ``region`` (or at
    ``endpoint_url``, or the profile's or environment's STS endpoint),
    through the same transport as Lightsail (no redirects, a deadline per
    attempt), with the same retry policy and merge of the caller's config
    (``_settings.client_config``).
    """
    from aiobotocore.credentials import AioCredentials

    # STS answers carry a secret key and a session token: redact before the first call.
    _logging.install()
    await prepare_session(base)
    credentials: Any = (
        AioCredentials(*access_key) if access_key is not None else await resolve_credentials(base)
    )
    config = _settings.client_config(
        base,
        base_user_agent=user_agent(),
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        max_pool_connections=None,
        max_attempts=options.max_attempts,
        retry_mode=options.retry_mode,
        config=options.config,
    )
    sts = await open_transport(
        base,
        service,
        region=region,
        endpoint_url=endpoint_url,
        credentials=credentials,
        config=config,
        attempt_timeout=options.attempt_timeout,
    )
    try:
        yield sts
    finally:
        await sts.aclose()


def _role_credentials(answer: dict[str, Any]) -> dict[str, Any]:
    """The credentials of an AssumeRole answer, as botocore's refreshable credentials take them.

    Raises:
        ResponseParserError: naming what is missing or unusable: no
            ``Credentials``, a key or token that is not 1 to 8192 visible
            ASCII characters (signing with it, or sending the token as a
            header, could only fail later and obscurely), no ``Expiration``,
            or an ``Expiration`` already past (by this machine's clock).
    """
    from botocore.parsers import ResponseParserError

    creds = answer.get("Credentials")
    if not isinstance(creds, dict):
        raise ResponseParserError("AssumeRole answered no Credentials")
    for name in ("SecretAccessKey", "SessionToken"):
        if isinstance(creds.get(name), str):
            _logging.register_secret(creds[name])
    for name in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        if not check.sendable_credential(creds.get(name)):
            raise ResponseParserError(
                f"AssumeRole answered a {name} that is not 1 to 8192 visible ASCII characters"
                if name in creds
                else f"AssumeRole answered Credentials without a {name}"
            )
    expiration = creds.get("Expiration")
    if not isinstance(expiration, datetime.datetime):
        raise ResponseParserError("AssumeRole answered Credentials without an Expiration time")
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    if expiration <= now:
        raise ResponseParserError(
            f"AssumeRole answered credentials that expired at {expiration.isoformat()}, "
            f"before this machine's time {now.isoformat(timespec='seconds')}: "
            "a stale answer, or a clock that is wrong"
        )
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "token": creds["SessionToken"],
        "expiry_time": expiration.isoformat(),
    }


async def assume_role_session(
    role_arn: str,
    *,
    base: AioSession,
    region: str,
    endpoint_url: str | None = None,
    access_key: tuple[str, str, str | None] | None = None,
    session_name: str = "aiolightsail",
    external_id: str | None = None,
    duration_seconds: int | None = None,
    options: TransportOptions,
) -> RoleSession:
    """Assume ``role_arn`` with ``base``'s credentials (or ``access_key``) and wrap the result.

    ``session_name``, ``external_id`` and ``duration_seconds`` are
    AssumeRole's ``RoleSessionName``, ``ExternalId`` and ``DurationSeconds``
    (the last two sent only when given). The new session reads ``base``'s
    profile, so that profile's endpoints and settings apply to the role's
    Lightsail requests as to its STS request.

    The whole of it (the base credentials, AssumeRole and its retries) runs
    within ``options.call_timeout``, and so does each later refresh.

    Raises:
        RequestTimeoutError: ``options.call_timeout`` passed first.
        botocore exceptions (``ResponseParserError`` for an answer without
        usable credentials, or with expired ones); callers translate them.
    """
    from aiobotocore.credentials import AioCredentialResolver

    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if external_id is not None:
        params["ExternalId"] = external_id
    if duration_seconds is not None:
        params["DurationSeconds"] = duration_seconds

    async def fetch() -> dict[str, Any]:
        _logging.install()  # cheap; covers loggers made by modules imported since
        async with (
            _credentials.deadline(
                options.call_timeout,
                "AssumeRole (with the base credentials it is signed with)",
                operation="AssumeRole",
                region=region,
            ),
            _sts(
                base,
                region=region,
                endpoint_url=endpoint_url,
                access_key=access_key,
                options=options,
            ) as sts,
        ):
            answer = await sts.call("AssumeRole", params)
        return _role_credentials(answer)

    credentials = _AssumedRoleCredentials.create_from_metadata(
        await fetch(), refresh_using=fetch, method=_FixedProvider.METHOD
    )
    # The base's profile, not a bare session: its endpoints, retries and
    # application id are the account's configuration for Lightsail too.
    session = new_session(base.profile)
    providers: list[Any] = [_FixedProvider(credentials)]  # duck-typed provider, as botocore's
    session.register_component("credential_provider", AioCredentialResolver(providers=providers))
    return RoleSession(session, credentials)


async def caller_account_id(
    base: AioSession,
    *,
    region: str,
    endpoint_url: str | None = None,
    access_key: tuple[str, str, str | None] | None = None,
    options: TransportOptions,
) -> str:
    """The 12-digit account id of ``base``'s credentials (or ``access_key``), from STS.

    One ``sts:GetCallerIdentity`` request, sent as :func:`assume_role_session`
    sends, within ``options.call_timeout`` (the base credentials included).

    Raises:
        RequestTimeoutError: ``options.call_timeout`` passed first.
        botocore exceptions, and ``ResponseParserError`` for an answer
        without a 12-digit ``Account``; callers translate them.
    """
    from botocore.parsers import ResponseParserError

    async with (
        _credentials.deadline(
            options.call_timeout,
            "GetCallerIdentity (with the credentials it is signed with)",
            operation="GetCallerIdentity",
            region=region,
        ),
        _sts(
            base, region=region, endpoint_url=endpoint_url, access_key=access_key, options=options
        ) as sts,
    ):
        answer = await sts.call("GetCallerIdentity", {})
    account = answer.get("Account")
    if not (
        isinstance(account, str) and len(account) == 12 and account.isascii() and account.isdigit()
    ):
        raise ResponseParserError("GetCallerIdentity answered no 12-digit Account")
    return account
