"""The staff user pool on a local Cognito (moto's server), made with the same boto3 admin calls
an operator uses against AWS: pool, role groups, app client, demo staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("city_admin", "unit_admin", "caseworker", "hotline_operator", "contact_person", "finance", "auditor",
         "counsellor")
POOL_NAME = "worker-services-staff"


@dataclass(frozen=True)
class Pool:
    pool_id: str
    client_id: str
    region: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


def create_pool(client: Any, region: str) -> Pool:
    pool = client.create_user_pool(
        PoolName=POOL_NAME,
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireSymbols": True}},
        Schema=[
            {"Name": "unit_id", "AttributeDataType": "String", "Mutable": True},
            {"Name": "roles", "AttributeDataType": "String", "Mutable": True},
        ],
    )["UserPool"]
    pool_id = pool["Id"]
    for role in ROLES:
        client.create_group(GroupName=role, UserPoolId=pool_id)
    app_client = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="staff-portal",
        GenerateSecret=False,
        ReadAttributes=["name", "custom:unit_id", "custom:roles"],
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
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
