"""Which aiobotocore this release works with, checked when aiolightsail is imported.

aiolightsail uses a few private members of botocore and aiobotocore, and a few
undocumented ones whose drift would otherwise surface late (listed in
:data:`PRIVATE_MEMBERS`, each explained where it is used). A release of either
may rename one; rather than let every request fail later with a misleading
transport error, the import fails at once with one sentence that says what to
install. The version range is the one the test suite ran against, and matches
``pyproject.toml`` (``tests/test_botocore_boundary.py`` checks both).

Setting ``AIOLIGHTSAIL_ALLOW_UNTESTED_AIOBOTOCORE=1`` skips the version check
(for trying a newer aiobotocore); the private members are still checked.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, cast

__all__ = [
    "ALLOW_UNTESTED_VARIABLE",
    "PRIVATE_MEMBERS",
    "SUPPORTED_AIOBOTOCORE",
    "UnsupportedBotocoreError",
    "check",
]

#: The aiobotocore releases this aiolightsail was tested with: at least the first, below the second.
SUPPORTED_AIOBOTOCORE = ((3, 10), (3, 11))
#: The environment variable that skips the version check.
ALLOW_UNTESTED_VARIABLE = "AIOLIGHTSAIL_ALLOW_UNTESTED_AIOBOTOCORE"
#: (module, class or ``None`` for the module itself, members that class itself defines).
#: A member must be defined by that very class, not inherited: aiobotocore's
#: async overrides are what we rely on, and a release that dropped one would
#: silently fall back to botocore's synchronous version.
PRIVATE_MEMBERS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    # Loading the config files and the service model in a thread (_sessions._warm).
    ("aiobotocore.session", "AioSession", ("warm_up_loader_caches", "create_client")),
    # Refreshing assumed-role credentials on demand (_sts.force_refresh).
    ("aiobotocore.credentials", "AioRefreshableCredentials", ("_protected_refresh",)),
    # The retry policy of the transport: botocore's handler and aiobotocore's rate
    # limiter, registered as their own register_retry_handler functions do.
    ("botocore.retries.standard", None, ("register_retry_handler", "ThrottlingErrorDetector")),
    ("aiobotocore.retries.adaptive", "AsyncClientRateLimiter", ("on_sending_request",)),
    ("aiobotocore.retries.bucket", None, ("AsyncTokenBucket", "Clock")),
    # Ending abandoned credential_process helpers (_credentials.adopt_helpers): this
    # coroutine starts the helper with the provider's _popen (checked by _instance_members).
    ("aiobotocore.credentials", "AioProcessProvider", ("_retrieve_credentials_using",)),
)


class UnsupportedBotocoreError(ImportError):
    """The installed aiobotocore (or botocore) is not one this aiolightsail works with."""


def _range() -> str:
    (low_major, low_minor), (high_major, high_minor) = SUPPORTED_AIOBOTOCORE
    return f">={low_major}.{low_minor},<{high_major}.{high_minor}"


def _release(version: str) -> tuple[int, int]:
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (0, 0)


def _instance_members() -> list[str]:
    """The attributes we replace that providers set in ``__init__`` and no longer do.

    ``AioProcessProvider._popen`` (how a ``credential_process`` helper is
    started) and ``AioAssumeRoleProvider._profile_provider_builder`` (where a
    role's source profile gets its providers), used by
    ``_credentials.adopt_helpers``. Providers are built to look.
    """
    try:
        from aiobotocore.credentials import AioAssumeRoleProvider, AioProcessProvider

        process = AioProcessProvider(profile_name="default", load_config=dict)
        builder, no_client = object(), cast("Any", None)
        role = AioAssumeRoleProvider(
            load_config=dict,
            client_creator=no_client,
            cache={},
            profile_name="default",
            profile_provider_builder=builder,
        )
    except Exception as exc:  # noqa: BLE001 - any failure to build one means they changed
        return [f"aiobotocore.credentials providers as built in 3.10 ({type(exc).__name__})"]
    missing = []
    if "_popen" not in vars(process):
        missing.append("aiobotocore.credentials.AioProcessProvider._popen")
    if vars(role).get("_profile_provider_builder") is not builder:
        missing.append("aiobotocore.credentials.AioAssumeRoleProvider._profile_provider_builder")
    return missing


def check(version: str | None = None) -> None:
    """Refuse an aiobotocore outside the tested range, or one missing a member we use.

    Args:
        version: the aiobotocore version to judge (default: the installed one).

    Raises:
        UnsupportedBotocoreError: with one sentence naming what to install.
    """
    import aiobotocore

    found = version or aiobotocore.__version__
    low, high = SUPPORTED_AIOBOTOCORE
    allowed = os.environ.get(ALLOW_UNTESTED_VARIABLE, "") not in ("", "0")
    if not low <= _release(found) < high and not allowed:
        raise UnsupportedBotocoreError(
            f"aiolightsail needs aiobotocore{_range()} but {found} is installed: "
            f"run `pip install 'aiobotocore{_range()}'` (or set "
            f"{ALLOW_UNTESTED_VARIABLE}=1 to try this version untested)"
        )
    missing = []
    for module_name, class_name, members in PRIVATE_MEMBERS:
        try:
            owner: object = importlib.import_module(module_name)
        except ImportError:
            missing.append(module_name)
            continue
        if class_name is not None:
            owner = getattr(owner, class_name, None)
            if not isinstance(owner, type):
                missing.append(f"{module_name}.{class_name}")
                continue
        where = f"{module_name}.{class_name}" if class_name else module_name
        missing += [f"{where}.{member}" for member in members if member not in vars(owner)]
    missing += _instance_members()
    if missing:
        raise UnsupportedBotocoreError(
            f"aiolightsail cannot work with aiobotocore {found}: it lacks "
            f"{', '.join(missing)}; run `pip install 'aiobotocore{_range()}'`"
        )
