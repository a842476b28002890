"""The lifecycle on the emulator's clock: start, stop, reboot, operations, ports, catalogue."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiolightsail._regions import LIGHTSAIL_REGIONS
from aiolightsail.emulator import BUNDLES, Emulator, Timings
from aiolightsail.emulator._state import RegionState
from tests.emulator.helpers import RawClient
from tests.emulator.shapes import output_problems

WEB = {"instanceName": "web-1"}


@pytest.fixture
def web(emulator: Emulator) -> Emulator:
    """An emulator with a running instance web-1 (ports 22 and 80 open)."""
    emulator.add_instance(None, "us-east-1", "web-1", ports=[(22, 22, "tcp"), (80, 80, "tcp")])
    return emulator


async def _state(raw: RawClient) -> str:
    status, body = await raw.json("GetInstanceState", WEB)
    assert status == 200, body
    assert output_problems("GetInstanceState", body) == []
    return str(body["state"]["name"])


async def _operation(raw: RawClient, operation_id: str) -> dict[str, Any]:
    status, body = await raw.json("GetOperation", {"operationId": operation_id})
    assert status == 200, body
    assert output_problems("GetOperation", body) == []
    operation: dict[str, Any] = body["operation"]
    return operation


@pytest.mark.parametrize(
    ("setup", "call", "body", "during", "after", "seconds"),
    [
        (None, "StopInstance", WEB, "stopping", "stopped", "instance_stop"),
        ("stopped", "StartInstance", WEB, "pending", "running", "instance_start"),
        (
            "stopping",
            "StopInstance",
            {**WEB, "force": True},
            "stopping",
            "stopped",
            "instance_stop",
        ),
    ],
)
async def test_transitions_take_their_time_and_operations_follow(
    web: Emulator,
    raw: RawClient,
    setup: str | None,
    call: str,
    body: dict[str, Any],
    during: str,
    after: str,
    seconds: str,
) -> None:
    """A start or stop shows its transient state until its time is up, and its operation goes
    Started → Succeeded (terminal) at that moment."""
    if setup is not None:
        web.state().get_instance("web-1").forced_state = setup
    status, answer = await raw.json(call, body)
    assert status == 200, answer
    assert output_problems(call, answer) == []
    (started,) = answer["operations"]
    delay = getattr(web.timings, seconds)

    assert (started["status"], started["isTerminal"], started["operationType"]) == (
        "Started",
        False,
        call,
    )
    assert await _state(raw) == during
    web.clock.advance(delay - 0.5)
    assert await _state(raw) == during
    assert (await _operation(raw, started["id"]))["status"] == "Started"
    web.clock.advance(0.5)
    done = await _operation(raw, started["id"])
    assert await _state(raw) == after
    assert (done["status"], done["isTerminal"]) == ("Succeeded", True)
    assert done["statusChangedAt"] == started["createdAt"] + delay


async def test_a_reboot_is_terminal_at_once_while_the_instance_reboots(
    web: Emulator, raw: RawClient
) -> None:
    """RebootInstance answers a terminal Succeeded operation; the instance shows rebooting
    (still state code 16) until instance_reboot has passed, then running."""
    _, answer = await raw.json("RebootInstance", WEB)
    (operation,) = answer["operations"]
    _, state = await raw.json("GetInstanceState", WEB)

    assert (operation["status"], operation["isTerminal"]) == ("Succeeded", True)
    assert state["state"] == {"code": 16, "name": "rebooting"}
    web.clock.advance(web.timings.instance_reboot)
    assert await _state(raw) == "running"


@pytest.mark.parametrize(
    ("state", "call", "body"),
    [
        ("running", "StartInstance", WEB),
        ("stopped", "StopInstance", WEB),
        ("stopping", "StopInstance", WEB),
        ("stopped", "RebootInstance", WEB),
        ("pending", "RebootInstance", WEB),
    ],
)
async def test_actions_from_the_wrong_state_are_refused(
    web: Emulator, raw: RawClient, state: str, call: str, body: dict[str, Any]
) -> None:
    """An action the instance's state does not allow is an InvalidInputException naming the
    state, and changes nothing."""
    web.state().get_instance("web-1").forced_state = None if state == "running" else state
    before = len(web.state().operations)

    status, answer = await raw.json(call, body)

    assert status == 400
    assert answer["__type"] == "InvalidInputException"
    assert f"is {state}" in answer["message"]
    assert len(web.state().operations) == before
    assert await _state(raw) == state


async def test_scripted_failures_end_failed_and_put_things_back(
    web: Emulator, raw: RawClient
) -> None:
    """fail_operations makes the next stop end Failed with its error code, the instance back to
    running; a snapshot ends in error; a port change is Failed at once and changes no rule."""
    web.faults.fail_operations("StopInstance", error_code="Stuck", error_details="no")
    web.faults.fail_operations("CreateInstanceSnapshot")
    web.faults.fail_operations("OpenInstancePublicPorts")

    _, stop = await raw.json("StopInstance", WEB)
    _, snap = await raw.json(
        "CreateInstanceSnapshot", {**WEB, "instanceSnapshotName": "web-1-snap"}
    )
    _, opened = await raw.json(
        "OpenInstancePublicPorts",
        {**WEB, "portInfo": {"fromPort": 443, "toPort": 443, "protocol": "tcp"}},
    )
    assert await _state(raw) == "stopping"
    web.clock.advance(max(web.timings.instance_stop, web.timings.snapshot_create))
    stopped = await _operation(raw, stop["operations"][0]["id"])
    _, snapshot = await raw.json("GetInstanceSnapshot", {"instanceSnapshotName": "web-1-snap"})
    snapshot_ops = [await _operation(raw, o["id"]) for o in snap["operations"]]
    _, ports = await raw.json("GetInstancePortStates", WEB)

    assert (stopped["status"], stopped["errorCode"], stopped["errorDetails"]) == (
        "Failed",
        "Stuck",
        "no",
    )
    assert await _state(raw) == "running"
    assert snapshot["instanceSnapshot"]["state"] == "error"
    assert {o["status"] for o in snapshot_ops} == {"Failed"}
    assert (opened["operation"]["status"], opened["operation"]["isTerminal"]) == ("Failed", True)
    assert sorted(p["fromPort"] for p in ports["portStates"]) == [22, 80]
    assert output_problems("GetInstanceSnapshot", snapshot) == []


def test_only_operations_that_start_something_can_be_made_to_fail(web: Emulator) -> None:
    """fail_operations refuses a read and a negative count."""
    with pytest.raises(ValueError, match="cannot be made to fail"):
        web.faults.fail_operations("GetInstances")
    with pytest.raises(ValueError, match="negative"):
        web.faults.fail_operations("StopInstance", -1)


async def test_ports_open_widen_and_are_replaced(web: Emulator, raw: RawClient) -> None:
    """Opening adds a rule (anyone when no source is named) or widens the rule for the same
    ports; putting replaces every rule; each answers a terminal Succeeded operation."""

    async def rules() -> dict[tuple[int, int, str], tuple[list[str], list[str]]]:
        _, body = await raw.json("GetInstancePortStates", WEB)
        return {
            (p["fromPort"], p["toPort"], p["protocol"]): (p["cidrs"], p["ipv6Cidrs"])
            for p in body["portStates"]
        }

    _, opened = await raw.json(
        "OpenInstancePublicPorts",
        {**WEB, "portInfo": {"fromPort": 8000, "toPort": 8010, "protocol": "tcp"}},
    )
    await raw.json(
        "OpenInstancePublicPorts",
        {**WEB, "portInfo": {"fromPort": 22, "toPort": 22, "protocol": "tcp",
                             "cidrs": ["198.51.100.0/24"]}},
    )  # fmt: skip
    after_open = await rules()
    _, put = await raw.json(
        "PutInstancePublicPorts",
        {**WEB, "portInfos": [
            {"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrs": ["203.0.113.0/24"]},
            {"fromPort": 8, "toPort": -1, "protocol": "icmp"},
        ]},
    )  # fmt: skip
    after_put = await rules()

    assert (opened["operation"]["status"], opened["operation"]["isTerminal"]) == (
        "Succeeded",
        True,
    )
    assert output_problems("OpenInstancePublicPorts", opened) == []
    assert output_problems("PutInstancePublicPorts", put) == []
    assert after_open[(8000, 8010, "tcp")] == (["0.0.0.0/0"], ["::/0"])
    assert after_open[(22, 22, "tcp")] == (["0.0.0.0/0", "198.51.100.0/24"], ["::/0"])
    assert after_put == {
        (443, 443, "tcp"): (["203.0.113.0/24"], []),
        (8, -1, "icmp"): (["0.0.0.0/0"], ["::/0"]),
    }
    assert put["operation"]["operationType"] == "PutInstancePublicPorts"


async def test_put_validates_every_rule(web: Emulator, raw: RawClient) -> None:
    """A bad rule anywhere in portInfos is refused by its index, and no rule changes."""
    status, body = await raw.json(
        "PutInstancePublicPorts",
        {**WEB, "portInfos": [
            {"fromPort": 22, "toPort": 22, "protocol": "tcp"},
            {"fromPort": 90, "toPort": 80, "protocol": "tcp"},
        ]},
    )  # fmt: skip
    assert status == 400
    assert "portInfos[1].fromPort" in body["message"]
    assert len(web.state().get_instance("web-1").ports) == 2


async def test_operations_are_listed_oldest_first_in_pages(web: Emulator, raw: RawClient) -> None:
    """GetOperations walks every operation once, oldest first, across pages of three;
    GetOperationsForResource keeps one resource's; an unknown id is NotFoundException."""
    web.add_instance(None, "us-east-1", "db-1")
    ids = []
    for _ in range(4):
        for name in ("web-1", "db-1"):
            _, body = await raw.json(
                "OpenInstancePublicPorts",
                {"instanceName": name, "portInfo": {"fromPort": 1, "toPort": 1, "protocol": "udp"}},
            )
            ids.append((name, body["operation"]["id"]))

    async def walk(operation: str, body: dict[str, Any]) -> list[str]:
        seen: list[str] = []
        token = None
        while True:
            _, answer = await raw.json(
                operation, {**body, **({"pageToken": token} if token else {})}
            )
            assert output_problems(operation, answer) == []
            seen += [o["id"] for o in answer["operations"]]
            token = answer.get("nextPageToken")
            if not token:
                return seen

    everything = await walk("GetOperations", {})
    web_only = await walk("GetOperationsForResource", {"resourceName": "web-1"})
    status, missing = await raw.json("GetOperation", {"operationId": "no-such-operation"})

    assert everything == [i for _, i in ids]
    assert web_only == [i for name, i in ids if name == "web-1"]
    assert (status, missing["__type"]) == (400, "NotFoundException")


@given(count=st.integers(0, 12), size=st.integers(1, 5), every=st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_operation_pages_cover_each_operation_once(count: int, size: int, every: int) -> None:
    """Paging one resource's operations, at any page size, yields exactly its operations."""
    state = RegionState("123456789012", "us-east-1", random.Random(0))
    for i in range(count):
        state.record_operation(
            resource_name="a" if i % every == 0 else "b",
            resource_type="Instance",
            created_at=0.0,
            availability_zone="us-east-1a",
            operation_type="StartInstance",
            status="Started",
            is_terminal=False,
        )
    seen, after = [], None
    while True:
        items, after = state.page_operations(after, size, resource_name="a")
        assert len(items) <= size
        seen += items
        if after is None:
            break
    assert seen == [o for o in state.operations if o.resource_name == "a"]


async def test_regions_list_every_region_and_zones_when_asked(raw: RawClient) -> None:
    """GetRegions lists every Lightsail region; zones only with includeAvailabilityZones."""
    _, bare = await raw.json("GetRegions", {})
    _, zoned = await raw.json("GetRegions", {"includeAvailabilityZones": True})

    assert [r["name"] for r in bare["regions"]] == list(LIGHTSAIL_REGIONS)
    assert all(r["availabilityZones"] == [] for r in bare["regions"])
    virginia = next(r for r in zoned["regions"] if r["name"] == "us-east-1")
    assert virginia["displayName"] == "Virginia"
    assert [z["zoneName"] for z in virginia["availabilityZones"]][:2] == [
        "us-east-1a",
        "us-east-1b",
    ]
    assert output_problems("GetRegions", zoned) == []


@pytest.mark.parametrize("include_inactive", [False, True])
async def test_bundles_page_through_the_catalogue(raw: RawClient, include_inactive: bool) -> None:
    """GetBundles pages through the plans, the retired ones only with includeInactive."""
    seen: list[str] = []
    token = None
    while True:
        body: dict[str, Any] = {"includeInactive": include_inactive}
        if token:
            body["pageToken"] = token
        _, answer = await raw.json("GetBundles", body)
        assert output_problems("GetBundles", answer) == []
        seen += [b["bundleId"] for b in answer["bundles"]]
        token = answer.get("nextPageToken")
        if not token:
            break
    expected = sorted(b.bundle_id for b in BUNDLES if include_inactive or b.is_active)
    assert seen == expected


def test_uniform_timings() -> None:
    """Timings.uniform sets every transition's duration, and refuses negative time."""
    timings = Timings.uniform(2.5)
    assert {timings.instance_boot, timings.instance_stop, timings.snapshot_create} == {2.5}
    with pytest.raises(ValueError, match="negative"):
        Timings.uniform(-1)


async def test_zero_timings_complete_operations_in_the_answer(raw: RawClient) -> None:
    """With transitions of zero seconds, a start's operation is already Succeeded when answered."""
    async with Emulator(timings=Timings.uniform(0)) as quick:
        quick.add_instance(None, "us-east-1", "web-1", state="stopped")
        quick_raw = RawClient(quick, raw.session)
        _, answer = await quick_raw.json("StartInstance", WEB)
        _, state = await quick_raw.json("GetInstanceState", WEB)
    assert answer["operations"][0]["status"] == "Succeeded"
    assert state["state"]["name"] == "running"
