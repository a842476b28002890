"""A small AWS Organizations: ``ListAccounts`` (paginated) and ``DescribeOrganization``.

Enough for ``Fleet.from_organization`` and the command line's
``--organization-role``: which accounts an organization has, which of them
are active, and which one manages it. Organizations is a JSON 1.1 service
like Lightsail (``X-Amz-Target: AWSOrganizationsV20161128.<Operation>``,
signed for the ``organizations`` service, in ``us-east-1`` for the ``aws``
partition); the answers follow botocore's ``organizations`` model
(``Account``: ``Id``, ``Arn``, ``Email``, ``Name``, ``State`` and the older
``Status``, ``JoinedMethod``, ``JoinedTimestamp``).

Who may call what, as AWS decides it: an account outside any organization
gets ``AWSOrganizationsNotInUseException``; ``ListAccounts`` is for the
management account and the delegated administrators, any other member gets
``AccessDeniedException``; ``DescribeOrganization`` is for every member.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator._auth import Principal
from aiolightsail.emulator._errors import ServiceError
from aiolightsail.emulator._faults import FaultKind, Faults, Stats
from aiolightsail.emulator._pagination import PageTokens

__all__ = [
    "ORGANIZATIONS_TARGET_PREFIX",
    "Member",
    "Organization",
    "answer_organizations",
    "handle_organizations",
    "new_organization",
]

#: The ``X-Amz-Target`` prefix of Organizations' operations (the model's ``targetPrefix``).
ORGANIZATIONS_TARGET_PREFIX = "AWSOrganizationsV20161128"
#: ``Account.State``'s values (botocore's model, ``AccountState``).
_STATES = frozenset({"PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"})
#: ``ListAccounts``' ``MaxResults`` bounds (the model's ``MaxResults``: 1 to 20).
_MAX_RESULTS = (1, 20)
#: Organizations' answers to a caller it does not serve, worded as AWS words them.
_NOT_IN_USE = "Your account is not a member of an organization."
_ACCESS_DENIED = "You don't have permissions to access this resource."
#: 2024-01-01T00:00:00Z: when every emulated account joined.
_JOINED = 1704067200.0


def _check_state(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in _STATES:
        raise ValueError(f"{attribute.name} must be one of {sorted(_STATES)}, got {value!r}")


@attrs.frozen(kw_only=True)
class Member(SafeRepr):
    """An account of the organization, as ``ListAccounts`` shows it.

    Attributes:
        account_id: the 12-digit id.
        name: the account's friendly name.
        state: ``ACTIVE``, ``SUSPENDED``, ``PENDING_CLOSURE``, ``CLOSED`` or
            ``PENDING_ACTIVATION``.
    """

    account_id: str
    name: str
    state: str = attrs.field(default="ACTIVE", validator=_check_state)

    def to_wire(self, organization: Organization) -> dict[str, Any]:
        """The ``Account`` structure of ``ListAccounts``' answer."""
        # Status is the older member, kept until AWS retires it; it has no
        # CLOSED or PENDING_ACTIVATION.
        status = self.state if self.state in {"ACTIVE", "SUSPENDED", "PENDING_CLOSURE"} else None
        account = {
            "Id": self.account_id,
            "Arn": (
                f"arn:aws:organizations::{organization.management_account_id}:account/"
                f"{organization.organization_id}/{self.account_id}"
            ),
            "Email": f"aws+{self.account_id}@example.com",
            "Name": self.name,
            "State": self.state,
            "JoinedMethod": (
                "CREATED" if self.account_id == organization.management_account_id else "INVITED"
            ),
            "JoinedTimestamp": _JOINED,
        }
        if status is not None:
            account["Status"] = status
        return account


@attrs.define
class Organization(SafeRepr):
    """An organization of emulated accounts (``Emulator.create_organization`` makes one).

    Attributes:
        management_account_id: the account that manages it (a member too).
        organization_id: ``o-`` and ten characters.
        members: the accounts, in the order ``ListAccounts`` gives them.
        delegated_administrators: member accounts that may list accounts too.
    """

    management_account_id: str
    organization_id: str = "o-exampleorg1"
    members: dict[str, Member] = attrs.field(factory=dict)
    delegated_administrators: set[str] = attrs.field(factory=set)

    def add_member(
        self, account_id: str, *, name: str | None = None, state: str = "ACTIVE"
    ) -> Member:
        """Add (or replace) a member account.

        Args:
            account_id: its 12-digit id (any: an account the emulator does not
                know still shows in the listing, as one whose role nobody can assume).
            name: its friendly name (default: ``account-<id>``).
            state: its ``State``.

        Returns:
            The member.
        """
        member = Member(account_id=account_id, name=name or f"account-{account_id}", state=state)
        self.members[account_id] = member
        return member

    @property
    def arn(self) -> str:
        """The organization's ARN."""
        return (
            f"arn:aws:organizations::{self.management_account_id}:"
            f"organization/{self.organization_id}"
        )


def new_organization(
    management_account_id: str,
    members: Iterable[str],
    *,
    delegated_administrators: Iterable[str] = (),
) -> Organization:
    """An organization of ``members`` (the management account first, then the others, active)."""
    organization = Organization(
        management_account_id, delegated_administrators=set(delegated_administrators)
    )
    for account_id in dict.fromkeys([management_account_id, *members]):
        organization.add_member(account_id)
    return organization


def answer_organizations(
    organization: Organization | None,
    *,
    principal: Principal,
    target: str,
    body: bytes,
    page_size: int,
    tokens: PageTokens,
    faults: Faults,
    stats: Stats,
) -> str | ServiceError | None:
    """The server's answer to a verified Organizations request, faults included.

    Args:
        organization: the emulator's organization, if it has one.
        principal: who sent the request.
        target: its ``X-Amz-Target`` header.
        body: its body.
        page_size: the emulator's page size.
        tokens: the emulator's page tokens.
        faults: the fault plan, consulted as for Lightsail's operations.
        stats: where the request and its errors are counted.

    Returns:
        The JSON text of a success, the error to send, or ``None``: drop
        the connection (a scripted :attr:`FaultKind.DROP`).
    """
    prefix, _, operation = target.partition(".")
    if prefix != ORGANIZATIONS_TARGET_PREFIX:
        operation = ""
    stats.requests[operation] += 1
    fault = faults.decide(operation)
    if isinstance(fault, ServiceError):
        stats.faults[fault.error_type] += 1
        return fault
    if fault is not None:
        stats.faults[fault.value] += 1
        return None if fault is FaultKind.DROP else fault.to_error()
    try:
        params = json.loads(body) if body else {}
    except (ValueError, RecursionError):
        params = None
    if not isinstance(params, dict):
        return ServiceError("SerializationException", "The request body is not a JSON object.")
    try:
        return handle_organizations(
            organization,
            caller_account_id=principal.account_id,
            region=principal.region,
            operation=operation,
            params=params,
            page_size=page_size,
            tokens=tokens,
        )
    except ServiceError as error:
        return error


def handle_organizations(
    organization: Organization | None,
    *,
    caller_account_id: str,
    region: str,
    operation: str,
    params: Mapping[str, Any],
    page_size: int,
    tokens: PageTokens,
) -> str:
    """Answer a verified Organizations request with its JSON body.

    Args:
        organization: the emulator's organization, if it has one.
        caller_account_id: the account the request's credentials act in.
        region: the region of the request's signature (tokens are bound to it).
        operation: the wire operation (``ListAccounts``...).
        params: the decoded JSON body.
        page_size: the most accounts per page when ``MaxResults`` is absent (at most 20).
        tokens: the emulator's page tokens.

    Returns:
        The answer's JSON text.

    Raises:
        ServiceError: ``AWSOrganizationsNotInUseException``,
            ``AccessDeniedException``, ``InvalidInputException`` or
            ``UnknownOperationException``, as AWS answers them.
    """
    if operation not in _OPERATIONS:
        raise ServiceError("UnknownOperationException", "", status=400)
    if organization is None or caller_account_id not in organization.members:
        raise ServiceError("AWSOrganizationsNotInUseException", _NOT_IN_USE, status=400)
    if operation == "DescribeOrganization":
        return json.dumps({"Organization": _describe(organization)})
    if caller_account_id not in {
        organization.management_account_id,
        *organization.delegated_administrators,
    }:
        raise ServiceError("AccessDeniedException", _ACCESS_DENIED, status=400)
    return _list_accounts(organization, caller_account_id, region, params, page_size, tokens)


def _describe(organization: Organization) -> dict[str, Any]:
    return {
        "Id": organization.organization_id,
        "Arn": organization.arn,
        "FeatureSet": "ALL",
        "MasterAccountArn": (
            f"arn:aws:organizations::{organization.management_account_id}:account/"
            f"{organization.organization_id}/{organization.management_account_id}"
        ),
        "MasterAccountId": organization.management_account_id,
        "MasterAccountEmail": f"aws+{organization.management_account_id}@example.com",
        "AvailablePolicyTypes": [],
    }


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidInputException", message, status=400)


def _list_accounts(
    organization: Organization,
    caller_account_id: str,
    region: str,
    params: Mapping[str, Any],
    page_size: int,
    tokens: PageTokens,
) -> str:
    low, high = _MAX_RESULTS
    limit = params.get("MaxResults", min(page_size, high))
    if isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
        raise _invalid(f"MaxResults must be an integer from {low} to {high}.")
    token = params.get("NextToken")
    start = 0
    if token is not None:
        if not isinstance(token, str):
            raise _invalid("The NextToken is not valid.")
        try:
            key = tokens.decode(
                token, account_id=caller_account_id, region=region, operation="ListAccounts"
            )
        except ServiceError:
            raise _invalid("The NextToken is not valid.") from None
        if not isinstance(key, int) or isinstance(key, bool):
            raise _invalid("The NextToken is not valid.")
        start = key
    members = list(organization.members.values())
    page = members[start : start + limit]
    answer: dict[str, Any] = {"Accounts": [member.to_wire(organization) for member in page]}
    if start + limit < len(members):
        answer["NextToken"] = tokens.encode(
            account_id=caller_account_id,
            region=region,
            operation="ListAccounts",
            key=start + limit,
        )
    return json.dumps(answer)


_OPERATIONS = frozenset({"ListAccounts", "DescribeOrganization"})
