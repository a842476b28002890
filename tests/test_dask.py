"""Sharded sweeps on a 2-worker Dask LocalCluster: what one Fleet finds, every target once.

One cluster serves the module (starting worker processes is the costly part).
Its workers get an AWS config of their own, with a profile per emulator
account, so a profile target is resolved on the worker, as in production.
The tests that kill a worker come last: the nanny restarts it, and each of
them first waits for both workers.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import dask
import psutil
import pyarrow as pa
import pytest
from aiohttp import web
from distributed import Client, LocalCluster

import aiolightsail as al
from aiolightsail import Fleet, FleetFailure, Target, ValidationError
from aiolightsail.dask import ShardError, SweepResult, shard, sweep, sweep_async
from aiolightsail.emulator import Emulator
from tests.conftest import ACCOUNTS, PAGE_SIZE

REGIONS = ["eu-west-1", "us-east-1"]


def _profiles() -> str:
    return "".join(
        f"[profile account-{n}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        for n, (_, key, secret) in enumerate(ACCOUNTS)
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Two worker processes on 127.0.0.1, one thread each; a shard whose worker dies fails."""
    home = tmp_path_factory.mktemp("worker-aws")
    (home / "config").write_text(_profiles())
    (home / "credentials").write_text("")
    env = {
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name)
        # A killed worker's shard is not re-run unless a test asks for it.
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            local = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                # The scheduler serves HTTP even without a dashboard (8787 by default).
                dashboard_address="127.0.0.1:0",
                env=env,
            )
    with local:
        yield local


@pytest.fixture(scope="module")
def dask_client(cluster: LocalCluster) -> Iterator[Client]:
    """A synchronous client of the module's cluster."""
    with Client(cluster) as client:
        yield client


@pytest.fixture
def worker_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers' profiles in this process too, for the single-Fleet baseline."""
    config = tmp_path / "config"
    config.write_text(_profiles())
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def _keys(account: int) -> dict[str, Any]:
    _, key, secret = ACCOUNTS[account]
    return {"aws_access_key_id": key, "aws_secret_access_key": secret, "pickle_secrets": True}


def _targets(emulator: Emulator) -> list[Target]:
    """Profiles, static keys, roles, and two bad targets (a role nobody may assume, a bad key)."""
    url = emulator.endpoint_url
    role = f"arn:aws:iam::{ACCOUNTS[2][0]}:role/inventory"
    return [
        *(Target(region, profile="account-0", endpoint_url=url) for region in REGIONS),
        *(Target(region, endpoint_url=url, **_keys(1)) for region in REGIONS),
        *(Target(region, role_arn=role, endpoint_url=url, **_keys(0)) for region in REGIONS),
        Target(
            "eu-west-1",
            role_arn="arn:aws:iam::999999999999:role/inventory",
            endpoint_url=url,
            **_keys(0),
        ),
        Target(
            "eu-west-1",
            endpoint_url=url,
            aws_access_key_id="AKIAUNKNOWNEXAMPLE99",
            aws_secret_access_key="not-a-secret-anyone-knows",
            pickle_secrets=True,
        ),
    ]


def _seed(emulator: Emulator) -> None:
    for n, (account, _, _) in enumerate(ACCOUNTS):
        for m, region in enumerate(REGIONS):
            count = 2 * PAGE_SIZE + 3 * n + m  # several pages, a different count everywhere
            emulator.seed_instances(account, region, count)
            emulator.seed_snapshots(account, region, 2 + n)


async def _one_fleet(targets: list[Target], listing: str) -> tuple[list[Any], list[FleetFailure]]:
    """What one Fleet returns, in target order (a target's items in page order)."""
    order = {target: index for index, target in enumerate(targets)}
    async with Fleet(targets) as fleet, getattr(fleet, f"iter_{listing}")() as stream:
        items = [pair async for pair in stream]
    items.sort(key=lambda pair: order[pair[0]])
    failures = sorted(stream.failures, key=lambda failure: order[failure.target])
    return items, failures


def _failure_view(failures: list[FleetFailure]) -> list[tuple[Any, ...]]:
    return [
        (f.target, type(f.error), getattr(f.error, "code", None), f.page_token) for f in failures
    ]


@pytest.mark.usefixtures("worker_profiles")
@pytest.mark.parametrize("listing", ["instances", "instance_snapshots", "blueprints"])
async def test_sweep_returns_what_one_fleet_returns(
    emulator: Emulator, dask_client: Client, listing: str
) -> None:
    """Same items in target order, same failures of the same classes; bad targets: APIErrors."""
    _seed(emulator)
    targets = _targets(emulator)
    result = await asyncio.to_thread(
        sweep,
        targets,
        listing,  # type: ignore[arg-type]  # one of the three, parametrized
        client=dask_client,
        shards=8,
        concurrency=4,
    )
    items, failures = await _one_fleet(targets, listing)
    assert result.items == items
    assert len(items) > len(targets)
    assert _failure_view(result.failures) == _failure_view(failures)
    assert [type(f.error) for f in result.failures] == [
        al.AccessDeniedError,
        al.UnauthenticatedError,
    ]
    assert all(isinstance(f.error, al.APIError) for f in result.failures)
    # profile-0, keys-1, the role (keys-0), the bad role (keys-0), the bad key: 5 sources.
    assert result.shards == 5


@pytest.mark.usefixtures("worker_profiles")
async def test_sweep_async_with_an_asynchronous_client(
    emulator: Emulator, cluster: LocalCluster
) -> None:
    """sweep_async gathers on the caller's event loop and returns what one Fleet returns."""
    _seed(emulator)
    targets = _targets(emulator)
    async with Client(cluster.scheduler_address, asynchronous=True) as client:
        result = await sweep_async(targets, "instances", client=client, shards=2)
    items, failures = await _one_fleet(targets, "instances")
    assert result.items == items
    assert _failure_view(result.failures) == _failure_view(failures)
    assert result.shards == 2


async def test_to_arrow_has_target_columns_and_item_members(
    emulator: Emulator, dask_client: Client
) -> None:
    """One row per item: the target's label, account and region, then the model's members."""
    _seed(emulator)
    targets = [Target(r, endpoint_url=emulator.endpoint_url, **_keys(1)) for r in REGIONS]
    result = await asyncio.to_thread(sweep, targets, "instances", client=dask_client)
    table = result.to_arrow()
    assert table.num_rows == len(result.items) == 2 * (2 * PAGE_SIZE + 3) + 1
    assert table.column_names[:4] == ["target", "target_account", "target_region", "name"]
    assert table.column("name").to_pylist() == [item.name for _, item in result.items]
    assert table.column("target_region").to_pylist() == [t.region for t, _ in result.items]
    assert pa.types.is_timestamp(table.schema.field("created_at").type)
    assert table.column("state").to_pylist()[0]["name"] == result.items[0][1].state.name


def test_an_empty_result_is_an_empty_table_of_target_columns() -> None:
    """No item: a table with the target columns and no row."""
    table = SweepResult(items=[], failures=[], shards=0).to_arrow()
    assert table.num_rows == 0
    assert table.column_names == ["target", "target_account", "target_region"]


def _t(region: str, **kwargs: Any) -> Target:
    return Target(region, **kwargs)


def test_shards_keep_each_credential_source_whole_and_balance_counts() -> None:
    """A profile, a role and a key pair each stay in one shard; groups fill the smallest shard."""
    big = [_t(f"eu-west-{n % 3 + 1}", profile="big", name=str(n)) for n in range(6)]
    role = [_t(r, role_arn="arn:aws:iam::111111111111:role/x") for r in REGIONS]
    keys = [_t(r, **_keys(0)) for r in REGIONS]
    small = [_t("eu-west-1", profile=f"p{n}") for n in range(4)]
    targets = [*small[:2], *big, *role, *keys, *small[2:]]
    cut = shard(targets, 3)
    assert len(cut) == 3
    owner = {target: n for n, members in enumerate(cut) for target in members}
    for group in (big, role, keys):
        assert len({owner[target] for target in group}) == 1
    assert sorted(len(members) for members in cut) == [4, 4, 6]  # grouping wins over balance
    order = {target: n for n, target in enumerate(targets)}
    assert all(members == sorted(members, key=order.__getitem__) for members in cut)
    assert Counter(target for members in cut for target in members) == Counter(targets)


def test_fewer_sources_than_shards_make_fewer_shards() -> None:
    """Two profiles asked to make eight shards make two; duplicates are dropped."""
    targets = [_t(r, profile=p) for p in ("a", "b") for r in REGIONS]
    assert shard([*targets, *targets], 8) == [targets[:2], targets[2:]]


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"listing": "volumes"}, "listing"),
        ({"shards": 0}, "shards"),
        ({"targets": [object()]}, "targets[0]"),
        ({"targets": [_t("eu-west-1", **{**_keys(0), "pickle_secrets": False})]}, "targets[0]"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    dask_client: Client, arguments: dict[str, Any], parameter: str
) -> None:
    """A bad listing, shard count, target, secret-carrying target or option: ValidationError."""
    call: dict[str, Any] = {"targets": [_t("eu-west-1")], "listing": "instances", **arguments}
    with pytest.raises(ValidationError) as caught:
        sweep(call.pop("targets"), call.pop("listing"), client=dask_client, **call)
    assert caught.value.parameter == parameter
    assert not dask_client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))


async def test_the_client_must_match_the_entry_point(cluster: LocalCluster) -> None:
    """sweep refuses an asynchronous client and sweep_async a synchronous one or none."""
    async with Client(cluster.scheduler_address, asynchronous=True) as client:
        with pytest.raises(ValidationError, match="sweep_async"):
            sweep([_t("eu-west-1")], "instances", client=client)
    with pytest.raises(ValidationError, match="Client"):
        await sweep_async([_t("eu-west-1")], "instances", client=object())  # type: ignore[arg-type]


# -- the guide -------------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guides" / "beyond-one-process.md"
#: The guide's sections whose examples run as written (the batch-engine one is a sketch).
_RUNNABLE = ("Sharding on Dask", "Results as Arrow, Parquet and pandas")
_FENCED = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _runnable_blocks() -> list[tuple[str, str | None]]:
    """The runnable sections' Python blocks, each with the ``text`` block after it (its output)."""
    blocks: list[tuple[str, str | None]] = []
    for section in GUIDE.read_text().split("\n## ")[1:]:
        if not section.startswith(_RUNNABLE):
            continue
        fenced = [(m[1], m[2]) for m in _FENCED.finditer(section)]
        for i, (language, code) in enumerate(fenced):
            if language == "python":
                after = fenced[i + 1] if i + 1 < len(fenced) else None
                blocks.append((code, after[1] if after and after[0] == "text" else None))
    return blocks


async def test_the_guides_examples_run_as_written(emulator: Emulator, tmp_path: Path) -> None:
    """The guide's local-cluster sweep, its asyncio twin and its Arrow, Parquet and pandas
    block run in that order against the emulator, printing what the page shows."""
    seeded = [(0, "eu-west-1", 2), (0, "us-east-1", 4), (1, "eu-west-1", 3), (1, "us-east-1", 3)]
    for account, region, count in seeded:
        emulator.seed_instances(ACCOUNTS[account][0], region, count)
    config = tmp_path / "config"
    config.write_text(
        "".join(
            f"[profile {name}]\nendpoint_url = {emulator.endpoint_url}\n"
            f"aws_access_key_id = {ACCOUNTS[n][1]}\naws_secret_access_key = {ACCOUNTS[n][2]}\n"
            for n, name in enumerate(("prod", "staging"))
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    blocks = _runnable_blocks()
    assert len(blocks) == 3
    for number, (code, output) in enumerate(blocks):
        script = tmp_path / f"block{number}.py"
        script.write_text(code)
        run = await asyncio.create_subprocess_exec(
            sys.executable, str(script), env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(run.communicate(), 90)
        assert run.returncode == 0, f"block {number}:\n{code}\n{err.decode()}"
        if output is not None:
            assert out.decode() == output, f"block {number} printed another output"
    assert (tmp_path / "instances.parquet").exists()


# -- workers that die ------------------------------------------------------------------


class _Hold:
    """A Lightsail endpoint that holds its first GetInstances forever and answers the others."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.released = asyncio.Event()
        self.peer_port: int | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        if self.peer_port is None:
            self.peer_port = request.transport.get_extra_info("peername")[1]  # type: ignore[union-attr]
            self.arrived.set()
            await self.released.wait()
        body = '{"instances":[{"name":"held-1"},{"name":"held-2"}]}'
        return web.Response(text=body, content_type="application/x-amz-json-1.1")


@pytest.fixture
async def hold() -> AsyncIterator[_Hold]:
    """The holding endpoint on 127.0.0.1:0."""
    server = _Hold()
    app = web.Application()
    app.router.add_post("/", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        server.released.set()
        await runner.cleanup()


def _kill_the_worker_connected_from(client: Client, port: int) -> None:
    """SIGKILL the worker process whose socket has local port ``port``."""
    for pid in client.run(os.getpid).values():
        connections = psutil.Process(pid).net_connections(kind="tcp")
        if any(c.laddr and c.laddr.port == port for c in connections):
            os.kill(pid, signal.SIGKILL)
            return
    raise AssertionError(f"no worker holds a connection from port {port}")


def _held_and_free(emulator: Emulator, hold: _Hold) -> tuple[list[Target], list[Target]]:
    held = [Target(r, endpoint_url=hold.url, **_keys(2)) for r in REGIONS]
    free = [Target(r, endpoint_url=emulator.endpoint_url, **_keys(1)) for r in REGIONS]
    return held, free


async def _sweep_killing_the_held_worker(
    targets: list[Target], dask_client: Client, hold: _Hold
) -> SweepResult:
    """Sweep in two shards; once the held shard's request arrives, SIGKILL its worker."""
    await asyncio.to_thread(dask_client.wait_for_workers, 2)
    running = asyncio.ensure_future(
        asyncio.to_thread(sweep, targets, "instances", client=dask_client, shards=2)
    )
    await hold.arrived.wait()
    assert hold.peer_port is not None
    _kill_the_worker_connected_from(dask_client, hold.peer_port)
    return await running


async def test_a_worker_killed_mid_sweep_fails_its_shard(
    emulator: Emulator, dask_client: Client, hold: _Hold
) -> None:
    """The killed shard's targets come back as ShardError failures; the other shard's items stay."""
    _seed(emulator)
    held, free = _held_and_free(emulator, hold)
    result = await _sweep_killing_the_held_worker([*held, *free], dask_client, hold)
    assert [f.target for f in result.failures] == held
    assert all(isinstance(f.error, ShardError) for f in result.failures)
    assert "KilledWorker" in str(result.failures[0].error)
    items, failures = await _one_fleet(free, "instances")
    assert result.items == items
    assert not failures


async def test_a_shard_run_again_after_its_worker_died_counts_once(
    emulator: Emulator, cluster: LocalCluster, dask_client: Client, hold: _Hold
) -> None:
    """Dask re-runs the killed shard on another worker; its targets' items appear once each."""
    _seed(emulator)
    held, free = _held_and_free(emulator, hold)
    scheduler = cluster.scheduler
    assert scheduler is not None
    scheduler.allowed_failures = 1
    try:
        result = await _sweep_killing_the_held_worker([*held, *free], dask_client, hold)
    finally:
        scheduler.allowed_failures = 0
    assert not result.failures
    names = [(target, item.name) for target, item in result.items if target in held]
    assert names == [(t, n) for t in held for n in ("held-1", "held-2")]
    items, _ = await _one_fleet(free, "instances")
    assert [pair for pair in result.items if pair[0] in free] == items
