"""The one table of the Lightsail operations aiolightsail calls.

Each :class:`Op` says what the library needs to know about one wire
operation: its name on the wire, the :class:`~aiolightsail.LightsailClient`
method that calls it, the member of the answer that holds the result, the
model that member becomes, whether the answer is one object, a list or a page,
and whether the operation changes anything. The table drives:

* the client's plumbing (``LightsailClient._one/_list/_page``: which member,
  which model, how a page's token is read);
* the decoding of answers (which member holds the result, as which model: ``_models``);
* the trimming of the shared botocore loader (which operations and shapes are
  kept, ``_botocore``);
* the tests: every entry has a client method, a botocore operation with that
  output member, and an emulator handler.

Adding an operation is one entry here, its model in ``_models``, its
validation in ``_validation``, its method on the client and its handler in the
emulator; ``docs/design.md`` walks through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Literal, TypeVar

import attrs

from aiolightsail._models import (
    Blueprint,
    Bundle,
    Instance,
    InstanceAccessDetails,
    InstancePortState,
    InstanceSnapshot,
    InstanceState,
    MetricDatapoint,
    Model,
    Operation,
    Region,
)
from aiolightsail._repr import SafeRepr

__all__ = ["OPERATIONS", "Op"]

M = TypeVar("M", bound=Model)

#: How the result member holds the result: one object, a list, or a list with ``nextPageToken``.
Shape = Literal["one", "list", "page"]


@attrs.frozen
class Op(SafeRepr, Generic[M]):
    """One Lightsail operation as the library calls it.

    Attributes:
        wire: the operation's name on the wire (``"GetInstances"``).
        method: the :class:`~aiolightsail.LightsailClient` method that calls it.
        member: the member of the answer that holds the result (``"instances"``).
        model: the model the result's objects become.
        shape: ``"one"`` object, a ``"list"``, or a ``"page"`` (a list and ``nextPageToken``).
        writes: whether the operation changes anything (creates, deletes, opens, closes).
    """

    wire: str
    method: str
    member: str
    model: type[M]
    shape: Shape
    writes: bool = attrs.field(default=False, kw_only=True)

    @property
    def paginated(self) -> bool:
        """Whether the operation answers in pages (``pageToken`` → ``nextPageToken``)."""
        return self.shape == "page"

    @property
    def output_shape(self) -> str:
        """The name of the operation's output shape in botocore's Lightsail model."""
        return f"{self.wire}Result"


GET_INSTANCE = Op("GetInstance", "get_instance", "instance", Instance, "one")
GET_INSTANCES = Op("GetInstances", "get_instances", "instances", Instance, "page")
GET_BLUEPRINTS = Op("GetBlueprints", "get_blueprints", "blueprints", Blueprint, "page")
GET_INSTANCE_SNAPSHOT = Op(
    "GetInstanceSnapshot", "get_instance_snapshot", "instanceSnapshot", InstanceSnapshot, "one"
)
GET_INSTANCE_SNAPSHOTS = Op(
    "GetInstanceSnapshots",
    "get_instance_snapshots",
    "instanceSnapshots",
    InstanceSnapshot,
    "page",
)
GET_INSTANCE_ACCESS_DETAILS = Op(
    "GetInstanceAccessDetails",
    "get_instance_access_details",
    "accessDetails",
    InstanceAccessDetails,
    "one",
)
GET_INSTANCE_METRIC_DATA = Op(
    "GetInstanceMetricData", "get_instance_metric_data", "metricData", MetricDatapoint, "list"
)
GET_INSTANCE_PORT_STATES = Op(
    "GetInstancePortStates", "get_instance_port_states", "portStates", InstancePortState, "list"
)
CREATE_INSTANCES = Op(
    "CreateInstances", "create_instances", "operations", Operation, "list", writes=True
)
CREATE_INSTANCES_FROM_SNAPSHOT = Op(
    "CreateInstancesFromSnapshot",
    "create_instances_from_snapshot",
    "operations",
    Operation,
    "list",
    writes=True,
)
CREATE_INSTANCE_SNAPSHOT = Op(
    "CreateInstanceSnapshot",
    "create_instance_snapshot",
    "operations",
    Operation,
    "list",
    writes=True,
)
DELETE_INSTANCE = Op(
    "DeleteInstance", "delete_instance", "operations", Operation, "list", writes=True
)
DELETE_INSTANCE_SNAPSHOT = Op(
    "DeleteInstanceSnapshot",
    "delete_instance_snapshot",
    "operations",
    Operation,
    "list",
    writes=True,
)
CLOSE_INSTANCE_PUBLIC_PORTS = Op(
    "CloseInstancePublicPorts",
    "close_instance_public_ports",
    "operation",
    Operation,
    "one",
    writes=True,
)
START_INSTANCE = Op("StartInstance", "start_instance", "operations", Operation, "list", writes=True)
STOP_INSTANCE = Op("StopInstance", "stop_instance", "operations", Operation, "list", writes=True)
REBOOT_INSTANCE = Op(
    "RebootInstance", "reboot_instance", "operations", Operation, "list", writes=True
)
GET_INSTANCE_STATE = Op("GetInstanceState", "get_instance_state", "state", InstanceState, "one")
OPEN_INSTANCE_PUBLIC_PORTS = Op(
    "OpenInstancePublicPorts",
    "open_instance_public_ports",
    "operation",
    Operation,
    "one",
    writes=True,
)
PUT_INSTANCE_PUBLIC_PORTS = Op(
    "PutInstancePublicPorts",
    "put_instance_public_ports",
    "operation",
    Operation,
    "one",
    writes=True,
)
GET_OPERATION = Op("GetOperation", "get_operation", "operation", Operation, "one")
GET_OPERATIONS = Op("GetOperations", "get_operations", "operations", Operation, "page")
GET_OPERATIONS_FOR_RESOURCE = Op(
    "GetOperationsForResource", "get_operations_for_resource", "operations", Operation, "page"
)
GET_REGIONS = Op("GetRegions", "get_regions", "regions", Region, "list")
GET_BUNDLES = Op("GetBundles", "get_bundles", "bundles", Bundle, "page")

#: Every operation the library calls, by wire name.
OPERATIONS: Mapping[str, Op[Any]] = {
    op.wire: op
    for op in (
        GET_INSTANCE,
        GET_INSTANCES,
        GET_BLUEPRINTS,
        GET_INSTANCE_SNAPSHOT,
        GET_INSTANCE_SNAPSHOTS,
        GET_INSTANCE_ACCESS_DETAILS,
        GET_INSTANCE_METRIC_DATA,
        GET_INSTANCE_PORT_STATES,
        CREATE_INSTANCES,
        CREATE_INSTANCES_FROM_SNAPSHOT,
        CREATE_INSTANCE_SNAPSHOT,
        DELETE_INSTANCE,
        DELETE_INSTANCE_SNAPSHOT,
        CLOSE_INSTANCE_PUBLIC_PORTS,
        START_INSTANCE,
        STOP_INSTANCE,
        REBOOT_INSTANCE,
        GET_INSTANCE_STATE,
        OPEN_INSTANCE_PUBLIC_PORTS,
        PUT_INSTANCE_PUBLIC_PORTS,
        GET_OPERATION,
        GET_OPERATIONS,
        GET_OPERATIONS_FOR_RESOURCE,
        GET_REGIONS,
        GET_BUNDLES,
    )
}
