"""The pytest plugin: its fixtures, their options, and its harmlessness to other sessions."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from aiolightsail import LightsailClient
from aiolightsail.emulator import Emulator
from aiolightsail.pytest_plugin import FIXTURE_PAGE_SIZE
from tests.emulator.helpers import RawClient

README = Path(__file__).parents[2] / "README.md"

#: A user's pytest configuration: pytest-asyncio in its default (strict) mode,
#: its fixture loop scope set as it asks, warnings as errors (so a leaked loop,
#: thread or socket fails the user's session).
USER_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project with pytest-asyncio in strict mode and warnings as errors."""
    pytester.makeini(USER_INI)
    return pytester


def readme_testing_example() -> str:
    """The Python block of the README's section on testing with the emulator."""
    section = README.read_text().split("## Testing your own code with the emulator", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    (block,) = blocks
    return block


def test_readme_example_passes_in_strict_mode(project: pytest.Pytester) -> None:
    """The README's pytest example passes verbatim under pytest-asyncio's default strict mode."""
    project.makepyfile(test_readme=readme_testing_example())

    project.runpytest().assert_outcomes(passed=1)


async def test_fixture_runs_a_manual_clock_emulator(lightsail_emulator: Emulator) -> None:
    """The fixture yields a running emulator whose clock moves only when advanced."""
    before = lightsail_emulator.clock.now()
    await asyncio.sleep(0)

    assert lightsail_emulator.clock.is_manual
    assert lightsail_emulator.clock.now() == before
    assert lightsail_emulator.page_size == FIXTURE_PAGE_SIZE
    assert lightsail_emulator.endpoint_url.startswith("http://127.0.0.1:")


def test_client_kwargs_fixture_points_at_the_emulator(
    lightsail_emulator: Emulator, lightsail_client_kwargs: dict[str, str]
) -> None:
    """lightsail_client_kwargs holds the endpoint, region and default account's keys."""
    assert lightsail_client_kwargs == lightsail_emulator.client_kwargs()


async def test_client_fixture_lists_the_seeded_instances(
    lightsail_emulator: Emulator, lightsail_client: LightsailClient
) -> None:
    """lightsail_client is an open client of the default account that sees seeded instances."""
    seeded = lightsail_emulator.seed_instances(count=12)
    names = [instance.name async for instance in lightsail_client.iter_instances()]
    assert names == [record.name for record in seeded]


class TestOptions:
    """Overriding lightsail_emulator_options changes the emulator."""

    @pytest.fixture
    def lightsail_emulator_options(self) -> dict[str, Any]:
        """Bigger pages and another seed."""
        return {"page_size": 2, "seed": 42}

    async def test_options_apply(self, lightsail_emulator: Emulator) -> None:
        """The emulator is built with the overridden keyword arguments."""
        lightsail_emulator.seed_instances(count=3)
        async with ClientSession() as session:
            _, body = await RawClient(lightsail_emulator, session).json("GetInstances")

        assert lightsail_emulator.seed == 42
        assert len(body["instances"]) == 2


def test_plugin_import_is_cheap() -> None:
    """Importing the plugin loads neither aiohttp.web nor the emulator."""
    code = (
        "import sys, aiolightsail.pytest_plugin\n"
        "heavy = ('aiohttp.web', 'aiolightsail.emulator')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy)]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_users_sessions_work_with_and_without_the_fixture(tmp_path: Path) -> None:
    """A user's strict-mode session with warnings as errors passes, using the fixture or not."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest

            def test_unrelated():
                assert True

            @pytest.mark.asyncio
            async def test_uses_emulator(lightsail_emulator):
                lightsail_emulator.seed_instances(count=3)
                lightsail_emulator.clock.advance(60)
                assert len(lightsail_emulator.state().instances) == 3
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
