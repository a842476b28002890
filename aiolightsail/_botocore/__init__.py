"""The one boundary between aiolightsail and botocore/aiobotocore.

No other module of the client side imports botocore or aiobotocore (the
emulator, a separate server, uses botocore's public signer). Everything the
library needs from them goes through the names below: shared sessions and
their one-time set-up, what the AWS configuration says (region, retries,
application id: ``_settings``), assumed roles and caller identities, opening
a Lightsail transport and calling it by wire name (a success's bytes come
back undecoded, as a :class:`Body`, for the models), and translating their
failures. The private members this package relies on are listed in
:data:`_compat.PRIVATE_MEMBERS`; importing it checks them and the aiobotocore
version, and fails with one clear sentence (:class:`UnsupportedBotocoreError`)
rather than letting requests fail later.
"""

from __future__ import annotations

from aiolightsail._botocore._compat import UnsupportedBotocoreError, check

check()

from botocore.config import Config  # noqa: E402 - the type of the public config= arguments

from aiolightsail._botocore._client import TransportOptions, open_lightsail  # noqa: E402
from aiolightsail._botocore._credentials import within  # noqa: E402
from aiolightsail._botocore._observe import observe_requests  # noqa: E402
from aiolightsail._botocore._organizations import organization_accounts  # noqa: E402
from aiolightsail._botocore._parsing import Body  # noqa: E402
from aiolightsail._botocore._sessions import (  # noqa: E402
    clear,
    configured_region,
    get_session,
    is_session,
    prepare_session,
    resolve_credentials,
)
from aiolightsail._botocore._settings import (  # noqa: E402
    DEFAULT_MAX_ATTEMPTS,
    RETRY_MODES,
    RetryMode,
    check_config,
)
from aiolightsail._botocore._sts import (  # noqa: E402
    RoleSession,
    assume_role_session,
    caller_account_id,
)
from aiolightsail._botocore._translate import reraise, translate  # noqa: E402
from aiolightsail._botocore._transport import Sending, Transport, UncertainWrite  # noqa: E402

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "RETRY_MODES",
    "Body",
    "Config",
    "RetryMode",
    "RoleSession",
    "Sending",
    "Transport",
    "TransportOptions",
    "UncertainWrite",
    "UnsupportedBotocoreError",
    "assume_role_session",
    "caller_account_id",
    "check_config",
    "clear",
    "configured_region",
    "get_session",
    "is_session",
    "observe_requests",
    "open_lightsail",
    "organization_accounts",
    "prepare_session",
    "reraise",
    "resolve_credentials",
    "translate",
    "within",
]
