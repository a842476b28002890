"""A bounded channel from many producer tasks to one consumer, closed by its owner.

Modelled on anyio's memory object streams: :meth:`Channel.send` waits while
the buffer is full; :meth:`Channel.receive` waits while it is empty and, once
the channel is closed and drained, raises :class:`EndOfChannel` (or the error
the channel was closed with). Whoever owns the producers closes the channel in
a ``finally`` when they have all ended, so a consumer can never wait forever
for a producer that is gone. :class:`ChannelReader` is the protocol of the
consumer's side: an async iterator that is its own context manager.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

__all__ = ["Channel", "ChannelClosed", "ChannelReader", "EndOfChannel", "stop"]

T = TypeVar("T")


class EndOfChannel(Exception):  # noqa: N818 - an end, not an error (like StopIteration)
    """The channel is closed and every item sent has been received."""


class ChannelClosed(Exception):  # noqa: N818 - a signal to a producer, not an error
    """A producer sent on a channel that is closed: its consumer is gone."""


class ChannelReader:
    """An async iterator over what a channel delivers, and its own async context manager:
    ``async with`` (or :meth:`aclose`) stops what feeds it. Subclasses define
    ``__anext__`` and ``aclose``."""

    def __aiter__(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop what feeds the reader; idempotent."""
        raise NotImplementedError


class Channel(Generic[T]):
    """A FIFO buffer of at most ``capacity`` items between producers and one consumer."""

    def __init__(self, capacity: int) -> None:
        self._items: collections.deque[T] = collections.deque()
        self._capacity = max(1, capacity)
        self._closed = False
        self._error: BaseException | None = None
        self._receiver: asyncio.Future[None] | None = None
        self._senders: collections.deque[asyncio.Future[None]] = collections.deque()

    def __len__(self) -> int:
        """How many items wait to be received."""
        return len(self._items)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    async def send(self, item: T) -> None:
        """Add ``item``, waiting while the buffer is full.

        Raises:
            ChannelClosed: the channel was closed (before or while waiting).
        """
        while len(self._items) >= self._capacity and not self._closed:
            waiter = asyncio.get_running_loop().create_future()
            self._senders.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    # Woken, then cancelled before it could run: the room it was
                    # woken for goes to the next sender, or nobody would take it.
                    self._wake_sender()
                elif waiter in self._senders:  # cancelled before being woken
                    self._senders.remove(waiter)
                raise
        if self._closed:
            raise ChannelClosed
        self._items.append(item)
        if self._receiver is not None and not self._receiver.done():
            self._receiver.set_result(None)

    async def receive(self) -> T:
        """Take the oldest item, waiting while there is none.

        Raises:
            EndOfChannel: the channel is closed and empty.
            BaseException: the error the channel was closed with, at once.
        """
        while not self._items:
            if self._closed:
                if self._error is not None:
                    raise self._error
                raise EndOfChannel
            self._receiver = asyncio.get_running_loop().create_future()
            try:
                await self._receiver
            finally:
                self._receiver = None
        item = self._items.popleft()
        self._wake_sender()
        return item

    def close(self, error: BaseException | None = None) -> None:
        """Close the channel (idempotent; the first error given is the one raised).

        Items already sent are still received, unless ``error`` is given: then
        the next :meth:`receive` raises it and the buffer is dropped.
        """
        if error is not None and self._error is None:
            self._error = error
            self._items.clear()
        self._closed = True
        if self._receiver is not None and not self._receiver.done():
            self._receiver.set_result(None)
        while self._senders:
            self._wake_sender()

    @contextlib.contextmanager
    def closing(self, cancelled: str) -> Iterator[None]:
        """Close the channel however the producers' block ends: the owner's side of the contract.

        Cancelled (the consumer's owner is closing), the consumer gets a
        ``RuntimeError(cancelled)`` and the cancellation goes on. A task group
        that failed (a bug, or a failure meant to end everything) hands its
        first exception to the consumer, raised there as itself, and the
        block's exception group ends here. Any other way, the channel is just
        closed, and the consumer ends once it has taken what was sent.
        """
        try:
            yield
        except asyncio.CancelledError:
            self.close(RuntimeError(cancelled))
            raise
        except BaseExceptionGroup as errors:
            self.close(errors.exceptions[0])
        finally:
            self.close()

    def _wake_sender(self) -> None:
        while self._senders:
            waiter = self._senders.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


async def stop(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` if it is running and wait for it to end, without taking on its outcome.

    The caller's own cancellation still propagates.
    """
    if task is not None and not task.done():
        task.cancel()
        await asyncio.wait([task])
