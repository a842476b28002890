"""Targets from an AWS Organization: one assumed role per active account and region.

``Fleet.from_organization`` lists the organization's accounts with
Organizations' ``ListAccounts`` (every page), from the management account or
a delegated administrator, keeps the active ones (``State``, or the older
``Status``, ``ACTIVE``), applies the caller's include and exclude lists and
the management-account rule, and builds
``Target(region, role_arn="arn:<partition>:iam::<id>:role/<role_name>")``
for each remaining account and region. The partition is read from each
account's ARN, so an organization in ``aws-cn`` or ``aws-us-gov`` gets role
ARNs of its own partition. The roles are assumed with the listing's own
credentials (``profile``, or the default chain), as a role target's are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from aiolightsail import _botocore
from aiolightsail import _validation as check
from aiolightsail._errors import ResponseError, ValidationError
from aiolightsail._options import ClientOptions
from aiolightsail._regions import LIGHTSAIL_REGIONS
from aiolightsail._target import Target

__all__ = ["DEFAULT_ORGANIZATIONS_REGION", "organization_targets"]

#: Where Organizations is called in the ``aws`` partition (its one endpoint).
DEFAULT_ORGANIZATIONS_REGION = "us-east-1"
#: IAM's role names, with an optional path (IAM API reference, ``Role``).
_ROLE_NAME = re.compile(r"(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}", re.ASCII)
_ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
_PARTITION = re.compile(r"arn:(aws[a-z-]*):organizations:", re.ASCII)


def _account_ids(value: Iterable[str] | None, parameter: str) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise ValidationError(parameter, "must be a list of 12-digit account ids", value)
    ids = list(value)
    for index, account in enumerate(ids):
        if not (isinstance(account, str) and _ACCOUNT_ID.fullmatch(account)):
            raise ValidationError(f"{parameter}[{index}]", "must be a 12-digit account id", account)
    return frozenset(ids)


def _regions(regions: Iterable[str] | Literal["all"]) -> list[str]:
    if isinstance(regions, str):
        if regions != "all":
            raise ValidationError("regions", "must be a list of regions or 'all'", regions)
        return list(LIGHTSAIL_REGIONS)
    chosen = [check.region(region, "regions") for region in dict.fromkeys(regions)]
    if not chosen:
        raise ValidationError("regions", "must name at least one region", chosen)
    return chosen


def _active(account: Mapping[str, Any]) -> bool:
    # State replaced Status (which AWS is retiring); an answer may carry either.
    state = account.get("State") or account.get("Status")
    return state == "ACTIVE"


def _partition(account: Mapping[str, Any]) -> str:
    match = _PARTITION.match(str(account.get("Arn") or ""))
    return match[1] if match else "aws"


async def organization_targets(
    role_name: str,
    *,
    regions: Iterable[str] | Literal["all"],
    profile: str | None,
    external_id: str | None,
    role_session_name: str | None,
    duration_seconds: int | None,
    skip_management_account: bool,
    include: Iterable[str] | None,
    exclude: Iterable[str] | None,
    endpoint_url: str | None,
    organizations_region: str,
    options: ClientOptions,
) -> list[Target]:
    """The role targets of the organization's active accounts × ``regions``, in listing order.

    See :meth:`Fleet.from_organization <aiolightsail.Fleet.from_organization>`
    for the arguments.

    Raises:
        ValidationError: a malformed argument (nothing sent), or ``include``
            naming an account that is not an active account of the organization.
        LightsailError: Organizations refused or failed (translated).
    """
    if not (isinstance(role_name, str) and _ROLE_NAME.fullmatch(role_name)):
        raise ValidationError(
            "role_name",
            "must be an IAM role name (1 to 64 of [\\w+=,.@-]), with an optional path",
            role_name,
        )
    chosen = _regions(regions)
    check.region(organizations_region, "organizations_region")
    check.boolean(skip_management_account, "skip_management_account")
    included = _account_ids(include, "include")
    excluded = _account_ids(exclude, "exclude") or frozenset()

    def role_target(region: str, partition: str, account_id: str) -> Target:
        return Target(
            region,
            profile=profile,
            role_arn=f"arn:{partition}:iam::{account_id}:role/{role_name}",
            external_id=external_id,
            role_session_name=role_session_name,
            duration_seconds=duration_seconds,
            endpoint_url=endpoint_url,
        )

    # Every role parameter is checked by building one target before anything is sent.
    role_target(chosen[0], "aws", "000000000000")
    try:
        accounts, manager = await _botocore.organization_accounts(
            _botocore.get_session(profile),
            region=organizations_region,
            endpoint_url=endpoint_url,
            options=options,
            max_pages=options.max_pages,
            management=skip_management_account,
        )
    except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
        _botocore.reraise(exc, operation="ListAccounts", region=organizations_region)
    active = [account for account in accounts if _active(account)]
    for account in active:
        if not (isinstance(account.get("Id"), str) and _ACCOUNT_ID.fullmatch(account["Id"])):
            raise ResponseError(
                "an account of ListAccounts has no 12-digit Id", operation="ListAccounts"
            )
    ids = {account["Id"] for account in active}
    if included is not None and not included <= ids:
        missing = sorted(included - ids)
        raise ValidationError(
            "include", "names accounts that are not active accounts of the organization", missing
        )
    kept = [
        account
        for account in active
        if (included is None or account["Id"] in included)
        and account["Id"] not in excluded
        and not (skip_management_account and account["Id"] == manager)
    ]
    return [
        role_target(region, _partition(account), account["Id"])
        for account in kept
        for region in chosen
    ]
