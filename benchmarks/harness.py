"""What the orchestrator, the emulator process and the contender processes share.

- the job description sent to a contender process (:class:`Job`, :class:`BenchTarget`),
- process isolation (:func:`isolated_env`, :func:`pin_to_cpu`),
- measuring (:func:`rss_bytes`, :func:`peak_rss_bytes`, :class:`Ticker`),
- loading the loop as a busy application does (:class:`BusyLoop`),
- talking JSON over a subprocess's stdin/stdout (:func:`read_job`, :func:`emit`).

Every figure is taken inside the process that does the work: CPU with
``time.process_time()`` (all threads of the process, so boto3's thread pool
counts), wall time with ``time.perf_counter()``, memory from ``/proc`` via
psutil. The emulator always runs in another process, pinned to another core
when the machine has two, so its CPU never lands in a client's figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "REPO_ROOT",
    "BenchTarget",
    "BusyLoop",
    "GcTimer",
    "Job",
    "Ticker",
    "emit",
    "isolated_env",
    "peak_rss_bytes",
    "pin_to_cpu",
    "read_job",
    "rss_bytes",
]

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The core the emulator runs on, and the one every contender runs on, when
#: the machine has at least two (the project's machines have 2 cores): the
#: server's CPU then never steals the client's core.
SERVER_CPU = 0
CLIENT_CPU = 1


@dataclass(frozen=True)
class BenchTarget:
    """One (account, region) of the emulator, with the keys to sign for it."""

    region: str
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    endpoint_url: str

    @property
    def label(self) -> str:
        """``account/region``."""
        return f"{self.account_id}/{self.region}"


@dataclass(frozen=True)
class Job:
    """What one contender process does: a workload over some targets."""

    contender: str
    workload: str
    targets: tuple[BenchTarget, ...]
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise for the contender process's stdin."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        """Parse what :meth:`to_json` wrote."""
        raw = json.loads(text)
        return cls(
            contender=raw["contender"],
            workload=raw["workload"],
            targets=tuple(BenchTarget(**t) for t in raw["targets"]),
            params=raw["params"],
        )


def isolated_env() -> dict[str, str]:
    """The environment for child processes: no real AWS settings can leak in.

    As the test suite's autouse fixture does: no ``AWS_*`` variable, empty
    config files, no instance-metadata lookups. Every contender passes static
    keys of an emulator account explicitly.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    empty = Path(tempfile.gettempdir()) / "aiolightsail-bench-empty-aws-config"
    empty.write_text("")
    env["AWS_CONFIG_FILE"] = str(empty)
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(empty)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    # Benchmarks import the project from the checkout, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def pin_to_cpu(cpu: int) -> bool:
    """Pin this process to ``cpu`` if the machine has two or more; return whether it did."""
    try:
        available = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return False
    if len(available) < 2:
        return False
    os.sched_setaffinity(0, {available[cpu % len(available)]})
    return True


def rss_bytes() -> int:
    """The resident set size of this process now."""
    import psutil  # type: ignore[import-untyped]  # no stubs installed with it

    return int(psutil.Process().memory_info().rss)


def peak_rss_bytes() -> int:
    """The peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class GcTimer:
    """Time spent in the garbage collector while active, in total and in its longest pause.

    A full (generation 2) collection walks every tracked object, so its pause
    grows with the live heap: with many clients open it is what stalls the loop.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self.longest = 0.0
        self.full_collections = 0
        self._started = 0.0

    def _callback(self, phase: str, info: Mapping[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        self.total += took
        self.longest = max(self.longest, took)
        self.full_collections += info["generation"] == 2

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)


class Ticker:
    """A task that wakes every ``period`` seconds and records the longest gap between wake-ups.

    A gap is the whole interval between two consecutive wake-ups (so it is at
    least ``period``): how long a heartbeat or a chat bot's reply would have
    waited behind whatever held the event loop.
    """

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.longest_gap = 0.0
        #: The CPU time this process spent inside the longest gap: the gap minus this is
        #: time the process waited for a core (another process ran), not its own work.
        self.longest_gap_cpu = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last, last_cpu = time.perf_counter(), time.process_time()
        while True:
            await asyncio.sleep(self.period)
            now, cpu = time.perf_counter(), time.process_time()
            if now - last > self.longest_gap:
                self.longest_gap = now - last
                self.longest_gap_cpu = cpu - last_cpu
            self.ticks += 1
            last, last_cpu = now, cpu

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)  # let it take its first timestamp
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            # Our own task's cancellation, not the caller's: awaited and done.
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class BusyLoop:
    """A task that burns ``burn`` seconds of CPU in every iteration of the event loop.

    It stands for a busy application on the same loop (a bot or a web app whose
    own callbacks keep the loop occupied): it computes for ``burn`` seconds of
    its thread's CPU time, yields with ``asyncio.sleep(0)`` (so it runs again in
    the very next iteration), and counts the iterations it saw. Whatever a
    library spreads over more loop iterations then costs ``burn`` per extra
    iteration in wall time.
    """

    def __init__(self, burn: float = 0.005) -> None:
        self.burn = burn
        self.iterations = 0
        self.burned = 0.0  # CPU seconds spent burning, to tell them from the library's
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.thread_time()
            while time.thread_time() - start < self.burn:
                pass
            self.burned += time.thread_time() - start
            self.iterations += 1
            await asyncio.sleep(0)

    async def __aenter__(self) -> BusyLoop:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            # Our own task's cancellation, not the caller's: awaited and done.
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def read_job() -> Job:
    """Read the job a contender process was given on stdin."""
    return Job.from_json(sys.stdin.read())


def emit(result: Mapping[str, Any]) -> None:
    """Write a result as the last line of stdout, where the orchestrator looks for it."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
