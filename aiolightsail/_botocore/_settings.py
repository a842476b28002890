"""What the AWS configuration says, read through botocore's own configuration chains.

Region, retry policy and application id are resolved the way botocore resolves
them for boto3 and the AWS CLI: a session's instance variable, then the
environment, then the profile in the config file. The names (``AWS_RETRY_MODE``,
the profile's ``retry_mode``...) come from the session's own table
(``session.session_var_map``), so nothing here re-implements botocore's rules;
where aiolightsail differs, it says so below and in
``docs/guides/configuration.md``:

- **Region**: ``AWS_REGION`` is read before ``AWS_DEFAULT_REGION``. botocore
  (and so boto3) reads only ``AWS_DEFAULT_REGION``; the AWS CLI v2 and every
  other AWS SDK read ``AWS_REGION`` first, and Lambda, ECS and CodeBuild set
  only ``AWS_REGION``. Operators expect it read.
- **Retries**: when nothing is configured botocore answers ``legacy``; our
  default is ``standard`` mode with :data:`DEFAULT_MAX_ATTEMPTS` attempts, and
  a configured ``legacy`` is run as ``standard`` (with the configured
  attempts): the library's error reading (every HTTP 429 a throttle) and its
  retry guarantees are built on the standard retry handler.

Every function here reads the config files only through a session that
:func:`~aiolightsail._botocore._sessions.prepare_session` has warmed (in a
thread), so none of them blocks on file I/O.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal

from aiolightsail._errors import ValidationError

if TYPE_CHECKING:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession
    from botocore.config import Config

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_RETRY_MODE",
    "REGION_VARIABLES",
    "RETRY_MODES",
    "RetryMode",
    "app_id",
    "check_config",
    "client_config",
    "configured_region",
    "is_config",
    "region_or_refuse",
    "retry_policy",
]

#: Total attempts per request when nothing is configured (the first try included).
DEFAULT_MAX_ATTEMPTS = 5
#: The retry mode when nothing is configured.
DEFAULT_RETRY_MODE = "standard"
#: The retry modes a caller may ask for.
RETRY_MODES = ("standard", "adaptive")
RetryMode = Literal["standard", "adaptive"]
#: The most attempts a request may be given, from any source.
MAX_ATTEMPTS_LIMIT = 100
#: The environment variables of the region, in order (see the module docstring).
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def _chain(session: AioSession, name: str, *, env: tuple[str, ...] | None = None) -> Any:
    """botocore's chain for config variable ``name``, without botocore's default value.

    The chain is built by botocore's ``ConfigChainFactory`` from the session's
    own table entry for ``name`` (instance variable, environment variables,
    config-file keys, conversion), with no default, so "nothing configured"
    answers ``None``. ``env`` replaces the table's environment variables.
    """
    from botocore.configprovider import ConfigChainFactory

    config_names, env_names, _default, convert = session.session_var_map[name]
    factory: Any = ConfigChainFactory(session=session)
    return factory.create_config_chain(
        instance_name=name,
        env_var_names=list(env) if env is not None else env_names,
        config_property_names=config_names,
        conversion_func=convert,
    )


def configured_region(session: AioSession) -> str | None:
    """The region configured for ``session``: its instance variable, ``AWS_REGION``,
    ``AWS_DEFAULT_REGION``, then its profile's ``region``; ``None`` when none is."""
    _config, env_names, _default, _convert = session.session_var_map["region"]
    names = (*REGION_VARIABLES, *_names(env_names))
    region = _chain(session, "region", env=tuple(dict.fromkeys(names))).provide()
    return region if isinstance(region, str) and region else None


def _names(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def region_or_refuse(session: AioSession, region: str | None, config: Config | None) -> str:
    """``region``, else ``config.region_name``, else the configured region, checked.

    Raises:
        ValidationError: (``region``) none of them gives a region, or the
            configured one is malformed; the message says where it looked.
    """
    from aiolightsail import _validation as check

    if region is not None:
        return region
    given = getattr(config, "region_name", None) if config is not None else None
    found = given or configured_region(session)
    if found is None:
        profile = session.profile or "default"
        config_file = session.get_config_variable("config_file")
        raise ValidationError(
            "region",
            "no region given and none configured: pass region=..., or set "
            f"AWS_REGION or AWS_DEFAULT_REGION, or `region` in profile {profile!r} "
            f"of {config_file}",
        )
    return check.region(found)


def retry_policy(
    session: AioSession,
    *,
    max_attempts: int | None,
    retry_mode: str | None,
    config: Config | None,
) -> tuple[RetryMode, int]:
    """The effective retry mode and total attempts for a client of ``session``.

    Each is, in order: the argument; the ``retries`` of the caller's
    ``config``; the environment (``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``);
    the profile (``retry_mode``, ``max_attempts``); our default (standard, 5).
    A configured ``legacy`` mode runs as ``standard`` (module docstring).

    Raises:
        ValidationError: a configured value botocore would refuse, or attempts
            outside 1..100; naming the setting and where it was read.
    """
    retries: dict[str, Any] = dict(getattr(config, "retries", None) or {})
    mode: str | None = retry_mode or retries.get("mode")
    where = "AWS_RETRY_MODE or the profile's retry_mode"
    if mode is None:
        mode = _chain(session, "retry_mode").provide()
        if mode == "legacy":
            mode = DEFAULT_RETRY_MODE
    if mode is None:
        mode = DEFAULT_RETRY_MODE
    if mode not in RETRY_MODES:
        raise ValidationError("retry_mode", f"{where} must be standard, adaptive or legacy", mode)

    attempts: object = max_attempts
    where = "config retries"
    if attempts is None and "total_max_attempts" in retries:
        attempts = retries["total_max_attempts"]
    elif attempts is None and "max_attempts" in retries:
        # botocore's client-config max_attempts counts retries, not attempts.
        attempts = retries["max_attempts"] + 1
    if attempts is None:
        where = "AWS_MAX_ATTEMPTS or the profile's max_attempts"
        try:
            attempts = _chain(session, "max_attempts").provide()
        except (TypeError, ValueError):
            raise ValidationError("max_attempts", f"{where} must be a whole number") from None
    if attempts is None:
        attempts = DEFAULT_MAX_ATTEMPTS
    if (
        isinstance(attempts, bool)
        or not isinstance(attempts, int)
        or not 1 <= attempts <= MAX_ATTEMPTS_LIMIT
    ):
        raise ValidationError(
            "max_attempts",
            f"{where} must be a whole number from 1 to {MAX_ATTEMPTS_LIMIT}",
            attempts,
        )
    return mode, attempts  # type: ignore[return-value]  # checked against RETRY_MODES


def app_id(session: AioSession, config: Config | None) -> str | None:
    """The application id for the User-Agent: the caller's ``config.user_agent_appid``,
    then ``AWS_SDK_UA_APP_ID``, then the profile's ``sdk_ua_app_id``; ``None`` if unset."""
    given = getattr(config, "user_agent_appid", None) if config is not None else None
    value = given or session.get_config_variable("user_agent_appid")
    return value if isinstance(value, str) and value else None


@functools.cache
def _with_app_id(base: str, appid: str | None) -> str:
    from botocore.useragent import sanitize_user_agent_string_component

    if not appid:
        return base
    return f"{base} app/{sanitize_user_agent_string_component(appid, allow_hash=True)}"


def is_config(value: object) -> bool:
    """Whether ``value`` is a botocore ``Config`` (an ``AioConfig`` included)."""
    from botocore.config import Config

    return isinstance(value, Config)


def check_config(value: object) -> None:
    """Refuse a ``config`` that is not a botocore ``Config`` or that sets what the library controls.

    Raises:
        ValidationError: (``config``) not a ``Config``, or it sets ``http_session_cls``.
    """
    if value is None:
        return
    if not is_config(value):
        raise ValidationError(
            "config",
            f"must be a botocore Config or an aiobotocore AioConfig, not {type(value).__name__}",
        )
    from aiobotocore.endpoint import DEFAULT_HTTP_SESSION_CLS

    if getattr(value, "http_session_cls", DEFAULT_HTTP_SESSION_CLS) is not DEFAULT_HTTP_SESSION_CLS:
        raise ValidationError(
            "config",
            "http_session_cls is not used: aiolightsail sends requests itself (redirects "
            "refused, a deadline per attempt); leave it out",
        )
    # What aiobotocore's own HTTP session applied and aiolightsail's transport does not
    # (mutual TLS, proxy TLS files, connector arguments): refused, not silently ignored.
    from aiobotocore.config import AioConfig

    defaults: Any = AioConfig()  # the stubs do not list its attributes
    default_connector_args = defaults.connector_args  # what AioConfig fills in itself
    unapplied = ["client_cert"] if getattr(value, "client_cert", None) else []
    if getattr(value, "connector_args", None) not in (None, {}, default_connector_args):
        unapplied.append("connector_args")
    proxies_config = getattr(value, "proxies_config", None) or {}
    unapplied += [
        f"proxies_config[{key!r}]"
        for key in ("proxy_ca_bundle", "proxy_client_cert")
        if proxies_config.get(key)
    ]
    if unapplied:
        raise ValidationError(
            "config",
            f"{', '.join(unapplied)} is not applied by aiolightsail's transport; leave it out",
            show=False,
        )
    retries = getattr(value, "retries", None) or {}
    if retries.get("mode") == "legacy":
        raise ValidationError(
            "config", "retries mode 'legacy' is not offered: use 'standard' or 'adaptive'", "legacy"
        )


def client_config(
    session: AioSession,
    *,
    base_user_agent: str,
    connect_timeout: float,
    read_timeout: float,
    max_pool_connections: int | None,
    max_attempts: int | None,
    retry_mode: str | None,
    config: Config | None,
) -> AioConfig:
    """The ``AioConfig`` of one client: ours, with the caller's ``config`` on top.

    The caller's ``config`` wins for every value it sets (proxies, timeouts,
    pool size, keep-alive, ``user_agent_extra``, a whole ``user_agent``...),
    except two the library controls: ``http_session_cls`` (refused by
    :func:`check_config`: the library's transport sends the requests) and
    ``retries``, which is always the effective policy of :func:`retry_policy`
    as ``{"mode", "total_max_attempts"}``, so the transport's
    ``config.retries`` is what it does. The User-Agent is
    ours, with ``app/<id>`` when :func:`app_id` finds one.

    Raises:
        ValidationError: see :func:`check_config` and :func:`retry_policy`.
    """
    from aiobotocore.config import AioConfig

    check_config(config)
    mode, attempts = retry_policy(
        session, max_attempts=max_attempts, retry_mode=retry_mode, config=config
    )
    options: dict[str, Any] = {
        "connect_timeout": connect_timeout,
        "read_timeout": read_timeout,
        "user_agent": _with_app_id(base_user_agent, app_id(session, config)),
    }
    if max_pool_connections is not None:
        options["max_pool_connections"] = max_pool_connections
    ours = AioConfig(**options)
    merged = ours.merge(config) if config is not None else ours  # type: ignore[arg-type]  # AioConfig.merge takes any Config
    # What the library controls, set last so that nothing above can replace it.
    return merged.merge(AioConfig(retries={"mode": mode, "total_max_attempts": attempts}))
