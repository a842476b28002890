"""The one per-target loop of a fan-out: a slot, a turn, a deadline budget, a refresh.

Every way a fleet works on a target (a listing stream, a watch's sweep, a
``map``) goes through :class:`Engine`:

* **bounded**: each page (or ``map`` call) holds one of the fleet's
  ``concurrency`` slots, re-acquired per page, so a target with a thousand
  pages takes its turn with the others (asyncio's semaphores wake in FIFO order);
* **its own turn**: a target's client is opened inside the turn that fetches
  its first page, so results flow from the first targets while later ones are
  still setting up, instead of after every client is built;
* **one page at a time per target**: two streams on one target take turns
  (the slot's ``turn`` lock);
* **one budget**: ``target_timeout`` is the request time a target may take
  per stream, every page and the client's opening together; waiting for the
  consumer does not count;
* **refreshed once**: a role's credentials that the service calls expired
  are fetched again and the same page retried, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiolightsail._client import LightsailClient
from aiolightsail._errors import ExpiredCredentialsError, LightsailError, TargetTimeoutError
from aiolightsail._models import Page
from aiolightsail._pagination import PageIterator
from aiolightsail._target import Target
from aiolightsail.fanout._failure import FleetFailure
from aiolightsail.fanout._scope import Scope

__all__ = ["DEFAULT_TARGET_TIMEOUT", "Budget", "Engine"]

#: Seconds of request time a target may take per stream by default
#: (``docs/reliability.md``, "Deadlines").
DEFAULT_TARGET_TIMEOUT = 300.0

T = TypeVar("T")
R = TypeVar("R")


class Budget:
    """What is left of one target's ``target_timeout`` in one stream (``None``: no limit)."""

    __slots__ = ("limit", "remaining")

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.remaining = limit

    async def run(self, awaitable: Awaitable[R]) -> R:
        """Await within what is left; what it took is spent.

        Raises:
            TargetTimeoutError: the budget ran out first.
        """
        if self.remaining is None:
            return await awaitable
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = asyncio.timeout(max(self.remaining, 0.0))
        try:
            async with deadline:
                return await awaitable
        except TimeoutError as exc:
            if not deadline.expired():  # a request's own timeout: not the target's
                raise
            raise TargetTimeoutError(
                f"target took longer than target_timeout={self.limit:g}s"
            ) from exc
        finally:
            self.remaining -= loop.time() - started


class Engine:
    """Works on one target at a time for a fleet, within its bounds.

    Args:
        scope: the fleet's open state, clients and shared work.
        target_timeout: seconds of request time per target per stream (``None``: no limit).
    """

    def __init__(self, scope: Scope, *, target_timeout: float | None) -> None:
        self._scope = scope
        self._target_timeout = target_timeout

    async def pages(
        self,
        target: Target,
        make: Callable[[LightsailClient], PageIterator[T]],
        deliver: Callable[[tuple[T, ...]], Awaitable[None]],
        *,
        page_token: str | None = None,
    ) -> FleetFailure | None:
        """Fetch every page of ``make(client)``, handing each page's items to ``deliver``.

        A page is not held while the next one is fetched. ``deliver`` runs
        outside the turn (a slow consumer holds up no other target).

        Returns:
            ``None`` when every page was delivered, else the target's failure,
            whose ``page_token`` resumes at the first page not delivered
            (``page_token`` itself when no page was).
        """
        semaphore = self._scope.require_open()
        budget = Budget(self._target_timeout)
        iterator: PageIterator[T] | None = None
        async with self._scope.lease(target) as slot:
            try:
                while True:
                    async with semaphore, slot.turn:
                        if iterator is None:
                            client = await budget.run(self._scope.client(target, slot))
                            iterator = make(client)
                        page = await budget.run(self._page(target, iterator))
                    if page is None:
                        return None
                    if page.items:
                        await deliver(page.items)
                    # Not held while the next page is fetched: with hundreds of
                    # targets in flight, held pages were a third of the heap
                    # that every full garbage collection walked.
                    del page
            except LightsailError as exc:
                token = iterator.resume_token if iterator is not None else page_token
                return FleetFailure(target=target, error=exc, page_token=token)

    async def call(self, target: Target, fn: Callable[[LightsailClient], Awaitable[R]]) -> R:
        """``await fn(client)`` for ``target``, in one turn, within the target's budget.

        Raises:
            Whatever ``fn`` raised; LightsailError when the client could not open.
        """
        semaphore = self._scope.require_open()
        budget = Budget(self._target_timeout)
        async with self._scope.lease(target) as slot, semaphore:
            client = await budget.run(self._scope.client(target, slot))
            return await budget.run(fn(client))

    async def _page(self, target: Target, iterator: PageIterator[T]) -> Page[T] | None:
        try:
            return await iterator.next_page()
        except ExpiredCredentialsError:
            # The service expired the token before the expiry it gave us (or our
            # clock is behind): refresh once and retry the same page.
            if target.role_arn is None:
                raise
            role = await self._scope.role(target)
            await role.credentials.force_refresh()
            return await iterator.next_page()
