"""Named constants for the values of Lightsail's enumerated strings.

Each is an :class:`enum.StrEnum`, so a member *is* its wire string:
``InstanceStateName.RUNNING == "running"``, and it can be passed wherever a
string is expected. The models turn the values they know into members
(``instance.state_name is InstanceStateName.RUNNING``) and leave any other
value a plain ``str``, so a value AWS adds tomorrow still parses.

The values of :class:`InstanceSnapshotState`, :class:`OperationStatus`,
:class:`InstanceMetricName`, :class:`MetricStatistic` and :class:`MetricUnit`
are the enums of botocore's Lightsail model; ``tests/test_enums.py`` compares
them with the installed model. botocore has no enum for an instance's state:
:class:`InstanceStateName` lists the states the Lightsail console and API
show, with EC2's state codes.
"""

from __future__ import annotations

import enum

__all__ = [
    "InstanceMetricName",
    "InstanceSnapshotState",
    "InstanceStateName",
    "MetricStatistic",
    "MetricUnit",
    "OperationStatus",
]


class InstanceStateName(enum.StrEnum):
    """The ``name`` of an instance's :class:`~aiolightsail.InstanceState`."""

    PENDING = "pending"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    REBOOTING = "rebooting"
    SHUTTING_DOWN = "shutting-down"
    TERMINATED = "terminated"


class InstanceSnapshotState(enum.StrEnum):
    """The ``state`` of an :class:`~aiolightsail.InstanceSnapshot`."""

    PENDING = "pending"
    AVAILABLE = "available"
    ERROR = "error"


class OperationStatus(enum.StrEnum):
    """The ``status`` of an :class:`~aiolightsail.Operation`.

    ``Succeeded``, ``Completed`` and ``Failed`` are final; see :attr:`is_final`.
    """

    NOT_STARTED = "NotStarted"
    STARTED = "Started"
    FAILED = "Failed"
    COMPLETED = "Completed"
    SUCCEEDED = "Succeeded"

    @property
    def is_final(self) -> bool:
        """Whether an operation with this status is over (succeeded, completed or failed)."""
        return self in _FINAL_STATUSES


_FINAL_STATUSES = frozenset(
    {OperationStatus.FAILED, OperationStatus.COMPLETED, OperationStatus.SUCCEEDED}
)


def is_final_status(status: object) -> bool:
    """Whether an operation's ``status`` (a member, or the same text) is final: the one rule."""
    return status in _FINAL_STATUSES


class MetricStatistic(enum.StrEnum):
    """A statistic of :meth:`~aiolightsail.LightsailClient.get_instance_metric_data`."""

    MINIMUM = "Minimum"
    MAXIMUM = "Maximum"
    SUM = "Sum"
    AVERAGE = "Average"
    SAMPLE_COUNT = "SampleCount"


class MetricUnit(enum.StrEnum):
    """The unit of a metric's datapoints."""

    SECONDS = "Seconds"
    MICROSECONDS = "Microseconds"
    MILLISECONDS = "Milliseconds"
    BYTES = "Bytes"
    KILOBYTES = "Kilobytes"
    MEGABYTES = "Megabytes"
    GIGABYTES = "Gigabytes"
    TERABYTES = "Terabytes"
    BITS = "Bits"
    KILOBITS = "Kilobits"
    MEGABITS = "Megabits"
    GIGABITS = "Gigabits"
    TERABITS = "Terabits"
    PERCENT = "Percent"
    COUNT = "Count"
    BYTES_PER_SECOND = "Bytes/Second"
    KILOBYTES_PER_SECOND = "Kilobytes/Second"
    MEGABYTES_PER_SECOND = "Megabytes/Second"
    GIGABYTES_PER_SECOND = "Gigabytes/Second"
    TERABYTES_PER_SECOND = "Terabytes/Second"
    BITS_PER_SECOND = "Bits/Second"
    KILOBITS_PER_SECOND = "Kilobits/Second"
    MEGABITS_PER_SECOND = "Megabits/Second"
    GIGABITS_PER_SECOND = "Gigabits/Second"
    TERABITS_PER_SECOND = "Terabits/Second"
    COUNT_PER_SECOND = "Count/Second"
    NONE = "None"


class InstanceMetricName(enum.StrEnum):
    """An instance metric; :attr:`unit` is the one unit the service accepts for it."""

    CPU_UTILIZATION = "CPUUtilization"
    NETWORK_IN = "NetworkIn"
    NETWORK_OUT = "NetworkOut"
    STATUS_CHECK_FAILED = "StatusCheckFailed"
    STATUS_CHECK_FAILED_INSTANCE = "StatusCheckFailed_Instance"
    STATUS_CHECK_FAILED_SYSTEM = "StatusCheckFailed_System"
    BURST_CAPACITY_TIME = "BurstCapacityTime"
    BURST_CAPACITY_PERCENTAGE = "BurstCapacityPercentage"
    METADATA_NO_TOKEN = "MetadataNoToken"  # noqa: S105 - a metric name, not a secret
    DISK_READ_OPS = "DiskReadOps"
    DISK_WRITE_OPS = "DiskWriteOps"
    DISK_READ_BYTES = "DiskReadBytes"
    DISK_WRITE_BYTES = "DiskWriteBytes"
    DISK_TOTAL_READ_TIME = "DiskTotalReadTime"
    DISK_TOTAL_WRITE_TIME = "DiskTotalWriteTime"
    DISK_QUEUE_LENGTH = "DiskQueueLength"

    @property
    def unit(self) -> MetricUnit:
        """The unit the metric is published in, the only one ``GetInstanceMetricData`` takes."""
        return _METRIC_UNITS[self]


# Lightsail API reference, GetInstanceMetricData, "metricName": each metric
# lists "The published unit is ...", and "unit" says the valid units depend
# on the metric.
_METRIC_UNITS = {
    InstanceMetricName.CPU_UTILIZATION: MetricUnit.PERCENT,
    InstanceMetricName.NETWORK_IN: MetricUnit.BYTES,
    InstanceMetricName.NETWORK_OUT: MetricUnit.BYTES,
    InstanceMetricName.STATUS_CHECK_FAILED: MetricUnit.COUNT,
    InstanceMetricName.STATUS_CHECK_FAILED_INSTANCE: MetricUnit.COUNT,
    InstanceMetricName.STATUS_CHECK_FAILED_SYSTEM: MetricUnit.COUNT,
    InstanceMetricName.BURST_CAPACITY_TIME: MetricUnit.SECONDS,
    InstanceMetricName.BURST_CAPACITY_PERCENTAGE: MetricUnit.PERCENT,
    InstanceMetricName.METADATA_NO_TOKEN: MetricUnit.COUNT,
    InstanceMetricName.DISK_READ_OPS: MetricUnit.COUNT,
    InstanceMetricName.DISK_WRITE_OPS: MetricUnit.COUNT,
    InstanceMetricName.DISK_READ_BYTES: MetricUnit.BYTES,
    InstanceMetricName.DISK_WRITE_BYTES: MetricUnit.BYTES,
    InstanceMetricName.DISK_TOTAL_READ_TIME: MetricUnit.MILLISECONDS,
    InstanceMetricName.DISK_TOTAL_WRITE_TIME: MetricUnit.MILLISECONDS,
    InstanceMetricName.DISK_QUEUE_LENGTH: MetricUnit.COUNT,
}
