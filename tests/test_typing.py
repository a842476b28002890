"""The public API's annotations are precise: ``Any`` only where the value really is anything."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import aiolightsail
from aiolightsail import Fleet, LightsailClient
from aiolightsail.fanout._fleet import _FleetOptions

#: ``Any`` as the values of JSON-like data (``from_api``'s input, ``to_dict``'s
#: output) and in ``Coroutine[Any, Any, R]`` (the type's usual spelling) is as
#: precise as it gets; these are taken out before looking for ``Any``.
_USUAL = re.compile(r"(?:Mapping|dict)\[str, Any\]|Coroutine\[Any, Any, ")

#: Parameters that are ``Any`` on purpose (none today).
_ANY_ON_PURPOSE: set[tuple[str, str]] = set()


def _public_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    for name in aiolightsail.__all__:
        value = getattr(aiolightsail, name)
        members = inspect.getmembers(value) if inspect.isclass(value) else [("", value)]
        for member, function in members:
            if member.startswith("_") and member != "__init__":
                continue
            if isinstance(function, property):
                function = function.fget
            function = getattr(function, "__func__", function)
            if inspect.isfunction(function) and function.__module__.startswith("aiolightsail"):
                yield (f"{name}.{member}" if member else name), function


def test_public_signatures_name_any_only_on_purpose() -> None:
    """No public function or method takes or returns ``Any`` beyond JSON-like data and ``last``."""
    found = []
    for name, function in _public_functions():
        signature = inspect.signature(function)
        annotations = {p.name: p.annotation for p in signature.parameters.values()}
        annotations["return"] = signature.return_annotation
        for parameter, annotation in annotations.items():
            text = _USUAL.sub("", str(annotation))
            if re.search(r"\bAny\b", text) and (name, parameter) not in _ANY_ON_PURPOSE:
                found.append(f"{name}({parameter}: {annotation})")
    assert found == []


def test_the_metric_window_is_typed_as_datetimes() -> None:
    """``get_instance_metric_data`` declares its ``start_time`` and ``end_time`` as datetimes."""
    hints = typing.get_type_hints(LightsailClient.get_instance_metric_data)
    assert hints["start_time"] is datetime
    assert hints["end_time"] is datetime


def test_across_takes_exactly_the_fleets_keyword_arguments() -> None:
    """``Fleet.across``'s typed options are ``Fleet``'s keyword arguments, with the same types."""
    keywords = {
        name
        for name, parameter in inspect.signature(Fleet).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    fleet_hints = typing.get_type_hints(Fleet.__init__)
    options = typing.get_type_hints(_FleetOptions)
    assert set(options) == keywords
    assert options == {name: fleet_hints[name] for name in keywords}


#: User code of the wire models, as mypy --strict must read it: each line ending in
#: "# error" must be an error, every other line clean.
_MODEL_USE = """
from datetime import UTC, datetime

import msgspec

from aiolightsail import (
    Instance,
    InstanceStateName,
    Operation,
    OperationStatus,
    Page,
    to_dict,
)

instance = Instance(name="web-1", created_at=datetime.now(UTC))
created: datetime | None = instance.created_at
name: str | None = instance.name
state: InstanceStateName | str | None = instance.state_name
tags: tuple[str | None, ...] = tuple(tag.key for tag in instance.tags)
running: bool = instance.state_name == InstanceStateName.RUNNING
operation = Operation.from_api({"status": "Succeeded"})
if isinstance(operation.status, OperationStatus):
    over: bool = operation.status.is_final
page: Page[Instance] = Page(items=(instance,), next_page_token=None)
plain: dict[str, object] = to_dict(instance)
later = msgspec.structs.replace(instance, name="web-2")
renamed: Instance = later
seconds: float | None = instance.created_at  # error
instance.name = "web-3"  # error
Instance("web-1")  # error
"""


def test_user_code_of_the_models_type_checks_strictly(tmp_path: Path) -> None:
    """Timestamps read as datetimes, enumerated members as the member or str, models as
    frozen keyword-only values: mypy --strict accepts the uses and refuses the mistakes."""
    import mypy.api

    (tmp_path / "use.py").write_text(_MODEL_USE, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    stdout, stderr, status = mypy.api.run(
        [
            "--strict",
            "--python-version=3.11",
            f"--config-file={tmp_path / 'mypy.ini'}",
            f"--cache-dir={tmp_path / 'cache'}",
            "--no-error-summary",
            str(tmp_path / "use.py"),
        ]
    )
    assert status in (0, 1), stdout + stderr
    flagged = {int(line.split(":")[1]) for line in stdout.splitlines() if ": error:" in line}
    expected = {
        number
        for number, line in enumerate(_MODEL_USE.splitlines(), start=1)
        if line.endswith("# error")
    }
    assert flagged == expected, stdout
