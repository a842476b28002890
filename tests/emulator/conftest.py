"""Fixtures for the emulator's tests: a running emulator, real clients, raw signed calls.

Clients are real boto3/botocore clients (the independent implementation the
emulator must satisfy) run in worker threads, since they block; the emulator
runs on the test's event loop. Credentials are always passed explicitly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import boto3  # type: ignore[import-untyped]  # boto3 ships no type information
import botocore.loaders
import botocore.session
import pytest
from aiohttp import ClientSession
from botocore.config import Config

from aiolightsail.emulator import Clock, Emulator
from tests.emulator.helpers import PAGE_SIZE, ClientFactory, RawClient

# One loader for the whole run: botocore parses each service model once per
# loader, which is most of the cost of creating a client.
_LOADER = botocore.loaders.create_loader()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A running emulator with a manual clock and 3-item pages."""
    async with Emulator(clock=Clock.manual(), page_size=PAGE_SIZE) as emu:
        yield emu


@pytest.fixture
def make_client(emulator: Emulator) -> ClientFactory:
    """Build real boto3 clients aimed at the emulator (one attempt: no retries, no sleeps)."""

    def make(
        service: str = "lightsail",
        *,
        account_id: str | None = None,
        region: str = "us-east-1",
        attempts: int = 1,
        **overrides: str,
    ) -> Any:
        core = botocore.session.Session()
        core.register_component("data_loader", _LOADER)
        kwargs: dict[str, Any] = {**emulator.client_kwargs(account_id, region), **overrides}
        config = Config(retries={"total_max_attempts": attempts, "mode": "standard"})
        return boto3.session.Session(botocore_session=core).client(service, config=config, **kwargs)

    return make


@pytest.fixture
def lightsail(make_client: ClientFactory) -> Any:
    """A boto3 Lightsail client for the default account in us-east-1."""
    return make_client()


@pytest.fixture
async def raw(emulator: Emulator) -> AsyncIterator[RawClient]:
    """A raw HTTP client for the emulator."""
    async with ClientSession() as session:
        yield RawClient(emulator, session)
