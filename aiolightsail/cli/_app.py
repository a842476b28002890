"""The ``aiolightsail`` command: one inventory across many accounts × regions, and a demo.

::

    aiolightsail instances --all-regions --profile prod --profile staging
    aiolightsail snapshots -r eu-west-1 --role-arn arn:aws:iam::123456789012:role/inventory -o csv
    aiolightsail demo

The list commands build one :class:`~aiolightsail.Target` per account ×
region and run them through the public :class:`~aiolightsail.Fleet` API. The
results go to stdout (a table, or JSON / NDJSON / CSV for programs); progress
and per-target failures go to stderr, so a pipeline gets clean data and still
sees what went wrong. Exit status: 0 when every target answered, 1 when some
failed (the others' items are still printed), 2 for usage errors, 130 after
Ctrl-C.

``demo`` and ``emulator`` are loaded only when used: they import the
emulator, hence ``aiohttp.web``, which the list commands never need.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import IO, Any, TypeVar

import attrs
import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from aiolightsail import (
    LIGHTSAIL_REGIONS,
    Fleet,
    FleetFailure,
    LightsailClient,
    Target,
    ValidationError,
    __version__,
    _logging,
)
from aiolightsail.cli._output import (
    FORMATS,
    KINDS,
    Kind,
    describe_failure,
    record,
    write_csv,
    write_json,
    write_ndjson_line,
    write_table,
)

__all__ = ["build_targets", "cli"]

R = TypeVar("R")

#: Exit statuses (click uses 2 for usage errors itself).
EXIT_PARTIAL = 1
#: 128 + SIGINT, what shells report for a command stopped with Ctrl-C.
EXIT_INTERRUPTED = 130


# -- the command group ----------------------------------------------------------------


class _LazyGroup(click.Group):
    """A group whose heavier subcommands are imported only when they are used."""

    lazy: dict[str, tuple[str, str]] = {  # noqa: RUF012 - read-only class table
        "demo": ("aiolightsail.cli._demo", "demo_command"),
        "emulator": ("aiolightsail.cli._emulator", "emulator_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        return sorted(names | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in self.lazy:
            return command
        module_name, attribute = self.lazy[cmd_name]
        found = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(found, click.Command)  # noqa: S101 - our own table
        return found


_EPILOG = """\b
Examples:
  aiolightsail demo
  aiolightsail instances --region eu-west-1
  aiolightsail instances --all-regions --profile prod --profile staging
  aiolightsail snapshots -r us-east-1 -r eu-west-1 \\
      --role-arn arn:aws:iam::123456789012:role/inventory -o csv > snapshots.csv

Credentials come from the usual AWS places (environment, ~/.aws/config,
SSO, instance roles). Results go to stdout, progress and failures to stderr.
Exit status: 0 all targets answered, 1 some failed, 2 usage error, 130 Ctrl-C.
"""


@click.group(
    cls=_LazyGroup,
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="aiolightsail")
def cli() -> None:
    """List Amazon Lightsail instances, blueprints and snapshots across many accounts × regions.

    Every account × region is queried at once, over asyncio. Try `aiolightsail demo`
    first: it needs no AWS account.
    """


# -- options shared by the list commands ---------------------------------------------


def _check_endpoint(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://")
    return value


_FLEET_OPTIONS: tuple[Callable[[Callable[..., Any]], Callable[..., Any]], ...] = (
    click.option(
        "-r", "--region", "regions", multiple=True, metavar="REGION",
        help="A region to query (repeatable). Default: each account's configured region.",
    ),
    click.option(
        "--all-regions", is_flag=True,
        help=f"Query every Lightsail region ({len(LIGHTSAIL_REGIONS)}).",
    ),
    click.option(
        "-p", "--profile", "profiles", multiple=True, metavar="PROFILE",
        help="An AWS config profile: one account (repeatable).",
    ),
    click.option(
        "--role-arn", "role_arns", multiple=True, metavar="ARN",
        help="A role to assume: one account (repeatable).",
    ),
    click.option(
        "--role-source-profile", metavar="PROFILE",
        help="The profile whose credentials assume the --role-arn roles. "
        "Default: the default credential chain.",
    ),
    click.option(
        "--endpoint-url", metavar="URL", callback=_check_endpoint,
        help="Send every request here instead of AWS (e.g. `aiolightsail emulator`).",
    ),
    click.option(
        "-c", "--concurrency", type=click.IntRange(1, 100_000), default=32, show_default=True,
        metavar="N",
        help="Requests in flight at once, across all targets.",
    ),
    click.option(
        "--timeout", "target_timeout", type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS", help="Give up on a target after this much request time.",
    ),
    click.option(
        "-o", "--output", type=click.Choice(FORMATS), default="table", show_default=True,
        metavar="FORMAT",
        help="table for people; json, ndjson (streamed as targets answer) or csv for programs.",
    ),
    click.option(
        "-q", "--quiet", is_flag=True,
        help="No progress display and no summary line (failures are still reported).",
    ),
)  # fmt: skip


def _fleet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_FLEET_OPTIONS):
        command = option(command)
    return command


@cli.command(short_help="List instances.")
@_fleet_options
def instances(**options: Any) -> None:
    """List instances: name, account, region, state, public IP, blueprint, bundle."""
    _run_listing(KINDS["instances"], options)


@cli.command(short_help="List blueprints (images).")
@_fleet_options
@click.option("--include-inactive", is_flag=True, help="Include blueprints no longer offered.")
def blueprints(**options: Any) -> None:
    """List the blueprints (images) offered to each account in each region."""
    _run_listing(KINDS["blueprints"], options)


@cli.command(short_help="List instance snapshots.")
@_fleet_options
def snapshots(**options: Any) -> None:
    """List instance snapshots."""
    _run_listing(KINDS["snapshots"], options)


# -- targets ----------------------------------------------------------------------------


def _known_profiles() -> set[str]:
    import botocore.session

    return set(botocore.session.Session().available_profiles)


def _configured_region(profile: str | None) -> str | None:
    import botocore.session

    region = botocore.session.Session(profile=profile).get_config_variable("region")
    return region if isinstance(region, str) and region else None


def _read_aws_config(read: Callable[..., R], *args: Any) -> R:
    """Read the AWS config files up front: a broken one is one clear error, not one per target."""
    from botocore.exceptions import BotoCoreError

    try:
        return read(*args)
    except BotoCoreError as exc:
        raise click.UsageError(f"cannot use the AWS configuration: {exc}") from None


def build_targets(
    *,
    regions: Sequence[str],
    all_regions: bool,
    profiles: Sequence[str],
    role_arns: Sequence[str],
    role_source_profile: str | None,
    endpoint_url: str | None,
) -> list[Target]:
    """The targets of a list command: every account × every region.

    Accounts are the profiles and the roles (assumed with
    ``role_source_profile``); with neither, the default credential chain.
    Without ``regions`` or ``all_regions``, each account gets its own
    configured region (``AWS_DEFAULT_REGION`` or the profile's ``region``).

    Args:
        regions: ``--region`` values.
        all_regions: ``--all-regions``.
        profiles: ``--profile`` values.
        role_arns: ``--role-arn`` values.
        role_source_profile: ``--role-source-profile``.
        endpoint_url: ``--endpoint-url``.

    Returns:
        The targets, accounts in the order given, then regions.

    Raises:
        click.UsageError: contradictory options, an unknown profile, a
            malformed region or role ARN, or no region to query.
    """
    if regions and all_regions:
        raise click.UsageError("give --region or --all-regions, not both")
    known = _read_aws_config(_known_profiles)
    listed = ", ".join(sorted(known)) or "none"
    for profile in [*profiles, *([role_source_profile] if role_source_profile else [])]:
        if profile not in known:
            raise click.BadParameter(
                f"no profile {profile!r} in the AWS config files (found: {listed})",
                param_hint="--profile" if profile in profiles else "--role-source-profile",
            )
    if not (profiles or role_arns) or (role_arns and role_source_profile is None):
        # The default chain reads these; botocore would fail on every target alike.
        for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            named = os.environ.get(variable)
            if named and named not in known:
                raise click.UsageError(
                    f"{variable}={named!r} names no profile in the AWS config files "
                    f"(found: {listed})"
                )
    accounts: list[dict[str, Any]] = [{"profile": p} for p in dict.fromkeys(profiles)]
    accounts += [
        {"role_arn": arn, "profile": role_source_profile} for arn in dict.fromkeys(role_arns)
    ]
    if not accounts:
        accounts = [{}]
    targets: list[Target] = []
    for account in accounts:
        if all_regions:
            account_regions: Sequence[str] = LIGHTSAIL_REGIONS
        elif regions:
            account_regions = list(dict.fromkeys(regions))
        else:
            configured = _read_aws_config(_configured_region, account.get("profile"))
            if configured is None:
                raise click.UsageError(
                    "no region to query: pass --region REGION or --all-regions "
                    "(or set AWS_DEFAULT_REGION, or `region` in the profile)"
                )
            account_regions = [configured]
        for region in account_regions:
            try:
                targets.append(Target(region, endpoint_url=endpoint_url, **account))
            except ValidationError as exc:
                hint = {"region": "--region", "role_arn": "--role-arn"}.get(exc.parameter)
                raise click.BadParameter(exc.rule + _got(exc), param_hint=hint) from None
    return targets


def _got(exc: ValidationError) -> str:
    return f" (got {exc.value!r})" if exc.value is not None else ""


# -- progress and failures ------------------------------------------------------------


class _Reporter:
    """Progress on stderr (a terminal only) and one line per failed target, as they happen."""

    def __init__(self, console: Console, *, what: str, total: int, live: bool) -> None:
        self.console = console
        self.found = 0
        self.answered = 0
        self.failures: list[FleetFailure] = []
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if live:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn(f"[bold]{what}[/]"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TextColumn("targets · {task.fields[found]} found · {task.fields[failed]} failed"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._task = self._progress.add_task(what, total=total, found=0, failed=0)

    def __enter__(self) -> _Reporter:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def item_found(self) -> None:
        self.found += 1
        self._update()

    def target_answered(self) -> None:
        self.answered += 1
        self._update()

    def check(self, failures: Sequence[FleetFailure]) -> None:
        """Report the failures not reported yet."""
        for failure in failures[len(self.failures) :]:
            self.failures.append(failure)
            # Through the console, so the line lands above a live progress bar;
            # soft_wrap keeps one failure on one (greppable) line.
            self.console.print(
                "error: " + describe_failure(failure), markup=False, highlight=False, soft_wrap=True
            )
        self._update()

    def _update(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                completed=self.answered + len(self.failures),
                found=self.found,
                failed=len(self.failures),
            )


# -- running a listing -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Listing:
    kind: Kind
    targets: tuple[Target, ...]
    concurrency: int
    target_timeout: float | None
    output: str
    include_inactive: bool

    def items(self, client: LightsailClient) -> AsyncIterator[Any]:
        if self.kind.name == "instances":
            return client.iter_instances()
        if self.kind.name == "blueprints":
            return client.iter_blueprints(include_inactive=self.include_inactive)
        return client.iter_instance_snapshots()


async def _inventory(
    listing: _Listing, reporter: _Reporter, stdout: IO[str]
) -> list[tuple[Target, Any]]:
    """Query every target; stream NDJSON as targets answer, or return the rows to print."""
    rows: list[tuple[Target, Any]] = []

    async def fetch(client: LightsailClient) -> list[Any]:
        found = []
        async for item in listing.items(client):
            found.append(item)
            reporter.item_found()
        return found

    fleet = Fleet(
        listing.targets, concurrency=listing.concurrency, target_timeout=listing.target_timeout
    )
    # fleet.map runs fetch once per target, so each result is one target done:
    # that is what the progress display counts.
    async with fleet, fleet.map(fetch) as stream:
        async for target, found in stream:
            reporter.check(stream.failures)
            reporter.target_answered()
            if listing.output == "ndjson":
                # Blocking writes on the loop are fine here: the producers are
                # waiting on the network, and a pipeline wants lines early.
                for item in found:
                    write_ndjson_line(stdout, record(target, item))
                stdout.flush()
            else:
                rows += ((target, item) for item in found)
        reporter.check(stream.failures)
    return rows


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _run_listing(kind: Kind, options: dict[str, Any]) -> None:
    ctx = click.get_current_context()
    targets = build_targets(
        regions=options["regions"],
        all_regions=options["all_regions"],
        profiles=options["profiles"],
        role_arns=options["role_arns"],
        role_source_profile=options["role_source_profile"],
        endpoint_url=options["endpoint_url"],
    )
    # The default credential chain may read keys from the environment; make
    # sure no failure line can ever echo them.
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        _logging.register_secret(os.environ.get(name))
    listing = _Listing(
        kind=kind,
        targets=tuple(targets),
        concurrency=options["concurrency"],
        target_timeout=options["target_timeout"],
        output=options["output"],
        include_inactive=options.get("include_inactive", False),
    )
    quiet: bool = options["quiet"]
    live = not quiet and _stderr_is_terminal()
    err = Console(stderr=True, highlight=False, force_terminal=True if live else None)
    stdout = sys.stdout
    reporter = _Reporter(err, what=f"Listing {kind.name}", total=len(targets), live=live)
    try:
        with reporter:
            rows = asyncio.run(_inventory(listing, reporter, stdout))
        rows.sort(key=lambda row: kind.sort_key(*row))
        if listing.output == "table":
            write_table(
                Console(file=stdout, highlight=False),
                kind,
                rows,
                targets=len(targets),
                failed=len(reporter.failures),
            )
        elif listing.output == "json":
            write_json(stdout, [record(target, item) for target, item in rows])
        elif listing.output == "csv":
            write_csv(stdout, kind.model, (record(target, item) for target, item in rows))
        stdout.flush()
    except KeyboardInterrupt:
        # asyncio.run has already cancelled the fleet, which closed its
        # clients: nothing is left to clean up, and no traceback is wanted.
        err.print("Interrupted.", highlight=False)
        ctx.exit(EXIT_INTERRUPTED)
    if reporter.failures:
        if not quiet:
            err.print(
                f"{len(reporter.failures)} of {len(targets)} targets failed.", highlight=False
            )
        ctx.exit(EXIT_PARTIAL)
