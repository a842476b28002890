"""The sessions aiolightsail builds: lean, and indistinguishable to Lightsail and STS clients."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
from aiobotocore.session import AioSession
from botocore.model import ServiceModel

import aiolightsail
from aiolightsail import LightsailClient
from aiolightsail._botocore import _sessions as _session
from aiolightsail._operations import OPERATIONS
from aiolightsail.emulator import Emulator
from tests.conftest import Wire


async def test_shared_data_is_trimmed_to_lightsail_sts_and_organizations(
    client: LightsailClient, wire: Wire
) -> None:
    """After a client opens, the shared loader keeps only what our clients read (the
    endpoints of Lightsail, STS and Organizations, the Lightsail model's operations)."""
    wire.reply({"instances": []})
    await client.get_instances()
    loader = _session.get_session().get_component("data_loader")
    endpoints, _ = loader.load_data_with_path("endpoints")
    for partition in endpoints["partitions"]:
        assert set(partition["services"]) <= {"lightsail", "organizations", "sts"}
    assert "lightsail" in endpoints["partitions"][0]["services"]
    model = ServiceModel(loader.load_service_model("lightsail", "service-2"), "lightsail")
    assert set(model.operation_names) == OPERATIONS.keys()
    for name in OPERATIONS:  # every shape an operation reaches is still there
        operation = model.operation_model(name)
        shapes = [operation.input_shape, operation.output_shape, *operation.error_shapes]
        while shapes:
            shape: Any = shapes.pop()
            if shape is not None:
                shapes += [getattr(shape, key, None) for key in ("member", "key", "value")]
                shapes += list(getattr(shape, "members", {}).values())


async def test_a_callers_session_is_left_whole(
    client_factory: Callable[..., LightsailClient], wire: Wire
) -> None:
    """A session passed in keeps its handlers and its full data: other clients share it."""
    session = AioSession()
    wire.reply({"instances": []})
    async with client_factory(session=session) as client:
        await client.get_instances()
    endpoints, _ = session.get_component("data_loader").load_data_with_path("endpoints")
    assert "ec2" in endpoints["partitions"][0]["services"]
    assert "RunInstances" not in OPERATIONS
    model = session.get_component("data_loader").load_service_model("lightsail", "service-2")
    assert "GetBundles" in model["operations"]


async def test_a_client_is_a_few_hundred_objects(
    client_factory: Callable[..., LightsailClient], wire: Wire
) -> None:
    """Each open client adds few objects for the garbage collector to walk."""
    wire.reply({"instances": []}, repeat=True)
    async with client_factory() as first:
        await first.get_instances()
        gc.collect()
        before = len(gc.get_objects())
        clients = [client_factory() for _ in range(8)]
        try:
            for extra in clients:
                await extra.__aenter__()
                await extra.get_instances()
            gc.collect()
            per_client = (len(gc.get_objects()) - before) / len(clients)
        finally:
            for extra in clients:
                await extra.aclose()
    # ~135 with this botocore: the transport and its retry policy (botocore's retry
    # handler and quota), one answer's leftovers included; ~335 when each client was an
    # aiobotocore client. The bound leaves room for botocore's own growth.
    assert per_client < 200, per_client


async def test_user_agent_names_the_library(client: LightsailClient, wire: Wire) -> None:
    """Requests carry one fixed User-Agent that starts with aiolightsail's name and version."""
    wire.reply({"instances": []}, repeat=True)
    await client.get_instances()
    await client.get_instances()
    agents = {headers["User-Agent"] for headers in wire.headers}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith(f"aiolightsail/{aiolightsail.__version__} ")
    assert "md/Botocore#" in agent


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_trimming_keeps_each_operation_whole(operation: str) -> None:
    """Trimming a model to one operation keeps every shape that operation reaches."""
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    full = loader.load_service_model("lightsail", "service-2")
    copy: dict[str, Any] = {
        **full,
        "operations": dict(full["operations"]),
        "shapes": dict(full["shapes"]),
    }
    _session._trim_service_model(copy, frozenset({operation}))
    assert list(copy["operations"]) == [operation]
    trimmed, whole = ServiceModel(copy, "lightsail"), ServiceModel(full, "lightsail")
    for model in (trimmed, whole):
        output = model.operation_model(operation).output_shape
        assert output is not None
    assert (
        trimmed.operation_model(operation).output_shape.members.keys()  # type: ignore[union-attr]
        == whole.operation_model(operation).output_shape.members.keys()  # type: ignore[union-attr]
    )
    assert len(copy["shapes"]) < len(full["shapes"]) / 3


async def test_each_region_reaches_its_own_endpoint(
    client_factory: Callable[..., LightsailClient],
) -> None:
    """Endpoints are resolved once per (session, region), yet each region's requests go
    to that region's endpoint, from our sessions and from a caller's."""
    from aioresponses import aioresponses

    from tests.conftest import _ShimResponse

    regions = ("eu-west-1", "us-east-1", "ap-northeast-1")
    seen: list[str] = []
    with aioresponses() as mock:
        for region in regions:
            mock.post(
                f"https://lightsail.{region}.amazonaws.com/",
                body='{"instances": []}',
                content_type="application/x-amz-json-1.1",
                response_class=_ShimResponse,
            )
        mock.post(
            "https://lightsail.eu-west-1.amazonaws.com/",
            body='{"instances": []}',
            content_type="application/x-amz-json-1.1",
            response_class=_ShimResponse,
        )
        clients = [client_factory(region, endpoint_url=None) for region in regions]
        clients.append(client_factory("eu-west-1", endpoint_url=None, session=AioSession()))
        try:
            for opened in clients:
                await opened.__aenter__()
            for opened in clients:
                await opened.get_instances()
            seen = [str(url) for (_method, url) in mock.requests]
        finally:
            for opened in clients:
                await opened.aclose()
    assert sorted(seen) == sorted(f"https://lightsail.{r}.amazonaws.com/" for r in regions)
    assert [len(calls) for calls in mock.requests.values()] == [2, 1, 1]


async def test_a_client_opens_from_the_emulators_boto3_keyword_arguments(
    emulator: Emulator,
) -> None:
    """``LightsailClient(**emulator.client_kwargs())`` opens (``region_name`` is ``region``)."""
    emulator.add_instance(None, "eu-west-1", "web-1")
    async with LightsailClient(**emulator.client_kwargs(region="eu-west-1")) as client:
        assert [i.name async for i in client.iter_instances()] == ["web-1"]


def test_two_different_regions_are_refused() -> None:
    """``region`` and ``region_name`` naming different regions is a ValidationError."""
    with pytest.raises(aiolightsail.ValidationError, match="region_name") as caught:
        LightsailClient("eu-west-1", region_name="us-east-1")
    assert caught.value.parameter == "region_name"
