"""Shared fixtures: isolation from real AWS, the aioresponses shim, fast retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from botocore.retries.standard import ExponentialBackoff

from aiolightsail import LightsailClient
from aiolightsail._botocore import _sessions as _session

if TYPE_CHECKING:
    from aiolightsail.emulator import Emulator

# A shell starts a background job (`pytest &`) with SIGINT ignored, and the commands the
# tests start would inherit that: the tests that interrupt a command with SIGINT need it
# delivered. An ignored SIGINT is a property of how the suite was started, not of the
# code under test.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The pytest plugin is tested in pytest sessions of its own, as users run it.
pytest_plugins = ("pytester",)

ENDPOINT = "http://127.0.0.1:9"  # never contacted: aioresponses answers first
TARGET_PREFIX = "Lightsail_20161128."
ACCESS_KEY = "AKIDEXAMPLETESTKEY01"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTSECRET"


@pytest.fixture(autouse=True)
def _isolate_from_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Strip AWS_* from the environment and point the AWS config files at empty ones.

    No test can then pick up a real account's credentials or config.
    """
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Shared sessions cache what they read from the config files; start each test afresh.
    _session.clear()


_DEBUG_LOGGERS = ("", "aiolightsail", "botocore", "aiobotocore")


class LogLines(logging.Handler):
    """Keeps every record it is handed, formatted as a user's handler would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def collecting_logs(*names: str) -> Iterator[LogLines]:
    """Set the named loggers to DEBUG and collect every record the root logger sees."""
    handler = LogLines()
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@pytest.fixture
def debug_log() -> Iterator[list[str]]:
    """Every record of every logger at DEBUG, formatted as a user's handler would write it."""
    with collecting_logs(*_DEBUG_LOGGERS) as handler:
        yield handler.lines


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make botocore's standard retry mode retry at once (tests never wait on the wall clock)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)


class _StreamWriterShim:
    """Stands in for the request's stream writer that aiohttp 3.14 requires."""

    output_size = 0


class _ShimResponse(ClientResponse):
    # aiohttp 3.14 added a required keyword-only `stream_writer` argument to
    # ClientResponse.__init__, which aioresponses 0.7.x does not pass:
    # https://github.com/pnuckowski/aioresponses/issues/289 — drop this shim
    # once aioresponses ships the fix.
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _StreamWriterShim())
        super().__init__(method, url, **kwargs)


class Wire:
    """aioresponses, set up for Lightsail: queue answers, read back what was sent."""

    def __init__(self, mock: aioresponses) -> None:
        self.mock = mock

    def reply(
        self,
        body: dict[str, Any] | str | bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        repeat: bool = False,
    ) -> None:
        """Queue one answer (or the same answer for every request, with ``repeat``)."""
        text = body if isinstance(body, str | bytes) else json.dumps(body)
        self.mock.post(
            ENDPOINT + "/",
            status=status,
            body=text,
            headers={"x-amzn-RequestId": "req-1234", **(headers or {})},
            content_type="application/x-amz-json-1.1",
            repeat=repeat,
            response_class=_ShimResponse,
        )

    def fail(self, exception: BaseException, *, repeat: bool = False) -> None:
        """Queue a transport failure."""
        self.mock.post(ENDPOINT + "/", exception=exception, repeat=repeat)

    def error(
        self, error_type: str, message: str = "no", *, status: int = 400, **extra: str
    ) -> None:
        """Queue a Lightsail-style error answer (``__type``, ``message``, and ``extra`` members)."""
        self.reply({"__type": error_type, "message": message, **extra}, status=status)

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every request sent, as ``(operation, JSON body)``, in order."""
        out = []
        for calls in self.mock.requests.values():
            for call in calls:
                headers = call.kwargs["headers"]
                target = headers["X-Amz-Target"]
                assert target.startswith(TARGET_PREFIX)
                data = call.kwargs["data"]
                raw = data if isinstance(data, bytes | str) else b"".join(data)
                out.append((target.removeprefix(TARGET_PREFIX), json.loads(raw or b"{}")))
        return out

    @property
    def headers(self) -> list[dict[str, str]]:
        """The headers of every request sent."""
        return [
            dict(call.kwargs["headers"]) for calls in self.mock.requests.values() for call in calls
        ]


@pytest.fixture
def wire() -> Iterator[Wire]:
    """aioresponses intercepting the client's HTTP requests (real aiobotocore above it)."""
    with aioresponses() as mock:
        yield Wire(mock)


@pytest.fixture
def client_factory() -> Callable[..., LightsailClient]:
    """Build clients aimed at the mocked endpoint with static test keys."""

    def make(region: str = "eu-west-1", **kwargs: Any) -> LightsailClient:
        kwargs.setdefault("endpoint_url", ENDPOINT)
        kwargs.setdefault("aws_access_key_id", ACCESS_KEY)
        kwargs.setdefault("aws_secret_access_key", SECRET_KEY)
        return LightsailClient(region, **kwargs)

    return make


@pytest.fixture
async def client(
    wire: Wire, client_factory: Callable[..., LightsailClient]
) -> AsyncIterator[LightsailClient]:
    """An open client in eu-west-1 whose requests go to ``wire``."""
    async with client_factory() as opened:
        yield opened


# -- the emulator, for behaviour tests over real HTTP --------------------------

ACCOUNTS = [
    ("111111111111", "AKIAACCOUNTAEXAMPLE1", "account-a-secret-key-0000000000000000000"),
    ("222222222222", "AKIAACCOUNTBEXAMPLE2", "account-b-secret-key-0000000000000000000"),
    ("333333333333", "AKIAACCOUNTCEXAMPLE3", "account-c-secret-key-0000000000000000000"),
]
PAGE_SIZE = 5


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """An emulator on 127.0.0.1:0 with three accounts, a manual clock and 5-item pages."""
    from aiolightsail.emulator import Account, Clock, Emulator

    accounts = [Account(account_id=a, access_key_id=k, secret_access_key=s) for a, k, s in ACCOUNTS]
    async with Emulator(accounts, page_size=PAGE_SIZE, clock=Clock.manual()) as emu:
        yield emu


def keys(account: int) -> dict[str, Any]:
    """Static-key arguments for one of the emulator's accounts."""
    _, key, secret = ACCOUNTS[account]
    return {"aws_access_key_id": key, "aws_secret_access_key": secret}


# The in-process emulator's own tasks: accepting and serving connections.
_SERVER_TASKS = ("RequestHandler.", "BaseSelectorEventLoop._accept_connection")


def stray_tasks() -> set[asyncio.Task[Any]]:
    """Tasks still pending besides the test's own and the in-process emulator's server tasks."""
    return {
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not getattr(task.get_coro(), "__qualname__", "").startswith(_SERVER_TASKS)
    }
