"""Reprs that work at every stage of an object's life.

Error trackers and ``traceback.TracebackException(..., capture_locals=True)``
call ``repr`` on every local of every frame, including ``self`` in an
``__init__`` that raised halfway. attrs' generated ``__repr__`` then raises
``AttributeError`` for the attributes not yet set, which breaks the report
of the real error. A class that inherits :class:`SafeRepr` keeps attrs'
``repr`` for complete objects, and for incomplete ones shows the attributes
that are set, ``<unset>`` for the others, and still never the fields declared
``repr=False`` (the secrets).

:func:`one_line` shortens outside text for the one-line ``str`` of an error
or an event (a waiter's error, ``str(InstanceChange)``), which a bot posts as
it is; the object keeps the whole value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["UNSET", "SafeRepr", "one_line", "partial_repr"]

#: How an attribute that is not set yet is shown.
UNSET = "<unset>"


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (each run of whitespace one space), cut to ``limit`` characters
    with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def partial_repr(obj: object) -> str:
    """``Class(field=value, other=<unset>)``: an attrs object's repr, whatever is set.

    Fields declared ``repr=False`` are left out, as attrs leaves them out.
    """
    cls = type(obj)
    if not attrs.has(cls):
        return f"<{cls.__qualname__} (incomplete)>"
    shown = []
    for field in attrs.fields(cls):
        if not field.repr:
            continue
        try:
            value = getattr(obj, field.name)
        except AttributeError:
            shown.append(f"{field.name}={UNSET}")
            continue
        text = field.repr(value) if callable(field.repr) else repr(value)
        shown.append(f"{field.name}={text}")
    return f"{cls.__qualname__}({', '.join(shown)})"


def _tolerant(generated: Callable[[Any], str]) -> Callable[[Any], str]:
    @functools.wraps(generated)
    def __repr__(self: Any) -> str:  # noqa: N807 - it is the method
        try:
            return generated(self)
        except AttributeError:
            return partial_repr(self)

    __repr__.tolerant = True  # type: ignore[attr-defined]
    return __repr__


class SafeRepr:
    """A base whose subclasses' ``__repr__`` never raises on a half-built object."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # attrs adds __repr__ to the class it builds (slotted classes are built
        # anew, which runs this hook again with the generated method in place).
        generated = cls.__dict__.get("__repr__")
        if generated is not None and not getattr(generated, "tolerant", False):
            cls.__repr__ = _tolerant(generated)  # type: ignore[method-assign]
