"""``aiolightsail watch``: follow every account × region's instances as they change.

On a terminal it shows a live table of every instance (rich), redrawn as
changes arrive; piped, it writes one NDJSON line per change::

    {"kind": "changed", "sweep": 4, "changed": ["state"],
     "before": {"state": {"code": 64, "name": "stopping"}},
     "account": "123456789012", "region": "eu-west-1",
     "name": "web-1", ...every attribute of the instance as it is now (or was, if removed)}

``sweep`` is the sweep that saw the change (the first sweep's are every
instance, ``added``); ``before`` holds the changed attributes' old values
(empty unless ``changed``). A target that fails gets one line on stderr when it
starts failing (it keeps its last view: no false "removed"); no credentials at
all adds a hint, once (not with ``-q``).
It runs until Ctrl-C (exit 130), or for ``--sweeps N`` sweeps (exit 0, or 1
if a target was failing at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from typing import IO, Any

import click
from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from aiolightsail import (
    Fleet,
    FleetFailure,
    Instance,
    InstanceChange,
    InstanceWatch,
    Target,
    _logging,
)
from aiolightsail.cli._app import _FLEET_OPTIONS, _OUTPUT_OPTION, AccountIds, build_fleet
from aiolightsail.cli._guidance import credentials_hint
from aiolightsail.cli._output import (
    KINDS,
    describe_failure,
    record,
    table_parts,
    write_ndjson_line,
)
from aiolightsail.cli._streams import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    is_terminal,
    stderr_console,
    stdout_console,
)

__all__ = ["watch_command"]

#: How often the failure reporter looks for targets that started failing, in seconds.
_REPORT_EVERY = 1.0


def event(change: InstanceChange, shown: Target | None = None) -> dict[str, Any]:
    """One change as a JSON-ready record: kind, changed attributes, then the instance's record.

    Args:
        change: the change.
        shown: its target as shown (with its account id); default ``change.target``.

    Returns:
        ``{"kind": ..., "sweep": ..., "changed": [...], "before": {...}, "account": ...,
        "region": ..., **fields}``; ``before`` holds the changed attributes' old values.
    """
    changed = sorted(change.changed)
    old = record(shown or change.target, change.before) if change.before is not None else {}
    return {
        "kind": change.kind,
        "sweep": change.sweep,
        "changed": changed,
        "before": {name: old[name] for name in changed if name in old},
        **record(shown or change.target, change.instance),
    }


class _View:
    """The current instances of every target, built from the feed, and its table (fitted to
    the console's width as the listings' tables are: grouped by target when narrow)."""

    def __init__(self, targets: int, console: Console) -> None:
        self.rows: dict[tuple[Target, str], Instance] = {}
        self.targets = targets
        self.console = console

    def apply(self, change: InstanceChange, shown: Target) -> None:
        key = (shown, change.instance.arn or str(change.instance.name))
        if change.after is None:
            self.rows.pop(key, None)
        else:
            self.rows[key] = change.after

    def render(self, watch: InstanceWatch) -> Group:
        kind = KINDS["instances"]
        rows = sorted(((t, i) for (t, _), i in self.rows.items()), key=lambda r: kind.sort_key(*r))
        failing = f" · {len(watch.failing)} failing" if watch.failing else ""
        heading = Text(
            f"{len(rows)} instances in {self.targets} targets · sweep {watch.sweeps}{failing}",
            style="bold",
        )
        parts = (part for part, _ in table_parts(self.console.width, kind, rows))
        return Group(heading, *parts)


class _FailureReporter:
    """One stderr line for each target when it starts failing."""

    def __init__(self, watch: InstanceWatch, console: Console, *, quiet: bool) -> None:
        self.watch = watch
        self.console = console
        self.reported: dict[Target, FleetFailure] = {}
        self.hinted = quiet  # -q: no hint

    def check(self) -> None:
        """Report the targets that have started failing since the last check."""
        failing = dict(self.watch.failing)
        for target, failure in failing.items():
            if target not in self.reported:
                self.console.print("error: " + describe_failure(failure), markup=False)
        hint = credentials_hint(failure.error for failure in failing.values())
        if hint is not None and not self.hinted:
            self.console.print(hint, markup=False)
            self.hinted = True
        self.reported = failing

    async def run(self) -> None:
        """Check every second until cancelled (failures come between changes, too)."""
        while True:
            self.check()
            await asyncio.sleep(_REPORT_EVERY)


async def _follow(
    fleet: Fleet,
    *,
    interval: float,
    sweeps: int | None,
    table: bool,
    quiet: bool,
    err: Console,
    out: IO[str],
) -> int:
    """Run the watch; the number of targets failing at its end."""
    async with fleet, fleet.watch_instances(interval=interval, max_sweeps=sweeps) as watch:
        ids = AccountIds(fleet)  # the account column, learnt while the first sweep runs
        reporter = _FailureReporter(watch, err, quiet=quiet)
        reporting = asyncio.create_task(reporter.run())
        try:
            if table:
                # Piped, a row is one line whatever its width, as in the listings.
                console = stdout_console(terminal=is_terminal(out), file=out)
                view = _View(len(fleet.targets), console)
                with Live(view.render(watch), console=console, auto_refresh=False) as live:
                    async for change in watch:
                        view.apply(change, await ids.of(change.target))
                        live.update(view.render(watch), refresh=True)
                    live.update(view.render(watch), refresh=True)
            else:
                async for change in watch:
                    write_ndjson_line(out, event(change, await ids.of(change.target)))
                    out.flush()
        finally:
            reporting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporting
            await ids.aclose()
        reporter.check()  # the last sweep's
        return len(watch.failing)


def _watch_options(command: Callable[..., Any]) -> Callable[..., Any]:
    # The list commands' options, less their --output (watch has its own).
    for option in reversed(_FLEET_OPTIONS):
        if option is not _OUTPUT_OPTION:
            command = option(command)
    return command


def _stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout)


@click.command("watch", short_help="Follow instance changes live.")
@_watch_options
@click.option(
    "--interval", type=click.FloatRange(min=0), default=60.0, show_default=True,
    metavar="SECONDS", help="Seconds from the start of one sweep to the start of the next.",
)  # fmt: skip
@click.option("--sweeps", type=click.IntRange(min=1), metavar="N", help="Stop after N sweeps.")
@click.option(
    "-o", "--output", type=click.Choice(("auto", "table", "ndjson")), default="auto",
    show_default=True,
    help="table: a live table; ndjson: one line per change; auto: table on a terminal.",
)  # fmt: skip
def watch_command(
    interval: float, sweeps: int | None, output: str, quiet: bool, **options: Any
) -> None:
    """Follow every account × region's instances: a live table, or NDJSON changes when piped.

    The first sweep reports every instance as added; later sweeps report what was
    added, removed or changed. A target that fails keeps its last view.
    """
    ctx = click.get_current_context()
    fleet = build_fleet(**options)
    for variable in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        _logging.register_secret(os.environ.get(variable))
    table = output == "table" or (output == "auto" and _stdout_is_terminal())
    err = stderr_console()
    try:
        failing = asyncio.run(
            _follow(
                fleet,
                interval=interval,
                sweeps=sweeps,
                table=table,
                quiet=quiet,
                err=err,
                out=sys.stdout,
            )
        )
    except KeyboardInterrupt:
        err.print("Interrupted.", highlight=False)
        ctx.exit(EXIT_INTERRUPTED)
    if failing:
        ctx.exit(EXIT_FAILED)
