"""The list commands' other sources of accounts: --targets-file, --organization-role,
--external-id; end to end against the emulator."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aiolightsail.cli import _app
from tests.cli.test_listing import (
    INSTANCES,
    ROLE,
    EmulatorThread,
    _parse,
    _seeded,
    _where,
    credentials,
    invoke,
    served,
)
from tests.conftest import ACCOUNTS

#: The listing tests' fixtures, used here by name.
__all__ = ["credentials", "served"]


def _listed(result: Result) -> Counter[tuple[str, str, str]]:
    assert result.exit_code == 0, result.stderr
    return _where(_parse("ndjson", result.stdout))


def test_a_targets_file_names_profiles_roles_and_account_roles(
    served: EmulatorThread,
    tmp_path: Path,
) -> None:
    """A profile, a role ARN and account_id:role lines (with comments) list those accounts."""
    targets = tmp_path / "targets"
    targets.write_text(
        "# the accounts of the nightly inventory\n"
        "default\n\n"
        f"{ACCOUNTS[1][0]}:inventory   # account B by role\n"
        f"{ROLE}\n"
    )
    result = invoke(
        "instances -o ndjson -r us-east-1 -r eu-west-1 -r us-west-2 --targets-file",
        str(targets),
        url=served.url,
    )
    assert _listed(result) == _seeded(served)


def test_a_targets_file_from_standard_input(served: EmulatorThread) -> None:
    """--targets-file - reads the lines from standard input."""
    runner = CliRunner()
    argv = ["instances", "-o", "ndjson", "-r", "eu-west-1", "--targets-file", "-"]
    result = runner.invoke(
        _app.cli, [*argv, "--endpoint-url", served.url], input=f"{ROLE}\n", catch_exceptions=False
    )
    listed = _listed(result)
    assert sum(listed.values()) == INSTANCES[(2, "eu-west-1")]
    assert {account for account, _, _ in listed} == {ACCOUNTS[2][0]}


@pytest.mark.parametrize(
    ("line", "message"),
    [("two words", "line 2"), ("12:role", "line 2"), ("# nothing\n", "names no account")],
)
def test_a_bad_targets_file_is_a_usage_error(tmp_path: Path, line: str, message: str) -> None:
    """A line that is no profile, ARN or account_id:role, or a file naming nobody: exit 2."""
    targets = tmp_path / "targets"
    targets.write_text(f"# header\n{line}\n")
    result = invoke("instances -r eu-west-1 --targets-file", str(targets))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "--targets-file" in result.stderr


@pytest.fixture
def organization(served: EmulatorThread) -> EmulatorThread:
    """The three accounts in an organization that account A (the default profile) manages."""
    served.call(served.emulator.create_organization, ACCOUNTS[0][0])
    return served


def test_organization_role_lists_every_account(organization: EmulatorThread) -> None:
    """--organization-role assumes the role in every active account of the organization."""
    result = invoke(
        "instances -o ndjson -r us-east-1 -r eu-west-1 -r us-west-2 --organization-role inventory",
        url=organization.url,
    )
    assert _listed(result) == _seeded(organization)


def test_organization_role_sends_the_external_id(organization: EmulatorThread) -> None:
    """--external-id goes with every AssumeRole of the organization's roles."""
    result = invoke(
        "instances -o ndjson -r eu-west-1 --organization-role inventory --external-id ext-7",
        url=organization.url,
    )
    assert result.exit_code == 0, result.stderr
    calls = organization.emulator.stats.assume_role_calls
    assert {call.external_id for call in calls} == {"ext-7"}
    assert {call.role_arn for call in calls} == {
        f"arn:aws:iam::{account}:role/inventory" for account, _, _ in ACCOUNTS
    }


def test_external_id_reaches_role_arns_too(served: EmulatorThread) -> None:
    """--external-id is sent with --role-arn roles."""
    result = invoke(
        "instances -o ndjson -r eu-west-1 --role-arn",
        ROLE,
        "--external-id",
        "ext-8",
        url=served.url,
    )
    assert result.exit_code == 0, result.stderr
    assert [c.external_id for c in served.emulator.stats.assume_role_calls] == ["ext-8"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("--organization-role inventory", "--region"),
        ("-r eu-west-1 --organization-role inventory --profile default", "leave out"),
        ("-r eu-west-1 --organization-role 'bad name'", "--organization-role"),
        ("-r eu-west-1 --external-id ext-1", "--external-id"),
        ("-r eu-west-1 --role-arn " + ROLE + " --external-id 'a b'", "--external-id"),
    ],
)
def test_contradictory_or_bad_options_are_usage_errors(
    served: EmulatorThread,
    args: str,
    message: str,
) -> None:
    """Organization without regions or with other accounts, a bad role name or external id."""
    import shlex

    result = CliRunner().invoke(
        _app.cli, ["instances", *shlex.split(args), "--endpoint-url", served.url]
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_outside_an_organization_the_command_says_so(served: EmulatorThread) -> None:
    """Organizations' refusal is one error line and exit status 1, before any listing."""
    result = invoke("instances -r eu-west-1 --organization-role inventory", url=served.url)
    assert result.exit_code == 1
    assert "AWSOrganizationsNotInUseException" in result.stderr
    assert served.emulator.stats.requests["GetInstances"] == 0
