"""The client's open/closed states: clear errors on misuse, idempotent close, leak warnings."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from aiolightsail import LightsailClient
from tests.conftest import Wire


async def test_unopened_client_refuses_calls(
    client_factory: Callable[..., LightsailClient],
) -> None:
    """Calling an operation before entering the client raises a RuntimeError saying what to do."""
    client = client_factory()
    with pytest.raises(RuntimeError, match="async with"):
        await client.get_instances()


async def test_closed_client_refuses_calls_and_reentry(
    wire: Wire, client_factory: Callable[..., LightsailClient]
) -> None:
    """After close, calls and re-entering raise RuntimeError; aclose stays idempotent."""
    client = client_factory()
    async with client:
        assert not client.closed
    assert client.closed
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.get_instance("web-1")
    with pytest.raises(RuntimeError, match="new LightsailClient"):
        async with client:
            pass
    assert wire.calls == []


async def test_dropped_open_client_warns(client_factory: Callable[..., LightsailClient]) -> None:
    """A client garbage-collected while open emits a ResourceWarning naming the fix."""
    client = client_factory()
    await client.__aenter__()
    inner = client._client  # keep the pool to close it ourselves after the warning
    holder = [client]
    del client
    with pytest.warns(ResourceWarning, match="never closed"):
        holder.clear()
    assert inner is not None
    await inner.aclose()


async def test_closed_client_does_not_warn(client_factory: Callable[..., LightsailClient]) -> None:
    """A properly closed client is collected silently (warnings are errors in this suite)."""
    async with client_factory() as client:
        pass
    del client
    gc.collect()


async def test_clients_of_one_region_share_one_endpoint_resolution(
    client_factory: Callable[..., LightsailClient], wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five clients of one region and session build one aiobotocore client between them
    (to resolve the endpoint), none per request, and every call works."""
    from aiobotocore.session import AioSession

    built: list[str] = []
    create = AioSession.create_client

    def counting(self: AioSession, service: str, *args: Any, **kwargs: Any) -> Any:
        built.append(service)
        return create(self, service, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(AioSession, "create_client", counting)
    wire.reply({"instances": []}, repeat=True)
    clients = [client_factory() for _ in range(5)]
    for opened in clients:
        await opened.__aenter__()
    try:
        for opened in clients:
            assert (await opened.get_instances()).items == ()
    finally:
        for opened in clients:
            await opened.aclose()
    assert built == ["lightsail"]
