"""AWS Organizations' ``ListAccounts`` (every page) and ``DescribeOrganization``.

Called the way STS is called (``_sts._sts``): the same transport, retry
policy, deadlines and merge of the caller's config, with the base profile's
(or the default chain's) credentials, which must be the management account's
or a delegated administrator's. The Organizations model is read from disk in
a thread, once per session, the first time it is needed: most processes never
need it, so ordinary sessions do not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from aiolightsail._botocore import _credentials
from aiolightsail._botocore._client import TransportOptions
from aiolightsail._botocore._parsing import Body
from aiolightsail._botocore._sts import _sts
from aiolightsail._errors import PaginationError
from aiolightsail._once import run_once

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

__all__ = ["organization_accounts"]


def _decoded(answer: dict[str, Any], operation: str) -> dict[str, Any]:
    """A successful answer as a dict: the transport hands JSON successes over undecoded.

    Raises:
        ResponseParserError: the body is not a JSON object.
    """
    if not isinstance(answer, Body):
        return answer
    from botocore.parsers import ResponseParserError

    try:
        decoded = orjson.loads(answer.body)
    except orjson.JSONDecodeError as exc:
        raise ResponseParserError(f"{operation} answered a body that is not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise ResponseParserError(f"{operation} answered JSON that is not an object")
    return decoded


async def organization_accounts(
    base: AioSession,
    *,
    region: str,
    endpoint_url: str | None,
    options: TransportOptions,
    max_pages: int,
    management: bool,
) -> tuple[list[dict[str, Any]], str | None]:
    """Every account of the caller's organization, and (if asked) its management account's id.

    Args:
        base: the session whose credentials ask.
        region: where Organizations is called (``us-east-1`` in the ``aws`` partition).
        endpoint_url: send the requests here instead (the emulator).
        options: deadlines, retries and config, as for STS; the whole listing
            (the base credentials included) runs within ``options.call_timeout``.
        max_pages: the most pages of ``ListAccounts`` to follow.
        management: also ask ``DescribeOrganization`` for the management account's id.

    Returns:
        The ``Account`` structures in the service's order, and the management
        account's id (``None`` unless asked).

    Raises:
        RequestTimeoutError: ``options.call_timeout`` passed first.
        PaginationError: a repeated page token, or more than ``max_pages`` pages.
        botocore exceptions; callers translate them.
    """
    warm_up: Any = base.warm_up_loader_caches  # type: ignore[attr-defined]  # not in the stubs
    await run_once(("warm-organizations", id(base)), lambda: warm_up("organizations"))
    accounts: list[dict[str, Any]] = []
    seen: set[str] = set()
    async with (
        _credentials.deadline(
            options.call_timeout,
            "listing the organization's accounts (with the credentials that sign it)",
            operation="ListAccounts",
            region=region,
        ),
        _sts(
            base,
            service="organizations",
            region=region,
            endpoint_url=endpoint_url,
            access_key=None,
            options=options,
        ) as organizations,
    ):
        token: str | None = None
        for _page in range(max_pages):
            answer = _decoded(
                await organizations.call("ListAccounts", {"NextToken": token} if token else {}),
                "ListAccounts",
            )
            accounts.extend(answer.get("Accounts") or ())
            token = answer.get("NextToken")
            if not token:
                break
            if token in seen:
                raise PaginationError("ListAccounts repeated a NextToken; not followed")
            seen.add(token)
        else:
            raise PaginationError(f"ListAccounts sent more than max_pages={max_pages} pages")
        manager = None
        if management:
            described = _decoded(
                await organizations.call("DescribeOrganization", {}), "DescribeOrganization"
            )
            manager = (described.get("Organization") or {}).get("MasterAccountId")
    return accounts, manager
