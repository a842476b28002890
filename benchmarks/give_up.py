"""How long the default settings take to give up on an endpoint that never answers in full.

``python -m benchmarks.give_up`` (about two minutes; the cases run at once):

* ``silent``: accepts the connection, reads the request, never sends a byte;
* ``trickle``: sends the status line and headers, then one byte of body per
  second, forever (under any read timeout, so only a total deadline ends it);
* ``slow-headers``: sends the status line, then one header byte per second.

Each case runs against a ``LightsailClient`` with every default (timeouts,
attempts, botocore's real jittered backoff) and against a ``Fleet`` of that
target plus a healthy one (the emulator), with every default, as the command
line builds it. It prints, per case, the seconds until the call raised (and
what), and until the fleet's stream ended.

The other way round, a slow client of the emulator (default settings): one
that sends half its headers, and one that sends its headers and half its body;
it prints the seconds until the emulator answered or hung up.
``docs/reliability.md`` records a run.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiolightsail import Fleet, LightsailClient, LightsailError, Target
from aiolightsail.emulator import DEFAULT_ACCOUNT, Emulator

KEYS = {
    "aws_access_key_id": DEFAULT_ACCOUNT.access_key_id,
    "aws_secret_access_key": DEFAULT_ACCOUNT.secret_access_key,
}
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
#: Requests each hostile server received, by manner.
REQUESTS: dict[str, int] = {}
#: The connection handlers still running, cancelled and awaited at the end.
HANDLERS: set[asyncio.Task[None]] = set()


async def _serve(manner: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    task = asyncio.current_task()
    assert task is not None
    HANDLERS.add(task)
    task.add_done_callback(HANDLERS.discard)
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n")
             if line.lower().startswith(b"content-length:")),
            0,
        )  # fmt: skip
        await reader.readexactly(length)
        REQUESTS[manner] = REQUESTS.get(manner, 0) + 1
        if manner == "silent":
            await reader.read()
            return
        if manner == "trickle":
            writer.write(HEAD + b"Content-Length: 1000000\r\n\r\n{")
            drip = b" "
        else:
            writer.write(HEAD + b"X-Slow: ")
            drip = b"a"
        while not (reader.at_eof() or writer.is_closing()):
            writer.write(drip)
            await writer.drain()
            await asyncio.sleep(1)
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def _server(manner: str) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(lambda r, w: _serve(manner, r, w), "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    return server, f"http://{host}:{port}"


async def _client(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    async with LightsailClient("us-east-1", endpoint_url=url, **KEYS) as client:
        try:
            await client.get_instances()
            outcome = "answered"
        except LightsailError as exc:
            outcome = type(exc).__name__
    return {"seconds": round(time.perf_counter() - started, 1), "outcome": outcome}


async def _fleet(url: str, healthy: str) -> dict[str, Any]:
    started = time.perf_counter()
    bad = Target("us-east-1", endpoint_url=url, **KEYS)
    good = Target("us-east-1", endpoint_url=healthy, **KEYS)
    async with Fleet([bad, good]) as fleet, fleet.iter_instances() as stream:
        items = [item async for item in stream]
    failures = [type(f.error).__name__ for f in stream.failures]
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "items": len(items),
        "failures": failures,
    }


async def _slow_client(emulator: Emulator, part: str) -> dict[str, Any]:
    host, port = emulator.endpoint_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Lightsail_20161128.GetInstances\r\n"
        b"Content-Length: 100\r\n\r\n"
    )
    writer.write(head[:40] if part == "headers" else head + b"{")
    started = time.perf_counter()
    try:
        answer = await reader.read()
    except ConnectionError:
        answer = b""
    finally:
        writer.close()
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "answer": answer.split(b"\r\n", 1)[0].decode() or "closed",
    }


async def main() -> None:
    """Run every case at once and print one JSON object per case."""
    async with Emulator() as emulator:
        emulator.seed_instances(count=3)
        servers = {
            manner: await _server(manner) for manner in ("silent", "trickle", "slow-headers")
        }
        try:
            jobs = {
                f"{manner}/{kind}": (
                    _client(url) if kind == "client" else _fleet(url, emulator.endpoint_url)
                )
                for manner, (_, url) in servers.items()
                for kind in ("client", "fleet")
            }
            jobs["emulator/slow-headers"] = _slow_client(emulator, "headers")
            jobs["emulator/slow-body"] = _slow_client(emulator, "body")
            results = await asyncio.gather(*jobs.values())
        finally:
            for server, _ in servers.values():
                server.close()
            # Every client has hung up: each handler notices within a drip.
            if HANDLERS:
                await asyncio.wait(list(HANDLERS), timeout=5)
    for name, result in zip(jobs, results, strict=True):
        print(json.dumps({"case": name, **result}))
    # Both the client and the fleet's target of a manner talk to the same server.
    print(json.dumps({"requests_per_server": REQUESTS}))


if __name__ == "__main__":
    asyncio.run(main())
