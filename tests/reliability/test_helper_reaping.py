"""An abandoned credential helper is reaped, however many cancellations arrive.

The rule: once a helper's answer is abandoned (a deadline, a fleet closing), it is
killed and then *waited for to the end*; a second cancellation while that wait runs
(the loop shutting down right after a deadline, as ``asyncio.run`` does) does not cut
it short. A process nobody waits for has no exit status on its ``Popen``, which Python
reports as ``ResourceWarning: subprocess … is still running`` once the loop is gone.

The process here is a fake whose exit the test decides, so the order of events is the
test's, not the scheduler's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aiolightsail._botocore import _credentials


class _Transport:
    """What ``asyncio.subprocess.Process`` reads of a subprocess transport."""

    def __init__(self) -> None:
        self.exited = asyncio.Event()
        self.closed = False
        self.waited_to_the_end = False

    def get_pid(self) -> int:
        return -1  # never signalled: end_process_tree is replaced below

    def get_returncode(self) -> int | None:
        return -9 if self.exited.is_set() else None

    def kill(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    async def _wait(self) -> int:
        await self.exited.wait()
        self.waited_to_the_end = True
        return -9


class _Protocol:
    def __init__(self) -> None:
        self.stdin = None
        self.stdout = asyncio.StreamReader()  # never fed: the helper never answers
        self.stderr = asyncio.StreamReader()


@pytest.fixture
def killed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pids: list[int] = []

    def end_process_tree(pid: int) -> bool:
        pids.append(pid)
        return True

    monkeypatch.setattr(_credentials, "end_process_tree", end_process_tree)
    return pids


async def _twice_cancelled(task: asyncio.Task[Any], transport: _Transport) -> None:
    """Cancel ``task``; once it is waiting for the killed process, cancel it again."""
    task.cancel()
    for _ in range(100):
        await asyncio.sleep(0)
        if transport.closed:
            break
    assert transport.closed, "the abandoned helper was not ended"
    task.cancel()
    for _ in range(10):
        await asyncio.sleep(0)
    assert not task.done(), "a second cancellation cut the reaping short"
    transport.exited.set()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_abandoned_answer_is_reaped_through_a_second_cancellation(
    killed: list[int],
) -> None:
    transport = _Transport()
    loop = asyncio.get_running_loop()
    process = asyncio.subprocess.Process(transport, _Protocol(), loop)  # type: ignore[arg-type]
    helper = _credentials._Helper(process, transport)  # type: ignore[arg-type]
    task = asyncio.ensure_future(helper.communicate())
    await asyncio.sleep(0)  # reading its output
    await _twice_cancelled(task, transport)
    assert killed == [-1]
    assert transport.waited_to_the_end
    assert helper.returncode == -9


async def test_a_helper_cancelled_while_it_starts_is_ended_and_reaped(
    killed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled while the process starts: the start is let finish, then the process is
    ended and reaped, through a second cancellation."""
    transport = _Transport()
    started = asyncio.Event()
    go_on = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def subprocess_exec(*args: Any, **kwargs: Any) -> tuple[_Transport, _Protocol]:
        started.set()
        await go_on.wait()  # the process is being started
        return transport, _Protocol()

    monkeypatch.setattr(loop, "subprocess_exec", subprocess_exec)
    task = asyncio.ensure_future(_credentials._spawn("helper"))
    await started.wait()
    task.cancel()
    task.cancel()  # the loop shutting down, say
    for _ in range(10):
        await asyncio.sleep(0)
    assert not task.done(), "the start was abandoned with the process in it"
    go_on.set()
    await _twice_cancelled(task, transport)
    assert killed == [-1]
    assert transport.waited_to_the_end
