"""Pure checks of user input, run before any request is built.

Each check raises :class:`~aiolightsail.ValidationError` naming the parameter,
the rule and the value, and returns the value in the form the wire wants.
The enumerations below are copied from botocore's Lightsail model
(``botocore/data/lightsail/2016-11-28/service-2.json``); ``tests/test_validation.py``
compares them with the installed model so that drift is noticed on upgrade.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from aiolightsail._enums import InstanceMetricName
from aiolightsail._errors import ValidationError
from aiolightsail._regions import REGION_PATTERN

__all__ = [
    "ACCESS_PROTOCOLS",
    "IP_ADDRESS_TYPES",
    "MAX_SECONDS",
    "METRIC_NAMES",
    "METRIC_STATISTICS",
    "METRIC_UNITS",
    "NETWORK_PROTOCOLS",
]

# Every pattern here is compiled with re.ASCII: without it, \d matches any
# Unicode digit ('١'), \w any letter of any script and \s control characters,
# none of which the service accepts where these patterns apply.

# ResourceName in botocore's model is `\w[\w\-]*\w` (Java regex: ASCII word
# characters), but the service also accepts `.` inside names, and the console
# documents "2 to 255 characters, start and end with a letter or number; may
# contain periods, dashes and underscores". We accept the union, so a name the
# service accepts (including a leading `_` it has allowed in the past) is never
# refused here.
_RESOURCE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]", re.ASCII)
_RESOURCE_NAME_MAX = 255

_AVAILABILITY_ZONE = re.compile(r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2})[a-z]", re.ASCII)

# Tag rules from the Lightsail developer guide ("Tags in Lightsail"): keys 1-128
# and values 0-256 Unicode characters of letters, digits, spaces and + - = . _ : / @;
# the Tag shape of AWS's resource-tagging API states it as the pattern
# [\p{L}\p{Z}\p{N}_.:/=+\-@]*: Unicode letters, separators and numbers, so a
# control character (a tab, a newline) is not a "space".
_TAG_CATEGORIES = ("L", "Z", "N")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_KEY_MAX = 128
_TAG_VALUE_MAX = 256
# "Each resource can have a maximum of 50 tags" (Lightsail developer guide).
_TAGS_MAX = 50

NETWORK_PROTOCOLS = frozenset({"tcp", "all", "udp", "icmp", "icmpv6"})
ACCESS_PROTOCOLS = frozenset({"ssh", "rdp"})
IP_ADDRESS_TYPES = frozenset({"dualstack", "ipv4", "ipv6"})
CIDR_LIST_ALIASES = frozenset({"lightsail-connect"})
METRIC_NAMES = frozenset(
    {
        "CPUUtilization",
        "NetworkIn",
        "NetworkOut",
        "StatusCheckFailed",
        "StatusCheckFailed_Instance",
        "StatusCheckFailed_System",
        "BurstCapacityTime",
        "BurstCapacityPercentage",
        "MetadataNoToken",
        "DiskReadOps",
        "DiskWriteOps",
        "DiskReadBytes",
        "DiskWriteBytes",
        "DiskTotalReadTime",
        "DiskTotalWriteTime",
        "DiskQueueLength",
    }
)
METRIC_STATISTICS = frozenset({"Minimum", "Maximum", "Sum", "Average", "SampleCount"})
METRIC_UNITS = frozenset(
    {
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    }
)
# MetricPeriod in the model: 60..86400; the service also wants whole minutes.
PERIOD_MIN, PERIOD_MAX, PERIOD_STEP = 60, 86400, 60
PORT_MIN, PORT_MAX = -1, 65535
# ICMP type and code are each 0..255, or -1 for "all".
_ICMP_MAX = 255


def _choices(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _control_or_surrogate(text: str) -> bool:
    # Cc: C0 and C1 controls (NUL, tab, CR, LF, ESC...); Cs: lone surrogates,
    # which cannot be encoded as UTF-8 and would fail only when the request is built.
    return not text.isprintable() and any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def string(value: object, parameter: str, *, allow_empty: bool = False, show: bool = True) -> str:
    """Check that ``value`` is a ``str`` (non-empty unless ``allow_empty``) of printable text.

    Control characters (tabs and newlines included) and lone surrogates are
    refused: no identifier, label or tag of the service contains them.
    """
    if not isinstance(value, str):
        raise ValidationError(
            parameter, f"must be a str, not {type(value).__name__}", value, show=show
        )
    if not allow_empty and not value.strip():
        raise ValidationError(parameter, "must not be empty or blank", value, show=show)
    if _control_or_surrogate(value):
        raise ValidationError(
            parameter,
            "must not contain control characters (tab, newline, NUL...) or lone surrogates",
            value,
            show=show,
        )
    return value


#: The longest timeout accepted, in seconds (a day): longer is not a timeout.
MAX_SECONDS = 86_400


def seconds(value: object, parameter: str) -> float:
    """Check a timeout: a finite number of seconds, more than 0 and at most :data:`MAX_SECONDS`.

    ``NaN`` and infinity are refused: either would switch the timeout off.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(
            parameter, f"must be a number of seconds, not {type(value).__name__}", value
        )
    # An int is compared as it is: one too large for a float must not raise OverflowError.
    finite = math.isfinite(value) if isinstance(value, float) else True
    if not (finite and 0 < value <= MAX_SECONDS):
        raise ValidationError(
            parameter,
            f"must be a finite number of seconds, more than 0 and at most {MAX_SECONDS}",
            value,
        )
    return float(value)


def optional_seconds(value: object, parameter: str) -> float | None:
    """Check a timeout that may be ``None`` (no limit, said explicitly); see :func:`seconds`."""
    return None if value is None else seconds(value, parameter)


def boolean(value: object, parameter: str) -> bool:
    """Check that ``value`` is a real ``bool`` (``0``/``"false"`` are refused, not guessed)."""
    if not isinstance(value, bool):
        raise ValidationError(parameter, f"must be a bool, not {type(value).__name__}", value)
    return value


def integer(value: object, parameter: str, *, low: int, high: int) -> int:
    """Check that ``value`` is an ``int`` (not a bool) in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(parameter, f"must be an int, not {type(value).__name__}", value)
    if not low <= value <= high:
        raise ValidationError(parameter, f"must be between {low} and {high}", value)
    return value


def duration(value: object, parameter: str) -> float:
    """Check a duration: a finite ``int`` or ``float`` (not a bool), ``0`` or more."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(parameter, f"must be a number, not {type(value).__name__}", value)
    if not math.isfinite(value) or value < 0:
        raise ValidationError(parameter, "must be a finite number of seconds, 0 or more", value)
    return float(value)


def resource_name(value: object, parameter: str) -> str:
    """Check a Lightsail resource name (instances, snapshots, key pairs)."""
    name = string(value, parameter)
    if not 2 <= len(name) <= _RESOURCE_NAME_MAX:
        raise ValidationError(parameter, f"must be 2 to {_RESOURCE_NAME_MAX} characters long", name)
    if not _RESOURCE_NAME.fullmatch(name):
        raise ValidationError(
            parameter,
            "must contain only letters, digits, '_', '-' and '.', "
            "and start and end with a letter, digit or '_'",
            name,
        )
    return name


def resource_names(values: object, parameter: str) -> list[str]:
    """Check a non-empty sequence of unique resource names (not a bare string)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(parameter, "must be a list of names, not a single string", values)
    names = [resource_name(v, f"{parameter}[{i}]") for i, v in enumerate(values)]
    if not names:
        raise ValidationError(parameter, "must name at least one resource", names)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationError(parameter, f"names must be unique; {name!r} repeats", names)
        seen.add(name)
    return names


def choice(value: object, parameter: str, allowed: frozenset[str]) -> str:
    """Check that ``value`` is one of ``allowed`` (case-sensitive, as the service is)."""
    text = string(value, parameter)
    if text not in allowed:
        raise ValidationError(parameter, f"must be one of {_choices(allowed)}", text)
    return text


def region(value: object, parameter: str = "region") -> str:
    """Check a region name's form; unknown but well-formed regions pass, so new regions work."""
    text = string(value, parameter)
    if not REGION_PATTERN.fullmatch(text):
        raise ValidationError(parameter, "must be an AWS region name such as 'eu-west-1'", text)
    return text


def availability_zone(value: object, parameter: str, *, in_region: str) -> str:
    """Check an availability zone name and that it lies in the client's region."""
    text = string(value, parameter)
    match = _AVAILABILITY_ZONE.fullmatch(text)
    if match is None:
        raise ValidationError(
            parameter, "must be an availability zone name such as 'eu-west-1a'", text
        )
    if match["region"] != in_region:
        raise ValidationError(parameter, f"must be in the client's region {in_region!r}", text)
    return text


# AccessKeyId in the IAM and STS API references: 16 to 128 word characters.
_ACCESS_KEY_ID = re.compile(r"\w{16,128}", re.ASCII)
# Secret keys and session tokens are base64-like text that AWS issues; they are
# sent in headers or used as signing keys, so they are visible ASCII (no space,
# no control character) and bounded in size (STS tokens are a few KB).
_SECRET_TEXT = re.compile(r"[\x21-\x7e]{1,8192}", re.ASCII)


def credentials(
    *,
    profile: object,
    access_key_id: object,
    secret_access_key: object,
    session_token: object,
) -> None:
    """Check one way of giving credentials: a profile, static keys (+ token), or neither.

    Access key ids are 16 to 128 ASCII letters, digits or ``_``; secret keys
    and session tokens are 1 to 8192 visible ASCII characters (no space or
    control character). Secret values are never echoed in the error.
    """
    if profile is not None:
        string(profile, "profile")
    for name, value in (
        ("aws_access_key_id", access_key_id),
        ("aws_secret_access_key", secret_access_key),
        ("aws_session_token", session_token),
    ):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValidationError(name, "must be a non-empty str", show=False)
    if (access_key_id is None) != (secret_access_key is None):
        raise ValidationError(
            "aws_secret_access_key" if access_key_id is not None else "aws_access_key_id",
            "aws_access_key_id and aws_secret_access_key go together",
            show=False,
        )
    if session_token is not None and access_key_id is None:
        raise ValidationError(
            "aws_session_token", "needs aws_access_key_id and aws_secret_access_key", show=False
        )
    if profile is not None and access_key_id is not None:
        raise ValidationError("profile", "give either a profile or static keys, not both")
    if access_key_id is not None:
        access_key(access_key_id)
    for name, value in (
        ("aws_secret_access_key", secret_access_key),
        ("aws_session_token", session_token),
    ):
        if value is not None:
            secret(value, name)


def access_key(value: object, parameter: str = "aws_access_key_id") -> str:
    """Check an access key id: 16 to 128 ASCII letters, digits or ``_`` (shown: not a secret)."""
    text = string(value, parameter)
    if not _ACCESS_KEY_ID.fullmatch(text):
        raise ValidationError(
            parameter, "must be 16 to 128 ASCII letters, digits or '_' (e.g. AKIA...)", text
        )
    return text


def sendable_credential(value: object) -> bool:
    """Whether ``value`` is a key or token that can be used: 1 to 8192 visible ASCII characters."""
    return isinstance(value, str) and _SECRET_TEXT.fullmatch(value) is not None


def secret(value: object, parameter: str) -> str:
    """Check a secret key or session token: 1 to 8192 visible ASCII characters; never echoed."""
    if not isinstance(value, str) or not _SECRET_TEXT.fullmatch(value):
        raise ValidationError(
            parameter,
            "must be 1 to 8192 visible ASCII characters (no space or control character)",
            show=False,
        )
    return value


# A DNS host name (RFC 1123): dot-separated labels of ASCII letters, digits
# and inner hyphens, each 1 to 63 characters, 253 in all.
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
_PORT = re.compile(r"[0-9]{1,5}", re.ASCII)
# What may follow the host: a path of URL characters (RFC 3986), no query or fragment.
_URL_PATH = re.compile(r"(?:/[A-Za-z0-9\-._~!$&'()*+,;=:%]*)*", re.ASCII)


def _host(host: str) -> bool:
    if host.startswith("["):
        if not host.endswith("]"):
            return False
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    name = host.removesuffix(".")
    return (
        0 < len(name) <= 253
        and all(_HOST_LABEL.fullmatch(label) for label in name.split("."))
        # All digits is an IPv4 address or nothing: "1.2.3" or "999.1.1.1" is not a host.
        and (not name.replace(".", "").isdigit() or _ipv4(name))
    )


def _ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def endpoint_url(value: object, parameter: str = "endpoint_url") -> str:
    """Check an endpoint URL: ``http(s)://host[:port][/path]``, in plain ASCII.

    The host is a DNS name, an IPv4 address or a bracketed IPv6 address; the
    port, when given, is 1 to 65535. Refused: spaces and control characters,
    non-ASCII text (use the punycode form), any ``@`` (a ``user:password@``
    part: credentials come from keys or a profile, and a URL is shown in reprs
    and logs; the error does not echo such a URL), a query or a fragment.
    """
    if isinstance(value, str) and "@" in value:
        # Checked first, and never shown: the text may hold a password.
        raise ValidationError(
            parameter,
            "must not contain '@' (no user:password@; give keys or a profile instead)",
            show=False,
        )
    text = string(value, parameter)
    if not (text.isascii() and text.isprintable()) or " " in text:
        raise ValidationError(
            parameter, "must be plain ASCII, without spaces or control characters", text
        )
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise ValidationError(parameter, "must start with http:// or https://", text)
    authority, slash, path = rest.partition("/")
    if "?" in text or "#" in text:
        raise ValidationError(parameter, "must not have a query (?...) or fragment (#...)", text)
    host, port = authority, None
    if authority.startswith("["):
        close = authority.find("]")
        host, after = authority[: close + 1], authority[close + 1 :]
        if close < 0 or (after and not after.startswith(":")):
            raise ValidationError(parameter, "has a malformed [IPv6] host", text)
        port = after[1:] if after else None
    elif ":" in authority:
        host, _, port = authority.partition(":")
    if not _host(host):
        raise ValidationError(
            parameter, "must name a host: a DNS name, an IPv4 address or an [IPv6] address", text
        )
    if port is not None and not (_PORT.fullmatch(port) and 1 <= int(port) <= 65535):
        raise ValidationError(parameter, "must have a port from 1 to 65535 after ':'", text)
    if not _URL_PATH.fullmatch(slash + path):
        raise ValidationError(parameter, "has a path with characters a URL cannot hold", text)
    # The standard library must read the same host and port (what aiohttp will connect to).
    parts = urlsplit(text)
    if parts.port != (int(port) if port else None) or parts.username or parts.password:
        raise ValidationError(parameter, "is ambiguous to URL parsers", text)
    return text


def page_token(value: object, parameter: str = "page_token") -> str | None:
    """Check an optional page token: ``None``, or non-blank text that UTF-8 can encode.

    Tokens are the service's opaque text: anything else is taken, so that every
    token the service hands out (``next_page_token``, ``error.page_token``) can
    be passed back; the listing refuses the tokens this would refuse.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(parameter, f"must be a str, not {type(value).__name__}", value)
    if not sendable_token(value):
        raise ValidationError(
            parameter, "must not be blank or contain lone surrogates (UTF-8 cannot encode)", value
        )
    return value


def sendable_token(token: str) -> bool:
    """Whether a page token can be sent: not blank, and encodable as UTF-8."""
    if not token.strip():
        return False
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def aware_datetime(value: object, parameter: str) -> datetime:
    """Check that ``value`` is a timezone-aware ``datetime`` (naive ones are not guessed)."""
    if not isinstance(value, datetime):
        raise ValidationError(parameter, f"must be a datetime, not {type(value).__name__}", value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            parameter, "must be timezone-aware (e.g. datetime.now(timezone.utc))", value
        )
    return value


def time_window(start: object, end: object) -> tuple[datetime, datetime]:
    """Check ``start_time < end_time``, both aware."""
    start_time = aware_datetime(start, "start_time")
    end_time = aware_datetime(end, "end_time")
    if not start_time < end_time:
        raise ValidationError("end_time", "must be later than start_time", end_time)
    return start_time, end_time


def period(value: object, parameter: str = "period") -> int:
    """Check a metric period in seconds: 60..86400 and a whole number of minutes."""
    seconds = integer(value, parameter, low=PERIOD_MIN, high=PERIOD_MAX)
    if seconds % PERIOD_STEP:
        raise ValidationError(parameter, f"must be a multiple of {PERIOD_STEP} seconds", seconds)
    return seconds


def statistics(values: object, parameter: str = "statistics") -> list[str]:
    """Check a non-empty list of unique metric statistics."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        raise ValidationError(parameter, "must be a list of statistics", values)
    chosen = [choice(v, f"{parameter}[{i}]", METRIC_STATISTICS) for i, v in enumerate(values)]
    if not chosen:
        raise ValidationError(
            parameter, f"must name at least one of {_choices(METRIC_STATISTICS)}", chosen
        )
    if len(set(chosen)) != len(chosen):
        raise ValidationError(parameter, "must not repeat a statistic", chosen)
    return chosen


def _tag_text(text: str) -> bool:
    return all(unicodedata.category(c)[0] in _TAG_CATEGORIES or c in _TAG_PUNCTUATION for c in text)


def tags(value: object, parameter: str = "tags") -> list[dict[str, str]]:
    """Check a ``Mapping[str, str]`` of tags and return Lightsail's ``[{key, value}]`` form.

    Keys are 1 to 128 and values 0 to 256 Unicode letters, digits, spaces or
    ``+ - = . _ : / @``. A key with an empty value is allowed (Lightsail has
    key-only tags).
    """
    if not isinstance(value, Mapping):
        raise ValidationError(parameter, "must be a mapping of tag keys to values", value)
    if len(value) > _TAGS_MAX:
        raise ValidationError(parameter, f"must hold at most {_TAGS_MAX} tags", len(value))
    out: list[dict[str, str]] = []
    for key, tag_value in value.items():
        where = f"{parameter}[{key!r}]"
        string(key, f"{parameter} key")
        if len(key) > _TAG_KEY_MAX or not _tag_text(key):
            raise ValidationError(
                f"{parameter} key",
                f"must be 1 to {_TAG_KEY_MAX} letters, digits, spaces or + - = . _ : / @",
                key,
            )
        if key.lower().startswith("aws:"):
            raise ValidationError(f"{parameter} key", "the prefix 'aws:' is reserved by AWS", key)
        string(tag_value, where, allow_empty=True)
        if len(tag_value) > _TAG_VALUE_MAX or not _tag_text(tag_value):
            raise ValidationError(
                where,
                f"must be at most {_TAG_VALUE_MAX} letters, digits, spaces or + - = . _ : / @",
                tag_value,
            )
        out.append({"key": key, "value": tag_value})
    return out


def _cidrs(values: object, parameter: str, version: int) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(
            parameter, "must be a list of CIDR blocks, not a single string", values
        )
    out = []
    for i, item in enumerate(values):
        text = string(item, f"{parameter}[{i}]")
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            network = None
        if network is None or network.version != version or "/" not in text:
            raise ValidationError(
                f"{parameter}[{i}]",
                f"must be an IPv{version} CIDR block such as "
                + ("'203.0.113.0/24'" if version == 4 else "'2001:db8::/32'"),
                text,
            )
        out.append(text)
    return out


_PORT_INFO_FIELDS = ("from_port", "to_port", "protocol", "cidrs", "ipv6_cidrs", "cidr_list_aliases")


def port_info(value: Any, parameter: str = "port_info") -> dict[str, Any]:
    """Check a :class:`~aiolightsail.PortInfo` and return its wire form.

    ``from_port``, ``to_port`` and ``protocol`` are required, as the service
    requires them. Lightsail's API reference (``PortInfo``): for ``tcp``,
    ``udp`` and ``all`` the ports are ``0..65535`` with ``from_port <=
    to_port``; for ``icmp`` and ``icmpv6`` the fields carry the ICMP *type* and
    *code* ("specify 8 as the fromPort (ICMP type), and -1 as the toPort (ICMP
    code), to enable ICMP Ping"), so each is ``-1..255`` and no order between
    them is required. (The model's ``Port`` shape allows ``-1..65535`` for all.)
    """
    # Duck-typed so that this module needs nothing from _models (imports flow one way).
    if not all(hasattr(value, attr) for attr in _PORT_INFO_FIELDS):
        raise ValidationError(parameter, f"must be a PortInfo, not {type(value).__name__}", value)
    if value.protocol is None:
        raise ValidationError(f"{parameter}.protocol", "is required", None)
    protocol = choice(value.protocol, f"{parameter}.protocol", NETWORK_PROTOCOLS)
    icmp = protocol in {"icmp", "icmpv6"}
    low, high = (PORT_MIN, _ICMP_MAX) if icmp else (0, PORT_MAX)
    for attr in ("from_port", "to_port"):
        if getattr(value, attr) is None:
            raise ValidationError(f"{parameter}.{attr}", "is required", None)
        integer(getattr(value, attr), f"{parameter}.{attr}", low=low, high=high)
    if not icmp and value.from_port > value.to_port:
        raise ValidationError(
            f"{parameter}.from_port",
            f"must not be greater than to_port ({value.to_port})",
            value.from_port,
        )
    wire: dict[str, Any] = {
        "fromPort": value.from_port,
        "toPort": value.to_port,
        "protocol": protocol,
    }
    if value.cidrs:
        wire["cidrs"] = _cidrs(value.cidrs, f"{parameter}.cidrs", 4)
    if value.ipv6_cidrs:
        wire["ipv6Cidrs"] = _cidrs(value.ipv6_cidrs, f"{parameter}.ipv6_cidrs", 6)
    if value.cidr_list_aliases:
        wire["cidrListAliases"] = [
            choice(alias, f"{parameter}.cidr_list_aliases[{i}]", CIDR_LIST_ALIASES)
            for i, alias in enumerate(value.cidr_list_aliases)
        ]
    return wire


def user_data(value: object) -> str:
    """Check a launch script: any text that UTF-8 can encode (no lone surrogates).

    Its content is never echoed in the error (it may hold secrets).
    """
    if not isinstance(value, str):
        raise ValidationError("user_data", f"must be a str, not {type(value).__name__}", show=False)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "user_data", "must not contain lone surrogates (UTF-8 cannot encode them)", show=False
        ) from None
    return value


def metric_unit(value: object, metric: str, parameter: str = "unit") -> str:
    """Check the unit of ``metric`` (a checked metric name); ``None`` picks its one unit.

    Each instance metric is published in one unit, and the service refuses
    any other (Lightsail API reference, ``GetInstanceMetricData``).
    """
    expected = InstanceMetricName(metric).unit
    if value is None:
        return expected.value
    unit = choice(value, parameter, METRIC_UNITS)
    if unit != expected:
        raise ValidationError(
            parameter, f"{metric} is published in {expected.value!r} and takes no other unit", unit
        )
    return unit


def port_infos(values: object, parameter: str = "port_infos") -> list[dict[str, Any]]:
    """Check a sequence of :class:`~aiolightsail.PortInfo` (maybe empty); return the wire form."""
    if (
        not isinstance(values, Iterable)
        or isinstance(values, str | bytes)
        or all(hasattr(values, attr) for attr in _PORT_INFO_FIELDS)
    ):
        raise ValidationError(parameter, "must be a list of PortInfo", values)
    return [port_info(item, f"{parameter}[{i}]") for i, item in enumerate(values)]
