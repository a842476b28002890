"""The command line keeps every healthy target's rows whatever one target answers.

The same rule as ``test_one_target.py``, through ``aiolightsail instances`` in every
output format and ``aiolightsail watch`` in both of its: a front before the emulator
answers one target (profile ``default`` in ``eu-west-2``) with a hostile answer; the
run lists every instance of the three healthy targets, prints one failure line for the
hostile one, and exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiolightsail.emulator import Clock
from tests.cli.test_listing import (
    EmulatorThread,
    _accounts,
    _parse,
    invoke,
    write_aws_files,
)
from tests.conftest import ACCOUNTS, PAGE_SIZE
from tests.reliability.hostile import Front, Seen, signed_region
from tests.reliability.test_one_target import AMPLIFIED_PAGE, ISO_OFFSET_PAGE, answer, nested

pytestmark = pytest.mark.usefixtures("no_backoff")

HOSTILE_REGION = "eu-west-2"
REGIONS = ("us-east-1", HOSTILE_REGION)
HOSTILE: dict[str, tuple[int, bytes]] = {
    "nested-200": (200, nested(100_000)),
    "nested-500": (500, nested(100_000, "object")),
    "iso-offset": (200, ISO_OFFSET_PAGE),
    "amplified": (200, AMPLIFIED_PAGE),
}


class Served:
    """The emulator, seeded, and a front before it, serving from a background loop."""

    def __init__(self) -> None:
        self.thread = EmulatorThread(_accounts(), page_size=PAGE_SIZE, clock=Clock.manual())
        self.arns: dict[tuple[str, str], set[str]] = {}
        self.names: dict[tuple[str, str], set[str]] = {}
        for account, _, _ in ACCOUNTS[:2]:
            for n, region in enumerate(REGIONS):
                records = self.thread.call(
                    self.thread.emulator.seed_instances, account, region, 3 + 4 * n
                )
                self.arns[(account, region)] = {r.arn for r in records}
                self.names[(account, region)] = {r.name for r in records}
        self.front = self.thread.call(Front, self.thread.url)
        self.thread.run(self.front.start())

    def close(self) -> None:
        self.thread.run(self.front.stop())
        self.thread.close()


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """A seeded emulator behind a front; profiles ``default`` (A) and ``acct-b`` (B)."""
    write_aws_files(tmp_path, monkeypatch, region_b="eu-west-1")
    served = Served()
    try:
        yield served
    finally:
        served.close()


def spoil_default_in_hostile_region(status: int, body: bytes):  # type: ignore[no-untyped-def]
    inner = answer(status, body)

    def spoil(seen: Seen):  # type: ignore[no-untyped-def]
        if signed_region(seen) != HOSTILE_REGION:
            return None
        if f"Credential={ACCOUNTS[0][1]}/" not in seen.headers.get("Authorization", ""):
            return None
        return inner(seen) if "X-Amz-Target" in seen.headers else None

    return spoil


def healthy_arns(served: Served, kind: str = "arns") -> set[str]:
    """The ARNs (or names) of the healthy targets' instances."""
    return {
        arn
        for (account, region), arns in getattr(served, kind).items()
        if not (account == ACCOUNTS[0][0] and region == HOSTILE_REGION)
        for arn in arns
    }


ARGS = "-r us-east-1 -r eu-west-2 --profile default --profile acct-b"


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("output", ["table", "json", "ndjson", "csv"])
def test_every_output_format_keeps_the_healthy_targets(
    served: Served, output: str, case: str
) -> None:
    """``instances -o FORMAT`` prints every healthy target's instances, one failure line
    for the hostile target, and exits 1."""
    served.front.spoil = spoil_default_in_hostile_region(*HOSTILE[case])
    result = invoke(f"instances {ARGS} -o {output}", url=served.front.url)
    assert result.exit_code == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: default/{HOSTILE_REGION}: ")
    healthy = healthy_arns(served)
    if output == "table":
        assert f"{len(healthy)} instances from 3 of 4 targets." in result.stderr
        assert healthy_arns(served, "names") <= set(result.stdout.split())
    else:
        assert {r["arn"] for r in _parse(output, result.stdout)} == healthy


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("output", ["table", "ndjson"])
def test_watch_keeps_the_healthy_targets(served: Served, output: str, case: str) -> None:
    """``watch --sweeps 1`` adds every healthy target's instances and reports the hostile
    target as failing."""
    served.front.spoil = spoil_default_in_hostile_region(*HOSTILE[case])
    result = invoke(f"watch {ARGS} --sweeps 1 --interval 0 -o {output}", url=served.front.url)
    assert result.exit_code == 1, result.stderr
    if output == "ndjson":
        changes = [json.loads(line) for line in result.stdout.splitlines()]
        assert {c["arn"] for c in changes if c["kind"] == "added"} == healthy_arns(served)
    else:  # the live table shows as many rows as the terminal holds: it names the failure
        assert f"default/{HOSTILE_REGION}" in result.stdout + result.stderr
