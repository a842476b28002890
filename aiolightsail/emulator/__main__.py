"""``python -m aiolightsail.emulator``: the emulator command on its own."""

from __future__ import annotations

from aiolightsail.emulator._cli import emulator_command

if __name__ == "__main__":
    emulator_command(prog_name="python -m aiolightsail.emulator")
