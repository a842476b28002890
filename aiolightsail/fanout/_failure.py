"""What a fan-out reports besides its items: a target's failure, and what a search found."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from aiolightsail._errors import LightsailError
from aiolightsail._models import Instance
from aiolightsail._repr import SafeRepr
from aiolightsail._target import Target

__all__ = ["FleetFailure", "FoundInstances"]


@attrs.frozen(kw_only=True)
class FleetFailure(SafeRepr):
    """A target that failed, why, and where to resume it.

    Attributes:
        target: the target.
        error: the error (a :class:`~aiolightsail.LightsailError`).
        page_token: for list streams, the token of the page that failed
            (``None``: the first page); pass it back through ``page_tokens=``
            to resume with nothing skipped or repeated.
    """

    target: Target
    error: LightsailError
    page_token: str | None = None


class FoundInstances(list[tuple[Target, Instance]]):
    """What :meth:`Fleet.find_instances` found: ``(target, instance)`` pairs, in target order.

    Attributes:
        failures: the targets that could not be searched (not those without
            the instance): a name missing from the list may be in one of them.
    """

    def __init__(self, found: Iterable[tuple[Target, Instance]] = ()) -> None:
        super().__init__(found)
        self.failures: list[FleetFailure] = []
