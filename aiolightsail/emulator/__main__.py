"""``python -m aiolightsail.emulator``: the emulator command on its own."""

from __future__ import annotations

from aiolightsail.cli import emulator_main

if __name__ == "__main__":
    emulator_main()
