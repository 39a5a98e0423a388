"""The staff user pool on a local Cognito (moto's server), made with the same boto3 admin calls
an operator uses against AWS: pool, role groups, app client, demo staff.

The pool, its groups and its app client are read from infra/identity.yaml, the template AWS
deploys, so the local pool cannot drift from it (which attributes a user may write, the password
policy, the second factor)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "identity.yaml"
POOL_NAME = "worker-services-staff"
# CloudFormation properties that are not CreateUserPool parameters, or not wanted locally.
_NOT_POOL_PARAMETERS = {"UserPoolName", "EnabledMfas", "DeletionProtection"}


@lru_cache(maxsize=1)
def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))["Resources"]
    return resources


def pool_parameters() -> dict[str, Any]:
    """CreateUserPool parameters from the template's UserPool."""
    props = _resources()["UserPool"]["Properties"]
    return {k: v for k, v in props.items() if k not in _NOT_POOL_PARAMETERS}


def client_parameters() -> dict[str, Any]:
    """CreateUserPoolClient parameters from the template's UserPoolClient (less the pool reference)."""
    props = _resources()["UserPoolClient"]["Properties"]
    return {k: v for k, v in props.items() if k != "UserPoolId"}


def software_token_mfa() -> bool:
    return "SOFTWARE_TOKEN_MFA" in _resources()["UserPool"]["Properties"].get("EnabledMfas", [])


def role_groups() -> list[tuple[str, str]]:
    """(group name, description) of every role group in the template."""
    return [(r["Properties"]["GroupName"], r["Properties"].get("Description", ""))
            for r in _resources().values() if r["Type"] == "AWS::Cognito::UserPoolGroup"]


ROLES = tuple(name for name, _ in role_groups())


@dataclass(frozen=True)
class Pool:
    pool_id: str
    client_id: str
    region: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


def create_pool(client: Any, region: str) -> Pool:
    pool_id = client.create_user_pool(PoolName=POOL_NAME, **pool_parameters())["UserPool"]["Id"]
    if software_token_mfa():
        client.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                        MfaConfiguration=pool_parameters().get("MfaConfiguration", "OFF"))
    for name, description in role_groups():
        client.create_group(GroupName=name, UserPoolId=pool_id, Description=description)
    app_client = client.create_user_pool_client(UserPoolId=pool_id, **client_parameters())["UserPoolClient"]
    return Pool(pool_id, app_client["ClientId"], region)


def create_staff_user(client: Any, pool: Pool, username: str, name: str, unit_id: str, roles: list[str],
                      password: str) -> None:
    client.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "name", "Value": name},
            {"Name": "custom:unit_id", "Value": unit_id},
            {"Name": "custom:roles", "Value": ",".join(roles)},
        ],
        MessageAction="SUPPRESS",
    )
    client.admin_set_user_password(UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True)
    for role in roles:
        client.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=username, GroupName=role)


# --- TOTP second factor --------------------------------------------------------------------------

# moto's Cognito gives every account this one secret (AWS gives each its own): the demo city
# administrators and finance staff are enrolled with it at start, and the banner prints it.
DEMO_TOTP_SECRET = "ASDFASDFASDF"  # noqa: S105 - moto's fixed secret, for the demo only


def needs_totp(roles: list[str]) -> bool:
    """Does the API ask a second factor of someone with these roles?"""
    from chalicelib.core.roles import MFA_ROLES

    return bool(MFA_ROLES & set(roles))


def totp_code(secret: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for a base32 secret (RFC 6238, 30 s, SHA-1)."""
    padded = secret.upper() + "=" * (-len(secret) % 8)
    # SHA-1 is what RFC 6238 and every authenticator app use for TOTP (an HMAC, not a bare digest).
    totp = TOTP(base64.b32decode(padded), 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303
    return totp.generate(int(time.time() if at is None else at)).decode()


def steady_totp_code(secret: str, margin: float = 4.0) -> str:
    """The current code, waiting for the next 30-second step when fewer than `margin` seconds of
    this one are left, so the code is still current when Cognito checks it (moto allows no drift)."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)
    return totp_code(secret)


def enrol_totp(client: Any, access_token: str) -> str:
    """What the sign-in page does for a first TOTP enrolment: AssociateSoftwareToken,
    VerifySoftwareToken with the current code, SetUserMFAPreference. Returns the secret."""
    secret = str(client.associate_software_token(AccessToken=access_token)["SecretCode"])
    client.verify_software_token(AccessToken=access_token, UserCode=steady_totp_code(secret),
                                 FriendlyDeviceName="authenticator")
    client.set_user_mfa_preference(AccessToken=access_token,
                                   SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return secret


def sign_in(client: Any, pool: Pool, username: str, password: str, secret: str | None = None) -> dict[str, Any]:
    """USER_PASSWORD_AUTH, answering a SOFTWARE_TOKEN_MFA challenge with the secret's current code.
    Returns the AuthenticationResult (IdToken, AccessToken, RefreshToken)."""
    result = client.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": username, "PASSWORD": password})
    if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        if secret is None:
            raise ValueError(f"{username} signs in with a TOTP code: give its secret")
        result = client.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=result["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": steady_totp_code(secret)})
    authenticated: dict[str, Any] = result["AuthenticationResult"]
    return authenticated


if __name__ == "__main__":  # make totp: the demo accounts' current code
    print(totp_code(DEMO_TOTP_SECRET))
