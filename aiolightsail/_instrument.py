"""What a program can observe of the library at work: events for hooks, and log records.

Four kinds of event, each an immutable value: :class:`RequestEvent` (one
attempt of one request), :class:`RetryEvent` (a request about to be sent
again), :class:`PageEvent` (a page of a listing arrived) and
:class:`TargetEvent` (a fleet target's work in one stream started, finished,
failed or was cancelled). A *hook* is any callable taking one event; it is
given to a :class:`~aiolightsail.LightsailClient` or a
:class:`~aiolightsail.Fleet` as ``instrument=``.

Hooks are synchronous and called inline, in the task whose work the event
describes, right after it happened (``docs/guides/observability.md`` says
why): a hook must be quick and must not block. A hook that raises breaks
nothing: its exception is logged once (``aiolightsail.instrument``, WARNING)
and the work goes on. With no hook, no event is built.

The sources of events call plain functions here and know nothing of hooks:

* a transport (``_botocore`` today) reports each attempt of each call through
  :class:`Requests`: :meth:`Requests.attempt_started` and
  :meth:`Requests.attempt_ended`, with the call's :class:`Attempts` record,
  which it keeps for the call. Retries are seen there: an attempt after the
  first is a retry of the one before;
* the client wraps its listings' page fetching with :func:`observe_pages`;
* the fleet runs each target's work in a :class:`TargetRun`.

Log records of the library go through :func:`aiolightsail._logging.logger`,
so each carries the redacting filter from the moment its logger exists.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeAlias, TypeVar

import attrs

from aiolightsail import _logging
from aiolightsail._errors import APIError, ThrottledError, ValidationError
from aiolightsail._models import Page
from aiolightsail._repr import SafeRepr
from aiolightsail._text import bounded

__all__ = [
    "Attempts",
    "Dispatch",
    "InstrumentEvent",
    "InstrumentHook",
    "PageEvent",
    "RequestEvent",
    "Requests",
    "RetryEvent",
    "TargetEvent",
    "TargetRun",
    "dispatch_of",
    "error_code",
    "observe_pages",
]

T = TypeVar("T")

_retries_log = _logging.logger("aiolightsail.retries")
_fleet_log = _logging.logger("aiolightsail.fleet")
_hooks_log = _logging.logger("aiolightsail.instrument")


@attrs.frozen(kw_only=True)
class RequestEvent(SafeRepr):
    """One attempt of one request ended: answered (whatever the status) or failed to be.

    Attributes:
        operation: the wire operation (``"GetInstances"``).
        region: the client's region.
        target: the fleet target's label (``None`` for a client of your own).
        attempt: which attempt this was, from 1.
        max_attempts: the most attempts the request may make.
        duration: seconds from sending the attempt to its answer or failure.
        status: the HTTP status of the answer (``None``: no answer, e.g. a
            dropped connection or a timeout).
        error_code: ``None`` when the attempt succeeded; otherwise the
            service's error code (``"ThrottlingException"``), the status as
            text when the answer had none, or the class name of the failure
            when there was no answer (``"ReadTimeoutError"``).
        request_id: AWS's request id, when the answer carried one.
    """

    operation: str
    region: str
    target: str | None
    attempt: int
    max_attempts: int
    duration: float
    status: int | None
    error_code: str | None
    request_id: str | None

    @property
    def outcome(self) -> Literal["ok", "error"]:
        """``"ok"`` when the attempt succeeded, else ``"error"``."""
        return "ok" if self.error_code is None else "error"


@attrs.frozen(kw_only=True)
class RetryEvent(SafeRepr):
    """A request is being sent again after a failed attempt (its backoff has passed).

    Attributes:
        operation: the wire operation.
        region: the client's region.
        target: the fleet target's label (``None`` for a client of your own).
        attempt: the attempt now starting, from 2.
        max_attempts: the most attempts the request may make.
        delay: seconds waited since the failed attempt ended (the backoff).
        reason: the failed attempt's ``error_code``.
        throttled: whether that failure was a throttle (a throttling code, or HTTP 429).
    """

    operation: str
    region: str
    target: str | None
    attempt: int
    max_attempts: int
    delay: float
    reason: str
    throttled: bool


@attrs.frozen(kw_only=True)
class PageEvent(SafeRepr):
    """A page of an ``iter_*`` listing arrived and was turned into models.

    Attributes:
        operation: the wire operation (``"GetInstances"``).
        region: the client's region.
        target: the fleet target's label (``None`` for a client of your own).
        page: the page's number in this listing, from 1 (a listing resumed
            from a page token counts from there).
        items: how many items the page holds.
        duration: seconds the page took, retries included.
    """

    operation: str
    region: str
    target: str | None
    page: int
    items: int
    duration: float


#: What happened to a target's work in one stream.
TargetState = Literal["started", "finished", "failed", "cancelled"]


@attrs.frozen(kw_only=True)
class TargetEvent(SafeRepr):
    """A fleet target's work in one stream (a listing, a ``map``, a watch sweep) began or ended.

    Each target of a stream has one ``"started"`` event, then one of
    ``"finished"`` (listed in full, or its ``map`` function returned),
    ``"failed"`` (it is in the stream's failures) or ``"cancelled"`` (the
    stream was closed before the target was done).

    Attributes:
        target: the target's label.
        region: the target's region.
        state: ``"started"``, ``"finished"``, ``"failed"`` or ``"cancelled"``.
        items: the items the target delivered to the stream so far.
        duration: seconds since the target started (0 for ``"started"``).
        error_code: for ``"failed"``, the error's code (an :class:`~aiolightsail.APIError`'s
            ``code``) or its class name (``"TargetTimeoutError"``); else ``None``.
    """

    target: str
    region: str
    state: TargetState
    items: int = 0
    duration: float = 0.0
    error_code: str | None = None


InstrumentEvent: TypeAlias = RequestEvent | RetryEvent | PageEvent | TargetEvent
"""Any event a hook may be given: tell them apart with ``isinstance`` or ``match``."""
InstrumentHook: TypeAlias = Callable[[InstrumentEvent], None]
"""A hook: called with each event, synchronously, in the task doing the work; it must be
quick and must not block (hand slow work to a queue)."""


class Dispatch:
    """Hands each event to every hook; a hook that raises is logged once and kept.

    One is shared by a fleet and all its clients, so a failing hook is
    reported once per fleet, not once per target.
    """

    __slots__ = ("_failed", "hooks")

    def __init__(self, hooks: tuple[InstrumentHook, ...]) -> None:
        self.hooks = hooks
        self._failed = [False] * len(hooks)

    def __repr__(self) -> str:
        # Read with a default: a half-built object must describe itself too.
        return f"<Dispatch {len(getattr(self, 'hooks', ()))} hooks>"

    def __call__(self, event: InstrumentEvent) -> None:
        for index, hook in enumerate(self.hooks):
            try:
                hook(event)
            except Exception:  # noqa: BLE001 - a hook's failure must not break a request
                if not self._failed[index]:
                    self._failed[index] = True
                    _hooks_log.warning(
                        "instrument hook %r raised on a %s; it is still called, "
                        "but its further errors are not logged",
                        hook,
                        type(event).__name__,
                        exc_info=True,
                    )


def dispatch_of(instrument: object, parameter: str = "instrument") -> Dispatch | None:
    """The :class:`Dispatch` for an ``instrument=`` argument (``None``: no hooks).

    Args:
        instrument: ``None``, one hook, or a list or tuple of hooks.
        parameter: the argument's name, for the error.

    Raises:
        ValidationError: something else than hooks.
    """
    if instrument is None:
        return None
    if isinstance(instrument, Dispatch):
        return instrument
    hooks = tuple(instrument) if isinstance(instrument, list | tuple) else (instrument,)
    for index, hook in enumerate(hooks):
        if not callable(hook):
            where = parameter if hooks[0] is instrument else f"{parameter}[{index}]"
            raise ValidationError(
                where, "must be a callable taking one event, or a list of them", hook
            )
    return Dispatch(hooks) if hooks else None


def error_code(error: BaseException) -> str:
    """An error as a code for events and logs: an API error's code, else its class name."""
    code = error.code if isinstance(error, APIError) else None
    return _clean_code(code) if code else type(error).__name__


def _clean_code(code: str) -> str:
    """A code fit for a log record or an event: redacted and bounded (a code is a word;
    a hostile answer's ``__type`` may be anything)."""
    return bounded(_logging.redact(code))


def _throttled(code: str | None, status: int | None) -> bool:
    return status == 429 or code in ThrottledError.codes


# -- requests: what a transport reports ------------------------------------------------


@attrs.define(slots=True)
class Attempts(SafeRepr):
    """One call's attempts so far, as its transport reported them (the transport keeps it)."""

    started: float = 0.0
    ended: float | None = None
    reason: str | None = None
    status: int | None = None


class Requests:
    """Where a client's transport reports each attempt; events and retry log records out.

    Args:
        region: the client's region.
        target: the fleet target's label, or ``None``.
        dispatch: the hooks, or ``None``.
        max_attempts: the attempts per request the client was configured with,
            for a transport that does not say.
    """

    __slots__ = ("dispatch", "max_attempts", "region", "target")

    def __init__(
        self, *, region: str, target: str | None, dispatch: Dispatch | None, max_attempts: int
    ) -> None:
        self.region = region
        self.target = target
        self.dispatch = dispatch
        self.max_attempts = max_attempts

    def __repr__(self) -> str:
        region, target = getattr(self, "region", None), getattr(self, "target", None)
        return f"<Requests region={region!r} target={target!r}>"

    def attempt_started(
        self, attempts: Attempts, operation: str, attempt: int, max_attempts: int | None
    ) -> None:
        """An attempt is about to be sent; an attempt after the first is a retry."""
        now = time.perf_counter()
        if attempt > 1 and attempts.ended is not None:
            delay = now - attempts.ended
            reason = attempts.reason or "unknown"
            throttled = _throttled(attempts.reason, attempts.status)
            most = max_attempts or self.max_attempts
            if _retries_log.isEnabledFor(logging.DEBUG):
                _retries_log.debug(
                    "retrying %s in %s%s: attempt %d of %d after %s%s, waited %.3fs",
                    operation,
                    self.region,
                    f" [{self.target}]" if self.target else "",
                    attempt,
                    most,
                    reason,
                    " (throttled)" if throttled else "",
                    delay,
                )
            if self.dispatch is not None:
                self.dispatch(
                    RetryEvent(
                        operation=operation,
                        region=self.region,
                        target=self.target,
                        attempt=attempt,
                        max_attempts=most,
                        delay=delay,
                        reason=reason,
                        throttled=throttled,
                    )
                )
        attempts.started = now

    def attempt_ended(
        self,
        attempts: Attempts,
        operation: str,
        attempt: int,
        max_attempts: int | None,
        *,
        status: int | None,
        error_code: str | None,
        request_id: str | None,
    ) -> None:
        """An attempt was answered (``status``) or not; ``error_code`` when it failed."""
        now = time.perf_counter()
        code = _clean_code(error_code) if error_code is not None else None
        attempts.ended, attempts.reason, attempts.status = now, code, status
        if self.dispatch is not None:
            self.dispatch(
                RequestEvent(
                    operation=operation,
                    region=self.region,
                    target=self.target,
                    attempt=attempt,
                    max_attempts=max_attempts or self.max_attempts,
                    duration=now - attempts.started,
                    status=status,
                    error_code=code,
                    request_id=_clean_code(request_id) if request_id else None,
                )
            )


# -- pages -------------------------------------------------------------------------------


def observe_pages(
    fetch: Callable[[str | None], Awaitable[Page[T]]],
    dispatch: Dispatch,
    *,
    operation: str,
    region: Callable[[], str],
    target: str | None,
) -> Callable[[str | None], Awaitable[Page[T]]]:
    """``fetch`` (one page of a listing), reporting a :class:`PageEvent` per page that arrives.

    ``region`` is asked when a page has arrived: a client given no region
    knows it only once open.
    """
    number = 0

    async def fetch_observed(token: str | None) -> Page[T]:
        nonlocal number
        started = time.perf_counter()
        page = await fetch(token)
        number += 1
        dispatch(
            PageEvent(
                operation=operation,
                region=region(),
                target=target,
                page=number,
                items=len(page.items),
                duration=time.perf_counter() - started,
            )
        )
        return page

    return fetch_observed


# -- targets -----------------------------------------------------------------------------


class TargetRun:
    """One target's work in one stream: its target events and its log records.

    Created when the work starts (a ``"started"`` event); ends with exactly
    one of :meth:`finished`, :meth:`failed` or :meth:`cancelled`.
    """

    __slots__ = ("_dispatch", "_ended", "_started", "items", "label", "region")

    def __init__(self, dispatch: Dispatch | None, *, label: str, region: str) -> None:
        self._dispatch = dispatch
        self.label = label
        self.region = region
        self.items = 0
        self._ended = False
        self._started = time.perf_counter()
        _fleet_log.debug("target %s started", label)
        self._emit("started", None)

    def __repr__(self) -> str:
        return f"<TargetRun {getattr(self, 'label', None)!r} items={getattr(self, 'items', 0)}>"

    def finished(self) -> None:
        """The target's work is done: listed in full, or its function returned."""
        if self._end():
            _fleet_log.debug(
                "target %s finished: %d items in %.3fs", self.label, self.items, self._elapsed()
            )
            self._emit("finished", None)

    def failed(self, error: BaseException, *, reported: bool) -> None:
        """The target failed with ``error``.

        Args:
            error: the failure.
            reported: whether the failure is kept in the stream's failures
                (logged at WARNING, since the stream goes on without raising it);
                a failure raised to the caller (``fail_fast``) or expected (a
                name not found by ``find_instances``) is logged at DEBUG.
        """
        if not self._end():
            return
        code = error_code(error)
        operation = getattr(error, "operation", None)
        status = getattr(error, "http_status", None)
        _fleet_log.log(
            logging.WARNING if reported else logging.DEBUG,
            "target %s failed%s: %s (%s%s) after %d items in %.3fs",
            self.label,
            f" in {operation}" if isinstance(operation, str) and operation else "",
            code,
            type(error).__name__,
            f", HTTP {status}" if isinstance(status, int) else "",
            self.items,
            self._elapsed(),
        )
        self._emit("failed", code)

    def cancelled(self) -> None:
        """The stream was closed before the target was done."""
        if self._end():
            _fleet_log.debug("target %s cancelled after %d items", self.label, self.items)
            self._emit("cancelled", None)

    def interrupted(self, exc: BaseException) -> None:
        """The target's work raised ``exc``, which is raised on: a cancellation, or a bug."""
        if isinstance(exc, asyncio.CancelledError):
            self.cancelled()
        else:
            self.failed(exc, reported=False)

    def _end(self) -> bool:
        ended, self._ended = self._ended, True
        return not ended

    def _elapsed(self) -> float:
        return time.perf_counter() - self._started

    def _emit(self, state: TargetState, code: str | None) -> None:
        if self._dispatch is not None:
            self._dispatch(
                TargetEvent(
                    target=self.label,
                    region=self.region,
                    state=state,
                    items=self.items,
                    duration=0.0 if state == "started" else self._elapsed(),
                    error_code=code,
                )
            )
