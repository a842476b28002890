"""What instrumentation costs per request: ``python benchmarks/instrument.py [--rounds N]``.

The emulator runs in its own process (``benchmarks.server``, pinned to its
core); this process, pinned to the other, lists one page of 20 instances
``--requests`` times with each of three clients, round after round in
rotated order:

- ``bare``: the instrumentation's botocore handlers left out (what a request
  cost before there was any);
- ``no hook``: as shipped, nobody subscribed;
- ``one no-op hook``: ``instrument=`` a hook that does nothing.

It prints the median CPU time (``time.process_time``) per request of each,
and its ratio to ``bare`` measured in the same run. Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiolightsail import InstrumentEvent, LightsailClient
from aiolightsail import _client as client_module
from benchmarks.harness import CLIENT_CPU, pin_to_cpu
from benchmarks.run import emulator, targets_of
from benchmarks.server import ServerSpec

MODES = ("bare", "no hook", "one no-op hook")


def _nothing(event: InstrumentEvent) -> None:
    """The no-op hook."""


@contextlib.contextmanager
def _without_handlers() -> Iterator[None]:
    """Clients opened inside leave out the instrumentation's botocore handlers."""
    original = client_module._botocore.observe_requests

    def skip(client: Any, requests: Any) -> None:
        pass

    client_module._botocore.observe_requests = skip  # type: ignore[assignment]
    try:
        yield
    finally:
        client_module._botocore.observe_requests = original  # type: ignore[assignment]


async def _open(mode: str, target: Any) -> LightsailClient:
    client = LightsailClient(
        target.region,
        endpoint_url=target.endpoint_url,
        aws_access_key_id=target.access_key_id,
        aws_secret_access_key=target.secret_access_key,
        instrument=_nothing if mode == "one no-op hook" else None,
    )
    if mode == "bare":
        with _without_handlers():
            return await client.__aenter__()
    return await client.__aenter__()


async def _measure(args: argparse.Namespace, target: Any) -> dict[str, list[float]]:
    clients = {mode: await _open(mode, target) for mode in MODES}
    per_request: dict[str, list[float]] = {mode: [] for mode in MODES}
    try:
        for client in clients.values():  # warm up: connections, converters, caches
            for _ in range(20):
                [i async for i in client.iter_instances()]
        for round_ in range(args.rounds):
            order = MODES[round_ % len(MODES) :] + MODES[: round_ % len(MODES)]
            for mode in order:
                client = clients[mode]
                started = time.process_time()
                for _ in range(args.requests):
                    [i async for i in client.iter_instances()]
                per_request[mode].append((time.process_time() - started) / args.requests)
    finally:
        for client in clients.values():
            await client.aclose()
    return per_request


def main() -> None:
    """Run the measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with emulator(ServerSpec(instances=20, page_size=20)) as announcement:
        pin_to_cpu(CLIENT_CPU)
        target = targets_of(announcement)[0]
        per_request = asyncio.run(_measure(args, target))
    base = statistics.median(per_request["bare"])
    print(
        f"{args.rounds} rounds of {args.requests} one-page listings (20 instances), CPU per request"
    )
    print("| mode | median | ratio to bare |")
    print("|---|---|---|")
    for mode in MODES:
        median = statistics.median(per_request[mode])
        print(f"| {mode} | {median * 1e3:.3f} ms | {median / base:.3f} |")


if __name__ == "__main__":
    main()
