"""Staff sign in on the local stack exactly as the portal does: Cognito (moto) issues the token,
the API verifies it against the pool's JWKS."""

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

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


def _idp(stack):
    return boto3.client("cognito-idp", endpoint_url=stack.aux.endpoint, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def test_a_demo_city_admin_answers_the_totp_challenge_and_a_disabled_account_loses_access_at_once(stack):
    """Over HTTP on the local stack: the demo city administrator signs in with the banner's TOTP
    secret; a staff member it creates and then disables is refused at once with the token and the
    refresh token issued before."""
    from tools.cognito import DEMO_TOTP_SECRET, sign_in

    password = seed.load_staff()["password"]
    idp = _idp(stack)
    first = idp.initiate_auth(ClientId=stack.pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "city.admin", "PASSWORD": password})
    assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    admin = sign_in(idp, stack.pool, "city.admin", password, DEMO_TOTP_SECRET)["IdToken"]
    as_admin = {"Authorization": f"Bearer {admin}", "Idempotency-Key": str(uuid.uuid4())}
    status, _, created = call(f"{stack.url}/api/admin/staff", "POST",
                              {"username": "short.stay", "name": "短期经办人", "unit_id": "taishan",
                               "roles": ["caseworker"]}, as_admin)
    assert status == 201, created
    challenge = idp.initiate_auth(ClientId=stack.pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "short.stay", "PASSWORD": created["temporary_password"]})
    session = idp.respond_to_auth_challenge(
        ClientId=stack.pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "short.stay", "NEW_PASSWORD": "Short-Stay-2020!"})["AuthenticationResult"]
    mine = {"Authorization": f"Bearer {session['IdToken']}"}
    assert call(f"{stack.url}/api/me", headers=mine)[0] == 200
    assert call(f"{stack.url}/api/staff/support/units/taishan/queue", headers=mine)[0] == 200

    status, _, disabled = call(f"{stack.url}/api/admin/staff/short.stay/disable", "POST", None,
                               {"Authorization": f"Bearer {admin}"})
    assert status == 200 and disabled["status"] == "disabled", disabled

    assert call(f"{stack.url}/api/me", headers=mine)[0] == 401
    assert call(f"{stack.url}/api/staff/support/units/taishan/queue", headers=mine)[0] == 401
    with pytest.raises(ClientError):
        idp.initiate_auth(ClientId=stack.pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": session["RefreshToken"]})
