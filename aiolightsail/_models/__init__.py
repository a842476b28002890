"""The wire models of Lightsail's instance API and their decoding, straight from bytes.

``_base``: what every model shares (msgspec configuration, fix-ups, repr,
``to_dict``); ``_shapes``: the classes; ``_answers``: a whole answer of an
operation decoded into them, bounded.
"""

from __future__ import annotations

from aiolightsail._models._base import Model, describe, secret_fields, to_dict
from aiolightsail._models._shapes import (
    AddOn,
    AvailabilityZone,
    Blueprint,
    Bundle,
    Disk,
    HostKeyAttributes,
    Instance,
    InstanceAccessDetails,
    InstanceHardware,
    InstanceMetadataOptions,
    InstanceNetworking,
    InstancePortInfo,
    InstancePortState,
    InstanceSnapshot,
    InstanceState,
    MetricDatapoint,
    MonthlyTransfer,
    Operation,
    Page,
    PasswordData,
    PortInfo,
    Region,
    ResourceLocation,
    Tag,
)

__all__ = [
    "AddOn",
    "AvailabilityZone",
    "Blueprint",
    "Bundle",
    "Disk",
    "HostKeyAttributes",
    "Instance",
    "InstanceAccessDetails",
    "InstanceHardware",
    "InstanceMetadataOptions",
    "InstanceNetworking",
    "InstancePortInfo",
    "InstancePortState",
    "InstanceSnapshot",
    "InstanceState",
    "MetricDatapoint",
    "Model",
    "MonthlyTransfer",
    "Operation",
    "Page",
    "PasswordData",
    "PortInfo",
    "Region",
    "ResourceLocation",
    "Tag",
    "describe",
    "secret_fields",
    "to_dict",
]
