"""``ClientOptions``: how requests are sent, one value checked once and passed whole.

The same options shape a :class:`~aiolightsail.LightsailClient`, every client a
:class:`~aiolightsail.Fleet` opens, and the STS requests that assume its roles
and ask its account ids. Their public keyword arguments build one
:class:`ClientOptions`; everything below takes the value, never the loose
arguments, so each rule is checked in one place.
"""

from __future__ import annotations

from typing import Literal

import attrs

from aiolightsail import _botocore
from aiolightsail import _validation as check
from aiolightsail._botocore import Config
from aiolightsail._pagination import DEFAULT_MAX_PAGES
from aiolightsail._repr import SafeRepr

__all__ = [
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_POOL_CONNECTIONS",
    "DEFAULT_READ_TIMEOUT",
    "ClientOptions",
]

#: Total attempts per request (the first try included) when neither the
#: argument, the environment nor the profile sets them. botocore's own
#: client-config ``max_attempts`` counts *retries*; we pass ``total_max_attempts``.
DEFAULT_MAX_ATTEMPTS = _botocore.DEFAULT_MAX_ATTEMPTS
#: The default deadlines, in seconds, and why they are these (``docs/reliability.md``,
#: "Deadlines"): a silent or trickling endpoint is given up within ``DEFAULT_CALL_TIMEOUT``.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 20.0
DEFAULT_ATTEMPT_TIMEOUT = 30.0
DEFAULT_CALL_TIMEOUT = 90.0
#: A client's connection pool.
DEFAULT_MAX_POOL_CONNECTIONS = 10


def _max_attempts(value: object) -> int | None:
    return None if value is None else check.integer(value, "max_attempts", low=1, high=100)


def _connect_timeout(value: object) -> float:
    return check.seconds(value, "connect_timeout")


def _read_timeout(value: object) -> float:
    return check.seconds(value, "read_timeout")


def _attempt_timeout(value: object) -> float:
    return check.seconds(value, "attempt_timeout")


def _call_timeout(value: object) -> float | None:
    return check.optional_seconds(value, "call_timeout")


def _max_pages(value: object) -> int:
    return check.integer(value, "max_pages", low=1, high=10_000_000)


def _max_pool_connections(value: object) -> int:
    return check.integer(value, "max_pool_connections", low=1, high=10_000)


def _retry_mode(value: object) -> Literal["standard", "adaptive"] | None:
    if value is not None:
        check.choice(value, "retry_mode", frozenset(_botocore.RETRY_MODES))
    return value  # type: ignore[return-value]  # checked just above


def _config(value: object) -> Config | None:
    _botocore.check_config(value)
    return value  # type: ignore[return-value]  # checked just above


@attrs.frozen(kw_only=True)
class ClientOptions(SafeRepr):
    """How a client sends its requests: retries, deadlines, pages, pool and config.

    Each field is checked when the value is made (a malformed one raises
    :class:`~aiolightsail.ValidationError` naming the public parameter); the
    meaning of each is documented on :class:`~aiolightsail.LightsailClient`.
    """

    max_attempts: int | None = attrs.field(default=None, converter=_max_attempts)
    retry_mode: Literal["standard", "adaptive"] | None = attrs.field(
        default=None, converter=_retry_mode
    )
    config: Config | None = attrs.field(default=None, converter=_config)
    connect_timeout: float = attrs.field(
        default=DEFAULT_CONNECT_TIMEOUT, converter=_connect_timeout
    )
    read_timeout: float = attrs.field(default=DEFAULT_READ_TIMEOUT, converter=_read_timeout)
    attempt_timeout: float = attrs.field(
        default=DEFAULT_ATTEMPT_TIMEOUT, converter=_attempt_timeout
    )
    call_timeout: float | None = attrs.field(default=DEFAULT_CALL_TIMEOUT, converter=_call_timeout)
    max_pages: int = attrs.field(default=DEFAULT_MAX_PAGES, converter=_max_pages)
    max_pool_connections: int = attrs.field(
        default=DEFAULT_MAX_POOL_CONNECTIONS, converter=_max_pool_connections
    )
