"""The fan-out: one query over many accounts × regions at once (``Fleet``).

One job per module: ``_scope`` (open state, owned tasks, clients lent to the
targets in flight, per-account shared work), ``_engine`` (the per-target
loop), ``_stream`` (``FleetStream``), ``_watch`` (``InstanceWatch``),
``_across`` (accounts × regions), ``_organization`` (an organization's
accounts as role targets), ``_failure`` (``FleetFailure``,
``FoundInstances``), ``_channel`` (the bounded channel), and ``_fleet``
(``Fleet``, the public face). The public names are re-exported by
``aiolightsail``.
"""

from aiolightsail.fanout._engine import DEFAULT_TARGET_TIMEOUT
from aiolightsail.fanout._failure import FleetFailure, FoundInstances
from aiolightsail.fanout._fleet import Fleet
from aiolightsail.fanout._stream import FleetStream
from aiolightsail.fanout._watch import InstanceChange, InstanceWatch, TargetHealthChange

__all__ = [
    "DEFAULT_TARGET_TIMEOUT",
    "Fleet",
    "FleetFailure",
    "FleetStream",
    "FoundInstances",
    "InstanceChange",
    "InstanceWatch",
    "TargetHealthChange",
]
