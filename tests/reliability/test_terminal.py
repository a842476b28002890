"""Text from a server cannot take over a terminal or forge a log line.

The rule (``aiolightsail._controls``): everything shown to a person (a table,
``watch``, an action's lines, a failure line, a CSV cell) and everything written
to a log line shows control characters, format characters, lone surrogates and
line separators as visible escapes (``\\x1b``); JSON and NDJSON keep each value
exact, as JSON escapes. Generated hostile strings go through every output format
and the library's log records; a hostile server goes through the real command.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from aiolightsail import APIError, FleetFailure, Instance, Operation, Target, _logging
from aiolightsail._controls import json_text, neutralise, unsafe
from aiolightsail._instrument import TargetRun
from aiolightsail.cli._actions import _describe, _describe_error
from aiolightsail.cli._output import (
    FORMULA_STARTS,
    KINDS,
    describe_failure,
    record,
    write_csv,
    write_json,
    write_ndjson_line,
    write_table,
)
from aiolightsail.cli._streams import UNLIMITED_WIDTH
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json, run_command

#: What an attacker puts in a name, a state, an error code: terminal control sequences
#: (OSC 52 writes the clipboard, OSC 8 hides a link), a forged log line, bidi overrides,
#: C1 controls, separators, a lone surrogate, rich markup.
PIECES = (
    "\x1b]52;c;aGFja2Vk\x07",
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\x1b[2J\x1b[H",
    "\x1b[31m",
    "\r",
    "\n",
    "\nCRITICAL:aiolightsail:forged",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\x9b31m",
    "\x85",
    "\u2028",
    "\u2029",
    "\x00",
    "\x7f",
    "\t",
    "\udc80",
    "\ufeff",
    "\u200b",
    "\U000e0041",
    "[bold red]markup[/]",
)
#: Hostile text: the pieces above mixed with any characters at all, surrogates included.
HOSTILE = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(st.characters(exclude_categories=()), max_size=6)),
    min_size=1,
    max_size=6,
).map("".join)


def assert_shown_safely(text: str, *, lines: int) -> None:
    """``text`` encodes as UTF-8, holds ``lines`` line breaks and nothing else unsafe."""
    text.encode("utf-8")
    assert text.count("\n") == lines, text
    assert not [char for char in text.replace("\n", "") if unsafe(char)], text


def instance(name: str, text: str) -> Instance:
    """An instance whose name is ``name`` and whose other shown fields are ``text``."""
    return Instance.from_api(
        {
            "name": name,
            "state": {"name": text, "code": 16},
            "publicIpAddress": text,
            "blueprintId": text,
            "bundleId": text,
            "supportCode": text,
            "tags": [{"key": text, "value": text}],
        }
    )


# -- the rule ------------------------------------------------------------------------


@given(HOSTILE)
@example("\x1b")
def test_neutralise_leaves_nothing_unsafe_and_keeps_safe_text(text: str) -> None:
    """Every unsafe character becomes a visible escape; safe text is left as it is."""
    shown = neutralise(text)
    assert_shown_safely(shown, lines=0)
    safe = "".join(char for char in text if not unsafe(char))
    assert neutralise(safe) == safe
    assert neutralise("\x1b]52;c;x\x07") == "\\x1b]52;c;x\\x07"


@given(HOSTILE)
def test_json_text_is_safe_and_exact(text: str) -> None:
    """A JSON document keeps every value exact (a parser gives it back) with nothing unsafe."""
    document = json_text(json.dumps({text: [text]}, ensure_ascii=False, indent=2))
    assert_shown_safely(document, lines=document.count("\n"))
    assert not [char for char in document if char != "\n" and unsafe(char)]
    assert json.loads(document) == {text: [text]}


# -- every output format -----------------------------------------------------------


@settings(max_examples=60)
@given(name=HOSTILE, text=HOSTILE)
@example(name="=", text="x")  # a formula's first character: the CSV cell is escaped with '
def test_every_output_format_shows_hostile_text_safely(name: str, text: str) -> None:
    """A table row is one safe line, JSON and NDJSON give the exact values back, CSV cells
    hold no unsafe character: whatever the service put in the names and fields."""
    rows = [(Target("eu-west-1"), instance(name, text))]
    records = [record(*row) for row in rows]

    table = io.StringIO()
    console = Console(file=table, width=UNLIMITED_WIDTH, highlight=False, color_system=None)
    write_table(console, KINDS["instances"], rows)
    assert_shown_safely(table.getvalue(), lines=3)  # heading, rule, the row
    assert neutralise(name) in table.getvalue()

    as_json = io.StringIO()
    write_json(as_json, records)
    assert_shown_safely(as_json.getvalue(), lines=as_json.getvalue().count("\n"))
    assert json.loads(as_json.getvalue()) == records

    ndjson = io.StringIO()
    write_ndjson_line(ndjson, records[0])
    assert_shown_safely(ndjson.getvalue(), lines=1)
    assert json.loads(ndjson.getvalue()) == records[0]

    as_csv = io.StringIO(newline="")
    write_csv(as_csv, Instance, records)
    cells = [cell for row in csv.reader(io.StringIO(as_csv.getvalue(), newline="")) for cell in row]
    assert not [char for cell in cells for char in cell if unsafe(char)]
    shown = neutralise(name)
    assert (f"'{shown}" if shown[:1] in {*FORMULA_STARTS, "'"} else shown) in cells


@settings(max_examples=60)
@given(code=HOSTILE, message=HOSTILE, tip=HOSTILE)
def test_failure_and_action_lines_are_one_safe_line(code: str, message: str, tip: str) -> None:
    """A failed target's line and an action's lines (its operations, its error) stay one
    line each, with the server's code, message and tip shown as escapes."""
    error = APIError(message, code=code, tip=tip)
    failure = FleetFailure(target=Target("eu-west-1"), error=error)
    assert_shown_safely(describe_failure(failure), lines=0)
    assert_shown_safely(_describe_error(error), lines=0)
    operation = Operation.from_api(
        {"id": code, "resourceName": message, "operationType": tip, "status": code}
    )
    assert_shown_safely(_describe(operation), lines=0)


# -- log records -----------------------------------------------------------------------


@contextlib.contextmanager
def log_lines() -> Iterator[io.StringIO]:
    """What the ``aiolightsail`` loggers write, formatted as a typical handler does."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    top = logging.getLogger("aiolightsail")
    top.addHandler(handler)
    try:
        yield out
    finally:
        top.removeHandler(handler)


def _fail(error: Exception) -> None:
    raise error


@settings(max_examples=60)
@given(code=HOSTILE, message=HOSTILE)
def test_an_error_code_cannot_forge_a_log_line(code: str, message: str) -> None:
    """A target failing with a hostile code is one WARNING line, whatever the code holds;
    a traceback logged with a hostile message keeps only its own line breaks."""
    with log_lines() as out:
        run = TargetRun(None, label="prod/eu-west-1", region="eu-west-1")
        run.failed(APIError(message, code=code), reported=True)
    line = out.getvalue()
    assert line.startswith("WARNING:aiolightsail.fleet:target prod/eu-west-1 failed: ")
    assert_shown_safely(line, lines=1)
    assert neutralise(code[:20]) in line  # a long code is cut: the error text's bound

    with log_lines() as out:
        try:
            _fail(APIError(message, code=code))
        except APIError:
            _logging.logger("aiolightsail.test").warning("failed: %s", code, exc_info=True)
    logged = out.getvalue()
    assert not [char for char in logged.replace("\n", "") if unsafe(char)]
    assert logged.splitlines()[0] == "WARNING:aiolightsail.test:failed: " + neutralise(code)


# -- the command, against a hostile server ------------------------------------------------

#: The names the hostile server gives its instances.
NAMES = ("web-\x1b]52;c;aGFja2Vk\x07", "db-\u202egpj.exe", "lone-\udc80", "ok\rCRITICAL forged")
#: The error code and message of the region that fails.
FORGED = "Forged\n\x1b[31mCRITICAL:root:owned\x1b]8;;https://evil.example/\x1b\\"


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    """us-east-1 fails with a forged code; other regions list instances with hostile names,
    and an action answers with hostile operations."""
    async for server in hostile_server():

        async def answer(request: web.Request) -> web.StreamResponse:
            region = "us-east-1" if "/us-east-1/" in request.headers["Authorization"] else ""
            if region:
                return lightsail_json({"__type": FORGED, "message": FORGED}, status=400)
            operation = request.headers.get("X-Amz-Target", "").rpartition(".")[2]
            if operation == "StopInstance":
                return lightsail_json(
                    {"operations": [{"id": FORGED, "resourceName": NAMES[0], "status": FORGED}]}
                )
            return lightsail_json(
                {
                    "instances": [
                        {"name": name, "state": {"name": FORGED, "code": 16}} for name in NAMES
                    ]
                }
            )

        server.handler = answer
        yield server


async def _command(*args: str) -> tuple[int | None, str, str]:
    status, out, err = await run_command(*args)
    # Strict decoding: a lone surrogate written raw would not even be UTF-8.
    return status, out.decode("utf-8"), err.decode("utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ("instances", "-o", "table"),
        ("instances", "-o", "json"),
        ("instances", "-o", "ndjson"),
        ("instances", "-o", "csv"),
        ("watch", "--sweeps", "1", "--interval", "0", "-o", "table"),
        ("watch", "--sweeps", "1", "--interval", "0", "-o", "ndjson"),
    ],
)
async def test_the_command_shows_a_hostile_server_safely(
    hostile: Hostile, args: tuple[str, ...]
) -> None:
    """Every output format of the listings and the watch, and the failure line on stderr,
    show hostile names and a forged error code as escapes; JSON keeps the names exact."""
    status, out, err = await _command(
        *args, "-r", "eu-west-1", "-r", "us-east-1", "--endpoint-url", hostile.url
    )
    assert status == 1, err  # us-east-1 failed
    for text in (out, err):
        assert not [char for char in text.replace("\n", "") if unsafe(char)], text
    [failure] = [line for line in err.splitlines() if line.startswith("error: ")]
    assert neutralise(FORGED[:30]) in failure
    if args[-1] in ("json", "ndjson"):
        document = out if args[-1] == "json" else "[" + ",".join(out.splitlines()) + "]"
        assert sorted(item["name"] for item in json.loads(document)) == sorted(NAMES)
    else:
        for name in NAMES:
            assert neutralise(name) in out


async def test_an_action_shows_hostile_operations_safely(hostile: Hostile) -> None:
    """`stop` prints the service's operations, and a refusal, with controls as escapes."""
    status, out, err = await _command(
        "stop", "web-1", "-r", "eu-west-1", "--endpoint-url", hostile.url
    )
    assert status == 0, err
    assert_shown_safely(out, lines=1)
    assert neutralise(NAMES[0]) in out and neutralise(FORGED) in out
    status, out, err = await _command(
        "stop", "web-1", "-r", "us-east-1", "--endpoint-url", hostile.url
    )
    assert status == 1
    assert_shown_safely(err, lines=1)
    assert neutralise(FORGED) in err
