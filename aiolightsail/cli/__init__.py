"""The ``aiolightsail`` command line, an optional extra: ``pip install 'aiolightsail[cli]'``.

The console script and ``python -m aiolightsail`` / ``python -m
aiolightsail.emulator`` start here. This module imports neither click nor
rich, so that without the extra :func:`main` can say how to install it
(one line on stderr, exit status 1) instead of failing with a traceback.

The commands themselves: ``_app`` (the group and the list commands),
``_output`` (table, JSON, NDJSON, CSV), ``_demo`` and ``_emulator``.
"""

from __future__ import annotations

import sys
from typing import NoReturn

__all__ = ["INSTALL_HINT", "emulator_main", "main"]

#: What :func:`main` prints when click or rich is missing.
INSTALL_HINT = "The aiolightsail command needs its extra: pip install 'aiolightsail[cli]'"

#: The top-level modules the ``cli`` extra installs.
_EXTRA_MODULES = frozenset({"click", "rich"})


def main() -> None:
    """Run the ``aiolightsail`` command; without the ``cli`` extra, print how to install it.

    Raises:
        SystemExit: always, with the command's exit status (1 when the extra is missing).
    """
    try:
        from aiolightsail.cli._app import cli
    except ModuleNotFoundError as exc:
        if not _is_the_extra(exc):
            raise
        _exit_with_hint()
    cli()


def emulator_main() -> None:
    """Run the ``emulator`` command on its own; without the ``cli`` extra, print how to install it.

    Raises:
        SystemExit: always, with the command's exit status (1 when the extra is missing).
    """
    try:
        from aiolightsail.cli._emulator import emulator_command
    except ModuleNotFoundError as exc:
        if not _is_the_extra(exc):
            raise
        _exit_with_hint()
    emulator_command(prog_name="python -m aiolightsail.emulator")


def _is_the_extra(exc: ModuleNotFoundError) -> bool:
    """Whether the missing module is click or rich (anything else is a broken installation)."""
    return (exc.name or "").partition(".")[0] in _EXTRA_MODULES


def _exit_with_hint() -> NoReturn:
    sys.stderr.write(INSTALL_HINT + "\n")
    raise SystemExit(1)
