"""The emulator lets no one in: forged, stale, tampered and borrowed requests over real HTTP.

``tests/emulator/test_auth.py`` checks ``CredentialStore.verify`` request by
request; here the running server is attacked over a socket, with requests
signed by botocore's own ``SigV4Auth`` and then spoiled. Every refusal must
be a 4xx that changes nothing: the refused call never reaches an operation
(``stats.requests`` stays put) and a mutation creates nothing. A bounded fuzz
pass (hypothesis) then throws arbitrary headers and bodies, unsigned and
validly signed, at the server: it must always answer (never a 5xx or a
reset), and a well-formed request right after must still succeed.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import attrs
import pytest
from aiohttp import ClientSession
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aiolightsail.emulator import Account, Clock, Emulator
from tests.reliability.conftest import ORG, role_arn

TARGET = "Lightsail_20161128."
JSON = "application/x-amz-json-1.1"
CREATE = {
    "instanceNames": ["intruder-1"],
    "availabilityZone": "us-east-1a",
    "blueprintId": "ubuntu_24_04",
    "bundleId": "nano_3_0",
}


@attrs.frozen
class Keys:
    """Credentials to sign with."""

    key: str
    secret: str
    token: str | None = None


def keys_of(account: Account) -> Keys:
    """An account's long-term keys."""
    return Keys(account.access_key_id, account.secret_access_key)


def sign(
    url: str,
    body: bytes,
    keys: Keys,
    *,
    headers: dict[str, str],
    service: str = "lightsail",
    region: str = "us-east-1",
    at: datetime | None = None,
) -> dict[str, str]:
    """Sign a POST with botocore's SigV4Auth (at ``at``, if given); return the headers to send."""
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    signer = SigV4Auth(Credentials(keys.key, keys.secret, keys.token), service, region)
    if at is None:
        signer.add_auth(request)
    else:
        naive = at.astimezone(UTC).replace(tzinfo=None)
        with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
            signer.add_auth(request)
    return dict(request.headers.items())


def lightsail_headers(operation: str) -> dict[str, str]:
    """The unsigned headers of a Lightsail JSON 1.1 call."""
    return {"Content-Type": JSON, "X-Amz-Target": TARGET + operation}


@attrs.define
class Wire:
    """Raw HTTP to a running emulator."""

    session: ClientSession

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """POST exactly these bytes and headers; return (status, body text)."""
        async with self.session.post(url + "/", data=body, headers=headers) as response:
            return response.status, await response.text()

    async def call(
        self, url: str, operation: str, params: dict[str, Any], keys: Keys, **sign_kw: Any
    ) -> tuple[int, str]:
        """A correctly signed Lightsail call."""
        body = json.dumps(params).encode()
        headers = sign(url, body, keys, headers=lightsail_headers(operation), **sign_kw)
        return await self.post(url, body, headers)

    async def assume_role(self, url: str, role: str, keys: Keys) -> Keys:
        """sts:AssumeRole over HTTP (Query protocol); the temporary keys from the XML answer."""
        body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={role}&RoleSessionName=s1".encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        status, text = await self.post(
            url, body, sign(url, body, keys, headers=headers, service="sts")
        )
        assert status == 200, text

        def member(name: str) -> str:
            found = re.search(rf"<{name}>([^<]+)</{name}>", text)
            assert found is not None, text
            return found[1]

        return Keys(member("AccessKeyId"), member("SecretAccessKey"), member("SessionToken"))


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    """An emulator with the organisation's accounts, a manual clock and one instance."""
    async with Emulator(ORG, clock=Clock.manual()) as emu:
        emu.add_instance(ORG[0].account_id, "us-east-1", "web-1")
        yield emu


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    """An aiohttp session for raw requests."""
    async with ClientSession() as session:
        yield Wire(session)


async def well_formed_works(server: Emulator, wire: Wire) -> None:
    """A correct request is served (the server is up and not confused)."""
    status, text = await wire.call(server.endpoint_url, "GetInstances", {}, keys_of(ORG[0]))
    assert status == 200, text
    assert isinstance(json.loads(text)["instances"], list)


# -- refusals -------------------------------------------------------------------------

Attack = Callable[[Emulator, Wire], Any]


async def _unsigned(server: Emulator, wire: Wire) -> tuple[int, str]:
    return await wire.post(
        server.endpoint_url, json.dumps(CREATE).encode(), lightsail_headers("CreateInstances")
    )


async def _wrong_secret(server: Emulator, wire: Wire) -> tuple[int, str]:
    keys = Keys(ORG[0].access_key_id, "not-the-secret-key-000000000000000000000")
    return await wire.call(server.endpoint_url, "CreateInstances", CREATE, keys)


async def _unknown_key(server: Emulator, wire: Wire) -> tuple[int, str]:
    keys = Keys("AKIAUNKNOWNKEY000000", ORG[0].secret_access_key)
    return await wire.call(server.endpoint_url, "CreateInstances", CREATE, keys)


async def _stale(server: Emulator, wire: Wire) -> tuple[int, str]:
    at = datetime.now(UTC) - timedelta(minutes=20)
    return await wire.call(server.endpoint_url, "CreateInstances", CREATE, keys_of(ORG[0]), at=at)


async def _future(server: Emulator, wire: Wire) -> tuple[int, str]:
    at = datetime.now(UTC) + timedelta(minutes=20)
    return await wire.call(server.endpoint_url, "CreateInstances", CREATE, keys_of(ORG[0]), at=at)


async def _tampered_body(server: Emulator, wire: Wire) -> tuple[int, str]:
    url, signed_body = server.endpoint_url, json.dumps({"instanceName": "web-1"}).encode()
    headers = sign(url, signed_body, keys_of(ORG[0]), headers=lightsail_headers("DeleteInstance"))
    return await wire.post(url, json.dumps({"instanceName": "web-2"}).encode(), headers)


async def _tampered_target(server: Emulator, wire: Wire) -> tuple[int, str]:
    url, body = server.endpoint_url, json.dumps({"instanceName": "web-1"}).encode()
    headers = sign(url, body, keys_of(ORG[0]), headers=lightsail_headers("GetInstance"))
    headers["X-Amz-Target"] = TARGET + "DeleteInstance"
    return await wire.post(url, body, headers)


async def _other_endpoint(server: Emulator, wire: Wire) -> tuple[int, str]:
    # A request signed for another host (another emulator: same accounts, other port).
    async with Emulator(ORG, clock=Clock.manual()) as other:
        url, body = other.endpoint_url, json.dumps(CREATE).encode()
        headers = sign(url, body, keys_of(ORG[0]), headers=lightsail_headers("CreateInstances"))
    return await wire.post(server.endpoint_url, body, headers)


async def _borrowed_token(server: Emulator, wire: Wire) -> tuple[int, str]:
    # Account C's temporary key and secret, with account D's session token.
    url = server.endpoint_url
    mine = await wire.assume_role(url, role_arn(ORG[2]), keys_of(ORG[0]))
    theirs = await wire.assume_role(url, role_arn(ORG[3]), keys_of(ORG[1]))
    return await wire.call(url, "CreateInstances", CREATE, attrs.evolve(mine, token=theirs.token))


async def _session_without_token(server: Emulator, wire: Wire) -> tuple[int, str]:
    url = server.endpoint_url
    temporary = await wire.assume_role(url, role_arn(ORG[2]), keys_of(ORG[0]))
    return await wire.call(url, "CreateInstances", CREATE, attrs.evolve(temporary, token=None))


async def _long_term_key_with_token(server: Emulator, wire: Wire) -> tuple[int, str]:
    url = server.endpoint_url
    temporary = await wire.assume_role(url, role_arn(ORG[2]), keys_of(ORG[0]))
    keys = attrs.evolve(keys_of(ORG[0]), token=temporary.token)
    return await wire.call(url, "CreateInstances", CREATE, keys)


async def _expired_session(server: Emulator, wire: Wire) -> tuple[int, str]:
    url = server.endpoint_url
    temporary = await wire.assume_role(url, role_arn(ORG[0]), keys_of(ORG[1]))
    server.clock.advance(server.credentials.session_ttl + 1)
    return await wire.call(url, "CreateInstances", CREATE, temporary)


async def _assume_role_wrong_secret(server: Emulator, wire: Wire) -> tuple[int, str]:
    url = server.endpoint_url
    role = role_arn(ORG[2])
    body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={role}&RoleSessionName=s".encode()
    keys = Keys(ORG[0].access_key_id, "not-the-secret-key-000000000000000000000")
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return await wire.post(url, body, sign(url, body, keys, headers=headers, service="sts"))


REFUSALS: list[tuple[str, Attack, int, str]] = [
    ("unsigned", _unsigned, 403, "MissingAuthenticationTokenException"),
    ("wrong-secret", _wrong_secret, 400, "InvalidSignatureException"),
    ("unknown-key", _unknown_key, 400, "UnrecognizedClientException"),
    ("stale-date", _stale, 400, "InvalidSignatureException"),
    ("future-date", _future, 400, "InvalidSignatureException"),
    ("tampered-body", _tampered_body, 400, "InvalidSignatureException"),
    ("tampered-target", _tampered_target, 400, "InvalidSignatureException"),
    ("signed-for-other-host", _other_endpoint, 400, "InvalidSignatureException"),
    ("other-sessions-token", _borrowed_token, 400, "UnrecognizedClientException"),
    ("session-without-token", _session_without_token, 400, "UnrecognizedClientException"),
    ("long-term-key-with-token", _long_term_key_with_token, 400, "UnrecognizedClientException"),
    ("expired-session", _expired_session, 400, "ExpiredTokenException"),
    ("sts-wrong-secret", _assume_role_wrong_secret, 403, "SignatureDoesNotMatch"),
]


@pytest.mark.parametrize(
    ("attack", "status", "code"),
    [pytest.param(a, s, c, id=i) for i, a, s, c in REFUSALS],
)
async def test_intruder_is_refused_and_changes_nothing(
    server: Emulator, wire: Wire, attack: Attack, status: int, code: str
) -> None:
    """Each forged, stale, tampered or borrowed request is refused with AWS's error, reaches
    no operation, changes no state, and the server goes on serving."""
    before = {a.account_id: set(server.state(a.account_id, "us-east-1").instances) for a in ORG}
    got, text = await attack(server, wire)
    assert (got, code) == (status, code) and code in text
    assert server.stats.total_requests == 0, "no operation ran"
    assert server.stats.auth_failures == 1
    after = {a.account_id: set(server.state(a.account_id, "us-east-1").instances) for a in ORG}
    assert after == before
    await well_formed_works(server, wire)


async def test_replay_within_the_window_is_what_sigv4_allows(server: Emulator, wire: Wire) -> None:
    """Sending the same signed read twice inside 15 minutes succeeds both times (SigV4 has no
    nonce; the date window is the replay guard, checked by the stale-date case)."""
    url, body = server.endpoint_url, json.dumps({"instanceName": "web-1"}).encode()
    headers = sign(url, body, keys_of(ORG[0]), headers=lightsail_headers("GetInstance"))
    assert (await wire.post(url, body, headers))[0] == 200
    assert (await wire.post(url, body, headers))[0] == 200


async def test_assumed_role_sees_only_its_account(server: Emulator, wire: Wire) -> None:
    """Temporary keys for account C list C's instances, never A's (whose keys assumed the role)."""
    server.add_instance(ORG[2].account_id, "us-east-1", "c-only")
    temporary = await wire.assume_role(server.endpoint_url, role_arn(ORG[2]), keys_of(ORG[0]))
    status, text = await wire.call(server.endpoint_url, "GetInstances", {}, temporary)
    assert status == 200
    assert [i["name"] for i in json.loads(text)["instances"]] == ["c-only"]


# -- fuzzing ----------------------------------------------------------------------------

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OPERATIONS = [
    "GetInstance", "GetInstances", "GetBlueprints", "GetInstanceSnapshot", "GetInstanceSnapshots",
    "GetInstanceAccessDetails", "GetInstanceMetricData", "GetInstancePortStates",
    "CreateInstances", "CreateInstancesFromSnapshot", "CreateInstanceSnapshot", "DeleteInstance",
    "DeleteInstanceSnapshot", "CloseInstancePublicPorts",
]  # fmt: skip
MEMBERS = [
    "instanceName", "instanceNames", "instanceSnapshotName", "pageToken", "includeInactive",
    "protocol", "metricName", "period", "startTime", "endTime", "statistics", "unit",
    "availabilityZone", "blueprintId", "bundleId", "keyPairName", "userData", "tags", "addOns",
    "ipAddressType", "portInfo", "fromPort", "toPort", "cidrs", "forceDeleteAddOns", "key",
    "value", "sourceInstanceName", "restoreDate", "appCategory",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["web-1", "us-east-1a", "ubuntu_24_04", "nano_3_0", "tcp", "ssh", "Percent",
                     "CPUUtilization", "Average", "", "a" * 300]),
    st.text(max_size=20),
)  # fmt: skip
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(MEMBERS), st.text(max_size=8)), inner, max_size=5
        ),
    ),
    max_leaves=12,
)
BODIES = st.dictionaries(st.sampled_from(MEMBERS), JSON_VALUES, max_size=8)


async def _answer(server: Emulator, wire: Wire, operation: str, body: bytes) -> int:
    url = server.endpoint_url
    headers = sign(url, body, keys_of(ORG[0]), headers=lightsail_headers(operation))
    status, text = await wire.post(url, body, headers)
    assert 200 <= status < 500, f"{status} {text[:200]}"
    return status


@FUZZ
@example(operation="CreateInstances", params={**CREATE, "addOns": [1]})
@example(
    operation="CreateInstances",
    params={**CREATE, "addOns": [{"addOnType": "AutoSnapshot", "autoSnapshotAddOnRequest": 5}]},
)
@given(operation=st.sampled_from(OPERATIONS), params=BODIES)
async def test_signed_fuzz_never_crashes_the_server(
    server: Emulator, wire: Wire, operation: str, params: dict[str, Any]
) -> None:
    """Validly signed calls with arbitrary JSON members get a 2xx/4xx answer, never a 5xx."""
    await _answer(server, wire, operation, json.dumps(params).encode())
    await well_formed_works(server, wire)


async def test_nan_time_does_not_crash_the_server(server: Emulator, wire: Wire) -> None:
    """A NaN start time (JSON that Python's decoder accepts) is refused with a 4xx, not a 500."""
    body = (
        b'{"instanceName": "web-1", "metricName": "CPUUtilization", "period": 60, '
        b'"startTime": NaN, "endTime": 1704067200, "unit": "Percent", "statistics": ["Average"]}'
    )
    await _answer(server, wire, "GetInstanceMetricData", body)


HEADER_NAMES = st.sampled_from(
    ["Authorization", "X-Amz-Date", "X-Amz-Target", "Content-Type", "X-Amz-Security-Token",
     "X-Amz-Content-Sha256", "Date", "X-Fuzz"]
)  # fmt: skip
HEADER_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120),
    st.sampled_from([
        "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=AKIAACCOUNTAEXAMPLE1/20240101/us-east-1/"
        "lightsail/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=",
        "AWS4-HMAC-SHA256 Credential=////, Signature=é", "20240101T000000Z", "99999999T999999Z",
        TARGET + "GetInstances", "application/x-www-form-urlencoded", "UNSIGNED-PAYLOAD",
    ]),
)  # fmt: skip


@FUZZ
@given(
    headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=6),
    body=st.one_of(st.binary(max_size=300), BODIES.map(lambda d: json.dumps(d).encode()),
                   st.just(b"Action=AssumeRole&Version=2011-06-15")),
)  # fmt: skip
async def test_unsigned_fuzz_is_refused_and_server_keeps_serving(
    server: Emulator, wire: Wire, headers: dict[str, str], body: bytes
) -> None:
    """Arbitrary headers and bodies without a valid signature get a 4xx and change nothing;
    a well-formed request right after is served."""
    status, text = await wire.post(server.endpoint_url, body, headers)
    assert 400 <= status < 500, f"{status} {text[:200]}"
    assert server.stats.total_requests == 0
    await well_formed_works(server, wire)
    server.stats.reset()
