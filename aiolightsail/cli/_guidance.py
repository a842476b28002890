"""What the ``aiolightsail`` commands tell a user who is one step from working: a mistyped
region, credentials not found.

A ``--region`` outside :data:`aiolightsail.LIGHTSAIL_REGIONS` is a usage error
before any request, with the nearest region offered: a typo would otherwise
cost a DNS failure per target, after retries. A well-formed region the
catalogue does not know yet is accepted with ``--endpoint-url``, which is how
a region newer than the installed aiolightsail is reached (or an emulator
that knows any name).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import click

from aiolightsail import LIGHTSAIL_REGIONS, UnauthenticatedError
from aiolightsail._controls import neutralise
from aiolightsail._regions import REGION_PATTERN

__all__ = ["CREDENTIALS_HINT", "check_regions", "credentials_hint", "region_problem"]


def region_problem(region: str, *, endpoint_url: str | None) -> str | None:
    """Why ``region`` cannot be queried, or ``None`` if it can.

    Args:
        region: a ``--region`` value.
        endpoint_url: the ``--endpoint-url`` value, if any.

    Returns:
        ``"eu-wset-1 is not a Lightsail region; did you mean eu-west-1?"``, or
        ``None`` for a Lightsail region, or for a well-formed region name with
        ``endpoint_url``.
    """
    if region in LIGHTSAIL_REGIONS:
        return None
    well_formed = REGION_PATTERN.fullmatch(region) is not None
    if well_formed and endpoint_url is not None:
        return None
    problem = f"{neutralise(region)} is not a Lightsail region"
    near = difflib.get_close_matches(region, LIGHTSAIL_REGIONS, n=1)
    if near:
        return f"{problem}; did you mean {near[0]}?"
    newer = "; a region newer than this aiolightsail needs --endpoint-url" if well_formed else ""
    return f"{problem} (they are {', '.join(LIGHTSAIL_REGIONS)}){newer}"


def check_regions(regions: Sequence[str], *, endpoint_url: str | None) -> None:
    """Refuse the first ``--region`` value that cannot be queried (see :func:`region_problem`).

    Args:
        regions: the ``--region`` values.
        endpoint_url: the ``--endpoint-url`` value, if any.

    Raises:
        click.BadParameter: naming ``--region`` (exit status 2).
    """
    for region in regions:
        problem = region_problem(region, endpoint_url=endpoint_url)
        if problem is not None:
            raise click.BadParameter(problem, param_hint="'--region'")


#: Printed once when a command found no credentials at all.
CREDENTIALS_HINT = """\
hint: no AWS credentials were found. aiolightsail looks where the AWS CLI does:
  - AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment;
  - the profile named by --profile or AWS_PROFILE (else "default") in ~/.aws/credentials
    and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE move them):
    `aws configure` writes one, `aws sso login --profile NAME` signs an SSO profile in;
  - a container or EC2 instance role.
  No AWS account? `aiolightsail demo` shows the tool at work; `aiolightsail emulator`
  serves a local Lightsail and prints the keys to export and the --endpoint-url to pass."""


def credentials_hint(errors: Iterable[BaseException]) -> str | None:
    """:data:`CREDENTIALS_HINT` if one of ``errors`` says no credentials were found, else ``None``.

    Args:
        errors: the errors the command met (a fleet's failures, an action's error).

    Returns:
        The hint, or ``None``.
    """
    for error in errors:
        if isinstance(error, UnauthenticatedError) and error.code == "NoCredentials":
            return CREDENTIALS_HINT
    return None
