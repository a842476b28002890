"""aiolightsail: an asyncio client for the Amazon Lightsail instance API.

Typed results, typed errors, input checked before any request, async
iteration over every page, and a fan-out over many accounts × regions.
"""

from __future__ import annotations

from aiolightsail._client import DEFAULT_MAX_ATTEMPTS, LightsailClient
from aiolightsail._errors import (
    AccessDeniedError,
    AccountSetupInProgressError,
    APIError,
    ExpiredCredentialsError,
    InvalidInputError,
    LightsailError,
    NotFoundError,
    OperationFailureError,
    PaginationError,
    RegionNotEnabledError,
    RegionSetupInProgressError,
    ResponseError,
    ServiceError,
    TargetTimeoutError,
    ThrottledError,
    TransportError,
    UnauthenticatedError,
    ValidationError,
)
from aiolightsail._fleet import Fleet, FleetFailure, FleetStream
from aiolightsail._gate import get_cpu_budget, set_cpu_budget
from aiolightsail._models import (
    AddOn,
    Blueprint,
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
    ResourceLocation,
    Tag,
    to_dict,
)
from aiolightsail._pagination import PageIterator
from aiolightsail._regions import LIGHTSAIL_REGIONS, OPT_IN_REGIONS
from aiolightsail._target import Target

__version__ = "0.1.0.dev0"

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "LIGHTSAIL_REGIONS",
    "OPT_IN_REGIONS",
    "APIError",
    "AccessDeniedError",
    "AccountSetupInProgressError",
    "AddOn",
    "Blueprint",
    "Disk",
    "ExpiredCredentialsError",
    "Fleet",
    "FleetFailure",
    "FleetStream",
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
    "InvalidInputError",
    "LightsailClient",
    "LightsailError",
    "MetricDatapoint",
    "MonthlyTransfer",
    "NotFoundError",
    "Operation",
    "OperationFailureError",
    "Page",
    "PageIterator",
    "PaginationError",
    "PasswordData",
    "PortInfo",
    "RegionNotEnabledError",
    "RegionSetupInProgressError",
    "ResourceLocation",
    "ResponseError",
    "ServiceError",
    "Tag",
    "Target",
    "TargetTimeoutError",
    "ThrottledError",
    "TransportError",
    "UnauthenticatedError",
    "ValidationError",
    "__version__",
    "get_cpu_budget",
    "set_cpu_budget",
    "to_dict",
]
