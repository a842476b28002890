"""A successful answer of an operation, decoded straight from its bytes into models.

Each operation of the table (``_operations``) gets one msgspec decoder, made on
first use, for a result type with three members: the operation's result
member (one model, or a tuple of them), ``nextPageToken``, and ``__type`` (an
error document sent with a 200 status by a misbehaving proxy: reading it as a
result would make a page look empty and lose its items). The bytes become
models in one pass in C, with no dict tree in between (``docs/design.md``,
"The wire models").

Anything that does not fit, whatever it is (not JSON, nested too deep, a
member of the wrong type, a timestamp out of range, too many values), is a
:class:`~aiolightsail.ResponseError` naming the operation and the member. A
body msgspec refuses but :func:`json.loads` reads (a lone surrogate escape,
``NaN``) is read as ``json`` reads it, as botocore's parser would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from aiolightsail._errors import ResponseError
from aiolightsail._models._base import describe

if TYPE_CHECKING:
    from aiolightsail._operations import Op

__all__ = ["MAX_VALUES", "convert_answer", "decode_answer"]

#: The most values one answer may hold, counted as its commas (``docs/design.md``,
#: "A bound on values per answer"). A real answer holds a few thousand (a page of 20
#: fully-populated instances ~8,400; a day of metric datapoints ~6,000); decoding
#: 100,000 of the cheapest values (``{}`` items) takes 25–38 ms of CPU, so no
#: answer holds the event loop longer than that.
MAX_VALUES = 100_000
#: Answers shorter than this are not counted: every value takes at least three
#: bytes (``{},`` or ``"",``), so they cannot hold more than ``MAX_VALUES``.
_COUNTED_FROM = 3 * MAX_VALUES


class _Answer(msgspec.Struct, frozen=True, gc=False):
    """The members every answer type has; each operation's adds its result member."""

    next_page_token: str | None = msgspec.field(default=None, name="nextPageToken")
    error: str | None = msgspec.field(default=None, name="__type")
    message: str | None = None


_decoders: dict[str, tuple[type[Any], msgspec.json.Decoder[Any]]] = {}


def _answer_type(op: Op[Any]) -> tuple[type[Any], msgspec.json.Decoder[Any]]:
    found = _decoders.get(op.wire)
    if found is None:
        result = op.model if op.shape == "one" else tuple[op.model, ...]  # type: ignore[name-defined]
        kind = msgspec.defstruct(
            f"{op.wire}Answer",
            [(op.member, result | None, None)],
            bases=(_Answer,),
            frozen=True,
            gc=False,
        )
        found = _decoders[op.wire] = (kind, msgspec.json.Decoder(kind))
    return found


def _checked(op: Op[Any], answer: _Answer) -> tuple[Any, str | None]:
    if answer.error is not None:
        raise ResponseError(
            f"a successful response carries an error: {answer.error}: {answer.message or ''}",
            operation=op.wire,
        )
    result = getattr(answer, op.member)
    if result is None:
        # A missing list is an error, not an empty list: a page read as empty
        # would end a listing early and lose every item after it.
        raise ResponseError(f"the answer has no {op.member!r}", operation=op.wire)
    return result, answer.next_page_token


def decode_answer(op: Op[Any], body: bytes) -> tuple[Any, str | None]:
    """The successful answer ``body`` of ``op``: its result as models, and its ``nextPageToken``.

    The result is one model (an operation whose result is one object) or a
    tuple of them.

    Raises:
        ResponseError: the body does not fit (the message names what did not).
    """
    if len(body) > _COUNTED_FROM and body.count(b",") > MAX_VALUES:
        raise ResponseError(
            f"the answer holds more than {MAX_VALUES:,} values; no Lightsail answer does",
            operation=op.wire,
        )
    kind, decoder = _answer_type(op)
    try:
        answer: _Answer = decoder.decode(body or b"{}")
    except msgspec.ValidationError as exc:
        raise ResponseError(describe(exc, kind, ""), operation=op.wire) from None
    except RecursionError as exc:  # msgspec's depth limit, in a member it skips
        raise ResponseError(f"unreadable response: {exc}", operation=op.wire) from None
    except msgspec.DecodeError:
        # Text msgspec refuses and json.loads reads (a lone surrogate escape, NaN):
        # read as json reads it, as botocore's parser would, on this rare path only.
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ResponseError(f"unreadable response: {exc}", operation=op.wire) from None
        if not isinstance(data, dict):
            raise ResponseError(
                f"unreadable response: a JSON {type(data).__name__}, not an object",
                operation=op.wire,
            ) from None
        return convert_answer(op, data)
    return _checked(op, answer)


def convert_answer(op: Op[Any], data: Mapping[str, Any]) -> tuple[Any, str | None]:
    """An answer already parsed into a dict (botocore's parser), as :func:`decode_answer` gives it.

    Raises:
        ResponseError: the answer does not fit.
    """
    kind, _ = _answer_type(op)
    try:
        answer: _Answer = msgspec.convert(data, type=kind)
    except msgspec.ValidationError as exc:
        raise ResponseError(describe(exc, kind, ""), operation=op.wire) from None
    return _checked(op, answer)
