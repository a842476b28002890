"""``aiolightsail demo``: an emulated organisation inventoried at once, and how long it took.

The demo starts the built-in emulator in this process, seeds it with several
accounts × several regions and a few hundred instances, gives every request a
realistic latency, and then runs the inventory exactly as a user would: one
:class:`~aiolightsail.Target` per account × region (the first account with
static keys, the others through ``role_arn``, as an AWS Organizations sweep
assumes ``OrganizationAccountAccessRole``), all through the public
:class:`~aiolightsail.Fleet` API.

The one-after-another time is an estimate: the concurrent run's request count
× the mean time of a request, measured by sending a sample of the same
requests one at a time beforehand. It leaves out client creation and role
assumption, which the concurrent wall time includes, so it errs in the
sequential version's favour.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator, Mapping

import attrs
import click
from rich import box
from rich.console import Console
from rich.table import Table

from aiolightsail import (
    LIGHTSAIL_REGIONS,
    OPT_IN_REGIONS,
    Fleet,
    FleetFailure,
    LightsailClient,
    LightsailError,
    Target,
)
from aiolightsail._repr import SafeRepr
from aiolightsail.cli._output import describe_failure
from aiolightsail.emulator import Account, Emulator, Faults

__all__ = ["DEMO_REGIONS", "DemoPlan", "DemoResult", "demo_command", "plan_demo", "run_demo"]

#: Regions in the order the demo uses them: the busiest first, opt-in regions last.
DEMO_REGIONS: tuple[str, ...] = (
    "us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1", "ap-northeast-1",
    "us-east-2", "eu-west-2", "ap-south-1", "ca-central-1", "ap-southeast-1", "eu-west-3",
    "eu-north-1", "ap-northeast-2", "sa-east-1",
    *sorted(OPT_IN_REGIONS),
)  # fmt: skip
assert sorted(DEMO_REGIONS) == list(LIGHTSAIL_REGIONS)  # noqa: S101 - a catalogue change must update this

_ACCOUNT_NAMES = (
    "management", "production", "staging", "development", "data", "security", "sandbox",
    "shared-services", "log-archive", "audit",
)  # fmt: skip
#: The role AWS Organizations creates in every member account.
_ROLE = "OrganizationAccountAccessRole"
#: Snapshots per instance, on average (daily automatic snapshots are common).
_SNAPSHOTS_PER_INSTANCE = 0.4
#: Requests timed one at a time to measure the mean request time.
_SAMPLE_REQUESTS = 12


@attrs.frozen(kw_only=True)
class DemoAccount(SafeRepr):
    """One emulated account: its label, id and (fake, never shown) keys."""

    name: str
    account_id: str
    access_key_id: str = attrs.field(repr=False)
    secret_access_key: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class DemoPlan(SafeRepr):
    """What the demo seeds: accounts, regions, and instances per (account, region)."""

    accounts: tuple[DemoAccount, ...]
    regions: tuple[str, ...]
    instances: dict[tuple[str, str], int]

    @property
    def total_instances(self) -> int:
        """Instances in the whole organisation."""
        return sum(self.instances.values())


def _split(total: int, cells: int, rng: random.Random) -> list[int]:
    """``total`` spread unevenly but exactly over ``cells`` (largest remainders)."""
    weights = [rng.uniform(0.2, 1.8) for _ in range(cells)]
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(cells), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_demo(*, accounts: int, regions: int, instances: int, seed: int) -> DemoPlan:
    """Decide the demo organisation, deterministically for a seed (the keys excepted).

    Args:
        accounts: how many accounts.
        regions: how many regions (the first of :data:`DEMO_REGIONS`).
        instances: instances in total, spread unevenly over accounts × regions.
        seed: seeds account ids and the spread.

    Returns:
        The plan.
    """
    rng = random.Random(seed)  # noqa: S311 - shapes fake data, nothing secret
    ids: list[str] = []
    while len(ids) < accounts:
        candidate = f"{rng.randrange(10**11, 10**12)}"
        if candidate not in ids:
            ids.append(candidate)
    members = tuple(
        DemoAccount(
            name=_ACCOUNT_NAMES[i] if i < len(_ACCOUNT_NAMES) else f"account-{i + 1}",
            account_id=account_id,
            # Made up per run; the emulator only needs them to match.
            access_key_id="AKIA" + secrets.token_hex(8).upper(),
            secret_access_key=secrets.token_urlsafe(30),
        )
        for i, account_id in enumerate(ids)
    )
    chosen = DEMO_REGIONS[:regions]
    cells = [(account.account_id, region) for account in members for region in chosen]
    counts = _split(instances, len(cells), rng)
    instances_by_cell = dict(zip(cells, counts, strict=True))
    return DemoPlan(accounts=members, regions=chosen, instances=instances_by_cell)


@attrs.frozen(kw_only=True)
class Seeded(SafeRepr):
    """What the emulator was seeded with, to check the inventory against."""

    counts: dict[tuple[str, str], Counter[str]]
    instance_arns: frozenset[str]
    snapshot_arns: frozenset[str]


def seed(emulator: Emulator, plan: DemoPlan) -> Seeded:
    """Seed the emulator with the plan.

    Args:
        emulator: a running emulator that knows the plan's accounts.
        plan: the plan.

    Returns:
        The counts per (account id, region) and the ARNs seeded.
    """
    counts: dict[tuple[str, str], Counter[str]] = {}
    instances: set[str] = set()
    snapshots: set[str] = set()
    now = emulator.clock.now()
    for (account_id, region), count in plan.instances.items():
        cell = counts[(account_id, region)] = Counter()
        if count == 0:
            # seed_snapshots would make instances to snapshot; an empty region stays empty.
            continue
        records = emulator.seed_instances(account_id, region, count)
        taken = emulator.seed_snapshots(account_id, region, round(count * _SNAPSHOTS_PER_INSTANCE))
        instances.update(record.arn for record in records)
        snapshots.update(record.arn for record in taken)
        cell["instances"] = len(records)
        cell["running"] = sum(record.state_name(now) == "running" for record in records)
        cell["snapshots"] = len(taken)
    return Seeded(
        counts=counts, instance_arns=frozenset(instances), snapshot_arns=frozenset(snapshots)
    )


def targets_for(plan: DemoPlan, endpoint_url: str) -> dict[Target, str]:
    """The inventory's targets, as an organisation-wide sweep builds them.

    The first (management) account signs with its own keys; every other
    account is reached by assuming its ``OrganizationAccountAccessRole`` with
    those keys.

    Args:
        plan: the plan.
        endpoint_url: the emulator.

    Returns:
        One target per account × region, named ``<account name>/<region>``,
        each mapped to its account id.
    """
    management = plan.accounts[0]
    targets: dict[Target, str] = {}
    for i, account in enumerate(plan.accounts):
        role = None if i == 0 else f"arn:aws:iam::{account.account_id}:role/{_ROLE}"
        for region in plan.regions:
            target = Target(
                region, role_arn=role, endpoint_url=endpoint_url, name=f"{account.name}/{region}",
                aws_access_key_id=management.access_key_id,
                aws_secret_access_key=management.secret_access_key,
            )  # fmt: skip
            targets[target] = account.account_id
    return targets


@attrs.define(kw_only=True)
class DemoResult(SafeRepr):
    """What the inventory found, and what it cost."""

    #: (account id, region) → instances, running instances, snapshots.
    counts: dict[tuple[str, str], Counter[str]] = attrs.field(factory=dict)
    instance_arns: list[str] = attrs.field(factory=list)
    snapshot_arns: list[str] = attrs.field(factory=list)
    failures: list[FleetFailure] = attrs.field(factory=list)
    targets: int = 0
    concurrency: int = 0
    wall_seconds: float = 0.0
    #: The same sweep again on the same Fleet: clients and roles reused.
    second_sweep_seconds: float = 0.0
    requests: int = 0
    sample_requests: int = 0
    sample_seconds: float = 0.0

    @property
    def mean_request_seconds(self) -> float:
        """The mean time of one request sent alone."""
        return self.sample_seconds / self.sample_requests if self.sample_requests else 0.0

    @property
    def sequential_seconds(self) -> float:
        """The estimated time of the same requests sent one after another."""
        return self.requests * self.mean_request_seconds


def _requests(emulator: Emulator) -> int:
    return emulator.stats.total_requests + emulator.stats.sts_requests


async def _measure_one_at_a_time(emulator: Emulator, plan: DemoPlan, result: DemoResult) -> None:
    """Send a sample of the inventory's requests one after another and time them."""
    management = plan.accounts[0]
    for region in plan.regions:
        if result.sample_requests >= _SAMPLE_REQUESTS:
            break
        async with LightsailClient(
            region,
            aws_access_key_id=management.access_key_id,
            aws_secret_access_key=management.secret_access_key,
            endpoint_url=emulator.endpoint_url,
        ) as client:
            # The first request of a client also loads the service model and
            # warms its connection pool; keep that out of the mean.
            await client.get_blueprints()
            before = _requests(emulator)
            started = time.perf_counter()
            async for _ in client.iter_instances():
                pass
            async for _ in client.iter_instance_snapshots():
                pass
            result.sample_seconds += time.perf_counter() - started
            result.sample_requests += _requests(emulator) - before


async def _inventory(fleet: Fleet, account_of: Mapping[Target, str], result: DemoResult) -> None:
    """The inventory itself: instances and snapshots of every target, both streams at once."""

    async def instances() -> None:
        async with fleet.iter_instances() as stream:
            async for target, instance in stream:
                cell = result.counts.setdefault((account_of[target], target.region), Counter())
                cell["instances"] += 1
                if instance.state is not None and instance.state.name == "running":
                    cell["running"] += 1
                result.instance_arns.append(instance.arn or "")
            result.failures += stream.failures

    async def snapshots() -> None:
        async with fleet.iter_instance_snapshots() as stream:
            async for target, snapshot in stream:
                cell = result.counts.setdefault((account_of[target], target.region), Counter())
                cell["snapshots"] += 1
                result.snapshot_arns.append(snapshot.arn or "")
            result.failures += stream.failures

    async with asyncio.TaskGroup() as group:
        group.create_task(instances())
        group.create_task(snapshots())


async def run_demo(
    plan: DemoPlan,
    *,
    latency: float,
    concurrency: int,
    seed_value: int,
    console: Console,
) -> tuple[DemoResult, Seeded]:
    """Start the emulator, seed it, measure one request at a time, then run the inventory.

    Args:
        plan: the organisation.
        latency: mean seconds added to every Lightsail response (±20% jitter).
        concurrency: the fleet's requests in flight.
        seed_value: seeds the emulator's fake data and jitter.
        console: where to show a spinner, if it is a terminal.

    Returns:
        The result, and the ARNs the emulator was seeded with.
    """
    accounts = [
        Account(
            account_id=a.account_id,
            access_key_id=a.access_key_id,
            secret_access_key=a.secret_access_key,
            name=a.name,
        )
        for a in plan.accounts
    ]
    # 50 ms ± 20%: uniform in [0.8, 1.2] × the mean, so the mean is what was asked for.
    faults = Faults(latency=latency * 0.8, jitter=latency * 0.4, seed=seed_value)
    async with Emulator(accounts, faults=faults, seed=seed_value) as emulator:
        seeded = seed(emulator, plan)
        result = DemoResult()
        with console.status("Timing a few requests one at a time…"):
            await _measure_one_at_a_time(emulator, plan, result)
        targets = targets_for(plan, emulator.endpoint_url)
        result.targets = len(targets)
        result.concurrency = concurrency
        before = _requests(emulator)
        with console.status(f"Querying {len(targets)} targets at once…"):
            started = time.perf_counter()
            async with Fleet(targets, concurrency=concurrency) as fleet:
                await _inventory(fleet, targets, result)
                result.wall_seconds = time.perf_counter() - started
                result.requests = _requests(emulator) - before
                # A service that polls keeps its Fleet: the next sweep reuses
                # every client and assumed role.
                started = time.perf_counter()
                await _inventory(fleet, targets, DemoResult())
                result.second_sweep_seconds = time.perf_counter() - started
    return result, seeded


# -- presentation ---------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def summary_table(plan: DemoPlan, result: DemoResult) -> Table:
    """The per account × region summary, with a totals row.

    Args:
        plan: the plan (for account names and the order of rows).
        result: what the inventory found.

    Returns:
        A rich table.
    """
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    totals: Counter[str] = Counter()
    for cell in result.counts.values():
        totals.update(cell)
    table.add_column("account", footer="total")
    table.add_column("region", footer=f"{result.targets} targets")
    for column in ("instances", "running", "snapshots"):
        table.add_column(column, justify="right", footer=str(totals[column]))
    for account in plan.accounts:
        for region in plan.regions:
            cell = result.counts.get((account.account_id, region), Counter())
            table.add_row(
                f"{account.name} ({account.account_id})",
                region,
                str(cell["instances"]),
                str(cell["running"]),
                str(cell["snapshots"]),
            )
    return table


def _nonzero(counts: Mapping[tuple[str, str], Counter[str]]) -> dict[tuple[str, str], Counter[str]]:
    return {cell: +counter for cell, counter in counts.items() if +counter}


def report(console: Console, plan: DemoPlan, result: DemoResult, seeded: Seeded) -> bool:
    """Print the summary, the check against what was seeded, and the timings.

    Args:
        console: where to print.
        plan: the plan.
        result: the inventory's result.
        seeded: what the emulator was seeded with.

    Returns:
        Whether the inventory found exactly what was seeded, with no failure.
    """
    console.print(summary_table(plan, result))
    for failure in result.failures:
        console.print("error: " + describe_failure(failure), markup=False, soft_wrap=True)
    complete = (
        not result.failures
        and sorted(result.instance_arns) == sorted(seeded.instance_arns)
        and sorted(result.snapshot_arns) == sorted(seeded.snapshot_arns)
        and _nonzero(result.counts) == _nonzero(seeded.counts)
    )
    if complete:
        console.print(
            f"All {len(seeded.instance_arns)} seeded instances and {len(seeded.snapshot_arns)} "
            "snapshots found, each once, in the right place."
        )
    else:
        console.print("[bold red]The inventory does not match what was seeded.[/]")
    sequential = result.sequential_seconds
    console.print()
    timings = Table(box=None, show_header=False, pad_edge=False)
    timings.add_column(style="bold")
    timings.add_column(justify="right")
    timings.add_column(justify="right")
    timings.add_column()
    timings.add_row(
        "One after another",
        f"≈ {_seconds(sequential)}",
        "",
        f"{result.requests} requests × {_seconds(result.mean_request_seconds)} (†)",
    )
    for label, seconds, note in (
        ("All at once", result.wall_seconds, "incl. creating clients, assuming roles"),
        ("Again, same Fleet", result.second_sweep_seconds, "clients and roles reused"),
    ):
        speedup = f"{sequential / seconds:.0f}× faster" if seconds else ""
        timings.add_row(label, _seconds(seconds), speedup, note)
    console.print(timings)
    console.print(
        f"(†) the mean of {result.sample_requests} requests sent one at a time "
        f"beforehand; concurrency {result.concurrency}.",
        highlight=False,
    )
    return complete


@contextlib.contextmanager
def hermetic_environment() -> Iterator[None]:
    """Run the block blind to the user's AWS setup, and with loopback exempt from proxies.

    The demo talks only to its own emulator, so nothing of the user's may
    leak in: an ``AWS_PROFILE`` naming a missing profile, a broken config
    file, ``AWS_ENDPOINT_URL``, or an ``HTTP_PROXY`` that would carry
    requests for 127.0.0.1 to a proxy. The environment is restored after.
    """
    saved = dict(os.environ)
    try:
        for name in [name for name in os.environ if name.startswith("AWS_")]:
            del os.environ[name]
        os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        for name in ("NO_PROXY", "no_proxy"):
            exempt = [host for host in os.environ.get(name, "").split(",") if host]
            os.environ[name] = ",".join([*exempt, "127.0.0.1"])
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


_HINT = """\
Against your own accounts (read-only calls):
  aiolightsail instances --all-regions --profile prod --profile staging
Or keep an emulator running and point the command at it:
  aiolightsail emulator --demo --show-secrets   # prints the (fake) keys to export, then
  aiolightsail instances --all-regions --endpoint-url http://127.0.0.1:4570"""


@click.command("demo")
@click.option(
    "--accounts", type=click.IntRange(1, 100), default=4, show_default=True,
    help="Accounts in the emulated organisation.",
)  # fmt: skip
@click.option(
    "--regions", type=click.IntRange(1, len(DEMO_REGIONS)), default=6, show_default=True,
    help="Regions per account.",
)  # fmt: skip
@click.option(
    "--instances", type=click.IntRange(0, 100_000), default=300, show_default=True,
    help="Instances in total, spread unevenly over the accounts × regions.",
)  # fmt: skip
@click.option(
    "--latency-ms", type=click.FloatRange(min=0), default=50.0, show_default=True,
    help="Mean latency of each emulated request (±20% jitter).",
)  # fmt: skip
@click.option(
    "-c", "--concurrency", type=click.IntRange(1, 100_000), default=32, show_default=True,
    metavar="N", help="Requests in flight at once.",
)  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fake data.")
def demo_command(
    accounts: int, regions: int, instances: int, latency_ms: float, concurrency: int, seed: int
) -> None:
    """Inventory an emulated organisation at once; no AWS account or network needed.

    Starts the built-in Lightsail emulator in this process, seeds several
    accounts × regions, and lists every instance and snapshot through the
    public Fleet API, then shows what one-after-another would have cost.
    """
    ctx = click.get_current_context()
    console = Console(highlight=False)
    plan = plan_demo(accounts=accounts, regions=regions, instances=instances, seed=seed)
    console.print(
        f"[bold]aiolightsail demo[/]: {accounts} accounts × {regions} regions, "
        f"{plan.total_instances} instances, ~{latency_ms:g} ms per request.\n"
        "Served by the built-in Lightsail emulator: no AWS account, no network."
    )
    try:
        with hermetic_environment():
            result, seeded = asyncio.run(
                run_demo(
                    plan,
                    latency=latency_ms / 1000,
                    concurrency=concurrency,
                    seed_value=seed,
                    console=Console(stderr=True),
                )
            )
    except KeyboardInterrupt:
        console.print("Interrupted.")
        ctx.exit(130)
    except LightsailError as exc:
        # Only the sequential sample can raise (the fleet reports per target):
        # something between this process and its own emulator is wrong.
        raise click.ClickException(
            f"the demo could not query its own emulator: {type(exc).__name__}: {exc}"
        ) from exc
    ok = report(console, plan, result, seeded)
    console.print()
    console.print(_HINT, markup=False)
    if not ok:
        ctx.exit(1)
