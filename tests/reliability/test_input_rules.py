"""Input is judged by the right rules: generated values, one stated rule per kind of input.

Each rule is stated once, as a predicate computed from how a test value was
built (not from the code under test), and hypothesis generates the values:

* timeouts: a finite number of seconds in (0, 86400]; ``NaN``, infinities,
  zero, negatives, bools and huge integers are refused;
* names, regions, zones, role ARNs and access key ids are ASCII: one
  non-ASCII digit or letter in an otherwise valid value is refused;
* endpoint URLs: ``http(s)://host[:port][/path]`` in plain ASCII, with no
  ``user:password@``, query, fragment, space or control character;
* secret keys and session tokens: 1 to 8192 visible ASCII characters;
* every text parameter of every public method refuses control characters and
  lone surrogates (a launch script and a page token only lone surrogates).

Every refusal is a :class:`ValidationError` naming the parameter, raised before
anything opens or is sent, and never echoing a secret.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from yarl import URL

import aiolightsail
from aiolightsail import Fleet, LightsailClient, Target, ValidationError
from aiolightsail import _validation as check
from aiolightsail.cli import _app
from aiolightsail.emulator import Emulator
from tests.conftest import Wire
from tests.reliability.test_bad_input import AUTO_SNAPSHOT, VALID

AKID, SECRET = "AKIA0000000000000000", "s" * 40
KEYS = {"aws_access_key_id": AKID, "aws_secret_access_key": SECRET}
# Typed Any: these calls break the signatures on purpose.
C: Any = LightsailClient
F: Any = Fleet
T: Any = Target

# -- timeouts ---------------------------------------------------------------------------

#: Every ``*_timeout`` parameter of the constructors, found from their signatures.
TIMEOUTS: list[tuple[str, Callable[[Any], Any]]] = [
    *(
        (f"LightsailClient.{name}", lambda v, name=name: C("eu-west-1", **{name: v}))
        for name in inspect.signature(LightsailClient).parameters
        if name.endswith("_timeout")
    ),
    *(
        (f"Fleet.{name}", lambda v, name=name: F([Target("eu-west-1")], **{name: v}))
        for name in inspect.signature(Fleet).parameters
        if name.endswith("_timeout")
    ),
]
#: The timeouts whose annotation admits None (no limit, said explicitly).
OPTIONAL = {
    f"{cls.__name__}.{name}"
    for cls in (LightsailClient, Fleet)
    for name, parameter in inspect.signature(cls).parameters.items()
    if name.endswith("_timeout") and "None" in str(parameter.annotation)
}
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, 0.0, -0.0, 5e-324, 86_400, 86_400.0000001, 86_401, 10**400]),
    st.booleans(),
    st.sampled_from(["30", b"30", None, [30], 30j]),
)


def timeout_ok(value: object) -> bool:
    """The rule: a finite int or float, more than 0 and at most 86400 seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and value != value:  # NaN
        return False
    return 0 < value <= 86_400


@settings(max_examples=400)
@example(kind=TIMEOUTS[0][0], value=float("nan"))
@example(kind=TIMEOUTS[0][0], value=float("inf"))
@given(kind=st.sampled_from([name for name, _ in TIMEOUTS]), value=NUMBERS)
def test_timeouts_are_finite_positive_seconds(kind: str, value: object) -> None:
    """Every timeout parameter accepts exactly the finite numbers of seconds in (0, 86400]."""
    build = dict(TIMEOUTS)[kind]
    if timeout_ok(value) or (value is None and kind in OPTIONAL):
        build(value)
    else:
        with pytest.raises(ValidationError) as caught:
            build(value)
        assert caught.value.parameter == kind.rsplit(".", 1)[1]


@settings(max_examples=200)
@given(
    which=st.sampled_from(["session_ttl", "header_timeout", "body_timeout", "latency", "jitter"]),
    value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5)),
)
def test_the_emulators_durations_are_finite(which: str, value: float) -> None:
    """The emulator's durations (session lifetime, slow-client deadlines, injected latency)
    refuse NaN and infinity, which would switch expiry or a deadline off."""
    from aiolightsail.emulator import Faults

    def build() -> object:
        kwargs: dict[str, Any] = {which: value}
        return Faults(**kwargs) if which in ("latency", "jitter") else Emulator(**kwargs)

    positive = which != "latency" and which != "jitter"
    finite = value == value and abs(value) != float("inf")
    if finite and (value > 0 if positive else value >= 0):
        build()
    else:
        with pytest.raises(ValueError, match=which):
            build()


def test_timeouts_are_found() -> None:
    """The timeout rule covers the client's and the fleet's timeouts (the list is not empty)."""
    assert {"LightsailClient.connect_timeout", "Fleet.target_timeout"} <= dict(TIMEOUTS).keys()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-5", "1e400", "86401"])
def test_cli_timeout_follows_the_same_rule(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--timeout nan` (or inf, 0, negative, past a day) is a usage error naming --timeout."""
    from click.testing import CliRunner

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    result = CliRunner().invoke(_app.cli, ["instances", "--timeout", value])
    assert result.exit_code == 2, result.output
    assert "--timeout" in result.output


# -- ASCII-only patterns ----------------------------------------------------------------


def _compiled_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for info in pkgutil.walk_packages(aiolightsail.__path__, "aiolightsail."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                yield f"{info.name}.{name}", value


def test_every_pattern_with_a_class_escape_is_ascii() -> None:
    """Every compiled pattern of the package that uses \\d, \\w, \\s or \\b is compiled with
    re.ASCII, so a Unicode digit or letter never passes for an ASCII one."""
    unicode = [
        name
        for name, pattern in _compiled_patterns()
        if re.search(r"\\[dDwWsSbB]", pattern.pattern) and not pattern.flags & re.ASCII
    ]
    assert unicode == []


NON_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
NON_ASCII_LETTERS = st.characters(categories=["Lu", "Ll"]).filter(lambda c: not c.isascii())

#: (what, a strategy of valid values, the check).
ASCII_RULES: list[tuple[str, st.SearchStrategy[str], Callable[[str], object]]] = [
    ("region", st.from_regex(r"[a-z]{2}-[a-z]{4,9}-[0-9]", fullmatch=True), check.region),
    (
        "availability_zone",
        st.from_regex(r"eu-west-1[a-f]", fullmatch=True),
        lambda v: check.availability_zone(v, "availability_zone", in_region="eu-west-1"),
    ),
    (
        "instance_name",
        st.from_regex(r"[a-z0-9]{2,20}", fullmatch=True),
        lambda v: check.resource_name(v, "instance_name"),
    ),
    (
        "role_arn",
        st.from_regex(r"arn:aws:iam::[0-9]{12}:role/[a-z0-9]{1,20}", fullmatch=True),
        lambda v: Target("eu-west-1", role_arn=v),
    ),
    ("aws_access_key_id", st.from_regex(r"AKIA[A-Z0-9]{16}", fullmatch=True), check.access_key),
]


@settings(max_examples=300)
@example(what="region", valid="us-east-1", index=8, foreign="١")
@given(
    what=st.sampled_from([what for what, _, _ in ASCII_RULES]),
    valid=st.data(),
    index=st.integers(0, 100),
    foreign=st.one_of(NON_ASCII_DIGITS, NON_ASCII_LETTERS),
)
def test_one_non_ascii_character_is_refused(
    what: str, valid: Any, index: int, foreign: str
) -> None:
    """A valid region, zone, name, role ARN or access key id with one ASCII digit or letter
    replaced by a non-ASCII one (a Unicode digit such as '١') is refused."""
    strategy, rule = next((s, r) for w, s, r in ASCII_RULES if w == what)
    text = valid.draw(strategy) if not isinstance(valid, str) else valid
    rule(text)  # the value itself is valid
    positions = [i for i, c in enumerate(text) if c.isascii() and c.isalnum()]
    i = positions[index % len(positions)]
    with pytest.raises(ValidationError):
        rule(text[:i] + foreign + text[i + 1 :])


# -- endpoint URLs -------------------------------------------------------------------------

GOOD_HOSTS = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,3}",
                  fullmatch=True).filter(lambda h: not h.replace(".", "").isdigit()),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.sampled_from(["localhost", "127.0.0.1", "[::1]", "lightsail.us-east-1.amazonaws.com"]),
)  # fmt: skip
BAD_HOST_LIST = [
    "", " ", "a b", "-a", "a-", "a..b", ".a", "1.2.3", "999.1.1.1", "[::1", "[zz]", "::1",
    "exämple.com", "a_b", "a" * 64, "١٢٧.0.0.1", "x.١", "ho\u017ft", "a@b",
]  # fmt: skip
BAD_HOSTS = st.sampled_from(BAD_HOST_LIST)
GOOD_PORTS = st.one_of(st.none(), st.integers(1, 65535).map(str))
BAD_PORTS = st.sampled_from(["", "0", "65536", "99999999", "-1", "8o", "８０", "80 ", "+80", "1e3"])
GOOD_PATHS = st.one_of(st.just(""), st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){1,3}", fullmatch=True))
BAD_PATH_LIST = ["/a b", "/é", "/a\\b", "/<x>", '/"', "/@x"]
BAD_PATHS = st.sampled_from(BAD_PATH_LIST)
CONTROL = st.characters(categories=["Cc"])


@settings(max_examples=500)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "", "http:/"]),
    userinfo=st.sampled_from(["", "", "", "user:s3cret-pw@", "user@", ":s3cret-pw@"]),
    host=st.one_of(GOOD_HOSTS, GOOD_HOSTS, BAD_HOSTS),
    port=st.one_of(GOOD_PORTS, GOOD_PORTS, BAD_PORTS),
    path=st.one_of(GOOD_PATHS, GOOD_PATHS, BAD_PATHS),
    tail=st.sampled_from(["", "", "", "?x=1", "#frag"]),
    control=st.one_of(st.none(), st.none(), st.tuples(CONTROL, st.integers(0, 200))),
)
def test_endpoint_url_rule(
    scheme: str,
    userinfo: str,
    host: str,
    port: str | None,
    path: str,
    tail: str,
    control: tuple[str, int] | None,
) -> None:
    """An endpoint URL built from generated parts is accepted exactly when every part is
    well formed; an accepted URL means the same host and port to botocore, yarl and the
    standard library, and a refused one never shows its password."""
    url = f"{scheme}://{userinfo}{host}{'' if port is None else ':' + port}{path}{tail}"
    if control is not None:
        char, at = control
        at %= len(url) + 1
        url = url[:at] + char + url[at:]
    well_formed = (
        scheme.lower() in ("http", "https")
        and not userinfo
        and host not in BAD_HOST_LIST
        and (port is None or (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535))
        and path not in BAD_PATH_LIST
        and not tail
        and control is None
    )
    if well_formed:
        assert check.endpoint_url(url) == url
        parsed = URL(url)
        assert parsed.host == host.strip("[]").lower() or parsed.raw_host == host.strip("[]")
        assert parsed.port == (int(port) if port else {"http": 80, "https": 443}[scheme.lower()])
        assert is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)
    else:
        with pytest.raises(ValidationError) as caught:
            check.endpoint_url(url)
        assert "s3cret-pw" not in f"{caught.value} {caught.value!r} {caught.value.value!r}"


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda url: C("eu-west-1", endpoint_url=url), id="LightsailClient"),
        pytest.param(lambda url: T("eu-west-1", endpoint_url=url), id="Target"),
        pytest.param(lambda url: F.across(["eu-west-1"], endpoint_url=url), id="Fleet.across"),
    ],
)
@pytest.mark.parametrize(
    "url",
    ["http://", "http://:80", "http://a b", "http://host:99999", "http://host\r\nX: y",
     "http://user:s3cret-pw@host", "https://host?x"],
)  # fmt: skip
def test_every_endpoint_parameter_uses_the_rule(build: Any, url: str) -> None:
    """The client, a Target and Fleet.across refuse the same malformed endpoint URLs."""
    with pytest.raises(ValidationError) as caught:
        build(url)
    assert caught.value.parameter == "endpoint_url"
    assert "s3cret-pw" not in f"{caught.value} {caught.value.value!r}"


def test_cli_endpoint_follows_the_same_rule() -> None:
    """`--endpoint-url http://user:pw@host` is a usage error that does not echo the password."""
    from click.testing import CliRunner

    result = CliRunner().invoke(
        _app.cli, ["instances", "-r", "eu-west-1", "--endpoint-url", "http://u:s3cret-pw@h"]
    )
    assert result.exit_code == 2
    assert "--endpoint-url" in result.output and "s3cret-pw" not in result.output


# -- keys and tokens ---------------------------------------------------------------------

VISIBLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


@settings(max_examples=400)
@given(
    secret=st.one_of(
        st.text(VISIBLE, min_size=1, max_size=60),
        st.text(max_size=60),
        st.builds(lambda n, c: c * n, st.integers(8190, 8194), VISIBLE),
    ),
    which=st.sampled_from(["aws_secret_access_key", "aws_session_token"]),
    build=st.sampled_from([C, T]),
)
def test_secret_keys_and_tokens_are_visible_ascii(secret: str, which: str, build: Any) -> None:
    """A secret key or session token is accepted exactly when it is 1 to 8192 visible ASCII
    characters; a refusal names the parameter and does not echo the value."""
    keys = {**KEYS, which: secret}
    ok = 1 <= len(secret) <= 8192 and all("!" <= c <= "~" for c in secret)
    if ok:
        build("eu-west-1", **keys)
        return
    with pytest.raises(ValidationError) as caught:
        build("eu-west-1", **keys)
    assert caught.value.parameter == which
    assert caught.value.value is None
    assert str(caught.value) == f"{which}: {caught.value.rule}"


@settings(max_examples=300)
@given(key=st.one_of(st.text(max_size=140), st.from_regex(r"[A-Z0-9]{10,130}", fullmatch=True)))
def test_access_key_ids_are_ascii_word_characters(key: str) -> None:
    """An access key id is accepted exactly when it is 16 to 128 ASCII letters, digits or '_'."""
    ok = 16 <= len(key) <= 128 and all(c.isascii() and (c.isalnum() or c == "_") for c in key)
    if ok:
        C("eu-west-1", aws_access_key_id=key, aws_secret_access_key=SECRET)
    else:
        with pytest.raises(ValidationError) as caught:
            C("eu-west-1", aws_access_key_id=key, aws_secret_access_key=SECRET)
        assert caught.value.parameter == "aws_access_key_id"


# -- control characters in every text parameter -----------------------------------------------

#: Optional text parameters, with valid values, added to VALID's calls.
OPTIONAL_TEXT: dict[str, dict[str, Any]] = {
    "create_instances": {
        "key_pair_name": "kp-1",
        "user_data": "#!/bin/sh\n\techo 'hi'\n",
        "tags": {"team": "web"},
        "ip_address_type": "ipv4",
    },
    "create_instances_from_snapshot": {
        "key_pair_name": "kp-1",
        "user_data": "echo 'restored'\r\n",
        "tags": {"team": "web"},
        "ip_address_type": "dualstack",
    },
    "create_instance_snapshot": {"tags": {"team": "web"}},
    "get_instance_access_details": {"protocol": "ssh"},
}
# Every listing method's page token (get_x and iter_x alike).
for _method in VALID:
    if "page_token" in inspect.signature(getattr(LightsailClient, _method)).parameters:
        OPTIONAL_TEXT.setdefault(_method, {})["page_token"] = "tok-1"


#: Each call: (method, valid keyword arguments); a method may have several shapes.
CALLS: list[tuple[str, dict[str, Any]]] = [
    *((method, {**valid, **OPTIONAL_TEXT.get(method, {})}) for method, valid in VALID.items()),
    (
        "create_instances_from_snapshot",
        {**AUTO_SNAPSHOT, **OPTIONAL_TEXT["create_instances_from_snapshot"]},
    ),
]


def _text_leaves(kwargs: dict[str, Any]) -> list[tuple[str, ...]]:
    """Paths to every str inside a call's arguments: (parameter,), (parameter, index), or
    (parameter, key, 'key'|'value') for mappings."""
    leaves: list[tuple[str, ...]] = []
    for name, value in kwargs.items():
        if isinstance(value, str):
            leaves.append((name,))
        elif isinstance(value, list):
            leaves += [(name, str(i)) for i, item in enumerate(value) if isinstance(item, str)]
        elif isinstance(value, dict):
            leaves += [(name, key, part) for key in value for part in ("key", "value")]
    return leaves


LEAVES = [(n, leaf) for n, (_, kwargs) in enumerate(CALLS) for leaf in _text_leaves(kwargs)]


def _with(kwargs: dict[str, Any], leaf: tuple[str, ...], spoil: Callable[[str], str]) -> None:
    name = leaf[0]
    if len(leaf) == 1:
        kwargs[name] = spoil(kwargs[name])
    elif len(leaf) == 2:
        kwargs[name] = [*kwargs[name]]
        kwargs[name][int(leaf[1])] = spoil(kwargs[name][int(leaf[1])])
    else:
        key, part = leaf[1], leaf[2]
        rest = {k: v for k, v in kwargs[name].items() if k != key}
        kwargs[name] = (
            {**rest, spoil(key): kwargs[name][key]}
            if part == "key"
            else {**rest, key: spoil(kwargs[name][key])}
        )


def _parameters(method: str) -> list[tuple[str, inspect.Parameter]]:
    return list(inspect.signature(getattr(LightsailClient, method)).parameters.items())


def test_every_text_parameter_is_covered() -> None:
    """Every public method's parameter typed with str has a generated leaf below."""
    covered = {(CALLS[n][0], leaf[0]) for n, leaf in LEAVES}
    typed = {
        (method, name)
        for method in VALID
        for name, parameter in _parameters(method)
        if "str" in str(parameter.annotation) and name != "self"
    }
    assert typed - covered == set()


SURROGATES = st.characters(categories=["Cs"])
#: Text taken as it is, control characters included: a launch script (tabs, newlines)
#: and a page token (the service's opaque text, handed back as it came).
OPAQUE = {("user_data",), ("page_token",)}


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    case=st.sampled_from(LEAVES),
    bad=st.one_of(CONTROL, SURROGATES),
    at=st.integers(0, 40),
)
async def test_control_characters_and_surrogates_are_refused_everywhere(
    client: LightsailClient, wire: Wire, case: tuple[int, tuple[str, ...]], bad: str, at: int
) -> None:
    """A control character or a lone surrogate anywhere in any text argument of any public
    method is refused, naming that parameter, before a request is sent (a launch script and
    a page token are opaque text, so they refuse only lone surrogates)."""
    n, leaf = case
    method, valid = CALLS[n]
    if leaf in OPAQUE and not "\ud800" <= bad <= "\udfff":
        bad = "\udc80"

    def spoil(text: str) -> str:
        i = at % (len(text) + 1)
        return text[:i] + bad + text[i:]

    kwargs = dict(valid)
    _with(kwargs, leaf, spoil)

    async def call() -> None:
        result = getattr(client, method)(**kwargs)
        if inspect.isawaitable(result):
            await result

    with pytest.raises(ValidationError) as caught:
        await call()
    assert caught.value.parameter.startswith(leaf[0])
    assert wire.calls == []
