"""Shared pieces of the reliability suite: an organisation on the emulator, leak probes.

The organisation is four accounts: two reached with static keys and two
through ``sts:AssumeRole`` (each assumed with another account's keys), so a
sweep exercises both credential paths. Every (account, region) appears in
exactly one target, so "exactly the seeded set" is a set of ARNs.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, TypedDict

import attrs
import pytest

from aiolightsail import Fleet, FleetFailure, Target
from aiolightsail.emulator import Account, Clock, Emulator, Faults

ORG = (
    Account(
        account_id="111111111111",
        access_key_id="AKIAACCOUNTAEXAMPLE1",
        secret_access_key="account-a-secret-key-0000000000000000000",
    ),
    Account(
        account_id="222222222222",
        access_key_id="AKIAACCOUNTBEXAMPLE2",
        secret_access_key="account-b-secret-key-0000000000000000000",
    ),
    Account(
        account_id="333333333333",
        access_key_id="AKIAACCOUNTCEXAMPLE3",
        secret_access_key="account-c-secret-key-0000000000000000000",
    ),
    Account(
        account_id="444444444444",
        access_key_id="AKIAACCOUNTDEXAMPLE4",
        secret_access_key="account-d-secret-key-0000000000000000000",
    ),
)
REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-northeast-1",
    "ap-southeast-2",
    "ca-central-1",
)
#: Items per page: small, so that most targets need several pages.
PAGE_SIZE = 4
#: The reliability suite's fault mix: 20% throttling, 5% server errors, 2% dropped connections.
THROTTLE_RATE, ERROR_RATE, DROP_RATE = 0.20, 0.05, 0.02


def issue_faults(faults: Faults | None = None, *, seed: int = 0) -> Faults:
    """``faults`` (or a new plan seeded with ``seed``) set to the reliability suite's fault mix."""
    plan = faults if faults is not None else Faults(seed=seed)
    plan.throttle_rate, plan.error_rate, plan.drop_rate = THROTTLE_RATE, ERROR_RATE, DROP_RATE
    return plan


class StaticKeys(TypedDict):
    """Keyword arguments for long-term keys (Target, LightsailClient)."""

    aws_access_key_id: str
    aws_secret_access_key: str


def static_keys(account: Account) -> StaticKeys:
    """Target/LightsailClient keyword arguments for an account's long-term keys."""
    return {
        "aws_access_key_id": account.access_key_id,
        "aws_secret_access_key": account.secret_access_key,
    }


def role_arn(account: Account, name: str = "inventory") -> str:
    """A role in ``account`` (the emulator lets any known account's role be assumed)."""
    return f"arn:aws:iam::{account.account_id}:role/{name}"


def org_targets(endpoint_url: str, regions: Sequence[str] = REGIONS) -> dict[Target, str]:
    """One target per (account, region): A and B by static keys, C and D by assumed roles.

    Returns:
        Each target with the account id it reaches.
    """
    a, b, c, d = ORG
    out: dict[Target, str] = {}
    for region in regions:
        out[Target(region, endpoint_url=endpoint_url, **static_keys(a))] = a.account_id
        out[Target(region, endpoint_url=endpoint_url, **static_keys(b))] = b.account_id
        out[Target(region, endpoint_url=endpoint_url, role_arn=role_arn(c), **static_keys(a))] = (
            c.account_id
        )
        out[Target(region, endpoint_url=endpoint_url, role_arn=role_arn(d), **static_keys(b))] = (
            d.account_id
        )
    return out


def seed_org(
    emulator: Emulator, targets: dict[Target, str], *, salt: int = 0
) -> dict[Target, set[str]]:
    """Seed 1 to 23 instances per target (several pages for most); return ARNs by target."""
    expected: dict[Target, set[str]] = {}
    for n, (target, account_id) in enumerate(targets.items()):
        count = 1 + (n * 7 + salt * 5) % 23
        records = emulator.seed_instances(account_id, target.region, count)
        expected[target] = {record.arn for record in records}
    return expected


def current_arns(emulator: Emulator, targets: dict[Target, str]) -> dict[Target, set[str]]:
    """The ARNs each target's (account, region) holds right now."""
    return {
        target: {r.arn for r in emulator.state(account, target.region).instances.values()}
        for target, account in targets.items()
    }


@pytest.fixture
async def org() -> AsyncIterator[Emulator]:
    """An emulator holding the four-account organisation, manual clock, 4-item pages, no faults."""
    async with Emulator(ORG, page_size=PAGE_SIZE, clock=Clock.manual(), faults=Faults()) as emu:
        yield emu


@attrs.define
class SweepResult:
    """What one pass over a fleet returned."""

    items: list[tuple[Target, str]]
    failures: list[FleetFailure]


async def sweep(fleet: Fleet, **kwargs: Any) -> SweepResult:
    """Run ``fleet.iter_instances(**kwargs)`` to the end: (target, ARN) pairs and failures."""
    items: list[tuple[Target, str]] = []
    async with fleet.iter_instances(**kwargs) as stream:
        async for target, instance in stream:
            assert instance.arn is not None
            items.append((target, instance.arn))
    return SweepResult(items, list(stream.failures))


def by_target(pairs: Iterable[tuple[Target, str]]) -> dict[Target, list[str]]:
    """Group (target, ARN) pairs by target, keeping repeats (to detect duplicates)."""
    out: dict[Target, list[str]] = {}
    for target, arn in pairs:
        out.setdefault(target, []).append(arn)
    return out


def resource_warnings() -> list[str]:
    """Collect garbage and return every ResourceWarning it raised (unclosed sessions, sockets)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def open_sockets() -> int:
    """How many socket file descriptors this process holds (client and in-process server)."""
    count = 0
    # Plain strings, not pathlib: pathlib interns every path part, and the interned-string
    # table's growth would show up in the soak test's memory figures.
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd).startswith("socket:"):
                count += 1
        except OSError:  # closed between listdir and readlink
            continue
    return count


def why_failed(failure: FleetFailure) -> str:
    """``quota``, ``max-attempts`` or ``transport``: what ended botocore's retries.

    botocore's standard retry mode records ``RetryQuotaReached`` or
    ``MaxAttemptsReached`` in the response metadata of the error it raises;
    connection errors carry no response, so they count as ``transport``.
    """
    response: Any = getattr(failure.error.__cause__, "response", None)
    meta = (response or {}).get("ResponseMetadata", {})
    if meta.get("RetryQuotaReached"):
        return "quota"
    if meta.get("MaxAttemptsReached"):
        return "max-attempts"
    return "transport"
