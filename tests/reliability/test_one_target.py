"""Any answer of one target becomes that target's failure; healthy targets always deliver.

A :class:`~tests.reliability.hostile.Front` stands before the emulator and passes every
request on, except those of one target (account A's keys in :data:`HOSTILE_REGION`),
which get a hostile answer instead. The rule: every answer is checked at the boundary,
and whatever does not fit is a :class:`~aiolightsail.ResponseError` naming what did not
fit (an error answer that cannot be read is judged by its status), so a fleet stream, a
watch and every output format of the command line end with each healthy target's
instances all listed, and the hostile target either listed or in ``failures``.

The attack's own cases (JSON nested 100,000 deep in 200, 400 and 500 answers; an ISO
timestamp with an offset; a 4 MiB message and ``__type``; a page amplified inside the
size bound) are kept apart from the generated ones.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolightsail import APIError, Fleet, LightsailError, ResponseError, Target
from aiolightsail.emulator import Emulator
from tests.reliability.conftest import ORG, SweepResult, current_arns, org_targets
from tests.reliability.hostile import Front, Seen, signed_region

pytestmark = pytest.mark.usefixtures("no_backoff")

HEALTHY_REGION = "us-east-1"
HOSTILE_REGION = "eu-west-2"
#: Account A's static keys in the hostile region: the one hostile target.
HOSTILE_KEY = ORG[0].access_key_id

#: One instance as the emulator lists it, for answers that spoil one member.
INSTANCE = {
    "name": "web-1",
    "arn": "arn:aws:lightsail:eu-west-2:111111111111:Instance/abc",
    "createdAt": 1764000000.0,
    "location": {"availabilityZone": "eu-west-2a", "regionName": "eu-west-2"},
    "state": {"code": 16, "name": "running"},
    "hardware": {"cpuCount": 2, "disks": [{"sizeInGb": 20}], "ramSizeInGb": 0.5},
    "tags": [{"key": "team", "value": "web"}],
}


def hostile_target(seen: Seen) -> bool:
    """Whether ``seen`` is a Lightsail request of the hostile target."""
    return (
        signed_region(seen) == HOSTILE_REGION
        and f"Credential={HOSTILE_KEY}/" in seen.headers.get("Authorization", "")
        and "X-Amz-Target" in seen.headers
    )


def answer(status: int, body: bytes) -> Callable[[Seen], web.StreamResponse | None]:
    """A spoiler: the hostile target's requests get ``status`` and ``body``."""

    def spoil(seen: Seen) -> web.StreamResponse | None:
        if not hostile_target(seen):
            return None
        return web.Response(
            status=status,
            body=body,
            content_type="application/x-amz-json-1.1",
            headers={"x-amzn-RequestId": "hostile-1"},
        )

    return spoil


def nested(depth: int, kind: str = "array") -> bytes:
    """A JSON document nested ``depth`` levels deep."""
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.fixture
async def front(org: Emulator) -> AsyncIterator[Front]:
    """A front passing requests on to the organisation's emulator."""
    server = Front(org.endpoint_url)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def targets_of(url: str) -> dict[Target, str]:
    """Every account in the healthy and the hostile region, reached through ``url``."""
    return org_targets(url, regions=(HEALTHY_REGION, HOSTILE_REGION))


async def sweep(fleet: Fleet) -> SweepResult:
    """One pass over the fleet: (target, ARN) pairs (a hostile target's may be ``None``)
    and failures."""
    items: list[tuple[Target, str]] = []
    async with fleet.iter_instances() as stream:
        async for target, instance in stream:
            items.append((target, str(instance.arn)))
    return SweepResult(items, list(stream.failures))


def is_hostile(target: Target) -> bool:
    return (
        target.region == HOSTILE_REGION
        and target.role_arn is None
        and (target.aws_access_key_id == HOSTILE_KEY)
    )


async def sweep_with(org: Emulator, front: Front, fleet: Fleet) -> None:
    """Sweep once; every healthy target delivers exactly its instances, the hostile target
    delivers its own or is in ``failures`` with a LightsailError, and nothing else fails."""
    targets = targets_of(front.url)
    expected = current_arns(org, targets)
    result = await sweep(fleet)
    got: dict[Target, list[str]] = {}
    for target, arn in result.items:
        got.setdefault(target, []).append(arn)
    failed = {failure.target: failure.error for failure in result.failures}
    for target in targets:
        if is_hostile(target):
            assert target in failed or target in got or not expected[target]
            if target in failed:
                assert isinstance(failed[target], LightsailError)
            continue
        assert target not in failed, failed.get(target)
        assert sorted(got.get(target, [])) == sorted(expected[target])


# -- the attack's own cases ---------------------------------------------------------------

HUGE = "x" * (4 * 1024 * 1024)
#: A page whose instance was created at a time with an offset that leaves datetime's range.
ISO_OFFSET_PAGE = json.dumps(
    {"instances": [{**INSTANCE, "createdAt": "0001-01-01T00:00:00+01:00"}]}
).encode()
NOT_FOUND_4_MIB = json.dumps({"__type": "NotFoundException", "message": HUGE}).encode()
#: Amplification inside the size bound: 100,002 empty items in 300 KB (the models' bound
#: on values per answer makes it a ResponseError; here, that target's failure).
AMPLIFIED_PAGE = b'{"instances":[' + b",".join([b"{}"] * 100_002) + b"]}"
ATTACK: dict[str, tuple[int, bytes, type[LightsailError]]] = {
    "nested-array-200": (200, nested(100_000), ResponseError),
    "nested-object-200": (200, nested(100_000, "object"), ResponseError),
    "nested-array-400": (400, nested(100_000), APIError),
    "nested-object-400": (400, nested(100_000, "object"), APIError),
    "nested-array-500": (500, nested(100_000), APIError),
    "nested-object-500": (500, nested(100_000, "object"), APIError),
    "iso-timestamp-with-offset": (200, ISO_OFFSET_PAGE, ResponseError),
    "4-MiB-message": (400, NOT_FOUND_4_MIB, APIError),
    "amplified-page": (200, AMPLIFIED_PAGE, ResponseError),
    "4-MiB-type": (400, json.dumps({"__type": HUGE, "message": "no"}).encode(), APIError),
}


@pytest.mark.parametrize("case", list(ATTACK))
async def test_the_attack_is_one_targets_failure(org: Emulator, front: Front, case: str) -> None:
    """Each answer of the attack, sent by one target, is that target's failure of the
    expected class; every healthy target delivers all its instances."""
    status, body, expected = ATTACK[case]
    seed(org)
    front.spoil = answer(status, body)
    async with Fleet(list(targets_of(front.url)), max_attempts=2) as fleet:
        result = await sweep(fleet)
        assert [type(f.error) for f in result.failures if is_hostile(f.target)]
        (failure,) = result.failures
        assert isinstance(failure.error, expected), failure.error
        assert len(str(failure.error)) <= 3000
        await sweep_with(org, front, fleet)


def seed(org: Emulator) -> None:
    """Two to five instances in every target."""
    for n, (target, account) in enumerate(targets_of("http://unused").items()):
        org.seed_instances(account, target.region, 2 + n % 4)


# -- the rule, over generated answers ---------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00", "1e400"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def spoiled_page(draw: st.DrawFn) -> bytes:
    """A page of instances with one member, at any depth, replaced by any JSON value."""
    instance: dict[str, Any] = json.loads(json.dumps(INSTANCE))
    where: Any = instance
    key = draw(st.sampled_from(sorted(where)))
    while isinstance(where[key], dict) and draw(st.booleans()):
        where = where[key]
        key = draw(st.sampled_from(sorted(where)))
    where[key] = draw(JSON_VALUES)
    return json.dumps({"instances": [instance]}).encode()


BODIES = st.one_of(
    st.builds(nested, st.integers(1, 100_000), st.sampled_from(["array", "object"])),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    spoiled_page(),
    st.binary(max_size=64),
    st.builds(
        lambda code, message: json.dumps({"__type": code, "message": message}).encode(),
        st.text(max_size=30) | st.just(HUGE[:300_000]),
        st.text(max_size=30) | st.just(HUGE[:300_000]),
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(status=st.sampled_from([200, 200, 400, 403, 429, 500, 503]), body=BODIES)
async def test_any_answer_of_one_target_is_its_failure(
    org: Emulator, front: Front, status: int, body: bytes
) -> None:
    """Whatever one target answers (any status, any body), a fleet stream ends with every
    healthy target's instances and that target listed or in ``failures``."""
    if not org.state(ORG[0].account_id, HEALTHY_REGION).instances:
        seed(org)
    front.spoil = answer(status, body)
    async with Fleet(list(targets_of(front.url)), max_attempts=2) as fleet:
        await sweep_with(org, front, fleet)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(status=st.sampled_from([200, 400, 500]), body=BODIES)
async def test_a_watch_keeps_every_healthy_target(
    org: Emulator, front: Front, status: int, body: bytes
) -> None:
    """A watch's first sweep adds every healthy target's instances whatever one target
    answers; that target's listing, if it cannot be read, is in ``watch.failures``."""
    if not org.state(ORG[0].account_id, HEALTHY_REGION).instances:
        seed(org)
    front.spoil = answer(status, body)
    targets = targets_of(front.url)
    expected = current_arns(org, targets)
    added: dict[Target, list[str]] = {}
    async with (
        Fleet(list(targets), max_attempts=2) as fleet,
        fleet.watch_instances(interval=0, max_sweeps=1) as watch,
    ):
        async for change in watch:
            assert change.kind == "added"
            assert change.after is not None
            added.setdefault(change.target, []).append(str(change.after.arn))
        failed = {failure.target for failure in watch.failures}
    for target in targets:
        if is_hostile(target):
            continue
        assert target not in failed
        assert sorted(added.get(target, [])) == sorted(expected[target])
