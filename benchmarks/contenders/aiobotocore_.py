"""Raw aiobotocore, as most code uses it: a paginator per target and ``asyncio.gather``.

Two variants: a fresh session per target (``get_session()`` where the client
is made, the common pattern), and one session shared by every client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from aiobotocore.session import AioSession, get_session

from benchmarks.harness import BenchTarget

__all__ = ["FreshSession", "SharedSession"]


class _Client:
    def __init__(self, client: Any, stack: contextlib.AsyncExitStack) -> None:
        self.client = client
        self.stack = stack


class SharedSession:
    """One ``AioSession`` for every client; items are botocore's dicts."""

    blocking: ClassVar[bool] = False

    def __init__(self) -> None:
        self._shared: AioSession | None = None

    def _session(self) -> AioSession:
        if self._shared is None:
            self._shared = get_session()
        return self._shared

    def _create(self, target: BenchTarget) -> Any:
        return self._session().create_client(
            "lightsail",
            region_name=target.region,
            endpoint_url=target.endpoint_url,
            aws_access_key_id=target.access_key_id,
            aws_secret_access_key=target.secret_access_key,
        )

    async def open(self, target: BenchTarget) -> _Client:
        """See :class:`benchmarks.contenders.Contender`."""
        stack = contextlib.AsyncExitStack()
        client = await stack.enter_async_context(self._create(target))
        return _Client(client, stack)

    async def first_page(self, client: _Client) -> int:
        """See :class:`benchmarks.contenders.Contender`."""
        return len((await client.client.get_instances())["instances"])

    async def items(self, client: _Client) -> AsyncIterator[dict[str, Any]]:
        """See :class:`benchmarks.contenders.Contender`."""
        async for page in client.client.get_paginator("get_instances").paginate():
            for item in page["instances"]:
                yield item

    async def close(self, client: _Client) -> None:
        """See :class:`benchmarks.contenders.Contender`."""
        await client.stack.aclose()

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """``asyncio.gather`` over every target at once (``concurrency`` is not used)."""

        async def one(target: BenchTarget) -> int:
            count = 0
            async with self._create(target) as client:
                async for page in client.get_paginator("get_instances").paginate():
                    count += len(page["instances"])
            return count

        return sum(await asyncio.gather(*(one(t) for t in targets)))

    async def aclose(self) -> None:
        """See :class:`benchmarks.contenders.Contender`."""
        self._shared = None


class FreshSession(SharedSession):
    """A new ``get_session()`` for every client."""

    def _session(self) -> AioSession:
        return get_session()
