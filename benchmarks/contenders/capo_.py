"""capo-lightsail: a generated async SDK on its own HTTP stack (zapros), no botocore.

It has no paginator for ``GetInstances``, so the loop follows ``next_page_token`` by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from capo_lightsail import AsyncLightsailClient, Credentials

from benchmarks.harness import BenchTarget

__all__ = ["Capo"]


class Capo:
    """Items are capo's TypedDicts (snake_case keys, ``datetime`` timestamps)."""

    blocking: ClassVar[bool] = False

    async def open(self, target: BenchTarget) -> AsyncLightsailClient:
        """See :class:`benchmarks.contenders.Contender`."""
        client = AsyncLightsailClient(
            region=target.region,
            endpoint=target.endpoint_url,
            credentials=Credentials(
                access_key=target.access_key_id, secret_key=target.secret_access_key
            ),
        )
        return await client.__aenter__()

    async def first_page(self, client: AsyncLightsailClient) -> int:
        """See :class:`benchmarks.contenders.Contender`."""
        return len((await client.get_instances()).get("instances", []))

    async def items(self, client: AsyncLightsailClient) -> AsyncIterator[Any]:
        """See :class:`benchmarks.contenders.Contender`."""
        token: str | None = None
        while True:
            page = await client.get_instances(page_token=token)
            for item in page.get("instances", []):
                yield item
            token = page.get("next_page_token")
            if not token:
                return

    async def close(self, client: AsyncLightsailClient) -> None:
        """See :class:`benchmarks.contenders.Contender`."""
        await client.__aexit__(None, None, None)

    async def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """``asyncio.gather`` over every target at once (``concurrency`` is not used)."""

        async def one(target: BenchTarget) -> int:
            client = await self.open(target)
            try:
                count = 0
                async for _item in self.items(client):
                    count += 1
                return count
            finally:
                await self.close(client)

        return sum(await asyncio.gather(*(one(t) for t in targets)))

    async def aclose(self) -> None:
        """Nothing shared."""
