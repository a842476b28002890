"""The pytest plugin, run in users' pytest sessions: every kind of test, both emulator scopes."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"

#: A user's pytest configuration: pytest-asyncio in its default (strict) mode,
#: its fixture loop scope set as it asks, warnings as errors (so a leaked loop,
#: thread or socket fails the user's session).
USER_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

ANYIO_CONFTEST = """
import pytest

@pytest.fixture
def anyio_backend():
    return "asyncio"
"""

#: A boto3 client that gives up after one attempt of at most 5 s: were the
#: emulator not answering, the test would fail in 5 s instead of hanging.
BOTO3_CLIENT = """
import boto3
from botocore.config import Config

FAIL_FAST = Config(read_timeout=5, connect_timeout=5, retries={"total_max_attempts": 1})

def make_client(kwargs):
    return boto3.client("lightsail", config=FAIL_FAST, **kwargs)
"""


def emulator_threads() -> list[threading.Thread]:
    """The threads serving emulators for synchronous tests that are still alive."""
    return [t for t in threading.enumerate() if t.name.startswith("lightsail-emulator")]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project with pytest-asyncio in strict mode and warnings as errors."""
    pytester.makeini(USER_INI)
    pytester.makeconftest(ANYIO_CONFTEST)
    pytester.makepyfile(fail_fast=BOTO3_CLIENT)
    return pytester


def readme_testing_example(language: str) -> str:
    """The block in ``language`` of the README's section on testing with the emulator."""
    section = README.read_text().split("## Testing your own code with the emulator", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks: list[str] = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    (block,) = blocks
    return block


def test_readme_example_passes_in_strict_mode(pytester: pytest.Pytester) -> None:
    """The README's pytest example, with the README's configuration and nothing more, passes
    under pytest-asyncio's default strict mode with no warning at all."""
    pytester.makepyprojecttoml(readme_testing_example("toml"))
    pytester.makepyfile(test_readme=readme_testing_example("python"))

    result = pytester.runpytest("-W", "error")

    result.assert_outcomes(passed=1)
    assert "Warning" not in result.stdout.str() + result.stderr.str()


#: A user's async test that asks for the emulator and its client.
UNMARKED_TEST = """
async def test_inventory(lightsail_emulator, lightsail_client):
    lightsail_emulator.seed_instances(count=2)
    assert len([i async for i in lightsail_client.iter_instances()]) == 2
"""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("-p", "no:asyncio", "-p", "no:anyio"),
            "*test_inventory is an async test that uses the Lightsail emulator, but no plugin "
            "runs async tests here: install pytest-asyncio (pip install pytest-asyncio)*",
            id="no-async-plugin",
        ),
        pytest.param(
            (),
            "*test_inventory is an async test that uses the Lightsail emulator, but "
            "pytest-asyncio runs only marked tests in its strict mode: mark it "
            "@pytest.mark.asyncio*",
            id="strict-mode-unmarked",
        ),
    ],
)
def test_an_async_test_no_plugin_runs_is_told_what_to_do(
    project: pytest.Pytester, args: tuple[str, ...], message: str
) -> None:
    """An async test that nothing would run on a loop errors with one message saying what to
    install or mark, not pytest's message about async fixtures."""
    if "no:asyncio" in args:  # pytest-asyncio's option would be unknown
        project.makeini("[pytest]\nfilterwarnings = error\n")
    project.makepyfile(test_user=UNMARKED_TEST)

    result = project.runpytest(*args)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    assert "requested an async fixture" not in result.stdout.str()


#: An async test; were the emulator or the client on another loop than the
#: test's, the listing would wait for ever: it gives up after 5 s instead.
ASYNC_TEST = """
import asyncio
import threading

import pytest

{marker}
async def test_lists_what_it_seeded(lightsail_emulator, lightsail_client):
    lightsail_emulator.seed_instances(count=7)
    async with asyncio.timeout(5):
        names = [instance.name async for instance in lightsail_client.iter_instances()]

    assert len(names) == 7
    assert lightsail_emulator.endpoint_url.startswith("http://127.0.0.1:")
    assert lightsail_emulator.clock.is_manual
    assert lightsail_emulator.page_size == 5
    assert not [t for t in threading.enumerate() if t.name.startswith("lightsail-emulator")]
"""


@pytest.mark.parametrize(
    ("ini", "marker", "args"),
    [
        pytest.param("", "@pytest.mark.asyncio", (), id="asyncio-strict"),
        pytest.param("asyncio_mode = auto\n", "", (), id="asyncio-auto"),
        pytest.param("", "@pytest.mark.anyio", (), id="anyio"),
        # anyio's plugin registered before pytest-asyncio's, whose fixture hook then runs first.
        pytest.param(
            "",
            "@pytest.mark.anyio",
            ("-p", "no:anyio", "-p", "anyio.pytest_plugin"),
            id="anyio-registered-first",
        ),
        pytest.param("", "@pytest.mark.anyio", ("-p", "no:asyncio"), id="anyio-alone"),
    ],
)
def test_async_tests_get_an_emulator_on_their_own_loop(
    project: pytest.Pytester, ini: str, marker: str, args: tuple[str, ...]
) -> None:
    """An async test's emulator (manual clock, 5-item pages) serves on its loop, no thread."""
    if "no:asyncio" in args:
        project.makeini("[pytest]\nfilterwarnings = error\n")
    else:
        project.makeini(USER_INI + ini)
    project.makepyfile(test_user=ASYNC_TEST.format(marker=marker))

    project.runpytest(*args).assert_outcomes(passed=1)


def test_anyio_tests_under_asyncio_auto_mode_fail_at_once(project: pytest.Pytester) -> None:
    """An anyio test in pytest-asyncio's auto mode errors with the fix instead of hanging."""
    project.makeini(USER_INI + "asyncio_mode = auto\n")
    project.makepyfile(test_user=ASYNC_TEST.format(marker="@pytest.mark.anyio"))

    result = project.runpytest()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*anyio tests need pytest-asyncio in strict mode*"])


def test_sync_boto3_test_gets_an_emulator_on_its_own_thread(project: pytest.Pytester) -> None:
    """A synchronous boto3 test is answered, can drive the emulator, and leaves no thread behind."""
    project.makepyfile(
        test_user="""
        from fail_fast import make_client

        def test_boto3(lightsail_emulator, lightsail_client_kwargs):
            lightsail_emulator.seed_instances(count=7)
            lightsail_emulator.add_instance(None, "us-east-1", "new-1", state="pending")
            client = make_client(lightsail_client_kwargs)
            try:
                listed = client.get_instances()
                before = client.get_instance(instanceName="new-1")["instance"]["state"]["name"]
                lightsail_emulator.clock.advance(60)
                after = client.get_instance(instanceName="new-1")["instance"]["state"]["name"]
            finally:
                client.close()

            assert len(listed["instances"]) == 5 and "nextPageToken" in listed
            assert (before, after) == ("pending", "running")
        """
    )

    project.runpytest().assert_outcomes(passed=1)
    assert emulator_threads() == []


def test_sync_aws_cli_test_is_answered(project: pytest.Pytester) -> None:
    """A synchronous test driving the AWS CLI in-process gets every page of its listing."""
    project.makepyfile(
        test_user="""
        import json

        from awscli.clidriver import create_clidriver

        def test_aws_cli(lightsail_emulator, lightsail_client_kwargs, monkeypatch, capsys):
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", lightsail_client_kwargs["aws_access_key_id"])
            monkeypatch.setenv(
                "AWS_SECRET_ACCESS_KEY", lightsail_client_kwargs["aws_secret_access_key"]
            )
            monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
            lightsail_emulator.seed_instances(count=7)

            status = create_clidriver().main([
                "lightsail", "get-instances", "--output", "json", "--cli-read-timeout", "5",
                "--endpoint-url", lightsail_client_kwargs["endpoint_url"],
                "--region", lightsail_client_kwargs["region_name"],
            ])

            assert status == 0
            assert len(json.loads(capsys.readouterr().out)["instances"]) == 7
        """
    )

    project.runpytest().assert_outcomes(passed=1)
    assert emulator_threads() == []


def test_lightsail_client_refuses_sync_tests(project: pytest.Pytester) -> None:
    """A synchronous test asking for the async lightsail_client errors, pointing to the kwargs."""
    project.makepyfile(test_user="def test_sync(lightsail_client):\n    pass\n")

    result = project.runpytest()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*lightsail_client is an async client*lightsail_client_kwargs*"])


def test_emulator_options_apply_to_every_kind_of_test(project: pytest.Pytester) -> None:
    """Overriding lightsail_emulator_options configures the emulator of async and sync tests."""
    project.makeconftest(
        ANYIO_CONFTEST
        + """
@pytest.fixture
def lightsail_emulator_options():
    return {"page_size": 2, "seed": 42}
"""
    )
    project.makepyfile(
        test_user="""
        import pytest

        from fail_fast import make_client

        @pytest.mark.asyncio
        async def test_async(lightsail_emulator, lightsail_client):
            lightsail_emulator.seed_instances(count=3)
            page = await lightsail_client.get_instances()
            assert lightsail_emulator.seed == 42
            assert len(page.items) == 2

        def test_sync(lightsail_emulator, lightsail_client_kwargs):
            lightsail_emulator.seed_instances(count=3)
            client = make_client(lightsail_client_kwargs)
            try:
                listed = client.get_instances()
            finally:
                client.close()
            assert lightsail_emulator.seed == 42
            assert len(listed["instances"]) == 2
        """
    )

    project.runpytest().assert_outcomes(passed=2)


def test_thread_emulator_that_cannot_start_fails_the_test(project: pytest.Pytester) -> None:
    """A synchronous test whose emulator cannot start errors with the reason; no thread stays."""
    project.makeconftest(
        "import pytest\n\n@pytest.fixture\ndef lightsail_emulator_options():\n"
        "    return {'page_size': 0}\n"
    )
    project.makepyfile(test_user="def test_sync(lightsail_emulator):\n    pass\n")

    result = project.runpytest()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ValueError: page_size must be at least 1*"])
    assert emulator_threads() == []


SHARED_CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def lightsail_shared_emulator_options():
    return {"page_size": 3}

@pytest.fixture
def lightsail_emulator(lightsail_shared_emulator):
    return lightsail_shared_emulator
"""

SHARED_TESTS = """
import pytest
from aiolightsail.emulator import Account, FaultKind

from fail_fast import make_client

SEEN = []
OTHER = Account(
    account_id="210987654321",
    access_key_id="AKIAOTHERACCOUNT0001",
    secret_access_key="other-account-secret-key-000000000000000",
)

def assert_as_new(emulator):
    assert emulator.state().instances == {}
    assert list(emulator.accounts) == [emulator.default_account.account_id]
    assert emulator.faults.pending("GetInstances") == 0
    assert emulator.clock.now() == 1_704_067_200.0
    assert emulator.stats.total_requests == 0
    assert emulator.page_size == 3

def dirty(emulator):
    emulator.seed_instances(count=4)
    emulator.add_account(OTHER)
    emulator.faults.fail_next("GetInstances", 5, FaultKind.THROTTLE)
    emulator.clock.advance(3600)
    emulator.page_size = 1

@pytest.mark.asyncio
async def test_async_first(lightsail_emulator, lightsail_client):
    SEEN.append(lightsail_emulator)
    assert_as_new(lightsail_emulator)
    lightsail_emulator.seed_instances(count=4)
    assert len([i async for i in lightsail_client.iter_instances()]) == 4
    dirty(lightsail_emulator)

def test_sync_second(lightsail_emulator, lightsail_client_kwargs):
    SEEN.append(lightsail_emulator)
    assert_as_new(lightsail_emulator)
    lightsail_emulator.seed_instances(count=4)
    client = make_client(lightsail_client_kwargs)
    try:
        assert len(client.get_instances()["instances"]) == 3
    finally:
        client.close()
    dirty(lightsail_emulator)

@pytest.mark.anyio
async def test_anyio_third(lightsail_emulator, lightsail_client):
    SEEN.append(lightsail_emulator)
    assert_as_new(lightsail_emulator)
    assert len([i async for i in lightsail_client.iter_instances()]) == 0

def test_one_emulator_served_them_all():
    assert len(SEEN) == 3 and SEEN[0] is SEEN[1] is SEEN[2]
"""


def test_shared_emulator_is_reset_before_each_test(project: pytest.Pytester) -> None:
    """One session emulator serves async, sync and anyio tests, each finding it as new."""
    project.makeconftest(ANYIO_CONFTEST + SHARED_CONFTEST)
    project.makepyfile(test_user=SHARED_TESTS)

    project.runpytest().assert_outcomes(passed=4)
    assert emulator_threads() == []


def test_plugin_import_is_cheap() -> None:
    """Importing the plugin loads neither aiohttp.web nor the emulator."""
    code = (
        "import sys, aiolightsail.pytest_plugin\n"
        "heavy = ('aiohttp.web', 'aiolightsail.emulator')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy)]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
