"""A framework-free polling service: keep an inventory of every account × region, log changes.

It holds the current instances of every target (built from the watch's
feed, so it never lists twice per sweep), writes one JSON line per change to
stdout, and a summary line to stderr after each sweep with changes. A target
that fails keeps its last view (the watch never reports a false removal) and
is logged once when it starts failing and once when it recovers.

Run it::

    LIGHTSAIL_PROFILES=prod,staging LIGHTSAIL_REGIONS=eu-west-1,us-east-1 \\
        python examples/poller.py --interval 60

It stops cleanly on SIGINT or SIGTERM. ``tests/examples/test_poller.py`` runs it
against the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from typing import IO

from aiolightsail import Fleet, Instance, InstanceChange, InstanceWatch, Target

__all__ = ["Inventory", "main", "run"]

log = logging.getLogger("poller")


class Inventory:
    """The instances of every target as last seen, kept up to date from the feed."""

    def __init__(self) -> None:
        self.instances: dict[tuple[Target, str], Instance] = {}

    def apply(self, change: InstanceChange) -> None:
        """Take one change into the inventory."""
        key = (change.target, change.instance.arn or str(change.instance.name))
        if change.after is None:
            self.instances.pop(key, None)
        else:
            self.instances[key] = change.after

    def count_by_state(self) -> dict[str, int]:
        """How many instances are in each state."""
        counts: dict[str, int] = {}
        for instance in self.instances.values():
            state = str(instance.state_name or "unknown")
            counts[state] = counts.get(state, 0) + 1
        return dict(sorted(counts.items()))


def _line(change: InstanceChange) -> str:
    return json.dumps(
        {
            "sweep": change.sweep,
            "kind": change.kind,
            "account": change.target.account,
            "region": change.target.region,
            "name": change.instance.name,
            "state": change.after.state_name if change.after else None,
            "changed": sorted(change.changed),
        }
    )


def _report_health(watch: InstanceWatch, failing: set[Target]) -> None:
    now = set(watch.failing)
    for target in sorted(now - failing, key=lambda t: t.label):
        log.warning("%s is failing: %s", target.label, watch.failing[target].error)
    for target in sorted(failing - now, key=lambda t: t.label):
        log.info("%s recovered", target.label)
    failing.clear()
    failing.update(now)


async def run(
    fleet: Fleet,
    *,
    interval: float,
    out: IO[str],
    max_sweeps: int | None = None,
) -> Inventory:
    """Watch ``fleet`` (open) and write its changes to ``out`` until cancelled or ``max_sweeps``.

    Returns:
        The inventory as it stood at the end.
    """
    inventory = Inventory()
    failing: set[Target] = set()
    sweep = 0
    async with fleet.watch_instances(interval=interval, max_sweeps=max_sweeps) as watch:
        async for change in watch:
            inventory.apply(change)
            out.write(_line(change) + "\n")
            out.flush()
            if change.sweep != sweep:
                sweep = change.sweep
                _report_health(watch, failing)
                log.info("sweep %d: %s", sweep, inventory.count_by_state())
        _report_health(watch, failing)
    return inventory


def _fleet(regions: list[str] | None, profiles: list[str] | None, endpoint: str | None) -> Fleet:
    return Fleet.across(regions, profiles=profiles, endpoint_url=endpoint)


async def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between sweeps")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    profiles = [p for p in os.environ.get("LIGHTSAIL_PROFILES", "").split(",") if p] or None
    regions = [r for r in os.environ.get("LIGHTSAIL_REGIONS", "").split(",") if r] or None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows' event loop
            loop.add_signal_handler(signum, stop.set)
    async with _fleet(regions, profiles, os.environ.get("LIGHTSAIL_ENDPOINT_URL")) as fleet:
        work = asyncio.create_task(run(fleet, interval=args.interval, out=sys.stdout))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (work, stopping):
            task.cancel()
        await asyncio.gather(work, stopping, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
