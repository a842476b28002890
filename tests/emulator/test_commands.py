"""Out-of-process clients: the AWS CLI against the emulator, and the emulator command itself."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

import boto3  # type: ignore[import-untyped]  # boto3 ships no type information

from aiolightsail.emulator import DEFAULT_ACCOUNT, Emulator


def _isolated_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ACCESS_KEY_ID=DEFAULT_ACCOUNT.access_key_id,
        AWS_SECRET_ACCESS_KEY=DEFAULT_ACCOUNT.secret_access_key,
        **extra,
    )
    return env


async def _aws(emulator: Emulator, *args: str) -> Any:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "awscli", "lightsail", *args,
        "--endpoint-url", emulator.endpoint_url, "--region", "us-east-1", "--output", "json",
        env=_isolated_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out) if out.strip() else None


async def test_aws_cli_round_trip(emulator: Emulator) -> None:
    """The AWS CLI creates, lists (auto-paginating) and deletes an instance."""
    seeded = {r.name for r in emulator.seed_instances(count=7)}

    created = await _aws(
        emulator, "create-instances", "--instance-names", "cli-1",
        "--availability-zone", "us-east-1a", "--blueprint-id", "ubuntu_22_04",
        "--bundle-id", "nano_3_0",
    )  # fmt: skip
    listed = await _aws(emulator, "get-instances")
    await _aws(emulator, "delete-instance", "--instance-name", "cli-1")

    assert created["operations"][0]["resourceName"] == "cli-1"
    assert {i["name"] for i in listed["instances"]} == seeded | {"cli-1"}
    assert set(emulator.state().instances) == seeded


async def test_emulator_command_serves_until_interrupted() -> None:
    """`python -m aiolightsail.emulator` prints its URL, serves boto3 and exits 0 on SIGINT."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiolightsail.emulator", "--port", "0", "--demo", "--page-size", "50",
        env=_isolated_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        first = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        url = first.rsplit(" ", 1)[-1].strip()
        banner = (
            await asyncio.wait_for(process.stdout.readuntil(b"Ctrl+C to stop.\n"), 10)
        ).decode()

        def list_instances() -> list[Any]:
            client = boto3.client(
                "lightsail",
                endpoint_url=url,
                region_name="eu-west-1",
                aws_access_key_id=DEFAULT_ACCOUNT.access_key_id,
                aws_secret_access_key=DEFAULT_ACCOUNT.secret_access_key,
            )
            return list(client.get_instances()["instances"])

        instances = await asyncio.to_thread(list_instances)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), 30)

    assert first.startswith("Lightsail emulator listening on http://127.0.0.1:")
    assert f"aws lightsail get-instances --endpoint-url {url}" in banner
    assert f"export AWS_ENDPOINT_URL={url}" in banner
    assert instances  # --demo seeded the default account in eu-west-1
    assert process.returncode == 0, err.decode()
