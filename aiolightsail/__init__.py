"""aiolightsail: an asyncio client for the Amazon Lightsail instance API."""

from __future__ import annotations

__all__: list[str] = []
