"""The lean request path: one request built, signed, sent, retried and read by us.

aiobotocore's generic request path (``_make_api_call``: event hooks, endpoint
rules, a User-Agent rebuilt per request, a handler chain, a shape-walking
parser) cost ~1.3 ms of CPU per page and a few hundred objects per client that
every full garbage collection walked (``docs/design.md``, "The lean request
path"). A :class:`Transport` does only what a Lightsail (JSON 1.1) or STS
(query) call needs:

* **the request**: ``POST /`` with the JSON body and ``X-Amz-Target`` built
  here (STS: botocore's query serializer), signed with botocore's
  :class:`~botocore.auth.SigV4Auth` with credentials from aiobotocore (which
  keeps resolving and refreshing them);
* **the wire**: one aiohttp session per event loop shared by every open
  transport (:func:`open_http`), with ``allow_redirects=False`` (a 3xx raises
  :class:`~aiolightsail._botocore._http.Redirected`), a total deadline per
  attempt (``attempt_timeout``) besides the connect and read timeouts, at most
  ``max_pool_connections`` requests in flight per transport, the configured
  or environment proxies and one SSL context per verification setting;
* **the logs**: each request and answer at DEBUG on ``botocore.endpoint`` and
  ``botocore.parsers``, with botocore's messages, redacted (``_logging``);
* **the answer**: a success of the table's operations is handed over
  undecoded, for the models to decode (``_parsing``); errors and STS answers are read by
  botocore's parsers, after the rules of ``_error_answers`` (an unreadable
  error body is judged by its status; every 429 is a throttle);
* **the retries**: botocore's own ``standard`` retry handler (its retryable
  errors, backoff, retry quota) and, in ``adaptive`` mode, aiobotocore's
  client rate limiter, registered as botocore registers them and fired in
  the order and with the arguments botocore's endpoint fires them; the loop
  that sends, waits and sends again is this module's.

Failures are botocore's exceptions (a ``ClientError`` per error answer,
botocore's connection and timeout errors per aiohttp failure, mapped as
aiobotocore maps them), so ``_translate`` reads them as before.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
import aiohttp.http_exceptions
import orjson
from botocore import exceptions as bce
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.parsers import ResponseParserError, create_parser
from botocore.retries import standard
from botocore.serialize import create_serializer

from aiolightsail import _logging
from aiolightsail._botocore import _credentials, _error_answers
from aiolightsail._botocore._http import Redirected
from aiolightsail._botocore._parsing import read_lean

if TYPE_CHECKING:
    import ssl

    from botocore.model import OperationModel, ServiceModel

__all__ = [
    "Answer",
    "Retries",
    "Sending",
    "Transport",
    "UncertainWrite",
    "close_http",
    "open_http",
]

# Requests and answers are logged where botocore logs them, with its messages, so a
# program that turned botocore's DEBUG logging on sees the same lines (redacted:
# ``_logging`` filters both loggers); the aiolightsail loggers never carry bodies.
_requests_log = _logging.logger("botocore.endpoint")
_answers_log = _logging.logger("botocore.parsers")

#: The header botocore's HTTP layer sends so that answers are not compressed
#: (https://github.com/boto/botocore/issues/1255).
_IDENTITY = "identity"

#: The largest answer read: 16 MiB. Lightsail's largest answers (a page of
#: fully-populated instances, a day of metric data points) are well under 1 MiB;
#: a longer body is refused before it is read whole, so a broken or hostile
#: server cannot make the client hold gigabytes (``docs/reliability.md``).
MAX_ANSWER_BYTES = 16 * 1024 * 1024


async def _read_bounded(response: aiohttp.ClientResponse) -> bytes:
    """The whole body of ``response``, read to at most :data:`MAX_ANSWER_BYTES`.

    A ``Content-Length`` over the bound is refused before any of the body is
    read; without one (chunked), or with a lying one, the count of bytes read
    decides. Past the bound, an error answer reads as empty (its status judges
    it, as for any unreadable error body); a success is refused, not retried
    (a server that answered that much would answer it again).

    Raises:
        ResponseParserError: a success answer longer than :data:`MAX_ANSWER_BYTES`.
    """
    length = response.content_length
    too_long = length is not None and length > MAX_ANSWER_BYTES
    chunks: list[bytes] = []
    size = 0
    if not too_long:
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                too_long = True
                break
            chunks.append(chunk)
    if not too_long:
        return b"".join(chunks)
    if response.status >= 400:
        return b""
    raise ResponseParserError(f"the answer is longer than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")


class Answer:
    """One HTTP answer, read whole: what botocore's retry checkers and parsers read."""

    __slots__ = ("body", "headers", "status_code", "url")

    def __init__(self, url: str, status_code: int, headers: dict[str, str], body: bytes) -> None:
        self.url = url
        self.status_code = status_code
        self.headers = headers
        self.body = body

    @property
    def content(self) -> bytes:
        """The body (botocore's name for it)."""
        return self.body


# -- writes whose outcome is uncertain ---------------------------------------------


class Sending:
    """What a write's call tells its caller of its requests (see :meth:`Transport.call`).

    Attributes:
        in_doubt: whether the last request may have reached the service with no
            answer yet that says what happened: set when a request is sent, cleared
            by an answer that says (any status below 500, read) or a failure that
            proves it was never sent (the connection could not be made).
    """

    __slots__ = ("in_doubt",)

    def __init__(self) -> None:
        self.in_doubt = False


class UncertainWrite(Exception):  # noqa: N818 - a signal for the write rule, never seen by callers
    """A write's request may have reached the service, and no answer says what happened.

    Raised instead of retrying: a write is not re-sent blind (``aiolightsail._writes``
    decides, with a read). ``failure`` is what the attempt ended with, as botocore's
    exception (a ``ClientError`` for a 5xx answer), for ``translate``.
    """

    def __init__(self, failure: Exception) -> None:
        self.failure = failure
        super().__init__(f"the outcome of a write is uncertain: {type(failure).__name__}")


#: aiohttp's failures that prove the request never left: the connection was not made.
_NEVER_SENT = (
    aiohttp.ClientConnectorError,  # refused, unreachable, DNS, TLS handshake, proxy connect
    aiohttp.ClientHttpProxyError,  # the proxy refused the CONNECT tunnel
    aiohttp.ConnectionTimeoutError,
    socket.gaierror,
)


def _uncertain(answer: Answer | None, caught: Exception | None) -> bool:
    """Whether an attempt that ended with ``answer`` or ``caught`` may have done its write.

    A 5xx answer, or a failure after the connection was made (reset, closed,
    timed out, ``attempt_timeout``): the service may have acted. An answer
    below 500, or a connection never made: it did not (a 4xx says nothing was done).
    """
    if answer is not None:
        return answer.status_code >= 500
    return caught is not None and not isinstance(caught.__cause__, _NEVER_SENT)


# -- one aiohttp session per event loop ------------------------------------------


class _LoopHTTP:
    __slots__ = ("session", "users")

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.users = 0


# Per event loop, one shared session per socket setting (TCP keep-alive on or off).
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[bool, _LoopHTTP]] = (
    weakref.WeakKeyDictionary()
)


def _keepalive_socket(address: Any) -> socket.socket:
    """A socket for ``address`` (an ``addrinfo`` tuple) with TCP keep-alive on, as
    botocore's ``Config(tcp_keepalive=True)`` asks (``SO_KEEPALIVE``)."""
    family, kind, proto, _name, _address = address
    sock = socket.socket(family=family, type=kind, proto=proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock


def open_http(*, tcp_keepalive: bool = False) -> aiohttp.ClientSession:
    """The running loop's shared aiohttp session, counted as used until :func:`close_http`.

    Transports that ask for TCP keep-alive share one session whose sockets
    have it, the others another. The connector has no global limit: each
    transport bounds its own requests in flight (``max_pool_connections``),
    as each aiobotocore client's pool did.
    """
    loop = asyncio.get_running_loop()
    sessions = _per_loop.setdefault(loop, {})
    shared = sessions.get(tcp_keepalive)
    if shared is None or shared.session.closed:
        connector = (
            aiohttp.TCPConnector(limit=0, socket_factory=_keepalive_socket)
            if tcp_keepalive
            else aiohttp.TCPConnector(limit=0)
        )
        session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
        )
        shared = sessions[tcp_keepalive] = _LoopHTTP(session)
    shared.users += 1
    return shared.session


async def close_http(session: aiohttp.ClientSession) -> None:
    """Stop counting one user of ``session``; the last one closes it."""
    sessions = _per_loop.get(asyncio.get_running_loop(), {})
    for key, shared in sessions.items():
        if shared.session is session:
            shared.users -= 1
            if shared.users <= 0:
                del sessions[key]
                await session.close()
            return
    await session.close()


# -- retries -----------------------------------------------------------------------


class _Handlers:
    """Where botocore's ``register_retry_handler`` (and ours) register their handlers.

    Called in the order botocore's event emitter calls them: handlers of the
    more specific event (``needs-retry.lightsail``) before those of the
    general one (``needs-retry``), and at each the first, the plain, then the
    last ones; every handler runs, and the first answer that is not ``None``
    counts. Without an emitter, a client needs no handler trie, and
    registering costs no signature inspection.
    """

    __slots__ = ("_by_event",)

    def __init__(self) -> None:
        self._by_event: dict[str, tuple[list[Any], list[Any], list[Any]]] = {}

    def _at(self, event: str) -> tuple[list[Any], list[Any], list[Any]]:
        return self._by_event.setdefault(event, ([], [], []))

    def register_first(self, event: str, handler: Any, unique_id: str | None = None) -> None:
        """Run ``handler`` before the others of ``event``."""
        self._at(event)[0].append(handler)

    def register(self, event: str, handler: Any, unique_id: str | None = None) -> None:
        """Run ``handler`` for ``event``."""
        self._at(event)[1].append(handler)

    def register_last(self, event: str, handler: Any, unique_id: str | None = None) -> None:
        """Run ``handler`` after the others of ``event``."""
        self._at(event)[2].append(handler)

    def chain(self, kind: str, service: str) -> tuple[Any, ...]:
        """Every handler of ``kind`` (``"needs-retry"``...) for ``service``, in order."""
        chained: list[Any] = []
        for event in (f"{kind}.{service}", kind):
            first, middle, last = self._by_event.get(event, ([], [], []))
            chained += [*first, *middle, *last]
        return tuple(chained)


async def _fire(handlers: tuple[Any, ...], **kwargs: Any) -> Any:
    """Call ``handlers`` (awaiting the asynchronous ones); the first answer not ``None``."""
    answer = None
    for handler in handlers:
        result = handler(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        if answer is None:
            answer = result
    return answer


class Retries:
    """The retry policy of one transport: botocore's handlers, fired as botocore fires them.

    ``mode`` is botocore's: ``standard`` (its retryable errors, exponential
    backoff with full jitter, a retry quota of 500 tokens per transport) or
    ``adaptive`` (``standard`` plus aiobotocore's client-side rate limiter).
    ``total_max_attempts`` counts the first attempt.
    """

    __slots__ = (
        "after_call",
        "before_send",
        "handlers",
        "needs_retry",
        "request_created",
        "service",
        "total_max_attempts",
    )

    def __init__(self, service_model: ServiceModel, *, mode: str, total_max_attempts: int) -> None:
        if mode not in ("standard", "adaptive"):
            raise bce.InvalidRetryModeError(
                provided_retry_mode=mode, valid_modes="standard, adaptive"
            )
        handlers = self.handlers = _Handlers()
        self.service = service_model.service_id.hyphenize()
        self.total_max_attempts = total_max_attempts
        # botocore registers its handler on a client; this stand-in has what it reads.
        owner: Any = _Owner(handlers, service_model)
        standard.register_retry_handler(owner, max_attempts=total_max_attempts)
        _error_answers.judge_throttles(handlers, self.service)
        if mode == "adaptive":
            _register_rate_limiter(handlers)
        self.chain()

    def chain(self) -> None:
        """Put the handlers registered so far in the order they are called."""
        self.request_created = self.handlers.chain("request-created", self.service)
        self.before_send = self.handlers.chain("before-send", self.service)
        self.needs_retry = self.handlers.chain("needs-retry", self.service)
        self.after_call = self.handlers.chain("after-call", self.service)


class _Meta:
    __slots__ = ("events", "service_model")

    def __init__(self, events: _Handlers, service_model: ServiceModel) -> None:
        self.events = events
        self.service_model = service_model


class _Owner:
    __slots__ = ("meta",)

    def __init__(self, events: _Handlers, service_model: ServiceModel) -> None:
        self.meta = _Meta(events, service_model)


def _register_rate_limiter(events: _Handlers) -> None:
    """aiobotocore's adaptive rate limiter, built as its ``register_retry_handler`` builds it."""
    from aiobotocore.retries import bucket
    from aiobotocore.retries.adaptive import AsyncClientRateLimiter
    from botocore.retries import throttling
    from botocore.retries.adaptive import RateClocker

    clock = bucket.Clock()
    # The stubs type these as botocore's synchronous classes; they are aiobotocore's async ones.
    token_bucket: Any = bucket.AsyncTokenBucket(max_rate=1, clock=clock)
    limiter: Any = AsyncClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(
            starting_max_rate=0, start_time=clock.current_time()
        ),
        rate_clocker=RateClocker(clock),
        token_bucket=token_bucket,
        throttling_detector=standard.ThrottlingErrorDetector(
            retry_event_adapter=standard.RetryEventAdapter()
        ),
        clock=clock,
    )
    events.register("before-send", limiter.on_sending_request)
    events.register("needs-retry", limiter.on_receiving_response)


# -- the transport -------------------------------------------------------------------


class _Request:
    """What ``request-created`` handlers read of an attempt: its request dict and context."""

    __slots__ = ("context", "request_dict")

    def __init__(self, request_dict: dict[str, Any], context: dict[str, Any]) -> None:
        self.request_dict = request_dict
        self.context = context


def _json_default(value: object) -> object:
    """Timestamps as botocore's JSON serializer sends them: whole seconds since the epoch."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(f"{type(value).__name__} is not a JSON 1.1 parameter")


class Transport:
    """Requests of one service in one region with one set of credentials (see the module).

    Attributes:
        region: the region of the requests.
        max_attempts: the attempts per call, the first included.
        config: the botocore config the transport was set up from.

    Args:
        region: the region of the requests.
        http: the loop's shared aiohttp session (from :func:`open_http`;
            :meth:`aclose` hands it back).
        service_model: botocore's model of the service.
        url: the endpoint URL, resolved once.
        signing: (signing name, signing region) for SigV4.
        credentials: aiobotocore credentials (``None``: every call raises
            ``NoCredentialsError``).
        retries: the retry policy (its handlers also report to the instrumentation).
        timeout: aiohttp's timeouts of one attempt (total, connect, read).
        ssl_context: the SSL context, or ``False`` not to verify.
        proxy: (proxy URL, proxy headers), or ``None``.
        user_agent: the ``User-Agent`` header.
        max_pool_connections: the most requests in flight at once.
        config: the botocore config all of the above was read from.
    """

    def __init__(
        self,
        *,
        region: str,
        http: aiohttp.ClientSession,
        service_model: ServiceModel,
        url: str,
        signing: tuple[str, str],
        credentials: Any,
        retries: Retries,
        timeout: aiohttp.ClientTimeout,
        ssl_context: ssl.SSLContext | bool,
        proxy: tuple[str, dict[str, str]] | None,
        user_agent: str,
        max_pool_connections: int,
        config: Any = None,
    ) -> None:
        self.region = region
        self.config = config
        self.max_attempts = retries.total_max_attempts
        self._http: aiohttp.ClientSession | None = http
        self._model = service_model
        self._protocol = service_model.protocol
        self._url = _joined(url)
        self._signing_name, self._signing_region = signing
        self._credentials = credentials
        self.retries = retries
        self._timeout = timeout
        self._ssl = ssl_context
        self._proxy: str | None = None
        self._proxy_headers: dict[str, str] | None = None
        if proxy:
            self._proxy, authorization = _proxy_parts(proxy[0])
            self._proxy_headers = {**proxy[1], **authorization}
        self._slots = asyncio.Semaphore(max_pool_connections)
        self._headers = {"User-Agent": user_agent, "Accept-Encoding": _IDENTITY}
        if self._protocol == "json":
            version = service_model.metadata.get("jsonVersion", "1.1")
            self._target = f"{service_model.metadata['targetPrefix']}."
            self._headers["Content-Type"] = f"application/x-amz-json-{version}"

    @property
    def endpoint_url(self) -> str:
        """Where the requests go."""
        return self._url

    async def call(
        self, operation: str, params: Mapping[str, Any], *, write: Sending | None = None
    ) -> dict[str, Any]:
        """Send one request of ``operation`` (signed, retried) and return the parsed answer.

        ``write`` marks a write: an attempt whose outcome is uncertain (a 5xx, a
        failure after the connection was made, a success that cannot be read)
        is not retried but raised as :class:`UncertainWrite`, and ``write`` tells
        whether a request is in doubt when the call is cancelled (its deadline).
        Failures that say nothing was done are retried as for any call.

        Raises:
            botocore's exceptions (``ClientError`` for an error answer),
            :class:`~aiolightsail._botocore._http.Redirected` for a 3xx;
            callers translate them.
        """
        model = self._model.operation_model(operation)
        body, headers = self._serialize(model, params)
        context: dict[str, Any] = {}
        request_dict = {
            "url_path": "/",
            "query_string": "",
            "method": "POST",
            "headers": headers,
            "body": body,
            "url": self._url,
            "context": context,
        }
        retries = self.retries
        if _requests_log.isEnabledFor(logging.DEBUG):
            _requests_log.debug("Making request for %s with params: %s", model, request_dict)
        attempts = 0
        progress: dict[str, Any] = {}
        context["retries"] = progress
        while True:
            attempts += 1
            progress["attempt"] = attempts
            if retries.request_created:
                await _fire(
                    retries.request_created,
                    request=_Request(request_dict, context),
                    operation_name=operation,
                )
            if retries.before_send:
                await _fire(retries.before_send, request=request_dict)
            answer: Answer | None = None
            parsed: dict[str, Any] | None = None
            caught: Exception | None = None
            try:
                answer = await self._send(body, headers, write)
                if answer is not None:
                    parsed = await self._parse(answer, model)
            except (bce.HTTPClientError, bce.ConnectionError) as exc:
                caught = exc
            except ResponseParserError as exc:  # a success that cannot be read
                if write is None:
                    raise
                raise UncertainWrite(exc) from exc
            delay = await _fire(
                retries.needs_retry,
                response=None if answer is None else (answer, parsed),
                endpoint=self,
                operation=model,
                attempts=attempts,
                caught_exception=caught,
                request_dict=request_dict,
            )
            if write is not None:
                write.in_doubt = _uncertain(answer, caught)
                if write.in_doubt:
                    failure = caught or bce.ClientError(parsed, operation)  # type: ignore[arg-type]
                    raise UncertainWrite(failure) from caught
            if delay is None:
                break
            await asyncio.sleep(delay)
        if caught is not None:
            raise caught
        assert answer is not None  # noqa: S101 - no exception: an answer
        assert parsed is not None  # noqa: S101 - and its reading
        if "ResponseMetadata" in parsed:
            parsed["ResponseMetadata"]["RetryAttempts"] = attempts - 1
        await _fire(
            retries.after_call,
            http_response=answer,
            parsed=parsed,
            model=model,
            context=context,
        )
        if answer.status_code >= 300:
            raise bce.ClientError(parsed, operation)  # type: ignore[arg-type]  # botocore's dict
        return parsed

    def _serialize(
        self, model: OperationModel, params: Mapping[str, Any]
    ) -> tuple[bytes, dict[str, str]]:
        if self._protocol == "json":
            body = orjson.dumps(
                params, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME
            )
            return body, {**self._headers, "X-Amz-Target": self._target + model.name}
        request = create_serializer(self._protocol, include_validation=False).serialize_to_request(
            params, model
        )
        form = request["body"]
        data = urlencode(form, doseq=True).encode() if isinstance(form, dict) else form
        return data, {**self._headers, **request["headers"]}

    async def _sign(self, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        credentials = self._credentials
        if credentials is None:
            raise bce.NoCredentialsError
        frozen = await _credentials.frozen(credentials)  # refreshed if due, checked
        request = AWSRequest(method="POST", url=self._url, data=body, headers=headers)
        SigV4Auth(frozen, self._signing_name, self._signing_region).add_auth(request)
        return dict(request.headers.items())

    async def _send(
        self, body: bytes, headers: dict[str, str], write: Sending | None = None
    ) -> Answer:
        """One attempt: sign, send, read the whole body; a 3xx raises :class:`Redirected`."""
        http = self._http
        if http is None:
            raise RuntimeError("this transport is closed")
        signed = await self._sign(body, headers)
        url = self._url
        async with self._slots:
            if write is not None:
                write.in_doubt = True  # from here on, the request may reach the service
            try:
                async with http.request(
                    "POST",
                    url,
                    data=body,
                    headers=signed,
                    allow_redirects=False,
                    timeout=self._timeout,
                    ssl=self._ssl,
                    proxy=self._proxy,
                    proxy_headers=self._proxy_headers,
                ) as response:
                    status = response.status
                    redirect = 300 <= status < 400
                    raw_headers = response.raw_headers
                    content = b"" if redirect else await _read_bounded(response)
            except (asyncio.CancelledError, ResponseParserError):
                raise
            except Exception as exc:
                _scrub(exc)
                _requests_log.debug(
                    "Exception received when sending the HTTP request", exc_info=True
                )
                raise _as_botocore(exc, url, self._proxy) from exc
        if redirect:
            raise Redirected(status, _location(raw_headers))
        answer = Answer(
            url,
            status,
            # ISO-8859-1, HTTP's historical header charset: any bytes decode (a hostile
            # header of bytes that are not UTF-8 must not raise here).
            {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in raw_headers},
            content,
        )
        if _answers_log.isEnabledFor(logging.DEBUG):
            _answers_log.debug("Response headers: %r", answer.headers)
            _answers_log.debug("Response body:\n%r", content)
        return answer

    async def _parse(self, answer: Answer, model: OperationModel) -> dict[str, Any]:
        """The answer as botocore's parsed dict: lean for a JSON success, botocore's otherwise.

        Every answer is checked here, whatever it holds: an error answer that
        cannot be read is read as the empty error document of its status
        (``_error_answers``), and a success that cannot be read is a
        :class:`ResponseParserError` that names what did not fit, never the
        decoder's own exception (a ``RecursionError`` for JSON nested 100,000
        deep would otherwise end a whole fleet stream, not one target).

        Raises:
            ResponseParserError: a success answer that cannot be read.
        """
        status = answer.status_code
        try:
            return await self._read(answer, model, answer.body)
        except Exception as exc:
            if status >= 300:
                # An error answer is judged by its status, whatever its body raised.
                empty = _error_answers.empty(self._protocol, status)
                return await self._read(answer, model, empty)
            if isinstance(exc, ResponseParserError):
                raise
            raise ResponseParserError(
                f"the answer does not fit: {type(exc).__name__}: {exc}"
            ) from exc

    async def _read(self, answer: Answer, model: OperationModel, body: bytes) -> dict[str, Any]:
        status = answer.status_code
        if status < 300 and self._protocol == "json":
            return await read_lean(body)
        if status >= 300:
            body = _error_answers.readable(self._protocol, status, body)
        parser = create_parser(self._protocol)
        response = {"status_code": status, "headers": answer.headers, "body": body}
        output: Any = model.output_shape
        parsed: dict[str, Any] = parser.parse(response, output)
        if status >= 300:
            code = parsed.get("Error", {}).get("Code")
            shape = self._model.shape_for_error_code(code) if code else None
            if shape is not None:
                parsed.update(parser.parse(response, shape))
        return parsed

    async def aclose(self) -> None:
        """Hand the shared HTTP session back (the loop's last user closes it). Idempotent."""
        http, self._http = self._http, None
        if http is not None:
            await close_http(http)


def _proxy_parts(proxy_url: str) -> tuple[str, dict[str, str]]:
    """A proxy URL without its user and password, and the header that carries them.

    A password in a proxy URL (``http://user:password@proxy:3128``) must never
    show: aiohttp puts the URL it was given into its exceptions' messages (a
    407 or a refused ``CONNECT`` is ``ClientHttpProxyError(..., url=...)``),
    which a traceback, a log record's ``exc_info`` and every chained
    exception print. So aiohttp never sees the password in a URL: it gets the
    bare URL, and the credentials only as the ``Proxy-Authorization`` header
    (UTF-8, so a password of any characters can be sent). The password and
    that header's value are also registered as secrets with the log filter
    (``_logging``), which removes them from any line they still reach.
    """
    from yarl import URL

    url = URL(proxy_url)
    if url.user is None and url.password is None:
        return proxy_url, {}
    credential = aiohttp.encode_basic_auth(url.user or "", url.password or "")
    for secret in (url.password, url.raw_password, credential, credential.partition(" ")[2]):
        _logging.register_secret(secret)
    return str(url.with_user(None)), {"Proxy-Authorization": credential}


#: Request headers that carry credentials, as aiohttp keeps them in an exception.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "x-amz-security-token"})


def _scrub(exc: Exception) -> None:
    """Mask the credentials of the request ``exc`` failed on, where ``exc`` keeps them.

    aiohttp's response errors (a proxy's 407 is one) keep the request's headers
    (``request_info``), printed by their ``repr``: a proxy's
    ``Proxy-Authorization`` holds its user and password in base64. ``exc``
    becomes the ``__cause__`` of what the caller gets, so those headers are
    masked before it is chained.
    """
    info = getattr(exc, "request_info", None)
    if isinstance(exc, aiohttp.ClientResponseError) and info is not None:
        from multidict import CIMultiDict, CIMultiDictProxy

        headers = CIMultiDict(
            (key, "***" if key.lower() in _CREDENTIAL_HEADERS else value)
            for key, value in info.headers.items()
        )
        exc.request_info = info._replace(headers=CIMultiDictProxy(headers))


def _joined(endpoint_url: str) -> str:
    """The URL of ``POST /`` at ``endpoint_url``, as botocore joins them."""
    from urllib.parse import urlsplit, urlunsplit

    scheme, netloc, path, query, _ = urlsplit(endpoint_url)
    path = path.rstrip("/") + "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def _as_botocore(exc: Exception, url: str, proxy: str | None) -> Exception:
    """``exc``, raised by aiohttp while sending, as the botocore exception aiobotocore raises."""
    from botocore.httpsession import mask_proxy_url

    if isinstance(exc, aiohttp.ClientSSLError):
        return bce.SSLError(endpoint_url=url, error=exc)
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return bce.ProxyConnectionError(proxy_url=mask_proxy_url(proxy or ""), error=exc)
    if isinstance(
        exc,
        aiohttp.ServerDisconnectedError
        | aiohttp.ClientPayloadError
        | aiohttp.http_exceptions.BadStatusLine,
    ):
        return bce.ConnectionClosedError(error=exc, request=None, endpoint_url=url)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        if str(exc).lower().startswith("connect"):
            return bce.ConnectTimeoutError(endpoint_url=url, error=exc)
        return bce.ReadTimeoutError(endpoint_url=url, error=exc)
    if isinstance(exc, aiohttp.ClientConnectionError | socket.gaierror):
        return bce.EndpointConnectionError(endpoint_url=url, error=exc)
    if isinstance(exc, TimeoutError):
        return bce.ReadTimeoutError(endpoint_url=url, error=exc)
    return bce.HTTPClientError(error=exc)


def _location(raw_headers: Any) -> str | None:
    for key, value in raw_headers:
        if key.lower() == b"location":
            return str(value.decode("utf-8", "replace"))
    return None
