"""Helpers for the emulator's tests: blocking clients in threads, raw signed requests, an
environment for subprocesses."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

from aiohttp import ClientSession
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from aiolightsail.emulator import DEFAULT_ACCOUNT, Emulator

#: Small pages, so that a dozen items span several.
PAGE_SIZE = 3
TARGET_PREFIX = "Lightsail_20161128."

#: Builds a boto3 client aimed at the emulator (the ``make_client`` fixture).
ClientFactory = Callable[..., Any]


def isolated_env(**extra: str) -> dict[str, str]:
    """This process's environment for a subprocess: no AWS_* of ours, the default account's keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ACCESS_KEY_ID=DEFAULT_ACCOUNT.access_key_id,
        AWS_SECRET_ACCESS_KEY=DEFAULT_ACCOUNT.secret_access_key,
        **extra,
    )
    return env


async def call(client: Any, method: str, /, **params: Any) -> Any:
    """Run one blocking boto3 call in a worker thread and return its response."""
    return await asyncio.to_thread(getattr(client, method), **params)


class RawClient:
    """Signed or unsigned HTTP requests to the emulator, for what boto3 would not send."""

    def __init__(self, emulator: Emulator, session: ClientSession) -> None:
        self.emulator = emulator
        self.session = session

    async def request(
        self,
        operation: str | None,
        body: bytes | dict[str, Any] | None = None,
        *,
        method: str = "POST",
        region: str = "us-east-1",
        account_id: str | None = None,
        sign: bool = True,
        headers: dict[str, str] | None = None,
        path: str = "/",
    ) -> tuple[int, dict[str, str], str]:
        """Send one request; return (status, headers, body text)."""
        url = self.emulator.endpoint_url + path
        data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        sent = {"Content-Type": "application/x-amz-json-1.1", **(headers or {})}
        if operation is not None:
            sent["X-Amz-Target"] = TARGET_PREFIX + operation
        if sign:
            account = self.emulator.accounts[account_id or self.emulator.default_account.account_id]
            request = AWSRequest(method=method, url=url, data=data, headers=sent)
            credentials = Credentials(account.access_key_id, account.secret_access_key)
            SigV4Auth(credentials, "lightsail", region).add_auth(request)
            sent = dict(request.headers.items())
        async with self.session.request(method, url, data=data, headers=sent) as response:
            return response.status, dict(response.headers), await response.text()

    async def json(self, operation: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        """Send a signed Lightsail call; return (status, decoded JSON body)."""
        status, _, text = await self.request(operation, body, **kw)
        return status, json.loads(text)
