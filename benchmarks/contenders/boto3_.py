"""boto3: one target after another, and a 16-thread pool."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import boto3  # type: ignore[import-untyped]  # boto3-stubs is not a bench dependency

from benchmarks.harness import BenchTarget

__all__ = ["Sequential", "Threaded"]

#: The thread count the goals name ("boto3 with 16 threads").
THREADS = 16


def _client(session: boto3.session.Session, target: BenchTarget) -> Any:
    return session.client(
        "lightsail",
        region_name=target.region,
        endpoint_url=target.endpoint_url,
        aws_access_key_id=target.access_key_id,
        aws_secret_access_key=target.secret_access_key,
    )


def _count(client: Any) -> int:
    return sum(len(page["instances"]) for page in client.get_paginator("get_instances").paginate())


class Sequential:
    """One boto3 ``Session``; items are botocore's dicts."""

    blocking: ClassVar[bool] = True

    def __init__(self) -> None:
        self._session = boto3.session.Session()

    def open(self, target: BenchTarget) -> Any:
        """See :class:`benchmarks.contenders.BlockingContender`."""
        return _client(self._session, target)

    def first_page(self, client: Any) -> int:
        """See :class:`benchmarks.contenders.BlockingContender`."""
        return len(client.get_instances()["instances"])

    def items(self, client: Any) -> Iterator[dict[str, Any]]:
        """See :class:`benchmarks.contenders.BlockingContender`."""
        for page in client.get_paginator("get_instances").paginate():
            yield from page["instances"]

    def close(self, client: Any) -> None:
        """See :class:`benchmarks.contenders.BlockingContender`."""
        client.close()

    def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """One target after another (``concurrency`` is not used)."""
        total = 0
        for target in targets:
            client = _client(self._session, target)
            total += _count(client)
            client.close()
        return total


class Threaded(Sequential):
    """A pool of 16 threads, each with its own boto3 ``Session`` (sessions are not thread-safe)."""

    def sweep(self, targets: Sequence[BenchTarget], *, concurrency: int) -> int:
        """Every target on the pool; ``concurrency`` is not used (always 16 threads)."""
        local = threading.local()

        def one(target: BenchTarget) -> int:
            session = getattr(local, "session", None)
            if session is None:
                session = local.session = boto3.session.Session()
            client = _client(session, target)
            try:
                return _count(client)
            finally:
                client.close()

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            return sum(pool.map(one, targets))
