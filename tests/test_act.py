"""Fleet.act: find, act and wait on one deadline; the final Instance, or one clear error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web as aioweb

import aiolightsail as al
from aiolightsail import Fleet, LightsailClient, Target
from aiolightsail.emulator import Emulator
from tests.conftest import ACCOUNTS, keys

A, B = ACCOUNTS[0][0], ACCOUNTS[1][0]


@pytest.fixture
async def fleet(emulator: Emulator) -> AsyncIterator[Fleet]:
    """Accounts A and B in us-east-1: web-1 in A, dup in both; waits on the emulator's clock."""
    emulator.add_instance(A, "us-east-1", "web-1")
    emulator.add_instance(A, "us-east-1", "dup")
    emulator.add_instance(B, "us-east-1", "dup")
    url = emulator.endpoint_url
    targets = [Target("us-east-1", endpoint_url=url, **keys(i)) for i in (0, 1)]
    async with Fleet(targets) as opened:
        opened._timer = emulator.clock
        yield opened


def _state(emulator: Emulator, name: str, account: str = A) -> str:
    return emulator.state(account, "us-east-1").get_instance(name).state_name(emulator.clock.now())


@pytest.mark.parametrize(
    ("actions", "final"),
    [(["stop"], "stopped"), (["stop", "start"], "running"), (["reboot"], "running")],
)
async def test_act_returns_the_instance_in_its_new_state(
    emulator: Emulator, fleet: Fleet, actions: list[str], final: str
) -> None:
    """Each action finds the instance, sends, waits for its operations and its state, and
    returns the final Instance; the emulator agrees."""
    for action in actions:
        instance = await fleet.act(action, "web-1", timeout=600)
    assert isinstance(instance, al.Instance)
    assert instance.name == "web-1" and instance.state_name == final
    assert _state(emulator, "web-1") == final
    assert emulator.stats.requests[f"{actions[-1].capitalize()}Instance"] == actions.count(
        actions[-1]
    )


async def test_a_name_in_two_targets_needs_one(emulator: Emulator, fleet: Fleet) -> None:
    """A name found in two targets is refused before anything is sent, naming both; passing
    target= picks one."""
    with pytest.raises(al.ValidationError, match="2 targets") as caught:
        await fleet.act("stop", "dup", timeout=600)
    assert caught.value.parameter == "instance_name"
    assert emulator.stats.requests["StopInstance"] == 0

    instance = await fleet.act("stop", "dup", target=fleet.targets[1], timeout=600)

    assert instance.state_name == "stopped"
    assert _state(emulator, "dup", B) == "stopped" and _state(emulator, "dup", A) == "running"


async def test_an_unknown_name_is_not_found(emulator: Emulator, fleet: Fleet) -> None:
    """A name no target has is a NotFoundError, and nothing is sent."""
    with pytest.raises(al.NotFoundError, match="no instance called nowhere"):
        await fleet.act("reboot", "nowhere", timeout=600)
    assert emulator.stats.requests["RebootInstance"] == 0


@pytest.mark.parametrize("action", ["stop", "reboot"])
async def test_a_failed_operation_is_a_wait_failed_error(
    emulator: Emulator, fleet: Fleet, action: str
) -> None:
    """An action whose operation ends Failed raises WaitFailedError carrying the operation."""
    emulator.faults.fail_operations(f"{action.capitalize()}Instance", error_code="Stuck")
    with pytest.raises(al.WaitFailedError, match="Stuck") as caught:
        await fleet.act(action, "web-1", timeout=600)
    assert isinstance(caught.value.last, al.Operation)
    assert caught.value.last.operation_type == f"{action.capitalize()}Instance"


async def test_one_deadline_covers_the_whole_action(emulator: Emulator, fleet: Fleet) -> None:
    """A stop takes 30 emulated seconds: with a 20 s deadline the wait ends at the deadline,
    in all 20 s (not 20 s per wait), with the last thing seen."""
    started = emulator.clock.now()
    with pytest.raises(al.WaitTimeoutError) as caught:
        await fleet.act("stop", "web-1", timeout=20)
    assert emulator.clock.now() - started == 20
    assert caught.value.last is not None


async def test_each_wait_gets_what_is_left_of_the_deadline(
    emulator: Emulator, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operations' wait gets the whole 100 s; the stop takes 30, so the state's wait gets
    the 70 left, not 100 of its own."""
    given: list[float] = []
    for name in ("wait_for_operations", "wait_for_instance_state"):
        wait = getattr(LightsailClient, name)

        async def recorded(
            self: LightsailClient, *args: Any, _wait: Any = wait, **kwargs: Any
        ) -> Any:
            given.append(kwargs["timeout"])
            return await _wait(self, *args, **kwargs)

        monkeypatch.setattr(LightsailClient, name, recorded)

    await fleet.act("stop", "web-1", timeout=100)

    assert given == [100, 100 - emulator.timings.instance_stop]


async def test_a_refused_action_is_the_services_error(emulator: Emulator, fleet: Fleet) -> None:
    """Starting a running instance is the service's InvalidInput error, as from the client."""
    with pytest.raises(al.InvalidInputError):
        await fleet.act("start", "web-1", timeout=600)


@pytest.mark.parametrize(
    ("action", "name", "timeout", "target", "parameter"),
    [
        ("halt", "web-1", 600, None, "action"),
        ("stop", "", 600, None, "instance_name"),
        ("stop", "web-1", 0, None, "timeout"),
        ("stop", "web-1", float("nan"), None, "timeout"),
        ("stop", "web-1", 600, Target("eu-west-1"), "target"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    emulator: Emulator,
    fleet: Fleet,
    action: str,
    name: str,
    timeout: float,  # noqa: ASYNC109 - the argument under test
    target: Target | None,
    parameter: str,
) -> None:
    """An unknown action, a bad name, timeout or target is a ValidationError; nothing is sent."""
    with pytest.raises(al.ValidationError) as caught:
        await fleet.act(action, name, target=target, timeout=timeout)
    assert caught.value.parameter == parameter
    assert sum(emulator.stats.requests.values()) == 0


async def test_a_deadline_that_ends_the_write_makes_its_outcome_unknown() -> None:
    """When the deadline passes while the action's request is in flight (the service never
    answers it), act raises WriteOutcomeUnknownError, not a timeout that reads as not done,
    and sends the action once."""
    received: list[str] = []
    answered = asyncio.Event()

    async def handle(request: aioweb.Request) -> aioweb.StreamResponse:
        operation = request.headers["X-Amz-Target"].rsplit(".", 1)[1]
        received.append(operation)
        if operation == "GetInstance":
            return aioweb.json_response(
                {"instance": {"name": "web-1", "state": {"name": "running"}}},
                content_type="application/x-amz-json-1.1",
            )
        await answered.wait()  # set once act has given up: till then the request is in flight
        return aioweb.Response(status=500)

    app = aioweb.Application()
    app.router.add_post("/", handle)
    runner = aioweb.AppRunner(app)
    await runner.setup()
    site = aioweb.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        target = Target("us-east-1", endpoint_url=f"http://127.0.0.1:{port}", **keys(0))
        async with Fleet([target]) as fleet:
            with pytest.raises(al.WriteOutcomeUnknownError, match="may have been done") as caught:
                await fleet.act("stop", "web-1", timeout=0.5)
    finally:
        answered.set()
        await runner.cleanup()
    assert caught.value.operation == "StopInstance"
    assert received == ["GetInstance", "StopInstance"]
