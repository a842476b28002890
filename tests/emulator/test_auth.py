"""The emulator's SigV4 verification and STS, checked against botocore itself.

Every request here is signed by botocore's own ``SigV4Auth`` (an independent
signer: the one boto3, the AWS CLI and aiobotocore use), and every STS response
is read back with botocore's own ``QueryParser`` and ``sts`` model, so a test
passes only if real clients and the emulator agree on the wire.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlencode, urlsplit

import attrs
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.parsers import QueryParser
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from aiolightsail.emulator._auth import (
    Account,
    AuthError,
    CredentialStore,
    Principal,
    SessionCredentials,
    _signing_key,
)
from aiolightsail.emulator._sts import (
    STS_NAMESPACE,
    handle_sts,
    is_sts_request,
    sts_error_status,
    sts_error_xml,
)

ENDPOINT = "http://127.0.0.1:4566"
START = 1_704_067_200.0  # 2024-01-01T00:00:00Z, the emulator's manual-clock start
WALL = 1_800_000_000.0  # 2027-01-15T08:00:00Z, a real time far from the store's clock

ALICE = Account(
    account_id="111111111111",
    access_key_id="AKIAALICE00000000001",
    secret_access_key="alice-secret-key-0000000000000000000000",
    name="alice",
)
BOB = Account(
    account_id="222222222222",
    access_key_id="AKIABOB0000000000002",
    secret_access_key="bob-secret-key-00000000000000000000000",
    disabled_regions=frozenset({"ap-east-1"}),
)


class FakeClock:
    """The store's clock: epoch seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@attrs.frozen(kw_only=True)
class Wire:
    """A request as the emulator's server receives it."""

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes


@pytest.fixture(autouse=True)
def _no_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep real credentials and config out of every botocore client built here."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.fixture
def clock() -> FakeClock:
    """The store's injected clock."""
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> CredentialStore:
    """A store with Alice's and Bob's accounts and a one-hour session TTL."""
    return CredentialStore([ALICE, BOB], clock=clock, session_ttl=3600.0)


def sign(
    *,
    key: str = ALICE.access_key_id,
    secret: str = ALICE.secret_access_key,
    token: str | None = None,
    region: str = "us-east-1",
    service: str = "lightsail",
    url: str = ENDPOINT + "/",
    body: bytes = b"{}",
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> Wire:
    """Sign a request with botocore's SigV4Auth and return what goes on the wire."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        params=dict(params or {}),
        headers=dict(
            headers
            if headers is not None
            else {
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "Lightsail_20161128.GetInstances",
            }
        ),
    )
    SigV4Auth(Credentials(key, secret, token), service, region).add_auth(request)
    return to_wire(request.prepare())


def to_wire(prepared: AWSPreparedRequest) -> Wire:
    """Return a prepared botocore request as a server sees it, Host header included."""
    parts = urlsplit(prepared.url)
    # A server reads headers as text; botocore's client hands some over as bytes.
    headers = {
        name: value.decode() if isinstance(value, bytes) else value
        for name, value in prepared.headers.items()
    }
    headers["Host"] = parts.netloc  # added by the HTTP client, signed by botocore
    body = prepared.body
    if isinstance(body, str):  # the Query protocol's form body; the client sends UTF-8
        body = body.encode()
    assert isinstance(body, bytes | type(None))
    return Wire(
        method=prepared.method,
        path=parts.path,
        query_string=parts.query,
        headers=headers,
        body=body or b"",
    )


def verify(
    store: CredentialStore, wire: Wire, *, wall_clock: float | None = None, **overrides: Any
) -> Principal:
    """Run store.verify on a wire request, with fields optionally replaced."""
    fields = attrs.asdict(attrs.evolve(wire, **overrides), recurse=False)
    return store.verify(**fields, wall_clock=wall_clock)


def with_headers(wire: Wire, **changes: str | None) -> Wire:
    """Return the request with headers replaced (``None`` removes one)."""
    headers = dict(wire.headers)
    for name, value in changes.items():
        real = next((h for h in headers if h.lower() == name.lower()), name)
        headers.pop(real, None)
        if value is not None:
            headers[real] = value
    return attrs.evolve(wire, headers=headers)


def refusal(store: CredentialStore, wire: Wire, **overrides: Any) -> AuthError:
    """Return the AuthError that verify raises for a request."""
    with pytest.raises(AuthError) as caught:
        verify(store, wire, **overrides)
    return caught.value


def session_for(store: CredentialStore, account: Account = ALICE) -> SessionCredentials:
    """Issue a session for a role in an account."""
    return store.issue_session(
        account_id=account.account_id,
        role_arn=f"arn:aws:iam::{account.account_id}:role/inventory",
        session_name="sweep",
    )


# --- verification: the accepted requests -----------------------------------------------


def test_good_request_yields_principal(store: CredentialStore) -> None:
    """A request botocore signs with a known key verifies to that key's account and scope."""
    principal = verify(store, sign(region="eu-west-3"))

    assert principal == Principal(
        account_id=ALICE.account_id,
        access_key_id=ALICE.access_key_id,
        region="eu-west-3",
        service="lightsail",
        arn="arn:aws:iam::111111111111:user/alice",
        session_token=None,
    )


def test_unnamed_account_is_user_emulator(store: CredentialStore) -> None:
    """A long-term key of an account without a user name acts as ``user/emulator``."""
    principal = verify(store, sign(key=BOB.access_key_id, secret=BOB.secret_access_key))

    assert principal.arn == "arn:aws:iam::222222222222:user/emulator"


def test_query_and_encoded_path_verify(store: CredentialStore) -> None:
    """Query parameters and an encoded path with dot segments are canonicalised as AWS does."""
    wire = sign(url=ENDPOINT + "/a%20b/./x/../c//d", params={"b": "2 3", "a": "é+", "e": ""})

    assert verify(store, wire).account_id == ALICE.account_id


def test_repeated_header_is_joined_with_commas(store: CredentialStore) -> None:
    """A header sent twice verifies when the server hands over a multi-dict with both values."""
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=b"{}")
    request.headers["X-Dup"] = " one  two "
    request.headers["X-Dup"] = "three"  # HTTPHeaders appends rather than replaces
    credentials = Credentials(ALICE.access_key_id, ALICE.secret_access_key)
    SigV4Auth(credentials, "lightsail", "us-east-1").add_auth(request)
    # The signed request, not the prepared one: preparing keeps one value per name.
    multi: CIMultiDict[str] = CIMultiDict(request.headers.items())
    multi.add("Host", urlsplit(ENDPOINT).netloc)

    principal = store.verify(method="POST", path="/", query_string="", headers=multi, body=b"{}")

    assert principal.account_id == ALICE.account_id


def test_http_date_header_may_replace_x_amz_date(store: CredentialStore) -> None:
    """A request botocore signs with an HTTP Date header instead of X-Amz-Date verifies."""
    wire = sign(headers={"Date": formatdate(usegmt=True), "X-Amz-Target": "x"})

    assert "X-Amz-Date" not in wire.headers
    assert verify(store, wire).account_id == ALICE.account_id


def test_matching_content_sha256_header_is_accepted(store: CredentialStore) -> None:
    """An X-Amz-Content-SHA256 header that matches the body is accepted."""
    body = b'{"instanceName": "web-1"}'
    wire = sign(body=body, headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})

    assert verify(store, wire).account_id == ALICE.account_id


def test_clock_skew_under_fifteen_minutes_is_accepted(store: CredentialStore) -> None:
    """A request signed 14 minutes before or after the server's clock is accepted."""
    wire = sign()

    verify(store, wire, wall_clock=time.time() + 14 * 60)
    verify(store, wire, wall_clock=time.time() - 14 * 60)


def test_signing_keys_are_cached(store: CredentialStore) -> None:
    """Verifying a second request with the same key and scope reuses the derived signing key."""
    verify(store, sign(region="ca-central-1"))
    hits = _signing_key.cache_info().hits

    verify(store, sign(region="ca-central-1"))

    assert _signing_key.cache_info().hits == hits + 1


# --- verification: the refusals ---------------------------------------------------------


def _other_scope_date(wire: Wire) -> Wire:
    authorization = wire.headers["Authorization"]
    date = wire.headers["X-Amz-Date"][:8]
    return with_headers(wire, Authorization=authorization.replace(f"/{date}/", "/20200101/"))


def _in_authorization(old: str, new: str) -> Callable[[Wire], Wire]:
    def tamper(wire: Wire) -> Wire:
        authorization = wire.headers["Authorization"]
        assert old in authorization
        return with_headers(wire, Authorization=authorization.replace(old, new, 1))

    return tamper


def _set(**changes: str | None) -> Callable[[Wire], Wire]:
    return lambda wire: with_headers(wire, **changes)


def _evolve(**changes: Any) -> Callable[[Wire], Wire]:
    return lambda wire: attrs.evolve(wire, **changes)


def _resign(**kwargs: Any) -> Callable[[Wire], Wire]:
    return lambda _: sign(**kwargs)


def _non_ascii_signature(wire: Wire) -> Wire:
    return with_headers(wire, Authorization=wire.headers["Authorization"][:-1] + "é")


#: The HTTP status AWS sends with each Lightsail (JSON protocol) authentication error.
JSON_STATUS = {
    "IncompleteSignatureException": 400,
    "InvalidSignatureException": 400,
    "MissingAuthenticationTokenException": 403,
    "UnrecognizedClientException": 400,
}

BAD_SIGNATURE = "InvalidSignatureException"
INCOMPLETE = "IncompleteSignatureException"
UNRECOGNIZED = "UnrecognizedClientException"

REFUSALS: dict[str, tuple[Callable[[Wire], Wire], str]] = {
    "wrong secret": (_resign(secret="not-the-secret"), BAD_SIGNATURE),
    "tampered body": (_evolve(body=b'{"pageToken": "x"}'), BAD_SIGNATURE),
    "tampered signed header": (_set(**{"X-Amz-Target": "Lightsail.DeleteInstance"}), BAD_SIGNATURE),
    "tampered host": (_set(Host="127.0.0.1:9999"), BAD_SIGNATURE),
    "tampered method": (_evolve(method="PUT"), BAD_SIGNATURE),
    "tampered path": (_evolve(path="/other"), BAD_SIGNATURE),
    "tampered query": (_evolve(query_string="a=1"), BAD_SIGNATURE),
    "content hash mismatch": (_set(**{"X-Amz-Content-SHA256": "0" * 64}), BAD_SIGNATURE),
    "unsigned payload": (_set(**{"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}), BAD_SIGNATURE),
    "non-ascii signature": (_non_ascii_signature, BAD_SIGNATURE),
    "unsigned": (_set(Authorization=None), "MissingAuthenticationTokenException"),
    "unsupported algorithm": (_in_authorization("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), INCOMPLETE),
    "no signature": (_in_authorization("Signature=", "Sig="), INCOMPLETE),
    "pair without equal sign": (_in_authorization("SignedHeaders=", "SignedHeaders"), INCOMPLETE),
    "four-part credential scope": (_in_authorization("/aws4_request", ""), INCOMPLETE),
    "bad scope terminator": (_in_authorization("/aws4_request", "/aws5_request"), INCOMPLETE),
    "host not signed": (_in_authorization("content-type;host;", "content-type;"), INCOMPLETE),
    "foreign service": (_resign(service="ec2"), INCOMPLETE),
    "scope date mismatch": (_other_scope_date, INCOMPLETE),
    "malformed x-amz-date": (_set(**{"X-Amz-Date": "2024-01-01T00:00:00Z"}), INCOMPLETE),
    "impossible x-amz-date": (_set(**{"X-Amz-Date": "20241301T000000Z"}), INCOMPLETE),
    "no date": (_set(**{"X-Amz-Date": None}), INCOMPLETE),
    "unknown key": (_resign(key="AKIAUNKNOWN000000000"), UNRECOGNIZED),
    "token with a long-term key": (_resign(token="a-token-nobody-issued"), UNRECOGNIZED),
    "disabled region": (
        _resign(key=BOB.access_key_id, secret=BOB.secret_access_key, region="ap-east-1"),
        UNRECOGNIZED,
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_refusals(store: CredentialStore, case: str) -> None:
    """Each kind of bad request is refused with the code and HTTP status AWS uses for it."""
    tamper, code = REFUSALS[case]

    error = refusal(store, tamper(sign()))

    assert (error.code, error.status) == (code, JSON_STATUS[code])
    assert error.message


def test_wrong_signature_message_is_aws_text(store: CredentialStore) -> None:
    """A signature mismatch carries AWS's exact message."""
    error = refusal(store, sign(secret="wrong"))

    assert error.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


def test_unknown_key_message_is_aws_text(store: CredentialStore) -> None:
    """An unknown key carries AWS's exact message."""
    error = refusal(store, sign(key="AKIANOBODY0000000000"))

    assert error.message == "The security token included in the request is invalid."


def test_stale_request_is_refused_as_expired(store: CredentialStore) -> None:
    """A request signed more than 15 minutes before the wall clock is refused as AWS does."""
    wire = sign()
    now = time.time() + 16 * 60

    error = refusal(store, wire, wall_clock=now)

    assert (error.code, error.status) == ("InvalidSignatureException", 400)
    expected_now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    assert error.message.startswith(
        f"Signature expired: {wire.headers['X-Amz-Date']} is now earlier than "
    )
    assert error.message.endswith(f"({expected_now} - 15 min.)")


def test_future_request_is_refused_as_not_yet_current(store: CredentialStore) -> None:
    """A request signed more than 15 minutes after the wall clock is refused as AWS does."""
    error = refusal(store, sign(), wall_clock=time.time() - 16 * 60)

    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Signature not yet current: ")


# --- sessions ----------------------------------------------------------------------------


def sign_with(credentials: SessionCredentials, **kwargs: Any) -> Wire:
    """Sign a Lightsail request with temporary credentials."""
    return sign(
        key=credentials.access_key_id,
        secret=credentials.secret_access_key,
        token=credentials.session_token,
        **kwargs,
    )


def test_session_credentials_verify_as_assumed_role(store: CredentialStore) -> None:
    """Temporary credentials verify to the role's account, the assumed-role ARN and the token."""
    credentials = session_for(store, BOB)

    principal = verify(store, sign_with(credentials, region="eu-west-1"))

    assert principal.account_id == BOB.account_id
    assert principal.access_key_id.startswith("ASIA")
    assert principal.arn == "arn:aws:sts::222222222222:assumed-role/inventory/sweep"
    assert principal.session_token == credentials.session_token


def test_session_without_token_is_refused(store: CredentialStore) -> None:
    """Temporary credentials used without their session token are refused as unrecognized."""
    credentials = session_for(store)
    wire = sign(key=credentials.access_key_id, secret=credentials.secret_access_key)

    error = refusal(store, wire)

    assert (error.code, error.status) == ("UnrecognizedClientException", 400)


def test_session_with_wrong_token_is_refused(store: CredentialStore) -> None:
    """Temporary credentials with another session's token are refused as unrecognized."""
    credentials = session_for(store)
    other = session_for(store)
    wire = sign(
        key=credentials.access_key_id,
        secret=credentials.secret_access_key,
        token=other.session_token,
    )

    error = refusal(store, wire)

    assert (error.code, error.status) == ("UnrecognizedClientException", 400)


def test_expired_session_is_refused(store: CredentialStore, clock: FakeClock) -> None:
    """Temporary credentials are accepted until they expire and refused as expired from then on."""
    credentials = session_for(store)
    wire = sign_with(credentials)
    clock.now = credentials.expiration - 1
    verify(store, wire)

    clock.now = credentials.expiration

    error = refusal(store, wire)
    assert (error.code, error.status, error.message) == (
        "ExpiredTokenException",
        400,
        "The security token included in the request is expired",
    )


def test_session_in_disabled_region_is_refused(store: CredentialStore) -> None:
    """Temporary credentials for an account are refused in a region that account has not enabled."""
    credentials = session_for(store, BOB)

    error = refusal(store, sign_with(credentials, region="ap-east-1"))

    assert error.code == "UnrecognizedClientException"


@pytest.mark.parametrize(
    ("duration", "lifetime"), [(None, 3600.0), (1800.0, 1800.0), (43200.0, 3600.0)]
)
def test_session_duration_is_capped_by_ttl(
    store: CredentialStore, duration: float | None, lifetime: float
) -> None:
    """A session lives for the requested duration, at most the store's TTL."""
    credentials = store.issue_session(
        account_id=ALICE.account_id,
        role_arn="arn:aws:iam::111111111111:role/ops/inventory",
        session_name="s",
        duration=duration,
    )

    assert credentials.expiration == START + lifetime


@pytest.mark.parametrize(
    ("account_id", "role_arn", "error"),
    [
        ("999999999999", "arn:aws:iam::999999999999:role/r", KeyError),
        ("111111111111", "arn:aws:iam::222222222222:role/r", ValueError),
        ("111111111111", "arn:aws:iam::111111111111:user/r", ValueError),
    ],
)
def test_issue_session_rejects_bad_targets(
    store: CredentialStore, account_id: str, role_arn: str, error: type[Exception]
) -> None:
    """Sessions are issued only for a role ARN in a known account."""
    with pytest.raises(error):
        store.issue_session(account_id=account_id, role_arn=role_arn, session_name="s")


# --- accounts and the store --------------------------------------------------------------


def test_secrets_stay_out_of_repr(store: CredentialStore) -> None:
    """Neither an account's secret nor a session's secret and token appear in repr."""
    credentials = session_for(store)

    assert ALICE.secret_access_key not in repr(ALICE)
    assert credentials.secret_access_key not in repr(credentials)
    assert credentials.session_token not in repr(credentials)


@pytest.mark.parametrize("account_id", ["12345678901", "1234567890123", "12345678901a"])
def test_account_id_must_be_twelve_digits(account_id: str) -> None:
    """An account ID that is not 12 digits is rejected."""
    with pytest.raises(ValueError, match="12 digits"):
        Account(account_id=account_id, access_key_id="AKIAX", secret_access_key="s")


def test_access_key_cannot_belong_to_two_accounts(store: CredentialStore) -> None:
    """Adding an account with another account's access key is rejected."""
    clash = attrs.evolve(BOB, account_id="333333333333", access_key_id=ALICE.access_key_id)

    with pytest.raises(ValueError, match="already belongs"):
        store.add_account(clash)


def test_replacing_an_account_rotates_its_key(store: CredentialStore) -> None:
    """Re-adding an account with a new key makes the old key unknown and the new one valid."""
    rotated = attrs.evolve(ALICE, access_key_id="AKIAALICE00000000002", secret_access_key="new")
    store.add_account(rotated)

    assert refusal(store, sign()).code == "UnrecognizedClientException"
    assert (
        verify(store, sign(key=rotated.access_key_id, secret="new")).account_id == ALICE.account_id
    )
    assert store.accounts[ALICE.account_id] is rotated


def test_session_ttl_must_be_positive(clock: FakeClock) -> None:
    """A store whose sessions would never live is rejected."""
    with pytest.raises(ValueError, match="session_ttl"):
        CredentialStore([], clock=clock, session_ttl=0)


# --- the property ------------------------------------------------------------------------

_header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
_texts = st.text(max_size=12)


@given(
    body=st.binary(min_size=1, max_size=512),
    segments=st.lists(
        st.sampled_from(["a", "b c", "%", ".", "..", "", "é", "~x", "+"]) | _texts, max_size=5
    ),
    params=st.dictionaries(_texts, _texts, max_size=4),
    header_values=st.dictionaries(
        st.from_regex(r"x-test-[a-z0-9-]{1,10}", fullmatch=True), _header_values, max_size=4
    ),
    position=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_botocore_signed_requests_verify_and_body_bytes_matter(
    body: bytes,
    segments: list[str],
    params: dict[str, str],
    header_values: dict[str, str],
    position: int,
    flip: int,
) -> None:
    """Any request botocore signs verifies, and changing any one byte of its body is refused."""
    store = CredentialStore([ALICE], clock=FakeClock())
    path = "/" + "/".join(quote(segment, safe="") for segment in segments)
    wire = sign(url=ENDPOINT + path, body=body, params=params, headers=header_values)

    assert verify(store, wire).account_id == ALICE.account_id

    index = position % len(body)
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    assert refusal(store, wire, body=tampered).code == "InvalidSignatureException"


# --- STS: responses read by botocore's own parser ----------------------------------------

_STS_MODEL = botocore.session.get_session().get_service_model("sts")


def parse_sts(action: str, status: int, xml: str) -> dict[str, Any]:
    """Parse an STS response exactly as botocore does for that operation."""
    shape = _STS_MODEL.operation_model(action).output_shape
    assert shape is not None
    response = {"body": xml.encode(), "headers": {}, "status_code": status}
    parsed: dict[str, Any] = QueryParser().parse(response, shape)
    return parsed


def sts_body(**params: str) -> bytes:
    """Form-encode an STS request body, as botocore's query serializer does."""
    return urlencode({"Version": "2011-06-15", **params}).encode()


def principal_of(store: CredentialStore, account: Account = ALICE) -> Principal:
    """Return the verified principal of a long-term key, signed for STS."""
    return verify(
        store, sign(key=account.access_key_id, secret=account.secret_access_key, service="sts")
    )


def test_get_caller_identity_is_read_by_botocore(store: CredentialStore) -> None:
    """GetCallerIdentity for a long-term key parses into the account, user ARN and AIDA user ID."""
    status, xml = handle_sts(
        principal=principal_of(store),
        body=sts_body(Action="GetCallerIdentity"),
        store=store,
        request_id="req-1",
    )

    parsed = parse_sts("GetCallerIdentity", status, xml)
    assert status == 200
    assert parsed["Account"] == ALICE.account_id
    assert parsed["Arn"] == "arn:aws:iam::111111111111:user/alice"
    assert parsed["UserId"].startswith("AIDA")
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    assert f'xmlns="{STS_NAMESPACE}"' in xml


def test_assume_role_is_read_by_botocore_and_its_credentials_work(
    store: CredentialStore,
) -> None:
    """AssumeRole parses into credentials that verify as the role, expiring in real time."""
    status, xml = handle_sts(
        principal=principal_of(store),
        body=sts_body(
            Action="AssumeRole",
            RoleArn="arn:aws:iam::222222222222:role/inventory",
            RoleSessionName="fleet@sweep",
            DurationSeconds="1800",
        ),
        store=store,
        request_id="req-2",
        wall_clock=WALL,
    )

    parsed = parse_sts("AssumeRole", status, xml)
    assert status == 200
    credentials = parsed["Credentials"]
    assert credentials["Expiration"] == datetime.fromtimestamp(WALL + 1800, UTC)
    assert parsed["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::222222222222:assumed-role/inventory/fleet@sweep"
    )
    assert parsed["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert parsed["AssumedRoleUser"]["AssumedRoleId"].endswith(":fleet@sweep")
    wire = sign(
        key=credentials["AccessKeyId"],
        secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"],
    )
    assert verify(store, wire).account_id == BOB.account_id


def test_get_caller_identity_of_assumed_role(store: CredentialStore) -> None:
    """GetCallerIdentity with temporary credentials reports the assumed-role ARN and AROA ID."""
    credentials = session_for(store, BOB)
    principal = verify(store, sign_with(credentials, service="sts"))

    status, xml = handle_sts(
        principal=principal, body=sts_body(Action="GetCallerIdentity"), store=store, request_id="r"
    )

    parsed = parse_sts("GetCallerIdentity", status, xml)
    assert parsed["Account"] == BOB.account_id
    assert parsed["Arn"] == credentials.arn
    assert parsed["UserId"] == credentials.assumed_role_id


STS_FAILURES: dict[str, tuple[dict[str, str], str, int, str]] = {
    "unknown account": (
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::999999999999:role/r",
            "RoleSessionName": "ok",
        },
        "AccessDenied",
        403,
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::999999999999:role/r",
    ),
    "malformed role ARN": (
        {"Action": "AssumeRole", "RoleArn": "arn:aws:iam::2222:role/r", "RoleSessionName": "ok"},
        "AccessDenied",
        403,
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::2222:role/r",
    ),
    "short session name": (
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::222222222222:role/r",
            "RoleSessionName": "a",
        },
        "ValidationError",
        400,
        "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 2",
    ),
    "long session name": (
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::222222222222:role/r",
            "RoleSessionName": "a" * 65,
        },
        "ValidationError",
        400,
        f"1 validation error detected: Value '{'a' * 65}' at 'roleSessionName' failed to "
        "satisfy constraint: Member must have length less than or equal to 64",
    ),
    "session name with a space": (
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::222222222222:role/r",
            "RoleSessionName": "a b",
        },
        "ValidationError",
        400,
        "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
    ),
    "non-ascii session name": (
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::222222222222:role/r",
            "RoleSessionName": "sé",
        },
        "ValidationError",
        400,
        "1 validation error detected: Value 'sé' at 'roleSessionName' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
    ),
    "short duration and no session name": (
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::222222222222:role/r",
            "DurationSeconds": "100",
        },
        "ValidationError",
        400,
        "2 validation errors detected: Value null at 'roleSessionName' failed to satisfy "
        "constraint: Member must not be null; Value '100' at 'durationSeconds' failed to "
        "satisfy constraint: Member must have value greater than or equal to 900",
    ),
    "unknown action": (
        {"Action": "GetSessionToken"},
        "InvalidAction",
        400,
        "Could not find operation GetSessionToken for version 2011-06-15",
    ),
}


@pytest.mark.parametrize("case", list(STS_FAILURES), ids=list(STS_FAILURES))
def test_sts_failures_are_read_by_botocore(store: CredentialStore, case: str) -> None:
    """Each refused STS request yields the AWS code, status and message, as botocore parses them."""
    params, code, expected_status, message = STS_FAILURES[case]

    status, xml = handle_sts(
        principal=principal_of(store), body=sts_body(**params), store=store, request_id="req-3"
    )

    parsed = parse_sts("AssumeRole", status, xml)
    assert status == expected_status
    assert parsed["Error"] == {"Type": "Sender", "Code": code, "Message": message}
    assert parsed["ResponseMetadata"]["RequestId"] == "req-3"


def test_sts_without_version_or_action(store: CredentialStore) -> None:
    """A request without Version is an InvalidAction, one without Action a MissingAction."""
    principal = principal_of(store)

    no_version = handle_sts(
        principal=principal, body=b"Action=GetCallerIdentity", store=store, request_id="r"
    )
    no_action = handle_sts(principal=principal, body=sts_body(), store=store, request_id="r")

    assert parse_sts("GetCallerIdentity", *no_version)["Error"]["Message"] == (
        "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"
    )
    assert parse_sts("GetCallerIdentity", *no_action)["Error"]["Code"] == "MissingAction"


@pytest.mark.parametrize(
    ("ours", "sts_code", "sts_status"),
    [
        ("InvalidSignatureException", "SignatureDoesNotMatch", 403),
        ("UnrecognizedClientException", "InvalidClientTokenId", 403),
        ("ExpiredTokenException", "ExpiredToken", 403),
        ("MissingAuthenticationTokenException", "MissingAuthenticationToken", 403),
        ("IncompleteSignatureException", "IncompleteSignature", 400),
    ],
)
def test_auth_errors_in_sts_format(ours: str, sts_code: str, sts_status: int) -> None:
    """Authentication failures on STS requests use STS's codes and statuses, read by botocore."""
    error = AuthError(ours, "a <message> & more", 400)

    parsed = parse_sts("GetCallerIdentity", sts_error_status(error), sts_error_xml(error, "r-9"))

    assert sts_error_status(error) == sts_status
    assert parsed["Error"]["Code"] == sts_code
    assert parsed["Error"]["Message"] == "a <message> & more"
    assert parsed["ResponseMetadata"]["RequestId"] == "r-9"


def test_is_sts_request_tells_the_protocols_apart() -> None:
    """STS's form-encoded Query requests are told from Lightsail's JSON ones, scope first."""
    sts = sign(
        service="sts",
        body=sts_body(Action="GetCallerIdentity"),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    lightsail = sign()

    assert is_sts_request(sts.headers, sts.body)
    assert not is_sts_request(lightsail.headers, lightsail.body)
    assert is_sts_request(lightsail.headers, lightsail.body, principal_service="sts")
    assert not is_sts_request(sts.headers, sts.body, principal_service="lightsail")


# --- end to end: real botocore clients, no network ---------------------------------------


class _Raw:
    """The raw-stream part of a botocore response."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class EmulatorHook:
    """Answers a botocore client's requests in-process: verification, then STS or a stub."""

    def __init__(self, store: CredentialStore) -> None:
        self.store = store
        self.principals: list[Principal] = []

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        wire = to_wire(request)
        sts = is_sts_request(wire.headers, wire.body)
        try:
            principal = verify(self.store, wire)
        except AuthError as error:
            if sts:
                return self._reply(request, sts_error_status(error), sts_error_xml(error, "e2e"))
            body = json.dumps({"__type": error.code, "message": error.message})
            return self._reply(request, error.status, body)
        self.principals.append(principal)
        if sts:
            status, xml = handle_sts(
                principal=principal, body=wire.body, store=self.store, request_id="e2e"
            )
            return self._reply(request, status, xml)
        return self._reply(request, 200, '{"instances": []}')

    @staticmethod
    def _reply(request: AWSPreparedRequest, status: int, body: str) -> AWSResponse:
        return AWSResponse(request.url, status, HTTPHeaders(), _Raw(body.encode()))


def client_for(
    service: str, hook: EmulatorHook, key: str, secret: str, token: str | None = None
) -> Any:
    """Build a real botocore client whose requests the hook answers."""
    client = botocore.session.get_session().create_client(
        service,
        region_name="eu-west-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 0}),
    )
    # botocore-stubs type handlers as returning None; a before-send handler
    # returns the response that replaces the HTTP round trip.
    client.meta.events.register("before-send", cast("Callable[..., None]", hook))
    return client


def test_real_botocore_clients_assume_role_and_call_lightsail(
    store: CredentialStore, clock: FakeClock
) -> None:
    """An unmodified botocore client assumes a role in STS and calls Lightsail with the result."""
    hook = EmulatorHook(store)
    sts = client_for("sts", hook, ALICE.access_key_id, ALICE.secret_access_key)

    assumed = sts.assume_role(
        RoleArn="arn:aws:iam::222222222222:role/inventory", RoleSessionName="e2e"
    )["Credentials"]
    temporary = (assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"])
    assert assumed["Expiration"] > datetime.now(UTC)  # though the store's clock is in 2024
    lightsail = client_for("lightsail", hook, *temporary)
    assert lightsail.get_instances()["instances"] == []
    assert client_for("sts", hook, *temporary).get_caller_identity()["Account"] == BOB.account_id
    assert [p.service for p in hook.principals] == ["sts", "lightsail", "sts"]
    assert hook.principals[1].account_id == BOB.account_id

    clock.now += 3600
    with pytest.raises(ClientError) as lightsail_error:
        lightsail.get_instances()
    with pytest.raises(ClientError) as sts_error:
        client_for("sts", hook, *temporary).get_caller_identity()

    assert lightsail_error.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert lightsail_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sts_error.value.response["Error"]["Code"] == "ExpiredToken"
    assert sts_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_real_botocore_client_with_wrong_secret_gets_signature_errors(
    store: CredentialStore,
) -> None:
    """A botocore client with a wrong secret gets each service's signature-mismatch error."""
    hook = EmulatorHook(store)

    with pytest.raises(ClientError) as lightsail_error:
        client_for("lightsail", hook, ALICE.access_key_id, "wrong").get_instances()
    with pytest.raises(ClientError) as sts_error:
        client_for("sts", hook, ALICE.access_key_id, "wrong").get_caller_identity()

    assert lightsail_error.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert sts_error.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
