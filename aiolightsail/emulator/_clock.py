"""The emulator's clock: real time by default, manual in tests.

Everything in the emulator that depends on time (instances leaving ``pending``,
snapshots becoming ``available``, STS sessions expiring, ``createdAt`` stamps,
metric windows) reads one :class:`Clock`, so a test can jump ahead with
:meth:`Clock.advance` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time

import attrs

from aiolightsail._repr import SafeRepr

__all__ = ["Clock"]

#: 2024-01-01T00:00:00Z: a round, plausible "now" for manual clocks, so that
#: seeded data and snapshots of test output look like real AWS timestamps.
DEFAULT_MANUAL_START = 1_704_067_200.0


@attrs.define
class Clock(SafeRepr):
    """A clock in epoch seconds that tests can move forward.

    A real clock (the default) follows :func:`time.time` plus whatever has been
    added with :meth:`advance`; a manual clock (:meth:`manual`) stands still
    until advanced.
    """

    _start: float | None = attrs.field(default=None, alias="start")
    _offset: float = attrs.field(default=0.0, init=False)

    @classmethod
    def manual(cls, start: float = DEFAULT_MANUAL_START) -> Clock:
        """Return a clock that stands still at ``start`` until advanced.

        Args:
            start: The initial time, in epoch seconds.

        Returns:
            A manual :class:`Clock`.
        """
        return cls(start=start)

    @property
    def is_manual(self) -> bool:
        """Whether the clock only moves when :meth:`advance` is called."""
        return self._start is not None

    def now(self) -> float:
        """Return the current emulated time in epoch seconds."""
        base = time.time() if self._start is None else self._start
        return base + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Args:
            seconds: How far to move; must not be negative.

        Raises:
            ValueError: If ``seconds`` is negative: emulated time never goes back.
        """
        if seconds < 0:
            raise ValueError(f"cannot move the clock backwards (seconds={seconds!r})")
        self._offset += seconds

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of emulated time: a manual clock moves on at once, a real one sleeps.

        With it, a clock can stand in for the client's timer in tests, so that
        a waiter's pauses move the emulator's lifecycles along instead of
        taking wall-clock time.

        Args:
            seconds: How long; must not be negative.
        """
        if self.is_manual:
            self.advance(seconds)
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(seconds)

    def reset(self) -> None:
        """Undo every :meth:`advance`: a manual clock is back at its start."""
        self._offset = 0.0
