"""Keep secrets out of every log line that aiolightsail writes or lets its libraries write.

botocore's DEBUG logging prints request and response bodies
(``botocore.parsers``: "Response body", ``botocore.endpoint``: "Making
request ... with params"), the signer's canonical request (``botocore.auth``,
which contains ``x-amz-security-token``) and STS responses
(``SecretAccessKey``, ``SessionToken``). A ``GetInstanceAccessDetails``
response body carries a private key, and a ``CreateInstances`` request body
carries the user's launch script.

Redaction works by structure, in two passes, and fails closed:

1. **The arguments of a record, before formatting.** Bodies (``bytes``) and
   request dicts are redacted as what they are: a JSON member whose name is a
   secret's (:data:`SECRET_MEMBERS`) has its value replaced, found by reading
   the JSON (a complete document is decoded; a truncated one is scanned string
   by string, and a value that never ends is redacted to the end); the text of
   an STS ``<SecretAccessKey>`` or ``<SessionToken>`` element up to the next
   ``<`` (XML text cannot hold one); an ``X-Amz-Security-Token`` header to the
   end of its line; a mapping key that names a secret, whatever its value.
   Nothing here depends on how a secret is escaped, since it is read before
   any ``repr`` escapes it.
2. **The formatted message**, traceback included: every secret the library
   knows (:func:`register_secret`: keys, session tokens) is replaced in each
   form it can take in a log line (raw, JSON-, ``repr``-, XML- and
   URL-escaped); and wherever a secret member, element or header is still
   followed by anything but ``***`` (a body inside an object's ``repr``, a
   message quoting JSON), the line is cut there: ``***`` to the end.

:func:`install` attaches :class:`RedactingFilter` to every logger of the
``botocore``, ``aiobotocore``, ``aiohttp``, ``urllib3`` and ``aiolightsail``
namespaces. Filters on a logger only see records logged *to that logger* (not
those propagated from its children), so the filter goes on each logger by
name; ``install`` runs again whenever a client opens, to cover loggers that
modules imported since then created. The filter only runs for records that
pass the logger's level, so it costs nothing unless DEBUG logging is on.
``tests/reliability/test_redaction.py`` proves the result with secrets of
arbitrary text pushed through real DEBUG-logged requests.

The same filter keeps text from a server from forging a line: the record's
arguments are formatted with their control characters shown as escapes
(``aiolightsail._controls``), so an error code holding a newline and a fake
``CRITICAL`` stays inside its own line; the message's own format (a library's
``"Response body:\\n%r"``) is kept, and a traceback keeps its line breaks only.

The library's own loggers (the ``aiolightsail`` hierarchy, described in
``docs/guides/observability.md``) are made by :func:`logger`, which attaches
the filter at once. The top logger has a :class:`logging.NullHandler`, as the
logging HOWTO advises libraries: a program that configured no logging gets
none of the library's records on stderr (its failures reach the caller as
errors and ``stream.failures`` anyway).
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from aiolightsail._controls import neutralise

__all__ = [
    "SECRET_MEMBERS",
    "RedactingFilter",
    "install",
    "logger",
    "redact",
    "register_secret",
]

REDACTED = "***"

#: Names whose value is a secret, as JSON members, dict keys or query fields
#: (compared without case): access details, launch scripts, and credentials in
#: the forms botocore, STS and the credential providers use.
SECRET_MEMBERS = frozenset(
    name.lower()
    for name in (
        "privateKey",
        "password",
        "certKey",
        "ciphertext",
        "userData",
        "secretAccessKey",
        "aws_secret_access_key",
        "secret_key",
        "sessionToken",
        "aws_session_token",
        "security_token",
        "X-Amz-Security-Token",
        "Token",
    )
)
#: XML elements of STS answers whose text is a secret.
_SECRET_ELEMENTS = re.compile(r"<(SecretAccessKey|SessionToken)>([^<]*)", re.ASCII)
#: A header or query field that carries the session token, with its separator.
_TOKEN_FIELD = re.compile(r"(?i:x-amz-security-token)(?:['\"\\]*\s*[:=]\s*b?['\"\\]*)", re.ASCII)
#: A quoted name followed by ':' or '=', in any escaping: "name":, 'name':, \"name\":.
_QUOTED_NAME = re.compile(r"""(\\*["'])([A-Za-z_][\w-]{0,40})\1\s*[:=]\s*""", re.ASCII)
#: What may stand before a redacted value: a quote, maybe escaped, maybe of bytes.
_VALUE_OPENING = re.compile(r"""b?\\*["']""", re.ASCII)
#: A JSON string, possibly unterminated (then it runs to the end of the text).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)

#: Secrets known by value, newest last, each with the forms it takes in a log line.
_known: OrderedDict[str, tuple[str, ...]] = OrderedDict()
#: At most this many secrets are remembered (a refreshed STS session adds two an
#: hour); an older one that still shows up is caught by the structural rules.
_KNOWN_MAX = 256
#: Values shorter than this are not redacted by value: they would hide innocent text.
_KNOWN_MIN = 8


def _forms(value: str) -> tuple[str, ...]:
    """The forms ``value`` takes in a log line: raw, JSON, repr, bytes repr, XML, URL."""
    as_json = json.dumps(value)[1:-1]
    as_json_utf8 = json.dumps(value, ensure_ascii=False)[1:-1]
    forms = {
        value,
        as_json,
        as_json_utf8,
        repr(value)[1:-1],
        repr(value.encode("utf-8", "surrogatepass"))[2:-1],
        repr(as_json.encode())[2:-1],
        repr(as_json_utf8.encode("utf-8", "surrogatepass"))[2:-1],
        repr(as_json)[1:-1],
        html.escape(value, quote=False),
        quote(value, safe=""),
        quote_plus(value, safe=""),
    }
    return tuple(sorted((f for f in forms if len(f) >= _KNOWN_MIN), key=len, reverse=True))


def register_secret(value: str | None) -> None:
    """Redact this exact value (a secret key, a session token) wherever it appears."""
    if not value or len(value) < _KNOWN_MIN:
        return
    if value in _known:
        _known.move_to_end(value)
        return
    _known[value] = _forms(value)
    while len(_known) > _KNOWN_MAX:
        _known.popitem(last=False)


# -- pass 1: arguments, by structure -------------------------------------------------


def _json_value_end(text: str, start: int) -> int:
    """Where the JSON value starting at ``start`` ends (the end of the text if it never does)."""
    if text.startswith('"', start):
        match = _JSON_STRING.match(text, start)
        return match.end() if match and text[match.end() - 1 : match.end()] == '"' else len(text)
    if text[start : start + 1] in ("{", "["):
        depth, i = 0, start
        while i < len(text):
            char = text[i]
            if char == '"':
                match = _JSON_STRING.match(text, i)
                i = match.end() if match else len(text)
                continue
            if char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return len(text)
    stop = re.compile(r"[,}\]\s]").search(text, start)
    return stop.start() if stop else len(text)


def _redact_json_text(text: str) -> str:
    """Raw JSON text (whole or truncated) with every secret member's value redacted."""
    out: list[str] = []
    pos = 0
    while (match := _JSON_STRING.search(text, pos)) is not None:
        end = match.end()
        colon = re.compile(r"\s*:\s*").match(text, end)
        if colon is None:
            out.append(text[pos:end])
            pos = end
            continue
        try:
            name = json.loads(match.group())
        except ValueError:
            name = match.group().strip('"')
        value_start = colon.end()
        out.append(text[pos:value_start])
        pos = value_start
        if isinstance(name, str) and name.lower() in SECRET_MEMBERS:
            out.append(f'"{REDACTED}"')
            pos = _json_value_end(text, value_start)
    out.append(text[pos:])
    return "".join(out)


def _redact_fields(text: str) -> str:
    """STS elements and security-token header lines, in raw text."""
    text = _SECRET_ELEMENTS.sub(lambda m: f"<{m.group(1)}>{REDACTED}", text)
    return _cut_token_fields(text)


def _cut_token_fields(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _TOKEN_FIELD.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos : match.end()])
        pos = match.end()
        if not text.startswith(REDACTED, pos):
            # The token runs to the end of its line (a header value cannot hold one).
            newline = text.find("\n", pos)
            out.append(REDACTED)
            pos = len(text) if newline < 0 else newline
    out.append(text[pos:])
    return "".join(out)


def _redact_raw(text: str, *, body: bool) -> str:
    """A text argument: a JSON document is redacted member by member; a ``body`` (bytes
    on the wire: raw JSON, maybe truncated) is scanned string by string; any text has its
    STS elements and token headers redacted. Other text is left to the second pass,
    which does not assume how it is escaped."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            return json.dumps(_redact_value(document), ensure_ascii=False)
    if body and '"' in text:
        text = _redact_json_text(text)
    return _redact_fields(text)


def _redact_value(value: Any, depth: int = 0) -> Any:
    """``value`` (an argument of a log record) with secrets redacted, keeping its type."""
    if depth > 32:
        return REDACTED  # deeper than any request or answer: fail closed
    if isinstance(value, bytes):
        text = value.decode("utf-8", "surrogateescape")
        return _redact_raw(text, body=True).encode("utf-8", "surrogateescape")
    if isinstance(value, str):
        return _redact_raw(value, body=False)
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in SECRET_MEMBERS
            else _redact_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item, depth + 1) for item in value)
    return value  # shown by its own repr: the second pass reads it


# -- pass 2: the formatted text ------------------------------------------------------


def _cut_unredacted_names(text: str) -> str:
    """Cut the text where a secret's name is followed by anything but ``***``."""
    for match in _QUOTED_NAME.finditer(text):
        if match.group(2).lower() not in SECRET_MEMBERS:
            continue
        value = match.end()
        opening = _VALUE_OPENING.match(text, value)
        after = opening.end() if opening else value
        if not text.startswith(REDACTED, after):
            return text[:value] + REDACTED
    return text


def redact(text: str) -> str:
    """``text`` with every secret it can recognise replaced by ``***``.

    For text of unknown structure (a formatted log line, an error message): the
    secrets known by value, in all their forms; STS elements and token header
    lines; and the rest of the text from any secret member still unredacted.
    """
    for forms in list(_known.values()):
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
    text = _redact_fields(text)
    return _cut_unredacted_names(text)


class _Shown:
    """A log record's argument, formatted (``%s`` or ``%r``) with its controls as escapes."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return neutralise(str(getattr(self, "value", "")))

    def __repr__(self) -> str:
        # Read with a default: a half-built object must describe itself too.
        return neutralise(repr(getattr(self, "value", None)))


def _shown(value: object) -> object:
    # Numbers stay themselves, for %d and %.3f; they hold no text.
    return value if isinstance(value, int | float) else _Shown(value)


def _lines_shown(text: str) -> str:
    """Multi-line text (a traceback) with every control but its line breaks as escapes."""
    return "\n".join(map(neutralise, text.split("\n")))


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites a record with secrets redacted and controls shown
    as escapes (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if record.args:
                record.args = (
                    tuple(map(_shown, _redact_value(record.args)))
                    if isinstance(record.args, tuple)
                    else {
                        key: _shown(value)
                        for key, value in _redact_value(dict(record.args)).items()
                    }
                )
            message = (
                record.getMessage()
                if isinstance(record.msg, str)
                else neutralise(record.getMessage())
            )
        except Exception:  # noqa: BLE001 - a malformed record: keep nothing of it
            message = neutralise(f"{record.msg!s:.200}")
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            # Formatters append exc_text; the exception itself (its message, its
            # locals for some handlers) is not handed on.
            record.exc_info = None
        if record.exc_text:
            record.exc_text = _lines_shown(redact(record.exc_text))
        if record.stack_info:
            record.stack_info = _lines_shown(redact(record.stack_info))
        return True


_FILTER = RedactingFilter()
_NAMESPACES = ("botocore", "aiobotocore", "aiolightsail", "aiohttp", "urllib3")
# Loggers known to print bodies or signing material; created here so they are
# covered even before the modules that own them are imported.
_KNOWN = (
    "botocore.auth",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.hooks",
    "botocore.retryhandler",
    "botocore.credentials",
    "aiobotocore.endpoint",
    "aiobotocore.parsers",
    "aiobotocore.credentials",
    "aiohttp.client",
)


#: How many loggers existed when :func:`install` last looked (loggers are never removed).
_seen_loggers = -1


def install() -> None:
    """Attach the redacting filter to every logger of the covered namespaces (idempotent)."""
    global _seen_loggers
    known = len(logging.root.manager.loggerDict)
    if known == _seen_loggers:
        return  # no logger was made since: every one is covered already
    names = set(_KNOWN) | set(_NAMESPACES)
    names.update(
        name
        for name in list(logging.root.manager.loggerDict)
        if name.split(".", 1)[0] in _NAMESPACES
    )
    for name in names:
        logger(name)
    _seen_loggers = len(logging.root.manager.loggerDict)


def logger(name: str) -> logging.Logger:
    """The logger ``name`` with the redacting filter attached; the library makes its own so."""
    log = logging.getLogger(name)
    if _FILTER not in log.filters:
        log.addFilter(_FILTER)
    return log


logging.getLogger("aiolightsail").addHandler(logging.NullHandler())
