"""Credentials inside the deadlines of the requests they serve, and their failures named.

Three things every credential lookup needs, whoever asks (a client opening,
a request refreshing its credentials, STS calls for a role or an identity):

* :func:`deadline`: credential resolution, role assumption and identity calls
  run inside the ``call_timeout`` of the request they serve; past it they
  raise :class:`~aiolightsail.RequestTimeoutError`, like any request.
* :func:`adopt_helpers`: a ``credential_process`` helper (run by aiobotocore's
  process provider with asyncio subprocesses) that is abandoned, because its
  caller's deadline passed or its caller was cancelled, is ended with every
  process it started. aiobotocore would leave it running: a helper that never
  answers would outlive the program's every attempt.
* :func:`named_failures`: whatever a credential source gives that cannot be
  used (a helper's junk, an error exit, credentials already expired) is a
  credentials failure, translated to :class:`~aiolightsail.UnauthenticatedError`
  (:class:`~aiolightsail.ExpiredCredentialsError` for expired ones), not an
  "unreadable response" or a raw ``KeyError``/``RuntimeError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from aiolightsail import _validation as check
from aiolightsail._errors import LightsailError, RequestTimeoutError

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

__all__ = [
    "CredentialsUnavailable",
    "adopt_helpers",
    "deadline",
    "end_process_tree",
    "frozen",
    "named_failures",
    "within",
]

T = TypeVar("T")


class CredentialsUnavailable(Exception):  # noqa: N818 - not raised to callers: translated
    """A credential source failed or gave something unusable (translated to our tree).

    Attributes:
        expired: the credentials it gave had already expired.
    """

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired

    @property
    def code(self) -> str:
        """The error code the translated error carries."""
        return "CredentialsExpired" if self.expired else "CredentialsUnavailable"


@contextlib.asynccontextmanager
async def deadline(
    seconds: float | None, what: str, *, operation: str | None, region: str | None
) -> AsyncIterator[None]:
    """Run the body within ``seconds`` (the ``call_timeout`` it serves; ``None``: no limit).

    Raises:
        RequestTimeoutError: ``seconds`` passed first; its message names ``what``.
    """
    timeout = asyncio.timeout(seconds)
    try:
        async with timeout:
            yield
    except TimeoutError as exc:
        if not timeout.expired():  # a request's own timeout, raised as it is
            raise
        raise RequestTimeoutError(
            f"{what} took longer than call_timeout={seconds:g}s",
            operation=operation,
            region=region,
        ) from exc


async def within(
    awaitable: Awaitable[T],
    seconds: float | None,
    what: str,
    *,
    operation: str | None,
    region: str | None,
) -> T:
    """Await ``awaitable`` within ``seconds``, as :func:`deadline` bounds a body."""
    async with deadline(seconds, what, operation=operation, region=region):
        return await awaitable


#: Modules whose own code reads what a credential source gave.
_READERS = ("botocore.", "aiobotocore.", "json.", "dateutil.")


def _raised_in(exc: BaseException, modules: tuple[str, ...]) -> bool:
    tb = exc.__traceback__
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return module.startswith(modules)


def _failure(exc: Exception) -> CredentialsUnavailable | None:
    """``exc``, raised by the credential chain, as a credentials failure; ``None``: as it is.

    Left as they are: our own errors, a missing profile (a configuration
    error), no credentials at all, and failures of the network or of a
    service the chain asked (STS, SSO), which translate as for any request.
    """
    from aiohttp import ClientError
    from botocore import exceptions as bce

    if isinstance(
        exc,
        LightsailError
        | CredentialsUnavailable
        | bce.ProfileNotFound
        | bce.NoCredentialsError
        | bce.PartialCredentialsError
        | bce.HTTPClientError
        | bce.ConnectionError
        | bce.ClientError
        | ClientError
        | TimeoutError,
    ):
        return None
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RuntimeError) and _raised_in(exc, _READERS):
        # botocore's refresh: "the refreshed credentials are still expired".
        return CredentialsUnavailable(
            f"the credential source gave credentials that had already expired ({reason})",
            expired=True,
        )
    if isinstance(exc, bce.BotoCoreError | OSError):
        # A helper's error exit or missing Version, an SSO token missing, a
        # helper that cannot be run at all (FileNotFoundError, PermissionError).
        return CredentialsUnavailable(f"could not get credentials: {reason}")
    if isinstance(exc, ValueError | TypeError | KeyError | AttributeError | IndexError) and (
        _raised_in(exc, _READERS)
    ):
        # A helper printing something that is not its JSON document.
        return CredentialsUnavailable(
            f"the credential source gave something that is not credentials: {reason}"
        )
    return None


@contextlib.contextmanager
def named_failures() -> Iterator[None]:
    """Raise what the credential chain raises in the body as :class:`CredentialsUnavailable`."""
    try:
        yield
    except Exception as exc:
        failure = _failure(exc)
        if failure is None:
            raise
        raise failure from exc


async def frozen(credentials: Any) -> Any:
    """``credentials.get_frozen_credentials()`` (refreshed if due), checked for use.

    Raises:
        CredentialsUnavailable: the refresh failed or gave something unusable;
            a key or token that is not 1 to 8192 visible ASCII characters
            (signing with it, or sending it as a header, would fail obscurely).
    """
    with named_failures():
        value = await credentials.get_frozen_credentials()
    for name, member in (
        ("access key id", value.access_key),
        ("secret access key", value.secret_key),
        ("session token", value.token),
    ):
        if member is None and name == "session token":
            continue
        if not check.sendable_credential(member):
            raise CredentialsUnavailable(
                f"the credential source gave a {name} that is not 1 to 8192 visible ASCII "
                "characters"
            )
    return value


# -- credential_process helpers -------------------------------------------------


def adopt_helpers(session: AioSession) -> None:
    """Make ``session``'s ``credential_process`` helpers ended when abandoned (see the module).

    The process provider of its credential resolver (``get_component``,
    botocore's public way to reach it), and those its AssumeRole provider
    builds for a role's ``source_profile``, start helpers through
    :func:`_spawn` from now on: refreshes of the credentials they gave
    included. Other providers are left as they are.
    """
    resolver: Any = session.get_component("credential_provider")
    for provider in getattr(resolver, "providers", ()):
        _adopt(provider)
        # _profile_provider_builder: where AssumeRoleProvider gets a source profile's
        # providers (listed and checked in _compat).
        builder = vars(provider).get("_profile_provider_builder")
        if builder is not None and "providers" not in vars(builder):
            builder.providers = _adopting(builder.providers)


def _adopt(provider: object) -> None:
    from aiobotocore.credentials import AioProcessProvider

    # _popen: what AioProcessProvider._retrieve_credentials_using starts the helper
    # with (listed and checked in _compat).
    if isinstance(provider, AioProcessProvider) and vars(provider).get("_popen") is not _spawn:
        provider._popen = _spawn  # type: ignore[attr-defined]  # see _compat


def _adopting(make_providers: Any) -> Any:
    """``make_providers`` (a profile provider builder's), adopting the providers it makes."""

    def providers(*args: Any, **kwargs: Any) -> Any:
        made = make_providers(*args, **kwargs)
        for provider in made:
            _adopt(provider)
        return made

    return providers


async def _spawn(program: str, *args: str, **options: Any) -> _Helper:
    """Start a helper as aiobotocore does (its ``popen``), keeping its transport to end it.

    ``asyncio.create_subprocess_exec`` does this very thing, but keeps the
    transport to itself. A cancellation while the process starts waits for the
    start to finish, then ends the process (and what it started) and reaps it:
    asyncio's own clean-up on that path is itself cancellable, and a second
    cancellation (a deadline, then the loop shutting down) would leave the
    process unreaped.
    """
    loop = asyncio.get_running_loop()
    starting = asyncio.ensure_future(
        loop.subprocess_exec(
            lambda: asyncio.subprocess.SubprocessStreamProtocol(limit=2**16, loop=loop),
            program,
            *args,
            **options,
        )
    )

    def helper(started: tuple[asyncio.SubprocessTransport, Any]) -> _Helper:
        transport, protocol = started
        return _Helper(asyncio.subprocess.Process(transport, protocol, loop), transport)

    try:
        return helper(await asyncio.shield(starting))
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):  # it failed to start: nothing to end
            await helper(await _to_the_end(starting)).end()
        raise


async def _to_the_end(future: asyncio.Future[T]) -> T:
    """``future``'s result, awaited to its end through any cancellation of the caller.

    For clean-up that must finish (reaping a killed process takes milliseconds): the
    cancellation that arrived meanwhile is not lost, since the caller is already
    unwinding with one.
    """
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(future)
    return future.result()


class _Helper:
    """A helper process, ended with its descendants if its answer is abandoned.

    Only :meth:`communicate` and ``returncode`` are what aiobotocore reads;
    anything else is the process's own. Its output is bounded (:data:`MAX_HELPER_OUTPUT`).
    """

    __slots__ = ("_process", "_transport")

    def __init__(
        self, process: asyncio.subprocess.Process, transport: asyncio.SubprocessTransport
    ) -> None:
        self._process = process
        self._transport = transport

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def __getattr__(self, name: str) -> Any:
        return getattr(self._process, name)

    async def communicate(self) -> tuple[bytes, bytes]:
        """Its stdout and stderr, read to their ends, once it has exited.

        Raises:
            CredentialsUnavailable: it printed more than :data:`MAX_HELPER_OUTPUT`
                bytes on either (it is then ended).
        """
        process = self._process
        reads = [asyncio.ensure_future(_read(pipe)) for pipe in (process.stdout, process.stderr)]
        try:
            try:
                out, err = await asyncio.gather(*reads)
            finally:  # the other read, when one failed
                for read in reads:
                    read.cancel()
                    if read.done() and not read.cancelled():
                        read.exception()  # retrieved: raised above, or the same failure
            await process.wait()
        except BaseException:
            # Cancelled (a deadline, a fleet closing) or failed: nobody will read
            # its answer.
            await self.end()
            raise
        return out, err

    async def end(self) -> None:
        """Kill it and what it started, and reap it, whatever cancellation arrives meanwhile.

        Killed at once: a grace period would outlast the deadline that abandoned it.
        Reaped to the end: a second cancellation (the loop shutting down after a
        deadline) would otherwise leave a process that nobody waits for.
        """
        if self._process.returncode is None and not end_process_tree(self._process.pid):
            self._transport.kill()
        # Our ends of its pipes too: a process that escaped the tree may hold
        # theirs, and the wait below would last as long as it does.
        self._transport.close()
        await _to_the_end(asyncio.ensure_future(self._process.wait()))


#: The most a helper may print on stdout or on stderr. Its answer is one small JSON
#: document (AWS's specification); a helper printing without end would otherwise
#: fill the memory before any deadline passed.
MAX_HELPER_OUTPUT = 1 << 20


async def _read(stream: asyncio.StreamReader | None) -> bytes:
    """``stream`` to its end, refused past :data:`MAX_HELPER_OUTPUT` bytes (none: ``b""``)."""
    if stream is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(1 << 16):
        size += len(chunk)
        if size > MAX_HELPER_OUTPUT:
            raise CredentialsUnavailable(
                f"the credential_process helper printed more than {MAX_HELPER_OUTPUT} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _children() -> dict[int, list[int]]:
    """Every process's children, from ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as file:
                stat = file.read()
        except OSError:  # it ended meanwhile
            continue
        # "pid (comm) state ppid ...": the command name may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


#: How often a stopped process's state is read before going on without it: a signal
#: reaches a process running on another core after an interrupt, microseconds later.
_STOP_CHECKS = 10_000


def _await_stop(pid: int) -> None:
    """Return once ``pid`` is stopped or gone (its state ``T``, ``t``, ``Z`` or ``X``).

    ``kill(SIGSTOP)`` returns before a process running on another core has stopped:
    until it has, it may still fork, and its new child would escape the scan of
    :func:`_children` that follows.
    """
    for _ in range(_STOP_CHECKS):
        try:
            with open(f"/proc/{pid}/stat", "rb") as file:
                stat = file.read()
        except OSError:  # gone
            return
        state = stat[stat.rfind(b")") + 2 :][:1]
        if state in (b"T", b"t", b"Z", b"X"):
            return


def end_process_tree(pid: int) -> bool:
    """Kill process ``pid`` and every process it started, directly or not.

    Each is stopped (``SIGSTOP``) before its children are looked for, so none
    can start another meanwhile; then all are killed. Processes that left the
    tree on purpose (a daemon that detached) are not found.

    Returns:
        ``False`` where processes cannot be listed (no ``/proc``): nothing was
        done, and the caller kills ``pid`` alone.
    """
    if not hasattr(signal, "SIGKILL") or not os.path.isdir("/proc/self/task"):
        return False
    stopped: set[int] = set()
    new = {pid}
    while new:
        for member in new:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(member, signal.SIGSTOP)
        for member in new:
            _await_stop(member)
        stopped |= new
        tree = _children()
        new = {child for parent in stopped for child in tree.get(parent, ())} - stopped
    for member in stopped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signal.SIGKILL)
    return True
