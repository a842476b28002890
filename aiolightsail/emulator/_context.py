"""What every handler shares: the request :class:`Context` and the wire helpers.

A handler takes the context and the decoded JSON body and returns the
response body as JSON text. Paginated handlers read their cursor with
:func:`cursor` and answer with :func:`page`, whose ``nextPageToken`` is signed
for the (account, region, operation) it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator import _validation as v
from aiolightsail.emulator._errors import invalid_input
from aiolightsail.emulator._faults import Faults
from aiolightsail.emulator._pagination import PageTokens
from aiolightsail.emulator._quotas import Quotas
from aiolightsail.emulator._state import OperationRecord, RegionState, Timings

__all__ = [
    "Context",
    "Handler",
    "cursor",
    "dumps",
    "operations_json",
    "page",
    "scripted_failure",
]

_COMPACT = (",", ":")


@attrs.frozen(kw_only=True)
class Context(SafeRepr):
    """What a handler knows about the request it serves."""

    state: RegionState
    account_id: str
    region: str
    now: float
    page_size: int
    tokens: PageTokens
    timings: Timings
    #: The fault plan, for operations scripted to fail (``Faults.fail_operations``).
    faults: Faults | None = None
    #: The service's quotas.
    quotas: Quotas = attrs.field(factory=Quotas)


Handler = Callable[[Context, Mapping[str, Any]], str]


def dumps(value: Any) -> str:
    """Serialise ``value`` as compact JSON."""
    return json.dumps(value, separators=_COMPACT)


def operations_json(ctx: Context, *operations: OperationRecord) -> str:
    """The ``{"operations": [...]}`` answer of a call that started ``operations``."""
    return dumps({"operations": [o.to_wire(ctx.now) for o in operations]})


def cursor(ctx: Context, params: Mapping[str, Any], operation: str, kind: type) -> Any:
    """Decode the request's ``pageToken`` (``None`` when absent) into a cursor of type ``kind``.

    Raises:
        ServiceError: ``InvalidInputException`` for a token not issued for this call.
    """
    token = v.optional_str(params, "pageToken")
    if not token:
        return None
    key = ctx.tokens.decode(
        token, account_id=ctx.account_id, region=ctx.region, operation=operation
    )
    if not isinstance(key, kind) or isinstance(key, bool):
        raise invalid_input("The pageToken is not valid for this operation.")
    return key


def page(
    ctx: Context, operation: str, member: str, fragments: list[str], next_key: int | str | None
) -> str:
    """A page answer: ``member`` holds the JSON ``fragments``; a token when ``next_key`` is set."""
    body = f'{{"{member}":[{",".join(fragments)}]'
    if next_key is not None:
        token = ctx.tokens.encode(
            account_id=ctx.account_id, region=ctx.region, operation=operation, key=next_key
        )
        body += f',"nextPageToken":"{token}"'
    return body + "}"


def scripted_failure(ctx: Context, operation: str) -> dict[str, Any]:
    """How the operation this call starts ends: ``{}`` (it succeeds), or its failure fields.

    Returns:
        Keyword arguments for ``RegionState.record_operation``: ``final_status``,
        ``error_code`` and ``error_details`` when ``Faults.fail_operations``
        scripted a failure for ``operation``.
    """
    failure = ctx.faults.operation_failure(operation) if ctx.faults is not None else None
    if failure is None:
        return {}
    code, details = failure
    return {"final_status": "Failed", "error_code": code, "error_details": details}
