"""Staff accounts in the Cognito user pool, with the same admin calls in AWS and locally (moto): the
sign-in service's adapter, used by orgs (accounts made and disabled with staff records) and identity."""

from __future__ import annotations

import secrets
import string
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chalicelib.core import config, errors
from chalicelib.core.config import settings

_clients: dict[str, Any] = {}


def _client() -> Any:
    """One client per container (creating a boto3 client takes tens of milliseconds)."""
    if "idp" not in _clients:
        s = settings()
        _clients["idp"] = boto3.client("cognito-idp", region_name=s.region, endpoint_url=s.cognito_endpoint)
    return _clients["idp"]


config.on_reset(_clients.clear)


def temporary_password() -> str:
    """Meets the pool's policy: 16 characters with upper, lower, digit and symbol."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    return core + secrets.choice(string.ascii_uppercase) + secrets.choice(string.ascii_lowercase) + \
        secrets.choice(string.digits) + secrets.choice("!#%+-=?@")


def create_user(username: str, name: str, unit_id: str, roles: list[str]) -> str:
    """Create the account with a temporary password (returned once) and add it to its role groups."""
    client = _client()
    pool = settings().cognito_user_pool_id
    password = temporary_password()
    try:
        client.admin_create_user(
            UserPoolId=pool, Username=username, TemporaryPassword=password, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "name", "Value": name}, {"Name": "custom:unit_id", "Value": unit_id},
                            {"Name": "custom:roles", "Value": ",".join(roles)}],
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UsernameExistsException":
            raise errors.conflict("这个登录名已被使用，请换一个。", "username-taken") from None
        raise
    for role in roles:
        client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=role)
    return password


def delete_user(username: str) -> None:
    _client().admin_delete_user(UserPoolId=settings().cognito_user_pool_id, Username=username)


def disable_user(username: str) -> None:
    _client().admin_disable_user(UserPoolId=settings().cognito_user_pool_id, Username=username)


def enable_user(username: str) -> None:
    _client().admin_enable_user(UserPoolId=settings().cognito_user_pool_id, Username=username)


def sign_out_everywhere(username: str) -> None:
    """AdminUserGlobalSignOut: every refresh token of the account stops working."""
    _client().admin_user_global_sign_out(UserPoolId=settings().cognito_user_pool_id, Username=username)


def has_totp(username: str) -> bool:
    """Has the account a verified TOTP authenticator, enabled for sign-in (AdminGetUser)?"""
    user = _client().admin_get_user(UserPoolId=settings().cognito_user_pool_id, Username=username)
    return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])
