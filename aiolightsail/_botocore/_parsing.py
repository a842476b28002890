"""A successful answer of the table's operations, handed over undecoded.

botocore's generic parser walks an output shape member by member to build
dicts that the models would then walk a second time; it was two thirds of
aiobotocore's CPU per page (``docs/design.md``, "The wire models"). For the
operations of the table (``_operations``) the models decode the answer's bytes
themselves (``aiolightsail._models``), so the boundary does not decode it: a
successful JSON answer is returned as a :class:`Body`, an empty dict (what
botocore's retry handlers and hooks read of a success) that carries the bytes.

Only successful JSON answers take this path (``_transport``); error answers
and STS's XML are read by botocore's parsers. ``tests/test_parsing.py``
generates answers from botocore's output shapes (hypothesis) and checks that
the models' decoding and botocore's parser give identical models.
"""

from __future__ import annotations

__all__ = ["Body", "read_lean"]


class Body(dict[str, object]):
    """A successful JSON answer: empty as a dict, its bytes in :attr:`body`."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def __repr__(self) -> str:
        return f"<answer of {len(getattr(self, 'body', b''))} bytes>"


async def read_lean(body: bytes) -> Body:
    """A successful JSON answer's body, for the models to decode (:class:`Body`)."""
    return Body(body)
