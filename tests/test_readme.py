"""README.md's Python examples are complete programs that pass ``mypy --strict``, and they run.

Each ```` ```python ```` block of README.md is an example program: its
imports, an ``async def main()``, and ``asyncio.run(main())`` last. All of
them are type-checked in one ``mypy.api.run`` call in strict mode, one module
per block (so the library's own types are analysed once, in a few seconds);
each error is reported at its line of README.md.

Blocks that are pytest tests rather than programs are left out: every block
in a section whose heading starts with "Testing" (the emulator's pytest
fixtures), and any block that defines a top-level ``test_*`` function.

The blocks named in ``RUNS`` are also run, in-process against the emulator:
the block's ``main()`` is awaited on the test's event loop, with an AWS
config file whose ``prod`` profile and default credentials are the
emulator's default account, ``AWS_ENDPOINT_URL`` pointing at the emulator,
and the clients' waiters pausing on the emulator's manual clock (a wait takes
no wall-clock time, and one that would never end times out at once). The
others are not run: the watch follows the fleet until stopped.
"""

from __future__ import annotations

import ast
import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import mypy.api
import pytest

from aiolightsail import Fleet, InstanceStateName, LightsailClient
from aiolightsail.emulator import Clock, Emulator

README = Path(__file__).resolve().parent.parent / "README.md"


@attrs.frozen
class Block:
    """A ```` ```python ```` block of README.md."""

    id: str  # the heading's slug and the block's rank under it: "the-library-in-ten-lines-1"
    heading: str
    line: int  # the README line of the block's first line of code
    code: str

    @property
    def module(self) -> str:
        return "readme_" + self.id.replace("-", "_")

    @property
    def is_pytest_example(self) -> bool:
        try:
            tree = ast.parse(self.code)
        except SyntaxError:
            return False  # a program with a mistake: mypy reports it
        defines_a_test = any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
            for node in tree.body
        )
        return self.heading.startswith("Testing") or defines_a_test


def read_blocks(text: str) -> list[Block]:
    """The Python blocks of a Markdown text, with the heading each one is under."""
    blocks: list[Block] = []
    heading, fence, start, body = "", None, 0, list[str]()
    ranks: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if fence is None:
            if line.startswith("```"):
                fence, start, body = line[3:].strip(), number + 1, []
            elif line.startswith("#"):
                heading = line.lstrip("#").strip()
        elif line.strip() == "```":
            if fence == "python":
                slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
                ranks[slug] = ranks.get(slug, 0) + 1
                code = "\n".join(body) + "\n"
                blocks.append(Block(f"{slug}-{ranks[slug]}", heading, start, code))
            fence = None
        else:
            body.append(line)
    return blocks


BLOCKS = read_blocks(README.read_text(encoding="utf-8"))
PROGRAMS = [block for block in BLOCKS if not block.is_pytest_example]


def _ids(block: Block) -> str:
    return block.id


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Run ``mypy --strict`` once over every program; its errors by block id, at README lines."""
    root = tmp_path_factory.mktemp("readme")
    by_file = {f"{block.module}.py": block for block in PROGRAMS}
    for name, block in by_file.items():
        (root / name).write_text(block.code, encoding="utf-8")
    # An empty configuration: the project's own (files, overrides) must not apply.
    config = root / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    stdout, stderr, status = mypy.api.run(
        [
            "--strict",
            "--python-version=3.11",
            f"--config-file={config}",
            f"--cache-dir={root / 'mypy-cache'}",
            "--no-error-summary",
            "--no-pretty",
            *(str(root / name) for name in by_file),
        ]
    )
    assert status in (0, 1), f"mypy did not run (status {status}):\n{stdout}{stderr}"
    errors: dict[str, list[str]] = {block.id: [] for block in PROGRAMS}
    for line in stdout.splitlines():
        found = re.fullmatch(r"(?P<path>.+?):(?P<line>\d+): (?P<text>.*)", line)
        assert found is not None, f"unexpected mypy output: {line}"
        where = by_file.get(Path(found["path"]).name)
        assert where is not None, f"mypy error outside the README's examples: {line}"
        at = where.line + int(found["line"]) - 1
        errors[where.id].append(f"README.md:{at}: {found['text']}")
    return errors


def test_readme_has_the_examples_this_file_expects() -> None:
    """The README's examples are found, and each block named in RUNS is one of them."""
    assert PROGRAMS
    assert set(RUNS) <= {block.id for block in PROGRAMS}


@pytest.mark.parametrize("block", PROGRAMS, ids=_ids)
def test_example_is_a_complete_program(block: Block) -> None:
    """The example defines ``async def main()`` and ends by running it with ``asyncio.run``."""
    tree = ast.parse(block.code)
    assert any(isinstance(node, ast.AsyncFunctionDef) and node.name == "main" for node in tree.body)
    assert ast.unparse(tree.body[-1]) == "asyncio.run(main())"


@pytest.mark.parametrize("block", PROGRAMS, ids=_ids)
def test_example_passes_mypy_strict(block: Block, mypy_errors: dict[str, list[str]]) -> None:
    """The example type-checks under ``mypy --strict`` with no error."""
    assert mypy_errors[block.id] == []


# -- running the examples against the emulator ---------------------------------


async def _run(block: Block) -> None:
    """Run the block's program, awaiting ``main()`` on this loop instead of ``asyncio.run``."""
    tree = ast.parse(block.code)
    ast.increment_lineno(tree, block.line - 1)  # tracebacks point at README.md's lines
    program = ast.Module(body=tree.body[:-1], type_ignores=[])  # all but asyncio.run(main())
    namespace: dict[str, Any] = {"__name__": block.module}
    exec(compile(program, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    await namespace["main"]()


async def _ten_lines(emulator: Emulator, run: Callable[[], Awaitable[str]]) -> None:
    emulator.add_instance(None, "eu-west-1", "web-1")
    emulator.add_instance(None, "eu-west-1", "db-1", state="stopped")
    emulator.add_instance(None, "us-east-1", "elsewhere")
    printed = await run()
    assert sorted(line.split()[:2] for line in printed.splitlines()) == [
        ["db-1", "stopped"],
        ["web-1", "running"],
    ]


async def _across(emulator: Emulator, run: Callable[[], Awaitable[str]]) -> None:
    emulator.add_instance(None, "eu-west-1", "web-1")
    emulator.add_instance(None, "us-east-1", "api-1")
    printed = await run()
    lines = sorted(printed.splitlines(), key=lambda line: line.split()[-1])
    assert [line.split()[-1] for line in lines] == ["api-1", "web-1"]
    assert "us-east-1" in lines[0] and "eu-west-1" in lines[1]


async def _act_and_wait(emulator: Emulator, run: Callable[[], Awaitable[str]]) -> None:
    emulator.add_instance(None, "eu-west-1", "web-1")
    assert await run() == ""
    account = emulator.default_account
    async with LightsailClient(
        "eu-west-1",
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
    ) as client:
        instance = await client.get_instance("web-1")
        ports = await client.get_instance_port_states("web-1")
        done = [op.operation_type async for op in client.iter_operations_for_resource("web-1")]
    assert {"StopInstance", "StartInstance", "OpenInstancePublicPorts"} <= set(done)
    assert instance.state_name is InstanceStateName.RUNNING
    assert any(p.from_port == 443 and p.state == "open" for p in ports)


async def _act_in_one_call(emulator: Emulator, run: Callable[[], Awaitable[str]]) -> None:
    emulator.add_instance(None, "eu-west-1", "web-1")
    assert await run() == "web-1 stopped\n"
    state = emulator.state(emulator.default_account.account_id, "eu-west-1")
    assert state.get_instance("web-1").state_name(emulator.clock.now()) == "stopped"


#: The blocks that run against the emulator: what to seed, and what to expect.
RUNS: dict[str, Callable[[Emulator, Callable[[], Awaitable[str]]], Awaitable[None]]] = {
    "the-library-in-ten-lines-1": _ten_lines,
    "the-library-in-ten-lines-2": _across,
    "for-bots-act-wait-and-watch-1": _act_and_wait,
    "for-bots-act-wait-and-watch-2": _act_in_one_call,
}


@pytest.mark.parametrize("block", [b for b in PROGRAMS if b.id in RUNS], ids=_ids)
async def test_example_runs_against_the_emulator(
    block: Block,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The example runs to its end against the emulator and prints or does what it says."""
    async with Emulator(clock=Clock.manual()) as emulator:
        monkeypatch.setattr(LightsailClient, "_timer", emulator.clock)
        monkeypatch.setattr(Fleet, "_timer", emulator.clock)
        account = emulator.default_account
        keys = (
            f"aws_access_key_id = {account.access_key_id}\n"
            f"aws_secret_access_key = {account.secret_access_key}\n"
        )
        config = tmp_path / "aws-config"
        config.write_text(f"[default]\n{keys}\n[profile prod]\n{keys}", encoding="utf-8")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint_url)

        async def run() -> str:
            capsys.readouterr()
            async with asyncio.timeout(30):  # a hang fails this test, not the whole run
                await _run(block)
            return capsys.readouterr().out

        await RUNS[block.id](emulator, run)
