"""The limits the emulator enforces: the service's quotas, and bounds on what it keeps.

Lightsail limits each account to 20 instances per region (the service quota
"Instances", adjustable on request; AWS's general reference, Lightsail
endpoints and quotas). A ``CreateInstances`` or ``CreateInstancesFromSnapshot``
that would pass it is refused whole with ``InvalidInputException``, the code the
service uses for requests it will not carry out; no instance is created. There
is no limit on the names one call may carry beyond that quota.

The emulator also bounds what grows with use and not with state: STS sessions
(expired ones are forgotten a day after they expire, and at most ``sessions``
are kept, the oldest dropped first) and the ``AssumeRole`` call log in
:class:`~aiolightsail.emulator.Stats` (the newest ``call_log`` calls are kept).

Tests set their own (``Emulator(quotas=Quotas(instances=500))``); seeding from
Python (``seed_instances``) is not an API call and is not limited.
"""

from __future__ import annotations

import attrs

from aiolightsail._repr import SafeRepr
from aiolightsail.emulator._errors import ServiceError, invalid_input

__all__ = ["Quotas"]


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a positive int, got {value!r}")


@attrs.frozen(kw_only=True)
class Quotas(SafeRepr):
    """The service's quotas and the emulator's bounds.

    Attributes:
        instances: Instances one account may hold in one region (Lightsail: 20).
        sessions: STS sessions kept at once; past it, the oldest are forgotten.
        call_log: ``AssumeRole`` calls kept in ``Stats.assume_role_calls``.
    """

    instances: int = attrs.field(default=20, validator=_positive)
    sessions: int = attrs.field(default=10_000, validator=_positive)
    call_log: int = attrs.field(default=10_000, validator=_positive)

    def check_instances(self, held: int, adding: int, region: str) -> None:
        """Refuse ``adding`` instances to an account holding ``held`` in ``region``.

        Raises:
            ServiceError: ``InvalidInputException`` past the ``instances`` quota.
        """
        if held + adding > self.instances:
            raise quota_exceeded("instances", self.instances, region, held=held, adding=adding)


def quota_exceeded(what: str, quota: int, region: str, *, held: int, adding: int) -> ServiceError:
    """The error of a request that would pass a quota (the service's ``InvalidInputException``)."""
    return invalid_input(
        f"You have reached the quota of {quota} {what} in {region} for this account: "
        f"it holds {held} and the request adds {adding}. Delete some, or request a higher quota."
    )
