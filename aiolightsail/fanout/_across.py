"""Accounts × regions: the targets of ``Fleet.across``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from aiolightsail import _botocore
from aiolightsail._errors import ValidationError
from aiolightsail._regions import LIGHTSAIL_REGIONS
from aiolightsail._target import Target

__all__ = ["expand"]


def expand(
    regions: Iterable[str] | Literal["all"] | None,
    *,
    profiles: Iterable[str | None] | None,
    role_arns: Iterable[str] | None,
    role_source_profile: str | None,
    keys: Iterable[tuple[str, str] | tuple[str, str, str | None]] | None,
    endpoint_url: str | None,
) -> list[Target]:
    """The cross product of regions × accounts, as ``Fleet.across`` documents it.

    Raises:
        ValidationError: no regions, a malformed region, role ARN or key,
            or (``regions=None``) an account with no configured region.
    """
    if isinstance(regions, str) and regions != "all":
        raise ValidationError("regions", "must be a list of regions, 'all' or None", regions)
    accounts: list[dict[str, Any]] = [{"profile": p} for p in dict.fromkeys(profiles or ())]
    accounts += [
        {"role_arn": r, "profile": role_source_profile} for r in dict.fromkeys(role_arns or ())
    ]
    accounts += [_key_account(i, pair) for i, pair in enumerate(keys or ())]
    if not accounts:
        accounts = [{}]
    fixed: list[str] | None = None
    if regions is not None:
        fixed = list(LIGHTSAIL_REGIONS) if regions == "all" else list(dict.fromkeys(regions))
        if not fixed:
            raise ValidationError("regions", "must name at least one region", fixed)
    return [
        Target(region, endpoint_url=endpoint_url, **account)
        for account in accounts
        for region in (fixed if fixed is not None else [_configured_region(account)])
    ]


def _key_account(index: int, pair: object) -> dict[str, Any]:
    """``Fleet.across``'s ``keys[index]`` as Target keyword arguments, checked (never echoed)."""
    if (
        not isinstance(pair, tuple)
        or len(pair) not in (2, 3)
        or not all(isinstance(part, str) for part in pair[:2])
        or (len(pair) == 3 and pair[2] is not None and not isinstance(pair[2], str))
    ):
        raise ValidationError(
            f"keys[{index}]",
            "must be (access_key_id, secret_access_key) or "
            "(access_key_id, secret_access_key, session_token), as strings",
            show=False,
        )
    token = pair[2] if len(pair) == 3 else None
    return {
        "aws_access_key_id": pair[0],
        "aws_secret_access_key": pair[1],
        "aws_session_token": token,
    }


def _configured_region(account: Mapping[str, Any]) -> str:
    """The region botocore would use for ``account``'s profile (environment, then config file)."""
    profile = account.get("profile")
    try:
        region = _botocore.configured_region(profile)
    except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
        _botocore.reraise(exc, operation=None, region=None)
    if region is None:
        whose = f"profile {profile!r}" if profile else "the default profile"
        raise ValidationError(
            "regions",
            f"{whose} has no region configured: pass regions=[...] "
            "(or set AWS_REGION or AWS_DEFAULT_REGION, or `region` in the profile)",
            show=False,
        )
    return region
