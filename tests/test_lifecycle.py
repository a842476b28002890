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


async def test_client_class_is_trimmed(client: LightsailClient, wire: Wire) -> None:
    """Our aiobotocore clients carry no generated operation methods, yet every call works."""
    wire.reply({"instances": []})
    assert (await client.get_instances()).items == ()
    assert client._client is not None
    inner = client._client.raw
    assert inner is not None
    assert not hasattr(inner, "get_instances")
    assert not hasattr(inner, "create_instances")


async def test_only_called_operation_models_are_kept(client: LightsailClient, wire: Wire) -> None:
    """After opening, the client's service model keeps an OperationModel only for what it calls."""
    wire.reply({"instances": []})
    await client.get_instances()
    assert client._client is not None
    inner: Any = client._client.raw
    cached = {
        key[1][0] for key in inner.meta.service_model._instance_cache if key[0] == "operation_model"
    }
    assert cached == {"GetInstances"}
