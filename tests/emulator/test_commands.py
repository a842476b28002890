"""An out-of-process client: the AWS CLI against the emulator."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from aiolightsail.emulator import Emulator
from tests.emulator.helpers import isolated_env


async def _aws(emulator: Emulator, *args: str) -> Any:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "awscli", "lightsail", *args,
        "--endpoint-url", emulator.endpoint_url, "--region", "us-east-1", "--output", "json",
        env=isolated_env(),
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
