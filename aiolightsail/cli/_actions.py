"""``aiolightsail start|stop|reboot NAME [--region R] [--wait]``: act on one instance.

Each prints one line per operation the service started (type, instance,
status, id) on stdout. With ``--wait`` it then waits for those operations to
end and for the instance to reach the state the action leads to (running,
stopped, running again), and prints that. ``-q`` prints nothing but errors.
Errors go to stderr as one line (the error class, the message, Lightsail's
tip), followed by a hint when no credentials were found. The region is
resolved as for the listings (``build_fleet``): ``--region``, else
``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile's ``region``. A
``--region`` outside the Lightsail regions is a usage error unless
``--endpoint-url`` is given (see ``_guidance``). Exit status: 0 done, 1 the
service refused, an operation failed or the wait timed out, 2 usage error, 130
interrupted.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from aiolightsail import (
    DEFAULT_CALL_TIMEOUT,
    APIError,
    InstanceStateName,
    LightsailClient,
    LightsailError,
    Operation,
    Target,
    ValidationError,
    WaitFailedError,
    WaitTimeoutError,
    _logging,
)
from aiolightsail._controls import neutralise
from aiolightsail.cli._app import build_fleet
from aiolightsail.cli._guidance import credentials_hint
from aiolightsail.cli._streams import EXIT_FAILED, EXIT_INTERRUPTED

__all__ = ["reboot_command", "start_command", "stop_command"]

#: The state each action leads to.
_DESTINATION = {
    "start": InstanceStateName.RUNNING,
    "stop": InstanceStateName.STOPPED,
    "reboot": InstanceStateName.RUNNING,
}


def _check_endpoint(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://")
    return value


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.argument("name"),
            click.option(
                "-r", "--region", metavar="REGION",
                help="The instance's Lightsail region (another needs --endpoint-url). "
                "Default: the configured region (AWS_REGION, AWS_DEFAULT_REGION, "
                "the profile's region), as for every command.",
            ),
            click.option(
                "-p", "--profile", metavar="PROFILE",
                help="An AWS config profile. Default: the default credential chain.",
            ),
            click.option(
                "--endpoint-url", metavar="URL", callback=_check_endpoint,
                help="Send the requests here instead of AWS (e.g. `aiolightsail emulator`).",
            ),
            click.option(
                "--wait", is_flag=True,
                help="Wait until the operations end and the instance is in its new state.",
            ),
            click.option(
                "--timeout", "wait_timeout", type=click.FloatRange(min=0, min_open=True),
                default=600.0,
                show_default=True, metavar="SECONDS", help="How long --wait waits.",
            ),
            click.option(
                "-q", "--quiet", is_flag=True,
                help="Print nothing but errors (the operations and the new state are not "
                "printed; the exit status says how it went).",
            ),
        )
    ):  # fmt: skip
        command = option(command)
    return command


def _describe(operation: Operation) -> str:
    return neutralise(
        f"{operation.operation_type} {operation.resource_name}: {operation.status}"
        f" (operation {operation.id})"
    )


def _describe_error(error: LightsailError) -> str:
    line = f"error: {type(error).__name__}"
    if isinstance(error, APIError):
        line += f" ({error.code}): {error.message}" + (f" Tip: {error.tip}" if error.tip else "")
    else:
        line += f": {error}"
    return " ".join(neutralise(_logging.redact(line)).split())


async def _act(
    action: str,
    act: Callable[[LightsailClient], Awaitable[list[Operation]]],
    *,
    name: str,
    target: Target,
    endpoint_url: str | None,
    wait: bool,
    wait_timeout: float,
    quiet: bool,
) -> None:
    def say(line: str) -> None:
        if not quiet:
            click.echo(line)

    # With --wait, its limit bounds every step, credentials and the action included.
    call_timeout = min(DEFAULT_CALL_TIMEOUT, wait_timeout) if wait else DEFAULT_CALL_TIMEOUT
    async with LightsailClient(
        target.region,
        profile=target.profile,
        endpoint_url=endpoint_url,
        call_timeout=call_timeout,
    ) as client:
        operations = await act(client)
        for operation in operations:
            say(_describe(operation))
        if not wait:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_timeout
        for operation in await client.wait_for_operations(operations, timeout=wait_timeout):
            say(_describe(operation))
        state = _DESTINATION[action]
        remaining = max(deadline - loop.time(), 0.001)
        await client.wait_for_instance_state(name, state, timeout=remaining)
        say(neutralise(f"{name} is {state}"))


def _target(region: str | None, profile: str | None, endpoint_url: str | None) -> Target:
    """The one target of an action, its region resolved as every command resolves it."""
    fleet = build_fleet(
        regions=[region] if region else [],
        all_regions=False,
        profiles=[profile] if profile else [],
        role_arns=[],
        role_source_profile=None,
        endpoint_url=endpoint_url,
        concurrency=1,
        target_timeout=None,
    )
    [target] = fleet.targets
    return target


def _run(
    action: str, act: Callable[[LightsailClient], Awaitable[list[Operation]]], **options: Any
) -> None:
    ctx = click.get_current_context()
    region, profile = options.pop("region"), options.pop("profile")
    target = _target(region, profile, options["endpoint_url"])
    for variable in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        _logging.register_secret(os.environ.get(variable))
    try:
        asyncio.run(_act(action, act, target=target, **options))
    except ValidationError as exc:
        raise click.BadParameter(exc.rule, param_hint=exc.parameter) from None
    except (WaitTimeoutError, WaitFailedError, LightsailError) as exc:
        click.echo(_describe_error(exc), err=True)
        hint = credentials_hint([exc])
        if hint is not None:
            click.echo(hint, err=True)
        ctx.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    sys.stdout.flush()


@click.command("start", short_help="Start a stopped instance.")
@_options
def start_command(**options: Any) -> None:
    """Start the stopped instance NAME (with --wait, until it is running)."""
    name = options["name"]
    _run("start", lambda client: client.start_instance(name), **options)


@click.command("stop", short_help="Stop a running instance.")
@_options
@click.option("--force", is_flag=True, help="Stop it even if it is stuck (may lose data).")
def stop_command(force: bool, **options: Any) -> None:
    """Stop the running instance NAME (with --wait, until it is stopped)."""
    name = options["name"]
    _run("stop", lambda client: client.stop_instance(name, force=force), **options)


@click.command("reboot", short_help="Reboot a running instance.")
@_options
def reboot_command(**options: Any) -> None:
    """Reboot the running instance NAME (with --wait, until it is running again)."""
    name = options["name"]
    _run("reboot", lambda client: client.reboot_instance(name), **options)
