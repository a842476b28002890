"""The fan-out: many accounts × regions at once, every item once, every failure accounted for."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import aiolightsail as al
from aiolightsail import Fleet, LightsailClient, Target, ValidationError
from aiolightsail.emulator import Account, Clock, Emulator, Faults
from tests.conftest import ACCOUNTS, PAGE_SIZE, keys, stray_tasks

REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"]


def _write_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, creds: str
) -> None:
    config_file = tmp_path / "config"
    creds_file = tmp_path / "credentials"
    config_file.write_text(config)
    creds_file.write_text(creds)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds_file))


def _seed(emulator: Emulator) -> dict[tuple[str, str], set[str]]:
    """Seed a different number of instances in every (account, region); return ARNs by key."""
    expected: dict[tuple[str, str], set[str]] = {}
    for n, (account, _, _) in enumerate(ACCOUNTS):
        for m, region in enumerate(REGIONS):
            records = emulator.seed_instances(account, region, 3 + 4 * n + m)
            expected[(account, region)] = {record.arn for record in records}
    return expected


async def test_fleet_over_profiles_keys_and_roles(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three accounts (profile, keys, assumed role) × four regions: exactly the seeded set."""
    _, key_a, secret_a = ACCOUNTS[0]
    _write_profiles(
        tmp_path,
        monkeypatch,
        "[profile account-a]\nregion = us-east-1\n",
        f"[account-a]\naws_access_key_id = {key_a}\naws_secret_access_key = {secret_a}\n",
    )
    expected = _seed(emulator)
    url = emulator.endpoint_url
    targets = (
        [Target(r, profile="account-a", endpoint_url=url) for r in REGIONS]
        + [Target(r, endpoint_url=url, **keys(1)) for r in REGIONS]
        + [
            Target(
                r,
                role_arn=f"arn:aws:iam::{ACCOUNTS[2][0]}:role/inventory",
                endpoint_url=url,
                **keys(0),
            )
            for r in REGIONS
        ]
    )
    account_of = {t: ACCOUNTS[i // len(REGIONS)][0] for i, t in enumerate(targets)}
    async with Fleet(targets, concurrency=6) as fleet:
        stream = fleet.iter_instances()
        got = [(target, instance.arn) async for target, instance in stream]
        assert stream.failures == []
    arns = [arn for _, arn in got]
    assert len(arns) == len(set(arns)), "no item twice"
    by_key: dict[tuple[str, str], set[str]] = {}
    for target, arn in got:
        by_key.setdefault((account_of[target], target.region), set()).add(arn or "")
    assert by_key == expected
    assert emulator.stats.sts_requests == 1, "the role is assumed once for all its regions"


async def test_failing_targets_are_isolated(emulator: Emulator) -> None:
    """A target with bad keys and one with persistent 5xx are reported; the others complete."""
    expected = _seed(emulator)
    async with Emulator(
        [Account(account_id="444444444444", **_keys_of(0))], faults=Faults(error_rate=1.0)
    ) as broken:
        good = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
        bad_keys = Target(
            "eu-west-1",
            endpoint_url=emulator.endpoint_url,
            aws_access_key_id="AKIAUNKNOWNKEY000000",
            aws_secret_access_key="not-a-real-secret-000000000000000000000",
        )
        erroring = Target("eu-west-1", endpoint_url=broken.endpoint_url, **keys(0))
        async with Fleet([*good, bad_keys, erroring], max_attempts=2) as fleet:
            stream = fleet.iter_instances()
            got = {i.arn async for _, i in stream}
            failures = {f.target: f for f in stream.failures}
    assert got == set().union(*(expected[(ACCOUNTS[1][0], r)] for r in REGIONS))
    assert set(failures) == {bad_keys, erroring}
    assert isinstance(failures[bad_keys].error, al.UnauthenticatedError)
    assert isinstance(failures[erroring].error, al.ServiceError)
    assert failures[erroring].page_token is None, "it failed on its first page"


def _keys_of(account: int) -> dict[str, str]:
    _, key, secret = ACCOUNTS[account]
    return {"access_key_id": key, "secret_access_key": secret}


async def test_fail_fast_raises_and_cancels(emulator: Emulator) -> None:
    """With fail_fast the first failure is raised and nothing is left running."""
    _seed(emulator)
    bad = Target(
        "eu-west-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="AKIAUNKNOWNKEY000000",
        aws_secret_access_key="not-a-real-secret-000000000000000000000",
    )
    good = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with Fleet([bad, *good], fail_fast=True) as fleet:
        with pytest.raises(al.UnauthenticatedError):
            async for _ in fleet.iter_instances():
                pass
        assert stray_tasks() == set()


async def test_failed_target_resumes_exactly(emulator: Emulator) -> None:
    """A target failing mid-listing resumes from its failure's token: nothing lost or repeated."""
    expected = _seed(emulator)
    target = Target("us-west-2", endpoint_url=emulator.endpoint_url, **keys(2))
    async with Fleet([target], max_attempts=2) as fleet:
        stream = fleet.iter_instances()
        first = [await anext(stream) for _ in range(5)]
        emulator.faults.fail_next("GetInstances", 2)  # both attempts of the next page throttle
        rest_before = [i async for _, i in stream]
        (failure,) = stream.failures
        assert failure.page_token is not None
        again = fleet.iter_instances(page_tokens={target: failure.page_token})
        resumed = [i async for _, i in again]
        assert again.failures == []
    arns = [i.arn for _, i in first] + [i.arn for i in rest_before] + [i.arn for i in resumed]
    assert sorted(arns, key=str) == sorted(expected[(ACCOUNTS[2][0], "us-west-2")])


async def test_break_and_cancel_leave_nothing_behind(emulator: Emulator) -> None:
    """Breaking out of a stream or cancelling its consumer leaves no task and no open client."""
    _seed(emulator)
    targets = [
        Target(r, endpoint_url=emulator.endpoint_url, **keys(n)) for n in range(3) for r in REGIONS
    ]
    async with Fleet(targets, concurrency=4) as fleet:
        async with fleet.iter_instances() as stream:
            async for _ in stream:
                break
        assert stray_tasks() == set()

        consumed = asyncio.Event()

        async def consume() -> None:
            async for _ in fleet.iter_instances():
                consumed.set()

        task = asyncio.create_task(consume())
        await consumed.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Cancelling the consumer cancelled and awaited the producers underneath.
        assert stray_tasks() == set()
        # The same fleet still works afterwards.
        count = sum([1 async for _ in fleet.iter_instances()])
        assert count == sum(3 + 4 * n + m for n in range(3) for m in range(4))
    assert stray_tasks() == set()
    assert not fleet._scope._slots  # no client left open


async def test_expired_sts_credentials_are_refreshed_mid_scan() -> None:
    """Role credentials that the service expires mid-listing are refreshed; nothing is lost."""
    accounts = [Account(account_id=a, access_key_id=k, secret_access_key=s) for a, k, s in ACCOUNTS]
    async with Emulator(accounts, page_size=5, clock=Clock.manual(), session_ttl=3600) as emu:
        arns = {r.arn for r in emu.seed_instances(ACCOUNTS[1][0], "eu-west-1", 23)}
        target = Target(
            "eu-west-1",
            role_arn=f"arn:aws:iam::{ACCOUNTS[1][0]}:role/r",
            endpoint_url=emu.endpoint_url,
            **keys(0),
        )
        async with Fleet([target]) as fleet:
            got = []
            stream = fleet.iter_instances()
            async for _, instance in stream:
                got.append(instance.arn)
                if len(got) == 7:
                    emu.clock.advance(7200)  # the session the emulator issued has now expired
            assert stream.failures == []
        assert sorted(got, key=str) == sorted(arns)
        assert emu.stats.sts_requests == 2, "assumed once, refreshed once"


async def test_credential_process_runs_once_per_account(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent clients of one profile resolve its credential_process once, not once each."""
    _, key, secret = ACCOUNTS[0]
    runs = tmp_path / "runs"
    script = tmp_path / "creds.py"
    script.write_text(
        "import json, sys\n"
        f"open({str(runs)!r}, 'a').write('x')\n"
        "print(json.dumps({'Version': 1, "
        f"'AccessKeyId': {key!r}, 'SecretAccessKey': {secret!r}}}))\n"
    )
    _write_profiles(
        tmp_path,
        monkeypatch,
        f"[profile proc]\ncredential_process = {sys.executable} {script}\n",
        "",
    )
    targets = [Target(r, profile="proc", endpoint_url=emulator.endpoint_url) for r in REGIONS]
    async with Fleet(targets) as fleet:
        results = [n async for _, n in fleet.map(_count_instances)]
    assert results == [0, 0, 0, 0]
    assert runs.read_text() == "x"


async def _count_instances(client: LightsailClient) -> int:
    return len((await client.get_instances()).items)


async def test_map_streams_results_per_target(emulator: Emulator) -> None:
    """fleet.map runs a function on every target's client and tags each result."""
    expected = _seed(emulator)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(1)) for r in REGIONS]
    async with Fleet(targets) as fleet:
        counts = {t.region: n async for t, n in fleet.map(_count_all)}
    assert counts == {r: len(expected[(ACCOUNTS[1][0], r)]) for r in REGIONS}


async def _count_all(client: LightsailClient) -> int:
    return sum([1 async for _ in client.iter_instances()])


async def test_target_timeout_is_a_failure() -> None:
    """A target slower than target_timeout fails with TargetTimeoutError; the fleet goes on."""
    accounts = [Account(account_id=a, access_key_id=k, secret_access_key=s) for a, k, s in ACCOUNTS]
    async with Emulator(accounts, faults=Faults(latency=2.0)) as slow, Emulator(accounts) as fast:
        fast.seed_instances(ACCOUNTS[0][0], "eu-west-1", 3)
        targets = [
            Target("eu-west-1", endpoint_url=slow.endpoint_url, **keys(0)),
            Target("eu-west-1", endpoint_url=fast.endpoint_url, **keys(0)),
        ]
        async with Fleet(targets, target_timeout=1.0) as fleet:
            for target in targets:  # create the clients outside the measured streams
                await fleet.client(target)
            stream = fleet.iter_instances()
            got = [t async for t, _ in stream]
        (failure,) = stream.failures
    assert failure.target == targets[0]
    assert isinstance(failure.error, al.TargetTimeoutError)
    assert isinstance(failure.error, TimeoutError)
    assert Counter(got) == {targets[1]: 3}


def test_across_builds_the_cross_product() -> None:
    """Fleet.across crosses regions with profiles and roles; "all" is the region catalogue."""
    fleet = Fleet.across(
        ["eu-west-1", "us-east-1"],
        profiles=["a", "b"],
        role_arns=["arn:aws:iam::123456789012:role/x"],
    )
    assert len(fleet.targets) == 6
    assert {t.account for t in fleet.targets} == {"a", "b", "123456789012"}
    assert len(Fleet.across("all").targets) == len(al.LIGHTSAIL_REGIONS)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"role_arn": "arn:aws:iam::12:role/x"}, "role_arn"),
        ({"aws_access_key_id": "AKIA0000000000000000"}, "aws_secret_access_key"),
        ({"profile": "p", "aws_access_key_id": "A", "aws_secret_access_key": "B"}, "profile"),
    ],
)
def test_target_arguments_checked(kwargs: dict[str, Any], parameter: str) -> None:
    """Malformed targets are refused at construction, naming the parameter."""
    with pytest.raises(al.ValidationError) as caught:
        Target("eu-west-1", **kwargs)
    assert caught.value.parameter == parameter


def test_target_repr_hides_secrets() -> None:
    """A Target's repr never shows its secret key or session token."""
    target = Target(
        "eu-west-1",
        aws_access_key_id="AKIA0000000000000000",
        aws_secret_access_key="very-secret-value-123",
        aws_session_token="token-value-456",
    )
    assert "very-secret-value-123" not in repr(target)
    assert "token-value-456" not in repr(target)


async def test_fleet_lifecycle_errors() -> None:
    """Using a fleet unopened or after close raises RuntimeError saying what to do."""
    fleet = Fleet([Target("eu-west-1")])
    with pytest.raises(RuntimeError, match="async with"):
        fleet.iter_instances()
    async with fleet:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        fleet.iter_instances()
    await fleet.aclose()


async def test_unknown_profile_is_a_failure_not_a_hang(emulator: Emulator) -> None:
    """A target whose profile does not exist fails with ValidationError; the stream ends."""
    good = Target("eu-west-1", endpoint_url=emulator.endpoint_url, **keys(0))
    missing = Target("eu-west-1", profile="no-such-profile", endpoint_url=emulator.endpoint_url)
    async with Fleet([good, missing]) as fleet:
        stream = fleet.iter_instances()
        assert [t async for t, _ in stream] == []
        (failure,) = stream.failures
    assert failure.target == missing
    assert isinstance(failure.error, al.ValidationError)
    assert failure.error.parameter == "profile"
    assert (stream.targets_done, stream.targets_total) == (2, 2)


async def test_map_hands_back_the_callers_own_bug(emulator: Emulator) -> None:
    """An exception from the function given to map (not a LightsailError) is raised, not hidden."""

    async def broken(client: LightsailClient) -> int:
        raise KeyError("oops")

    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(0)) for r in REGIONS]
    async with Fleet(targets) as fleet:
        with pytest.raises(KeyError, match="oops"):
            async for _ in fleet.map(broken):
                pass
        assert stray_tasks() == set()


async def test_fleet_does_not_hold_a_consumed_page_while_fetching_the_next(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the consumer is done with a page, nothing in the fleet keeps it alive while
    its target fetches the next one (held pages were a third of a big sweep's heap)."""
    emulator.seed_instances(ACCOUNTS[0][0], "us-east-1", PAGE_SIZE * 2)
    # Models are invisible to the garbage collector and take no weak references: the
    # test keeps the first page's instances and counts who else refers to them.
    first: list[al.Instance] = []
    consumed = asyncio.Event()
    alive: list[bool] = []
    original = LightsailClient._page

    async def page(self: LightsailClient, op: Any, params: Any, page_token: str | None) -> Any:
        if page_token is not None:  # the second page: wait until the first is consumed
            await consumed.wait()
            gc.collect()
            # first's slot, the loop variable and getrefcount's argument: three.
            alive.append(any(sys.getrefcount(held) > 3 for held in first))
        return await original(self, op, params, page_token)

    monkeypatch.setattr(LightsailClient, "_page", page)
    target = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    seen = 0
    async with Fleet([target]) as fleet:
        async for _target, instance in fleet.iter_instances():
            seen += 1
            if seen <= PAGE_SIZE:
                first.append(instance)
            if seen == PAGE_SIZE:
                consumed.set()
            del instance
    assert seen == PAGE_SIZE * 2
    assert alive == [False]


def test_across_without_regions_takes_each_accounts_configured_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """regions=None gives each profile its own configured region, and names a profile with none."""
    config = tmp_path / "config"
    config.write_text(
        "[profile prod]\nregion = eu-west-1\n[profile dev]\nregion = us-west-2\n[profile bare]\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    fleet = Fleet.across(None, profiles=["prod", "dev", "prod"])
    assert [(t.profile, t.region) for t in fleet.targets] == [
        ("prod", "eu-west-1"),
        ("dev", "us-west-2"),
    ]
    with pytest.raises(ValidationError, match="profile 'bare' has no region configured"):
        Fleet.across(None, profiles=["bare"])


async def test_each_target_opens_its_client_in_its_own_turn(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one request at a time, a target's client is opened in the turn that fetches its
    first page: the first target's items come before the next target is set up."""
    order: list[str] = []
    enter = LightsailClient.__aenter__

    async def opening(self: LightsailClient) -> LightsailClient:
        order.append(f"open {self._region}")
        return await enter(self)

    monkeypatch.setattr(LightsailClient, "__aenter__", opening)
    regions = ["us-east-1", "eu-west-1", "us-west-2"]
    for region in regions:
        emulator.seed_instances(ACCOUNTS[0][0], region, 1)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(0)) for r in regions]
    async with Fleet(targets, concurrency=1) as fleet, fleet.iter_instances() as stream:
        async for target, _ in stream:
            order.append(f"item {target.region}")
    assert order == [f"{step} {region}" for region in regions for step in ("open", "item")]


async def test_a_finished_target_holds_no_client_but_one_asked_for_is_kept(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep closes each target's client when the target is done, while the fleet stays open
    (the next sweep opens it again); a client asked for with fleet.client() stays open and
    serves its target's sweeps until the fleet closes."""
    opened: list[LightsailClient] = []
    enter = LightsailClient.__aenter__

    async def opening(self: LightsailClient) -> LightsailClient:
        opened.append(self)
        return await enter(self)

    monkeypatch.setattr(LightsailClient, "__aenter__", opening)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **keys(0)) for r in REGIONS]
    for target in targets:
        emulator.seed_instances(ACCOUNTS[0][0], target.region, 2)
    async with Fleet(targets, concurrency=2) as fleet:
        for _ in range(2):
            assert len([i async for i in fleet.iter_instances()]) == 8
        assert len(opened) == 8 and all(client.closed for client in opened)
        kept = await fleet.client(targets[0])
        opened.clear()
        assert len([i async for i in fleet.iter_instances()]) == 8
        assert kept not in opened and not kept.closed
        assert len(opened) == 3 and all(client.closed for client in opened)
    assert kept.closed
