"""``Target``: one (account, region) of a fleet, as a value.

A target names where to send requests (a region, optionally an endpoint URL)
and whose credentials to use (a profile, static keys, the default chain, and
optionally a role to assume with them). Its secret fields never show in
``repr``; it is hashable, so fleets key their clients and failures by it.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from aiolightsail import _validation as check
from aiolightsail._errors import ValidationError
from aiolightsail._repr import SafeRepr

__all__ = ["Target"]

# ASCII only: IAM's \w and \d are ASCII word characters and digits.
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}", re.ASCII)


def _check_region(_target: Any, _attribute: Any, value: str) -> None:
    check.region(value)


def _optional_text(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.string(value, attribute.name)


def _optional_secret(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Never echo what was given: it may be the secret itself.
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(attribute.name, "must be a non-empty str", show=False)


def _optional_endpoint(_target: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.endpoint_url(value, attribute.name)


@attrs.frozen
class Target(SafeRepr):
    """One (account, region) to query.

    The account is given by exactly one of: ``profile`` (an AWS config
    profile), static keys, or nothing (the default credential chain); a
    ``role_arn`` is then assumed with those credentials (STS AssumeRole at the
    region's endpoint), once per role for all its regions, refreshed before
    expiry. Secret fields are left out of ``repr``.

    Args:
        region: the region, e.g. ``"eu-west-1"``.
        profile: an AWS config profile.
        role_arn: ``arn:aws:iam::<account>:role/<name>`` to assume.
        aws_access_key_id: a static access key.
        aws_secret_access_key: its secret (hidden from ``repr``).
        aws_session_token: a session token (hidden from ``repr``).
        endpoint_url: send Lightsail (and STS) requests here, e.g. the emulator.
        name: a label for output; defaults to ``account/region``.
    """

    region: str = attrs.field(validator=_check_region)
    profile: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    role_arn: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    aws_access_key_id: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_text
    )
    aws_secret_access_key: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_secret
    )
    aws_session_token: str | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_optional_secret
    )
    endpoint_url: str | None = attrs.field(default=None, kw_only=True, validator=_optional_endpoint)
    name: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)

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

    @property
    def account(self) -> str:
        """A label for the account: the role's account id, the profile, or the access key id."""
        if self.role_arn is not None:
            match = _ROLE_ARN.fullmatch(self.role_arn)
            assert match is not None  # noqa: S101 - checked in __attrs_post_init__
            return match["account"]
        if self.profile is not None:
            return self.profile
        if self.aws_access_key_id is not None:
            return self.aws_access_key_id
        return "default"

    @property
    def label(self) -> str:
        """``name``, or ``account/region``."""
        return self.name or f"{self.account}/{self.region}"

    def _credential_key(self) -> tuple[str | None, ...]:
        # Targets that share this key share credentials (and an assumed role).
        return (self.role_arn, self.profile, self.aws_access_key_id, self.endpoint_url)
