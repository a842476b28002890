"""Accounts from elsewhere than the command line: a targets file, or an AWS Organization.

``--targets-file FILE`` (``-`` for standard input) names one account per line:
a profile, a role ARN, or ``account_id:role_name`` (a role of the ``aws``
partition); blank lines and ``#`` comments are skipped.
``--organization-role NAME`` lists the organization's active accounts
(:meth:`Fleet.from_organization <aiolightsail.Fleet.from_organization>`) and
assumes role ``NAME`` in each. ``--external-id`` is sent with every role.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

import attrs
import click

from aiolightsail import Fleet, LightsailError, ValidationError

__all__ = ["organization_fleet", "read_targets_file", "with_external_id"]

_ACCOUNT_ROLE = re.compile(r"(?P<account>\d{12}):(?P<role>[\w+=,.@/-]+)", re.ASCII)
_HINT = "--targets-file"


def read_targets_file(lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """The profiles and role ARNs a targets file names, in file order.

    Raises:
        click.BadParameter: a line that is none of the three forms, with its number.
    """
    profiles: list[str] = []
    role_arns: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.partition("#")[0].strip()
        if not line:
            continue
        if line.startswith("arn:"):
            role_arns.append(line)
        elif match := _ACCOUNT_ROLE.fullmatch(line):
            role_arns.append(f"arn:aws:iam::{match['account']}:role/{match['role']}")
        elif ":" in line or any(character.isspace() for character in line):
            raise click.BadParameter(
                f"line {number}: expected a profile, a role ARN or account_id:role_name "
                f"(got {line!r})",
                param_hint=_HINT,
            )
        else:
            profiles.append(line)
    if not (profiles or role_arns):
        raise click.BadParameter("names no account", param_hint=_HINT)
    return profiles, role_arns


def with_external_id(fleet: Fleet, external_id: str | None) -> Fleet:
    """``fleet`` with ``external_id`` on every role target (``fleet`` itself when ``None``).

    Raises:
        click.UsageError: ``external_id`` but no role, or a malformed one.
    """
    if external_id is None:
        return fleet
    if not any(target.role_arn for target in fleet.targets):
        raise click.UsageError(
            "--external-id is sent when assuming roles: give --role-arn, "
            "--organization-role or roles in --targets-file"
        )
    try:
        targets = [
            attrs.evolve(target, external_id=external_id) if target.role_arn else target
            for target in fleet.targets
        ]
    except ValidationError as exc:
        raise click.BadParameter(exc.rule, param_hint="--external-id") from None
    return Fleet(targets, concurrency=fleet.concurrency, target_timeout=fleet.target_timeout)


def organization_fleet(
    role_name: str,
    *,
    regions: list[str] | None,
    profile: str | None,
    external_id: str | None,
    endpoint_url: str | None,
    concurrency: int,
    target_timeout: float | None,
) -> Fleet:
    """The fleet of ``--organization-role``: every active account of the organization × regions.

    Raises:
        click.UsageError: no region given, or an argument the organization refused.
        click.ClickException: Organizations could not list the accounts (exit status 1).
    """
    if regions is None:
        raise click.UsageError(
            "--organization-role needs the regions to query: pass --region REGION or --all-regions"
        )
    hints = {
        "role_name": "--organization-role",
        "external_id": "--external-id",
        "regions": "--region",
        "endpoint_url": "--endpoint-url",
    }
    try:
        return asyncio.run(
            Fleet.from_organization(
                role_name,
                regions=regions,
                profile=profile,
                external_id=external_id,
                endpoint_url=endpoint_url,
                concurrency=concurrency,
                target_timeout=target_timeout,
            )
        )
    except ValidationError as exc:
        got = f" (got {exc.value!r})" if exc.value is not None else ""
        raise click.BadParameter(exc.rule + got, param_hint=hints.get(exc.parameter)) from None
    except LightsailError as exc:
        raise click.ClickException(f"cannot list the organization's accounts: {exc}") from None
