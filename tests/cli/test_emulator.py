"""``aiolightsail emulator`` (and ``python -m aiolightsail.emulator``), out of process."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import boto3  # type: ignore[import-untyped]  # boto3 ships no type information

from aiolightsail.emulator import DEFAULT_ACCOUNT
from tests.emulator.helpers import isolated_env


async def test_emulator_command_serves_until_interrupted() -> None:
    """`python -m aiolightsail.emulator` prints its URL, serves boto3 and exits 0 on SIGINT."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiolightsail.emulator", "--port", "0", "--demo", "--page-size", "50",
        env=isolated_env(),
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
