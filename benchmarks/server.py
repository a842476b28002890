"""The emulator process: ``python -m benchmarks.server '<ServerSpec JSON>'``.

Seeds every (account, region) through the emulator's API, renders every
instance's JSON once (the emulator caches it, so its generation cost is paid
before any client is timed), starts serving on a free loopback port, prints one
JSON line (``{"url": ..., "accounts": [...], "regions": [...]}``) and serves
until its stdin closes, so it never outlives the orchestrator.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass

from aiolightsail import LIGHTSAIL_REGIONS
from aiolightsail.emulator import Account, Emulator, Faults
from benchmarks.harness import SERVER_CPU, pin_to_cpu
from benchmarks.populated import populated_instance

__all__ = ["ServerSpec", "bench_accounts", "main"]


@dataclass(frozen=True)
class ServerSpec:
    """What the emulator process serves.

    Attributes:
        accounts: how many accounts.
        regions: how many regions per account (the first of LIGHTSAIL_REGIONS).
        instances: instances seeded in every (account, region).
        page_size: items per page of GetInstances.
        latency_ms: latency added to every Lightsail response.
        jitter_ms: up to this much more latency, drawn uniformly per response.
        populated: serve every instance with every member of the shape filled
            (``benchmarks/populated.py``) instead of the emulator's realistic ones.
    """

    accounts: int = 1
    regions: int = 1
    instances: int = 100
    page_size: int = 20
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    populated: bool = False

    def to_json(self) -> str:
        """Serialise for the command line."""
        return json.dumps(asdict(self))


def bench_accounts(count: int) -> list[Account]:
    """``count`` made-up accounts with made-up keys (the emulator's, never AWS's)."""
    return [
        Account(
            account_id=f"{210000000000 + i}",
            access_key_id=f"AKIABENCH{i:011d}",
            secret_access_key=f"bench/secret/{i:06d}/EXAMPLEKEYEXAMPLEKEYEXAMPLE",
            name=f"bench-{i}",
        )
        for i in range(count)
    ]


async def _serve(spec: ServerSpec) -> None:
    accounts = bench_accounts(spec.accounts)
    regions = list(LIGHTSAIL_REGIONS[: spec.regions])
    if len(regions) < spec.regions:
        raise SystemExit(f"only {len(LIGHTSAIL_REGIONS)} Lightsail regions exist")
    emulator = Emulator(
        accounts,
        page_size=spec.page_size,
        faults=Faults(latency=spec.latency_ms / 1000, jitter=spec.jitter_ms / 1000),
    )
    started = time.perf_counter()
    now = emulator.clock.now()
    for account in accounts:
        for region in regions:
            for record in emulator.seed_instances(account.account_id, region, spec.instances):
                record.to_json(now)  # the emulator caches the rendered JSON
                if spec.populated:  # ...and serves this one in its place
                    full = populated_instance(record.name, record.arn)
                    record._cache = (record.state_name(now), json.dumps(full))
    seeded = time.perf_counter() - started
    async with emulator:
        announcement = {
            "url": emulator.endpoint_url,
            "regions": regions,
            "accounts": [
                {
                    "account_id": a.account_id,
                    "access_key_id": a.access_key_id,
                    "secret_access_key": a.secret_access_key,
                }
                for a in accounts
            ],
            "seed_seconds": round(seeded, 2),
        }
        sys.stdout.write(json.dumps(announcement) + "\n")
        sys.stdout.flush()
        # Serve until the orchestrator closes our stdin (or dies).
        await asyncio.to_thread(sys.stdin.read)


def main() -> None:
    """Entry point."""
    pin_to_cpu(SERVER_CPU)
    asyncio.run(_serve(ServerSpec(**json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
