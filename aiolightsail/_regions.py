"""The Lightsail region catalogue.

Taken from botocore's endpoint data for the ``lightsail`` service
(``botocore/data/endpoints.json``); ``tests/test_regions.py`` compares the two
so that a region AWS adds is noticed when botocore is upgraded.
"""

from __future__ import annotations

import re

__all__ = ["LIGHTSAIL_REGIONS", "OPT_IN_REGIONS", "REGION_PATTERN"]

#: Every region in which Lightsail has an endpoint, sorted.
LIGHTSAIL_REGIONS: tuple[str, ...] = (
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-2",
)

#: Lightsail regions that an account must enable before use (AWS "opt-in" regions).
OPT_IN_REGIONS: frozenset[str] = frozenset(
    {"ap-east-1", "ap-southeast-3", "ap-southeast-5", "eu-south-2"}
)

#: A well-formed AWS region name: ``eu-west-1``, ``us-gov-west-1``, ``ap-southeast-5``.
#: Unknown but well-formed regions are accepted so that new regions work unchanged.
REGION_PATTERN = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}", re.ASCII)
