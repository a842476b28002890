"""The public surface: a complete sorted __all__, and a light import."""

from __future__ import annotations

import subprocess
import sys

import aiolightsail
from aiolightsail import _regions


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, names only real attributes, and every public name is listed."""
    names = aiolightsail.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(aiolightsail, name) for name in names)
    public = {
        name
        for name, value in vars(aiolightsail).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("aiolightsail")
    }
    assert public <= set(names)


def test_import_is_light() -> None:
    """`import aiolightsail` loads no click, rich, aiohttp.web, emulator, command line,
    OpenTelemetry, Dask or Arrow."""
    heavy = (
        "click",
        "rich",
        "aiohttp.web",
        "aiolightsail.emulator",
        "aiolightsail.cli",
        "aiolightsail.otel",
        "opentelemetry",
        "aiolightsail.dask",
        "dask",
        "distributed",
        "pyarrow",
    )
    code = (
        "import sys, aiolightsail\n"
        f"heavy = {heavy!r}\n"
        "print(sorted(m for m in sys.modules"
        " if any(m == h or m.startswith(h + '.') for h in heavy)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_region_catalogue_matches_botocore() -> None:
    """Our Lightsail region list equals botocore's endpoint data for the service."""
    import botocore.session

    endpoints = botocore.session.get_session().get_data("endpoints")
    aws = next(p for p in endpoints["partitions"] if p["partition"] == "aws")
    assert sorted(aws["services"]["lightsail"]["endpoints"]) == list(_regions.LIGHTSAIL_REGIONS)
    assert set(_regions.LIGHTSAIL_REGIONS) >= _regions.OPT_IN_REGIONS
