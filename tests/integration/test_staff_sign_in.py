"""Staff sign in on the local stack exactly as the portal does: Cognito (moto) issues the token,
the API verifies it against the pool's JWKS."""

import boto3

from tests.integration.conftest import call
from tools import seed


def test_a_demo_caseworker_signs_in_and_the_api_knows_them(stack):
    password = seed.load_staff()["password"]
    idp = boto3.client("cognito-idp", endpoint_url=stack.aux.endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    _, _, config = call(f"{stack.url}/api/auth/config")
    assert config["endpoint"] == stack.aux.endpoint and config["client_id"]
    tokens = idp.initiate_auth(ClientId=config["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "taishan.caseworker", "PASSWORD": password})
    token = tokens["AuthenticationResult"]["IdToken"]
    status, _, me = call(f"{stack.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert status == 200, me
    assert me["unit_name"] == "泰山区总工会" and me["roles"] == ["caseworker"]
    status, _, refused = call(f"{stack.url}/api/me", headers={"Authorization": "Bearer nonsense"})
    assert status == 401 and refused["title"] == "需要登录"
