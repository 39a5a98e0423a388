"""Who may act is decided on every request from the staff record: a disabled account is refused at
once, an attribute the person changed on their own Cognito account counts for nothing, and city
administrators and finance staff need a recorded TOTP second factor (moto's Cognito, in process)."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import app  # noqa: F401 - registers every route
from chalicelib.core import api
from chalicelib.core.roles import MFA_ROLES
from chalicelib.orgs import service as orgs
from chalicelib.orgs import store as orgs_store
from tests.api.test_access_matrix import placeholder
from tests.staff_accounts import PASSWORD, put_staff_record, staff_session
from tools.cognito import (
    client_parameters,
    create_staff_user,
    enrol_totp,
    pool_parameters,
    sign_in,
    totp_code,
)


def _idp() -> Any:
    return boto3.client("cognito-idp", region_name="us-east-1")


def _call(env: Any, method: str, path: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "POST":
        headers["Content-Type"] = "application/json"
    return env.client.http.request(method, path, headers=headers, body=b"{}" if method == "POST" else b"")


def _refused(response: Any) -> bool:
    """The gateway refused the credential (the authorizer denied it), as for an expired token, before
    any route ran. Chalice's test client shows API Gateway's raw 403 AccessDeniedException; the
    deployed gateway (infra/functions.yaml's gateway responses) and the local server answer it as
    the 401 problem, which the local stack test checks over HTTP."""
    return bool(response.status_code == 403
                and response.headers.get("x-amzn-ErrorType") == "AccessDeniedException")


def _problem_type(response: Any) -> str:
    return str(json.loads(response.body).get("type"))


# --- disabling ends access at once ---------------------------------------------------------------

def test_a_token_issued_before_disable_is_refused_right_after_on_me_and_on_a_queue(fresh):
    admin = fresh.token("taishan.admin", "taishan", ["unit_admin"])
    session = staff_session(_idp(), fresh.pool, "leaver.caseworker", "taishan", ["caseworker"])
    token = session["IdToken"]
    assert _call(fresh, "GET", "/me", token).status_code == 200
    assert _call(fresh, "GET", "/staff/support/units/taishan/queue", token).status_code == 200

    assert _call(fresh, "POST", "/admin/staff/leaver.caseworker/disable", admin).status_code == 200

    assert _refused(_call(fresh, "GET", "/me", token))
    assert _refused(_call(fresh, "GET", "/staff/support/units/taishan/queue", token))


def test_disable_signs_the_account_out_everywhere_so_its_refresh_token_fails(fresh):
    """moto revokes refresh tokens on AdminUserGlobalSignOut (not on AdminDisableUser alone), so a
    refresh after disable fails only because disable signs the account out globally."""
    admin = fresh.token("taishan.admin", "taishan", ["unit_admin"])
    idp = _idp()
    session = staff_session(idp, fresh.pool, "leaver2.caseworker", "taishan", ["caseworker"])
    refreshed = idp.initiate_auth(ClientId=fresh.pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": session["RefreshToken"]})
    assert refreshed["AuthenticationResult"]["IdToken"]

    assert _call(fresh, "POST", "/admin/staff/leaver2.caseworker/disable", admin).status_code == 200

    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(ClientId=fresh.pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": session["RefreshToken"]})
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError):
        sign_in(idp, fresh.pool, "leaver2.caseworker", PASSWORD)


def test_a_disable_made_on_another_container_counts_once_the_cached_record_is_old(fresh, monkeypatch):
    token = fresh.token("elsewhere.caseworker", "taishan", ["caseworker"])
    assert _call(fresh, "GET", "/me", token).status_code == 200
    # Another container disables the account: only the table changes here.
    record = orgs_store.get_staff("elsewhere.caseworker")
    assert record is not None
    fresh_table = boto3.resource("dynamodb", region_name="us-east-1").Table(fresh.table)
    fresh_table.put_item(Item=orgs_store.staff_item({**record, "status": "disabled"}))
    assert _call(fresh, "GET", "/me", token).status_code == 200  # this container's copy is still young

    later = time.monotonic() + orgs.STAFF_RECORD_TTL_SECONDS + 0.1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert _refused(_call(fresh, "GET", "/me", token))
    assert orgs.STAFF_RECORD_TTL_SECONDS <= 10  # seconds, not minutes


def test_a_token_without_a_staff_record_is_refused(fresh):
    idp = _idp()
    create_staff_user(idp, fresh.pool, "no.record", "无档案", "taishan", ["caseworker"], PASSWORD)
    token = sign_in(idp, fresh.pool, "no.record", PASSWORD)["IdToken"]
    assert _refused(_call(fresh, "GET", "/me", token))


# --- a person cannot move themselves --------------------------------------------------------------

def test_the_local_pool_is_the_templates_pool(shared):
    """Staff may write only their name, and TOTP is on (optional at pool level), as infra/ says."""
    idp = _idp()
    client = idp.describe_user_pool_client(UserPoolId=shared.pool.pool_id, ClientId=shared.pool.client_id)
    assert client["UserPoolClient"]["WriteAttributes"] == ["name"] == client_parameters()["WriteAttributes"]
    mfa = idp.get_user_pool_mfa_config(UserPoolId=shared.pool.pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL" == pool_parameters()["MfaConfiguration"]
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_changing_ones_own_unit_and_roles_attributes_changes_nothing(fresh):
    """moto accepts UpdateUserAttributes for any attribute (Cognito in AWS refuses what the client
    may not write): the API takes unit and roles from the staff record, never from the token."""
    idp = _idp()
    session = staff_session(idp, fresh.pool, "mover.caseworker", "taishan", ["caseworker"])
    idp.update_user_attributes(AccessToken=session["AccessToken"], UserAttributes=[
        {"Name": "custom:unit_id", "Value": "city"}, {"Name": "custom:roles", "Value": "city_admin"}])
    groups = idp.admin_list_groups_for_user(UserPoolId=fresh.pool.pool_id, Username="mover.caseworker")
    assert [g["GroupName"] for g in groups["Groups"]] == ["caseworker"]
    token = sign_in(idp, fresh.pool, "mover.caseworker", PASSWORD)["IdToken"]

    me = json.loads(_call(fresh, "GET", "/me", token).body)
    assert (me["unit_id"], me["roles"]) == ("taishan", ["caseworker"])
    assert _call(fresh, "GET", "/staff/support/units/city/queue", token).status_code == 404
    assert _call(fresh, "GET", "/admin/partners", token).status_code == 403


# --- city administrators and finance staff need a second factor ----------------------------------

def _without_totp(env: Any, username: str, unit_id: str, role: str) -> dict[str, Any]:
    """An account in an MFA role that has not enrolled yet (signs in with the password alone)."""
    idp = _idp()
    create_staff_user(idp, env.pool, username, username, unit_id, [role], PASSWORD)
    put_staff_record(username, unit_id, [role], mfa=False)
    return sign_in(idp, env.pool, username, PASSWORD)


MFA_ROUTES = sorted((d.method, d.path) for d in api.REGISTRY
                    if d.audience == api.STAFF and set(d.roles) & MFA_ROLES and not d.before_mfa)


def test_only_enrolment_is_open_before_the_second_factor():
    assert sorted((d.method, d.path) for d in api.REGISTRY if d.before_mfa) == [("POST", "/me/mfa")]


@pytest.mark.parametrize("role", sorted(MFA_ROLES))
def test_without_totp_every_route_but_enrolment_answers_mfa_required(shared, role):
    token = _without_totp(shared, f"nototp.{role}", "city", role)["IdToken"]
    routes = [r for r in MFA_ROUTES if any(d.method == r[0] and d.path == r[1] and role in d.roles
                                           for d in api.REGISTRY)]
    assert routes
    for route in routes:
        response = _call(shared, *placeholder(route)[:2], token)
        assert response.status_code == 403, (route, response.body)
        body = json.loads(response.body)
        assert body["type"] == "/problems/mfa-required", route
        assert "验证器" in body["detail"]


def test_enrolment_with_cognito_then_recorded_opens_the_workbench(fresh):
    idp = _idp()
    session = _without_totp(fresh, "new.finance", "daiyue", "finance")
    token = session["IdToken"]
    assert _problem_type(_call(fresh, "GET", "/me", token)) == "/problems/mfa-required"

    refused = _call(fresh, "POST", "/me/mfa", token)  # nothing enrolled in Cognito yet
    assert refused.status_code == 409 and _problem_type(refused) == "/problems/mfa-not-enrolled"

    secret = enrol_totp(idp, session["AccessToken"])
    answer = _call(fresh, "POST", "/me/mfa", token)
    assert answer.status_code == 200, answer.body
    assert json.loads(answer.body)["id"] == "new.finance"
    assert _call(fresh, "GET", "/me", token).status_code == 200
    record = orgs_store.get_staff("new.finance")
    assert record is not None and record["mfa"] == "totp"
    assert secret not in json.dumps(record, default=str)

    # From now on Cognito asks for the code at sign-in, and refuses a wrong one.
    challenge = idp.initiate_auth(ClientId=fresh.pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "new.finance", "PASSWORD": PASSWORD})
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    with pytest.raises(ClientError) as mismatch:
        idp.respond_to_auth_challenge(ClientId=fresh.pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
                                      Session=challenge["Session"],
                                      ChallengeResponses={"USERNAME": "new.finance", "SOFTWARE_TOKEN_MFA_CODE": wrong})
    assert mismatch.value.response["Error"]["Code"] == "CodeMismatchException"
    assert sign_in(idp, fresh.pool, "new.finance", PASSWORD, secret)["IdToken"]


def test_other_roles_may_sign_in_without_a_second_factor(fresh):
    token = fresh.token("plain.caseworker", "taishan", ["caseworker"])
    assert _call(fresh, "GET", "/me", token).status_code == 200


def test_without_a_user_pool_the_oidc_providers_token_is_taken_as_it_is(shared, monkeypatch):
    """The AWS China regions have no Cognito user pools: staff live in an OIDC provider, which
    disables accounts and asks for second factors itself; no staff records exist there."""
    from chalicelib.core.config import reset_settings
    from tests.conftest import forge_token

    now = int(time.time())
    token = forge_token({"iss": shared.pool.issuer, "aud": shared.pool.client_id, "token_use": "id",
                         "cognito:username": "oidc.finance", "custom:unit_id": "daiyue", "cognito:groups": ["finance"],
                         "iat": now, "exp": now + 600})
    assert _refused(_call(shared, "GET", "/me", token))  # with a pool: no staff record, refused
    monkeypatch.setenv("COGNITO_USER_POOL_ID", "")
    reset_settings()
    try:
        me = _call(shared, "GET", "/me", token)
        assert me.status_code == 200, me.body
        assert json.loads(me.body)["roles"] == ["finance"]
    finally:
        monkeypatch.undo()
        reset_settings()
