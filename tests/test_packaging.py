"""Release hygiene: one version, a changelog section for it, classifiers that CI tests, and
built distributions that hold what they must (the package, its plugin, its licence) and no more."""

from __future__ import annotations

import configparser
import importlib.metadata
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

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


# -- the built distributions ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built from this tree as a release would be (without isolation:
    the dev extra's hatchling builds them, so no index is needed)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def _wheel(dist: Path) -> zipfile.ZipFile:
    (path,) = dist.glob("aiolightsail-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_holds_the_package_and_nothing_else(dist: Path) -> None:
    """Every module of the package is in the wheel, with py.typed, and nothing outside it."""
    names = set(_wheel(dist).namelist())
    info = f"aiolightsail-{aiolightsail.__version__}.dist-info/"
    outside = sorted(n for n in names if not n.startswith(("aiolightsail/", info)))
    assert outside == [], "the wheel holds files outside the package"
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    source = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "aiolightsail").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert source - names == set(), "files of the package missing from the wheel"
    assert {"aiolightsail/py.typed", "aiolightsail/emulator/__init__.py"} <= names


def test_the_wheel_registers_the_plugin_and_the_command(dist: Path) -> None:
    """The wheel's entry points load the pytest plugin and install the ``aiolightsail`` command."""
    wheel = _wheel(dist)
    info = f"aiolightsail-{aiolightsail.__version__}.dist-info/"
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel.read(info + "entry_points.txt").decode())
    assert dict(entry_points["pytest11"]) == {"aiolightsail": "aiolightsail.pytest_plugin"}
    assert dict(entry_points["console_scripts"]) == {"aiolightsail": "aiolightsail.cli:main"}


def test_the_license_ships_in_the_sdist_and_the_wheel(dist: Path) -> None:
    """LICENSE is in both distributions, named by ``License-File``, and is Apache-2.0's text."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    wheel = _wheel(dist)
    info = f"aiolightsail-{aiolightsail.__version__}.dist-info/"
    metadata = wheel.read(info + "METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    assert wheel.read(info + "licenses/LICENSE").decode() == text
    (sdist,) = dist.glob("aiolightsail-*.tar.gz")
    root = f"aiolightsail-{aiolightsail.__version__}/"
    with tarfile.open(sdist) as archive:
        license_file = archive.extractfile(root + "LICENSE")
        info_file = archive.extractfile(root + "PKG-INFO")
        assert license_file is not None and info_file is not None
        assert license_file.read().decode() == text
        assert "License-File: LICENSE" in info_file.read().decode().splitlines()


def test_the_readme_works_as_the_package_index_page() -> None:
    """The long description (README.md) links only to absolute web addresses: a relative
    link or image, fine in the repository, would break on the package index."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["readme"] == "README.md"
    targets = re.findall(r"\]\(([^)\s]+)[^)]*\)", readme)
    targets += re.findall(r"<(?:img|a)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", readme)
    relative = [t for t in targets if not t.startswith("https://")]
    assert relative == [], "use an https:// address, or name the path as code"
    # The install section shows the published package's command.
    assert "pip install 'aiolightsail[cli]'" in readme
