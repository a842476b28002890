"""Every object can describe itself, at every stage of its life, without showing a secret.

Error trackers call ``repr`` on every local of every frame of a traceback
(``traceback.TracebackException(..., capture_locals=True)``), including
``self`` in an ``__init__`` that refused an argument halfway. The rule, for
every class of the package: ``repr`` of an instance whose ``__init__`` never
ran, or set any subset of its attributes, returns a string, and that string
holds none of the secrets the complete object holds.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
import inspect
import pkgutil
import re
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aiolightsail
from aiolightsail import (
    Fleet,
    FleetFailure,
    FleetStream,
    InstanceAccessDetails,
    LightsailClient,
    LightsailError,
    Page,
    Target,
)
from aiolightsail._models import Model, secret_fields
from aiolightsail.emulator import Account, Emulator
from aiolightsail.emulator._auth import Principal, SessionCredentials

SECRET = "marker-secret-3f9a1c0b7e"
TOKEN = "marker-token-8d2e4f6a1b"
PRIVATE = "marker-private-key-5c7d9e"
AKID = "AKIA0000000000000000"


def _classes() -> Iterator[type]:
    for info in pkgutil.walk_packages(aiolightsail.__path__, "aiolightsail."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and value.__module__ == module.__name__:
                yield value


CLASSES = sorted(set(_classes()), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _bare(cls: Any) -> Any:
    """An instance whose ``__init__`` never ran."""
    return cls.__new__(cls)


@pytest.mark.parametrize(
    "cls",
    [c for c in CLASSES if not issubclass(c, enum.Enum)],
    ids=lambda c: f"{c.__module__}.{c.__qualname__}",
)
def test_repr_of_an_object_whose_init_never_ran(cls: type) -> None:
    """repr of a bare instance (``cls.__new__(cls)``) returns a string instead of raising
    (msgspec makes no wire model without its ``__init__``: there is none to describe)."""
    if issubclass(cls, msgspec.Struct):
        with pytest.raises(TypeError):
            _bare(cls)
        return
    assert isinstance(repr(_bare(cls)), str)


def test_the_walk_finds_the_classes_that_matter() -> None:
    """The class walk reaches the client, the fleet, the models and the emulator."""
    names = {cls.__qualname__ for cls in CLASSES}
    assert {"LightsailClient", "Fleet", "FleetStream", "Target", "Instance", "Emulator"} <= names


# -- any subset of a complete object's attributes ------------------------------------------

#: A complete instance of each class that holds secrets or has its own repr.
DONORS: dict[str, Callable[[], Any]] = {
    "LightsailClient": lambda: LightsailClient(
        "eu-west-1",
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        endpoint_url="http://127.0.0.1:9",
    ),
    "Target": lambda: Target(
        "eu-west-1", aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    ),
    "Fleet": lambda: Fleet([DONORS["Target"]()]),
    "FleetStream": lambda: FleetStream(
        [DONORS["Target"]()],
        _never,
        concurrency=1,
        fail_fast=False,
        dispatch=None,
        start=asyncio.create_task,
        require_open=_never,
    ),
    "FleetFailure": lambda: FleetFailure(target=DONORS["Target"](), error=LightsailError("x")),
    "InstanceAccessDetails": lambda: InstanceAccessDetails.from_api(
        {
            "privateKey": PRIVATE,
            "password": SECRET,
            "certKey": TOKEN,
            "passwordData": {"ciphertext": SECRET, "keyPairName": "kp"},
            "username": "ubuntu",
        }
    ),
    "Page": lambda: Page(items=(DONORS["InstanceAccessDetails"](),), next_page_token="t"),
    "Account": lambda: Account(
        account_id="111111111111", access_key_id=AKID, secret_access_key=SECRET
    ),
    "Principal": lambda: Principal(
        account_id="111111111111",
        access_key_id=AKID,
        region="eu-west-1",
        service="lightsail",
        arn="arn:aws:iam::111111111111:user/x",
        session_token=TOKEN,
    ),
    "SessionCredentials": lambda: SessionCredentials(
        access_key_id=AKID,
        secret_access_key=SECRET,
        session_token=TOKEN,
        expiration=0.0,
        account_id="111111111111",
        arn="arn:aws:sts::111111111111:assumed-role/r/s",
        assumed_role_id="AROA:s",
    ),
    "Emulator": lambda: Emulator([DONORS["Account"]()]),
}


async def _never(*_args: Any) -> None:
    """A producer that is never run."""


def _attributes(obj: object) -> dict[str, Any]:
    found = dict(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name != "__weakref__" and hasattr(obj, name):
                found[name] = getattr(obj, name)
    return found


def _copy(obj: object, names: set[str]) -> Any:
    if isinstance(obj, msgspec.Struct):  # made whole or not at all: any subset of its members
        return type(obj)(**{k: v for k, v in _attributes(obj).items() if k in names})
    bare = _bare(type(obj))
    for name, value in _attributes(obj).items():
        if name in names:
            object.__setattr__(bare, name, value)
    return bare


def _shown(obj: object) -> str:
    return repr(obj) + str(obj)


@settings(max_examples=300, deadline=None)
@given(donor=st.sampled_from(sorted(DONORS)), pick=st.data())
def test_repr_of_any_partial_object_works_and_hides_secrets(donor: str, pick: Any) -> None:
    """An object with any subset of a complete one's attributes (what __init__ had set when
    it raised) has a repr and str that show no secret the complete object holds."""
    whole = DONORS[donor]()
    names = pick.draw(st.sets(st.sampled_from(sorted(_attributes(whole)))), label="attributes")
    text = _shown(_copy(whole, names)) + _shown(whole)
    for secret in (SECRET, TOKEN, PRIVATE):
        assert secret not in text


# -- the same through a real traceback -------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda: LightsailClient(
                "eu-west-1", aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                read_timeout=float("nan"),
            ),
            id="LightsailClient-nan-timeout",
        ),
        pytest.param(
            lambda: LightsailClient(
                "eu-west-1", aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                aws_session_token=TOKEN, endpoint_url="http://user:pw@host",
            ),
            id="LightsailClient-userinfo",
        ),
        pytest.param(lambda: Fleet([Target("eu-west-1")], concurrency=0), id="Fleet"),
        pytest.param(
            lambda: Target(
                "eu-west-1", aws_access_key_id=AKID, aws_secret_access_key=SECRET, name="a\nb"
            ),
            id="Target",
        ),
        pytest.param(lambda: Emulator(page_size=0), id="Emulator"),
    ],
)  # fmt: skip
def test_traceback_with_locals_describes_a_half_built_object(build: Any) -> None:
    """An error raised inside a constructor can be reported with capture_locals=True (as error
    trackers do): the report is built, and the half-built ``self`` shows no secret (the
    arguments themselves are locals too; trackers scrub those by name)."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error: the report is the point
        build()
    report = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    assert "Traceback" in "".join(report.format())
    selves = [
        shown for frame in report.stack if (shown := (frame.locals or {}).get("self")) is not None
    ]
    assert selves
    for shown in selves:
        assert SECRET not in shown and TOKEN not in shown


# -- which fields are secret -----------------------------------------------------------------

_SECRET_NAME = re.compile(r"secret|token|password|private_key|cert_key|ciphertext|user_data")
#: Fields whose names look secret but are not: an enum ("required"/"optional"),
#: page tokens, and attrs objects that hide their own secret fields
#: (PasswordData, the emulator's PageTokens).
_NOT_SECRET = {"http_tokens", "page_token", "next_page_token", "password_data", "tokens"}


@pytest.mark.parametrize(
    "cls", [c for c in CLASSES if attrs.has(c)], ids=lambda c: f"{c.__module__}.{c.__qualname__}"
)
def test_secret_looking_fields_are_hidden_from_repr(cls: type) -> None:
    """Every attrs field named like a secret (secret, token, password, key material, user
    data) is declared repr=False, unless it holds an attrs object that hides its own."""
    shown = [
        field.name
        for field in attrs.fields(cls)
        if _SECRET_NAME.search(field.name) and field.name not in _NOT_SECRET and field.repr
    ]
    assert shown == []


@pytest.mark.parametrize(
    "cls",
    [c for c in CLASSES if issubclass(c, Model) and c is not Model],
    ids=lambda c: f"{c.__module__}.{c.__qualname__}",
)
def test_secret_looking_members_of_wire_models_are_secrets(cls: type[Model]) -> None:
    """Every wire-model member named like a secret is one of the model's secrets (out of
    repr and to_dict), unless it holds a model that hides its own."""
    shown = [
        name
        for name in cls.__struct_fields__
        if _SECRET_NAME.search(name) and name not in _NOT_SECRET and name not in secret_fields(cls)
    ]
    assert shown == []
