"""The documentation site: the API reference covers every public name, the getting-started
page runs as written, the configuration page is true, and the docstring extension works.

``mkdocs build --strict`` itself runs in ``.ci/run``; these tests catch, in the
test run, a public name that the API reference forgot, a page that names
something that no longer exists, and a getting-started page a newcomer could
not follow.
"""

from __future__ import annotations

import ast
import asyncio
import html.parser
import importlib
import importlib.util
import inspect
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import attrs
import pytest

import aiolightsail
import aiolightsail.dask
import aiolightsail.emulator
import aiolightsail.pytest_plugin
from aiolightsail import (
    DEFAULT_MAX_ATTEMPTS,
    Fleet,
    LightsailClient,
    Target,
    ThrottledError,
    ValidationError,
)
from aiolightsail.emulator import Emulator
from tests.conftest import ACCOUNTS, Wire, keys

DOCS = Path(__file__).resolve().parent.parent / "docs"
API_PAGES = sorted((DOCS / "api").glob("*.md"))
#: ``::: aiolightsail.Fleet``: a block that mkdocstrings renders from the docstrings.
_DIRECTIVE = re.compile(r"^::: (\S+)\s*$", re.MULTILINE)
_FENCED = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _documented() -> list[str]:
    return [name for page in API_PAGES for name in _DIRECTIVE.findall(page.read_text())]


def _load_extension() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docstrings", DOCS / "_ext" / "docstrings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "module",
    [aiolightsail, aiolightsail.dask, aiolightsail.emulator, aiolightsail.pytest_plugin],
    ids=lambda module: module.__name__,
)
def test_every_public_name_is_in_the_api_reference(module: ModuleType) -> None:
    """Each name of the module's ``__all__`` has its ``::: module.name`` block in docs/api/."""
    documented = set(_documented())
    missing = [name for name in module.__all__ if f"{module.__name__}.{name}" not in documented]
    assert not missing, f"add to a page of docs/api/: {', '.join(missing)}"


def test_the_api_reference_names_only_public_objects_once() -> None:
    """Every block of docs/api/ names an existing public object (or module), and none twice."""
    documented = _documented()
    assert len(documented) == len(set(documented))
    for path in documented:
        try:
            importlib.import_module(path)
            continue
        except ImportError:
            pass
        module_name, _, name = path.rpartition(".")
        module = importlib.import_module(module_name)
        assert name in module.__all__, f"{path} is not a public name of {module_name}"


def test_the_exception_tree_matches_the_errors_module() -> None:
    """docs/api/exceptions.md draws the same tree as ``aiolightsail._errors``' docstring."""
    from aiolightsail import _errors

    assert _errors.__doc__ is not None
    block = _errors.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    tree = "\n".join(line.removeprefix("    ") for line in block.splitlines())
    page = (DOCS / "api" / "exceptions.md").read_text()
    assert f"```text\n{tree}\n```" in page


def _python_blocks(page: str) -> list[tuple[str, str | None]]:
    """Each ``python`` block of a page, with the ``text`` block right after it (its output)."""
    blocks = [(match[1], match[2]) for match in _FENCED.finditer(page)]
    return [
        (code, blocks[i + 1][1] if i + 1 < len(blocks) and blocks[i + 1][0] == "text" else None)
        for i, (language, code) in enumerate(blocks)
        if language == "python"
    ]


async def _start_emulator_command() -> tuple[asyncio.subprocess.Process, list[str]]:
    """``aiolightsail emulator --demo`` as the page runs it (on a free port): its export lines."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiolightsail", "emulator", "--demo", "--show-secrets", "--port", "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    banner = await asyncio.wait_for(process.stdout.readuntil(b"Press Ctrl+C to stop.\n"), 30)
    exports = re.findall(r"^ *(export \S+)$", banner.decode(), re.MULTILINE)
    return process, exports


async def test_getting_started_runs_as_written(tmp_path: Path) -> None:
    """Every Python block of the getting-started page runs against ``aiolightsail emulator
    --demo`` with the page's exports, and prints the output the page shows."""
    page = (DOCS / "getting-started.md").read_text()
    process, exports = await _start_emulator_command()
    try:
        url = exports[-1].rpartition("=")[2]
        shown = re.sub(r"http://127\.0\.0\.1:\d+", url, page)
        for line in exports:
            assert f"\n{line}\n" in shown, f"the page's exports differ from the banner's: {line}"
        env = dict(os.environ)
        for line in exports:
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value
        # The ten-line example's profile, pointed at the emulator as a profile can be.
        config = tmp_path / "config"
        config.write_text(
            f"[profile prod]\nendpoint_url = {url}\n"
            f"aws_access_key_id = {env['AWS_ACCESS_KEY_ID']}\n"
            f"aws_secret_access_key = {env['AWS_SECRET_ACCESS_KEY']}\n"
        )
        env["AWS_CONFIG_FILE"] = str(config)
        blocks = _python_blocks(page)
        assert len(blocks) >= 4
        for number, (code, output) in enumerate(blocks):
            script = tmp_path / f"block{number}.py"
            script.write_text(code)
            run = await asyncio.create_subprocess_exec(
                sys.executable, str(script), env=env, cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(run.communicate(), 60)
            assert run.returncode == 0, f"block {number}:\n{code}\n{err.decode()}"
            assert out.strip(), f"block {number} printed nothing"
            if output is not None:
                assert out.decode() == output, f"block {number} printed another output"
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 30)


async def test_the_testing_guide_tests_pass(tmp_path: Path) -> None:
    """The testing guide's example tests pass as a user runs them: pytest-asyncio in strict
    mode, warnings as errors, the plugin found through its entry point."""
    page = (DOCS / "guides" / "testing.md").read_text()
    tests = [code for code, _ in _python_blocks(page) if "def test_" in code]
    assert len(tests) >= 5
    for number, code in enumerate(tests):
        (tmp_path / f"test_guide_{number}.py").write_text(code)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(run.communicate(), 100)
    assert run.returncode == 0, out.decode()
    expected = sum(code.count("\ndef test_") + code.count("\nasync def test_") for code in tests)
    assert f"{expected} passed" in out.decode()


@pytest.mark.parametrize(
    "page", sorted(DOCS.rglob("*.md")), ids=lambda page: str(page.relative_to(DOCS))
)
def test_every_python_block_of_the_docs_compiles(page: Path) -> None:
    """Each ``python`` block of every page is valid Python (``await`` allowed at the top)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for code, _ in _python_blocks(page.read_text()):
        compile(code, str(page), "exec", flags)


def test_roles_become_links_resolved_by_the_caller() -> None:
    """reST roles become autorefs links; ``~`` shortens the text; unresolved names stay code."""
    to_markdown = _load_extension().to_markdown
    targets = {"Fleet": "aiolightsail._fleet.Fleet", "aclose": "pkg.Stream.aclose"}
    text = "See :class:`~aiolightsail.Fleet`, :meth:`aclose`, :class:`Fleet` and :class:`x.Y`."
    assert to_markdown(text, lambda name: targets.get(name.rsplit(".", 1)[-1])) == (
        "See [`Fleet`][aiolightsail._fleet.Fleet], [`aclose()`][pkg.Stream.aclose], "
        "[`Fleet`][aiolightsail._fleet.Fleet] and `x.Y`."
    )


def test_literal_blocks_become_fenced_code() -> None:
    """``text::`` and its indented block become ``text:`` and a fence, Python when it parses."""
    to_markdown = _load_extension().to_markdown
    text = dedent(
        """\
        Use it::

            async with X() as x:
                await x.go()

        A tree:

        ::

            a ── b
        Done.
        """
    )
    assert to_markdown(text) == dedent(
        """\
        Use it:

        ```python
        async with X() as x:
            await x.go()
        ```

        A tree:

        ```text
        a ── b
        ```

        Done.
        """
    )


def test_definition_lists_become_markdown_ones_and_sections_stay() -> None:
    """A term with its definition indented under it becomes a ``def_list``; ``Args:`` stays."""
    to_markdown = _load_extension().to_markdown
    text = dedent(
        """\
        Fixtures:

        ``one``
            The first.
            More.

        Args:
            x: an argument,
                wrapped.
        """
    )
    assert to_markdown(text) == text.replace("    The first.", ":   The first.")


#: Loads the package as mkdocstrings does, with the docstring extension, in an interpreter
#: where the command line's libraries (the ``cli`` extra) cannot be imported, as in a venv
#: with the ``docs`` extra alone; prints each attrs class given its ``__init__``.
_LOAD_WITHOUT_CLI_EXTRA = """
import sys
sys.modules["click"] = sys.modules["rich"] = None  # import click / rich: ModuleNotFoundError
import griffe
extensions = griffe.load_extensions("docs/_ext/docstrings.py:SphinxDocstrings")
package = griffe.load("aiolightsail", extensions=extensions, search_paths=["."])
for name in sys.argv[1:]:
    obj = package[name.removeprefix("aiolightsail.")]
    print(name, "__init__" in obj.members)
"""


def test_the_docs_extra_alone_renders_every_attrs_signature() -> None:
    """Without the ``cli`` extra (click, rich), the extension still loads the package and
    gives every documented attrs class its generated ``__init__``."""

    def is_attrs_class(name: str) -> bool:
        module, _, attribute = name.rpartition(".")
        value = getattr(importlib.import_module(module), attribute, None)
        return isinstance(value, type) and attrs.has(value)

    attrs_classes = [name for name in _documented() if "." in name and is_attrs_class(name)]
    assert len(attrs_classes) > 20  # the models, the fleet's values, the emulator's records
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_WITHOUT_CLI_EXTRA, *attrs_classes],
        cwd=DOCS.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # distributed imports click, so without it aiolightsail.dask cannot load: its classes
    # keep griffe's view, as those of any module whose extra is not installed.
    expected = [
        word
        for name in attrs_classes
        for word in (name, str(not name.startswith("aiolightsail.dask.")))
    ]
    assert result.stdout.split() == expected


class _Links(html.parser.HTMLParser):
    """The ids a page defines and the links (``href``, ``src``) it makes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif (name, tag) in (("href", "a"), ("src", "img")):
                self.links.append(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site, built as CI builds it (``mkdocs build --strict``)."""
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=DOCS.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
    )
    return out


def test_no_internal_link_or_anchor_of_the_site_is_broken(site: Path) -> None:
    """Every link of every built page that stays on the site (guides, API reference, links
    made from docstrings) reaches a page that exists, and the anchor it names on it."""
    pages = {}
    for path in site.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    assert len(pages) > 20
    broken = []
    for path, parser in pages.items():
        if path.name == "404.html":  # its links are absolute, made for any depth
            continue
        for link in parser.links:
            if re.match(r"^[a-z][a-z0-9+.-]*:|^//", link):
                continue  # another site, or data:
            target, _, anchor = link.partition("#")
            page = (path.parent / target).resolve() if target else path
            if page.is_dir():
                page /= "index.html"
            if page not in pages and not page.is_file():
                broken.append(f"{path.relative_to(site)}: {link} (no such page)")
            elif anchor and page in pages and anchor not in pages[page].ids:
                broken.append(f"{path.relative_to(site)}: {link} (no such anchor)")
    assert broken == []


#: A row of a settings table: ``| `name` | default | where or what |``.
_SETTING_ROW = re.compile(r"^\| `(\w+)` \| ([^|]+?) \| ([^|]+?) \|$", re.MULTILINE)


def _stated_defaults(page: str, owner: type | None) -> list[tuple[str, str, object]]:
    """(name, default as the page states it, default in the code) for each row of ``page``'s
    tables that names a parameter of ``owner`` (``None``: of the class its last column names)."""
    owners = {"Fleet": Fleet, "LightsailClient": LightsailClient}
    rows = []
    for name, stated, where in _SETTING_ROW.findall((DOCS / page).read_text()):
        cls = owner or owners.get(where.split("`")[1] if where.startswith("`") else "")
        if cls is None:
            continue
        parameter = inspect.signature(cls).parameters.get(name)
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            rows.append((name, stated.strip(), parameter.default))
    return rows


@pytest.mark.parametrize(
    ("page", "owner"), [("guides/fleets.md", Fleet), ("guides/configuration.md", None)]
)
def test_the_settings_tables_state_the_codes_defaults(page: str, owner: type | None) -> None:
    """Each default a settings table states is the parameter's default in the code: a number
    as its value (``300 s``), ``None`` as ``None``, a flag as ``True``/``False``."""
    rows = _stated_defaults(page, owner)
    assert len(rows) >= 3
    for name, stated, default in rows:
        if default is None:
            assert stated == "`None`" or "from the configuration" in stated, (page, name)
        elif isinstance(default, bool):
            assert stated == f"`{default}`", (page, name)
        elif isinstance(default, int | float):
            number = re.search(r"\d+(\.\d+)?", stated)
            assert number is not None and float(number[0]) == default, (page, name, stated)


# -- what docs/guides/configuration.md says the library reads ------------------------------


async def test_the_lightsail_endpoint_variable_is_read(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    """``AWS_ENDPOINT_URL_LIGHTSAIL`` sends a client given no ``endpoint_url`` there."""
    emulator.seed_instances(ACCOUNTS[0][0], "eu-west-1", count=3)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LIGHTSAIL", emulator.endpoint_url)
    async with LightsailClient("eu-west-1", **keys(0)) as client:
        assert len((await client.get_instances()).items) == 3


async def test_a_profiles_services_section_sets_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, emulator: Emulator
) -> None:
    """The page's ``[services]`` example sends a profile's requests to the emulator."""
    emulator.seed_instances(ACCOUNTS[0][0], "eu-west-1", count=3)
    _, key, secret = ACCOUNTS[0]
    config = tmp_path / "config"
    config.write_text(
        f"[profile emulator]\nservices = local\naws_access_key_id = {key}\n"
        f"aws_secret_access_key = {secret}\n\n[services local]\n"
        f"lightsail =\n  endpoint_url = {emulator.endpoint_url}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    target = Target("eu-west-1", profile="emulator")
    async with Fleet([target]) as fleet, fleet.iter_instances() as stream:
        listed = [instance async for _target, instance in stream]
    assert not stream.failures
    assert len(listed) == 3


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy"])
async def test_retry_settings_of_the_environment_are_applied(
    monkeypatch: pytest.MonkeyPatch,
    wire: Wire,
    client_factory: Callable[..., LightsailClient],
    mode: str,
) -> None:
    """``AWS_MAX_ATTEMPTS`` sets the attempts, ``AWS_RETRY_MODE`` the mode (legacy: standard)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", mode)
    wire.reply({"__type": "ThrottlingException", "message": "slow down"}, status=400, repeat=True)
    async with client_factory() as client:
        with pytest.raises(ThrottledError):
            await client.get_instances()
        retries = client._require_open().config.retries
    assert len(wire.calls) == 2
    assert retries == {"mode": "standard" if mode == "legacy" else mode, "total_max_attempts": 2}


@pytest.mark.usefixtures("no_backoff")
async def test_with_nothing_configured_retries_are_standard_with_five_attempts(
    wire: Wire, client_factory: Callable[..., LightsailClient]
) -> None:
    """With no argument, variable or profile setting: standard mode, 5 attempts."""
    wire.reply({"__type": "ThrottlingException", "message": "slow down"}, status=400, repeat=True)
    async with client_factory() as client:
        with pytest.raises(ThrottledError):
            await client.get_instances()
        retries = client._require_open().config.retries
    assert len(wire.calls) == DEFAULT_MAX_ATTEMPTS == 5
    assert retries == {"mode": "standard", "total_max_attempts": 5}


def test_the_configured_region_is_aws_region_then_aws_default_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Fleet.across(None)`` reads ``AWS_REGION``, then ``AWS_DEFAULT_REGION``; else refused."""
    with pytest.raises(ValidationError, match="no region configured"):
        Fleet.across(None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    assert [target.region for target in Fleet.across(None).targets] == ["us-east-2"]
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert [target.region for target in Fleet.across(None).targets] == ["eu-west-1"]


async def test_the_user_agent_carries_the_app_id(
    monkeypatch: pytest.MonkeyPatch, wire: Wire, client_factory: Callable[..., LightsailClient]
) -> None:
    """The User-Agent names aiolightsail and its stack, and ``app/<AWS_SDK_UA_APP_ID>``."""
    monkeypatch.setenv("AWS_SDK_UA_APP_ID", "my-inventory-app")
    wire.reply({"instances": []})
    async with client_factory() as client:
        await client.get_instances()
    (headers,) = wire.headers
    assert headers["User-Agent"].startswith(f"aiolightsail/{aiolightsail.__version__} ")
    assert " app/my-inventory-app" in headers["User-Agent"]
