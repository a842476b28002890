"""CSV output is safe to open in a spreadsheet: no text cell can start a formula.

The rule, for every text cell (whatever the service or the configuration put
in it): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (or their full-width forms), or with ``'``, is written with a ``'`` in
front; dropping one leading ``'`` gives the value back, its control characters
shown as escapes (as on a terminal: ``\\x1b``, ``\\t``). Numbers, booleans and
lists (JSON) are left as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aiolightsail import Instance, Target
from aiolightsail._controls import neutralise
from aiolightsail.cli._output import FORMULA_STARTS, record, write_csv
from tests.reliability.hostile import Hostile, hostile_server, lightsail_json, run_command

TRIGGERS = sorted(FORMULA_STARTS | {"'"})
TEXT = st.one_of(
    st.text(max_size=30),
    st.builds(lambda c, rest: c + rest, st.sampled_from(TRIGGERS), st.text(max_size=20)),
    st.sampled_from(['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]),
)


def safe(cell: str) -> bool:
    """A cell a spreadsheet cannot run: no formula start, unless it is a plain number."""
    if cell[:1] not in FORMULA_STARTS:
        return True
    try:
        return isinstance(json.loads(cell), int | float)
    except ValueError:
        return False


def decoded(cell: str) -> str:
    """A CSV cell as the value it stands for: one leading ``'`` dropped."""
    return cell[1:] if cell.startswith("'") else cell


def written(rows: list[dict[str, object]]) -> list[list[str]]:
    """``write_csv`` of Instance records, read back as rows of cells (header first)."""
    out = io.StringIO(newline="")
    write_csv(out, Instance, rows)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


@settings(max_examples=300)
@example(name="=1+1", blueprint="@x", profile="-p", zone="'=quoted")
@given(name=TEXT, blueprint=TEXT, profile=TEXT.filter(str.isprintable), zone=TEXT)
def test_no_text_cell_starts_a_formula(name: str, blueprint: str, profile: str, zone: str) -> None:
    """Text of any kind from the service (name, blueprint, zone) or the configuration (the
    profile, shown as the account) is written so that no cell starts a formula, and reads
    back as it was, its controls shown as escapes."""
    target = Target("eu-west-1", profile=profile) if profile.strip() else Target("eu-west-1")
    item = Instance.from_api(
        {
            "name": name,
            "blueprintName": blueprint,
            "location": {"availabilityZone": zone},
            "hardware": {"cpuCount": -1},
            "tags": [{"key": "k", "value": "=x"}],
        }
    )
    header, row = written([record(target, item)])
    cells = dict(zip(header, row, strict=True))
    assert all(safe(cell) for cell in row)
    assert decoded(cells["name"]) == neutralise(name)
    assert decoded(cells["blueprint_name"]) == neutralise(blueprint)
    assert decoded(cells["location.availability_zone"]) == neutralise(zone)
    assert decoded(cells["account"]) == target.account
    assert cells["hardware.cpu_count"] == "-1", "a number is not text"
    assert json.loads(cells["tags"]) == [{"key": "k", "value": "=x"}], "a list cell is JSON"


@pytest.fixture
async def server() -> AsyncIterator[Hostile]:
    """A hostile server whose instances carry formulas."""
    async for hostile in hostile_server():

        async def answer(_request: web.Request) -> web.StreamResponse:
            return lightsail_json(
                {
                    "instances": [
                        {"name": "=cmd|' /C calc'!A0", "blueprintId": "+1", "bundleId": "@A1"},
                        {"name": "-2+3", "supportCode": "\tx"},
                    ]
                }
            )

        hostile.handler = answer
        yield hostile


async def test_cli_csv_neutralises_formulas_from_the_service(server: Hostile) -> None:
    """`aiolightsail instances -o csv` against a service sending formulas writes none."""
    status, out, err = await run_command(
        "instances", "--endpoint-url", server.url, "-r", "eu-west-1", "-o", "csv"
    )
    assert status == 0, err.decode()
    header, *rows = list(csv.reader(io.StringIO(out.decode(), newline="")))
    assert len(rows) == 2
    assert all(safe(cell) for row in rows for cell in row)
    names = sorted(decoded(row[header.index("name")]) for row in rows)
    assert names == ["-2+3", "=cmd|' /C calc'!A0"]
