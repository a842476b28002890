"""botocore and aiobotocore are touched in one place, checked at import, and never relabel bugs."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import aiolightsail as al
from aiolightsail import LightsailClient, _botocore
from aiolightsail._botocore import _compat
from tests.conftest import Wire

PACKAGE = Path(al.__file__).parent
ROOT = PACKAGE.parent
#: Parts of the package with their own reasons to import botocore (a server; the command line).
OUTSIDE_THE_CLIENT = ("_botocore", "emulator", "cli")


def _runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_only_the_boundary_imports_botocore() -> None:
    """Outside aiolightsail._botocore, no client-side module imports botocore or aiobotocore."""
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in OUTSIDE_THE_CLIENT:
            continue
        touched = {
            name
            for name in _runtime_imports(path)
            if name.split(".")[0] in {"botocore", "aiobotocore"}
        }
        if touched:
            offenders[str(relative)] = touched
    assert offenders == {}


def test_the_declared_range_is_the_checked_one() -> None:
    """pyproject.toml's aiobotocore requirement is the range the import check enforces."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (requirement,) = [d for d in project["dependencies"] if d.startswith("aiobotocore")]
    (low_major, low_minor), (high_major, high_minor) = _compat.SUPPORTED_AIOBOTOCORE
    assert requirement == f"aiobotocore>={low_major}.{low_minor},<{high_major}.{high_minor}"


def test_the_boto3_extra_fits_aiobotocores_botocore() -> None:
    """The ``[boto3]`` extra names exactly the boto3 releases whose botocore the installed
    aiobotocore accepts (boto3 X.Y.Z needs botocore X.Y.Z or later): when aiobotocore is
    widened, this says what the extra must become."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (extra,) = project["optional-dependencies"]["boto3"]
    (botocore,) = [
        r for r in importlib.metadata.requires("aiobotocore") or [] if r.startswith("botocore")
    ]
    bounds = sorted(botocore.removeprefix("botocore").split(";")[0].strip().split(","))[::-1]
    assert extra.startswith("boto3"), extra
    assert sorted(extra.removeprefix("boto3").split(",")) == sorted(bounds), (
        f"write boto3{','.join(bounds)} in the [boto3] extra"
    )


@pytest.mark.parametrize("version", ["3.11.0", "4.0.1", "3.9.2", "2.26.0", "nonsense"])
def test_an_untested_aiobotocore_is_refused_in_one_sentence(version: str) -> None:
    """A version outside the tested range fails the check with what to install."""
    with pytest.raises(_compat.UnsupportedBotocoreError) as raised:
        _compat.check(version)
    message = str(raised.value)
    assert version in message
    assert "pip install 'aiobotocore>=3.10,<3.11'" in message
    assert "\n" not in message


def test_the_version_check_can_be_waived(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the opt-out variable set, an untested version passes (its members still checked)."""
    monkeypatch.setenv(_compat.ALLOW_UNTESTED_VARIABLE, "1")
    _compat.check("3.99.0")


def _import_after(drift: str) -> str:
    """What `import aiolightsail` says, in a fresh interpreter, after running ``drift``."""
    code = (
        f"{drift}"
        "try:\n"
        "    import aiolightsail\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "else:\n"
        "    print('imported')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout


@pytest.mark.parametrize(
    ("module", "owner", "member"),
    [
        ("aiobotocore.credentials", "AioRefreshableCredentials", "_protected_refresh"),
        ("aiobotocore.session", "AioSession", "warm_up_loader_caches"),
        ("aiobotocore.retries.adaptive", "AsyncClientRateLimiter", "on_sending_request"),
        ("aiobotocore.credentials", "AioProcessProvider", "_retrieve_credentials_using"),
    ],
)
def test_a_drifted_aiobotocore_fails_at_import_not_at_request(
    module: str, owner: str, member: str
) -> None:
    """An aiobotocore that renamed a member we use makes `import aiolightsail` fail clearly."""
    said = _import_after(f"import {module} as m\ndelattr(m.{owner}, {member!r})\n")
    assert said.startswith("UnsupportedBotocoreError aiolightsail cannot work with")
    assert f"{module}.{owner}.{member}" in said


def test_a_process_provider_without_its_popen_fails_at_import() -> None:
    """An aiobotocore whose process provider no longer keeps the `_popen` we replace (to end
    abandoned credential helpers) makes `import aiolightsail` fail clearly."""
    said = _import_after(
        "import botocore.credentials as m\n"
        "init = m.ProcessProvider.__init__\n"
        "def without_popen(self, *args, **kwargs):\n"
        "    init(self, *args, **kwargs)\n"
        "    del self._popen\n"
        "m.ProcessProvider.__init__ = without_popen\n"
    )
    assert said.startswith("UnsupportedBotocoreError aiolightsail cannot work with")
    assert "aiobotocore.credentials.AioProcessProvider._popen" in said


def test_an_assume_role_provider_without_its_builder_fails_at_import() -> None:
    """An aiobotocore whose AssumeRole provider no longer keeps the `_profile_provider_builder`
    we wrap (to end a source profile's abandoned helpers) makes `import aiolightsail` fail."""
    said = _import_after(
        "import botocore.credentials as m\n"
        "init = m.AssumeRoleProvider.__init__\n"
        "def without_builder(self, *args, **kwargs):\n"
        "    init(self, *args, **kwargs)\n"
        "    del self._profile_provider_builder\n"
        "m.AssumeRoleProvider.__init__ = without_builder\n"
    )
    assert said.startswith("UnsupportedBotocoreError aiolightsail cannot work with")
    assert "AioAssumeRoleProvider._profile_provider_builder" in said


def test_the_installed_aiobotocore_passes() -> None:
    """The aiobotocore this suite runs with is accepted (the check is not vacuous above)."""
    _compat.check()


def test_translate_leaves_our_own_bugs_alone() -> None:
    """A TypeError raised by our code is not a request failure: translate declines it."""
    with pytest.raises(TypeError) as raised:
        len(None)  # type: ignore[arg-type]
    assert _botocore.translate(raised.value, operation="GetInstance", region="eu-west-1") is None


def test_translate_blames_the_answer_for_errors_inside_botocore() -> None:
    """A ValueError raised inside botocore while reading an answer is the answer's fault."""
    from botocore.utils import parse_timestamp

    with pytest.raises(ValueError, match="not a time") as raised:
        parse_timestamp("not a time")
    translated = _botocore.translate(raised.value, operation="GetInstance", region="eu-west-1")
    assert isinstance(translated, al.ResponseError)
    assert translated.operation == "GetInstance"


@pytest.mark.parametrize("bug", [AttributeError("x"), KeyError("y"), TypeError("z"), ValueError()])
async def test_a_bug_below_a_request_surfaces_as_itself(
    client: LightsailClient, wire: Wire, monkeypatch: pytest.MonkeyPatch, bug: Exception
) -> None:
    """A programming error raised while a request is made reaches the caller unrelabelled."""

    async def broken(self: Any, operation: str, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        raise bug

    monkeypatch.setattr(_botocore.Transport, "call", broken)
    with pytest.raises(type(bug)) as raised:
        await client.get_instance("web-1")
    assert raised.value is bug
    assert wire.calls == []
