"""The named constants are botocore's enums, and the models hand them out when they know a value."""

from __future__ import annotations

import enum
from typing import Any

import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

import aiolightsail as al
from aiolightsail import _validation as check
from aiolightsail.emulator._catalogue import METRIC_UNITS

MODEL = botocore.session.get_session().get_service_model("lightsail")


@pytest.mark.parametrize(
    ("constants", "shape"),
    [
        (al.InstanceSnapshotState, "InstanceSnapshotState"),
        (al.OperationStatus, "OperationStatus"),
        (al.InstanceMetricName, "InstanceMetricName"),
        (al.MetricStatistic, "MetricStatistic"),
        (al.MetricUnit, "MetricUnit"),
    ],
)
def test_constants_are_botocores_enums(constants: type[enum.StrEnum], shape: str) -> None:
    """Each StrEnum has exactly the values of botocore's enum of the same name."""
    botocore_shape: Any = MODEL.shape_for(shape)
    assert {member.value for member in constants} == set(botocore_shape.enum)


def test_validation_accepts_exactly_the_constants() -> None:
    """The validation's metric names, statistics and units are the constants' values."""
    assert frozenset(al.InstanceMetricName) == check.METRIC_NAMES
    assert frozenset(al.MetricStatistic) == check.METRIC_STATISTICS
    assert frozenset(al.MetricUnit) == check.METRIC_UNITS


@pytest.mark.parametrize("metric", list(al.InstanceMetricName))
def test_each_metric_has_its_published_unit(metric: al.InstanceMetricName) -> None:
    """A metric's unit is the one the emulator (and Lightsail's reference) publishes it in."""
    assert metric.unit == METRIC_UNITS[metric]
    assert isinstance(metric.unit, al.MetricUnit)


def test_members_are_their_wire_strings() -> None:
    """A member compares, hashes and formats as its wire string."""
    wire: str = "running"
    assert wire == al.InstanceStateName.RUNNING
    assert {wire: 1}[al.InstanceStateName.RUNNING] == 1
    assert f"{al.OperationStatus.SUCCEEDED}" == "Succeeded"
    assert al.OperationStatus.SUCCEEDED.is_final and not al.OperationStatus.STARTED.is_final


@pytest.mark.parametrize(
    ("model", "member", "attribute", "constants"),
    [
        (al.InstanceState, "name", "name", al.InstanceStateName),
        (al.InstanceSnapshot, "state", "state", al.InstanceSnapshotState),
        (al.Operation, "status", "status", al.OperationStatus),
        (al.MetricDatapoint, "unit", "unit", al.MetricUnit),
    ],
)
def test_known_values_become_members(
    model: type[al.Operation], member: str, attribute: str, constants: type[enum.StrEnum]
) -> None:
    """A wire value the constants name becomes that very member."""
    for constant in constants:
        got = getattr(model.from_api({member: constant.value}), attribute)
        assert got is constant


@given(value=st.text(max_size=20))
def test_unknown_values_stay_plain_strings(value: str) -> None:
    """A value no constant names comes through as the plain string it was."""
    got = al.Operation.from_api({"status": value}).status
    if value in {s.value for s in al.OperationStatus}:
        assert got is al.OperationStatus(value)
    else:
        assert got == value
        assert type(got) is str


def test_a_non_string_is_still_refused() -> None:
    """An enumerated member of the wrong type is a ResponseError naming it."""
    with pytest.raises(al.ResponseError, match=r"Operation\.status"):
        al.Operation.from_api({"status": 3})
