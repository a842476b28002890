"""Keep secrets out of every log line that aiolightsail writes or lets botocore write.

botocore's DEBUG logging prints request and response bodies
(``botocore.parsers``: "Response body", ``botocore.endpoint``: "Making
request ... with params"), the signer's canonical request
(``botocore.auth``, which contains ``x-amz-security-token``) and STS
responses (``SecretAccessKey``, ``SessionToken``). A
``GetInstanceAccessDetails`` response body carries a private key, and a
``CreateInstances`` request body carries the user's launch script.

:func:`install` attaches :class:`RedactingFilter` to every logger of the
``botocore``, ``aiobotocore`` and ``aiolightsail`` namespaces. Filters on a
logger only see records logged *to that logger* (not those propagated from its
children), so the filter goes on each logger by name; ``install`` runs again
whenever a client opens, to cover loggers that modules imported since then
created. The filter only runs for records that pass the logger's level, so it
costs nothing unless DEBUG logging is on.
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactingFilter", "install", "redact", "register_secret"]

REDACTED = "***"

_REDACTED_MEMBERS = (
    "privateKey|password|certKey|ciphertext|userData|"
    "secretAccessKey|SecretAccessKey|aws_secret_access_key|"
    "sessionToken|SessionToken|aws_session_token|Token"
)
_PATTERNS = (
    # JSON members, in raw bodies and in reprs of bytes: "privateKey": "..."
    re.compile(rf'("(?:{_REDACTED_MEMBERS})"\s*:\s*")((?:[^"\\]|\\.)*)(")'),
    # Python dict reprs: 'privateKey': '...'
    re.compile(rf"('(?:{_REDACTED_MEMBERS})'\s*:\s*')((?:[^'\\]|\\.)*)(')"),
    # STS XML: <SecretAccessKey>...</SecretAccessKey>, <SessionToken>...</SessionToken>
    re.compile(r"(<(SecretAccessKey|SessionToken)>)(.*?)(</\2>)", re.DOTALL),
    # Headers in reprs (str or bytes values) and in the canonical request:
    # 'X-Amz-Security-Token': b'...', x-amz-security-token:...
    re.compile(r"""((?i:x-amz-security-token)['"]?\s*[:=]\s*b?['"]?)([^'"\s,}]+)()"""),
)

_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Redact this exact value (a secret key, a session token) wherever it appears."""
    # Very short values would redact innocent text; real keys are 16+ characters.
    if value and len(value) >= 8:
        _known.add(value)


def _sub(match: re.Match[str]) -> str:
    groups = match.groups()
    if len(groups) == 4:  # the XML pattern has the tag name as an extra group
        return f"{groups[0]}{REDACTED}{groups[3]}"
    return f"{groups[0]}{REDACTED}{groups[2]}"


def redact(text: str) -> str:
    """``text`` with every secret it can recognise replaced by ``***``."""
    for pattern in _PATTERNS:
        text = pattern.sub(_sub, text)
    for value in _known:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites a record's message with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's business, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_FILTER = RedactingFilter()
_NAMESPACES = ("botocore", "aiobotocore", "aiolightsail", "urllib3")
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
)


def install() -> None:
    """Attach the redacting filter to every logger of the covered namespaces (idempotent)."""
    names = set(_KNOWN) | set(_NAMESPACES)
    names.update(
        name
        for name in list(logging.root.manager.loggerDict)
        if name.split(".", 1)[0] in _NAMESPACES
    )
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
