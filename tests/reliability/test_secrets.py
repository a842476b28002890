"""Secrets stay secret: every operation, DEBUG logging everywhere, real HTTP and real STS.

The emulator hands out real-looking secrets: SSH private and certificate keys,
RDP passwords and their ciphertext, STS secret keys and session tokens. With
the root logger and the ``aiolightsail``, ``botocore`` and ``aiobotocore``
loggers at DEBUG (botocore then logs request and response bodies, headers and
the canonical request), every one of the fourteen operations runs, and the
captured log lines, the reprs of everything returned, and the messages of
errors (bad input, failed STS, wrong keys) and the CLI's output must contain
none of them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from datetime import timedelta
from typing import Any

import pytest

import aiolightsail as al
from aiolightsail import Fleet, LightsailClient, PortInfo, Target
from aiolightsail._operations import OPERATIONS
from aiolightsail.emulator import Emulator
from tests.reliability.conftest import ORG, role_arn, static_keys

pytestmark = pytest.mark.usefixtures("no_backoff")

USER_DATA = "#!/bin/sh\necho 'db_password=user-data-secret-0451' > /etc/app.env\n"


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The secrets (abbreviated) that occur in ``text``."""
    return sorted(f"{s[:12]}..." for s in secrets if s and s in text)


def issued_secrets(emulator: Emulator) -> set[str]:
    """Every STS secret key and session token the emulator has issued."""
    sessions = emulator.credentials._sessions.values()
    return {s.secret_access_key for s in sessions} | {s.session_token for s in sessions}


def account_secrets() -> set[str]:
    """The long-term secret keys of the organisation's accounts."""
    return {account.secret_access_key for account in ORG}


async def every_operation(client: LightsailClient, emulator: Emulator, account: str) -> list[Any]:
    """Run every operation of the table once (access details for ssh and rdp); return results."""
    region = client.region
    emulator.seed_instances(account, region, 6)
    emulator.add_instance(account, region, "linux-1")
    emulator.add_instance(
        account, region, "windows-1", blueprint_id="windows_server_2022", bundle_id="small_win_3_0"
    )
    emulator.add_snapshot(account, region, "linux-1-snap", instance_name="linux-1")
    zone = f"{region}a"
    results: list[Any] = [
        await client.get_instance("linux-1"),
        await client.get_instances(),
        [b async for b in client.iter_blueprints()],
        await client.get_instance_snapshot("linux-1-snap"),
        await client.get_instance_snapshots(),
        await client.get_instance_access_details("linux-1"),
        await client.get_instance_access_details("windows-1", protocol="rdp"),
        await client.get_instance_metric_data(
            "linux-1",
            metric_name="CPUUtilization",
            start_time=_now(emulator) - timedelta(hours=2),
            end_time=_now(emulator),
            period=300,
            statistics=["Average", "Maximum"],
            unit="Percent",
        ),
        await client.get_instance_port_states("linux-1"),
        await client.create_instances(
            instance_names=["new-1"],
            availability_zone=zone,
            blueprint_id="ubuntu_24_04",
            bundle_id="nano_3_0",
            user_data=USER_DATA,
            tags={"team": "platform"},
        ),
        await client.create_instances_from_snapshot(
            instance_names=["restored-1"],
            availability_zone=zone,
            bundle_id="large_3_0",
            instance_snapshot_name="linux-1-snap",
            user_data=USER_DATA,
        ),
        await client.create_instance_snapshot(
            instance_name="linux-1", instance_snapshot_name="linux-1-snap-2"
        ),
        await client.close_instance_public_ports(
            "linux-1", PortInfo(from_port=22, to_port=22, protocol="tcp")
        ),
        await client.delete_instance_snapshot("linux-1-snap"),
        await client.delete_instance("windows-1"),
        stopped := await client.stop_instance("linux-1"),
        await client.get_instance_state("linux-1"),
        await client.open_instance_public_ports(
            "linux-1", PortInfo(from_port=443, to_port=443, protocol="tcp")
        ),
        await client.put_instance_public_ports(
            "linux-1", [PortInfo(from_port=22, to_port=22, protocol="tcp")]
        ),
        [o async for o in client.iter_operations()],
        [o async for o in client.iter_operations_for_resource("linux-1")],
        await client.get_regions(include_availability_zones=True),
        [b async for b in client.iter_bundles()],
    ]
    results.append(await client.get_operation(str(stopped[0].id)))
    emulator.clock.advance(emulator.timings.instance_stop)
    results.append(await client.start_instance("linux-1"))
    emulator.clock.advance(emulator.timings.instance_start)
    results.append(await client.reboot_instance("linux-1"))
    assert {op.wire for op in OPERATIONS.values()} <= set(emulator.stats.requests)
    assert emulator.stats.errors == {}, "every call succeeded"
    return results


def _now(emulator: Emulator) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(emulator.clock.now(), tz=UTC)


def returned_secrets(results: list[Any]) -> set[str]:
    """The secrets inside the access details that came back."""
    out: set[str] = {"user-data-secret-0451"}
    for result in results:
        if isinstance(result, al.InstanceAccessDetails):
            out |= {v for v in (result.private_key, result.cert_key, result.password) if v}
            if result.password_data and result.password_data.ciphertext:
                out.add(result.password_data.ciphertext)
    # Keys are multi-line PEM; botocore logs bodies JSON-escaped, so check a line of each too.
    out |= {line for s in list(out) for line in s.splitlines() if len(line) >= 16}
    return out


def rendered(results: list[Any]) -> str:
    """repr and str of every result, as a bot printing them would show."""
    return "\n".join(f"{r!r}\n{r}" for r in results)


async def test_static_keys_every_operation_keeps_secrets(
    org: Emulator, debug_log: list[str]
) -> None:
    """A static-key client runs every operation at DEBUG: no secret in logs or reprs."""
    async with LightsailClient(
        "eu-west-1", endpoint_url=org.endpoint_url, **static_keys(ORG[0])
    ) as client:
        results = await every_operation(client, org, ORG[0].account_id)
        text = "\n".join(debug_log) + rendered(results) + repr(client)
    secrets = returned_secrets(results) | account_secrets()
    assert len(secrets) > 6
    assert any("Response body" in line for line in debug_log), "botocore logged bodies"
    assert leaks(text, secrets) == []


async def test_assumed_role_every_operation_keeps_secrets(
    org: Emulator, debug_log: list[str]
) -> None:
    """Through an assumed role (real STS over HTTP) every operation keeps the STS secret
    key and session token, and the returned secrets, out of logs and reprs."""
    target = Target(
        "us-east-2", endpoint_url=org.endpoint_url, role_arn=role_arn(ORG[2]), **static_keys(ORG[0])
    )
    async with Fleet([target]) as fleet:
        client = await fleet.client(target)
        results = await every_operation(client, org, ORG[2].account_id)
        text = "\n".join(debug_log) + rendered(results) + repr(client) + repr(fleet)
    secrets = returned_secrets(results) | account_secrets() | issued_secrets(org)
    assert org.stats.sts_requests == 1
    assert leaks(text, secrets) == []


FRESH_PROCESS = textwrap.dedent(
    """
    import asyncio, json, logging, sys
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    from aiolightsail import Fleet, Target
    from aiolightsail.emulator import Account, Clock, Emulator

    A = Account(account_id="111111111111", access_key_id="AKIAFRESHPROCESS0001",
                secret_access_key="fresh-process-secret-key-000000000000000")
    B = Account(account_id="222222222222", access_key_id="AKIAFRESHPROCESS0002",
                secret_access_key="fresh-process-secret-key-111111111111111")

    async def main():
        async with Emulator([A, B], clock=Clock.manual()) as emu:
            emu.seed_instances(B.account_id, "eu-west-1", 3)
            target = Target("eu-west-1", endpoint_url=emu.endpoint_url,
                            role_arn="arn:aws:iam::222222222222:role/inventory",
                            aws_access_key_id=A.access_key_id,
                            aws_secret_access_key=A.secret_access_key)
            async with Fleet([target]) as fleet:
                n = len([i async for _, i in fleet.iter_instances()])
            sessions = emu.credentials._sessions.values()
            print(json.dumps({"items": n, "secrets": [s.secret_access_key for s in sessions]
                              + [s.session_token for s in sessions] + [A.secret_access_key]}))

    asyncio.run(main())
    """
)


async def test_fresh_process_role_sweep_keeps_sts_secrets_out_of_logs() -> None:
    """In a new process whose first aiolightsail use is a role target, DEBUG logs hold no
    STS secret key or session token."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        FRESH_PROCESS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    report = json.loads(out)
    assert report["items"] == 3
    log = err.decode()
    assert "Response body" in log
    assert leaks(log, set(report["secrets"])) == []


WRONG_TYPE_SECRET = b"do-not-echo-secret-0000000000000000000000"
# Typed Any: these calls pass a secret of the wrong type on purpose.
AnyTarget: Any = Target
AnyClient: Any = LightsailClient


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda: AnyTarget(
                "eu-west-1", aws_access_key_id="AKIA0000000000000000",
                aws_secret_access_key=WRONG_TYPE_SECRET,
            ),
            id="Target-secret-bytes",
        ),
        pytest.param(
            lambda: AnyTarget(
                "eu-west-1", aws_access_key_id="AKIA0000000000000000",
                aws_secret_access_key="s" * 40, aws_session_token=WRONG_TYPE_SECRET,
            ),
            id="Target-token-bytes",
        ),
        pytest.param(
            lambda: AnyClient(
                "eu-west-1", aws_access_key_id="AKIA0000000000000000",
                aws_secret_access_key=WRONG_TYPE_SECRET,
            ),
            id="LightsailClient-secret-bytes",
        ),
        pytest.param(
            lambda: AnyClient(
                "eu-west-1", aws_access_key_id="AKIA0000000000000000",
                aws_secret_access_key="s" * 40, aws_session_token=WRONG_TYPE_SECRET,
            ),
            id="LightsailClient-token-bytes",
        ),
    ],
)  # fmt: skip
def test_bad_secret_argument_is_not_echoed(build: Any) -> None:
    """A secret of the wrong type is refused without repeating it in the error."""
    with pytest.raises(al.ValidationError) as caught:
        build()
    shown = str(caught.value) + repr(caught.value) + repr(caught.value.value)
    assert "do-not-echo-secret" not in shown


async def test_bad_user_data_and_failed_calls_keep_secrets(
    org: Emulator, debug_log: list[str]
) -> None:
    """Refused user data, a refused AssumeRole and a wrong secret key: the errors, the fleet's
    failures and the DEBUG logs name what went wrong but show no secret."""
    wrong_secret = "wrong-secret-key-for-account-a-0000000000"
    async with LightsailClient(
        "eu-west-1", endpoint_url=org.endpoint_url, **static_keys(ORG[0])
    ) as client:
        with pytest.raises(al.ValidationError) as bad_user_data:
            await client.create_instances(
                instance_names=["x1"],
                availability_zone="eu-west-1a",
                blueprint_id="ubuntu_24_04",
                bundle_id="nano_3_0",
                user_data=USER_DATA.encode(),  # type: ignore[arg-type]
            )
    url = org.endpoint_url
    denied = Target(
        "eu-west-1", endpoint_url=url, role_arn="arn:aws:iam::999999999999:role/x",
        **static_keys(ORG[1]),
    )  # fmt: skip
    wrong_key = Target(
        "eu-west-1", endpoint_url=url, aws_access_key_id=ORG[0].access_key_id,
        aws_secret_access_key=wrong_secret,
    )  # fmt: skip
    async with Fleet([denied, wrong_key], max_attempts=1) as fleet:
        stream = fleet.iter_instances()
        assert [item async for item in stream] == []
        failures = {f.target: f for f in stream.failures}
    assert isinstance(failures[denied].error, al.AccessDeniedError)
    assert isinstance(failures[wrong_key].error, al.UnauthenticatedError)
    shown = "\n".join(
        [str(bad_user_data.value), repr(bad_user_data.value)]
        + [f"{f!r} {f.error} {f.error!r} {f.target!r}" for f in failures.values()]
    )
    secrets = account_secrets() | {wrong_secret, "user-data-secret-0451"}
    assert leaks(shown, secrets) == []
    assert leaks("\n".join(debug_log), secrets) == []


async def test_cli_output_keeps_secrets(org: Emulator) -> None:
    """`aiolightsail instances` over keys from the environment, an assumed role and a refused
    role: stdout (JSON) and stderr (failure lines) show no secret key or token."""
    org.seed_instances(ORG[2].account_id, "eu-west-1", 3)
    org.seed_instances(ORG[2].account_id, "us-east-1", 2)
    env = {
        "AWS_ACCESS_KEY_ID": ORG[0].access_key_id,
        "AWS_SECRET_ACCESS_KEY": ORG[0].secret_access_key,
        "PATH": "/usr/bin:/bin",
    }
    import os

    env.update({k: v for k, v in os.environ.items() if k.startswith("AWS_CONFIG_FILE")})
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"]
    env["AWS_CONFIG_FILE"] = os.environ["AWS_CONFIG_FILE"]
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiolightsail", "instances",
        "--endpoint-url", org.endpoint_url, "-r", "eu-west-1", "-r", "us-east-1",
        "--role-arn", role_arn(ORG[2]), "--role-arn", "arn:aws:iam::999999999999:role/nope",
        "-o", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 1, err.decode()  # some targets failed (the refused role)
    assert len(json.loads(out)) == 5
    assert "AccessDenied" in err.decode()
    secrets = account_secrets() | issued_secrets(org)
    assert leaks(out.decode() + err.decode(), secrets) == []
