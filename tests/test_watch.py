"""fleet.watch_instances: exactly the changes that happened, no false removals, bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import aiolightsail as al
from aiolightsail import Fleet, InstanceChange, InstanceWatch, Target
from aiolightsail.emulator import Account, Clock, Emulator, FaultKind, Faults
from tests.conftest import ACCOUNTS, keys, stray_tasks

#: What a change says, in a form that compares: (target label, kind, instance name, fields).
Seen = tuple[str, str, str | None, frozenset[str]]


class StepTimer:
    """A watch's timer that pauses until the test steps it, and says when the watch is paused."""

    def __init__(self) -> None:
        self.time = 0.0
        self.asleep = asyncio.Event()
        self._go = asyncio.Semaphore(0)

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.asleep.set()
        await self._go.acquire()
        self.time += seconds

    def step(self) -> None:
        """Let the paused watch go on to its next sweep."""
        self.asleep.clear()
        self._go.release()


def seen(change: InstanceChange) -> Seen:
    """A change as (target, kind, name, changed fields)."""
    return (change.target.label, change.kind, change.instance.name, change.changed)


async def read(watch: InstanceWatch, count: int) -> set[Seen]:
    """The next ``count`` changes, as a set (targets sweep concurrently, in no fixed order)."""
    got = [seen(await anext(watch)) for _ in range(count)]
    assert len(set(got)) == count, got
    return set(got)


@pytest.fixture
async def second() -> AsyncIterator[Emulator]:
    """A second emulator, serving account 1 alone (so that its faults touch no other target)."""
    account = Account(
        account_id=ACCOUNTS[1][0], access_key_id=ACCOUNTS[1][1], secret_access_key=ACCOUNTS[1][2]
    )
    async with Emulator([account], page_size=5, clock=Clock.manual()) as emu:
        yield emu


@pytest.fixture
def throttle(second: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """While ``on``, the second emulator throttles every GetInstances call after the first."""
    state: dict[str, Any] = {"on": False, "calls": 0}
    decide = Faults.decide

    def throttled(self: Faults, operation: str) -> Any:
        if self is second.faults and state["on"] and operation == "GetInstances":
            state["calls"] += 1
            if state["calls"] >= 2:  # page 1 is served, page 2 is throttled
                return FaultKind.THROTTLE
        return decide(self, operation)

    monkeypatch.setattr(Faults, "decide", throttled)
    return state


async def test_a_watch_over_two_accounts_sees_exactly_what_happened(
    emulator: Emulator, second: Emulator, throttle: dict[str, Any]
) -> None:
    """Over two accounts, the watch yields "added" for everything, then exactly the additions,
    removals and changes made between sweeps; a target with bad credentials yields nothing and
    is reported; a target throttled on its second page keeps its view (no false "removed")."""
    a, b = ACCOUNTS[0][0], ACCOUNTS[1][0]
    emulator.add_instance(a, "us-east-1", "a-web")
    emulator.add_instance(a, "us-east-1", "a-db")
    names_b = [f"b-{i:02}" for i in range(12)]  # three pages of five, two once b-0, b-1 go
    for name in names_b:
        second.add_instance(b, "us-east-1", name)
    target_a = Target("us-east-1", endpoint_url=emulator.endpoint_url, name="A", **keys(0))
    target_b = Target("us-east-1", endpoint_url=second.endpoint_url, name="B", **keys(1))
    bad = Target(
        "us-east-1",
        endpoint_url=emulator.endpoint_url,
        name="bad",
        aws_access_key_id=ACCOUNTS[2][1],
        aws_secret_access_key="not-the-secret-key-at-all-000000000000000",
    )
    timer = StepTimer()
    async with Fleet([target_a, target_b, bad], max_attempts=1) as fleet:
        fleet._timer = timer
        async with fleet.watch_instances(interval=60, max_sweeps=4) as watch:
            first = await read(watch, 14)
            await timer.asleep.wait()
            bad_failures = len(watch.failures)

            # Between sweeps 1 and 2: one of each kind in A, one removal in B.
            emulator.add_instance(a, "us-east-1", "a-new")
            emulator.state(a).remove_instance("a-db")
            web = emulator.state(a).get_instance("a-web")
            web.forced_state = "stopped"
            web.invalidate()
            second.state(b).remove_instance("b-00")
            timer.step()
            second_sweep = await read(watch, 4)
            await timer.asleep.wait()

            # Sweep 3: B is throttled after its first page, and b-01 (on page 1) is gone.
            second.state(b).remove_instance("b-01")
            throttle["on"] = True
            timer.step()
            # A sweep starts only when the consumer asks; this one has nothing to yield.
            asking = asyncio.create_task(anext(watch))
            await timer.asleep.wait()
            third_failures = list(watch.failures)[bad_failures:]

            # Sweep 4: B answers again: only what really changed shows.
            throttle["on"] = False
            timer.step()
            fourth = {seen(await asking)} | {seen(change) async for change in watch}

    assert first == {("A", "added", n, frozenset()) for n in ("a-web", "a-db")} | {
        ("B", "added", n, frozenset()) for n in names_b
    }
    assert second_sweep == {
        ("A", "added", "a-new", frozenset()),
        ("A", "removed", "a-db", frozenset()),
        # Stopped, it has no public IP any more (dynamic addresses, as on Lightsail).
        ("A", "changed", "a-web", frozenset({"state", "public_ip_address"})),
        ("B", "removed", "b-00", frozenset()),
    }
    assert fourth == {("B", "removed", "b-01", frozenset())}
    assert watch.sweeps == 4
    assert bad_failures == 1
    assert {f.target for f in third_failures} == {bad, target_b}
    (throttled,) = (f for f in third_failures if f.target == target_b)
    assert isinstance(throttled.error, al.ThrottledError)
    assert throttled.page_token is not None  # it failed after its first page
    assert {f.target for f in watch.failures} == {bad, target_b}
    assert all(
        isinstance(f.error, al.UnauthenticatedError) for f in watch.failures if f.target == bad
    )
    assert set(watch.failing) == {bad}


@pytest.fixture
def targets(emulator: Emulator) -> list[Target]:
    """Three targets (accounts 0, 1 in us-east-1; 0 in eu-west-1), three instances each."""
    chosen = [
        Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0)),
        Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(1)),
        Target("eu-west-1", endpoint_url=emulator.endpoint_url, **keys(0)),
    ]
    for target in chosen:
        account = ACCOUNTS[0 if target.aws_access_key_id == ACCOUNTS[0][1] else 1][0]
        emulator.seed_instances(account, target.region, 3)
    return chosen


async def test_a_slow_consumer_holds_the_sweeps_back(
    emulator: Emulator, targets: list[Target]
) -> None:
    """A consumer that stops reading leaves at most the channel's changes waiting: no new sweep
    starts and no request is sent, however often the timer runs out."""
    timer = StepTimer()
    async with Fleet(targets, concurrency=1) as fleet:
        fleet._timer = timer
        listed = asyncio.Event()  # every target of the first sweep has been listed
        finished: list[Target] = []
        list_instances = fleet._list_instances

        async def counted(target: Target) -> Any:
            try:
                return await list_instances(target)
            finally:
                finished.append(target)
                if len(finished) == len(targets):
                    listed.set()

        fleet._list_instances = counted  # type: ignore[method-assign]
        async with fleet.watch_instances(interval=0) as watch:
            await anext(watch)  # one change taken; the consumer now does something slow
            # Requests take real time, not loop turns: wait until the first sweep's
            # listings are over (its producers now wait on the full channel).
            await listed.wait()
            requests = emulator.stats.total_requests
            for _ in range(5):
                timer.step()
                for _ in range(20):
                    await asyncio.sleep(0)
            assert emulator.stats.total_requests == requests
            assert watch.sweeps == 0  # the first sweep's producers wait on the full channel
            assert len(watch._channel) <= 1


async def test_break_starts_no_new_sweep_and_async_with_cancels_at_once(
    emulator: Emulator, targets: list[Target]
) -> None:
    """After a bare break no further sweep is made; leaving ``async with`` leaves no task."""
    timer = StepTimer()
    async with Fleet(targets) as fleet:
        fleet._timer = timer
        watch = fleet.watch_instances(interval=0)
        async for _change in watch:
            break
        await timer.asleep.wait()  # the first sweep has ended
        requests = emulator.stats.total_requests
        timer.step()
        for _ in range(50):
            await asyncio.sleep(0)
        assert emulator.stats.total_requests == requests
        assert watch.sweeps == 1

        async with fleet.watch_instances(interval=0) as other:
            await anext(other)
        assert stray_tasks() == {t for t in stray_tasks() if t is watch._runner}
    assert stray_tasks() == set()


async def test_the_interval_counts_from_the_start_of_a_sweep(
    emulator: Emulator, targets: list[Target]
) -> None:
    """The pause after a sweep is the interval less the sweep's own duration."""
    pauses: list[float] = []

    class Clocked(StepTimer):
        async def sleep(self, seconds: float) -> None:
            pauses.append(seconds)
            self.time += seconds

    timer = Clocked()
    original = Fleet._list_instances

    async def slow(self: Fleet, target: Target) -> Any:
        timer.time += 7  # each target's listing takes 7 s of the timer's time
        return await original(self, target)

    async with Fleet(targets[:1]) as fleet:
        fleet._timer = timer
        fleet._list_instances = slow.__get__(fleet)  # type: ignore[method-assign]
        async with fleet.watch_instances(interval=60, max_sweeps=3) as watch:
            changes = [change async for change in watch]
    assert len(changes) == 3
    assert pauses == [53.0, 53.0]


async def test_fail_fast_ends_the_watch_with_the_error(emulator: Emulator) -> None:
    """With fail_fast, a target's failure ends the feed, raised as itself."""
    bad = Target(
        "us-east-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=ACCOUNTS[0][1],
        aws_secret_access_key="wrong-secret-key-00000000000000000000000",
    )
    async with Fleet([bad], fail_fast=True, max_attempts=1) as fleet:
        with pytest.raises(al.UnauthenticatedError):
            async for _ in fleet.watch_instances(interval=0):
                pass
    assert stray_tasks() == set()


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"interval": -1}, "interval"),
        ({"interval": True}, "interval"),
        ({"max_sweeps": 0}, "max_sweeps"),
    ],
)
async def test_watch_arguments_are_checked(
    targets: list[Target], kwargs: dict[str, Any], parameter: str
) -> None:
    """A negative interval, a boolean or a zero max_sweeps is refused, naming it."""
    async with Fleet(targets) as fleet:
        with pytest.raises(al.ValidationError) as caught:
            fleet.watch_instances(**kwargs)
    assert caught.value.parameter == parameter


async def test_find_instances_across_targets(emulator: Emulator) -> None:
    """find_instances returns every (target, instance) with the name, in target order, and
    names the targets that could not be searched, not those that lack it."""
    a = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    b = Target("eu-west-1", endpoint_url=emulator.endpoint_url, **keys(0))
    c = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(1))
    bad = Target(
        "us-west-2",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=ACCOUNTS[2][1],
        aws_secret_access_key="wrong-secret-key-00000000000000000000000",
    )
    emulator.add_instance(ACCOUNTS[0][0], "us-east-1", "web-1")
    emulator.add_instance(ACCOUNTS[1][0], "us-east-1", "web-1")
    emulator.add_instance(ACCOUNTS[0][0], "eu-west-1", "db-1")
    async with Fleet([a, b, c, bad], max_attempts=1) as fleet:
        found = await fleet.find_instances("web-1")
        none = await fleet.find_instances("web-1", targets=[b])
    assert [(t, i.name) for t, i in found] == [(a, "web-1"), (c, "web-1")]
    assert [f.target for f in found.failures] == [bad]
    assert none == [] and none.failures == []


async def test_a_name_recreated_between_sweeps_is_a_removal_and_an_addition(
    emulator: Emulator,
) -> None:
    """The watch keys instances by ARN: an instance deleted and created again under its name
    (a new ARN) is "removed" (the old one) plus "added" (the new one), never "changed"."""
    account = ACCOUNTS[0][0]
    old = emulator.add_instance(account, "us-east-1", "web")
    target = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    timer = StepTimer()
    async with Fleet([target]) as fleet:
        fleet._timer = timer
        async with fleet.watch_instances(interval=60, max_sweeps=2) as watch:
            [added] = [await anext(watch)]
            await timer.asleep.wait()
            emulator.state(account).remove_instance("web")
            new = emulator.add_instance(account, "us-east-1", "web")
            timer.step()
            second = [change async for change in watch]
    assert (added.kind, added.instance.arn) == ("added", old.arn)
    assert old.arn != new.arn
    assert sorted((c.kind, c.instance.name, c.instance.arn) for c in second) == [
        ("added", "web", new.arn),
        ("removed", "web", old.arn),
    ]


@pytest.fixture
def outage(second: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """While ``on``, the second emulator throttles every GetInstances call."""
    state = {"on": False}
    decide = Faults.decide

    def throttled(self: Faults, operation: str) -> Any:
        if self is second.faults and state["on"] and operation == "GetInstances":
            return FaultKind.THROTTLE
        return decide(self, operation)

    monkeypatch.setattr(Faults, "decide", throttled)
    return state


@pytest.mark.parametrize("health", [True, False])
async def test_health_events_say_when_a_target_starts_and_stops_failing(
    emulator: Emulator, second: Emulator, outage: dict[str, bool], health: bool
) -> None:
    """With health=True, a target that fails in sweeps 2 and 3 yields one "failing" event (in
    sweep 2, with its failure) and one "recovered" in sweep 4, besides its instance changes;
    without it, only the instance changes."""
    a, b = ACCOUNTS[0][0], ACCOUNTS[1][0]
    emulator.add_instance(a, "us-east-1", "a-web")
    second.add_instance(b, "us-east-1", "b-web")
    target_a = Target("us-east-1", endpoint_url=emulator.endpoint_url, name="A", **keys(0))
    target_b = Target("us-east-1", endpoint_url=second.endpoint_url, name="B", **keys(1))
    timer = StepTimer()
    events: list[tuple[int, str, str, str]] = []
    async with Fleet([target_a, target_b], max_attempts=1) as fleet:
        fleet._timer = timer
        async with fleet.watch_instances(interval=60, max_sweeps=4, health=health) as watch:
            reader = asyncio.create_task(_collect(watch, events))
            for sweep in (2, 3, 4):
                await timer.asleep.wait()
                outage["on"] = sweep in (2, 3)
                if sweep == 4:
                    second.add_instance(b, "us-east-1", "b-new")
                timer.step()
            await reader
    changes = [e for e in events if e[1] != "health"]
    assert sorted(changes) == [
        (1, "change", "A", "a-web appeared"),
        (1, "change", "B", "b-web appeared"),
        (4, "change", "B", "b-new appeared"),
    ]
    health_events = [e for e in events if e[1] == "health"]
    if health:
        (failing, recovered) = health_events
        assert failing[0] == 2 and failing[3].startswith("B is failing: ThrottledError: ")
        assert recovered == (4, "health", "B", "B answers again")
    else:
        assert health_events == []


async def _collect(
    watch: InstanceWatch[InstanceChange | al.TargetHealthChange],
    events: list[tuple[int, str, str, str]],
) -> None:
    """Every event of the watch as (sweep, kind of event, target, its str up to a comma)."""
    async for event in watch:
        kind = "change" if isinstance(event, InstanceChange) else "health"
        text = str(event).split(",")[0].replace(f" ({event.target.label})", "")
        events.append((event.sweep, kind, event.target.label, text))


def _instance(name: str = "web-1", **fields: Any) -> al.Instance:
    return al.Instance(
        name=name, state=al.InstanceState(name=fields.pop("state", "running")), **fields
    )


@pytest.mark.parametrize(
    ("kind", "before", "after", "text"),
    [
        ("added", None, _instance(), "web-1 (A) appeared, running"),
        ("removed", _instance(state="stopped"), None, "web-1 (A) is gone (was stopped)"),
        (
            "changed",
            _instance(public_ip_address="3.250.1.7"),
            _instance(state="stopping"),
            "web-1 (A): public_ip_address 3.250.1.7 → none; state running → stopping",
        ),
        (
            "changed",
            _instance(bundle_id="nano_3_0", hardware=al.InstanceHardware(cpu_count=1)),
            _instance(bundle_id="small_3_0", hardware=al.InstanceHardware(cpu_count=2)),
            "web-1 (A): bundle_id nano_3_0 → small_3_0; hardware changed",
        ),
        (
            "added",
            None,
            _instance("x\ny" + "z" * 200),
            "x y" + "z" * 76 + "… (A) appeared, running",
        ),
    ],
)
def test_a_change_reads_as_one_line_to_post(
    kind: Any, before: al.Instance | None, after: al.Instance | None, text: str
) -> None:
    """str(InstanceChange) is one line: the instance, its target, what happened, and old → new
    values of short fields in the Instance's own order (nested ones named only)."""
    changed = frozenset(
        name
        for name in ("public_ip_address", "state", "bundle_id", "hardware")
        if before is not None
        and after is not None
        and getattr(before, name) != getattr(after, name)
    )
    target = Target("us-east-1", name="A")
    change = InstanceChange(target=target, kind=kind, before=before, after=after, changed=changed)
    assert str(change) == text
    assert "\n" not in str(change)
