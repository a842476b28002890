"""``Target``: one (account, region) of a fleet, as a value.

A target names where to send requests (a region, optionally an endpoint URL)
and whose credentials to use (a profile, static keys, the default chain, and
optionally a role to assume with them). Its secret fields never show in
``repr``; it is hashable, so fleets key their clients and failures by it.

It pickles (for ``aiolightsail.dask``, ``multiprocessing``) by reference to
its credentials: a profile, a role or the default chain is resolved where the
target is used. A target with static keys refuses to pickle, since the
pickle would carry its secret in plain text to a broker or a scheduler's
memory, unless it was built with ``pickle_secrets=True``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Self

import attrs

from aiolightsail import _validation as check
from aiolightsail._errors import ValidationError
from aiolightsail._repr import SafeRepr

__all__ = ["Target"]

# ASCII only: IAM's \w and \d are ASCII word characters and digits.
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}", re.ASCII)
#: STS AssumeRole's rules (botocore's sts model: roleSessionNameType,
#: roleDurationSecondsType, externalIdType).
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_DURATION_RANGE = (900, 43200)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
#: The session name sent to STS when the target names none.
DEFAULT_ROLE_SESSION_NAME = "aiolightsail"


def _check_region(_target: Any, _attribute: Any, value: str) -> None:
    check.region(value)


def _optional_text(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.string(value, attribute.name)


def _optional_secret(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Never echo what was given: it may be the secret itself.
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(attribute.name, "must be a non-empty str", show=False)


def _optional_session_name(_target: Any, _attribute: Any, value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _SESSION_NAME.fullmatch(value)):
        raise ValidationError(
            "role_session_name", "must be 2 to 64 ASCII letters, digits or _+=,.@-", value
        )


def _optional_duration(_target: Any, _attribute: Any, value: Any) -> None:
    if value is not None:
        low, high = _DURATION_RANGE
        check.integer(value, "duration_seconds", low=low, high=high)


def _optional_external_id(_target: Any, _attribute: Any, value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _EXTERNAL_ID.fullmatch(value)):
        raise ValidationError(
            "external_id", "must be 2 to 1224 ASCII letters, digits or _+=,.@:/-", value
        )


def _boolean(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check.boolean(value, attribute.name)


def _optional_endpoint(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.endpoint_url(value, attribute.name)


@attrs.frozen
class Target(SafeRepr):
    r"""One (account, region) to query.

    The account is given by exactly one of: ``profile`` (an AWS config
    profile), static keys, or nothing (the default credential chain); a
    ``role_arn`` is then assumed with those credentials (STS AssumeRole at the
    region's endpoint), once per role and role parameters for all its
    regions, refreshed before expiry. The keys (the access key id included)
    are left out of ``repr`` and of every label.

    Args:
        region: the region, e.g. ``"eu-west-1"``.
        profile: an AWS config profile.
        role_arn: ``arn:aws:iam::<account>:role/<name>`` to assume.
        external_id: AssumeRole's ``ExternalId``, which the role's trust
            policy may require (2 to 1224 of ``[\w+=,.@:/-]``); only with
            ``role_arn``. Not a secret, but left out of labels.
        duration_seconds: how long the assumed role's credentials last,
            900 to 43200 seconds (STS's range; the role's maximum session
            duration may be lower); only with ``role_arn``. Default: STS's (one hour).
        role_session_name: AssumeRole's ``RoleSessionName``, which shows in
            CloudTrail (2 to 64 of ``[\w+=,.@-]``); only with ``role_arn``.
            Default: ``"aiolightsail"``.
        aws_access_key_id: a static access key (hidden from ``repr`` and labels).
        aws_secret_access_key: its secret (hidden from ``repr``).
        aws_session_token: a session token (hidden from ``repr``).
        endpoint_url: send Lightsail (and STS) requests here, e.g. the emulator.
        name: a label for output; defaults to ``account/region``.
        pickle_secrets: let ``pickle`` (and so Dask or ``multiprocessing``)
            carry the static keys, in plain text. Off by default: pickling a
            target with static keys raises ``ValidationError``. Not part of
            equality or hashing.

    Raises:
        ValidationError: a malformed field, or role parameters without ``role_arn``.
    """

    region: str = attrs.field(validator=_check_region)
    profile: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    role_arn: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    external_id: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_external_id
    )
    duration_seconds: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_duration
    )
    role_session_name: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_session_name
    )
    aws_access_key_id: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_text
    )
    aws_secret_access_key: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_secret
    )
    aws_session_token: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_secret
    )
    endpoint_url: str | None = attrs.field(default=None, kw_only=True, validator=_optional_endpoint)
    name: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    pickle_secrets: bool = attrs.field(
        default=False, kw_only=True, eq=False, repr=False, validator=_boolean
    )

    def __attrs_post_init__(self) -> None:
        check.credentials(
            profile=self.profile,
            access_key_id=self.aws_access_key_id,
            secret_access_key=self.aws_secret_access_key,
            session_token=self.aws_session_token,
        )
        if self.role_arn is not None and not _ROLE_ARN.fullmatch(self.role_arn):
            raise ValidationError(
                "role_arn", "must look like arn:aws:iam::123456789012:role/name", self.role_arn
            )
        if self.role_arn is None:
            for parameter in ("external_id", "duration_seconds", "role_session_name"):
                if getattr(self, parameter) is not None:
                    raise ValidationError(
                        parameter, "is a parameter of the role to assume: give role_arn too"
                    )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the fields, refusing static secrets unless ``pickle_secrets`` is set.

        Raises:
            ValidationError: the target has a secret key or session token and
                ``pickle_secrets`` is off.
        """
        if self._has_static_secret() and not self.pickle_secrets:
            raise ValidationError(
                "aws_secret_access_key",
                "is not pickled: the pickle would carry it in plain text; give the other "
                "process its credentials by profile, role or environment, or build the "
                "Target with pickle_secrets=True",
                show=False,
            )
        return (_rebuild, (attrs.asdict(self, recurse=False),))

    def __copy__(self) -> Self:
        return self  # immutable: a copy is the same value

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def _has_static_secret(self) -> bool:
        """Whether the target carries a secret itself (a secret key or a session token)."""
        return self.aws_secret_access_key is not None or self.aws_session_token is not None

    @property
    def account(self) -> str:
        """A label for the account, known without a request.

        The role's account id; else the profile; else, for static keys,
        ``keys-`` and 8 hex digits of a hash of the access key id (the same
        keys give the same label; the key id itself is never shown); else
        ``"default"``. :meth:`Fleet.account_id <aiolightsail.Fleet.account_id>`
        gives the account id of any target.
        """
        if self.role_arn is not None:
            return self._role_account()
        if self.profile is not None:
            return self.profile
        if self.aws_access_key_id is not None:
            digest = hashlib.sha256(self.aws_access_key_id.encode()).hexdigest()
            return f"keys-{digest[:8]}"
        return "default"

    def _role_account(self) -> str:
        """The 12-digit account id of ``role_arn`` (a role target's only)."""
        match = _ROLE_ARN.fullmatch(self.role_arn or "")
        assert match is not None  # noqa: S101 - checked in __attrs_post_init__
        return match["account"]

    @property
    def label(self) -> str:
        """``name``, or ``account/region``."""
        return self.name or f"{self.account}/{self.region}"

    def _credential_key(self) -> tuple[str | int | None, ...]:
        # Targets that share this key share credentials (and an assumed role).
        return (
            self.role_arn,
            self.external_id,
            self.duration_seconds,
            self.role_session_name,
            *self._base_key(),
        )

    def _base_key(self) -> tuple[str | None, ...]:
        # The credentials before any role is assumed (and where STS is reached).
        return (self.profile, self.aws_access_key_id, self.endpoint_url)


def _rebuild(fields: dict[str, Any]) -> Target:
    """Unpickle a :class:`Target` from its fields (checked again, as on any construction)."""
    return Target(**fields)
