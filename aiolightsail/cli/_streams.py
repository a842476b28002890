"""Where the ``aiolightsail`` commands write, and how they end: the Unix conventions.

- stdout carries the data alone. Piped or redirected, it has no width: a
  table row is one line whatever its length, so ``grep`` finds it; on a
  terminal a table fits the terminal.
- stderr carries everything said to a person: progress (on a terminal),
  the summary, one line per failed target, hints.
- A reader that goes away (``aiolightsail instances | head -1``) ends the
  command quietly with status 0, as ``head`` wanted no more: stdout and
  stderr are pointed at the null device (the Python documentation's "Note on
  SIGPIPE"), so neither a traceback nor the interpreter's "Exception ignored"
  message at exit is printed.
- Exit statuses are :data:`EXIT_OK`, :data:`EXIT_FAILED`, :data:`EXIT_USAGE`
  (click's own) and :data:`EXIT_INTERRUPTED`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import IO

import click
from rich.console import Console

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "UNLIMITED_WIDTH",
    "closed_pipe_ends_quietly",
    "is_terminal",
    "stderr_console",
    "stdout_console",
]

#: Everything asked for was done (or the reader of stdout went away).
EXIT_OK = 0
#: Some targets failed (what the others answered is still printed), or an action failed.
EXIT_FAILED = 1
#: A usage error: bad or contradictory options, found before any request.
EXIT_USAGE = 2
#: 128 + SIGINT, what shells report for a command stopped with Ctrl-C.
EXIT_INTERRUPTED = 130

#: The width of a console whose stream is not a terminal: wider than any row.
UNLIMITED_WIDTH = 1_000_000


def is_terminal(stream: IO[str]) -> bool:
    """Whether a stream is a terminal (``False`` for a closed or file-less stream).

    Args:
        stream: ``sys.stdout`` or ``sys.stderr``.

    Returns:
        ``stream.isatty()``, or ``False`` when it cannot tell.
    """
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Console(Console):
    """A rich console that lets a closed pipe propagate, to :func:`closed_pipe_ends_quietly`.

    rich's own reaction exits with status 1 and silences stdout only.
    """

    def __repr__(self) -> str:
        # rich's own repr reads the size, which a half-built console lacks.
        return f"<{type(self).__name__} width={getattr(self, '_width', None)}>"

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def stdout_console(*, terminal: bool, file: IO[str] | None = None) -> Console:
    """A console on stdout: the terminal's width on a terminal, else :data:`UNLIMITED_WIDTH`.

    Args:
        terminal: whether stdout is a terminal.
        file: the stream standing for stdout (default ``sys.stdout``).

    Returns:
        The console (no highlighting: the data is printed as it is).
    """
    return _Console(
        file=file or sys.stdout, highlight=False, width=None if terminal else UNLIMITED_WIDTH
    )


def stderr_console(*, live: bool = False) -> Console:
    """A console on stderr whose lines are never wrapped (one failure, one greppable line).

    Args:
        live: force terminal control codes, for a progress display.

    Returns:
        The console.
    """
    return _Console(
        stderr=True, highlight=False, soft_wrap=True, force_terminal=True if live else None
    )


def _silence_standard_streams() -> None:
    """Point stdout and stderr at the null device, so nothing more fails on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                descriptor = stream.fileno()
            except (AttributeError, OSError, ValueError):  # captured, as by click's CliRunner
                continue
            os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


@contextlib.contextmanager
def closed_pipe_ends_quietly() -> Iterator[None]:
    """Run a command so that a closed stdout or stderr ends it with status 0 and nothing printed.

    stdout is flushed on the way out, so that data still buffered meets the
    closed pipe here and not in the interpreter's shutdown.

    Raises:
        click.exceptions.Exit: with :data:`EXIT_OK` after a closed pipe.
    """
    try:
        try:
            yield
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_standard_streams()
        raise click.exceptions.Exit(EXIT_OK) from None
