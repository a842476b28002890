"""Hooks see exactly what happened; the library logs nothing unless something is wrong."""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings

import aiolightsail as al
from aiolightsail import (
    Fleet,
    InstrumentEvent,
    LightsailClient,
    PageEvent,
    RequestEvent,
    RetryEvent,
    Target,
    TargetEvent,
    ValidationError,
    _instrument,
)
from aiolightsail.emulator import Emulator, FaultKind
from tests.conftest import ACCOUNTS, LogLines, collecting_logs, keys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json
from tests.reliability.test_redaction import ANY_TEXT, VISIBLE, Secret, secrets

pytestmark = pytest.mark.usefixtures("no_backoff")

REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1"]
BAD_KEYS: dict[str, Any] = {
    "aws_access_key_id": "AKIAUNKNOWNKEY000000",
    "aws_secret_access_key": "not-a-real-secret-000000000000000000000",
}


class Recorder:
    """A hook that keeps every event, and the events of each kind."""

    def __init__(self) -> None:
        self.events: list[InstrumentEvent] = []

    def __call__(self, event: InstrumentEvent) -> None:
        self.events.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


@pytest.fixture
def logs() -> Iterator[LogLines]:
    """Every record of the aiolightsail loggers, at DEBUG."""
    with collecting_logs("aiolightsail") as handler:
        yield handler


def records(handler: LogLines, level: int = logging.DEBUG) -> list[str]:
    """The collected lines of the aiolightsail loggers at ``level`` or above."""
    names = {level_name for level_name, n in logging.getLevelNamesMapping().items() if n >= level}
    return [
        line
        for line in handler.lines
        if line.startswith("aiolightsail") and line.split(" ", 2)[1] in names
    ]


def seed(emulator: Emulator) -> dict[str, int]:
    """Instances in account 1 of each region (more than a page in most); counts by label."""
    counts = {}
    for n, region in enumerate(REGIONS):
        count = 3 + 4 * n
        emulator.seed_instances(ACCOUNTS[1][0], region, count)
        counts[Target(region, **keys(1)).label] = count
    return counts


async def test_a_fleet_hook_sees_exactly_the_requests_retries_pages_and_targets(
    emulator: Emulator,
) -> None:
    """Over good targets, two throttles and a target with bad keys: one request event per
    attempt the server saw, one retry per throttle, pages summing to each listing, and
    one start and one end per target with the right outcome."""
    counts = seed(emulator)
    url = emulator.endpoint_url
    good = [Target(region, endpoint_url=url, **keys(1)) for region in REGIONS]
    bad = Target("eu-west-1", endpoint_url=url, name="bad-keys", **BAD_KEYS)
    emulator.faults.fail_next("GetInstances", count=2, kind=FaultKind.THROTTLE)
    hook = Recorder()
    async with Fleet([*good, bad], instrument=hook) as fleet:
        stream = fleet.iter_instances()
        got = Counter([target.label async for target, _ in stream])

    assert dict(got) == counts
    assert [failure.target for failure in stream.failures] == [bad]
    attempts_seen = emulator.stats.total_requests + emulator.stats.auth_failures
    requests: list[RequestEvent] = hook.of(RequestEvent)
    assert len(requests) == attempts_seen
    throttled = [r for r in requests if r.error_code == "ThrottlingException"]
    assert len(throttled) == 2 and all(r.status == 400 for r in throttled)
    retries: list[RetryEvent] = hook.of(RetryEvent)
    assert len(retries) == 2 == sum(r.attempt > 1 for r in requests)
    assert all(r.throttled and r.reason == "ThrottlingException" for r in retries)
    assert all(r.max_attempts == al.DEFAULT_MAX_ATTEMPTS for r in retries)
    # Both throttles may land on one target's call (attempts 2 and 3) or on two (2 each):
    # which is up to the scheduler, so the rule is checked per target, not the numbers.
    retried: defaultdict[str | None, list[int]] = defaultdict(list)
    for retry in retries:
        retried[retry.target].append(retry.attempt)
    for label, attempts in retried.items():
        assert attempts == list(range(2, 2 + len(attempts))), label
        sent = [r.attempt for r in requests if r.target == label and r.attempt > 1]
        assert sorted(sent) == attempts, label
    assert {r.region for r in requests} <= set(REGIONS)
    assert all(r.target in {*counts, "bad-keys"} for r in requests)
    ok = [r for r in requests if r.outcome == "ok"]
    assert all(r.status == 200 and r.request_id for r in ok)

    pages: defaultdict[str | None, list[PageEvent]] = defaultdict(list)
    for page in hook.of(PageEvent):
        pages[page.target].append(page)
    assert {label: sum(p.items for p in got) for label, got in pages.items()} == counts
    for got_pages in pages.values():
        assert [p.page for p in got_pages] == list(range(1, len(got_pages) + 1))
    assert len(ok) == sum(len(p) for p in pages.values()), "one successful request per page"

    targets: list[TargetEvent] = hook.of(TargetEvent)
    by_label: defaultdict[str, list[TargetEvent]] = defaultdict(list)
    for event in targets:
        by_label[event.target].append(event)
    assert set(by_label) == {*counts, "bad-keys"}
    for label, events in by_label.items():
        assert events[0].state == "started"
        assert len(events) == 2, label
    assert by_label["bad-keys"][1].state == "failed"
    assert by_label["bad-keys"][1].error_code == "UnrecognizedClientException"
    for label, count in counts.items():
        end = by_label[label][1]
        assert (end.state, end.items, end.error_code) == ("finished", count, None)
        assert end.duration > 0


@pytest.mark.parametrize(
    ("kind", "code", "status", "throttled"),
    [
        (FaultKind.THROTTLE, "ThrottlingException", 400, True),
        (FaultKind.TOO_MANY_REQUESTS, "TooManyRequestsException", 429, True),
        (FaultKind.SERVER_ERROR, "ServiceException", 500, False),
        (FaultKind.DROP, "ConnectionClosedError", None, False),
    ],
)
async def test_a_retried_call_has_one_request_per_attempt_and_attempts_minus_one_retries(
    emulator: Emulator, kind: FaultKind, code: str, status: int | None, throttled: bool
) -> None:
    """A call failing twice then answered: three request events (the failures with their
    code and status), two retry events giving the reason, and the answer's page."""
    emulator.seed_instances(ACCOUNTS[0][0], "eu-west-1", 2)
    emulator.faults.fail_next("GetInstances", count=2, kind=kind)
    hook = Recorder()
    async with LightsailClient(
        "eu-west-1", endpoint_url=emulator.endpoint_url, instrument=[hook], **keys(0)
    ) as client:
        page = await client.get_instances()

    assert len(page.items) == 2
    requests: list[RequestEvent] = hook.of(RequestEvent)
    assert [(r.attempt, r.status, r.error_code) for r in requests] == [
        (1, status, code),
        (2, status, code),
        (3, 200, None),
    ]
    assert all(
        (r.operation, r.region, r.target) == ("GetInstances", "eu-west-1", None) for r in requests
    )
    retries: list[RetryEvent] = hook.of(RetryEvent)
    assert [(r.attempt, r.reason, r.throttled) for r in retries] == [
        (2, code, throttled),
        (3, code, throttled),
    ]
    assert all(r.delay >= 0 for r in retries)
    assert hook.of(PageEvent) == [], "a single get_ is not a listing"


async def test_a_throttled_then_retried_request_is_logged_at_debug_only(
    emulator: Emulator, logs: LogLines
) -> None:
    """A throttle that a retry overcame is one DEBUG record on aiolightsail.retries, naming
    the operation, the attempt of the most, the reason and the delay; nothing at INFO."""
    emulator.faults.fail_next("GetInstances", count=1, kind=FaultKind.THROTTLE)
    async with LightsailClient(
        "eu-west-1", endpoint_url=emulator.endpoint_url, **keys(0)
    ) as client:
        await client.get_instances()
    retried = [line for line in records(logs) if line.startswith("aiolightsail.retries")]
    assert len(retried) == 1
    assert retried[0].startswith(
        "aiolightsail.retries DEBUG retrying GetInstances in eu-west-1: "
        "attempt 2 of 5 after ThrottlingException (throttled), waited "
    )
    assert records(logs, logging.INFO) == []


async def test_the_happy_path_logs_nothing_at_info_or_above(
    emulator: Emulator, logs: LogLines
) -> None:
    """A fleet listing with nothing wrong writes no record at INFO or above, but says at
    DEBUG when each target started and finished."""
    seed(emulator)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with Fleet(targets) as fleet:
        async for _ in fleet.iter_instances():
            pass
    assert records(logs, logging.INFO) == []
    assert sum(" finished: " in line for line in records(logs)) == len(REGIONS)


async def test_a_failing_target_is_one_warning_with_its_label_and_code(
    emulator: Emulator, logs: LogLines
) -> None:
    """A target whose listing failed is one WARNING on aiolightsail.fleet, naming the target,
    the operation, the error's code and class, and the HTTP status."""
    url = emulator.endpoint_url
    bad = Target("eu-west-1", endpoint_url=url, name="bad-keys", **BAD_KEYS)
    async with Fleet([Target("eu-west-1", endpoint_url=url, **keys(1)), bad]) as fleet:
        async for _ in fleet.iter_instances():
            pass
    [warning] = records(logs, logging.INFO)
    assert re.fullmatch(
        r"aiolightsail\.fleet WARNING target bad-keys failed in GetInstances: "
        r"UnrecognizedClientException \(UnauthenticatedError, HTTP 400\) "
        r"after 0 items in \d+\.\d{3}s",
        warning,
    )


async def test_a_failure_raised_or_expected_is_not_a_warning(
    emulator: Emulator, logs: LogLines
) -> None:
    """fail_fast raises the failure (no WARNING), and find_instances' targets without
    the name are answers, not failures (no WARNING)."""
    url = emulator.endpoint_url
    bad = Target("eu-west-1", endpoint_url=url, **BAD_KEYS)
    async with Fleet([bad], fail_fast=True) as fleet:
        with pytest.raises(al.UnauthenticatedError):
            async for _ in fleet.iter_instances():
                pass
    targets = [Target(r, endpoint_url=url, **keys(1)) for r in REGIONS]
    async with Fleet(targets) as fleet:
        found = await fleet.find_instances("nowhere")
    assert list(found) == [] and found.failures == []
    assert records(logs, logging.INFO) == []
    assert sum(" failed in " in line for line in records(logs)) == 1 + len(REGIONS)


async def test_a_raising_hook_breaks_nothing_and_is_logged_once(
    emulator: Emulator, logs: LogLines
) -> None:
    """A hook that raises on every event: the listing completes, the next hook still gets
    every event, and one WARNING (with the traceback) names the failing hook."""
    counts = seed(emulator)

    def broken(event: InstrumentEvent) -> None:
        raise RuntimeError(f"broken hook on {type(event).__name__}")

    hook = Recorder()
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with Fleet(targets, instrument=(broken, hook)) as fleet:
        got = Counter([target.label async for target, _ in fleet.iter_instances()])
    assert dict(got) == counts
    assert len(hook.of(TargetEvent)) == 2 * len(REGIONS)
    warnings = [line for line in logs.lines if line.startswith("aiolightsail.instrument")]
    assert len(warnings) == 1
    assert "WARNING instrument hook <function" in warnings[0]
    assert "RuntimeError: broken hook on" in warnings[0]


async def test_without_a_hook_no_event_is_built(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no hook, a fleet listing with retries builds no event object at all."""
    seed(emulator)
    emulator.faults.fail_next("GetInstances", count=1, kind=FaultKind.THROTTLE)

    def refuse(**_: object) -> None:
        raise AssertionError("an event was built with no hook to receive it")

    for name in ("RequestEvent", "RetryEvent", "PageEvent", "TargetEvent"):
        monkeypatch.setattr(_instrument, name, refuse)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with Fleet(targets) as fleet:
        stream = fleet.iter_instances()
        async for _ in stream:
            pass
    assert stream.failures == []


async def test_a_watch_sweep_reports_each_target(emulator: Emulator) -> None:
    """Each watch sweep gives each target a start and an end, with its items."""
    counts = seed(emulator)
    hook = Recorder()
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with (
        Fleet(targets, instrument=hook) as fleet,
        fleet.watch_instances(interval=0, max_sweeps=2) as watch,
    ):
        async for _ in watch:
            pass
    ends = [e for e in hook.of(TargetEvent) if e.state != "started"]
    assert len(hook.of(TargetEvent)) == 2 * len(ends) == 4 * len(REGIONS)
    assert Counter((e.target, e.items) for e in ends) == dict.fromkeys(counts.items(), 2)


async def test_a_closed_stream_cancels_its_targets(emulator: Emulator) -> None:
    """Leaving a stream early ends every started target, as cancelled or finished."""
    seed(emulator)
    hook = Recorder()
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with Fleet(targets, instrument=hook) as fleet, fleet.iter_instances() as stream:
        async for _ in stream:
            break
    states = Counter(e.state for e in hook.of(TargetEvent))
    assert states["started"] == len(REGIONS)
    assert states["cancelled"] >= 1
    assert states["cancelled"] + states["finished"] == len(REGIONS)


@pytest.mark.parametrize(
    ("instrument", "parameter"),
    [(42, "instrument"), ("hook", "instrument"), ([print, None], "instrument[1]")],
)
def test_instrument_must_be_hooks(instrument: Any, parameter: str) -> None:
    """Something else than a hook or a list of hooks is refused, naming the argument."""
    with pytest.raises(ValidationError) as client_error:
        LightsailClient("eu-west-1", instrument=instrument)
    with pytest.raises(ValidationError) as fleet_error:
        Fleet([Target("eu-west-1")], instrument=instrument)
    assert client_error.value.parameter == fleet_error.value.parameter == parameter


# -- secrets in failing answers ---------------------------------------------------------


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    """A hostile server, its handler set by the test."""
    async for server in hostile_server():
        yield server


def failing_answers(planted: Secret, caller: Secret) -> Any:
    """A throttle, a 429 and a refusal, each carrying the secrets in its message and members."""
    served = 0

    async def answer(request: web.Request) -> web.StreamResponse:
        nonlocal served
        served += 1
        body = {
            "message": f"{planted.value} for {caller.value}",
            "privateKey": planted.value,
            "password": caller.value,
        }
        if served == 1:
            return lightsail_json({"__type": "ThrottlingException", **body}, status=400)
        if served == 2:
            return lightsail_json(body, status=429)
        return lightsail_json({"__type": "AccessDeniedException", **body}, status=403)

    return answer


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(planted=secrets(ANY_TEXT), caller=secrets(VISIBLE))
async def test_no_secret_of_a_failing_answer_reaches_a_record_or_an_event(
    hostile: Hostile, planted: Secret, caller: Secret
) -> None:
    """Answers that fail (throttled, 429, refused) carrying secrets of any text, and the
    caller's own secret key: no part of one is in a record of the aiolightsail loggers at
    DEBUG or in any event, although the retries and the failure were reported."""
    hostile.handler = failing_answers(planted, caller)
    hook = Recorder()
    target = Target(
        "eu-west-1",
        endpoint_url=hostile.url,
        aws_access_key_id="AKIAREDACTIONTEST001",
        aws_secret_access_key=caller.value,
    )
    with collecting_logs("aiolightsail") as handler:
        async with Fleet([target], instrument=hook) as fleet:
            stream = fleet.iter_instances()
            async for _ in stream:
                pass
    assert len(stream.failures) == 1
    assert len(hook.of(RetryEvent)) == 2
    text = "\n".join([*handler.lines, *map(repr, hook.events)])
    assert "AccessDeniedException" in text and "WARNING" in text
    leaked = [marker for secret in (planted, caller) for marker in secret.markers if marker in text]
    assert leaked == []
