"""pytest fixtures that run the aiolightsail Lightsail emulator for your tests.

Installed with aiolightsail and registered through the ``pytest11`` entry
point: nothing to configure, and nothing happens unless a test asks for a
fixture (importing this module loads neither aiohttp nor the emulator).
The async fixtures need ``pytest-asyncio``.

Fixtures:

``lightsail_emulator``
    A running :class:`~aiolightsail.emulator.Emulator` per test, with a manual
    clock (time moves only when the test calls ``emulator.clock.advance``) and
    small pages (5 items) so that pagination is exercised. Seed it with its
    helpers:

    - ``emulator.seed_instances(account_id=None, region="us-east-1", count=10)``
      adds varied, realistic instances; ``prefix="web"`` names them ``web-01``...
    - ``emulator.add_instance(None, "eu-west-1", "web-1", blueprint_id=..., state="pending")``
      adds one with chosen details.
    - ``emulator.seed_snapshots(...)``, ``emulator.add_snapshot(...)`` add snapshots.
    - ``emulator.seed_demo()`` adds two more accounts and a few hundred resources.
    - ``emulator.faults.fail_next("GetInstances", 2, FaultKind.THROTTLE)`` fails calls.
    - ``emulator.state(account_id, region)`` is the live state, for assertions.

``lightsail_client``
    An open :class:`~aiolightsail.LightsailClient` for us-east-1 of the
    emulator's default account. Its waiters (``wait_for_instance_state``...)
    pause on the emulator's manual clock: each pause moves emulated time
    forward instead of sleeping, so a wait takes no wall-clock time.

``lightsail_client_kwargs``
    ``endpoint_url``, ``region_name`` (us-east-1) and the default account's keys,
    ready for ``boto3.client("lightsail", **kwargs)`` or aiobotocore's
    ``create_client``.

``lightsail_emulator_options``
    Override it in your ``conftest.py`` to change the emulator's keyword
    arguments (``page_size``, ``seed``, ``accounts``, ``faults``...)::

        @pytest.fixture
        def lightsail_emulator_options():
            return {"page_size": 20, "seed": 7}
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aiolightsail import LightsailClient
    from aiolightsail.emulator import Emulator

__all__ = [
    "lightsail_client",
    "lightsail_client_kwargs",
    "lightsail_emulator",
    "lightsail_emulator_options",
]

#: The fixture's page size: small, so that a handful of items spans pages.
FIXTURE_PAGE_SIZE = 5


@pytest.fixture
def lightsail_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the ``lightsail_emulator`` fixture's Emulator (override me)."""
    return {}


try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - pytest then reports the unhandled async fixture
    # Both decorators accept a bare function, the only way they are used here.
    _async_fixture = pytest.fixture  # type: ignore[assignment]


@_async_fixture
async def lightsail_emulator(lightsail_emulator_options: dict[str, Any]) -> AsyncIterator[Emulator]:
    """A running Lightsail emulator with a manual clock and 5-item pages."""
    # Imported here so that loading the plugin stays cheap for every session.
    from aiolightsail.emulator import Clock, Emulator

    settings: dict[str, Any] = {"clock": Clock.manual(), "page_size": FIXTURE_PAGE_SIZE}
    settings.update(lightsail_emulator_options)
    async with Emulator(**settings) as emulator:
        yield emulator


@pytest.fixture
def lightsail_client_kwargs(lightsail_emulator: Emulator) -> dict[str, str]:
    """Client keyword arguments for the emulator's default account in us-east-1."""
    return lightsail_emulator.client_kwargs()


@_async_fixture
async def lightsail_client(lightsail_emulator: Emulator) -> AsyncIterator[LightsailClient]:
    """An open ``LightsailClient`` for us-east-1 of the emulator's default account."""
    from aiolightsail import LightsailClient

    account = lightsail_emulator.default_account
    async with LightsailClient(
        "us-east-1",
        endpoint_url=lightsail_emulator.endpoint_url,
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
    ) as client:
        if lightsail_emulator.clock.is_manual:
            client._timer = lightsail_emulator.clock
        yield client
