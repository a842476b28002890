"""A lean response parser for the operations aiolightsail turns into models.

botocore's generic parser walks an output shape member by member to build
dicts that the models would then walk a second time; it was two thirds of
aiobotocore's CPU per page (``docs/design.md``, "The lean parser and the
compiled models"). For the operations of the table (``_operations``) the
models already do everything the shape walk does (types checked, timestamps
to aware UTC, unknown members ignored), so the body is decoded once (orjson,
see :func:`_loads`) and handed to the models as it is.

Only successful responses of those operations take the lean path: errors,
other operations, other protocols (STS's XML) and event streams go through
botocore's parser unchanged, so signing, retries and error parsing keep
their behaviour. ``tests/test_parsing.py`` generates responses from
botocore's output shapes (hypothesis) and checks both parsers give
identical models.

botocore sessions take a custom ``response_parser_factory`` component; it is
registered only on the sessions aiolightsail creates (``_sessions.new_session``),
never on a session a caller passes in, whose other clients expect botocore's
output.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from aiobotocore.parsers import AioJSONParser, AioResponseParserFactory
from botocore.parsers import ResponseParserError

from aiolightsail._gate import take_turn
from aiolightsail._operations import OPERATIONS

__all__ = ["LEAN_OUTPUT_SHAPES", "LeanResponseParserFactory"]

#: The output shapes the lean parser reads: those of the operations of the table.
LEAN_OUTPUT_SHAPES = frozenset(op.output_shape for op in OPERATIONS.values())


# The type stubs describe these classes only in part (no _do_parse, _defaults...).
_JSONParser: Any = AioJSONParser
_ParserFactory: Any = AioResponseParserFactory


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


class _LeanJSONParser(_JSONParser):  # type: ignore[misc]  # a base typed Any, see above
    async def _do_parse(self, response: dict[str, Any], shape: Any) -> dict[str, Any]:
        if shape is None or shape.name not in LEAN_OUTPUT_SHAPES:
            parsed: dict[str, Any] = await super()._do_parse(response, shape)
            return parsed
        body = response["body"]
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
        self._inject_response_metadata(parsed, response["headers"])
        return parsed


class LeanResponseParserFactory(_ParserFactory):  # type: ignore[misc]  # a base typed Any
    """aiobotocore's parser factory, with the lean parser for the JSON protocol."""

    def create_parser(self, protocol_name: str) -> Any:
        """A parser for ``protocol_name``: lean for ``json``, botocore's for the rest."""
        if protocol_name == "json":
            return _LeanJSONParser(**self._defaults)
        return super().create_parser(protocol_name)
