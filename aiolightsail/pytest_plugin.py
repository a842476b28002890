"""pytest fixtures that run the aiolightsail Lightsail emulator for your tests.

Installed with aiolightsail and registered through the ``pytest11`` entry
point: nothing to configure, and nothing happens unless a test asks for a
fixture (importing this module loads neither aiohttp nor the emulator).

The same fixtures serve every kind of test:

- **async tests run by pytest-asyncio**: the emulator is served on the test's
  own event loop. In pytest-asyncio's default *strict* mode, mark the test
  ``@pytest.mark.asyncio`` (or set ``asyncio_mode = "auto"`` and drop the
  marker)::

      import pytest

      @pytest.mark.asyncio
      async def test_inventory(lightsail_emulator, lightsail_client):
          lightsail_emulator.seed_instances(count=12)
          names = [i.name async for i in lightsail_client.iter_instances()]
          assert len(names) == 12

- **async tests run by anyio** (``@pytest.mark.anyio`` on the asyncio
  backend; with pytest-asyncio installed, keep it in strict mode): served on
  the test's own event loop too.
- **synchronous tests**, e.g. with boto3 or the AWS CLI: their clients block
  the test's thread, so the emulator is served from a thread of its own, with
  its own event loop, and stopped when the test ends::

      def test_with_boto3(lightsail_emulator, lightsail_client_kwargs):
          lightsail_emulator.seed_instances(count=3)
          client = boto3.client("lightsail", **lightsail_client_kwargs)
          assert len(client.get_instances()["instances"]) == 3

  A test counts as asynchronous when its function is a coroutine function.

Set the emulator up (seed it, script faults, move its clock) from the test
while none of its requests is in flight, as tests naturally do.

Fixtures:

``lightsail_emulator``
    A running :class:`~aiolightsail.emulator.Emulator` for this test, with a
    manual clock (time moves only when the test calls
    ``emulator.clock.advance``) and small pages (5 items) so that pagination is
    exercised. Seed it with its helpers:

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
    emulator's default account. Async tests only. Its waiters
    (``wait_for_instance_state``...) pause on the emulator's manual clock: each
    pause moves emulated time forward instead of sleeping, so a wait takes no
    wall-clock time.

``lightsail_client_kwargs``
    ``endpoint_url``, ``region_name`` (us-east-1) and the default account's keys,
    ready for ``boto3.client("lightsail", **kwargs)`` or aiobotocore's
    ``create_client``.

``lightsail_emulator_options``
    Override it in your ``conftest.py`` (or a test class or module) to change
    the emulator's keyword arguments (``page_size``, ``seed``, ``accounts``,
    ``faults``...)::

        @pytest.fixture
        def lightsail_emulator_options():
            return {"page_size": 20, "seed": 7}

``lightsail_shared_emulator``
    One emulator for the whole session, served from its own thread (for every
    kind of test) and reset before each test that asks for it: no resources,
    only the configured accounts, the configured fault plan, the clock back at
    its start (see :meth:`~aiolightsail.emulator.Emulator.reset`). To give every
    fixture above the shared emulator instead of one per test, override
    ``lightsail_emulator`` in your ``conftest.py``::

        @pytest.fixture
        def lightsail_emulator(lightsail_shared_emulator):
            return lightsail_shared_emulator

``lightsail_shared_emulator_options``
    The shared emulator's keyword arguments, like ``lightsail_emulator_options``
    but session-scoped: override it with ``@pytest.fixture(scope="session")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from aiolightsail import LightsailClient
    from aiolightsail.emulator import ClientKwargs, Emulator

__all__ = [
    "lightsail_client",
    "lightsail_client_kwargs",
    "lightsail_emulator",
    "lightsail_emulator_options",
    "lightsail_shared_emulator",
    "lightsail_shared_emulator_options",
]

#: The fixture's page size: small, so that a handful of items spans pages.
FIXTURE_PAGE_SIZE = 5

try:
    from pytest_asyncio import fixture as _asyncio_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio no asyncio test asks for it
    # Both decorators accept a bare function, the only way they are used here.
    _asyncio_fixture = pytest.fixture  # type: ignore[assignment]


def _runner(request: pytest.FixtureRequest) -> Literal["anyio", "asyncio", "thread"]:
    """Return who runs the requesting test: ``"anyio"``, ``"asyncio"`` or ``"thread"``.

    anyio's plugin gives the tests it runs the ``anyio_backend`` fixture; any
    other coroutine test is pytest-asyncio's. A test that is not a coroutine
    function (or is wrapped so that it does not look like one) gets an emulator
    on its own thread, which serves any kind of test.
    """
    if not inspect.iscoroutinefunction(request.function):
        return "thread"
    if "anyio_backend" not in request.fixturenames:
        _require_asyncio_runner(request)
        return "asyncio"
    if _asyncio_auto_mode(request.config):
        pytest.fail(
            "anyio tests need pytest-asyncio in strict mode (its default): in auto mode the "
            "two plugins run the test and its async fixtures, such as the Lightsail emulator, "
            "on different event loops",
            pytrace=False,
        )
    return "anyio"


def _require_asyncio_runner(request: pytest.FixtureRequest) -> None:
    """Fail the test with what to do when nothing will run it on an event loop.

    pytest runs no coroutine test by itself: without pytest-asyncio (or anyio's
    marker), or in pytest-asyncio's strict mode without its marker, the test
    and the emulator's async fixtures would otherwise fail with pytest's own
    message about async fixtures, which names neither.
    """
    if not request.config.pluginmanager.has_plugin("asyncio"):
        pytest.fail(
            f"{request.node.name} is an async test that uses the Lightsail emulator, but no "
            "plugin runs async tests here: install pytest-asyncio (pip install pytest-asyncio) "
            "and mark the test @pytest.mark.asyncio, or mark it @pytest.mark.anyio with anyio "
            "installed and an anyio_backend fixture returning 'asyncio'",
            pytrace=False,
        )
    if (
        not _asyncio_auto_mode(request.config)
        and request.node.get_closest_marker("asyncio") is None
    ):
        pytest.fail(
            f"{request.node.name} is an async test that uses the Lightsail emulator, but "
            "pytest-asyncio runs only marked tests in its strict mode: mark it "
            '@pytest.mark.asyncio (or set asyncio_mode = "auto" in the pytest configuration)',
            pytrace=False,
        )


def _asyncio_auto_mode(config: pytest.Config) -> bool:
    """Whether pytest-asyncio is loaded and runs every coroutine test and fixture."""
    if not config.pluginmanager.has_plugin("asyncio"):
        return False
    mode: object = config.getoption("asyncio_mode") or config.getini("asyncio_mode")
    return mode == "auto"


def _settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """The fixture's Emulator keyword arguments: a manual clock, small pages, then ``options``."""
    # Imported here so that loading the plugin stays cheap for every session.
    from aiolightsail.emulator import Clock

    return {"clock": Clock.manual(), "page_size": FIXTURE_PAGE_SIZE, **options}


@contextlib.contextmanager
def _serve_in_thread(settings: Mapping[str, Any]) -> Iterator[Emulator]:
    """Serve an Emulator from a thread of its own, on an event loop of its own.

    Yields the running emulator (or raises why it could not start); on exit
    stops it, joins the thread and raises whatever went wrong while it served.
    """
    started: Future[tuple[Emulator, asyncio.AbstractEventLoop, asyncio.Event]] = Future()

    async def serve() -> None:
        from aiolightsail.emulator import Emulator

        stop = asyncio.Event()
        async with Emulator(**settings) as emulator:
            started.set_result((emulator, asyncio.get_running_loop(), stop))
            await stop.wait()

    with ThreadPoolExecutor(1, thread_name_prefix="lightsail-emulator") as executor:
        served = executor.submit(asyncio.run, serve())
        futures: tuple[Future[Any], ...] = (started, served)
        wait(futures, return_when=FIRST_COMPLETED)
        if not started.done():
            served.result()  # raises why the emulator did not start
        emulator, loop, stop = started.result()
        try:
            yield emulator
        finally:
            loop.call_soon_threadsafe(stop.set)
        served.result()


# -- options --------------------------------------------------------------------


@pytest.fixture
def lightsail_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the ``lightsail_emulator`` fixture's Emulator (override me)."""
    return {}


@pytest.fixture(scope="session")
def lightsail_shared_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the shared emulator (override me, session-scoped)."""
    return {}


# -- the emulator ---------------------------------------------------------------


@pytest.fixture
def lightsail_emulator(request: pytest.FixtureRequest) -> Emulator:
    """A running Lightsail emulator with a manual clock and 5-item pages.

    Served on the test's event loop for async tests, from its own thread for
    synchronous ones.
    """
    emulator: Emulator = request.getfixturevalue(f"_lightsail_emulator_{_runner(request)}")
    return emulator


@_asyncio_fixture
async def _lightsail_emulator_asyncio(
    lightsail_emulator_options: dict[str, Any],
) -> AsyncIterator[Emulator]:
    """``lightsail_emulator`` on the loop of a test run by pytest-asyncio."""
    from aiolightsail.emulator import Emulator

    async with Emulator(**_settings(lightsail_emulator_options)) as emulator:
        yield emulator


@pytest.fixture
async def _lightsail_emulator_anyio(
    lightsail_emulator_options: dict[str, Any],
) -> AsyncIterator[Emulator]:
    """``lightsail_emulator`` on the loop of a test run by anyio (which runs this fixture)."""
    from aiolightsail.emulator import Emulator

    async with Emulator(**_settings(lightsail_emulator_options)) as emulator:
        yield emulator


@pytest.fixture
def _lightsail_emulator_thread(lightsail_emulator_options: dict[str, Any]) -> Iterator[Emulator]:
    """``lightsail_emulator`` served from its own thread, for synchronous tests."""
    with _serve_in_thread(_settings(lightsail_emulator_options)) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def _lightsail_session_emulator(
    lightsail_shared_emulator_options: dict[str, Any],
) -> Iterator[Emulator]:
    """The session's one emulator, served from its own thread."""
    with _serve_in_thread(_settings(lightsail_shared_emulator_options)) as emulator:
        yield emulator


@pytest.fixture
def lightsail_shared_emulator(_lightsail_session_emulator: Emulator) -> Emulator:
    """The session's emulator, reset: as new, at the same address."""
    _lightsail_session_emulator.reset()
    return _lightsail_session_emulator


# -- clients --------------------------------------------------------------------


@pytest.fixture
def lightsail_client_kwargs(lightsail_emulator: Emulator) -> ClientKwargs:
    """Client keyword arguments for the emulator's default account in us-east-1."""
    return lightsail_emulator.client_kwargs()


@pytest.fixture
def lightsail_client(request: pytest.FixtureRequest) -> LightsailClient:
    """An open ``LightsailClient`` for us-east-1 of the emulator's default account."""
    runner = _runner(request)
    if runner == "thread":
        pytest.fail(
            "lightsail_client is an async client: ask for it from an async test, or use "
            "lightsail_client_kwargs with boto3 in a synchronous one",
            pytrace=False,
        )
    client: LightsailClient = request.getfixturevalue(f"_lightsail_client_{runner}")
    return client


def _client_for(emulator: Emulator) -> LightsailClient:
    from aiolightsail import LightsailClient
    from aiolightsail._options import ClientOptions

    account = emulator.default_account
    return LightsailClient._create(
        "us-east-1",
        options=ClientOptions(),
        endpoint_url=emulator.endpoint_url,
        access_key=(account.access_key_id, account.secret_access_key, None),
        # Waiters pause on the emulator's clock: emulated time, no wall-clock sleep.
        timer=emulator.clock if emulator.clock.is_manual else None,
    )


@_asyncio_fixture
async def _lightsail_client_asyncio(lightsail_emulator: Emulator) -> AsyncIterator[LightsailClient]:
    """``lightsail_client`` on the loop of a test run by pytest-asyncio."""
    async with _client_for(lightsail_emulator) as client:
        yield client


@pytest.fixture
async def _lightsail_client_anyio(lightsail_emulator: Emulator) -> AsyncIterator[LightsailClient]:
    """``lightsail_client`` on the loop of a test run by anyio (which runs this fixture)."""
    async with _client_for(lightsail_emulator) as client:
        yield client
