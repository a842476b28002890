"""Bad input is refused: every parameter of every public method, and agreement with the service.

``tests/test_validation.py`` holds the rule-by-rule cases; this module walks
the public surface instead. A completeness test reads the signatures of every
public method of :class:`LightsailClient` and :class:`Fleet` and of the
constructors, and fails when a parameter has no bad-input case here, so a
parameter added later without a check is noticed. Each case must raise
:class:`ValidationError` naming the parameter, before any request.

The property tests compare the client's rules with the service's as the
emulator implements them, independently, in ``aiolightsail/emulator``: for
random resource names and port rules, the client accepts exactly when the
emulator's operation handler accepts.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import aiolightsail as al
from aiolightsail import Fleet, LightsailClient, PortInfo, Target, ValidationError
from aiolightsail import _validation as check
from aiolightsail._operations import OPERATIONS
from aiolightsail.emulator import Emulator, Timings
from aiolightsail.emulator import _validation as service_rules
from aiolightsail.emulator._errors import ServiceError
from aiolightsail.emulator._operations import HANDLERS, Context
from aiolightsail.emulator._pagination import PageTokens
from tests.conftest import Wire, stray_tasks
from tests.reliability.conftest import ORG, static_keys

NOW = datetime(2026, 11, 26, tzinfo=UTC)
TCP_22 = PortInfo(from_port=22, to_port=22, protocol="tcp")

#: A valid call of each public operation; each case below breaks one parameter of one.
VALID: dict[str, dict[str, Any]] = {
    "close_instance_public_ports": {"instance_name": "web-1", "port_info": TCP_22},
    "create_instance_snapshot": {"instance_name": "web-1", "instance_snapshot_name": "web-1-s"},
    "create_instances": {
        "instance_names": ["web-1"],
        "availability_zone": "eu-west-1a",
        "blueprint_id": "ubuntu_24_04",
        "bundle_id": "nano_3_0",
    },
    "create_instances_from_snapshot": {
        "instance_names": ["web-2"],
        "availability_zone": "eu-west-1a",
        "bundle_id": "nano_3_0",
        "instance_snapshot_name": "web-1-s",
    },
    "delete_instance": {"instance_name": "web-1"},
    "delete_instance_snapshot": {"instance_snapshot_name": "web-1-s"},
    "get_blueprints": {},
    "get_instance": {"instance_name": "web-1"},
    "get_instance_access_details": {"instance_name": "web-1"},
    "get_instance_metric_data": {
        "instance_name": "web-1",
        "metric_name": "CPUUtilization",
        "start_time": NOW - timedelta(hours=1),
        "end_time": NOW,
        "period": 300,
        "statistics": ["Average"],
        "unit": "Percent",
    },
    "get_instance_port_states": {"instance_name": "web-1"},
    "get_instance_snapshot": {"instance_snapshot_name": "web-1-s"},
    "get_instance_snapshots": {},
    "get_instances": {},
    "iter_blueprints": {},
    "iter_instance_snapshots": {},
    "iter_instances": {},
    "start_instance": {"instance_name": "web-1"},
    "stop_instance": {"instance_name": "web-1"},
    "reboot_instance": {"instance_name": "web-1"},
    "get_instance_state": {"instance_name": "web-1"},
    "open_instance_public_ports": {"instance_name": "web-1", "port_info": TCP_22},
    "put_instance_public_ports": {"instance_name": "web-1", "port_infos": [TCP_22]},
    "get_operation": {"operation_id": "op-1"},
    "get_operations": {},
    "iter_operations": {},
    "get_operations_for_resource": {"resource_name": "web-1"},
    "iter_operations_for_resource": {"resource_name": "web-1"},
    "get_regions": {},
    "get_bundles": {},
    "iter_bundles": {},
    "wait_for_operations": {"operations": [al.Operation(id="op-1", status="Started")]},
    "wait_for_instance_state": {"instance_name": "web-1", "state": "running"},
    "wait_for_public_ip": {"instance_name": "web-1"},
    "wait_for_instance_snapshot": {"instance_snapshot_name": "web-1-s"},
    "wait_until_instance_deleted": {"instance_name": "web-1"},
    "wait_until_instance_snapshot_deleted": {"instance_snapshot_name": "web-1-s"},
}
WAITERS = [name for name in VALID if name.startswith("wait_")]
AUTO_SNAPSHOT = {
    **VALID["create_instances_from_snapshot"],
    "instance_snapshot_name": None,
    "source_instance_name": "web-1",
    "restore_date": date(2026, 11, 1),
}


@attrs.frozen
class Case:
    """One broken parameter of one method and the parameter the error must name."""

    method: str
    parameter: str
    value: Any
    names: str = ""  # the ValidationError's parameter, when it differs (e.g. "tags key")
    base: Mapping[str, Any] | None = None

    @property
    def expected(self) -> str:
        return self.names or self.parameter


def _cases() -> list[Case]:
    out: list[Case] = []
    names = ("instance_name", "instance_snapshot_name", "source_instance_name", "key_pair_name")
    for method, valid in VALID.items():
        for parameter in names:
            if parameter in valid:
                out += [
                    Case(method, parameter, None),
                    Case(method, parameter, b"web-1"),
                    Case(method, parameter, "web-1\n"),
                    Case(method, parameter, "wéb-1"),
                    Case(method, parameter, ".hidden"),
                ]
        if "page_token" in inspect.signature(getattr(LightsailClient, method)).parameters:
            out += [Case(method, "page_token", "   "), Case(method, "page_token", b"token")]
        if "include_inactive" in inspect.signature(getattr(LightsailClient, method)).parameters:
            out += [Case(method, "include_inactive", None), Case(method, "include_inactive", 0)]
    for method in ("create_instances", "create_instances_from_snapshot"):
        out += [
            Case(method, "instance_names", None),
            Case(method, "instance_names", ["web-1", None], names="instance_names[1]"),
            Case(method, "availability_zone", None),
            Case(method, "availability_zone", "EU-WEST-1A"),
            Case(method, "availability_zone", "eu-west-1a "),
            Case(method, "bundle_id", None),
            Case(method, "bundle_id", b"nano_3_0"),
            Case(method, "key_pair_name", ""),
            Case(method, "user_data", ["#!/bin/sh"]),
            Case(method, "tags", {"k": None}, names="tags['k']"),
            Case(method, "tags", {1: "v"}, names="tags key"),
            Case(method, "tags", {"k": "v" * 257}, names="tags['k']"),
            Case(method, "tags", {f"k{i}": "v" for i in range(51)}),
            Case(method, "ip_address_type", "IPV4"),
            Case(method, "ip_address_type", 4),
        ]
    out += [
        Case("create_instances", "blueprint_id", None),
        Case("create_instances", "blueprint_id", 42),
        Case("create_instances_from_snapshot", "instance_snapshot_name", "bad name"),
        Case(
            "create_instances_from_snapshot", "source_instance_name", "bad name", base=AUTO_SNAPSHOT
        ),
        Case("create_instances_from_snapshot", "restore_date", "2026-11-01", base=AUTO_SNAPSHOT),
        Case(
            "create_instances_from_snapshot",
            "use_latest_restorable_auto_snapshot",
            "yes",
            base={**AUTO_SNAPSHOT, "restore_date": None},
        ),
        Case("create_instances_from_snapshot", "use_latest_restorable_auto_snapshot", value=True),
        Case("create_instance_snapshot", "tags", [("k", "v")]),
        Case("create_instance_snapshot", "tags", {"aws:x": "v"}, names="tags key"),
        Case("delete_instance", "force_delete_add_ons", None),
        Case("delete_instance", "force_delete_add_ons", 1),
        Case("close_instance_public_ports", "port_info", None),
        Case(
            "close_instance_public_ports",
            "port_info",
            PortInfo(from_port=22, to_port=22, protocol="TCP"),
            names="port_info.protocol",
        ),
        Case(
            "close_instance_public_ports",
            "port_info",
            PortInfo(from_port=True, to_port=22, protocol="tcp"),
            names="port_info.from_port",
        ),
        Case(
            "close_instance_public_ports",
            "port_info",
            PortInfo(from_port=22.0, to_port=22, protocol="tcp"),  # type: ignore[arg-type]
            names="port_info.from_port",
        ),
        Case(
            "close_instance_public_ports",
            "port_info",
            PortInfo(from_port=22, to_port=22, protocol="tcp", cidrs=["10.0.0.1"]),
            names="port_info.cidrs[0]",
        ),
        Case(
            "close_instance_public_ports",
            "port_info",
            PortInfo(from_port=22, to_port=22, protocol="tcp", ipv6_cidrs=["::/129"]),
            names="port_info.ipv6_cidrs[0]",
        ),
        Case(
            "close_instance_public_ports",
            "port_info",
            PortInfo(from_port=-1, to_port=80, protocol="tcp"),
            names="port_info.from_port",
        ),
        Case("stop_instance", "force", "yes"),
        Case("stop_instance", "force", None),
        Case("open_instance_public_ports", "port_info", None),
        Case(
            "open_instance_public_ports",
            "port_info",
            PortInfo(from_port=80, to_port=22, protocol="tcp"),
            names="port_info.from_port",
        ),
        Case("put_instance_public_ports", "port_infos", TCP_22),
        Case("put_instance_public_ports", "port_infos", None),
        Case("put_instance_public_ports", "port_infos", [TCP_22, "80"], names="port_infos[1]"),
        Case("get_operation", "operation_id", None),
        Case("get_operation", "operation_id", ""),
        Case("get_operations_for_resource", "resource_name", "a b"),
        Case("iter_operations_for_resource", "resource_name", None),
        Case("get_regions", "include_availability_zones", "true"),
        Case("wait_for_operations", "operations", "op-1"),
        Case("wait_for_operations", "operations", [None], names="operations[0]"),
        Case("wait_for_instance_state", "state", "RUNNING"),
        Case("wait_for_instance_state", "state", None),
        *(Case(w, "timeout", 0) for w in WAITERS),
        *(Case(w, "timeout", float("nan")) for w in WAITERS),
        *(Case(w, "interval", -5) for w in WAITERS),
        *(Case(w, "interval", "1") for w in WAITERS),
        Case("get_instance_access_details", "protocol", "SSH"),
        Case("get_instance_access_details", "protocol", None),
        Case("get_instance_metric_data", "metric_name", None),
        Case("get_instance_metric_data", "metric_name", "cpuutilization"),
        Case("get_instance_metric_data", "start_time", date(2026, 11, 25)),
        Case("get_instance_metric_data", "start_time", NOW.timestamp()),
        Case("get_instance_metric_data", "end_time", "now"),
        Case("get_instance_metric_data", "end_time", NOW.replace(tzinfo=None)),
        Case("get_instance_metric_data", "period", 300.0),
        Case("get_instance_metric_data", "period", "300"),
        Case("get_instance_metric_data", "period", 0),
        Case("get_instance_metric_data", "statistics", None),
        Case("get_instance_metric_data", "statistics", [1], names="statistics[0]"),
        Case("get_instance_metric_data", "statistics", "Median", names="statistics[0]"),
        Case("get_instance_metric_data", "unit", "Bytes"),  # not the metric's unit
        Case("get_instance_metric_data", "unit", "PERCENT"),
    ]
    return out


CASES = _cases()


def _id(case: Case) -> str:
    return f"{case.method}-{case.parameter}-{case.value!r:.30}"


@pytest.mark.usefixtures("no_backoff")  # a case that regresses would send, and retry
@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in CASES])
async def test_bad_argument_is_refused_before_sending(
    case: Case, client: LightsailClient, wire: Wire
) -> None:
    """Each bad argument raises ValidationError naming its parameter, and nothing is sent."""
    kwargs = {**(case.base or VALID[case.method]), case.parameter: case.value}
    with pytest.raises(ValidationError) as caught:
        await invoke(client, case.method, kwargs)
    assert caught.value.parameter == case.expected
    assert wire.calls == []


async def invoke(client: LightsailClient, name: str, kwargs: dict[str, Any]) -> None:
    """Call a method; await it, or take one item if it returns an iterator (whose
    validation must not wait for the first page)."""
    method: Any = getattr(client, name)
    result = method(**kwargs)
    if inspect.isawaitable(result):
        await result
    else:
        await anext(result)


def _public_parameters(cls: type) -> set[tuple[str, str]]:
    out = set()
    for name, function in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_") or name == "aclose":
            continue
        out |= {(name, p) for p in inspect.signature(function).parameters if p != "self"}
    return out


def test_every_operation_parameter_has_a_bad_input_case() -> None:
    """Every parameter of every public LightsailClient method is broken by at least one case."""
    covered = {(c.method, c.parameter) for c in CASES}
    assert _public_parameters(LightsailClient) - covered == set()


# -- constructors and the fleet --------------------------------------------------

KEYS = static_keys(ORG[0])
TARGET = Target("eu-west-1", **KEYS)
SECRET_BYTES = b"do-not-echo-this-secret-0000000000000000"

# Typed Any: these calls break the signatures on purpose.
T: Any = Target
C: Any = LightsailClient
F: Any = Fleet
AKID, SECRET = "AKIA0000000000000000", "s" * 40
REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::111122223333:role/inventory"

CONSTRUCTOR_CASES: list[tuple[str, Any, str]] = [
    ("Target.region", lambda: T("EU-WEST-1"), "region"),
    ("Target.region", lambda: T(None), "region"),
    ("Target.profile", lambda: T(REGION, profile=5), "profile"),
    ("Target.role_arn", lambda: T(REGION, role_arn="arn:aws:iam::1:role/x"), "role_arn"),
    ("Target.aws_access_key_id", lambda: T(REGION, aws_access_key_id="A"),
     "aws_secret_access_key"),
    # A secret without its key id names the missing key id, as LightsailClient does.
    ("Target.aws_secret_access_key", lambda: T(REGION, aws_secret_access_key=SECRET),
     "aws_access_key_id"),
    ("Target.aws_session_token", lambda: T(REGION, aws_session_token=SECRET),
     "aws_session_token"),
    ("Target.name", lambda: T(REGION, name=""), "name"),
    ("Target.external_id", lambda: T(REGION, role_arn=ROLE_ARN, external_id="a b"),
     "external_id"),
    ("Target.duration_seconds", lambda: T(REGION, role_arn=ROLE_ARN, duration_seconds=899),
     "duration_seconds"),
    ("Target.role_session_name", lambda: T(REGION, role_arn=ROLE_ARN, role_session_name="a"),
     "role_session_name"),
    ("Target.pickle_secrets", lambda: T(REGION, pickle_secrets="yes"), "pickle_secrets"),
    ("LightsailClient.region", lambda: C("eu-west-1a"), "region"),
    ("LightsailClient.region_name", lambda: C(region_name="eu-west-1a"), "region_name"),
    ("LightsailClient.profile", lambda: C(REGION, profile=""), "profile"),
    ("LightsailClient.aws_access_key_id",
     lambda: C(REGION, aws_access_key_id=5, aws_secret_access_key=SECRET), "aws_access_key_id"),
    ("LightsailClient.aws_secret_access_key",
     lambda: C(REGION, aws_access_key_id=AKID, aws_secret_access_key=""),
     "aws_secret_access_key"),
    ("LightsailClient.aws_session_token", lambda: C(REGION, **KEYS, aws_session_token=""),
     "aws_session_token"),
    ("LightsailClient.endpoint_url", lambda: C(REGION, endpoint_url="ftp://x"), "endpoint_url"),
    ("LightsailClient.max_attempts", lambda: C(REGION, max_attempts=True), "max_attempts"),
    ("LightsailClient.retry_mode", lambda: C(REGION, retry_mode="legacy"), "retry_mode"),
    ("LightsailClient.config", lambda: C(REGION, config={"retries": {}}), "config"),
    ("LightsailClient.connect_timeout", lambda: C(REGION, connect_timeout=0), "connect_timeout"),
    ("LightsailClient.read_timeout", lambda: C(REGION, read_timeout="60"), "read_timeout"),
    ("LightsailClient.attempt_timeout", lambda: C(REGION, attempt_timeout=float("inf")),
     "attempt_timeout"),
    ("LightsailClient.call_timeout", lambda: C(REGION, call_timeout=float("nan")),
     "call_timeout"),
    ("LightsailClient.max_pages", lambda: C(REGION, max_pages=0), "max_pages"),
    ("LightsailClient.max_pool_connections", lambda: C(REGION, max_pool_connections=0),
     "max_pool_connections"),
    ("LightsailClient.instrument", lambda: C(REGION, instrument=[print, 1]), "instrument[1]"),
    ("Fleet.targets", lambda: F([REGION]), "targets[0]"),
    ("Fleet.concurrency", lambda: F([TARGET], concurrency=0), "concurrency"),
    ("Fleet.fail_fast", lambda: F([TARGET], fail_fast=1), "fail_fast"),
    ("Fleet.target_timeout", lambda: F([TARGET], target_timeout=-1), "target_timeout"),
    ("Fleet.max_attempts", lambda: F([TARGET], max_attempts=0), "max_attempts"),
    ("Fleet.retry_mode", lambda: F([TARGET], retry_mode="ADAPTIVE"), "retry_mode"),
    ("Fleet.config", lambda: F([TARGET], config=object()), "config"),
    ("Fleet.connect_timeout", lambda: F([TARGET], connect_timeout=0), "connect_timeout"),
    ("Fleet.read_timeout", lambda: F([TARGET], read_timeout=-1.0), "read_timeout"),
    ("Fleet.attempt_timeout", lambda: F([TARGET], attempt_timeout=None), "attempt_timeout"),
    ("Fleet.call_timeout", lambda: F([TARGET], call_timeout=86_401), "call_timeout"),
    ("Fleet.max_pages", lambda: F([TARGET], max_pages=1.5), "max_pages"),
    ("Fleet.instrument", lambda: F([TARGET], instrument="hook"), "instrument"),
    ("Fleet.across.regions", lambda: F.across(REGION), "regions"),
    ("Fleet.across.regions", lambda: F.across([]), "regions"),
    ("Fleet.across.role_arns", lambda: F.across([REGION], role_arns=["x"]), "role_arn"),
    ("Fleet.across.keys", lambda: F.across([REGION], keys=[(AKID,)]), "keys[0]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        pytest.param(call, p, id=f"{name}-{i}")
        for i, (name, call, p) in enumerate(CONSTRUCTOR_CASES)
    ],
)
def test_bad_constructor_argument_is_refused(call: Any, parameter: str) -> None:
    """Targets, clients and fleets refuse malformed arguments at construction, naming them."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.parameter == parameter


def test_target_endpoint_url_is_checked() -> None:
    """A Target refuses an endpoint URL that is not http(s), as LightsailClient does."""
    with pytest.raises(ValidationError) as caught:
        Target("eu-west-1", endpoint_url="ftp://example.com")
    assert caught.value.parameter == "endpoint_url"


async def test_client_session_is_checked() -> None:
    """A session that is not an aiobotocore session is refused as a ValidationError."""

    async def open_with_bad_session() -> None:
        async with C("eu-west-1", session="default", **KEYS):
            pass

    with pytest.raises(ValidationError) as caught:
        await open_with_bad_session()
    assert caught.value.parameter == "session"


async def test_fleet_page_tokens_are_checked_up_front(org: Emulator) -> None:
    """A page token that is not a non-empty str is refused when the stream is created."""
    target = Target("eu-west-1", endpoint_url=org.endpoint_url, **KEYS)
    async with Fleet([target]) as fleet:
        with pytest.raises(ValidationError) as caught:
            fleet.iter_instances(page_tokens={target: 5})  # type: ignore[dict-item]
        assert caught.value.parameter.startswith("page_tokens")
    assert org.stats.total_requests == 0


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda f, t: f.iter_instances(targets=[Target("us-east-1")]), "targets"),
        (lambda f, t: f.iter_blueprints(include_inactive="yes"), "include_inactive"),
        (lambda f, t: f.iter_instance_snapshots(targets=["eu-west-1"]), "targets"),
    ],
    ids=["unknown-target", "include_inactive", "target-as-str"],
)
async def test_bad_fleet_stream_argument_is_refused(call: Any, parameter: str) -> None:
    """Fleet streams refuse unknown targets and malformed options before starting any work."""
    async with Fleet([TARGET]) as fleet:
        with pytest.raises(ValidationError) as caught:
            call(fleet, TARGET)
        assert caught.value.parameter == parameter
        assert stray_tasks() == set()


async def test_fleet_map_with_a_failing_function_ends(org: Emulator) -> None:
    """fleet.map(fn) with an fn that raises a non-aiolightsail error hands that error to the
    consumer within a few loop turns instead of hanging, and leaves nothing running."""
    target = Target("eu-west-1", endpoint_url=org.endpoint_url, **KEYS)

    async def broken(client: LightsailClient) -> int:
        raise KeyError("a bug in the caller's function")

    async with Fleet([target]) as fleet:
        await fleet.client(target)  # opened ahead: what follows takes a few loop turns
        task = asyncio.ensure_future(anext(fleet.map(broken)))
        for _ in range(200):
            if task.done():
                break
            await asyncio.sleep(0)
        hung = not task.done()
        task.cancel()
        (outcome,) = await asyncio.gather(task, return_exceptions=True)
        assert stray_tasks() == set()
    assert not hung, "the stream never ended"
    assert isinstance(outcome, KeyError)


async def test_fleet_map_refuses_a_non_function() -> None:
    """fleet.map refuses something that is not callable, naming fn, before starting work."""
    async with Fleet([TARGET]) as fleet:
        with pytest.raises(ValidationError) as caught:
            F.map(fleet, "get_instances")
        assert caught.value.parameter == "fn"
        assert stray_tasks() == set()


def test_every_constructor_parameter_has_a_bad_input_case() -> None:
    """Every parameter of Target, LightsailClient and Fleet has a case (session, endpoint_url
    and the fleet streams' parameters are covered by the tests above)."""
    covered = {name for name, _, _ in CONSTRUCTOR_CASES}
    for cls in (Target, LightsailClient, Fleet):
        init = inspect.signature(cls.__init__).parameters
        for parameter in init:
            if parameter in ("self", "session") or (cls, parameter) == (Target, "endpoint_url"):
                continue
            assert f"{cls.__name__}.{parameter}" in covered


# -- agreement with the service's rules (the emulator's independent implementation) ----

_EMULATOR = Emulator(ORG)


def _context() -> Context:
    return Context(
        state=_EMULATOR.state(ORG[0].account_id, "eu-west-1"),
        account_id=ORG[0].account_id,
        region="eu-west-1",
        now=0.0,
        page_size=4,
        tokens=PageTokens.from_seed(0),
        timings=Timings(),
    )


def client_accepts_name(name: str) -> bool:
    """The client's verdict on a resource name."""
    try:
        check.resource_name(name, "instance_name")
    except ValidationError:
        return False
    return True


def service_accepts_name(operation: str, member: str, name: str) -> bool:
    """The emulator's verdict: its handler gets past validation to the lookup (NotFound)."""
    try:
        HANDLERS[operation](_context(), {member: name})
    except ServiceError as error:
        return error.error_type == "NotFoundException"
    raise AssertionError("nothing exists in this state, so a lookup cannot succeed")


NAMES = st.one_of(
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,30}[A-Za-z0-9_]", fullmatch=True),
    st.text(alphabet="aZ9_.- é\n/:", max_size=6),
    st.text(max_size=10),
    st.integers(250, 258).map(lambda n: "n" * n),
)


@settings(max_examples=400, deadline=None)
@given(name=NAMES, operation=st.sampled_from(["GetInstance", "GetInstanceSnapshot"]))
def test_names_client_accepts_iff_service_accepts(name: str, operation: str) -> None:
    """For any string, the client accepts it as a resource name exactly when the service does."""
    member = {"GetInstance": "instanceName", "GetInstanceSnapshot": "instanceSnapshotName"}
    assert client_accepts_name(name) == service_accepts_name(operation, member[operation], name)


PROTOCOLS = ["tcp", "udp", "all", "icmp", "icmpv6"]
PORTS = st.one_of(
    st.integers(-3, 3),
    st.integers(250, 260),
    st.integers(65530, 65540),
    st.integers(-(10**6), 10**6),
)


def client_accepts_port(from_port: int, to_port: int, protocol: str) -> bool:
    """The client's verdict on a port rule."""
    try:
        check.port_info(PortInfo(from_port=from_port, to_port=to_port, protocol=protocol))
    except ValidationError:
        return False
    return True


def service_accepts_port(from_port: int, to_port: int, protocol: str) -> bool:
    """The emulator's verdict on the same rule, as the client would send it."""
    wire = {"fromPort": from_port, "toPort": to_port, "protocol": protocol}
    try:
        service_rules.port_info({"portInfo": wire})
    except ServiceError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@example(-1, 80, "tcp")
@example(300, 0, "icmp")
@example(90, 80, "all")
@given(PORTS, PORTS, st.sampled_from(PROTOCOLS))
def test_port_rules_client_accepts_iff_service_accepts(
    from_port: int, to_port: int, protocol: str
) -> None:
    """For any ports and protocol, the client accepts the rule exactly when the service does."""
    assert client_accepts_port(from_port, to_port, protocol) == service_accepts_port(
        from_port, to_port, protocol
    )


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("web-1", True), ("a.b_c-9", True), ("a", False), ("web 1", False), ("-web", False),
     ("n" * 256, False), ("wéb", False)],
)  # fmt: skip
async def test_name_verdicts_hold_over_http(org: Emulator, name: str, accepted: bool) -> None:
    """The handler-level verdicts above are what the running server answers over HTTP."""
    async with LightsailClient("eu-west-1", endpoint_url=org.endpoint_url, **KEYS) as client:
        expected = al.NotFoundError if accepted else al.InvalidInputError
        with pytest.raises(expected):
            await client._call(OPERATIONS["GetInstance"], {"instanceName": name})
    assert client_accepts_name(name) == accepted
