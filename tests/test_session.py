"""The sessions aiolightsail builds: lean, and indistinguishable to Lightsail and STS clients."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
from aiobotocore.session import AioSession
from botocore.handlers import BUILTIN_HANDLERS
from botocore.model import ServiceModel

import aiolightsail
from aiolightsail import LightsailClient
from aiolightsail._botocore import _sessions as _session
from aiolightsail._operations import OPERATIONS
from tests.conftest import Wire

STS_OPERATIONS = ("AssumeRole", "GetCallerIdentity")


def _events() -> list[str]:
    """Every event name a Lightsail or STS client can fire that a built-in handler could match."""
    names = {spec[0].split(".")[0] for spec in BUILTIN_HANDLERS}
    events: list[str] = []
    for name in sorted(names):
        for service, operations in (("lightsail", sorted(OPERATIONS)), ("sts", STS_OPERATIONS)):
            events += [name, f"{name}.{service}"]
            events += [f"{name}.{service}.{operation}" for operation in operations]
    return events


def _handlers(session: AioSession, event: str) -> list[Any]:
    emitter: Any = session.get_component("event_emitter")
    emitter = getattr(emitter, "_emitter", emitter)  # unwrap botocore's EventAliaser
    return list(emitter._handlers.prefix_search(event))  # the trie behind emit()


def test_our_sessions_fire_the_same_handlers_as_stock_ones() -> None:
    """Leaving out other services' built-in handlers changes nothing for our clients."""
    ours, stock = _session.new_session(), AioSession()
    events = _events()
    assert len(events) > 200
    for event in events:
        mine = [h for h in _handlers(ours, event) if h is not _session._without_generated_methods]
        assert mine == _handlers(stock, event), event
    # ...and other services' handlers are really gone (the point of it):
    s3_event = "before-call.s3.PutObject"
    assert len(_handlers(ours, s3_event)) < len(_handlers(stock, s3_event))


async def test_shared_data_is_trimmed_to_lightsail_and_sts(
    client: LightsailClient, wire: Wire
) -> None:
    """After a client opens, the shared loader keeps only what our clients read."""
    wire.reply({"instances": []})
    await client.get_instances()
    loader = _session.get_session().get_component("data_loader")
    endpoints, _ = loader.load_data_with_path("endpoints")
    for partition in endpoints["partitions"]:
        assert set(partition["services"]) <= {"lightsail", "sts"}
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
    s3_event = "before-call.s3.PutObject"
    assert len(_handlers(session, s3_event)) == len(_handlers(AioSession(), s3_event))


async def test_a_client_is_a_few_hundred_objects(
    client_factory: Callable[..., LightsailClient], wire: Wire
) -> None:
    """Each open client adds few objects for the garbage collector to walk (was ~2,400
    before the library trimmed botocore's client class)."""
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
    # ~335 with this botocore; ~400 without dropping the prebuilt operation models
    # and sharing the endpoint rules (their own tests guard those); 1,024 before
    # our sessions were trimmed. The bound leaves room for botocore's own growth.
    assert per_client < 420, per_client


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


async def test_clients_share_one_endpoint_rules_evaluator_and_still_reach_their_region(
    client_factory: Callable[..., LightsailClient],
) -> None:
    """Clients of our sessions share the parsed endpoint rules, yet each region's
    requests go to that region's endpoint; a caller's session keeps its own."""
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
        clients = [client_factory(region, endpoint_url=None) for region in regions]
        clients.append(client_factory("eu-west-1", session=AioSession()))
        try:
            for opened in clients:
                await opened.__aenter__()
            for opened in clients[:3]:
                await opened.get_instances()
            seen = [str(url) for (_method, url) in mock.requests]
        finally:
            for opened in clients:
                await opened.aclose()
    assert sorted(seen) == sorted(f"https://lightsail.{r}.amazonaws.com/" for r in regions)
    first, second = client_factory("eu-west-1"), client_factory("us-east-1")
    role_like = client_factory("eu-west-1", session=_session.new_session())  # as Fleet's roles
    own = client_factory("eu-west-1", session=AioSession())
    async with first, second, role_like, own:
        inner: list[Any] = [c._client.raw for c in (first, second, role_like, own) if c._client]
        providers = [client._ruleset_resolver._provider for client in inner]
    assert providers[0] is providers[1] is providers[2]
    assert providers[3] is not providers[0]
