"""An open fleet's state: whether it is open, the tasks it owns, its clients, its shared work.

Per target, the scope holds nothing while the target is idle. A target's
client is opened inside its turn and lent (:meth:`Scope.lease`) to whatever
works on the target; when the last user hands it back, the client is closed
and forgotten, so a fleet that swept ten thousand targets holds no more than
one that swept a hundred (``docs/design.md``, "The fleet at scale"). Opening
it again next sweep costs about a millisecond: the shared session, its
credentials, the endpoint, SSL context and service model are per account or
per process, not per client. A client asked for by name
(:meth:`Scope.pinned_client`, behind ``Fleet.client``) is kept until the
fleet closes.

Per account, the scope shares one role session (``sts:AssumeRole`` once per
role and base credentials, for every region) and one account id; both are
shared tasks (:class:`~aiolightsail._once.SharedTasks`) owned by the scope,
so closing the fleet cancels them, and one caller's cancellation never
reaches another.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

from aiolightsail import _botocore, _instrument, _waiters
from aiolightsail._client import LightsailClient
from aiolightsail._once import SharedTasks
from aiolightsail._options import ClientOptions
from aiolightsail._target import DEFAULT_ROLE_SESSION_NAME, Target

__all__ = ["Scope", "Slot", "on_client_open"]

#: Called in a worker's task each time it has opened a target's client (or failed
#: to, not cancelled): how a stream's workers start as set-ups end
#: (``_stream.run_workers``). Unset outside a stream's worker (``Fleet.client``).
on_client_open: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "on_client_open", default=None
)

R = TypeVar("R")


def static_keys(target: Target) -> tuple[str, str, str | None] | None:
    """A target's static keys as ``(key id, secret, token)``, or ``None``."""
    if target.aws_access_key_id and target.aws_secret_access_key:
        return (target.aws_access_key_id, target.aws_secret_access_key, target.aws_session_token)
    return None


def _opened() -> None:
    """Tell the worker's stream that a set-up has ended (``on_client_open``)."""
    if (opened := on_client_open.get()) is not None:
        opened()


class Slot:
    """One target's state while something works on it: its client and its turn.

    Attributes:
        turn: held while one page of the target is fetched, so that two
            streams on one target take turns instead of racing.
        client: the open client, once opened.
        opening: held by the one caller opening the client.
        users: how many callers hold the slot.
        pinned: kept (with its client) until the fleet closes.
    """

    __slots__ = ("client", "opening", "pinned", "turn", "users")

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.client: LightsailClient | None = None
        self.users = 0
        self.pinned = False
        self.opening: asyncio.Lock | None = None


class Scope:
    """What an open :class:`~aiolightsail.Fleet` holds and owns.

    Args:
        concurrency: requests in flight across the fleet.
        options: how the clients (and STS) send requests.
        dispatch: the instrumentation hooks, shared by the fleet and its clients.
        timer: where the clients' waiters read the time (read when a client opens).
    """

    def __init__(
        self,
        *,
        concurrency: int,
        options: ClientOptions,
        dispatch: _instrument.Dispatch | None,
        timer: Callable[[], _waiters.Timer],
    ) -> None:
        self.state = "new"
        self.options = options
        self.dispatch = dispatch
        self._concurrency = concurrency
        self._timer = timer
        self._semaphore: asyncio.Semaphore | None = None
        self._slots: dict[Target, Slot] = {}
        # The tasks the scope owns: one per stream or watch being read, one per role or
        # account id being asked.
        self._tasks: set[asyncio.Task[Any]] = set()
        self._roles: SharedTasks[tuple[Any, ...], _botocore.RoleSession] = SharedTasks(
            keep=True, start=self.start
        )
        self._account_ids: SharedTasks[tuple[Any, ...], str] = SharedTasks(
            keep=True, start=self.start
        )

    # -- open state and owned tasks -------------------------------------------

    def open(self) -> None:
        """Mark the scope open (the semaphore is bound to the running loop)."""
        self.state = "open"
        self._semaphore = asyncio.Semaphore(self._concurrency)

    def require_open(self) -> asyncio.Semaphore:
        """The fleet-wide semaphore.

        Raises:
            RuntimeError: the fleet is not open (saying what to do instead).
        """
        if self._semaphore is None or self.state != "open":
            raise RuntimeError(
                "this Fleet is not open; use it as 'async with Fleet(targets) as fleet:'"
                if self.state == "new"
                else "this Fleet is closed; create a new Fleet"
            )
        return self._semaphore

    def start(self, coro: Coroutine[Any, Any, R]) -> asyncio.Task[R]:
        """Run ``coro`` in a task the scope owns: closing cancels and awaits it."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel every owned task, wait for them, and close every client."""
        self.state = "closed"
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            # Each stream's task closes its channel as it ends, waking its consumer.
            await asyncio.wait(tasks)
        slots, self._slots = list(self._slots.values()), {}
        clients = [slot.client for slot in slots if slot.client is not None]
        # Closing is independent per client; one failing to close must not leak the rest.
        results = await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result

    # -- clients ---------------------------------------------------------------

    async def prepare(self, target: Target) -> None:
        """Do the process-wide set-up ``target``'s client will wait for (config files, model).

        Every client of a profile waits for the same one-time set-up; done
        ahead, the first targets' clients are built and sent on as soon as it
        ends. A failure (a missing profile) is left for the target's own
        client to report.
        """
        with contextlib.suppress(Exception):
            await _botocore.prepare_session(_botocore.get_session(target.profile))

    @contextlib.asynccontextmanager
    async def lease(self, target: Target) -> AsyncIterator[Slot]:
        """``target``'s slot while the caller works on it; the last user out closes its client."""
        slot = self._slots.get(target)
        if slot is None:
            slot = self._slots[target] = Slot()
        slot.users += 1
        try:
            yield slot
        finally:
            slot.users -= 1
            if not slot.users and not slot.pinned:
                if self._slots.get(target) is slot:
                    del self._slots[target]
                client, slot.client = slot.client, None
                if client is not None:
                    await client.aclose()

    async def client(self, target: Target, slot: Slot) -> LightsailClient:
        """``slot``'s open client, opened on first use (by one caller; the others wait).

        Raises:
            LightsailError: the client could not be opened (credentials, STS).
            RuntimeError: the fleet closed meanwhile.
        """
        if slot.client is not None:
            return slot.client
        if slot.opening is None:
            slot.opening = asyncio.Lock()
        async with slot.opening:
            if slot.client is None:
                try:
                    client = await self._open_client(target)
                except Exception:
                    _opened()
                    raise
                _opened()
                if self.state != "open" or self._slots.get(target) is not slot:
                    await client.aclose()  # the fleet closed while it was opening
                    raise RuntimeError("this Fleet is closed; create a new Fleet")
                slot.client = client
        return slot.client

    async def pinned_client(self, target: Target) -> LightsailClient:
        """``target``'s client, kept open until the fleet closes."""
        self.require_open()
        slot = self._slots.get(target)
        if slot is None:
            slot = self._slots[target] = Slot()
        slot.pinned = True
        return await self.client(target, slot)

    async def _open_client(self, target: Target) -> LightsailClient:
        if target.role_arn is not None:
            role = await self.role(target)
            client = LightsailClient._create(
                target.region,
                options=self.options,
                endpoint_url=target.endpoint_url,
                session=role.session,
                dispatch=self.dispatch,
                label=target.label,
                timer=self._timer(),
            )
        else:
            client = LightsailClient._create(
                target.region,
                options=self.options,
                profile=target.profile,
                access_key=static_keys(target),
                endpoint_url=target.endpoint_url,
                dispatch=self.dispatch,
                label=target.label,
                timer=self._timer(),
            )
        return await client.__aenter__()

    # -- shared work -----------------------------------------------------------

    async def role(self, target: Target) -> _botocore.RoleSession:
        """``target``'s role session: one ``AssumeRole`` per role and base credentials.

        Raises:
            LightsailError: STS refused or could not be reached (translated).
        """
        role_arn = target.role_arn
        assert role_arn is not None  # noqa: S101 - only called for role targets
        try:
            return await self._roles.get(
                target._credential_key(),
                lambda: _botocore.assume_role_session(
                    role_arn,
                    base=_botocore.get_session(target.profile),
                    region=target.region,
                    endpoint_url=target.endpoint_url,
                    access_key=static_keys(target),
                    session_name=target.role_session_name or DEFAULT_ROLE_SESSION_NAME,
                    external_id=target.external_id,
                    duration_seconds=target.duration_seconds,
                    options=self.options,
                ),
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
            _botocore.reraise(exc, operation="AssumeRole", region=target.region)

    async def account_id(self, target: Target) -> str:
        """The account id of ``target``'s base credentials: one ``GetCallerIdentity`` each.

        Raises:
            LightsailError: STS could not tell (translated).
        """
        try:
            return await self._account_ids.get(
                target._base_key(),
                lambda: _botocore.caller_account_id(
                    _botocore.get_session(target.profile),
                    region=target.region,
                    endpoint_url=target.endpoint_url,
                    access_key=static_keys(target),
                    options=self.options,
                ),
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated, or re-raised as it is
            _botocore.reraise(exc, operation="GetCallerIdentity", region=target.region)
