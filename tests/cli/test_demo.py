"""``aiolightsail demo``: it runs anywhere, finds exactly what it seeded, and reports timings."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from aiolightsail.cli import _app, _demo
from aiolightsail.emulator import DEFAULT_PAGE_SIZE
from tests.conftest import stray_tasks

SMALL = ["--accounts", "2", "--regions", "3", "--instances", "40", "--latency-ms", "0"]


def _expected_snapshots(plan: _demo.DemoPlan) -> int:
    return sum(round(count * 0.4) for count in plan.instances.values() if count)


def test_demo_finds_what_it_seeded_and_prints_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small demo exits 0 with a row per account × region, totals that match, and timings."""
    plans: list[_demo.DemoPlan] = []
    plan_demo = _demo.plan_demo

    def spy(**kwargs: Any) -> _demo.DemoPlan:
        plans.append(plan_demo(**kwargs))
        return plans[-1]

    monkeypatch.setattr(_demo, "plan_demo", spy)
    result = CliRunner().invoke(_app.cli, ["demo", *SMALL, "--seed", "7"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (plan,) = plans
    out = result.stdout
    for account in plan.accounts:
        for region in plan.regions:
            assert re.search(rf"{account.name} \({account.account_id}\) +{region} ", out)
    total = re.search(r"total +6 targets +(\d+) +(\d+) +(\d+)", out)
    assert total is not None, out
    instances, running, snapshots = map(int, total.groups())
    assert instances == 40 == plan.total_instances
    assert snapshots == _expected_snapshots(plan)
    assert 0 < running <= instances
    assert "All 40 seeded instances and" in out
    assert "found, each once, in the right place." in out
    for label in ("One after another", "All at once", "Again, same Fleet"):
        assert label in out
    secrets = [a.secret_access_key for a in plan.accounts] + [
        a.access_key_id for a in plan.accounts
    ]
    assert not any(secret in result.output for secret in secrets)


async def test_run_demo_counts_every_cell_and_leaves_nothing_running() -> None:
    """run_demo's counts equal the seeded ones per (account, region); no task outlives it."""
    plan = _demo.plan_demo(accounts=3, regions=2, instances=50, seed=1)
    result, seeded = await _demo.run_demo(
        plan, latency=0.0, concurrency=4, seed_value=1, console=Console(quiet=True)
    )
    assert result.failures == []
    assert {cell: +c for cell, c in result.counts.items()} == {
        cell: +c for cell, c in seeded.counts.items() if +c
    }
    assert sorted(result.instance_arns) == sorted(seeded.instance_arns)
    assert sorted(result.snapshot_arns) == sorted(seeded.snapshot_arns)
    # One request per page of each list per target, plus one AssumeRole per member account.
    pages = sum(
        max(1, math.ceil(count / DEFAULT_PAGE_SIZE))
        for cell in seeded.counts.values()
        for count in (cell["instances"], cell["snapshots"])
    )
    assert result.requests == pages + 2
    assert result.sample_requests > 0
    assert result.sequential_seconds > 0
    assert stray_tasks() == set()


@given(
    accounts=st.integers(1, 12),
    regions=st.integers(1, len(_demo.DEMO_REGIONS)),
    instances=st.integers(0, 2_000),
    seed=st.integers(0, 2**32),
)
def test_plan_spreads_exactly_the_instances_asked_for(
    accounts: int, regions: int, instances: int, seed: int
) -> None:
    """The plan has one cell per account × region and its counts add up to --instances."""
    plan = _demo.plan_demo(accounts=accounts, regions=regions, instances=instances, seed=seed)
    assert len(plan.instances) == accounts * regions
    assert plan.total_instances == instances
    assert min(plan.instances.values()) >= 0
    ids = [account.account_id for account in plan.accounts]
    assert len(set(ids)) == accounts
    assert all(re.fullmatch(r"\d{12}", account_id) for account_id in ids)
    again = _demo.plan_demo(accounts=accounts, regions=regions, instances=instances, seed=seed)
    assert again.instances == plan.instances, "the same seed, the same organisation"


@pytest.mark.parametrize(
    "args", [["--accounts", "0"], ["--regions", "20"], ["--latency-ms", "-1"], ["--instances", "x"]]
)
def test_demo_usage_errors_exit_2(args: list[str]) -> None:
    """Out-of-range demo options are usage errors."""
    result = CliRunner().invoke(_app.cli, ["demo", *args])
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr


def test_demo_needs_no_aws_configuration(tmp_path: Path) -> None:
    """`python -m aiolightsail demo` needs no AWS config, keys or region, and ignores the user's.

    A profile that does not exist, an endpoint elsewhere and a proxy that would
    swallow 127.0.0.1 must not leak into it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "missing-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "missing-credentials")
    env["HOME"] = str(tmp_path)
    env.update(
        AWS_PROFILE="nope",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
    )
    out = subprocess.run(
        [sys.executable, "-m", "aiolightsail", "demo", "--accounts", "1", "--regions", "2",
         "--instances", "12", "--latency-ms", "1"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "All 12 seeded instances and" in out.stdout
