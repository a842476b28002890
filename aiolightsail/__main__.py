"""``python -m aiolightsail``: the ``aiolightsail`` command."""

from __future__ import annotations

from aiolightsail.cli import main

if __name__ == "__main__":
    main()
