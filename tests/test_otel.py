"""The OpenTelemetry hook: a span per request attempt and per fleet target, by the conventions."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from aiolightsail import Fleet, Target
from aiolightsail.emulator import Emulator, FaultKind
from aiolightsail.otel import SpanHook
from tests.conftest import ACCOUNTS, keys

pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    """An in-memory exporter behind a provider of the test's own (the global one is untouched)."""
    memory = InMemorySpanExporter()
    yield memory
    memory.shutdown()


def provider_of(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


async def test_spans_follow_the_aws_sdk_conventions(
    emulator: Emulator, exporter: InMemorySpanExporter
) -> None:
    """A fleet with a throttled request and a target with bad keys: one CLIENT span per
    attempt named Lightsail.GetInstances with the rpc, cloud and aws attributes, failed
    attempts with status ERROR and error.type; one span per target with its outcome; all
    children of the span current where the fleet was read."""
    emulator.seed_instances(ACCOUNTS[1][0], "eu-west-1", 7)
    emulator.faults.fail_next("GetInstances", count=1, kind=FaultKind.THROTTLE)
    url = emulator.endpoint_url
    good = Target("eu-west-1", endpoint_url=url, name="good", **keys(1))
    bad = Target(
        "us-east-1",
        endpoint_url=url,
        name="bad",
        aws_access_key_id="AKIAUNKNOWNKEY000000",
        aws_secret_access_key="not-a-real-secret-000000000000000000000",
    )
    provider = provider_of(exporter)
    tracer = trace.get_tracer("test", tracer_provider=provider)
    with tracer.start_as_current_span("bot command") as command:
        async with Fleet([good, bad], instrument=SpanHook(provider)) as fleet:
            stream = fleet.iter_instances()
            items = [instance async for _, instance in stream]
    assert len(items) == 7 and len(stream.failures) == 1

    spans: tuple[ReadableSpan, ...] = exporter.get_finished_spans()
    requests = [s for s in spans if s.name == "Lightsail.GetInstances"]
    assert all(s.kind is SpanKind.CLIENT for s in requests)
    assert all(s.instrumentation_scope.name == "aiolightsail" for s in requests)  # type: ignore[union-attr]
    assert emulator.stats.total_requests + emulator.stats.auth_failures == len(requests)
    for span in requests:
        attributes = dict(span.attributes or {})
        assert attributes["rpc.system"] == "aws-api"
        assert attributes["rpc.service"] == "Lightsail"
        assert attributes["rpc.method"] == "GetInstances"
        assert attributes["cloud.region"] in {"eu-west-1", "us-east-1"}
        assert attributes["aiolightsail.target"] in {"good", "bad"}
        assert isinstance(attributes["http.response.status_code"], int)
        assert span.parent is not None
        assert span.parent.span_id == command.get_span_context().span_id
        assert span.start_time is not None and span.end_time is not None
        assert span.start_time <= span.end_time
    failed = [s for s in requests if s.status.status_code is StatusCode.ERROR]
    assert Counter(dict(s.attributes or {})["error.type"] for s in failed) == {
        "ThrottlingException": 1,
        "UnrecognizedClientException": 1,
    }
    succeeded = [s for s in requests if s.status.status_code is StatusCode.UNSET]
    assert all(dict(s.attributes or {}).get("aws.request_id") for s in succeeded)
    retried = [s for s in requests if "http.request.resend_count" in (s.attributes or {})]
    assert [dict(s.attributes or {})["http.request.resend_count"] for s in retried] == [1]

    targets = {
        dict(s.attributes or {})["aiolightsail.target"]: s
        for s in spans
        if s.name == "aiolightsail target"
    }
    assert set(targets) == {"good", "bad"}
    good_attributes = dict(targets["good"].attributes or {})
    assert good_attributes["aiolightsail.target.state"] == "finished"
    assert good_attributes["aiolightsail.items"] == 7
    assert targets["bad"].status.status_code is StatusCode.ERROR
    assert dict(targets["bad"].attributes or {})["error.type"] == "UnrecognizedClientException"


def test_without_the_extra_the_import_names_it() -> None:
    """Without OpenTelemetry installed, importing aiolightsail.otel says what to install."""
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None  # as if it were not installed\n"
        "try:\n"
        "    import aiolightsail.otel\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'aiolightsail[otel]'" in out.stdout
