"""A local, Lightsail-compatible server for tests, demos and benchmarks.

Unmodified AWS clients (boto3, the AWS CLI, aiobotocore, aiolightsail) work
against it by pointing their endpoint URL at :attr:`Emulator.endpoint_url`::

    async with Emulator(clock=Clock.manual(), page_size=5) as emu:
        emu.seed_instances(count=12)
        ...
        emu.clock.advance(60)       # pending instances are now running
        emu.faults.fail_operations("StopInstance")  # the next stop ends Failed

It speaks Lightsail's instance operations (JSON 1.1: listing, creating,
snapshotting, starting, stopping and rebooting instances, their firewall,
their operations, regions and bundles) and STS
(``AssumeRole``, ``GetCallerIdentity``) and Organizations (``ListAccounts``,
``DescribeOrganization``), verifies SigV4 signatures, keeps
every (account, region) apart, paginates with signed tokens and injects
faults on command. Importing it imports ``aiohttp.web``;
``import aiolightsail`` never does.
"""

from __future__ import annotations

from aiolightsail.emulator._auth import Account, AuthError, CredentialStore, Principal
from aiolightsail.emulator._catalogue import BLUEPRINTS, BUNDLES, Blueprint, Bundle
from aiolightsail.emulator._clock import Clock
from aiolightsail.emulator._errors import ServiceError
from aiolightsail.emulator._faults import AssumeRoleCall, FaultKind, Faults, Stats
from aiolightsail.emulator._organizations import Member, Organization
from aiolightsail.emulator._pagination import DEFAULT_PAGE_SIZE
from aiolightsail.emulator._quotas import Quotas
from aiolightsail.emulator._server import DEFAULT_ACCOUNT, ClientKwargs, Emulator
from aiolightsail.emulator._state import (
    InstanceRecord,
    OperationRecord,
    PortRule,
    RegionState,
    SnapshotRecord,
    Timings,
    Transition,
)

__all__ = [
    "BLUEPRINTS",
    "BUNDLES",
    "DEFAULT_ACCOUNT",
    "DEFAULT_PAGE_SIZE",
    "Account",
    "AssumeRoleCall",
    "AuthError",
    "Blueprint",
    "Bundle",
    "ClientKwargs",
    "Clock",
    "CredentialStore",
    "Emulator",
    "FaultKind",
    "Faults",
    "InstanceRecord",
    "Member",
    "OperationRecord",
    "Organization",
    "PortRule",
    "Principal",
    "Quotas",
    "RegionState",
    "ServiceError",
    "SnapshotRecord",
    "Stats",
    "Timings",
    "Transition",
]
