"""Release hygiene: one version, a changelog section for it, classifiers that CI tests."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import aiolightsail

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def ci_pythons() -> list[str]:
    """The Python versions .ci/run tests on (its ``PYTHONS=(...)`` line)."""
    match = re.search(r"^PYTHONS=\(([^)]*)\)$", (ROOT / ".ci/run").read_text(), re.MULTILINE)
    assert match, ".ci/run must list the Pythons it tests in one PYTHONS=(...) line"
    return match[1].split()


def test_the_version_has_one_source() -> None:
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "aiolightsail/__init__.py"
    # The installed metadata says what the module says (an editable install reads it).
    assert importlib.metadata.version("aiolightsail") == aiolightsail.__version__


def test_the_version_is_pep_440() -> None:
    # The public release pattern of PEP 440's appendix B, without epochs or local parts.
    pep440 = r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?"
    assert re.fullmatch(pep440, aiolightsail.__version__)


def test_a_release_has_its_changelog_section() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[?([^\]\s]+)\]?", changelog, re.MULTILINE)
    assert sections, "CHANGELOG.md has no ## sections"
    if ".dev" in aiolightsail.__version__:
        assert sections[0] == "Unreleased"
    else:
        assert aiolightsail.__version__ in sections, (
            f"CHANGELOG.md has no section for {aiolightsail.__version__}"
        )
        heading = re.search(
            rf"^## \[?{re.escape(aiolightsail.__version__)}\]? - (\d{{4}}-\d{{2}}-\d{{2}})$",
            changelog,
            re.MULTILINE,
        )
        assert heading, "a release heading reads: ## X.Y.Z - YYYY-MM-DD"


def test_the_classifiers_name_exactly_the_pythons_ci_tests() -> None:
    classifiers = PYPROJECT["project"]["classifiers"]
    claimed = sorted(
        (c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r".* :: 3\.\d+", c)),
        key=lambda v: tuple(map(int, v.split("."))),
    )
    tested = ci_pythons()
    assert claimed == tested
    # requires-python starts at the oldest tested Python.
    assert PYPROJECT["project"]["requires-python"] == f">={tested[0]}"
    # And this run is on one of them.
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in tested
