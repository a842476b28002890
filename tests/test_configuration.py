"""boto3's configuration rules, as aiolightsail applies them: one test per convention.

Environment variables are set with ``monkeypatch`` and profiles written to a
temporary ``AWS_CONFIG_FILE`` (the autouse isolation fixture has stripped the
real ones). Requests go to a hostile server written here, which counts and
records them, or to the emulator.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.httpsession import AIOHTTPSession
from aiohttp import web
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolightsail import (
    Fleet,
    LightsailClient,
    RedirectError,
    Target,
    ThrottledError,
    UnauthenticatedError,
    ValidationError,
)
from aiolightsail._botocore import _sessions as sessions
from aiolightsail.emulator import DEFAULT_ACCOUNT, AssumeRoleCall, Emulator
from tests.conftest import ACCOUNTS, keys
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json

KEY_ID, SECRET = ACCOUNTS[0][1], ACCOUNTS[0][2]
ROLE = f"arn:aws:iam::{ACCOUNTS[1][0]}:role/inventory"


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """A hostile server that records every request."""
    async for hostile in hostile_server():
        yield hostile


def write_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    """Make ``text`` the AWS config file (shared sessions forget what they read)."""
    path = tmp_path / "aws-config"
    path.write_text(text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    sessions.clear()


def profile(name: str, **settings_: object) -> str:
    """A ``[profile name]`` section with the first emulator account's keys and ``settings_``."""
    lines = [
        f"[profile {name}]",
        f"aws_access_key_id = {KEY_ID}",
        f"aws_secret_access_key = {SECRET}",
    ]
    lines += [f"{key} = {value}" for key, value in settings_.items()]
    return "\n".join(lines) + "\n"


async def instances(_request: web.Request) -> web.StreamResponse:
    """An empty GetInstances answer."""
    return lightsail_json({"instances": []})


async def throttled(_request: web.Request) -> web.StreamResponse:
    """A throttling error, as Lightsail sends it."""
    return lightsail_json({"__type": "ThrottlingException", "message": "slow down"}, status=400)


def signed_region(seen: Any) -> str:
    """The region in a request's SigV4 credential scope."""
    scope = seen.headers["Authorization"].split("Credential=", 1)[1].split(",", 1)[0]
    return str(scope.split("/")[2])


# -- the region -------------------------------------------------------------------------

REGION_SOURCES = ("argument", "AWS_REGION", "AWS_DEFAULT_REGION", "profile")
REGION_OF = dict(
    zip(REGION_SOURCES, ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"), strict=True)
)


@pytest.mark.parametrize(
    "given_sources",
    [c for n in range(1, 5) for c in itertools.combinations(REGION_SOURCES, n)],
    ids="+".join,
)
async def test_region_precedence(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: Hostile,
    given_sources: tuple[str, ...],
) -> None:
    """The region is the argument, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's."""
    region_setting = {"region": REGION_OF["profile"]} if "profile" in given_sources else {}
    write_config(monkeypatch, tmp_path, profile("p", **region_setting))
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if variable in given_sources:
            monkeypatch.setenv(variable, REGION_OF[variable])
    server.handler = instances
    region = REGION_OF["argument"] if "argument" in given_sources else None
    async with LightsailClient(region, profile="p", endpoint_url=server.url) as client:
        await client.get_instances()
    expected = REGION_OF[given_sources[0]]
    assert client.region == expected
    assert [signed_region(seen) for seen in server.seen] == [expected]


async def test_no_region_anywhere_is_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: Hostile
) -> None:
    """No argument, variable or profile region: a ValidationError naming region and where."""
    write_config(monkeypatch, tmp_path, profile("p"))
    client = LightsailClient(profile="p", endpoint_url=server.url)
    with pytest.raises(RuntimeError, match="resolved from the configuration when the client opens"):
        _ = client.region
    with pytest.raises(ValidationError) as caught:
        await client.__aenter__()
    assert caught.value.parameter == "region"
    for where in ("AWS_REGION", "AWS_DEFAULT_REGION", "'p'", str(tmp_path / "aws-config")):
        assert where in caught.value.rule
    assert server.seen == []


def test_fleet_across_reads_the_region_of_each_profile_after_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Fleet.across(None): a profile's region, unless AWS_REGION overrides it."""
    write_config(monkeypatch, tmp_path, profile("a", region="eu-west-2") + profile("b"))
    with pytest.raises(ValidationError, match="profile 'b' has no region configured"):
        Fleet.across(None, profiles=["a", "b"])
    assert [t.region for t in Fleet.across(None, profiles=["a"]).targets] == ["eu-west-2"]
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    sessions.clear()
    fleet = Fleet.across(None, profiles=["a", "b"])
    assert [t.region for t in fleet.targets] == ["ap-south-1", "ap-south-1"]


# -- retries ----------------------------------------------------------------------------

RETRY_SOURCES = ("argument", "environment", "profile")
#: (mode, attempts) each source sets; the default is ("standard", 5).
RETRIES_OF = {
    "argument": ("adaptive", 2),
    "environment": ("standard", 3),
    "profile": ("adaptive", 4),
}


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize(
    "given_sources",
    [c for n in range(4) for c in itertools.combinations(RETRY_SOURCES, n)],
    ids=lambda c: "+".join(c) or "nothing",
)
async def test_retry_precedence(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: Hostile,
    given_sources: tuple[str, ...],
) -> None:
    """Mode and attempts: the argument, else the environment, else the profile, else standard/5;
    the effective policy is the client's config and a throttling server sees that many attempts."""
    profile_settings: dict[str, object] = {}
    if "profile" in given_sources:
        mode, attempts = RETRIES_OF["profile"]
        profile_settings = {"retry_mode": mode, "max_attempts": attempts}
    write_config(monkeypatch, tmp_path, profile("p", region="eu-west-1", **profile_settings))
    if "environment" in given_sources:
        mode, attempts = RETRIES_OF["environment"]
        monkeypatch.setenv("AWS_RETRY_MODE", mode)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", str(attempts))
    arguments: dict[str, Any] = {}
    if "argument" in given_sources:
        mode, attempts = RETRIES_OF["argument"]
        arguments = {"retry_mode": mode, "max_attempts": attempts}
    server.handler = throttled
    expected = RETRIES_OF[given_sources[0]] if given_sources else ("standard", 5)
    async with LightsailClient(profile="p", endpoint_url=server.url, **arguments) as client:
        transport = client._require_open()
        _no_rate_limit_waits(transport)
        with pytest.raises(ThrottledError):
            await client.get_instances()
    assert transport.config.retries == {"mode": expected[0], "total_max_attempts": expected[1]}
    assert len(server.seen) == expected[1]


def _rate_limiters(transport: Any) -> list[Any]:
    """The adaptive-mode rate limiters a client's transport calls before each attempt."""
    from aiobotocore.retries.adaptive import AsyncClientRateLimiter

    return [
        h.__self__
        for h in transport.retries.before_send
        if isinstance(getattr(h, "__self__", None), AsyncClientRateLimiter)
    ]


def _no_rate_limit_waits(transport: Any) -> None:
    """Let an adaptive client's token bucket hand out tokens without waiting on the clock."""
    for limiter in _rate_limiters(transport):

        async def acquire(*_args: object, **_kwargs: object) -> bool:
            return True

        limiter._token_bucket.acquire = acquire


@pytest.mark.usefixtures("no_backoff")
async def test_adaptive_mode_runs_aiobotocores_rate_limiter_and_retries_throttles(
    server: Hostile,
) -> None:
    """retry_mode='adaptive' registers aiobotocore's async rate limiter, which sees the throttles,
    and the throttled call is retried until it succeeds."""
    answers = iter([throttled, throttled, instances])
    server.handler = lambda request: next(answers)(request)
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, retry_mode="adaptive", max_attempts=3, **keys(0)
    ) as client:
        transport = client._require_open()
        (limiter,) = _rate_limiters(transport)
        _no_rate_limit_waits(transport)
        page = await client.get_instances()
    assert page.items == ()
    assert len(server.seen) == 3
    assert limiter._enabled  # the throttles switched client-side rate limiting on


async def test_standard_mode_has_no_rate_limiter(server: Hostile) -> None:
    """The default mode registers no adaptive rate limiter."""
    async with LightsailClient("eu-west-1", endpoint_url=server.url, **keys(0)) as client:
        assert _rate_limiters(client._require_open()) == []


@pytest.mark.parametrize(
    ("variable", "value", "parameter"),
    [
        ("AWS_MAX_ATTEMPTS", "many", "max_attempts"),
        ("AWS_MAX_ATTEMPTS", "0", "max_attempts"),
        ("AWS_MAX_ATTEMPTS", "101", "max_attempts"),
        ("AWS_RETRY_MODE", "eager", "retry_mode"),
    ],
)
async def test_a_malformed_retry_setting_is_refused_when_the_client_opens(
    monkeypatch: pytest.MonkeyPatch, server: Hostile, variable: str, value: str, parameter: str
) -> None:
    """A retry variable botocore could not use is a ValidationError naming it; nothing is sent."""
    monkeypatch.setenv(variable, value)
    client = LightsailClient("eu-west-1", endpoint_url=server.url, **keys(0))
    with pytest.raises(ValidationError) as caught:
        await client.__aenter__()
    assert caught.value.parameter == parameter
    assert variable in caught.value.rule
    assert server.seen == []


def test_retry_arguments_are_checked() -> None:
    """Only standard and adaptive may be asked for; attempts are 1 to 100."""
    with pytest.raises(ValidationError, match="retry_mode"):
        LightsailClient("eu-west-1", retry_mode="legacy")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="max_attempts"):
        Fleet([], max_attempts=0)
    with pytest.raises(ValidationError, match="retry_mode"):
        Fleet([], retry_mode="fast")  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_backoff")
async def test_a_fleet_passes_its_retry_policy_to_its_clients_and_to_sts(server: Hostile) -> None:
    """Fleet(max_attempts=2): AssumeRole throttled (HTTP 429) fails after two attempts, and the
    fleet's clients carry the same policy."""

    async def too_many(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=429)

    server.handler = too_many
    role_target = Target("eu-west-1", role_arn=ROLE, endpoint_url=server.url, **keys(0))
    key_target = Target("eu-west-1", endpoint_url=server.url, **keys(0))
    async with Fleet([role_target, key_target], max_attempts=2, retry_mode="adaptive") as fleet:
        client = await fleet.client(key_target)
        retries = client._require_open().config.retries
        server.seen.clear()
        async with fleet.map(lambda c: c.get_instances(), targets=[role_target]) as stream:
            assert [item async for item in stream] == []
    assert retries == {"mode": "adaptive", "total_max_attempts": 2}
    assert [seen.operation for seen in server.seen] == ["AssumeRole", "AssumeRole"]
    assert isinstance(stream.failures[0].error, ThrottledError)


# -- a caller's config ------------------------------------------------------------------


async def test_a_callers_pool_size_and_timeouts_win(server: Hostile) -> None:
    """The caller's config sets what it sets; the retry policy stays ours."""
    config = Config(max_pool_connections=3, connect_timeout=4, tcp_keepalive=True)
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, config=config, **keys(0)
    ) as client:
        transport = client._require_open()
    effective: Any = transport.config
    assert (effective.max_pool_connections, effective.connect_timeout) == (3, 4)
    assert effective.tcp_keepalive is True
    assert effective.retries == {"mode": "standard", "total_max_attempts": 5}
    assert transport.max_attempts == 5


@pytest.mark.parametrize("keepalive", [False, True])
async def test_a_callers_tcp_keepalive_is_set_on_the_sockets(
    server: Hostile, keepalive: bool
) -> None:
    """Config(tcp_keepalive=True) turns SO_KEEPALIVE on for the client's connections, and
    only for those of clients that asked."""
    server.handler = instances
    config = Config(tcp_keepalive=keepalive)
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, config=config, **keys(0)
    ) as client:
        await client.get_instances()
        transport: Any = client._require_open()
        # The connection is back in the pool of the shared session's connector.
        idle = [conn for conns in transport._http.connector._conns.values() for conn in conns]
        assert idle, "the request's connection is pooled"
        for protocol, _since in idle:
            sock = protocol.transport.get_extra_info("socket")
            assert bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)) is keepalive


async def test_a_callers_proxy_takes_effect(server: Hostile) -> None:
    """Config(proxies=...) sends the requests through the proxy (here, the hostile server)."""
    server.handler = instances
    config = AioConfig(proxies={"http": server.url})
    dead = "http://lightsail.invalid:9"  # only the proxy can answer for it
    async with LightsailClient("eu-west-1", endpoint_url=dead, config=config, **keys(0)) as client:
        assert (await client.get_instances()).items == ()
    (seen,) = server.seen
    assert seen.headers["Host"] == "lightsail.invalid:9"


async def test_redirects_stay_refused_with_a_callers_config(server: Hostile) -> None:
    """A caller's config does not bring back aiohttp's redirect following."""

    async def redirect(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=307, headers={"Location": server.url + "/elsewhere"})

    server.handler = redirect
    config = AioConfig(max_pool_connections=2, tcp_keepalive=True)
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, config=config, **keys(0)
    ) as client:
        with pytest.raises(RedirectError):
            await client.get_instances()
    assert [seen.path for seen in server.seen] == ["/"]


@pytest.mark.parametrize(
    ("config", "rule"),
    [
        (AioConfig(http_session_cls=type("Own", (AIOHTTPSession,), {})), "http_session_cls"),
        (Config(retries={"mode": "legacy"}), "legacy"),
        ({"max_pool_connections": 3}, "must be a botocore Config"),
        (Config(client_cert="/etc/client.pem"), "client_cert is not applied"),
        (AioConfig(connector_args={"keepalive_timeout": 5}), "connector_args is not applied"),
        (Config(proxies_config={"proxy_ca_bundle": "/etc/ca.pem"}), "proxy_ca_bundle"),
        (Config(proxies_config={"proxy_client_cert": "/etc/c.pem"}), "proxy_client_cert"),
    ],
    ids=[
        "http_session_cls",
        "legacy",
        "a dict",
        "client_cert",
        "connector_args",
        "proxy_ca_bundle",
        "proxy_client_cert",
    ],
)
def test_what_the_library_controls_is_refused_in_config(config: object, rule: str) -> None:
    """A config replacing the HTTP session, asking for legacy retries, or no Config: refused."""
    for build in (LightsailClient, lambda **kw: Fleet([], **kw)):
        with pytest.raises(ValidationError, match=rule) as caught:
            build(config=config)  # type: ignore[arg-type]
        assert caught.value.parameter == "config"


@pytest.mark.usefixtures("no_backoff")
async def test_config_retries_apply_when_the_arguments_are_not_given(
    monkeypatch: pytest.MonkeyPatch, server: Hostile
) -> None:
    """Config(retries=...) beats the environment; botocore's max_attempts there counts retries."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    server.handler = throttled
    config = Config(retries={"mode": "standard", "max_attempts": 1})
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, config=config, **keys(0)
    ) as client:
        with pytest.raises(ThrottledError):
            await client.get_instances()
    assert len(server.seen) == 2


# -- the User-Agent ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("environment", "app/env-app"),
        ("profile", "app/profile-app"),
        ("config", "app/my-app-1#2"),  # sanitised as botocore does
    ],
)
async def test_the_app_id_reaches_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: Hostile, source: str, expected: str
) -> None:
    """AWS_SDK_UA_APP_ID, a profile's sdk_ua_app_id, Config(user_agent_appid): each adds app/id."""
    write_config(
        monkeypatch, tmp_path, profile("p", region="eu-west-1", sdk_ua_app_id="profile-app")
    )
    if source == "environment":
        monkeypatch.setenv("AWS_SDK_UA_APP_ID", "env-app")
    appid = Config(user_agent_appid="my app/1#2")  # type: ignore[call-arg]  # stubs lag botocore
    config = appid if source == "config" else None
    server.handler = instances
    async with LightsailClient(profile="p", endpoint_url=server.url, config=config) as client:
        await client.get_instances()
    user_agent = server.seen[0].headers["User-Agent"]
    assert user_agent.startswith("aiolightsail/")
    assert f" {expected}" in user_agent
    assert user_agent.count(" app/") == 1


async def test_user_agent_extra_is_appended(server: Hostile) -> None:
    """Config(user_agent_extra=...) is appended to the fixed User-Agent, as botocore does."""
    server.handler = instances
    config = Config(user_agent_extra="inventory-bot/2")
    async with LightsailClient(
        "eu-west-1", endpoint_url=server.url, config=config, **keys(0)
    ) as client:
        await client.get_instances()
    user_agent = server.seen[0].headers["User-Agent"]
    assert user_agent.startswith("aiolightsail/")
    assert "inventory-bot/2" in user_agent
    assert " app/" not in user_agent


# -- Target's role parameters -------------------------------------------------------------

SESSION_NAMES = st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,64}", fullmatch=True)


@given(name=SESSION_NAMES, duration=st.integers(900, 43200))
def test_valid_role_parameters_are_accepted(name: str, duration: int) -> None:
    """Any name of 2 to 64 of [\\w+=,.@-] and any duration of 900 to 43200 s is a valid target."""
    target = Target("eu-west-1", role_arn=ROLE, role_session_name=name, duration_seconds=duration)
    assert (target.role_session_name, target.duration_seconds) == (name, duration)


@given(
    name=st.one_of(
        st.text(max_size=1),
        st.text(min_size=65, max_size=80),
        st.text(min_size=2, max_size=64).filter(
            lambda s: any(not (c.isascii() and (c.isalnum() or c in "_+=,.@-")) for c in s)
        ),
    )
)
def test_a_malformed_session_name_is_refused(name: str) -> None:
    """A session name breaking STS's rule is a ValidationError naming role_session_name."""
    with pytest.raises(ValidationError) as caught:
        Target("eu-west-1", role_arn=ROLE, role_session_name=name)
    assert caught.value.parameter == "role_session_name"


@given(duration=st.one_of(st.integers(max_value=899), st.integers(min_value=43201)))
def test_a_duration_outside_stss_range_is_refused(duration: int) -> None:
    """A duration outside 900..43200 seconds is a ValidationError naming duration_seconds."""
    with pytest.raises(ValidationError) as caught:
        Target("eu-west-1", role_arn=ROLE, duration_seconds=duration)
    assert caught.value.parameter == "duration_seconds"


@pytest.mark.parametrize(
    "parameter",
    [{"external_id": "customer-42"}, {"duration_seconds": 3600}, {"role_session_name": "bot"}],
    ids=lambda p: next(iter(p)),
)
def test_role_parameters_need_a_role(parameter: dict[str, Any]) -> None:
    """external_id, duration_seconds and role_session_name without role_arn are refused."""
    with pytest.raises(ValidationError, match="give role_arn too") as caught:
        Target("eu-west-1", **parameter)
    assert caught.value.parameter == next(iter(parameter))


def test_role_parameters_are_part_of_the_credentials_and_external_ids_not_of_labels() -> None:
    """Targets differing in a role parameter are different credentials; no label shows the id."""
    plain = Target("eu-west-1", role_arn=ROLE)
    targets = [
        plain,
        Target("eu-west-1", role_arn=ROLE, external_id="customer-42"),
        Target("eu-west-1", role_arn=ROLE, duration_seconds=1800),
        Target("eu-west-1", role_arn=ROLE, role_session_name="bot"),
    ]
    assert len({t._credential_key() for t in targets}) == 4
    assert "customer-42" not in targets[1].label + repr(targets[1]) + targets[1].account


async def test_the_role_parameters_reach_sts(emulator: Emulator) -> None:
    """ExternalId, DurationSeconds and RoleSessionName reach AssumeRole; the duration sets the
    credentials' expiry; targets differing in them assume the role separately."""
    emulator.seed_instances(ACCOUNTS[1][0], "eu-west-1", count=2)
    url = emulator.endpoint_url
    chosen = Target(
        "eu-west-1", role_arn=ROLE, external_id="customer-42", duration_seconds=1800,
        role_session_name="chat-bot", endpoint_url=url, **keys(0),
    )  # fmt: skip
    default = Target("eu-west-1", role_arn=ROLE, endpoint_url=url, **keys(0))
    async with Fleet([chosen, default]) as fleet, fleet.iter_instances() as stream:
        listed = [instance async for _, instance in stream]
        credentials: Any = (await fleet._scope.role(chosen)).credentials
        expiry = credentials._expiry_time
    assert (len(listed), stream.failures) == (4, [])
    assert emulator.stats.assume_role_calls == [
        AssumeRoleCall(
            caller_account_id=ACCOUNTS[0][0], role_arn=ROLE, role_session_name="chat-bot",
            external_id="customer-42", duration_seconds=1800,
        ),
        AssumeRoleCall(
            caller_account_id=ACCOUNTS[0][0], role_arn=ROLE, role_session_name="aiolightsail",
            external_id=None, duration_seconds=None,
        ),
    ]  # fmt: skip
    lifetime = expiry - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=25) < lifetime <= dt.timedelta(minutes=30)


async def test_the_emulator_refuses_a_malformed_external_id(emulator: Emulator) -> None:
    """The emulator checks ExternalId as STS does (2 to 1224 of [\\w+=,.@:/-])."""
    session = sessions.new_session()
    async with session.create_client(
        "sts", region_name="us-east-1", endpoint_url=emulator.endpoint_url,
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
    ) as sts:  # fmt: skip
        with pytest.raises(Exception, match="externalId") as caught:
            await sts.assume_role(RoleArn=ROLE, RoleSessionName="bot", ExternalId="has space")
    assert type(caught.value).__name__ == "ClientError"
    assert emulator.stats.assume_role_calls[0].external_id == "has space"


# -- a profile's role uses that profile's settings for Lightsail too ----------------------


async def test_a_profiles_endpoint_reaches_the_roles_lightsail_requests(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, emulator: Emulator
) -> None:
    """Target(profile=..., role_arn=...): the profile's services section sends AssumeRole and the
    role's Lightsail requests to the emulator, with no endpoint_url anywhere."""
    emulator.seed_instances(ACCOUNTS[1][0], "eu-west-1", count=3)
    write_config(
        monkeypatch,
        tmp_path,
        profile("emu", services="local")
        + f"\n[services local]\nlightsail =\n  endpoint_url = {emulator.endpoint_url}\n"
        f"sts =\n  endpoint_url = {emulator.endpoint_url}\n",
    )
    # Anything that would leave for AWS goes to a closed port instead of the internet.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    target = Target("eu-west-1", profile="emu", role_arn=ROLE)
    async with Fleet([target], max_attempts=1) as fleet, fleet.iter_instances() as stream:
        listed = [instance async for _, instance in stream]
    assert stream.failures == []
    assert len(listed) == 3
    assert emulator.stats.sts_actions["AssumeRole"] == 1


# -- static-key accounts and labels ---------------------------------------------------------


async def test_across_keys_lists_every_accounts_instances(emulator: Emulator) -> None:
    """Fleet.across(keys=[...]): one account per pair of keys (a token allowed), each listed."""
    emulator.seed_instances(ACCOUNTS[0][0], "eu-west-1", count=2)
    emulator.seed_instances(ACCOUNTS[1][0], "eu-west-1", count=3)
    pairs: list[tuple[str, str] | tuple[str, str, str | None]] = [
        (ACCOUNTS[0][1], ACCOUNTS[0][2]),
        (ACCOUNTS[1][1], ACCOUNTS[1][2], None),
    ]
    fleet = Fleet.across(["eu-west-1"], keys=pairs, endpoint_url=emulator.endpoint_url)
    async with fleet, fleet.iter_instances() as stream:
        listed = [(target.account, instance.name) async for target, instance in stream]
    assert stream.failures == []
    assert len(listed) == 5
    assert len({account for account, _ in listed}) == 2


@pytest.mark.parametrize(
    "pair",
    [
        ("AKIAONLYONEPART0001",),
        "AKIAACCOUNTAEXAMPLE1:s3cr3t-value",
        ("AKIAACCOUNTAEXAMPLE1", 7),
        ["AKIAACCOUNTAEXAMPLE1", "s3cr3t-value"],
    ],
    ids=["one part", "a string", "a number", "a list"],
)
def test_across_refuses_malformed_keys_without_echoing_them(pair: object) -> None:
    """A keys entry that is not (id, secret[, token]) is refused as keys[i], echoing nothing."""
    with pytest.raises(ValidationError) as caught:
        Fleet.across(["eu-west-1"], keys=[pair])  # type: ignore[list-item]
    assert caught.value.parameter == "keys[0]"
    assert caught.value.value is None
    assert "s3cr3t" not in str(caught.value)
    assert "AKIA" not in str(caught.value)


KEY_IDS = st.from_regex(r"[A-Za-z0-9_]{16,128}", fullmatch=True)
SECRETS = st.from_regex(r"[!-~]{16,60}", fullmatch=True)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(key_id=KEY_IDS, secret=SECRETS, token=st.one_of(st.none(), SECRETS))
def test_no_label_shows_a_key(key_id: str, secret: str, token: str | None) -> None:
    """A static-key target's account, label, repr and str show no key id, secret or token."""
    target = Target(
        "eu-west-1", aws_access_key_id=key_id, aws_secret_access_key=secret,
        aws_session_token=token,
    )  # fmt: skip
    shown = f"{target.account} {target.label} {target!r} {target}"
    for value in (key_id, secret, token):
        assert value is None or value not in shown
    assert target.account.startswith("keys-")
    same_keys = Target("us-east-1", aws_access_key_id=key_id, aws_secret_access_key="x")
    assert target.account == same_keys.account


# -- account ids --------------------------------------------------------------------------


async def test_a_roles_account_id_needs_no_request(emulator: Emulator) -> None:
    """A role target's account id comes from its ARN; nothing is sent."""
    target = Target("eu-west-1", role_arn=ROLE, endpoint_url=emulator.endpoint_url, **keys(0))
    async with Fleet([target]) as fleet:
        assert await fleet.account_id(target) == ACCOUNTS[1][0]
    assert emulator.stats.sts_requests == 0


async def test_one_caller_identity_request_per_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, emulator: Emulator
) -> None:
    """Many concurrent callers over many regions: one GetCallerIdentity per set of credentials."""
    write_config(monkeypatch, tmp_path, profile("a"))
    url = emulator.endpoint_url
    regions = ("eu-west-1", "us-east-1", "ap-south-1")
    targets = [Target(r, profile="a", endpoint_url=url) for r in regions]
    targets += [Target(r, endpoint_url=url, **keys(1)) for r in regions]
    async with Fleet(targets) as fleet:
        ids = await asyncio.gather(*(fleet.account_id(t) for t in targets * 10))
        again = [await fleet.account_id(t) for t in targets]
    assert ids == ([ACCOUNTS[0][0]] * 3 + [ACCOUNTS[1][0]] * 3) * 10
    assert again == [ACCOUNTS[0][0]] * 3 + [ACCOUNTS[1][0]] * 3
    assert emulator.stats.sts_actions == {"GetCallerIdentity": 2}


async def test_the_emulators_default_keys_are_account_123456789012() -> None:
    """The emulator's default account answers GetCallerIdentity with its documented id."""
    async with Emulator() as emulator:
        target = Target(
            "eu-west-1", endpoint_url=emulator.endpoint_url,
            aws_access_key_id=DEFAULT_ACCOUNT.access_key_id,
            aws_secret_access_key=DEFAULT_ACCOUNT.secret_access_key,
        )  # fmt: skip
        async with Fleet([target]) as fleet:
            assert await fleet.account_id(target) == "123456789012" == DEFAULT_ACCOUNT.account_id


async def test_a_failed_account_id_is_a_typed_error_and_not_kept(emulator: Emulator) -> None:
    """Unknown keys: UnauthenticatedError; the next call asks STS again."""
    target = Target(
        "eu-west-1", endpoint_url=emulator.endpoint_url,
        aws_access_key_id="AKIAUNKNOWNKEY000001", aws_secret_access_key="nope",
    )  # fmt: skip
    async with Fleet([target], max_attempts=1) as fleet:
        for _ in range(2):
            with pytest.raises(UnauthenticatedError):
                await fleet.account_id(target)
        with pytest.raises(ValidationError, match="target"):
            await fleet.account_id(Target("eu-west-1"))
    assert emulator.stats.auth_failures == 2


async def test_account_ids_need_an_open_fleet() -> None:
    """Asking a fleet that is not open is a RuntimeError, as for its other methods."""
    fleet = Fleet([Target("eu-west-1")])
    with pytest.raises(RuntimeError, match="not open"):
        await fleet.account_id(fleet.targets[0])
