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


# One interpreter for many commands: the AWS CLI's start-up is most of its cost.
_CLI_LOOP = """
import json, sys
from awscli.clidriver import create_clidriver

for argv in json.loads(sys.argv[1]):
    status = create_clidriver().main(argv)
    sys.stdout.write("\\n\\x1e" + json.dumps(status) + "\\n")
    sys.stdout.flush()
"""


async def _aws_many(emulator: Emulator, commands: list[list[str]]) -> list[Any]:
    common = ["--endpoint-url", emulator.endpoint_url, "--region", "us-east-1", "--output", "json"]
    argvs = [["lightsail", *command, *common] for command in commands]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CLI_LOOP, json.dumps(argvs),
        env=isolated_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    # Each command's output, then "\n\x1e<status>\n".
    parts = out.decode().split("\n\x1e")
    results = []
    for index, part in enumerate(parts[:-1]):
        body = part.split("\n", 1)[1] if index else part
        results.append(json.loads(body) if body.strip() else None)
    statuses = [json.loads(p.split("\n", 1)[0]) for p in parts[1:]]
    assert statuses == [0] * len(commands), err.decode()
    return results


async def test_aws_cli_drives_the_lifecycle(emulator: Emulator) -> None:
    """The AWS CLI parses every lifecycle, firewall, operation and catalogue answer."""
    emulator.add_instance(None, "us-east-1", "web-1")
    emulator.add_instance(None, "us-east-1", "off-1", state="stopped")
    name = ["--instance-name", "web-1"]

    (reboot, stop, start, state, opened, put, operations, for_resource, regions, bundles) = (
        await _aws_many(
            emulator,
            [
                ["reboot-instance", *name],
                ["stop-instance", *name, "--force"],
                ["start-instance", "--instance-name", "off-1"],
                ["get-instance-state", *name],
                ["open-instance-public-ports", *name,
                 "--port-info", "fromPort=443,toPort=443,protocol=tcp"],
                ["put-instance-public-ports", *name,
                 "--port-infos", "fromPort=22,toPort=22,protocol=tcp"],
                ["get-operations"],
                ["get-operations-for-resource", "--resource-name", "web-1"],
                ["get-regions", "--include-availability-zones"],
                ["get-bundles", "--include-inactive"],
            ],
        )
    )  # fmt: skip
    (operation,) = await _aws_many(
        emulator, [["get-operation", "--operation-id", stop["operations"][0]["id"]]]
    )

    assert reboot["operations"][0]["status"] == "Succeeded"
    assert stop["operations"][0]["operationType"] == "StopInstance"
    assert start["operations"][0]["status"] == "Started"
    assert state["state"] == {"code": 64, "name": "stopping"}
    assert opened["operation"]["operationType"] == "OpenInstancePublicPorts"
    assert put["operation"]["status"] == "Succeeded"
    assert len(operations["operations"]) == 5
    assert {o["resourceName"] for o in for_resource["operations"]} == {"web-1"}
    assert "us-east-1" in {r["name"] for r in regions["regions"]}
    assert {b["bundleId"] for b in bundles["bundles"]} >= {"nano_3_0", "nano_2_0"}
    assert operation["operation"]["id"] == stop["operations"][0]["id"]
