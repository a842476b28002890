"""``aiolightsail emulator``: run the Lightsail emulator from the command line.

Mounted as a subcommand of the ``aiolightsail`` group, and runnable alone as
``python -m aiolightsail.emulator``. It prints the endpoint URL, the accounts'
access key ids and ready-to-paste shell lines, then serves until SIGINT or
SIGTERM and shuts down cleanly (exit status 0). A port it cannot bind (in
use, not permitted, an unknown host) is one line on stderr and exit status 1.
Secret keys are printed only
with ``--show-secrets``: terminals are recorded, logs are shipped, and
``--account`` may carry a key that is used elsewhere too.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal

import click

from aiolightsail.cli._streams import closed_pipe_ends_quietly
from aiolightsail.emulator import DEFAULT_PAGE_SIZE, Account, Emulator, Faults, Timings

__all__ = ["DEFAULT_PORT", "emulator_command"]

#: The default port: fixed so that ``--endpoint-url`` lines survive restarts;
#: next to LocalStack's 4566 without clashing with it.
DEFAULT_PORT = 4570


def _parse_account(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> list[Account]:
    accounts = []
    for value in values:
        account_id, _, rest = value.partition(":")
        access_key_id, _, secret = rest.partition(":")
        try:
            accounts.append(
                Account(
                    account_id=account_id, access_key_id=access_key_id, secret_access_key=secret
                )
            )
        except ValueError as exc:
            raise click.BadParameter(f"{value!r}: {exc} (expected ID:ACCESS_KEY:SECRET)") from exc
    return accounts


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
    help="Port to bind; 0 picks a free one.",
)  # fmt: skip
@click.option(
    "--account", "accounts", multiple=True, metavar="ID:ACCESS_KEY:SECRET",
    callback=_parse_account,
    help="An account that may call the emulator (repeatable); AWS's example keys if none.",
)  # fmt: skip
@click.option(
    "--page-size", type=click.IntRange(min=1), default=DEFAULT_PAGE_SIZE, show_default=True,
    help="Items per page of GetInstances, GetInstanceSnapshots and GetBlueprints.",
)  # fmt: skip
@click.option(
    "--latency-ms", type=click.FloatRange(min=0), default=0.0, show_default=True,
    help="Latency added to every Lightsail response.",
)  # fmt: skip
@click.option(
    "--throttle-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
    help="Share of calls answered with ThrottlingException.",
)  # fmt: skip
@click.option(
    "--error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
    help="Share of calls answered with a 500 ServiceException.",
)  # fmt: skip
@click.option(
    "--state-delay", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
    help="How long every transition takes (boot, start, stop, reboot, snapshot). "
    "Default: 30 s (60 s for snapshots, 15 s for reboots).",
)  # fmt: skip
@click.option("--demo", is_flag=True, help="Seed three accounts with a few hundred resources.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of fake data and faults."
)
@click.option(
    "--show-secrets", is_flag=True,
    help="Print the accounts' secret keys too (they are not printed otherwise).",
)  # fmt: skip
def emulator_command(
    host: str,
    port: int,
    accounts: list[Account],
    page_size: int,
    latency_ms: float,
    throttle_rate: float,
    error_rate: float,
    state_delay: float | None,
    demo: bool,
    seed: int,
    show_secrets: bool,
) -> None:
    """Run a local Lightsail-compatible endpoint until interrupted."""
    faults = Faults(
        latency=latency_ms / 1000, throttle_rate=throttle_rate, error_rate=error_rate, seed=seed
    )
    emulator = Emulator(
        accounts or None,
        host=host,
        port=port,
        page_size=page_size,
        faults=faults,
        seed=seed,
        timings=None if state_delay is None else Timings.uniform(state_delay),
    )
    with closed_pipe_ends_quietly():
        asyncio.run(_serve(emulator, demo=demo, show_secrets=show_secrets, where=(host, port)))


def _cannot_listen(where: tuple[str, int], exc: OSError) -> click.ClickException:
    """The one-line error for a port the emulator cannot bind."""
    host, port = where
    # asyncio's message repeats the address; the errno's own text says it plainly.
    known = exc.errno is not None and exc.errno in errno.errorcode
    reason = os.strerror(exc.errno) if known and exc.errno is not None else exc.strerror or str(exc)
    line = f"cannot listen on {host}:{port}: {reason}"
    if exc.errno == errno.EADDRINUSE:
        line += " (another emulator? --port 0 picks a free port)"
    return click.ClickException(line)


async def _serve(
    emulator: Emulator, *, demo: bool, show_secrets: bool, where: tuple[str, int]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows' event loop: Ctrl+C then ends asyncio.run instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await emulator.start()
    except OSError as exc:
        raise _cannot_listen(where, exc) from None
    async with emulator:
        if demo:
            emulator.seed_demo()
        _announce(emulator, show_secrets=show_secrets)
        await stop.wait()
    click.echo("Emulator stopped.", err=True)


#: Shown where a secret key would be, without --show-secrets.
_HIDDEN = "<hidden: run with --show-secrets>"


def _announce(emulator: Emulator, *, show_secrets: bool) -> None:
    url = emulator.endpoint_url
    default = emulator.default_account

    def secret(account: Account) -> str:
        return account.secret_access_key if show_secrets else _HIDDEN

    click.echo(f"Lightsail emulator listening on {url}")
    click.echo("Accounts (ID, access key, secret):")
    for account in emulator.accounts.values():
        click.echo(f"  {account.account_id}  {account.access_key_id}  {secret(account)}")
    click.echo("Use it from a shell:")
    click.echo(f"  export AWS_ACCESS_KEY_ID={default.access_key_id}")
    click.echo(f"  export AWS_SECRET_ACCESS_KEY={secret(default)}")
    click.echo("  export AWS_DEFAULT_REGION=us-east-1")
    click.echo(f"  export AWS_ENDPOINT_URL={url}")
    click.echo(f"  aws lightsail get-instances --endpoint-url {url}")
    click.echo("Press Ctrl+C to stop.")
