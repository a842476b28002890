"""Nothing lost, nothing duplicated: Fleet sweeps under injected faults, and exact resumption.

The emulator throttles 20% of requests, fails 5% with a 500 and drops 2% of
connections (the suite's fault mix). botocore retries at once (``no_backoff``), so
no test waits on the wall clock. A sweep may still leave a target failed when
one page draws a fault on all five attempts (0.27**5 per page) or when the
client's retry quota runs dry; such a target must be in ``failures`` with the
token of the page that failed, and resuming from it must yield exactly the
rest. Every test compares ARNs as multisets, so a repeat is caught as surely
as a loss.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

import aiolightsail as al
from aiolightsail import Fleet, FleetFailure, LightsailClient, Target
from aiolightsail.emulator import Clock, Emulator, FaultKind, Faults, ServiceError
from tests.reliability.conftest import (
    ORG,
    PAGE_SIZE,
    REGIONS,
    by_target,
    current_arns,
    issue_faults,
    org_targets,
    seed_org,
    static_keys,
    sweep,
    why_failed,
)

pytestmark = pytest.mark.usefixtures("no_backoff")

#: Errors a fault may legitimately leave behind once retries are spent.
TRANSIENT = (al.ThrottledError, al.ServiceError, al.TransportError)


async def sweep_to_completion(
    fleet: Fleet, max_passes: int = 10
) -> tuple[list[tuple[Target, str]], list[FleetFailure]]:
    """Sweep, then resume every failed target from its page token until none fails.

    Returns:
        Every (target, ARN) yielded over all passes, and the first pass's failures.
    """
    first = await sweep(fleet)
    items, pending = list(first.items), first.failures
    for failure in pending:
        assert isinstance(failure.error, TRANSIENT), failure
        assert failure.error.page_token == failure.page_token
    passes = 1
    while pending:
        assert passes < max_passes, f"still failing after {passes} passes: {pending}"
        tokens = {failure.target: failure.page_token for failure in pending}
        again = await sweep(fleet, targets=list(tokens), page_tokens=tokens)
        items += again.items
        pending = again.failures
        passes += 1
    return items, first.failures


def assert_exact(items: list[tuple[Target, str]], expected: dict[Target, set[str]]) -> None:
    """Every seeded ARN came exactly once, from its own target, and nothing else came."""
    got = by_target(items)
    repeats = {t.label: [a for a, n in Counter(arns).items() if n > 1] for t, arns in got.items()}
    assert {label: r for label, r in repeats.items() if r} == {}, "an item came twice"
    assert {t: set(arns) for t, arns in got.items() if arns} == {
        t: arns for t, arns in expected.items() if arns
    }


async def test_sweep_under_faults_is_exact(record_property: Callable[[str, object], None]) -> None:
    """36 targets (4 accounts × 9 regions, keys and roles), faults on: exactly the seeded set."""
    faults = issue_faults(seed=7)
    async with Emulator(ORG, page_size=PAGE_SIZE, clock=Clock.manual(), faults=faults) as emu:
        targets = org_targets(emu.endpoint_url)
        expected = seed_org(emu, targets)
        assert len(targets) >= 32
        async with Fleet(targets, concurrency=16) as fleet:
            items, failures = await sweep_to_completion(fleet)
        assert_exact(items, expected)
        assert sum(emu.stats.faults.values()) > 0, "faults were injected"
        record_property("targets", len(targets))
        record_property("items", sum(map(len, expected.values())))
        record_property("requests", emu.stats.total_requests)
        record_property("faults", dict(emu.stats.faults))
        record_property("first_pass_failures", [why_failed(f) for f in failures])


SEEDS = 16


@pytest.mark.slow
async def test_sweeps_over_many_seeds_are_exact(
    record_property: Callable[[str, object], None],
) -> None:
    """Sixteen fault seeds on one long-lived fleet, data changing between sweeps: always exact."""
    faults = issue_faults()
    async with Emulator(ORG, page_size=PAGE_SIZE, clock=Clock.manual(), faults=faults) as emu:
        targets = org_targets(emu.endpoint_url)
        seed_org(emu, targets)
        compared = 0
        first_pass: Counter[str] = Counter()
        runs_with_failures = 0
        async with Fleet(targets, concurrency=16) as fleet:
            for seed in range(SEEDS):
                faults.reseed(seed)
                # Shift page boundaries between sweeps: new instances in some targets,
                # deletions in others.
                for target, account in list(targets.items())[seed % 4 :: 4]:
                    emu.seed_instances(account, target.region, 1 + seed % 3)
                for target, account in list(targets.items())[(seed + 2) % 5 :: 5]:
                    state = emu.state(account, target.region)
                    for name in list(state.instances)[:2]:
                        state.remove_instance(name)
                expected = current_arns(emu, targets)
                items, failures = await sweep_to_completion(fleet)
                assert_exact(items, expected)
                compared += len(items)
                first_pass.update(why_failed(f) for f in failures)
                runs_with_failures += bool(failures)
        record_property("seeds", SEEDS)
        record_property("items_compared", compared)
        record_property("requests", emu.stats.total_requests)
        record_property("faults", dict(emu.stats.faults))
        record_property("first_pass_failures", dict(first_pass))
        record_property("runs_with_first_pass_failures", runs_with_failures)


class FailPage(Faults):
    """Fail every attempt at one page of GetInstances with one kind of fault.

    On the ``page``-th GetInstances call (0-based) it queues ``attempts``
    scripted faults with :meth:`Faults.fail_next`, so that call and its retries
    all fail, whatever the order of other calls.
    """

    page: int
    kind: FaultKind
    attempts: int
    calls: int

    def decide(self, operation: str) -> FaultKind | ServiceError | None:
        """Queue the scripted faults on the chosen call, then decide as usual."""
        if operation == "GetInstances":
            if self.calls == self.page:
                self.fail_next(operation, self.attempts, self.kind)
            self.calls += 1
        return super().decide(operation)


def fail_page(page: int, kind: FaultKind, attempts: int) -> FailPage:
    """A :class:`FailPage` plan."""
    plan = FailPage()
    plan.page, plan.kind, plan.attempts, plan.calls = page, kind, attempts, 0
    return plan


VICTIM_ITEMS = 3 * PAGE_SIZE + 2  # four pages


@pytest.mark.parametrize("page", [0, 2, 3], ids=["first-page", "middle-page", "last-page"])
@pytest.mark.parametrize("kind", list(FaultKind), ids=lambda k: k.value)
async def test_exhausted_retries_leave_a_resumable_failure(
    org: Emulator, page: int, kind: FaultKind
) -> None:
    """A target whose page fails on every attempt is a failure with that page's token; resuming
    from it yields exactly the rest while the other targets complete untouched."""
    others = org_targets(org.endpoint_url, REGIONS[:2])
    expected = seed_org(org, others)
    max_attempts = 3
    async with Emulator(
        ORG, page_size=PAGE_SIZE, clock=Clock.manual(), faults=fail_page(page, kind, max_attempts)
    ) as other:
        victim = Target("eu-west-1", endpoint_url=other.endpoint_url, **static_keys(ORG[0]))
        seeded = {r.arn for r in other.seed_instances(ORG[0].account_id, "eu-west-1", VICTIM_ITEMS)}
        async with Fleet([*others, victim], max_attempts=max_attempts) as fleet:
            first = await sweep(fleet)
            (failure,) = first.failures
            assert failure.target == victim
            assert isinstance(failure.error, TRANSIENT)
            assert (failure.page_token is None) == (page == 0)
            before = by_target(first.items).pop(victim, [])
            assert len(before) == page * PAGE_SIZE, "the pages before the failing one arrived"
            rest = await sweep(fleet, targets=[victim], page_tokens={victim: failure.page_token})
            assert rest.failures == []
        assert other.stats.requests["GetInstances"] == 4 + max_attempts
    assert_exact(first.items, {**expected, victim: set(before)})
    assert sorted([*before, *(arn for _, arn in rest.items)]) == sorted(seeded)


async def test_retry_quota_runs_dry_and_stops_retrying(
    org: Emulator, record_property: Callable[[str, object], None]
) -> None:
    """Finding: after sustained faults a client's retry quota (botocore standard mode, 500
    tokens) is empty, and then one throttle fails a call at once, with no retry."""
    org.seed_instances(ORG[0].account_id, "eu-west-1", 3)
    attempts = 5
    async with LightsailClient(
        "eu-west-1", endpoint_url=org.endpoint_url, max_attempts=attempts, **static_keys(ORG[0])
    ) as client:
        exhausted_calls = 0
        while True:
            org.faults.fail_next("GetInstances", attempts)
            org.stats.reset()
            with pytest.raises(al.ThrottledError) as caught:
                await client.get_instances()
            exhausted_calls += 1
            if org.stats.requests["GetInstances"] < attempts:
                break
            assert exhausted_calls < 100
        meta = caught.value.__cause__.response["ResponseMetadata"]  # type: ignore[union-attr]
        assert meta.get("RetryQuotaReached") is True
        # Now a single throttle is no longer retried...
        org.faults.clear()
        org.faults.fail_next("GetInstances", 1)
        org.stats.reset()
        with pytest.raises(al.ThrottledError):
            await client.get_instances()
        assert org.stats.requests["GetInstances"] == 1
        # ...and successes refill the bucket (one token each): it recovers without a restart.
        for _ in range(10):
            await client.get_instances()
        org.faults.fail_next("GetInstances", 1)
        assert len((await client.get_instances()).items) == 3
    record_property("calls_with_exhausted_retries_to_empty_quota", exhausted_calls)
