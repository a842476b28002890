"""Opaque, signed page tokens.

A ``nextPageToken`` is ``base64url(mac || cursor)`` where ``cursor`` is compact
JSON naming the account, region and operation it was issued for plus the sort
key of the last item served, and ``mac`` is a truncated HMAC-SHA256 over it.
Binding the token to its scope makes a token from another account, region or
operation an ``InvalidInputException`` (as AWS treats any token it did not
issue); keying the position by sort key rather than offset means items created
or deleted between two pages never make the others skip or repeat.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator._errors import ServiceError, invalid_input

__all__ = ["DEFAULT_PAGE_SIZE", "PageTokens"]

#: Lightsail has no page-size parameter and does not document its page size;
#: 20 matches the pages the project benchmarks against.
DEFAULT_PAGE_SIZE = 20

#: 16 bytes of HMAC-SHA256: forging one is hopeless; tokens stay short.
_MAC_BYTES = 16


def _bad_token() -> ServiceError:
    return invalid_input(
        "The pageToken is not valid: pass the nextPageToken returned by the previous "
        "call of the same operation, unchanged."
    )


@attrs.frozen
class PageTokens(SafeRepr):
    """Issues and checks page tokens with one secret."""

    secret: bytes = attrs.field(repr=False)

    @classmethod
    def from_seed(cls, seed: int) -> PageTokens:
        """Return a codec whose secret derives from ``seed`` (reproducible tokens).

        Args:
            seed: The emulator's seed.

        Returns:
            The codec.
        """
        return cls(hashlib.sha256(f"aiolightsail-emulator-page-token/{seed}".encode()).digest())

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, *, account_id: str, region: str, operation: str, key: int | str) -> str:
        """Return a token resuming ``operation`` after sort key ``key``.

        Args:
            account_id: The caller's account.
            region: The request's region.
            operation: The list operation (``GetInstances``...).
            key: The sort key of the last item served.

        Returns:
            An opaque URL-safe token.
        """
        payload = json.dumps([account_id, region, operation, key], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._mac(payload) + payload).rstrip(b"=").decode()

    def decode(self, token: str, *, account_id: str, region: str, operation: str) -> int | str:
        """Return the sort key in ``token`` after checking it belongs to this scope.

        Args:
            token: A ``pageToken`` from a request.
            account_id: The caller's account.
            region: The request's region.
            operation: The operation being called.

        Returns:
            The sort key of the last item the previous page served.

        Raises:
            ServiceError: ``InvalidInputException`` for a garbled, forged or
                foreign token.
        """
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise _bad_token() from None
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, self._mac(payload)):
            raise _bad_token()
        # A valid MAC proves only that the secret signed it, and the default
        # seeds' secrets are public: the payload is checked like any input.
        try:
            cursor = json.loads(payload)
        except (ValueError, RecursionError):
            raise _bad_token() from None
        if not (isinstance(cursor, list) and len(cursor) == 4):
            raise _bad_token()
        scope_account, scope_region, scope_operation, key = cursor
        if [scope_account, scope_region, scope_operation] != [account_id, region, operation]:
            raise _bad_token()
        if isinstance(key, bool) or not isinstance(key, int | str):
            raise _bad_token()
        return key
