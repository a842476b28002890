"""The emulator's blueprint and bundle catalogue.

A small, real-looking subset of what Lightsail offers: enough operating
systems, applications, Windows images, Lightsail-for-Research images and
inactive (retired) images to exercise ``includeInactive`` and ``appCategory``,
plus the ``_3_0`` bundle generation that ``CreateInstances`` validates against.
Ids, names, groups and minimum power follow the real catalogue's conventions;
versions are plausible, not authoritative.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from aiolightsail._repr import SafeRepr

__all__ = [
    "BLUEPRINTS",
    "BLUEPRINTS_BY_ID",
    "BUNDLES",
    "BUNDLES_BY_ID",
    "BUNDLE_JSON",
    "METRIC_UNITS",
    "RESEARCH_BUNDLES",
    "Blueprint",
    "Bundle",
    "availability_zones",
    "region_wire",
]

LINUX = "LINUX_UNIX"
WINDOWS = "WINDOWS"


@attrs.frozen(kw_only=True)
class Blueprint(SafeRepr):
    """A machine image (``GetBlueprints``' ``Blueprint`` shape) plus login details."""

    blueprint_id: str
    name: str
    group: str
    type: str
    description: str
    is_active: bool = True
    min_power: int = 0
    version: str
    version_code: str = "1"
    product_url: str
    license_url: str
    platform: str = LINUX
    app_category: str | None = None
    #: The default login user (``Instance.username``).
    username: str = "ec2-user"
    #: Ports open on a fresh instance, as (fromPort, toPort, protocol).
    default_ports: tuple[tuple[int, int, str], ...] = ((22, 22, "tcp"), (80, 80, "tcp"))

    def to_wire(self) -> dict[str, Any]:
        """Return the ``Blueprint`` shape as JSON-ready data."""
        wire: dict[str, Any] = {
            "blueprintId": self.blueprint_id,
            "name": self.name,
            "group": self.group,
            "type": self.type,
            "description": self.description,
            "isActive": self.is_active,
            "minPower": self.min_power,
            "version": self.version,
            "versionCode": self.version_code,
            "productUrl": self.product_url,
            "licenseUrl": self.license_url,
            "platform": self.platform,
        }
        if self.app_category is not None:
            wire["appCategory"] = self.app_category
        return wire


@attrs.frozen(kw_only=True)
class Bundle(SafeRepr):
    """An instance plan: hardware, transfer allowance and price."""

    bundle_id: str
    name: str
    cpu_count: int
    ram_size_in_gb: float
    disk_size_in_gb: int
    transfer_per_month_in_gb: int
    power: int
    price: float
    platforms: frozenset[str] = frozenset({LINUX})
    is_active: bool = True
    #: IPv6-only bundles get no public IPv4 address.
    ipv6_only: bool = False
    #: ``LfR``: a Lightsail for Research plan, listed only when that category is asked for.
    app_category: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """Return the ``Bundle`` shape as JSON-ready data."""
        return {
            "price": self.price,
            "cpuCount": self.cpu_count,
            "diskSizeInGb": self.disk_size_in_gb,
            "bundleId": self.bundle_id,
            # The size word of the id: "nano", "micro", "2xlarge".
            "instanceType": self.bundle_id.split("_", 1)[0],
            "isActive": self.is_active,
            "name": self.name,
            "power": self.power,
            "ramSizeInGb": self.ram_size_in_gb,
            "transferPerMonthInGb": self.transfer_per_month_in_gb,
            "supportedPlatforms": sorted(self.platforms),
            "supportedAppCategories": [self.app_category] if self.app_category else [],
            "publicIpv4AddressCount": 0 if self.ipv6_only else 1,
        }


_OS_LICENSE = "https://aws.amazon.com/lightsail/faq/"
_BITNAMI = "https://aws.amazon.com/marketplace/pp/"
_APP_PORTS = ((22, 22, "tcp"), (80, 80, "tcp"), (443, 443, "tcp"))


def _os(
    blueprint_id: str, name: str, group: str, version: str, username: str, **kw: Any
) -> Blueprint:
    return Blueprint(
        blueprint_id=blueprint_id,
        name=name,
        group=group,
        type="os",
        description=f"{name} {version} is a general-purpose operating system image.",
        version=version,
        product_url=f"https://aws.amazon.com/marketplace/search?searchTerms={group}",
        license_url=_OS_LICENSE,
        username=username,
        **kw,
    )


def _app(blueprint_id: str, name: str, group: str, version: str, **kw: Any) -> Blueprint:
    kw.setdefault("default_ports", _APP_PORTS)
    return Blueprint(
        blueprint_id=blueprint_id,
        name=name,
        group=group,
        type="app",
        description=f"{name} packaged by Bitnami: an up-to-date, secure image ready to deploy.",
        version=version,
        product_url=f"{_BITNAMI}{group}",
        license_url=f"{_BITNAMI}{group}#pdp-usage",
        username="bitnami",
        **kw,
    )


def _windows(blueprint_id: str, name: str, version: str, **kw: Any) -> Blueprint:
    return Blueprint(
        blueprint_id=blueprint_id,
        name=name,
        group=blueprint_id,
        type="os",
        description=f"{name} with the latest Windows updates, RDP enabled.",
        version=version,
        product_url="https://aws.amazon.com/windows/",
        license_url="https://aws.amazon.com/windows/resources/licensing/",
        platform=WINDOWS,
        username="Administrator",
        default_ports=((3389, 3389, "tcp"), (22, 22, "tcp"), (80, 80, "tcp")),
        **kw,
    )


def _research(blueprint_id: str, name: str, version: str) -> Blueprint:
    return Blueprint(
        blueprint_id=blueprint_id,
        name=name,
        group=blueprint_id,
        type="app",
        description=f"{name} for Lightsail for Research, with GUI access in the browser.",
        version=version,
        product_url="https://aws.amazon.com/lightsail/research/",
        license_url="https://aws.amazon.com/lightsail/research/faqs/",
        app_category="LfR",
        username="ubuntu",
        min_power=1000,
    )


#: Every blueprint, sorted by id (the pagination key of ``GetBlueprints``).
BLUEPRINTS: tuple[Blueprint, ...] = tuple(
    sorted(
        [
            _os(
                "amazon_linux_2023",
                "Amazon Linux 2023",
                "amazon_linux_2023",
                "2023.6.20250107.0",
                "ec2-user",
            ),
            _os("amazon_linux_2", "Amazon Linux 2", "amazon_linux_2", "2.0.20241217.0", "ec2-user"),
            _os(
                "amazon_linux",
                "Amazon Linux",
                "amazon_linux",
                "2018.03.0",
                "ec2-user",
                is_active=False,
            ),
            _os("ubuntu_24_04", "Ubuntu", "ubuntu_24", "24.04 LTS", "ubuntu"),
            _os("ubuntu_22_04", "Ubuntu", "ubuntu_22", "22.04 LTS", "ubuntu"),
            _os("ubuntu_20_04", "Ubuntu", "ubuntu_20", "20.04 LTS", "ubuntu", is_active=False),
            _os("debian_12", "Debian", "debian_12", "12.8", "admin"),
            _os("debian_11", "Debian", "debian_11", "11.11", "admin"),
            _os("debian_10", "Debian", "debian_10", "10.13", "admin", is_active=False),
            _os("almalinux_9", "AlmaLinux OS 9", "almalinux_9", "9.5", "ec2-user"),
            _os("centos_7_2009_01", "CentOS", "centos_7", "7 2009-01", "centos", is_active=False),
            _os("freebsd_14", "FreeBSD", "freebsd_14", "14.2", "ec2-user"),
            _os("opensuse_15", "openSUSE Leap", "opensuse_15", "15.6", "ec2-user"),
            _app("wordpress", "WordPress", "wordpress", "6.7.1"),
            _app("wordpress_multisite", "WordPress Multisite", "wordpress_multisite", "6.7.1"),
            _app("lamp_8_bitnami", "LAMP (PHP 8)", "lamp_8", "8.3.15"),
            _app("nodejs", "Node.js", "node", "22.12.0"),
            _app("mean", "MEAN", "mean", "7.0.14"),
            _app("django", "Django", "django", "5.1.4"),
            _app("nginx", "Nginx", "nginx", "1.27.3"),
            _app("ghost_bitnami", "Ghost", "ghost_bitnami", "5.105.0"),
            _app(
                "gitlab_13_8_4_ee", "GitLab CE", "gitlab", "13.8.4", is_active=False, min_power=1000
            ),
            _app("magento_2_4_7", "Magento", "magento", "2.4.7", min_power=1000),
            _windows("windows_server_2022", "Windows Server 2022", "2024.12.11"),
            _windows("windows_server_2019", "Windows Server 2019", "2024.12.11"),
            _windows("windows_server_2016", "Windows Server 2016", "2023.05.10", is_active=False),
            _windows(
                "windows_2022_sql_2022_express",
                "SQL Server 2022 Express",
                "2024.12.11",
                min_power=1000,
            ),
            _research("jupyterlab_4_2_lfr", "JupyterLab", "4.2.5"),
            _research("rstudio_2024_lfr", "RStudio", "2024.09.1"),
        ],
        key=lambda b: b.blueprint_id,
    )
)

BLUEPRINTS_BY_ID: Mapping[str, Blueprint] = {b.blueprint_id: b for b in BLUEPRINTS}

#: Each blueprint's wire JSON, serialised once: GetBlueprints only concatenates.
BLUEPRINT_JSON: Mapping[str, str] = {
    b.blueprint_id: json.dumps(b.to_wire(), separators=(",", ":")) for b in BLUEPRINTS
}


def _bundle(
    size: str, cpu: int, ram: float, disk: int, transfer: int, power: int, price: float
) -> list[Bundle]:
    return [
        Bundle(
            bundle_id=f"{size}_3_0",
            name=size.capitalize(),
            cpu_count=cpu,
            ram_size_in_gb=ram,
            disk_size_in_gb=disk,
            transfer_per_month_in_gb=transfer,
            power=power,
            price=price,
        ),
        Bundle(
            bundle_id=f"{size}_ipv6_3_0",
            name=size.capitalize(),
            cpu_count=cpu,
            ram_size_in_gb=ram,
            disk_size_in_gb=disk,
            transfer_per_month_in_gb=transfer,
            power=power,
            price=price - 2.0,
            ipv6_only=True,
        ),
        Bundle(
            bundle_id=f"{size}_win_3_0",
            name=size.capitalize(),
            cpu_count=cpu,
            ram_size_in_gb=ram,
            disk_size_in_gb=disk + 10,
            transfer_per_month_in_gb=transfer,
            power=power,
            price=price * 2 + 5.5,
            platforms=frozenset({WINDOWS}),
        ),
    ]


#: Every bundle, sorted by power then id.
BUNDLES: tuple[Bundle, ...] = (
    *_bundle("nano", 2, 0.5, 20, 1024, 300, 5.0),
    *_bundle("micro", 2, 1.0, 40, 2048, 500, 7.0),
    *_bundle("small", 2, 2.0, 60, 3072, 1000, 12.0),
    *_bundle("medium", 2, 4.0, 80, 4096, 2000, 24.0),
    *_bundle("large", 2, 8.0, 160, 5120, 3000, 44.0),
    *_bundle("xlarge", 4, 16.0, 320, 6144, 4000, 84.0),
    *_bundle("2xlarge", 8, 32.0, 640, 7168, 5000, 164.0),
    # Retired generation: still on old instances, not accepted for new ones.
    Bundle(
        bundle_id="nano_2_0",
        name="Nano",
        cpu_count=1,
        ram_size_in_gb=0.5,
        disk_size_in_gb=20,
        transfer_per_month_in_gb=1024,
        power=300,
        price=3.5,
        is_active=False,
    ),
)


def _research_bundle(
    bundle_id: str, name: str, cpu: int, ram: float, disk: int, power: int, price: float
) -> Bundle:
    return Bundle(
        bundle_id=bundle_id,
        name=name,
        cpu_count=cpu,
        ram_size_in_gb=ram,
        disk_size_in_gb=disk,
        transfer_per_month_in_gb=1024,
        power=power,
        price=price,
        app_category="LfR",
    )


#: Lightsail for Research's plans (standard and GPU), for its blueprints.
RESEARCH_BUNDLES: tuple[Bundle, ...] = (
    _research_bundle("app_standard_xl_1_0", "Standard XL", 4, 8.0, 50, 4000, 41.0),
    _research_bundle("app_standard_2xl_1_0", "Standard 2XL", 8, 16.0, 50, 5000, 80.0),
    _research_bundle("app_standard_4xl_1_0", "Standard 4XL", 16, 32.0, 50, 6000, 164.0),
    _research_bundle("gpu_nvidia_xl_1_0", "GPU XL", 4, 16.0, 50, 7000, 383.0),
    _research_bundle("gpu_nvidia_2xl_1_0", "GPU 2XL", 8, 32.0, 50, 8000, 547.0),
)
BUNDLES_BY_ID: Mapping[str, Bundle] = {b.bundle_id: b for b in (*BUNDLES, *RESEARCH_BUNDLES)}

#: Each bundle's wire JSON, serialised once.
BUNDLE_JSON: Mapping[str, str] = {
    b.bundle_id: json.dumps(b.to_wire(), separators=(",", ":"))
    for b in (*BUNDLES, *RESEARCH_BUNDLES)
}

#: Zone letters per region where they differ from the usual ``a``-``c``
#: (from each region's published Availability Zones).
_ZONE_LETTERS: Mapping[str, str] = {
    "us-east-1": "abcdef",
    "us-west-2": "abcd",
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
}


def availability_zones(region: str) -> tuple[str, ...]:
    """Return the Availability Zones Lightsail offers in ``region``.

    Args:
        region: A region name.

    Returns:
        Zone names such as ``us-east-1a``.
    """
    return tuple(f"{region}{letter}" for letter in _ZONE_LETTERS.get(region, "abc"))


#: The unit Lightsail reports each instance metric in, the only one it accepts
#: in ``GetInstanceMetricData`` (API reference, "metricName").
METRIC_UNITS: Mapping[str, str] = {
    "CPUUtilization": "Percent",
    "NetworkIn": "Bytes",
    "NetworkOut": "Bytes",
    "StatusCheckFailed": "Count",
    "StatusCheckFailed_Instance": "Count",
    "StatusCheckFailed_System": "Count",
    "BurstCapacityTime": "Seconds",
    "BurstCapacityPercentage": "Percent",
    "MetadataNoToken": "Count",
    "DiskReadOps": "Count",
    "DiskWriteOps": "Count",
    "DiskReadBytes": "Bytes",
    "DiskWriteBytes": "Bytes",
    "DiskTotalReadTime": "Milliseconds",
    "DiskTotalWriteTime": "Milliseconds",
    "DiskQueueLength": "Count",
}


#: Each region's (continent code, display name, who it serves), as GetRegions
#: describes them: the city or area AWS names the region after.
_REGION_NAMES: Mapping[str, tuple[str, str, str]] = {
    "ap-east-1": ("AS", "Hong Kong", "users in Hong Kong and southern China"),
    "ap-northeast-1": ("AS", "Tokyo", "users in Japan"),
    "ap-northeast-2": ("AS", "Seoul", "users in South Korea"),
    "ap-south-1": ("AS", "Mumbai", "users in India"),
    "ap-southeast-1": ("AS", "Singapore", "users in southeast Asia"),
    "ap-southeast-2": ("OC", "Sydney", "users in Australia and New Zealand"),
    "ap-southeast-3": ("AS", "Jakarta", "users in Indonesia"),
    "ap-southeast-5": ("AS", "Malaysia", "users in Malaysia"),
    "ca-central-1": ("NA", "Montreal", "users in Canada"),
    "eu-central-1": ("EU", "Frankfurt", "users in central Europe"),
    "eu-north-1": ("EU", "Stockholm", "users in northern Europe"),
    "eu-south-2": ("EU", "Spain", "users in southern Europe"),
    "eu-west-1": ("EU", "Dublin", "users in Ireland and western Europe"),
    "eu-west-2": ("EU", "London", "users in the United Kingdom"),
    "eu-west-3": ("EU", "Paris", "users in France"),
    "sa-east-1": ("SA", "São Paulo", "users in South America"),
    "us-east-1": ("NA", "Virginia", "users in the eastern United States"),
    "us-east-2": ("NA", "Ohio", "users in the eastern United States"),
    "us-west-2": ("NA", "Oregon", "users in the western United States"),
}


def region_wire(region: str, *, zones: bool, database_zones: bool) -> dict[str, Any]:
    """Return the ``Region`` shape of ``region`` (zones listed only when asked for).

    Args:
        region: A Lightsail region name.
        zones: Include ``availabilityZones``.
        database_zones: Include ``relationalDatabaseAvailabilityZones``.

    Returns:
        JSON-ready data.
    """
    continent, display, serves = _REGION_NAMES.get(region, ("NA", region, "users nearby"))
    listed = [{"zoneName": zone, "state": "available"} for zone in availability_zones(region)]
    return {
        "continentCode": continent,
        "description": f"This region is recommended to serve {serves}",
        "displayName": display,
        "name": region,
        "availabilityZones": listed if zones else [],
        "relationalDatabaseAvailabilityZones": listed if database_zones else [],
    }
