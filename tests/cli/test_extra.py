"""The command line is the ``cli`` extra: without click or rich it says how to install them."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest
from packaging.requirements import Requirement

#: Ways to start the command, each run after the blocking line in a fresh interpreter.
ENTRY_POINTS = {
    # The installed console script, looked up as pip's launcher does.
    "console script": (
        "from importlib.metadata import entry_points\n"
        "(script,) = entry_points(group='console_scripts', name='aiolightsail')\n"
        "script.load()()\n"
    ),
    "python -m aiolightsail": (
        "import runpy\nrunpy.run_module('aiolightsail', run_name='__main__', alter_sys=True)\n"
    ),
    "python -m aiolightsail.emulator": (
        "import runpy\n"
        "runpy.run_module('aiolightsail.emulator', run_name='__main__', alter_sys=True)\n"
    ),
}


def _run_without(module: str, entry_point: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an entry point in a subprocess where importing ``module`` fails as if not installed."""
    code = f"import sys\nsys.argv[1:] = {list(args)!r}\nsys.modules[{module!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", code + ENTRY_POINTS[entry_point]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("entry_point", "missing"),
    [
        ("console script", "click"),
        ("console script", "rich"),
        ("python -m aiolightsail", "click"),
        ("python -m aiolightsail", "rich"),
        # The emulator command needs click only: without rich it still runs.
        ("python -m aiolightsail.emulator", "click"),
    ],
)
def test_without_the_extra_every_entry_point_prints_the_install_hint(
    entry_point: str, missing: str
) -> None:
    """Without click or rich, each entry point prints one line naming the extra and exits 1."""
    result = _run_without(missing, entry_point, "--help")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "The aiolightsail command needs its extra: pip install 'aiolightsail[cli]'\n"
    )


def test_another_missing_module_is_not_blamed_on_the_extra() -> None:
    """A module of our own missing is a broken installation: its traceback, not the hint."""
    result = _run_without("aiolightsail.cli._output", "console script", "--help")
    assert result.returncode == 1
    assert "ModuleNotFoundError" in result.stderr
    assert "aiolightsail[cli]" not in result.stderr


def test_with_the_extra_the_same_launch_runs_the_command() -> None:
    """With nothing blocked, the console script runs the click command (the check above is fair)."""
    result = _run_without("no-such-module", "console script", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("aiolightsail, version ")


def test_the_entry_module_imports_neither_click_nor_rich() -> None:
    """`import aiolightsail.cli` (where the console script points) loads no click or rich."""
    code = (
        "import sys, aiolightsail.cli\n"
        "print(sorted({m.partition('.')[0] for m in sys.modules} & {'click', 'rich'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_click_and_rich_are_required_only_by_the_cli_extra() -> None:
    """The installed metadata requires click and rich under the `cli` extra, never by default."""
    requirements = [Requirement(r) for r in importlib.metadata.requires("aiolightsail") or []]
    for name in ("click", "rich"):
        # The build expands `dev`'s "aiolightsail[cli]" into its own entries as well.
        found = [r.marker for r in requirements if r.name == name]
        assert found and all(marker is not None for marker in found)
        assert any(marker.evaluate({"extra": "cli"}) for marker in found if marker)
        assert not any(marker.evaluate({"extra": ""}) for marker in found if marker)
