"""OpenTelemetry spans for aiolightsail's requests and fleet targets (the ``[otel]`` extra).

:class:`SpanHook` is an instrumentation hook (``instrument=``) that turns
events into spans through the OpenTelemetry API; the application chooses the
SDK, the sampler and the exporter, as for any instrumented library::

    from aiolightsail.otel import SpanHook

    async with Fleet(targets, instrument=SpanHook()) as fleet:
        ...

Each span is made when its event arrives, the attempt or the target being
over, with the start time its duration gives; it is a child of the span
current in the task that did the work (the span of the bot command or the
service tick that called the library).

Importing this module imports ``opentelemetry``; ``import aiolightsail``
does not.
"""

from __future__ import annotations

import time

try:
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError as exc:  # pragma: no cover - the extra is installed for the tests
    raise ImportError(
        "aiolightsail.otel needs the OpenTelemetry API: pip install 'aiolightsail[otel]'"
    ) from exc

from aiolightsail import __version__
from aiolightsail._instrument import InstrumentEvent, RequestEvent, TargetEvent

__all__ = ["SpanHook"]

#: The instrumentation scope of the spans (the tracer's name).
SCOPE = "aiolightsail"


class SpanHook:
    """An instrumentation hook that records OpenTelemetry spans.

    - **One span per request attempt**, kind ``CLIENT``, named
      ``Lightsail.<Operation>`` as the semantic conventions for AWS SDK
      spans ask, with ``rpc.system="aws-api"``, ``rpc.service="Lightsail"``,
      ``rpc.method``, ``cloud.region``, ``aws.request_id``,
      ``http.response.status_code``, ``http.request.resend_count`` (on
      retries), ``aiolightsail.target`` (a fleet target's label); a failed
      attempt has status ``ERROR`` and ``error.type`` set to its error code.
    - **One span per fleet target's work in a stream**, kind ``INTERNAL``,
      named ``aiolightsail target``, with ``aiolightsail.target``,
      ``cloud.region``, ``aiolightsail.target.state`` (``finished``,
      ``failed``, ``cancelled``) and ``aiolightsail.items``; a failed one has
      status ``ERROR`` and ``error.type``.

    Spans carry no secret and no message of the service: codes, statuses,
    ids and labels only.

    Args:
        tracer_provider: the provider to get the tracer from; the global one
            (``opentelemetry.trace.set_tracer_provider``) by default.
    """

    __slots__ = ("_tracer",)

    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer(SCOPE, __version__, tracer_provider=tracer_provider)

    def __repr__(self) -> str:
        # Read with a default: a half-built hook must describe itself too.
        return f"<SpanHook {getattr(self, '_tracer', None)!r}>"

    def __call__(self, event: InstrumentEvent) -> None:
        """Record the span of ``event`` (request attempts and ended targets; others are skipped)."""
        if isinstance(event, RequestEvent):
            self._request(event)
        elif isinstance(event, TargetEvent) and event.state != "started":
            self._target(event)

    def _request(self, event: RequestEvent) -> None:
        end = time.time_ns()
        attributes: dict[str, str | int] = {
            "rpc.system": "aws-api",
            "rpc.service": "Lightsail",
            "rpc.method": event.operation,
            "cloud.region": event.region,
        }
        if event.attempt > 1:
            attributes["http.request.resend_count"] = event.attempt - 1
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        if event.request_id:
            attributes["aws.request_id"] = event.request_id
        if event.target is not None:
            attributes["aiolightsail.target"] = event.target
        if event.error_code is not None:
            attributes["error.type"] = event.error_code
        span = self._tracer.start_span(
            f"Lightsail.{event.operation}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=end - int(event.duration * 1e9),
        )
        if event.error_code is not None:
            span.set_status(Status(StatusCode.ERROR, event.error_code))
        span.end(end_time=end)

    def _target(self, event: TargetEvent) -> None:
        end = time.time_ns()
        attributes: dict[str, str | int] = {
            "aiolightsail.target": event.target,
            "cloud.region": event.region,
            "aiolightsail.target.state": event.state,
            "aiolightsail.items": event.items,
        }
        if event.error_code is not None:
            attributes["error.type"] = event.error_code
        span = self._tracer.start_span(
            "aiolightsail target",
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            start_time=end - int(event.duration * 1e9),
        )
        if event.state == "failed":
            span.set_status(Status(StatusCode.ERROR, event.error_code))
        span.end(end_time=end)
