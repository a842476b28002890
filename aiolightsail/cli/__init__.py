"""The ``aiolightsail`` command line: the list commands, ``demo`` and ``emulator``."""

from __future__ import annotations

__all__ = ["emulator_main", "main"]


def main() -> None:
    """Run the ``aiolightsail`` command (the console script's entry point)."""
    from aiolightsail.cli._app import cli

    cli()


def emulator_main() -> None:
    """Run the ``emulator`` command on its own (``python -m aiolightsail.emulator``)."""
    from aiolightsail.cli._emulator import emulator_command

    emulator_command(prog_name="python -m aiolightsail.emulator")
