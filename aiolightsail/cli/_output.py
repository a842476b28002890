"""How the ``aiolightsail`` command prints: a table for people, JSON/NDJSON/CSV for programs.

Failures get one line each (:func:`describe_failure`), for stderr.

Text from the service is shown, never obeyed: table cells, headings and failure
lines show control characters as escapes (``\\x1b``; ``aiolightsail._controls``
has the rule), CSV cells too; JSON and NDJSON keep every value exact, writing
those characters as JSON escapes.

Every machine-readable record is ``{"account": ..., "region": ..., **fields}``:
the target the item came from, then every attribute of the model in its
declared order, secrets left out (:func:`aiolightsail.to_dict`). Datetimes are
ISO 8601 in UTC with a ``Z`` suffix; tuples become lists. Tables, JSON and CSV
are sorted by account, region and name, so two runs diff cleanly; NDJSON is
written as each target answers, for pipelines that want lines early.

CSV has every cell quoted and one column per leaf attribute, nested models
flattened with dotted names (``location.region_name``, ``state.name``); lists
(tags, disks, ports) stay whole, JSON-encoded in one cell. The columns come from the model class,
not from the data, so every run of a command has the same header, whichever
attributes happen to be empty.

CSV files are opened in spreadsheets, which run a cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) as a formula, and
every text cell comes from the service or the configuration. Such a cell is
written with a ``'`` in front (OWASP, "CSV Injection"), which spreadsheets show
as text; so is a cell that already starts with ``'``, so that dropping one
leading ``'`` always gives the value back.
"""

from __future__ import annotations

import csv
import itertools
import json
import signal
import threading
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import IO, Any

import attrs
import msgspec
from rich import box
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from aiolightsail import (
    APIError,
    Blueprint,
    FleetFailure,
    Instance,
    InstanceSnapshot,
    Target,
    _logging,
    to_dict,
)
from aiolightsail._controls import json_text, neutralise
from aiolightsail._models import Model, secret_fields
from aiolightsail._repr import SafeRepr

__all__ = [
    "FORMATS",
    "FORMULA_STARTS",
    "KINDS",
    "Kind",
    "csv_columns",
    "describe_failure",
    "flatten",
    "iso",
    "record",
    "summary",
    "write_csv",
    "write_json",
    "write_ndjson_line",
    "write_table",
]

#: The values of ``--output``.
FORMATS = ("table", "json", "ndjson", "csv", "aws")

#: The columns every record starts with: where the item came from.
TARGET_COLUMNS = ("account", "region")


def iso(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC, ``Z``-suffixed: ``2024-01-01T00:00:00Z``.

    Args:
        moment: the datetime (aware; models only hold aware ones).

    Returns:
        The text.
    """
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """``to_dict`` output made JSON-ready: datetimes as text, tuples as lists."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def record(target: Target, item: Any) -> dict[str, Any]:
    """One item as a JSON-ready record: its target's account and region, then its fields.

    Args:
        target: the target the item came from.
        item: a model (``Instance``, ``Blueprint``, ``InstanceSnapshot``).

    Returns:
        ``{"account": ..., "region": ..., **fields}``, secrets left out.
    """
    return {"account": target.account, "region": target.region, **_plain(to_dict(item))}


def describe_failure(failure: FleetFailure) -> str:
    """One line for a failed target: its label, the error class, the message, Lightsail's tip.

    Known secrets (the keys the process uses) are redacted, in case a message echoes one,
    and control characters are shown as escapes: the line stays one line, as written.

    Args:
        failure: the failure.

    Returns:
        ``"prod/eu-west-1: AccessDeniedError (AccessDeniedException): ... Tip: ..."``.
    """
    error = failure.error
    line = f"{failure.target.label}: {type(error).__name__}"
    if isinstance(error, APIError):
        line += f" ({error.code})"
        if error.message:
            line += f": {error.message}"
        if error.tip:
            line += f" Tip: {error.tip}"
    elif str(error):
        line += f": {error}"
    return " ".join(neutralise(_logging.redact(line)).split())


# -- CSV ----------------------------------------------------------------------------


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (UnionType, typing.Union):
        args = [arg for arg in typing.get_args(hint) if arg is not NoneType]
        if len(args) == 1:
            return args[0]
    return hint


def _leaf_paths(model: type[Model], prefix: str = "") -> list[str]:
    secrets = secret_fields(model)
    paths: list[str] = []
    for field in msgspec.structs.fields(model):
        if field.name in secrets:
            continue
        hint = _unwrap_optional(field.type)
        name = prefix + field.name
        if isinstance(hint, type) and issubclass(hint, Model):
            paths += _leaf_paths(hint, name + ".")
        else:
            paths.append(name)
    return paths


def csv_columns(model: type[Model]) -> list[str]:
    """The CSV header for a model: the target columns, then its leaf attributes, dotted.

    Args:
        model: the model class.

    Returns:
        The column names, in the model's declared order.
    """
    return [*TARGET_COLUMNS, *_leaf_paths(model)]


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested record flattened to dotted keys; lists are left whole.

    Args:
        data: a record from :func:`record`.
        prefix: prepended to every key (used by the recursion).

    Returns:
        ``{"location.region_name": ..., "tags": [...], ...}``.
    """
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


#: First characters that make a spreadsheet read a cell as a formula (OWASP's list,
#: with their full-width forms), and the quote that escapes them.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_ESCAPE = "'"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # Controls are shown as escapes, as on a terminal: a spreadsheet or a
        # pager shows the file to a person.
        text = neutralise(value)
        if text[:1] in FORMULA_STARTS or text.startswith(_ESCAPE):
            return _ESCAPE + text
        return text
    # bools, numbers and lists are written as JSON, so a reader decodes every
    # non-text cell the same way (true/false, 1.5, [{"key": ...}]).
    return json_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def write_csv(stream: IO[str], model: type, records: Iterable[Mapping[str, Any]]) -> None:
    """Write records as CSV, every cell quoted, with the model's stable header.

    Text cells that a spreadsheet would run as a formula are escaped (see above).

    Args:
        stream: where to write.
        model: the records' model class (it fixes the columns).
        records: records from :func:`record`.
    """
    columns = csv_columns(model)
    # Every cell quoted: with "\n" rows, the csv module would leave a cell holding a
    # lone "\r" unquoted, and readers take that "\r" for the end of a row.
    writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for data in records:
        flat = flatten(data)
        writer.writerow([_cell(flat.get(column)) for column in columns])


# -- JSON ---------------------------------------------------------------------------


def write_json(stream: IO[str], records: Sequence[Mapping[str, Any]]) -> None:
    """Write records as one JSON array, indented for reading.

    Args:
        stream: where to write.
        records: records from :func:`record`.
    """
    stream.write(json_text(json.dumps(list(records), indent=2, ensure_ascii=False)))
    stream.write("\n")


def write_ndjson_line(stream: IO[str], data: Mapping[str, Any]) -> None:
    """Write one record as one line of JSON (newline-delimited JSON).

    Args:
        stream: where to write.
        data: a record from :func:`record`.
    """
    stream.write(json_text(json.dumps(data, ensure_ascii=False)))
    stream.write("\n")


# -- tables -------------------------------------------------------------------------


@attrs.frozen
class Column(SafeRepr):
    """One column of a human-readable table.

    Attributes:
        header: the heading.
        value: the cell's text for ``(target, item)``.
        justify: ``left`` or ``right``.
        wrap: prose that may wrap at spaces when the table is too wide;
            identifiers (names, ids, addresses) are squeezed last.
    """

    header: str
    value: Callable[[Target, Any], str]
    justify: typing.Literal["left", "right"] = "left"
    wrap: bool = False

    def cell(self, target: Target, item: Any) -> str:
        """The cell's text for ``(target, item)``, its control characters shown as escapes."""
        return neutralise(self.value(target, item))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _day(value: datetime | None) -> str:
    # The UTC day is enough to read a table; the machine formats keep the full time.
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d")


_ACCOUNT = Column("account", lambda target, _: target.account)
_REGION = Column("region", lambda target, _: target.region)


@attrs.frozen
class Kind(SafeRepr):
    """A listable resource: its model, its name, and how it shows in a table.

    Attributes:
        name: the plural, as in the command (``instances``).
        model: the model class.
        columns: the table's columns.
        key: the item's own sort key (after account and region).
    """

    name: str
    model: type
    columns: tuple[Column, ...]
    key: Callable[[Any], str]

    def sort_key(self, target: Target, item: Any) -> tuple[str, str, str]:
        """Sort by account, region, then the item's name: two runs print in the same order."""
        return (target.account, target.region, self.key(item))


def _instance_state(_target: Target, item: Instance) -> str:
    return _text(item.state.name if item.state else None)


INSTANCES = Kind(
    "instances",
    Instance,
    (
        Column("name", lambda _, i: _text(i.name)),
        _ACCOUNT,
        _REGION,
        Column("state", _instance_state),
        Column("public IP", lambda _, i: _text(i.public_ip_address)),
        Column("blueprint", lambda _, i: _text(i.blueprint_id)),
        Column("bundle", lambda _, i: _text(i.bundle_id)),
    ),
    key=lambda item: item.name or "",
)


def _blueprint_name(_target: Target, item: Blueprint) -> str:
    inactive = " (inactive)" if item.is_active is False else ""
    return _text(item.name) + inactive


BLUEPRINTS = Kind(
    "blueprints",
    Blueprint,
    (
        Column("blueprint", lambda _, b: _text(b.blueprint_id)),
        _ACCOUNT,
        _REGION,
        Column("name", _blueprint_name, wrap=True),
        Column("platform", lambda _, b: _text(b.platform)),
        Column("version", lambda _, b: _text(b.version), wrap=True),
    ),
    key=lambda item: item.blueprint_id or "",
)
SNAPSHOTS = Kind(
    "snapshots",
    InstanceSnapshot,
    (
        Column("name", lambda _, s: _text(s.name)),
        _ACCOUNT,
        _REGION,
        Column("state", lambda _, s: _text(s.state)),
        Column("from instance", lambda _, s: _text(s.from_instance_name)),
        Column("GB", lambda _, s: _text(s.size_in_gb), justify="right"),
        Column("created", lambda _, s: _day(s.created_at)),
    ),
    key=lambda item: item.name or "",
)

#: The listable resources, by command name.
KINDS = {kind.name: kind for kind in (INSTANCES, BLUEPRINTS, SNAPSHOTS)}


#: Spaces between two columns (the right padding of each cell).
_GAP = 2


#: Rows drawn at a time: each chunk is out before the next is rendered, so Ctrl-C
#: while a long table is drawn leaves the rows drawn so far on the screen.
_CHUNK = 200


def _table(
    columns: Sequence[Column],
    rows: Iterable[tuple[Target, Any]],
    widths: Sequence[int | None] | None = None,
    *,
    fits: bool = True,
    header: bool = True,
) -> Table:
    # A rule under the header, no borders, two spaces between columns.
    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, _GAP - 1, 0, 0),
        pad_edge=False,
        show_edge=False,
        show_header=header,
    )
    for column, width in zip(columns, widths or [None] * len(columns), strict=True):
        # Folding is the last resort on a very narrow terminal: a cut name
        # would name another instance, a folded one is still whole.
        table.add_column(
            column.header,
            justify=column.justify,
            width=width,
            no_wrap=fits and not column.wrap,
            overflow="fold",
        )
    for target, item in rows:
        # Text, not str: rich would read "[...]" in a name as markup.
        table.add_row(*(Text(column.cell(target, item)) for column in columns))
    return table


def summary(kind: Kind, *, found: int, targets: int, failed: int) -> str:
    """The summary line of a table, for stderr: what was found where.

    Args:
        kind: what was listed.
        found: how many items were listed.
        targets: how many targets were queried.
        failed: how many of them failed.

    Returns:
        ``"13 instances from 3 targets."``, ``"4 instances from 1 of 2 targets."``,
        ``"No instances in 1 target."``.
    """
    answered = targets - failed
    of = f"{answered} of {targets}" if failed else f"{targets}"
    where = f"{of} {'target' if targets == 1 else 'targets'}"
    if not found:
        return f"No {kind.name} in {where}."
    return f"{found} {kind.name} from {where}."


def table_parts(
    width: int, kind: Kind, rows: Sequence[tuple[Target, Any]]
) -> Iterator[tuple[RenderableType, int]]:
    """The table of ``rows`` for a console ``width`` wide, in parts drawn one after another,
    each with how many rows it holds.

    When every column fits, one table; otherwise one table per target under
    an ``account · region`` heading, the account and region columns dropped,
    every group's columns aligned. Twelve-digit account ids, region names and
    addresses do not fit seven columns in 80; grouping keeps every value whole.
    Either way a table comes in chunks of rows with the same column widths,
    its header on the first.

    Args:
        width: the console's width.
        kind: what the rows are.
        rows: ``(target, item)`` pairs, sorted by account and region.

    Yields:
        ``(renderable, rows in it)``: a heading holds no rows.
    """
    if not rows:
        return
    natural = [
        max(cell_len(column.header), *(cell_len(column.cell(*row)) for row in rows))
        for column in kind.columns
    ]
    if sum(natural) + _GAP * (len(natural) - 1) <= width:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            yield _table(kind.columns, chunk, natural, header=start == 0), len(chunk)
        return
    columns = [c for c in kind.columns if c not in (_ACCOUNT, _REGION)]
    texts = [[column.header, *(column.cell(*row) for row in rows)] for column in columns]
    widths: list[int | None] = [
        # Prose may wrap, so it needs only its longest word; the rest
        # get their widest value, the same in every group so they align.
        None if column.wrap else max(map(cell_len, cells))
        for column, cells in zip(columns, texts, strict=True)
    ]
    least = [
        max(cell_len(word) for cell in cells for word in cell.split() or [""])
        if each is None
        else each
        for each, cells in zip(widths, texts, strict=True)
    ]
    fits = sum(least) + _GAP * (len(least) - 1) <= width
    if not fits:
        # A very narrow terminal: let each group fit on its own, folding
        # identifiers rather than cutting them.
        widths = [None] * len(columns)
    elif None in widths:
        # Prose gets what is left, shared alike, so that every chunk is as wide.
        fixed = sum(w for w in widths if w is not None) + _GAP * (len(widths) - 1)
        share = max((width - fixed) // widths.count(None), 1)
        widths = [
            min(share, max(map(cell_len, cells))) if w is None else w
            for w, cells in zip(widths, texts, strict=True)
        ]
    groups = itertools.groupby(rows, key=lambda row: (row[0].account, row[0].region))
    for (account, region), group in groups:
        members = list(group)
        heading = Text.assemble((neutralise(account), "bold"), " · ", (neutralise(region), "bold"))
        heading.append(f" · {len(members)} {kind.name}", style="dim")
        yield heading, 0
        for start in range(0, len(members), _CHUNK):
            chunk = members[start : start + _CHUNK]
            yield _table(columns, chunk, widths, fits=fits, header=start == 0), len(chunk)


def _write_plain(stream: IO[str], kind: Kind, rows: Sequence[tuple[Target, Any]]) -> None:
    """Rows as plain aligned text, every column, one line each: fast, for the rest of a
    table whose drawing was interrupted."""
    cells = [[column.cell(*row) for column in kind.columns] for row in rows]
    widths = [max(map(cell_len, column), default=0) for column in zip(*cells, strict=True)]
    for line in cells:
        shown = (
            cell.rjust(w) if column.justify == "right" else cell.ljust(w)
            for column, cell, w in zip(kind.columns, line, widths, strict=True)
        )
        stream.write((" " * _GAP).join(shown).rstrip() + "\n")
    stream.flush()


def write_table(console: Console, kind: Kind, rows: Sequence[tuple[Target, Any]]) -> None:
    """Print rows as a table that fits the console's width (:func:`table_parts`); nothing
    for no rows.

    A console of unlimited width (stdout piped) always gets the one table, one
    line per row. Ctrl-C while the table is drawn still prints every row: the
    chunk being drawn is finished, the rows not drawn yet follow as plain aligned
    lines, at once; then the interruption goes on. (Ctrl-C is noted, not raised,
    while drawing: raised, it could land in a garbage-collection callback, where
    Python drops it.)

    Args:
        console: where to print.
        kind: what the rows are.
        rows: ``(target, item)`` pairs, sorted by account and region.

    Raises:
        KeyboardInterrupt: Ctrl-C came while drawing (after every row is out).
    """
    noted: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    previous = (
        signal.signal(signal.SIGINT, lambda number, _: noted.append(number)) if main else None
    )
    drawn = 0
    try:
        for part, count in table_parts(console.width, kind, rows):
            if noted:
                break
            console.print(part)
            drawn += count
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    if noted:
        _write_plain(console.file, kind, rows[drawn:])
        raise KeyboardInterrupt
