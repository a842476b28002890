"""Hostile servers for the reliability tests: a few lines of ``aiohttp.web`` each, on port 0.

:class:`Hostile` runs one handler that a test swaps per case; it records what
reached it, so a test can tell what the client sent (and to whom).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define(eq=False)
class Seen:
    """One request a hostile server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def operation(self) -> str:
        """The Lightsail operation (``X-Amz-Target``'s suffix), or the STS ``Action``."""
        target = self.headers.get("X-Amz-Target", "")
        if target:
            return target.rpartition(".")[2]
        return dict(p.split("=", 1) for p in self.body.decode().split("&") if "=" in p).get(
            "Action", ""
        )


async def serve(handler: Handler) -> tuple[web.AppRunner, str]:
    """Serve every request with ``handler`` on ``127.0.0.1:0``: the runner and the URL."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


async def _unset(_request: web.Request) -> web.StreamResponse:
    return web.Response(status=599, text="no handler set")


@attrs.define(eq=False)
class Hostile:
    """A server on ``127.0.0.1:0`` whose answer is whatever ``handler`` does."""

    handler: Handler = attrs.field(default=_unset, repr=False)
    seen: list[Seen] = attrs.field(factory=list, repr=False)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path, dict(request.headers), body))
        return await self.handler(request)

    async def start(self) -> None:
        """Serve until :meth:`stop`."""
        self._runner, self.url = await serve(self._dispatch)

    async def stop(self) -> None:
        """Close the listener and every connection."""
        if self._runner is not None:
            await self._runner.cleanup()


async def hostile_server() -> AsyncIterator[Hostile]:
    """A running :class:`Hostile`, stopped afterwards (use as a fixture body)."""
    server = Hostile()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def lightsail_json(body: Any, status: int = 200) -> web.Response:
    """An answer as Lightsail sends it."""
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"x-amzn-RequestId": "hostile-1"},
        content_type="application/x-amz-json-1.1",
    )


async def run_command(*args: str) -> tuple[int | None, bytes, bytes]:
    """Run ``python -m aiolightsail ARGS`` with made-up keys and no other AWS setting.

    Returns:
        The exit status, stdout and stderr.
    """
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith(("AWS_CONFIG", "AWS_SHARED"))},
        "AWS_ACCESS_KEY_ID": "AKIAHOSTILEEXAMPLE01",
        "AWS_SECRET_ACCESS_KEY": "hostile-test-secret-key-0000000000000000",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": "/usr/bin:/bin",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiolightsail", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await process.communicate()
    return process.returncode, out, err


#: Event-loop turns between two dripped bytes: bytes keep coming (a read timeout never
#: fires), yet a tenth of a second's drip stays far below aiohttp's 8 KiB header line.
TURNS_PER_BYTE = 10

#: Where a :class:`Trickler` stops answering properly: it goes silent or drips one
#: byte per event-loop turn, before the status line, inside the headers, or in the body.
PHASES = ("silent", "trickle-headers", "silent-after-headers", "trickle-body", "silent-mid-body")


async def read_request(reader: asyncio.StreamReader) -> None:
    """Read one HTTP/1.1 request, its head and its ``Content-Length`` bytes of body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    await reader.readexactly(length)


@attrs.define(eq=False)
class Trickler:
    """A raw TCP server that answers every request in the manner of ``phase``, forever.

    It never sleeps on the wall clock: a trickle writes one byte every
    :data:`TURNS_PER_BYTE` event-loop turns, so bytes keep arriving far more
    often than any read timeout, and the answer never ends (a header line
    without end, or a body announced as 15 MB, just under the client's bound on an
    answer, that a drip never reaches).
    """

    phase: str = "silent"
    requests: int = 0
    url: str = ""
    open_connections: int = 0
    #: Set while the server holds no connection.
    idle: asyncio.Event = attrs.Factory(asyncio.Event)
    _server: Any = None
    _writers: set[asyncio.StreamWriter] = attrs.Factory(set)

    async def start(self) -> None:
        """Listen on ``127.0.0.1:0``."""
        self.idle.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Close the listener and every connection."""
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        await asyncio.wait_for(self.idle.wait(), 10)  # every handler has returned

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.open_connections += 1
        self.idle.clear()
        try:
            await read_request(reader)
            self.requests += 1
            status = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
            body_head = b'{"instances": [' + b" " * 8
            if self.phase == "silent":
                drip = None
            elif self.phase == "trickle-headers":
                writer.write(status + b"X-Drip: ")
                drip = b"a"
            else:
                writer.write(status + b"Content-Length: 15000000\r\n\r\n")
                if self.phase == "silent-after-headers":
                    drip = None
                else:
                    writer.write(body_head)
                    drip = b" " if self.phase == "trickle-body" else None
            while True:
                if drip is None:
                    await reader.read()  # silent until the client hangs up
                    return
                writer.write(drip)
                await writer.drain()
                for _ in range(TURNS_PER_BYTE):
                    await asyncio.sleep(0)
                if writer.is_closing() or reader.at_eof():
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self.open_connections -= 1
            if not self.open_connections:
                self.idle.set()
            self._writers.discard(writer)
            writer.close()


#: The parts of a request a front does not pass on: aiohttp sets them for what it sends.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


def signed_region(seen: Seen) -> str:
    """The region of a SigV4-signed request: the third part of its credential scope."""
    authorization = seen.headers.get("Authorization", "")
    scope = authorization.partition("Credential=")[2].partition(",")[0]
    parts = scope.split("/")
    return parts[2] if len(parts) > 2 else ""


@attrs.define(eq=False)
class Front:
    """A server on ``127.0.0.1:0`` in front of ``upstream`` (the emulator): every request is
    passed on as it came (its signature still holds: the ``Host`` header is kept), unless
    ``spoil`` returns a hostile answer for it; then that answer is sent instead.

    One endpoint URL then serves many targets, some hostile and some healthy (say, by
    :func:`signed_region`), which is what a command-line run with one ``--endpoint-url``
    needs.
    """

    upstream: str
    spoil: Callable[[Seen], web.StreamResponse | None] = attrs.field(
        default=lambda _seen: None, repr=False
    )
    seen: list[Seen] = attrs.field(factory=list, repr=False)
    spoiled: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None
    _session: Any = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        import aiohttp

        body = await request.read()
        seen = Seen(request.method, request.path, dict(request.headers), body)
        self.seen.append(seen)
        answer = self.spoil(seen)
        if answer is not None:
            self.spoiled += 1
            return answer
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        if self._session is None:
            self._session = aiohttp.ClientSession(auto_decompress=False)
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body, headers=headers
        ) as passed:
            content = await passed.read()
            return web.Response(
                status=passed.status,
                body=content,
                headers={k: v for k, v in passed.headers.items() if k.lower() not in _HOP_BY_HOP},
            )

    async def start(self) -> None:
        """Serve until :meth:`stop`."""
        self._runner, self.url = await serve(self._dispatch)

    async def stop(self) -> None:
        """Close the listener, every connection and the upstream session."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
