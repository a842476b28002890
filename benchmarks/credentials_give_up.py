"""How long the library and the command line take to give up on credentials that never come.

``python -m benchmarks.credentials_give_up [--timeout 5] [--sweeps 10] [--cli-defaults]``
(about a minute and a half; three minutes with ``--cli-defaults``):

* ``hung helper``: a profile whose ``credential_process`` starts a child and
  sleeps forever;
* ``silent STS``: ``GetCallerIdentity`` (``Fleet.account_id``, the command
  line's account column) at an endpoint that reads the request and never answers;
* ``407 proxy``: every request through an HTTPS proxy that answers
  ``407 Proxy Authentication Required``.

Each is run with every default (``LightsailClient``, ``Fleet``; with
``--cli-defaults`` also ``aiolightsail instances``) and through the command
line (``aiolightsail instances``, ``stop --wait``) with ``--timeout``. It
prints the seconds until each gave up, and what it raised or printed. Then
it runs ``--sweeps`` fleets in a row whose one target's helper hangs, each
given up at a short ``target_timeout``, and counts the helper processes (and
their children) still running: while the fleets are open, and after they
closed. ``docs/reliability.md`` records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from botocore.config import Config

from aiolightsail import Fleet, LightsailClient, LightsailError, Target
from aiolightsail.emulator import DEFAULT_ACCOUNT, Emulator

KEYS = {
    "aws_access_key_id": DEFAULT_ACCOUNT.access_key_id,
    "aws_secret_access_key": DEFAULT_ACCOUNT.secret_access_key,
}
#: A helper that starts a child and sleeps forever (both carry the marker in their arguments).
HELPER = """\
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(10**6)", sys.argv[1]])
time.sleep(10**6)
"""
#: What the proxy answers to every request.
PROXY_407 = (
    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
    b'Proxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n'
)


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client hangs up
    writer.close()


async def _proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(PROXY_407)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def _serve(handler: Any) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    return server, f"http://{host}:{port}"


def _running_with(marker: str) -> int:
    """How many processes run (not zombies) with ``marker`` in their command line."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker.encode() in cmdline and state not in (b"Z", b"X"):
            count += 1
    return count


async def _timed(what: Callable[[], Awaitable[str]]) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        outcome = await what()
    except LightsailError as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, outcome


async def _cli(argv: list[str], env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aiolightsail",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    _, err = await process.communicate()
    lines = [line for line in err.decode().splitlines() if "error" in line.lower()]
    return f"exit {process.returncode}: {lines[0] if lines else err.decode().strip()[:200]}"


def _configure() -> str:
    """Point the AWS config at a profile ``hung`` whose helper hangs; its processes' marker."""
    tmp = Path(tempfile.mkdtemp(prefix="creds-give-up-"))
    helper = tmp / "helper.py"
    helper.write_text(HELPER)
    marker = str(helper)
    config = tmp / "config"
    config.write_text(f"[profile hung]\ncredential_process = {sys.executable} {helper} {marker}\n")
    empty = tmp / "empty"
    empty.write_text("")
    os.environ.update(
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return marker


async def give_up(cli_timeout: float, *, cli_defaults: bool) -> dict[str, dict[str, Any]]:
    """Time each case (see the module) at once: its seconds and outcome, by case."""
    _configure()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP_", "HTTPS_"))}
    silent, silent_url = await _serve(_silent)
    proxy, proxy_url = await _serve(_proxy)
    secret_proxy = proxy_url.replace("http://", "http://user:p4ssw0rd@")
    nowhere = "https://lightsail.invalid"

    async def hung_client() -> str:
        async with LightsailClient("eu-west-1", profile="hung", endpoint_url=silent_url) as c:
            await c.get_instances()
        return "listed"

    async def silent_identity() -> str:
        target = Target("eu-west-1", endpoint_url=silent_url, **KEYS)
        async with Fleet([target]) as fleet:
            return await fleet.account_id(target)

    async def proxy_client() -> str:
        config = Config(proxies={"https": secret_proxy})
        async with LightsailClient("eu-west-1", endpoint_url=nowhere, config=config, **KEYS) as c:
            await c.get_instances()
        return "listed"

    async def hung_fleet() -> str:
        target = Target("eu-west-1", profile="hung", endpoint_url=silent_url)
        async with Fleet([target]) as fleet, fleet.iter_instances() as stream:
            _ = [item async for item in stream]
        return ", ".join(f"{type(f.error).__name__}: {f.error}" for f in stream.failures)

    keys_env = {
        **env,
        "AWS_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
    }
    # The library's cases run at once; the commands one after another, so that their
    # start-up (measured by the baseline, last) is not multiplied by the machine's load.
    library: dict[str, Callable[[], Awaitable[str]]] = {
        "hung helper, LightsailClient (defaults)": hung_client,
        "hung helper, Fleet stream (defaults)": hung_fleet,
        "silent STS, Fleet.account_id (defaults)": silent_identity,
        "407 proxy, LightsailClient (defaults)": proxy_client,
    }
    if cli_defaults:  # minutes each: with the library's cases, at once
        library["hung helper, `instances` (defaults)"] = lambda: _cli(
            ["instances", "-p", "hung", "-r", "eu-west-1", "--endpoint-url", silent_url], env
        )
        library["silent endpoint (STS and Lightsail), `instances` (defaults)"] = lambda: _cli(
            ["instances", "-r", "eu-west-1", "--endpoint-url", silent_url], keys_env
        )
    limit = ["--timeout", str(cli_timeout)]
    commands: dict[str, Callable[[], Awaitable[str]]] = {
        f"hung helper, `instances --timeout {cli_timeout:g}`": lambda: _cli(
            ["instances", "-p", "hung", "-r", "eu-west-1", "--endpoint-url", silent_url, *limit],
            env,
        ),
        f"hung helper, `stop --wait --timeout {cli_timeout:g}`": lambda: _cli(
            [
                "stop",
                "web-1",
                "-p",
                "hung",
                "-r",
                "eu-west-1",
                "--wait",
                *limit,
                "--endpoint-url",
                silent_url,
            ],
            env,
        ),
        f"silent endpoint (STS and Lightsail), `instances --timeout {cli_timeout:g}`": lambda: _cli(
            ["instances", "-r", "eu-west-1", "--endpoint-url", silent_url, *limit], keys_env
        ),
        f"407 proxy, `instances --timeout {cli_timeout:g}`": lambda: _cli(
            ["instances", "-r", "eu-west-1", "--endpoint-url", nowhere, *limit],
            {**keys_env, "HTTPS_PROXY": secret_proxy},
        ),
    }
    async with Emulator() as emulator:
        commands[f"baseline: a healthy endpoint, `instances --timeout {cli_timeout:g}`"] = lambda: (
            _cli(
                ["instances", "-r", "eu-west-1", "--endpoint-url", emulator.endpoint_url, *limit],
                keys_env,
            )
        )

        async def one_by_one() -> list[tuple[float, str]]:
            return [await _timed(command) for command in commands.values()]

        at_once, in_turn = await asyncio.gather(
            asyncio.gather(*(_timed(case) for case in library.values())), one_by_one()
        )
    cases = [*library, *commands]
    results = [*at_once, *in_turn]
    silent.close()
    proxy.close()
    return {
        name: {"seconds": seconds, "outcome": outcome[:300]}
        for name, (seconds, outcome) in zip(cases, results, strict=True)
    }


async def sweeps(count: int) -> dict[str, Any]:
    """Run ``count`` fleets whose target's helper hangs, each given up; count what is left."""
    marker = _configure()
    silent_url = "http://127.0.0.1:9"  # never reached: the credentials never come
    open_counts = []
    for _ in range(count):
        target = Target("eu-west-1", profile="hung", endpoint_url=silent_url)
        async with Fleet([target], target_timeout=1.0) as fleet:
            async with fleet.iter_instances() as stream:
                _ = [item async for item in stream]
            open_counts.append(_running_with(marker))
    return {"sweeps": count, "running_while_open": open_counts, "left": _running_with(marker)}


def main(argv: list[str] | None = None) -> None:
    """Run the parts asked for; print them (``--json``: one JSON document)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="the CLI's --timeout")
    parser.add_argument("--sweeps", type=int, default=10, help="abandoned sweeps to count after")
    parser.add_argument("--only", choices=["give-up", "sweeps"], help="run one part only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--cli-defaults",
        action="store_true",
        help="also time `instances` without --timeout (about three minutes)",
    )
    args = parser.parse_args(argv)
    found: dict[str, Any] = {}
    if args.only in (None, "give-up"):
        found["give_up"] = asyncio.run(give_up(args.timeout, cli_defaults=args.cli_defaults))
    if args.only in (None, "sweeps"):
        found["sweeps"] = asyncio.run(sweeps(args.sweeps))
    if args.json:
        print(json.dumps(found))
        return
    for name, result in found.get("give_up", {}).items():
        print(f"{result['seconds']:7.1f} s  {name}\n           {result['outcome']}")
    if "sweeps" in found:
        counted = found["sweeps"]
        print(
            f"{counted['sweeps']} sweeps given up at target_timeout=1: helper processes "
            f"running while each fleet was open {counted['running_while_open']}; "
            f"after all closed: {counted['left']}"
        )


if __name__ == "__main__":
    main()
