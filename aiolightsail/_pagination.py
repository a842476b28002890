"""Follow Lightsail's ``pageToken`` → ``nextPageToken`` chain as an async iterator.

A :class:`PageIterator` fetches the next page only when its consumer asks for
an item past the current page, so memory stays at one page however large the
account. It is a plain class rather than an async generator: leaving a loop
early (``break``, an exception, cancellation) leaves no suspended generator
frame and no request in flight, because requests only run inside
``__anext__``, awaited by the consumer itself.

Checkpoints: :attr:`PageIterator.page_token` is the token of the page in
flight. An error raised while fetching a page carries that token as
``error.page_token``; passing it back as ``page_token=`` resumes with no item
skipped or repeated. Iterating the same iterator again after such an error
retries that page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Self, TypeVar

from aiolightsail._errors import LightsailError, PaginationError
from aiolightsail._models import Page

__all__ = ["PageIterator"]

T = TypeVar("T")

FetchPage = Callable[[str | None], Awaitable[Page[T]]]


class PageIterator(Generic[T]):
    """An async iterator over every item of a list operation, one page at a time.

    Attributes:
        operation: the wire operation (``"GetInstances"``).
        page_token: the token of the page in flight: the page being fetched, or
            the one whose items are being yielded (``None`` for the first page).
        next_page_token: the token of the page after the current one, once the
            current one has arrived (``None`` before, and after the last page).
        pages_fetched: how many pages have arrived so far.
    """

    def __init__(self, fetch: FetchPage[T], *, operation: str, page_token: str | None = None):
        self._fetch = fetch
        self.operation = operation
        self.page_token = page_token
        self.next_page_token: str | None = None
        self.pages_fetched = 0
        self._items: tuple[T, ...] = ()
        self._index = 0
        self._done = False
        self._in_flight = False
        self._seen: set[str] = set() if page_token is None else {page_token}

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._items):
            self._items, self._index = (), 0  # not held while the next page is fetched
            page = await self.next_page()
            if page is None:
                raise StopAsyncIteration
            self._items, self._index = page.items, 0
        item = self._items[self._index]
        self._index += 1
        return item

    async def next_page(self) -> Page[T] | None:
        """Fetch the next page (``None`` after the last); iterate items or pages instead.

        After an error, calling it again retries the same page.
        """
        if self._done:
            return None
        if not self._in_flight:
            if self.pages_fetched:
                token = self.next_page_token
                if not token:
                    # botocore's paginators also stop on an empty token.
                    self._done = True
                    self.next_page_token = None
                    return None
                if token in self._seen:
                    self._done = True
                    raise PaginationError(
                        f"{self.operation}: the service repeated page token {token!r}; "
                        "following it would loop forever"
                    )
                self._seen.add(token)
                self.page_token = token
            self._in_flight = True
        try:
            page = await self._fetch(self.page_token)
        except LightsailError as exc:
            # The page stays in flight: iterating again retries it, and the
            # token lets a later run resume exactly here.
            exc.page_token = self.page_token
            raise
        self._in_flight = False
        self.pages_fetched += 1
        self.next_page_token = page.next_page_token or None
        return page

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate page by page instead of item by item (for page-level checkpoints).

        Items of a page already taken through ``async for item in iterator``
        are not yielded again.
        """
        if self._index < len(self._items):
            rest = self._items[self._index :]
            self._index = len(self._items)
            yield Page(items=rest, next_page_token=self.next_page_token)
        self._items, self._index = (), 0
        while True:
            page = await self.next_page()
            if page is None:
                return
            yield page
            del page  # not held while the next page is fetched

    async def aclose(self) -> None:
        """Stop the iteration; later calls to ``__anext__`` end at once. Idempotent."""
        self._done = True
        self._items, self._index = (), 0
