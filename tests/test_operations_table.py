"""The operations table agrees with botocore's Lightsail model, the client and the emulator."""

from __future__ import annotations

import inspect
from typing import Any

import botocore.session
import pytest

from aiolightsail import LightsailClient
from aiolightsail._operations import OPERATIONS, Op
from aiolightsail.emulator._operations import HANDLERS

MODEL = botocore.session.get_session().get_service_model("lightsail")


@pytest.mark.parametrize("op", OPERATIONS.values(), ids=lambda op: op.wire)
def test_each_entry_matches_botocores_model(op: Op[Any]) -> None:
    """The entry's output shape, result member, model and pagination are botocore's."""
    operation = MODEL.operation_model(op.wire)
    output = operation.output_shape
    assert output is not None and output.name == op.output_shape
    member: Any = output.members[op.member]
    if op.shape == "one":
        assert member.type_name == "structure"
        assert member.name == op.model.__name__
    else:
        assert member.type_name == "list"
        assert member.member.name == op.model.__name__
    inputs: Any = operation.input_shape
    paged = "nextPageToken" in output.members and "pageToken" in inputs.members
    assert paged == op.paginated
    assert op.writes == (not op.wire.startswith("Get"))


@pytest.mark.parametrize("op", OPERATIONS.values(), ids=lambda op: op.wire)
def test_each_entry_has_a_client_method_and_an_emulator_handler(op: Op[Any]) -> None:
    """Every operation of the table is a method of the client and is served by the emulator."""
    method = getattr(LightsailClient, op.method)
    assert inspect.iscoroutinefunction(method)
    assert op.wire in HANDLERS
    if op.paginated:
        assert callable(getattr(LightsailClient, "iter_" + op.method.removeprefix("get_")))


def test_every_request_method_of_the_client_is_in_the_table() -> None:
    """No public coroutine of the client calls an operation the table does not list."""
    methods = {op.method for op in OPERATIONS.values()}
    public = {
        name
        for name, value in vars(LightsailClient).items()
        if not name.startswith(("_", "wait_"))
        and inspect.iscoroutinefunction(value)
        and name != "aclose"
    }
    assert public == methods
