"""Injected faults: latency, throttling, server errors and dropped connections.

Two mechanisms, both applied after authentication (AWS authenticates before it
throttles):

- **rates**, drawn from a seeded RNG so that a run is reproducible: each
  request draws once and is dropped, throttled or failed with the configured
  probabilities, optionally only for some operations;
- **scripts**: :meth:`Faults.fail_next` makes the next *N* calls of an
  operation fail with a given :class:`FaultKind` or with any error response
  (a :class:`~aiolightsail.emulator._errors.ServiceError`, e.g.
  ``AccessDeniedException``), for deterministic tests; two kinds carry the
  request out first and then lose its answer (:attr:`FaultKind.APPLY_THEN_DROP`)
  or answer 500 (:attr:`FaultKind.APPLY_THEN_FAIL`), so that a write whose
  outcome the client cannot know is tested end to end;
  :meth:`Faults.fail_operations` lets the next *N* calls succeed but makes
  the operations they start end ``Failed`` (the resource goes back to where
  it was, a snapshot ends in ``error``).

The throttle codes are ones botocore retries in both its ``legacy`` and
``standard`` modes: ``ThrottlingException`` with HTTP 400 and any HTTP 429
(``botocore/data/_retry.json``, ``botocore/retries/standard.py``).
"""

from __future__ import annotations

import collections
import enum
import math
import random

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator._errors import ServiceError

__all__ = ["FAILABLE_OPERATIONS", "AssumeRoleCall", "FaultKind", "Faults", "Stats"]

#: The operations :meth:`Faults.fail_operations` can make fail.
FAILABLE_OPERATIONS = frozenset(
    {
        "StartInstance",
        "StopInstance",
        "RebootInstance",
        "CreateInstanceSnapshot",
        "OpenInstancePublicPorts",
        "PutInstancePublicPorts",
        "CloseInstancePublicPorts",
    }
)


class FaultKind(enum.Enum):
    """What an injected fault does to a request."""

    #: HTTP 400 ``ThrottlingException`` "Rate exceeded", as the AWS front end throttles.
    THROTTLE = "throttle"
    #: HTTP 429 ``TooManyRequestsException``.
    TOO_MANY_REQUESTS = "too_many_requests"
    #: HTTP 500 ``ServiceException`` (Lightsail's modelled server fault).
    SERVER_ERROR = "server_error"
    #: HTTP 503 ``ServiceUnavailableException``.
    UNAVAILABLE = "unavailable"
    #: The connection is closed without any response.
    DROP = "drop"
    #: The request is carried out, then the connection is closed without a response:
    #: the answer of a write that took effect is lost (scripted with :meth:`Faults.fail_next`).
    APPLY_THEN_DROP = "apply_then_drop"
    #: The request is carried out, then answered HTTP 500 ``ServiceException``.
    APPLY_THEN_FAIL = "apply_then_fail"

    @property
    def after_applying(self) -> bool:
        """Whether the request is carried out before the fault spoils its answer."""
        return self in (FaultKind.APPLY_THEN_DROP, FaultKind.APPLY_THEN_FAIL)

    def to_error(self) -> ServiceError:
        """Return the error response this fault sends.

        Raises:
            ValueError: For :attr:`DROP`, which sends nothing.
        """
        if self is FaultKind.THROTTLE:
            return ServiceError("ThrottlingException", "Rate exceeded", status=400)
        if self is FaultKind.TOO_MANY_REQUESTS:
            return ServiceError("TooManyRequestsException", "Too Many Requests", status=429)
        if self in (FaultKind.SERVER_ERROR, FaultKind.APPLY_THEN_FAIL):
            return ServiceError(
                "ServiceException",
                "An internal error occurred. Please try again.",
                status=500,
                code="InternalError",
                tip="Retry the request; if the problem persists, contact AWS Support.",
            )
        if self is FaultKind.UNAVAILABLE:
            return ServiceError("ServiceUnavailableException", "Service Unavailable", status=503)
        raise ValueError("a dropped connection has no error response")


def _rate(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    # NaN compares false with everything: it would pass "not negative" and break the sleep.
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


@attrs.define(kw_only=True)
class Faults(SafeRepr):
    """The emulator's fault plan; mutable while the emulator runs.

    Attributes:
        latency: Seconds added to every response.
        jitter: Up to this many more seconds, drawn uniformly per request.
        throttle_rate: Probability that a request is throttled.
        throttle_kind: :attr:`FaultKind.THROTTLE` (HTTP 400) or
            :attr:`FaultKind.TOO_MANY_REQUESTS` (HTTP 429).
        error_rate: Probability that a request fails with a server error.
        error_kind: :attr:`FaultKind.SERVER_ERROR` (500) or :attr:`FaultKind.UNAVAILABLE` (503).
        drop_rate: Probability that the connection is dropped with no response.
        operations: If set, rate-based faults and latency apply only to these
            operations (wire names, e.g. ``{"GetInstances"}``).
        seed: Seeds the RNG that draws faults and jitter.
    """

    latency: float = attrs.field(default=0.0, validator=_non_negative)
    jitter: float = attrs.field(default=0.0, validator=_non_negative)
    throttle_rate: float = attrs.field(default=0.0, validator=_rate)
    throttle_kind: FaultKind = FaultKind.THROTTLE
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    error_kind: FaultKind = FaultKind.SERVER_ERROR
    drop_rate: float = attrs.field(default=0.0, validator=_rate)
    operations: frozenset[str] | None = None
    seed: int = 0
    _rng: random.Random = attrs.field(init=False, repr=False)
    _scripted: dict[str | None, collections.deque[FaultKind | ServiceError]] = attrs.field(
        factory=dict, init=False, repr=False
    )
    _failing: dict[str, collections.deque[tuple[str, str]]] = attrs.field(
        factory=dict, init=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reseed(self, seed: int) -> None:
        """Restart the fault RNG from ``seed`` (reproduce a run from here on).

        Args:
            seed: The new seed.
        """
        self.seed = seed
        self._rng = random.Random(seed)

    def fail_next(
        self,
        operation: str | None = None,
        count: int = 1,
        kind: FaultKind | ServiceError = FaultKind.THROTTLE,
    ) -> None:
        """Make the next ``count`` calls of ``operation`` fail with ``kind``.

        Scripted faults are queued (first in, first out) and take precedence
        over rates.

        Args:
            operation: A wire operation name, or ``None`` for whichever comes next.
            count: How many calls to fail.
            kind: How they fail: a :class:`FaultKind`, or the error response to
                send, e.g. ``ServiceError("AccessDeniedException", "...", status=403)``.

        Raises:
            ValueError: If ``count`` is negative.
        """
        if count < 0:
            raise ValueError(f"count must not be negative, got {count!r}")
        self._scripted.setdefault(operation, collections.deque()).extend([kind] * count)

    def fail_operations(
        self,
        operation: str,
        count: int = 1,
        *,
        error_code: str = "InternalFailure",
        error_details: str = "The operation failed.",
    ) -> None:
        """Make the operations started by the next ``count`` calls of ``operation`` fail.

        The calls themselves succeed; each operation they return reports
        ``Started`` and then, when its transition ends, ``Failed`` with
        ``error_code`` and ``error_details``. The instance goes back to the
        state it left (a failed stop leaves it running), a snapshot ends in
        ``error``, a failed port change leaves the rules as they were.

        Args:
            operation: A wire operation name that starts operations:
                ``StartInstance``, ``StopInstance``, ``RebootInstance``,
                ``CreateInstanceSnapshot``, ``OpenInstancePublicPorts``,
                ``PutInstancePublicPorts`` or ``CloseInstancePublicPorts``.
            count: How many calls.
            error_code: The operation's ``errorCode``.
            error_details: The operation's ``errorDetails``.

        Raises:
            ValueError: If ``count`` is negative or ``operation`` starts no operation that can fail.
        """
        if count < 0:
            raise ValueError(f"count must not be negative, got {count!r}")
        if operation not in FAILABLE_OPERATIONS:
            raise ValueError(
                f"{operation!r} cannot be made to fail; use one of "
                f"{', '.join(sorted(FAILABLE_OPERATIONS))}"
            )
        queue = self._failing.setdefault(operation, collections.deque())
        queue.extend([(error_code, error_details)] * count)

    def operation_failure(self, operation: str) -> tuple[str, str] | None:
        """Take the next scripted failure for an operation ``operation`` starts, if any.

        Returns:
            ``(error_code, error_details)``, or ``None`` when the operation succeeds.
        """
        queue = self._failing.get(operation)
        return queue.popleft() if queue else None

    def clear(self) -> None:
        """Remove every fault: rates, latency and scripts."""
        self.latency = self.jitter = 0.0
        self.throttle_rate = self.error_rate = self.drop_rate = 0.0
        self.operations = None
        self._scripted.clear()
        self._failing.clear()

    def pending(self, operation: str | None = None) -> int:
        """Return how many scripted faults are still queued for ``operation``."""
        return len(self._scripted.get(operation, ()))

    def _applies_to(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations

    def delay(self, operation: str) -> float:
        """Return the seconds to wait before answering a call of ``operation``."""
        if not self._applies_to(operation) or (self.latency == 0 and self.jitter == 0):
            return 0.0
        return self.latency + (self._rng.uniform(0, self.jitter) if self.jitter else 0.0)

    def decide(self, operation: str) -> FaultKind | ServiceError | None:
        """Return the fault to inject into this call of ``operation``, if any."""
        for key in (operation, None):
            queue = self._scripted.get(key)
            if queue:
                return queue.popleft()
        if not self._applies_to(operation):
            return None
        total = self.drop_rate + self.throttle_rate + self.error_rate
        if total == 0:
            return None
        draw = self._rng.random()
        if draw < self.drop_rate:
            return FaultKind.DROP
        if draw < self.drop_rate + self.throttle_rate:
            return self.throttle_kind
        if draw < total:
            return self.error_kind
        return None


@attrs.frozen(kw_only=True)
class AssumeRoleCall(SafeRepr):
    """The parameters of one ``sts:AssumeRole`` request the emulator received.

    Attributes:
        caller_account_id: The account whose credentials signed the request.
        role_arn: ``RoleArn``.
        role_session_name: ``RoleSessionName``.
        external_id: ``ExternalId`` (``None`` when not sent).
        duration_seconds: ``DurationSeconds`` (``None`` when not sent).
    """

    caller_account_id: str
    role_arn: str | None
    role_session_name: str | None
    external_id: str | None
    duration_seconds: int | None


@attrs.define
class Stats(SafeRepr):
    """Counters for tests and benchmarks.

    Attributes:
        requests: Lightsail calls received, by operation (faulted ones included).
        errors: Error responses sent, by ``__type``.
        faults: Faults injected, by :class:`FaultKind` value or scripted error type.
        sts_requests: STS calls answered.
        sts_actions: STS calls answered, by ``Action`` (``AssumeRole``, ``GetCallerIdentity``).
        assume_role_calls: the ``AssumeRole`` requests' parameters, in order
            (refused ones included): the newest ``call_log`` of them.
        auth_failures: Requests refused by authentication.
        call_log: How many ``AssumeRole`` calls are kept (``Quotas.call_log``).
    """

    requests: collections.Counter[str] = attrs.field(factory=collections.Counter)
    errors: collections.Counter[str] = attrs.field(factory=collections.Counter)
    faults: collections.Counter[str] = attrs.field(factory=collections.Counter)
    sts_requests: int = 0
    sts_actions: collections.Counter[str] = attrs.field(factory=collections.Counter)
    assume_role_calls: list[AssumeRoleCall] = attrs.field(factory=list)
    auth_failures: int = 0
    call_log: int = attrs.field(default=10_000, kw_only=True)

    def log_assume_role(self, call: AssumeRoleCall) -> None:
        """Record an ``AssumeRole`` call, forgetting the oldest past ``call_log``."""
        calls = self.assume_role_calls
        calls.append(call)
        if len(calls) > self.call_log:
            # In chunks of a tenth, so that a long run pays once per many calls.
            del calls[: len(calls) - self.call_log + self.call_log // 10]

    @property
    def total_requests(self) -> int:
        """All Lightsail calls received."""
        return sum(self.requests.values())

    def reset(self) -> None:
        """Zero every counter."""
        self.requests.clear()
        self.errors.clear()
        self.faults.clear()
        self.sts_actions.clear()
        self.assume_role_calls.clear()
        self.sts_requests = self.auth_failures = 0
