"""A griffe extension that reads aiolightsail's docstrings as Sphinx would, for mkdocstrings.

The docstrings are Google-style (``Args:``, ``Returns:``, ``Raises:``) but use
reStructuredText's inline markup and Sphinx's conventions, which mkdocstrings
would otherwise show as they are or miss. Before anything is rendered, this:

- rewrites cross-reference roles as links: ``:class:`~aiolightsail.Fleet```
  becomes ``[`Fleet`][aiolightsail._fleet.Fleet]``, the name resolved from the
  docstring's own scope as Python would resolve it (``:meth:`aclose``` in a
  class means that class's ``aclose``). A name outside the package
  (``asyncio.TaskGroup``) stays plain code; a name of the package that the
  site does not render fails ``mkdocs build --strict``;
- turns literal blocks (a paragraph ending in ``::``, then an indented block)
  into fenced code, Python when the block parses as Python, and definition
  lists (a term alone on a line, its definition indented under it) into
  Markdown's (the ``def_list`` extension);
- takes ``#:`` comments above an attribute or constant as its docstring;
- lists as bases only public classes (``Bases: LightsailError, TimeoutError``),
  never the private helpers the package's classes share (``SafeRepr``);
- gives each attrs class the ``__init__`` that attrs generates (griffe reads
  source and does not run the decorators), so that its signature renders and
  its ``Args:`` match real parameters. That means importing the class's
  module; a module that needs an extra the docs do not install (the command
  line's click and rich) is left as griffe read it: the site renders none of
  its classes, and the ``docs`` extra alone builds the site.

mkdocs.yml loads this file by path; it is not part of the package.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import griffe

__all__ = ["SphinxDocstrings", "to_markdown"]

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|attr|exc|data|const|mod|obj):`(?P<body>[^`]+)`"
)
_TITLED = re.compile(r"(?P<title>.*?)\s*<(?P<target>[^<>]+)>")
_FENCE = re.compile(r"^\s*```")
_LIST_ITEM = re.compile(r"([-*+]|\d+[.)])\s")
_CALLABLE_ROLES = frozenset({"func", "meth"})
_PARAMETER_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: griffe.ParameterKind.positional_only,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
    inspect.Parameter.VAR_POSITIONAL: griffe.ParameterKind.var_positional,
    inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
    inspect.Parameter.VAR_KEYWORD: griffe.ParameterKind.var_keyword,
}


# -- reST markup ---------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _language(code: str) -> str:
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        compile(code, "<docstring>", "exec", flags)
    except SyntaxError:
        return "text"
    return "python"


def _fenced(lines: list[str]) -> Iterator[bool]:
    """For each line, whether it is inside (or delimits) a fenced code block."""
    inside = False
    for line in lines:
        if _FENCE.match(line):
            yield True
            inside = not inside
        else:
            yield inside


def _literal_blocks(lines: list[str]) -> list[str]:
    """``text::`` and the indented block under it → ``text:`` and a fenced block."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped.endswith("::") or _FENCE.match(line):
            out.append(line)
            i += 1
            continue
        base = _indent(line)
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        block: list[str] = []
        while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
            block.append(lines[j])
            j += 1
        trailing = 0
        while block and not block[-1].strip():
            block.pop()
            trailing += 1
        if not block:  # a paragraph that merely ends in "::"
            out.append(line)
            i += 1
            continue
        pad = " " * base
        if stripped != "::":  # "text::" reads "text:"; "text ::" reads "text"
            intro = stripped[:-2]
            out.append(pad + (intro.rstrip() if intro.endswith(" ") else intro + ":"))
        if out and out[-1].strip():
            out.append("")
        code = textwrap.dedent("\n".join(block))
        out.append(f"{pad}```{_language(code)}")
        out.extend(f"{pad}{code_line}" if code_line else "" for code_line in code.split("\n"))
        out.append(f"{pad}```")
        out.extend([""] * trailing)
        if j < len(lines) and lines[j].strip() and not trailing:
            out.append("")
        i = j
    return out


def _definition_lists(lines: list[str]) -> list[str]:
    """A term alone at the left margin with its definition indented under it → ``def_list``.

    Google-style sections (``Args:``) end in a colon and their entries are
    indented, so neither is taken for a term.
    """
    fenced = list(_fenced(lines))
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        is_term = (
            0 < i < len(lines) - 1
            and not fenced[i]
            and line.strip()
            and _indent(line) == 0
            and not lines[i - 1].strip()
            and not line.rstrip().endswith(":")
            and not _LIST_ITEM.match(line)
            and lines[i + 1].strip()
            and _indent(lines[i + 1]) >= 4
        )
        if not is_term:
            out.append(line)
            i += 1
            continue
        out += [line, ":   " + lines[i + 1][4:]]
        i += 2
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= 4 or fenced[i]):
            out.append(lines[i])
            i += 1
    return out


def to_markdown(text: str, resolve: Callable[[str], str | None] | None = None) -> str:
    """Rewrite one docstring's reST markup as Markdown.

    Args:
        text: the docstring, dedented.
        resolve: maps a name as a role wrote it to the identifier to link to,
            or to ``None`` to leave it plain code; by default every name is
            linked as written.

    Returns:
        The docstring in Markdown.
    """

    def role(match: re.Match[str]) -> str:
        titled = _TITLED.fullmatch(match["body"].strip())
        title, target = (titled["title"], titled["target"]) if titled else (None, match["body"])
        short = target.strip().startswith("~")
        target = target.strip().lstrip("~")
        shown = title or (target.rsplit(".", 1)[-1] if short else target)
        if match["role"] in _CALLABLE_ROLES and not title:
            shown += "()"
        identifier = resolve(target) if resolve is not None else target
        return f"`{shown}`" if identifier is None else f"[`{shown}`][{identifier}]"

    lines = _definition_lists(_literal_blocks(text.split("\n")))
    return "\n".join(
        line if inside else _ROLE.sub(role, line).replace("\\ ", "")
        for line, inside in zip(lines, _fenced(lines), strict=True)
    )


def _resolver(
    obj: griffe.Object, collection: griffe.ModulesCollection
) -> Callable[[str], str | None]:
    def resolve(name: str) -> str | None:
        first, _, rest = name.partition(".")
        try:
            path = obj.resolve(first)
        except griffe.NameResolutionError:
            path = first
        full = f"{path}.{rest}" if rest else path
        if full.split(".", 1)[0] not in collection.members:
            return None  # outside the packages loaded (the standard library): plain code
        return full

    return resolve


# -- "#:" comments ---------------------------------------------------------------


def _comment_docstring(attribute: griffe.Attribute) -> str | None:
    """The ``#:`` comment lines right above an attribute, as its docstring."""
    if attribute.lineno is None or isinstance(attribute.filepath, list):
        return None
    try:
        lines = attribute.lines_collection[attribute.filepath]
    except KeyError:
        return None
    found: list[str] = []
    index = attribute.lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return "\n".join(found) or None


# -- attrs classes -----------------------------------------------------------------


def _is_attrs(cls: griffe.Class) -> bool:
    return any(
        isinstance(decorator.value, griffe.Expr)
        and decorator.value.canonical_path.split(".", 1)[0] in ("attr", "attrs")
        for decorator in cls.decorators
    )


def _runtime_class(cls: griffe.Class) -> Any:
    value: Any = importlib.import_module(cls.module.path)
    for part in cls.path[len(cls.module.path) + 1 :].split("."):
        value = getattr(value, part)
    return value


_PLAIN_DEFAULTS = (type(None), bool, int, float, str)


def _default(field: Any, member: griffe.Object | griffe.Alias | None) -> str | griffe.Expr | None:
    """How a field's default reads in the signature (``None``: the argument is required)."""
    default = field.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return f"{getattr(default.factory, '__qualname__', 'factory')}()"
    if isinstance(default, _PLAIN_DEFAULTS) or default in ((), frozenset()):
        return repr(default)
    value = getattr(member, "value", None)
    if isinstance(value, griffe.ExprCall) and value.canonical_path.startswith(("attr.", "attrs.")):
        return repr(default)
    return value if value is not None else repr(default)


def _optional_dependency_missing(error: ModuleNotFoundError, package: str) -> bool:
    """Whether ``error`` says that a module outside ``package`` (an extra's) is not installed."""
    missing = error.name or ""
    return missing.split(".", 1)[0] != package


def _attrs_init(cls: griffe.Class) -> None:
    """Give an attrs class the ``__init__`` that attrs generated for it.

    A class whose module cannot be imported because an optional dependency is
    not installed keeps griffe's view of it.
    """
    try:
        runtime = _runtime_class(cls)
    except ModuleNotFoundError as error:
        if _optional_dependency_missing(error, cls.package.name):
            return
        raise
    if not attrs.has(runtime):
        return
    fields = {field.alias: field for field in attrs.fields(runtime)}
    parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    for name, parameter in list(inspect.signature(runtime).parameters.items()):
        field = fields[name]
        member = cls.all_members.get(field.name)
        annotation = getattr(member, "annotation", None) or field.type
        parameters.append(
            griffe.Parameter(
                name,
                annotation=annotation,
                kind=_PARAMETER_KINDS[parameter.kind],
                default=_default(field, member),
            )
        )
    cls.set_member(
        "__init__",
        griffe.Function(
            "__init__",
            lineno=cls.lineno,
            endlineno=cls.lineno,
            parent=cls,
            parameters=griffe.Parameters(*parameters),
            returns="None",
        ),
    )


# -- bases ---------------------------------------------------------------------------


def _is_public_module(module: griffe.Module) -> bool:
    return not any(part.startswith("_") for part in module.path.split("."))


def _public_paths(pkg: griffe.Module) -> set[str]:
    """Where each object a public module of ``pkg`` exports is defined."""
    public: set[str] = set()
    pending = [pkg]
    while pending:
        module = pending.pop()
        pending.extend(m for m in module.modules.values() if not m.is_alias)
        if not _is_public_module(module):
            continue
        exports = module.exports
        for name, member in module.members.items():
            if name.startswith("_") or (exports is not None and name not in exports):
                continue
            public.add(member.target_path if isinstance(member, griffe.Alias) else member.path)
    return public


def _public_bases(cls: griffe.Class, package: str, public: set[str]) -> list[str | griffe.Expr]:
    """``cls``'s bases less the package's private ones."""

    def shown(base: str | griffe.Expr) -> bool:
        path = base.canonical_path if isinstance(base, griffe.Expr) else base
        return not path.startswith(package + ".") or path in public

    return [base for base in cls.bases if shown(base)]


# -- the extension -------------------------------------------------------------------


class SphinxDocstrings(griffe.Extension):
    """Read the docstrings of every loaded package as Sphinx would; show public bases only."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg``, add attrs ``__init__`` methods, hide private bases."""
        collection = loader.modules_collection
        public = _public_paths(pkg)
        pending: list[griffe.Object] = [pkg]
        while pending:
            obj = pending.pop()
            if isinstance(obj, griffe.Attribute) and obj.docstring is None:
                comment = _comment_docstring(obj)
                if comment is not None:
                    obj.docstring = griffe.Docstring(comment, lineno=obj.lineno, parent=obj)
            if isinstance(obj, griffe.Class):
                if "__init__" not in obj.members and _is_attrs(obj):
                    _attrs_init(obj)
                obj.bases = _public_bases(obj, pkg.name, public)
            if obj.docstring is not None:
                obj.docstring.value = to_markdown(obj.docstring.value, _resolver(obj, collection))
            pending.extend(
                member
                for member in obj.members.values()
                if isinstance(member, griffe.Object) and not member.is_alias
            )
