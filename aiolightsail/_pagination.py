"""Follow Lightsail's ``pageToken`` → ``nextPageToken`` chain as an async iterator.

A :class:`PageIterator` fetches the next page only when its consumer asks for
an item past the current page, so memory stays at one page however large the
account. It is a plain class rather than an async generator: leaving a loop
early (``break``, an exception, cancellation) leaves no suspended generator
frame and no request in flight, because requests only run inside
``__anext__``, awaited by the consumer itself.

Checkpoints: :attr:`PageIterator.resume_token` is the token of the first page
not yet delivered. Every error raised by the iterator carries it as
``error.page_token``; passing it back as ``page_token=`` resumes right after
the last page delivered, with no item skipped or repeated. Iterating the same
iterator again after an error of a request retries that page.

Bounds: a service that never ends its listing is stopped with a
:class:`~aiolightsail.PaginationError`: when it repeats a token, when a listing
reaches ``max_pages`` pages with more to come, or after
:data:`MAX_EMPTY_PAGES` empty pages in a row. The tokens seen are remembered
as 16-byte digests, so memory is bounded by ``max_pages`` whatever the tokens'
size.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Self, TypeVar

from aiolightsail._errors import LightsailError, PaginationError
from aiolightsail._models import Page
from aiolightsail._text import bounded

__all__ = ["DEFAULT_MAX_PAGES", "MAX_EMPTY_PAGES", "PageIterator"]

#: Pages one listing may have. Far beyond any real account (10,000 pages of
#: Lightsail's smallest pages is 200,000 resources in one region); a service
#: past it is not ending its listing (``docs/reliability.md``).
DEFAULT_MAX_PAGES = 10_000
#: Empty pages in a row after which a listing is taken to be endless. A real
#: listing can return an empty page before more items; a hundred in a row is a
#: loop the service has no reason to make.
MAX_EMPTY_PAGES = 100

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
        max_pages: the most pages this iterator fetches before it stops with a
            :class:`PaginationError`.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        operation: str,
        page_token: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_empty_pages: int = MAX_EMPTY_PAGES,
    ):
        self._fetch = fetch
        self.operation = operation
        self.page_token = page_token
        self.next_page_token: str | None = None
        self.pages_fetched = 0
        self.max_pages = max_pages
        self._max_empty = max_empty_pages
        self._empty_run = 0
        self._items: tuple[T, ...] = ()
        self._index = 0
        self._done = False
        self._in_flight = False
        self._seen: set[bytes] = set() if page_token is None else {_digest(page_token)}

    @property
    def resume_token(self) -> str | None:
        """The token of the first page not yet delivered (``None``: the first page).

        Every error this iterator raises carries it as ``page_token``.
        """
        if self._in_flight or not self.pages_fetched:
            return self.page_token
        return self.next_page_token

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
                digest = _digest(token)
                if digest in self._seen:
                    raise self._stop(
                        f"the service repeated page token {_shown(token)}; "
                        "following it would loop forever"
                    )
                if self.pages_fetched >= self.max_pages:
                    raise self._stop(
                        f"the listing has more than max_pages={self.max_pages} pages; "
                        "stopped as endless"
                    )
                if self._empty_run >= self._max_empty:
                    raise self._stop(
                        f"the service sent {self._empty_run} empty pages in a row, "
                        "each with a new token; stopped as endless"
                    )
                self._seen.add(digest)
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
        self._empty_run = 0 if page.items else self._empty_run + 1
        self.next_page_token = page.next_page_token or None
        return page

    def _stop(self, why: str) -> PaginationError:
        """End the iteration; the error resumes at the token that was not followed."""
        self._done = True
        error = PaginationError(f"{self.operation}: {why}")
        error.page_token = self.next_page_token
        return error

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


def _digest(token: str) -> bytes:
    """16 bytes standing for a token: the seen-set stays small whatever the tokens' size."""
    # surrogatepass: a token decoded from JSON may hold a lone surrogate.
    return hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _shown(token: str) -> str:
    """A token for an error message: its repr, cut to a bounded length."""
    return bounded(repr(token))
