"""Error answers are judged by their status when their body says too little or too much.

Two rules, applied by the transport (``_transport``) to every error answer:

* **An unreadable error body is classified by its status.** botocore's error
  parsers assume the protocol's document: a body that is not UTF-8, JSON that
  is not an object, or XML that does not parse makes them raise, and the
  exception would escape the retry logic altogether, so even a 503 would not
  be retried. Before parsing, :func:`readable` replaces such a body by an
  empty error document of the protocol (:func:`empty`), which botocore reads
  as an error whose code is the HTTP status; and whatever botocore's parser
  still raises on an error answer (a body :func:`readable` let through), the
  transport reads that answer as the empty document too.
* **Every HTTP 429 is a throttle, whatever its body says.** botocore's
  ``standard`` retry mode retries a throttle by its *error code*
  (``ThrottlingException``...) and a transient failure by its status (500,
  502, 503, 504); a 429 with an empty body, an HTML page or another code is
  neither, and fails at once, although it is what a proxy or a load balancer
  in front of the service sends. Around botocore's own ``needs-retry``
  handler, :func:`judge_throttles` registers a first handler that gives a 429 answer the code
  ``TooManyRequestsException``, so botocore retries it as the throttle it is
  (its attempts, throttle backoff and retry quota), and a last one puts the
  code the server sent back, for the error the caller finally sees.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

__all__ = ["empty", "judge_throttles", "readable"]

#: A code that botocore's standard retry mode retries as a throttle.
_THROTTLE = "TooManyRequestsException"
#: Where the code the server sent waits while botocore decides.
_SENT = "aiolightsail:sent-code"
_MISSING = object()
#: The empty error document of each protocol, whose code is the HTTP status (botocore
#: fills in the status itself for JSON).
_EMPTY = {
    "json": "{{}}",
    "query": "<ErrorResponse><Error><Code>{}</Code><Message></Message></Error></ErrorResponse>",
}


def _readable(protocol: str, body: bytes) -> bool:
    """Whether botocore's error parser for ``protocol`` can read ``body``."""
    if not body.strip():
        return protocol == "json"  # botocore reads an empty JSON body as no document
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if protocol == "json":
        try:
            document = json.loads(text)
        except ValueError:
            return True  # botocore keeps text that is not JSON as the message
        except RecursionError:
            return False  # nested past the decoder's depth: botocore's parser would raise
        return isinstance(document, dict)
    try:
        # Parsed only to be judged, as botocore would parse it next; expat refuses
        # entity-expansion bombs itself (Python 3.7.1+).
        ElementTree.fromstring(body)  # noqa: S314
    except (ElementTree.ParseError, RecursionError):
        return False
    return True


def readable(protocol: str, status: int, body: bytes) -> bytes:
    """The body of an error answer (``status`` >= 300) as botocore's parser should read it."""
    if protocol in _EMPTY and not _readable(protocol, body):
        return empty(protocol, status)
    return body


def empty(protocol: str, status: int) -> bytes:
    """The empty error document of ``protocol``: botocore reads it as the error ``status``."""
    return _EMPTY[protocol].format(status).encode()


def _as_throttle(response: Any = None, **_: Any) -> None:
    if response is None:
        return
    http, parsed = response
    if http is None or http.status_code != 429 or not isinstance(parsed, dict):
        return
    error = parsed.setdefault("Error", {})
    if isinstance(error, dict):
        error[_SENT] = error.get("Code", _MISSING)
        error["Code"] = _THROTTLE


def _restore(response: Any = None, **_: Any) -> None:
    if response is None:
        return
    _, parsed = response
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and _SENT in error:
        sent = error.pop(_SENT)
        if sent is _MISSING:
            del error["Code"]
        else:
            error["Code"] = sent


def judge_throttles(events: Any, service: str) -> None:
    """Register the 429 rule around botocore's ``needs-retry`` handler on ``events``.

    ``service`` is the hyphenated service id of the events (``"lightsail"``, ``"sts"``).
    """
    retry = f"needs-retry.{service}"
    events.register_first(retry, _as_throttle, unique_id=f"aiolightsail-429-{service}")
    events.register_last(retry, _restore, unique_id=f"aiolightsail-429-done-{service}")
