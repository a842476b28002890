"""The documentation site: the API reference covers every public name, and its extension works.

``mkdocs build --strict`` itself runs in ``.ci/run``; these tests catch, in the
test run, a public name that the API reference forgot and a page that names
something that no longer exists.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest

import aiolightsail
import aiolightsail.emulator
import aiolightsail.pytest_plugin

DOCS = Path(__file__).resolve().parent.parent / "docs"
API_PAGES = sorted((DOCS / "api").glob("*.md"))
#: ``::: aiolightsail.Fleet``: a block that mkdocstrings renders from the docstrings.
_DIRECTIVE = re.compile(r"^::: (\S+)\s*$", re.MULTILINE)


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
    [aiolightsail, aiolightsail.emulator, aiolightsail.pytest_plugin],
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
