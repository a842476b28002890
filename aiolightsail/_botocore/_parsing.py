"""The lean reading of a successful answer of the operations aiolightsail turns into models.

botocore's generic parser walks an output shape member by member to build
dicts that the models would then walk a second time; it was two thirds of
aiobotocore's CPU per page (``docs/design.md``, "The lean parser and the
compiled models"). For the operations of the table (``_operations``) the
models already do everything the shape walk does (types checked, timestamps
to aware UTC, unknown members ignored), so the body is decoded once (orjson,
see :func:`_loads`) and handed to the models as it is.

Only successful JSON answers take this path (``_transport``); error answers
and STS's XML are read by botocore's parsers. ``tests/test_parsing.py``
generates answers from botocore's output shapes (hypothesis) and checks this
reading and botocore's parser give identical models.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from botocore.parsers import ResponseParserError

from aiolightsail._gate import take_turn

__all__ = ["read_lean"]


def _loads(body: bytes) -> Any:
    """Decode a JSON body: orjson (~0.23 ms for a 20-instance page, against 0.49 ms for
    :func:`json.loads`), and :mod:`json` for the documents orjson refuses and json
    accepts (``NaN``, lone surrogates), so the result is what :func:`json.loads`
    gives, with one exception: orjson reads an integer beyond 64 bits as a float.
    No Lightsail integer member can hold one (the model's are 32-bit), and the
    models refuse a float where they expect an integer, so nothing is rounded
    silently (``tests/test_parsing.py``). orjson also needs more scratch memory
    while it decodes (~3.5 MiB traced for a 226 KB page of 100 instances,
    against ~1 MiB for json); it is freed at once, and decodes run one at a
    time, so memory stays flat in the number of pages and targets.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


async def read_lean(body: bytes) -> dict[str, Any]:
    """A successful JSON answer's body as a dict, as botocore's parser would give it.

    Raises:
        ResponseParserError: the body is not a JSON object, or is an error document.
    """
    # Decoding, the models and the next request are this step's work: take a
    # turn first, so that many answers arriving together do not stall the loop.
    await take_turn()
    try:
        parsed = _loads(body) if body else {}
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise ResponseParserError(f"the response body is not JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise ResponseParserError(
            f"the response body is a JSON {type(parsed).__name__}, not an object"
        )
    if "__type" in parsed:
        # An error document with a 200 status (a misbehaving proxy): reading
        # it as a result would make a page look empty and lose its items.
        raise ResponseParserError(
            f"a successful response carries an error: {parsed.get('__type')!s}: "
            f"{parsed.get('message') or parsed.get('Message') or ''}"
        )
    return parsed
