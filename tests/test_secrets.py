"""Secrets never appear in a repr, a str, or any log line, botocore's DEBUG logs included."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

import aiolightsail as al
from aiolightsail import LightsailClient, _logging
from tests.conftest import SECRET_KEY, Wire

PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial\n"
    "-----END RSA PRIVATE KEY-----\n"
)
CERT_KEY = "ssh-rsa-cert-v01@openssh.com AAAAcertkeymaterial"
PASSWORD = "Adm1n-p4ssw0rd!"
CIPHERTEXT = "c2VjcmV0LWNpcGhlcnRleHQtYmxvYg=="
USER_DATA = "#!/bin/sh\nexport DB_PASSWORD=launch-script-secret\n"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"
SECRETS = [
    PRIVATE_KEY.splitlines()[1],
    CERT_KEY.split()[1],
    PASSWORD,
    CIPHERTEXT,
    "launch-script-secret",
    SECRET_KEY,
    SESSION_TOKEN,
]
ACCESS_DETAILS = {
    "accessDetails": {
        "certKey": CERT_KEY,
        "privateKey": PRIVATE_KEY,
        "password": PASSWORD,
        "passwordData": {"ciphertext": CIPHERTEXT, "keyPairName": "kp"},
        "username": "ubuntu",
        "instanceName": "web-1",
        "ipAddress": "203.0.113.7",
    }
}


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


async def test_access_details_secrets_stay_out_of_repr_and_logs(
    debug_log: list[str], wire: Wire, client_factory: Callable[..., LightsailClient]
) -> None:
    """Access details' key material is readable but absent from repr, str and DEBUG logs."""
    wire.reply(ACCESS_DETAILS)
    async with client_factory(aws_session_token=SESSION_TOKEN) as client:
        details = await client.get_instance_access_details("web-1")
    assert details.private_key == PRIVATE_KEY
    assert details.password_data is not None and details.password_data.ciphertext == CIPHERTEXT
    assert _leaks(repr(details)) == []
    assert _leaks(str(details)) == []
    text = "\n".join(debug_log)
    assert "Response body" in text, "botocore's body logging ran, so the check means something"
    assert _leaks(text) == []


async def test_user_data_stays_out_of_logs(
    debug_log: list[str], client: LightsailClient, wire: Wire
) -> None:
    """A launch script sent with CreateInstances is not in any DEBUG line."""
    wire.reply({"operations": []})
    await client.create_instances(
        instance_names=["web-1"],
        availability_zone="eu-west-1a",
        blueprint_id="ubuntu_24_04",
        bundle_id="nano_3_0",
        user_data=USER_DATA,
    )
    assert wire.calls[0][1]["userData"] == USER_DATA
    text = "\n".join(debug_log)
    assert "Making request" in text
    assert _leaks(text) == []


def test_redaction_is_what_hides_them() -> None:
    """Without the filter the same botocore-style lines would leak (the tests above can fail)."""
    line = 'Response body:\nb\'{{"accessDetails": {{"privateKey": "{}"}}}}\''.format(
        PRIVATE_KEY.replace("\n", "\\n")
    )
    assert _leaks(line)
    assert _leaks(_logging.redact(line)) == []


@pytest.mark.parametrize(
    "line",
    [
        f"<AssumeRoleResult><Credentials><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>"
        f"<SessionToken>{SESSION_TOKEN}</SessionToken></Credentials>",
        f"headers={{'X-Amz-Security-Token': '{SESSION_TOKEN}', 'Authorization': 'AWS4'}}",
        f"x-amz-security-token:{SESSION_TOKEN}\n",
        "{{'password': '{}', 'userData': '{}'}}".format(PASSWORD, USER_DATA.replace("\n", "\\n")),
    ],
)
def test_redact_patterns(line: str) -> None:
    """Each shape in which botocore prints secrets is redacted."""
    assert _leaks(line)
    assert _leaks(_logging.redact(line)) == []


def test_client_repr_hides_credentials(client_factory: Callable[..., LightsailClient]) -> None:
    """The client's repr says where credentials come from, never what they are."""
    client = client_factory(aws_session_token=SESSION_TOKEN)
    text = repr(client) + str(client)
    assert _leaks(text) == []
    assert "static keys" in text


def test_models_with_secrets_hide_them() -> None:
    """Secret attributes are left out of repr and str of their models."""
    data = al.PasswordData(ciphertext=CIPHERTEXT, key_pair_name="kp")
    assert CIPHERTEXT not in repr(data) and CIPHERTEXT not in str(data)
    assert "kp" in repr(data)


@pytest.mark.parametrize("opened_by", ["client", "fleet"])
async def test_a_static_secret_is_redacted_once_its_client_opens(opened_by: str) -> None:
    """The secret key and session token given to a client (or to a fleet's target) are
    registered when the client opens: from then on no log line shows them."""
    secret = f"Zq{uuid.uuid4().hex}"  # a shape no pattern catches: only registration hides it
    token = f"Tk{uuid.uuid4().hex}"
    line = f"signing with {secret} and {token}"
    assert secret in _logging.redact(line) and token in _logging.redact(line)
    keys: dict[str, Any] = {
        "aws_access_key_id": "AKIA0000000000000000",
        "aws_secret_access_key": secret,
        "aws_session_token": token,
    }
    if opened_by == "client":
        async with LightsailClient("eu-west-1", endpoint_url="http://127.0.0.1:9", **keys):
            pass
    else:
        target = al.Target("eu-west-1", endpoint_url="http://127.0.0.1:9", **keys)
        async with al.Fleet([target]) as fleet:
            await fleet.client(target)
    shown = _logging.redact(line)
    assert secret not in shown and token not in shown
