"""What crosses a process boundary pickles intact: errors, failures, targets, models, pages.

Sharded sweeps (``aiolightsail.dask``) and ``multiprocessing`` move these
objects between processes; a class that does not unpickle, or unpickles with
an attribute lost, would turn a target's failure into a crash of the sweep.
"""

from __future__ import annotations

import copy
import inspect
import pickle
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import pytest

import aiolightsail as al
from aiolightsail import Target, ValidationError
from aiolightsail.emulator import Emulator
from tests.conftest import keys

#: Public classes that hold connections or tasks: they never cross a process boundary.
_NOT_VALUES = {
    al.Fleet,
    al.FleetStream,
    al.InstanceWatch,
    al.LightsailClient,
    al.PageIterator,
}
_PUBLIC = {
    name: value
    for name in al.__all__
    if inspect.isclass(value := getattr(al, name)) and value not in _NOT_VALUES
}
_ERRORS = sorted(
    (cls for cls in _PUBLIC.values() if issubclass(cls, BaseException)), key=lambda c: c.__name__
)
T = TypeVar("T")
_TARGET = Target("eu-west-1", role_arn="arn:aws:iam::111111111111:role/inventory", name="prod")


def _round_trip(value: T) -> T:
    """``value`` pickled and unpickled, as a process boundary moves it."""
    back: T = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own bytes, just made
    return back


def _error(cls: type[BaseException]) -> BaseException:
    """An instance of ``cls`` with each of its attributes set to something other than a default."""
    error: BaseException
    if issubclass(cls, al.APIError):
        error = cls(
            "no such instance",
            code="NotFoundException",
            operation="GetInstance",
            region="eu-west-1",
            request_id="req-1",
            http_status=400,
            tip="check the name",
            docs="https://docs.example/lightsail",
        )
    elif issubclass(cls, al.ValidationError):
        error = cls("instance_name", "must be 2 to 255 characters", "x", show=True)
    elif issubclass(cls, al.RedirectError):
        error = cls("moved", status=301, location="https://elsewhere/", operation="GetInstances")
    elif issubclass(cls, al.ResponseError):
        error = cls("not JSON", operation="GetInstances")
    elif issubclass(cls, al.TransportError):
        error = cls("connection reset", operation="GetInstances", region="eu-west-1")
    elif issubclass(cls, al.WaitTimeoutError | al.WaitFailedError):
        error = cls("still pending", last=al.Instance(name="web-1"))
    elif issubclass(cls, al.WriteOutcomeUnknownError):
        error = cls(
            "the answer was lost",
            operation="RebootInstance",
            region="eu-west-1",
            resources=("web-1",),
            check="its operations",
        )
    else:
        error = cls("listing stopped")
    if isinstance(error, al.LightsailError):
        error.page_token = "resume-here"
    error.add_note("a note added on the way")
    return error


def _state(error: BaseException) -> tuple[Any, ...]:
    return (type(error), error.args, str(error), vars(error))


@pytest.mark.parametrize("cls", _ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_class_unpickles_with_its_attributes(cls: type[BaseException]) -> None:
    """Each public error class comes back from pickle as the same class with every attribute."""
    error = _error(cls)
    back = _round_trip(error)
    assert _state(back) == _state(error)
    if isinstance(error, al.APIError):
        assert isinstance(back, al.APIError)
        assert (back.code, back.request_id, back.page_token) == (
            "NotFoundException",
            "req-1",
            "resume-here",
        )


def test_a_fleet_failure_unpickles_with_its_target_error_and_token() -> None:
    """A FleetFailure keeps its target, its error's class and attributes, and its page token."""
    failure = al.FleetFailure(target=_TARGET, error=_error(al.ThrottledError), page_token="t-2")  # type: ignore[arg-type]
    back = _round_trip(failure)
    assert (back.target, back.page_token) == (_TARGET, "t-2")
    assert _state(back.error) == _state(failure.error)


def _model_classes() -> list[type[Any]]:
    """The public model classes, whatever their implementation: those of the models module."""
    return sorted(
        (
            cls
            for cls in _PUBLIC.values()
            if cls.__module__.startswith("aiolightsail._models") and cls is not al.Page
        ),
        key=lambda cls: cls.__name__,
    )


def test_the_model_classes_are_found() -> None:
    """The generic walk finds the models (so the round trip below is not vacuous)."""
    names = {cls.__name__ for cls in _model_classes()}
    assert {"Instance", "InstanceSnapshot", "Blueprint", "Operation", "PortInfo"} <= names


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda cls: cls.__name__)
def test_every_model_class_round_trips(cls: type[Any]) -> None:
    """Each public model, built with its defaults, comes back from pickle equal, in a Page too."""
    model = cls()
    assert _round_trip(model) == model
    page = al.Page(items=(model, model), next_page_token="next")
    assert _round_trip(page) == page


async def test_populated_models_from_the_emulator_round_trip(emulator: Emulator) -> None:
    """Pages of instances, snapshots and blueprints as the service sends them pickle intact."""
    emulator.seed_instances("111111111111", "eu-west-1", 3)
    emulator.seed_snapshots("111111111111", "eu-west-1", 2)
    async with al.LightsailClient(
        "eu-west-1", endpoint_url=emulator.endpoint_url, **keys(0)
    ) as client:
        pages: list[al.Page[Any]] = [
            await client.get_instances(),
            await client.get_instance_snapshots(),
            await client.get_blueprints(),
        ]
    for page in pages:
        assert page.items, page
        assert _round_trip(page) == page


def test_value_classes_of_the_fan_out_round_trip() -> None:
    """InstanceChange, TargetHealthChange, FoundInstances (with its failures) and the
    instrumentation events pickle."""
    instance = al.Instance(name="web-1", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    change = al.InstanceChange(
        target=_TARGET, kind="changed", before=instance, after=instance, changed=frozenset({"x"})
    )
    assert _round_trip(change) == change
    failure = al.FleetFailure(target=_TARGET, error=al.PaginationError("loop"))
    failing = al.TargetHealthChange(target=_TARGET, kind="failing", failure=failure, sweep=2)
    back_failing = _round_trip(failing)
    assert (back_failing.target, back_failing.kind, back_failing.sweep) == (_TARGET, "failing", 2)
    assert str(back_failing) == str(failing)
    found = al.FoundInstances([(_TARGET, instance)])
    found.failures = [al.FleetFailure(target=_TARGET, error=al.PaginationError("loop"))]
    back = _round_trip(found)
    assert list(back) == list(found)
    assert [f.target for f in back.failures] == [_TARGET]


def test_every_public_value_class_is_covered() -> None:
    """Each public class is an error, a model, or one of the values tested here by name.

    A new public class must be added to one of the tests of this module (or
    to the classes that hold connections).
    """
    covered = {
        *_ERRORS,
        *_model_classes(),
        al.Page,
        al.Target,
        al.FleetFailure,
        al.InstanceChange,
        al.TargetHealthChange,
        al.FoundInstances,
    }
    events = {al.PageEvent, al.RequestEvent, al.RetryEvent, al.TargetEvent}
    enums = {cls for cls in _PUBLIC.values() if issubclass(cls, str) and cls is not str}
    hooks = {al.InstrumentHook}
    missing = set(_PUBLIC.values()) - covered - events - enums - hooks
    assert not missing, sorted(cls.__name__ for cls in missing)


@pytest.mark.parametrize(
    "target",
    [
        Target("eu-west-1"),
        Target("eu-west-1", profile="prod", name="prod"),
        Target(
            "us-east-1",
            role_arn="arn:aws:iam::111111111111:role/inventory",
            external_id="ext-1",
            duration_seconds=900,
            role_session_name="sweep",
            endpoint_url="http://127.0.0.1:9",
        ),
    ],
    ids=["default-chain", "profile", "role"],
)
def test_a_target_by_reference_round_trips(target: Target) -> None:
    """A target naming its credentials by reference pickles equal, every field kept."""
    back = _round_trip(target)
    assert back == target
    assert attrs.asdict(back) == attrs.asdict(target)


@pytest.mark.parametrize("extra", [{}, {"role_arn": "arn:aws:iam::111111111111:role/r"}])
def test_a_static_key_target_refuses_to_pickle(extra: dict[str, Any]) -> None:
    """A target with static keys (alone or under a role) refuses, naming the way out."""
    target = Target("eu-west-1", **keys(0), **extra)
    with pytest.raises(ValidationError, match="pickle_secrets=True") as caught:
        pickle.dumps(target)
    assert keys(0)["aws_secret_access_key"] not in str(caught.value)
    with pytest.raises(ValidationError):
        pickle.dumps(al.FleetFailure(target=target, error=al.PaginationError("x")))


def test_a_static_key_target_pickles_its_secret_when_asked() -> None:
    """With pickle_secrets=True the keys travel, and the flag changes neither equality nor hash."""
    target = Target("eu-west-1", **keys(0), aws_session_token="token-1", pickle_secrets=True)
    back = _round_trip(target)
    assert back.aws_secret_access_key == keys(0)["aws_secret_access_key"]
    assert back.aws_session_token == "token-1"
    assert back.pickle_secrets is True
    plain = Target("eu-west-1", **keys(0), aws_session_token="token-1")
    assert back == plain
    assert hash(back) == hash(plain)


def test_copy_and_deepcopy_keep_working_for_static_keys() -> None:
    """copy and deepcopy of a static-key target give the same value (nothing is pickled)."""
    target = Target("eu-west-1", **keys(0))
    assert copy.copy(target) == target
    assert copy.deepcopy({"t": [target]})["t"][0] == target
