"""The ``aiolightsail`` command: one inventory across many accounts × regions, and a demo.

::

    aiolightsail instances --all-regions --profile prod --profile staging
    aiolightsail snapshots -r eu-west-1 --role-arn arn:aws:iam::123456789012:role/inventory -o csv
    aiolightsail demo

The list commands build their :class:`~aiolightsail.Fleet` with
:meth:`~aiolightsail.Fleet.across` (one target per account × region) and
stream every target's items as its pages arrive. The results go to stdout (a
table, or JSON / NDJSON / CSV for programs); progress, the summary, per-target
failures and hints go to stderr, so a pipeline gets clean data and still sees
what went wrong (``_streams`` has the conventions: pipes, widths, statuses).
Exit status: 0 when every target answered, 1 when some failed (every item
listed is still printed, a failed target's up to its failure), 2 for usage
errors, 130 after Ctrl-C (what was listed by then is printed first).

``demo`` and ``emulator`` are loaded only when used: they import the
emulator, hence ``aiohttp.web``, which the list commands never need.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import IO, Any, NoReturn

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
    DEFAULT_TARGET_TIMEOUT,
    LIGHTSAIL_REGIONS,
    Fleet,
    FleetFailure,
    FleetStream,
    LightsailError,
    Target,
    ValidationError,
    __version__,
    _logging,
    _validation,
)
from aiolightsail._repr import SafeRepr
from aiolightsail.cli._aws import write_aws
from aiolightsail.cli._guidance import check_regions, credentials_hint
from aiolightsail.cli._output import (
    FORMATS,
    KINDS,
    Kind,
    describe_failure,
    record,
    summary,
    write_csv,
    write_json,
    write_ndjson_line,
    write_table,
)
from aiolightsail.cli._streams import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    closed_pipe_ends_quietly,
    is_terminal,
    stderr_console,
    stdout_console,
)
from aiolightsail.cli._targets import organization_fleet, read_targets_file, with_external_id

__all__ = ["build_fleet", "cli"]

# -- the command group ----------------------------------------------------------------


class _LazyGroup(click.Group):
    """A group whose heavier subcommands are imported only when they are used."""

    lazy: dict[str, tuple[str, str]] = {  # noqa: RUF012 - read-only class table
        "demo": ("aiolightsail.cli._demo", "demo_command"),
        "emulator": ("aiolightsail.cli._emulator", "emulator_command"),
        "start": ("aiolightsail.cli._actions", "start_command"),
        "stop": ("aiolightsail.cli._actions", "stop_command"),
        "reboot": ("aiolightsail.cli._actions", "reboot_command"),
        "watch": ("aiolightsail.cli._watch", "watch_command"),
    }

    def __repr__(self) -> str:
        # click's own repr reads self.name, which a half-built group lacks.
        return f"<{type(self).__name__} {getattr(self, 'name', None)}>"

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

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a closed pipe ends it with status 0, Ctrl-C with 130.

        Commands that print what they had on Ctrl-C catch it themselves; this
        catches it anywhere else (click's own answer is "Aborted!", status 1).
        """
        with closed_pipe_ends_quietly():
            try:
                return super().invoke(ctx)
            except KeyboardInterrupt:
                _interrupted(stderr_console(), "Interrupted.")


_EPILOG = """\b
Examples:
  aiolightsail demo
  aiolightsail instances --region eu-west-1
  aiolightsail instances --all-regions --profile prod --profile staging
  aiolightsail snapshots -r us-east-1 -r eu-west-1 \\
      --role-arn arn:aws:iam::123456789012:role/inventory -o csv > snapshots.csv
  aiolightsail stop web-1 --region eu-west-1 --wait
  aiolightsail watch --all-regions --profile prod --interval 60

Credentials come from the usual AWS places (environment, ~/.aws/config,
SSO, instance roles).

Output: the data goes to stdout, nothing else: piped, a table row is one
line whatever its width. Progress (on a terminal), the summary, one line
per failed target and hints go to stderr; -q keeps only the failure lines
(every command but demo and emulator takes it: the listings, watch, start,
stop and reboot, which then print nothing but errors).
Ctrl-C prints what was listed so far (complete rows, a valid JSON document).
A closed pipe (| head -1) ends the command quietly.

Exit status: 0 every target answered (or the reader of stdout went away),
1 some targets failed, 2 usage error, 130 interrupted (Ctrl-C).
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
    if value is not None:
        try:
            _validation.endpoint_url(value)
        except ValidationError as exc:
            raise click.BadParameter(exc.rule) from None
    return value


_OUTPUT_OPTION = click.option(
    "-o", "--output", type=click.Choice(FORMATS), default="table", show_default=True,
    metavar="FORMAT",
    help="table for people; json, ndjson (streamed as targets answer) or csv for "
    "programs; aws: the JSON `aws lightsail` prints (camelCase, in its wrapper).",
)  # fmt: skip

_FLEET_OPTIONS: tuple[Callable[[Callable[..., Any]], Callable[..., Any]], ...] = (
    click.option(
        "-r", "--region", "regions", multiple=True, metavar="REGION",
        help="A Lightsail region to query (repeatable; another needs --endpoint-url). "
        "Default: each account's configured region.",
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
        "--targets-file", type=click.File("r"), metavar="FILE",
        help="Accounts, one a line: a profile, a role ARN or ACCOUNT_ID:ROLE "
        "(- for standard input).",
    ),
    click.option(
        "--organization-role", metavar="NAME",
        help="Assume role NAME in every active account of the AWS Organization "
        "(listed with --role-source-profile's credentials).",
    ),
    click.option(
        "--external-id", metavar="ID",
        help="The external id that the roles' trust policies require.",
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
        "--timeout", "target_timeout", type=float, default=DEFAULT_TARGET_TIMEOUT,
        show_default=True, metavar="SECONDS",
        help="Give up on a target after this much request time.",
    ),
    _OUTPUT_OPTION,
    click.option(
        "-q", "--quiet", is_flag=True,
        help="No progress, summary or hints on stderr; failed targets are still reported.",
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


# -- the fleet -------------------------------------------------------------------------

#: The usage error for an account with no region configured and no --region given.
_NO_REGION = (
    "no region to query: pass --region REGION or --all-regions "
    "(or set AWS_REGION or AWS_DEFAULT_REGION, or `region` in the profile)"
)


def _known_profiles() -> set[str]:
    """The profiles of the AWS config files, read once up front.

    A broken file is one clear usage error here, not one failure per target.
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        return set(botocore.session.Session().available_profiles)
    except BotoCoreError as exc:
        raise click.UsageError(f"cannot use the AWS configuration: {exc}") from None


def build_fleet(
    *,
    regions: Sequence[str],
    all_regions: bool,
    profiles: Sequence[str],
    role_arns: Sequence[str],
    role_source_profile: str | None,
    endpoint_url: str | None,
    concurrency: int,
    target_timeout: float | None,
    targets_file: IO[str] | None = None,
    organization_role: str | None = None,
    external_id: str | None = None,
) -> Fleet:
    """The fleet of a list command: every account × every region, through :meth:`Fleet.across`
    (or :meth:`Fleet.from_organization` with ``organization_role``).

    Accounts are the profiles and the roles (assumed with
    ``role_source_profile``); with neither, the default credential chain.
    Without ``regions`` or ``all_regions``, each account gets its own
    configured region (``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the
    profile's ``region``, as :meth:`Fleet.across` resolves it).

    Args:
        regions: ``--region`` values.
        all_regions: ``--all-regions``.
        profiles: ``--profile`` values.
        role_arns: ``--role-arn`` values.
        role_source_profile: ``--role-source-profile``.
        endpoint_url: ``--endpoint-url``.
        concurrency: ``--concurrency``.
        target_timeout: ``--timeout``.
        targets_file: ``--targets-file``: more profiles and roles.
        organization_role: ``--organization-role``: the organization's accounts instead.
        external_id: ``--external-id``, for every role.

    Returns:
        The fleet (not yet entered); its targets are accounts in the order
        given, then regions.

    Raises:
        click.UsageError: contradictory options, an unknown profile, a
            malformed region or role ARN, or no region to query.
    """
    if regions and all_regions:
        raise click.UsageError("give --region or --all-regions, not both")
    check_regions(regions, endpoint_url=endpoint_url)
    if targets_file is not None:
        listed_profiles, listed_roles = read_targets_file(targets_file)
        profiles, role_arns = [*profiles, *listed_profiles], [*role_arns, *listed_roles]
    if organization_role is not None and (profiles or role_arns):
        raise click.UsageError(
            "--organization-role names the accounts: leave out --profile, --role-arn "
            "and --targets-file"
        )
    known = _known_profiles()
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
    if organization_role is not None:
        return organization_fleet(
            organization_role,
            regions=list(LIGHTSAIL_REGIONS) if all_regions else (list(regions) or None),
            profile=role_source_profile,
            external_id=external_id,
            endpoint_url=endpoint_url,
            concurrency=concurrency,
            target_timeout=target_timeout,
        )
    try:
        fleet = Fleet.across(
            "all" if all_regions else (list(regions) or None),
            profiles=profiles,
            role_arns=role_arns,
            role_source_profile=role_source_profile,
            endpoint_url=endpoint_url,
            concurrency=concurrency,
            target_timeout=target_timeout,
        )
    except ValidationError as exc:
        raise _usage_error(exc) from None
    return with_external_id(fleet, external_id)


def _usage_error(exc: ValidationError) -> click.UsageError:
    """The usage error for what :meth:`Fleet.across` refused, named by its option."""
    if exc.parameter == "regions":
        return click.UsageError(_NO_REGION)
    if exc.parameter == "profile":  # the AWS config files could not be read
        return click.UsageError(exc.rule)
    hint = {
        "region": "--region",
        "role_arn": "--role-arn",
        "endpoint_url": "--endpoint-url",
        "target_timeout": "--timeout",
    }.get(exc.parameter)
    got = f" (got {exc.value!r})" if exc.value is not None else ""
    return click.BadParameter(exc.rule + got, param_hint=hint)


# -- progress and failures ------------------------------------------------------------


class _Reporter:
    """Progress on stderr (a terminal only) and one line per failed target, as they happen."""

    def __init__(self, console: Console, *, what: str, total: int, live: bool) -> None:
        self.console = console
        self.found = 0
        self.done = 0
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
                # The data is never drawn through the stderr console.
                redirect_stdout=False,
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

    def follow(self, stream: FleetStream[Any], *, found: int = 0) -> None:
        """Catch up with the stream: ``found`` more items, its targets done, its new failures."""
        self.found += found
        self.done = stream.targets_done
        for failure in stream.failures[len(self.failures) :]:
            self.failures.append(failure)
            # Through the console, so the line lands above a live progress bar.
            self.console.print("error: " + describe_failure(failure), markup=False)
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, completed=self.done, found=self.found, failed=len(self.failures)
            )


# -- running a listing -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Listing(SafeRepr):
    kind: Kind
    output: str
    include_inactive: bool

    def stream(self, fleet: Fleet) -> FleetStream[Any]:
        if self.kind.name == "instances":
            return fleet.iter_instances()
        if self.kind.name == "blueprints":
            return fleet.iter_blueprints(include_inactive=self.include_inactive)
        return fleet.iter_instance_snapshots()


@attrs.frozen
class _WithAccountId(Target):
    """A target shown with its account id (the ``account`` column), for output only."""

    account_id: str = attrs.field(kw_only=True, default="")

    @property
    def account(self) -> str:
        return self.account_id


class AccountIds:
    """Each target as shown, with its 12-digit account id.

    Every target's id is asked for at once, when this is made, with :meth:`Fleet.account_id`
    (one ``GetCallerIdentity`` per set of credentials), each within the target's
    ``--timeout``. Made before a listing or a watch starts, the ids are learnt while it
    runs, so a target's id and its listing share one deadline (NDJSON listings wait for
    :meth:`learnt` first: they write each line at once). A target whose id cannot be
    learnt keeps its own label; its listing fails too, and says why.
    """

    def __init__(self, fleet: Fleet) -> None:
        self._fleet = fleet
        self._learning = {
            target: asyncio.create_task(self._shown(target)) for target in fleet.targets
        }

    async def _shown(self, target: Target) -> Target:
        try:
            account_id = await self._fleet.account_id(target)
        except LightsailError:
            return target
        return _WithAccountId(
            target.region, role_arn=target.role_arn, profile=target.profile,
            name=target.name, account_id=account_id,
        )  # fmt: skip

    async def of(self, target: Target) -> Target:
        """``target`` as shown, once its id is learnt (or could not be)."""
        return await asyncio.shield(self._learning[target])

    async def learnt(self) -> None:
        """Return once every target's id is learnt (or could not be)."""
        await asyncio.gather(*map(asyncio.shield, self._learning.values()))

    def known(self, target: Target) -> Target:
        """``target`` as shown if its id is learnt already, else ``target`` itself."""
        learning = self._learning[target]
        if learning.done() and not learning.cancelled() and learning.exception() is None:
            return learning.result()
        return target

    async def aclose(self) -> None:
        """Stop asking for the ids not learnt yet."""
        for learning in self._learning.values():
            learning.cancel()
        if self._learning:
            await asyncio.wait(self._learning.values())


async def _inventory(
    fleet: Fleet,
    listing: _Listing,
    reporter: _Reporter,
    stdout: IO[str],
    rows: list[tuple[Target, Any]],
) -> None:
    """Stream every target's items as their pages arrive: NDJSON is written at once, other
    formats are added to ``rows``, to be sorted (and printed even if this is interrupted).

    A target that fails partway has its items up to the failure listed, and
    its failure reported as soon as the stream records it.
    """
    async with fleet:
        ids = AccountIds(fleet)
        try:
            # NDJSON writes each line at once, with its account id: the ids come first
            # (a line held back for its id would be lost to a Ctrl-C). The other formats
            # print once every target is done: the ids are learnt meanwhile, so that a
            # target's id and its listing share one --timeout.
            if listing.output == "ndjson":
                await ids.learnt()
            async with listing.stream(fleet) as stream:
                async for listed, item in stream:
                    reporter.follow(stream, found=1)
                    if listing.output == "ndjson":
                        # Blocking writes on the loop are fine here: the producers are
                        # waiting on the network, and a pipeline wants lines early.
                        write_ndjson_line(stdout, record(ids.known(listed), item))
                        stdout.flush()
                    else:
                        rows.append((listed, item))
                reporter.follow(stream)
            await ids.learnt()
        finally:
            # Interrupted, the rows of targets whose ids are not known yet keep their
            # targets' own labels.
            rows[:] = [(ids.known(target), item) for target, item in rows]
            await ids.aclose()


def _stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout)


def _stderr_is_terminal() -> bool:
    return is_terminal(sys.stderr)


def _interrupted(err: Console, line: str) -> NoReturn:
    err.print(line, markup=False)
    raise click.exceptions.Exit(EXIT_INTERRUPTED)


def _write_rows(listing: _Listing, rows: list[tuple[Target, Any]]) -> None:
    """Print the gathered rows, sorted, in the listing's format (NDJSON is already out)."""
    kind = listing.kind
    rows.sort(key=lambda row: kind.sort_key(*row))
    stdout = sys.stdout
    if listing.output == "table":
        write_table(stdout_console(terminal=_stdout_is_terminal()), kind, rows)
    elif listing.output == "json":
        write_json(stdout, [record(target, item) for target, item in rows])
    elif listing.output == "csv":
        write_csv(stdout, kind.model, (record(target, item) for target, item in rows))
    elif listing.output == "aws":
        write_aws(stdout, kind.name, (item for _, item in rows))
    stdout.flush()


def _run_listing(kind: Kind, options: dict[str, Any]) -> None:
    ctx = click.get_current_context()
    fleet = build_fleet(
        regions=options["regions"],
        all_regions=options["all_regions"],
        profiles=options["profiles"],
        role_arns=options["role_arns"],
        role_source_profile=options["role_source_profile"],
        endpoint_url=options["endpoint_url"],
        concurrency=options["concurrency"],
        target_timeout=options["target_timeout"],
        targets_file=options["targets_file"],
        organization_role=options["organization_role"],
        external_id=options["external_id"],
    )
    # The default credential chain may read keys from the environment; make
    # sure no failure line can ever echo them.
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        _logging.register_secret(os.environ.get(name))
    listing = _Listing(
        kind=kind, output=options["output"], include_inactive=options.get("include_inactive", False)
    )
    targets = len(fleet.targets)
    quiet: bool = options["quiet"]
    live = not quiet and _stderr_is_terminal()
    err = stderr_console(live=live)
    reporter = _Reporter(err, what=f"Listing {kind.name}", total=targets, live=live)
    rows: list[tuple[Target, Any]] = []
    interrupted = False
    stdout = sys.stdout
    with reporter:
        try:
            asyncio.run(_inventory(fleet, listing, reporter, stdout, rows))
        except KeyboardInterrupt:
            # asyncio.run has already cancelled the fleet, which closed its
            # clients; what was listed by then is printed below, complete.
            interrupted = True
    try:
        _write_rows(listing, rows)
    except KeyboardInterrupt:
        interrupted = True  # a second Ctrl-C: stop writing (each row is whole)
    if interrupted:
        _interrupted(
            err,
            f"Interrupted: {reporter.found} {kind.name} listed, "
            f"{reporter.done} of {targets} targets complete.",
        )
    failed = len(reporter.failures)
    if not quiet:
        if listing.output == "table":
            err.print(summary(kind, found=reporter.found, targets=targets, failed=failed))
        if failed:
            err.print(f"{failed} of {targets} targets failed.")
        hint = credentials_hint(failure.error for failure in reporter.failures)
        if hint is not None:
            err.print(hint, markup=False)
    if failed:
        ctx.exit(EXIT_FAILED)
